//! Who the customers on screen are: names and payment method labels, so screens show people,
//! not ids.

use countersign_shop::{CustomerCard, ShopView};
use tauri::State;

use crate::ipc_error::IpcError;
use crate::state::AppState;

/// The cards of the customers the shop knows among `ids`; unknown ids are left out (the
/// screen keeps showing the id).
#[tauri::command]
pub async fn customers_lookup(
    state: State<'_, AppState>,
    ids: Vec<String>,
) -> Result<Vec<CustomerCard>, IpcError> {
    state
        .read(move |r| {
            let shop = r.shop();
            let mut cards = Vec::new();
            for id in ids.iter().filter(|id| !id.is_empty()) {
                let user = shop
                    .user(id)
                    .map_err(|e| IpcError::new("storage", e.to_string()))?;
                cards.extend(user.as_ref().map(CustomerCard::of));
            }
            Ok(cards)
        })
        .await
}
