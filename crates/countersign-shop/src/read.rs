//! Read tools: they run at once, scoped to what the caller may see.

use serde_json::Value;

use crate::calculate::calculate;
use crate::model::{Order, Product, User};
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

fn allowed(scope: &Scope, owner: &str) -> bool {
    match scope {
        Scope::Staff => true,
        Scope::Customer(c) => c == owner,
    }
}

/// `find_user_id_by_email`, typed.
pub fn user_id_by_email<V: ShopView>(
    view: &V,
    scope: &Scope,
    email: &str,
) -> Result<String, ReadError<V::Error>> {
    let id = view.user_id_by_email(email).map_err(ReadError::View)?;
    id.filter(|id| allowed(scope, id))
        .ok_or_else(|| ReadError::NotFound("user".into()))
}

/// `find_user_id_by_name_zip`, typed.
pub fn user_id_by_name_zip<V: ShopView>(
    view: &V,
    scope: &Scope,
    first_name: &str,
    last_name: &str,
    zip: &str,
) -> Result<String, ReadError<V::Error>> {
    let id = view
        .user_id_by_name_zip(first_name, last_name, zip)
        .map_err(ReadError::View)?;
    id.filter(|id| allowed(scope, id))
        .ok_or_else(|| ReadError::NotFound("user".into()))
}

/// `get_user_details`, typed.
pub fn user_details<V: ShopView>(
    view: &V,
    scope: &Scope,
    user_id: &str,
) -> Result<User, ReadError<V::Error>> {
    if !allowed(scope, user_id) {
        return Err(ReadError::OutOfScope(format!("user {user_id}")));
    }
    view.user(user_id)
        .map_err(ReadError::View)?
        .ok_or_else(|| ReadError::NotFound(format!("user {user_id}")))
}

/// `get_order_details`, typed.
pub fn order_details<V: ShopView>(
    view: &V,
    scope: &Scope,
    order_id: &str,
) -> Result<Order, ReadError<V::Error>> {
    let order = view
        .order(order_id)
        .map_err(ReadError::View)?
        .ok_or_else(|| ReadError::NotFound(format!("order {order_id}")))?;
    if !allowed(scope, &order.user_id) {
        return Err(ReadError::OutOfScope(format!("order {order_id}")));
    }
    Ok(order)
}

/// `get_product_details`, typed. Products are public: no scope.
pub fn product_details<V: ShopView>(
    view: &V,
    product_id: &str,
) -> Result<Product, ReadError<V::Error>> {
    view.product(product_id)
        .map_err(ReadError::View)?
        .ok_or_else(|| ReadError::NotFound(format!("product {product_id}")))
}

/// Runs a read tool call and returns its result as the tool's JSON (for the CLI, the app and
/// a model); in-process callers use the typed functions above.
pub fn run_read<V: ShopView>(
    view: &V,
    scope: &Scope,
    call: &ReadCall,
) -> Result<Value, ReadError<V::Error>> {
    match call {
        ReadCall::FindUserIdByEmail(a) => {
            user_id_by_email(view, scope, &a.email).map(Value::String)
        }
        ReadCall::FindUserIdByNameZip(a) => {
            user_id_by_name_zip(view, scope, &a.first_name, &a.last_name, &a.zip).map(Value::String)
        }
        ReadCall::GetUserDetails(a) => user_details(view, scope, &a.user_id).map(|u| to_value(&u)),
        ReadCall::GetOrderDetails(a) => {
            order_details(view, scope, &a.order_id).map(|o| to_value(&o))
        }
        ReadCall::GetProductDetails(a) => {
            product_details(view, &a.product_id).map(|p| to_value(&p))
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
