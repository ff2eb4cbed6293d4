//! Read tools: they run at once, scoped to what the caller may see.

use serde_json::Value;

use crate::calculate::calculate;
use crate::tools::ReadCall;
use crate::view::ShopView;

/// Whose data a read may return. A conversation sees only its authenticated customer; staff
/// working outside a conversation (the CLI's `lookup`) see the whole shop.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Scope {
    Staff,
    Customer(String),
}

#[derive(Debug, thiserror::Error)]
pub enum ReadError<E: std::error::Error + 'static> {
    #[error("{0} not found")]
    NotFound(String),
    /// Another customer's record, in a customer-scoped conversation.
    #[error("{0} belongs to another customer than this conversation's")]
    OutOfScope(String),
    #[error(transparent)]
    Calculate(#[from] crate::calculate::CalculateError),
    #[error("reading the shop failed")]
    View(#[source] E),
}

fn to_value<T: serde::Serialize>(v: &T) -> Value {
    serde_json::to_value(v).unwrap_or(Value::Null)
}

pub fn run_read<V: ShopView>(
    view: &V,
    scope: &Scope,
    call: &ReadCall,
) -> Result<Value, ReadError<V::Error>> {
    let allowed = |owner: &str| match scope {
        Scope::Staff => true,
        Scope::Customer(c) => c == owner,
    };
    match call {
        ReadCall::FindUserIdByEmail(a) => {
            let id = view.user_id_by_email(&a.email).map_err(ReadError::View)?;
            id.filter(|id| allowed(id))
                .map(Value::String)
                .ok_or_else(|| ReadError::NotFound("user".into()))
        }
        ReadCall::FindUserIdByNameZip(a) => {
            let id = view
                .user_id_by_name_zip(&a.first_name, &a.last_name, &a.zip)
                .map_err(ReadError::View)?;
            id.filter(|id| allowed(id))
                .map(Value::String)
                .ok_or_else(|| ReadError::NotFound("user".into()))
        }
        ReadCall::GetUserDetails(a) => {
            if !allowed(&a.user_id) {
                return Err(ReadError::OutOfScope(format!("user {}", a.user_id)));
            }
            let user = view.user(&a.user_id).map_err(ReadError::View)?;
            user.map(|u| to_value(&u))
                .ok_or_else(|| ReadError::NotFound(format!("user {}", a.user_id)))
        }
        ReadCall::GetOrderDetails(a) => {
            let order = view.order(&a.order_id).map_err(ReadError::View)?;
            let order =
                order.ok_or_else(|| ReadError::NotFound(format!("order {}", a.order_id)))?;
            if !allowed(&order.user_id) {
                return Err(ReadError::OutOfScope(format!("order {}", a.order_id)));
            }
            Ok(to_value(&order))
        }
        ReadCall::GetProductDetails(a) => {
            let product = view.product(&a.product_id).map_err(ReadError::View)?;
            product
                .map(|p| to_value(&p))
                .ok_or_else(|| ReadError::NotFound(format!("product {}", a.product_id)))
        }
        ReadCall::GetItemDetails(a) => {
            let product = view.product_of_item(&a.item_id).map_err(ReadError::View)?;
            product
                .and_then(|p| p.variants.get(&a.item_id).map(to_value))
                .ok_or_else(|| ReadError::NotFound(format!("item {}", a.item_id)))
        }
        ReadCall::ListAllProductTypes => {
            Ok(to_value(&view.product_types().map_err(ReadError::View)?))
        }
        ReadCall::Calculate(a) => Ok(Value::String(calculate(&a.expression)?)),
    }
}
