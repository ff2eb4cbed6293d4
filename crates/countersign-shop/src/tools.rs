//! The τ-bench retail tools: names, kinds and argument types.
//!
//! Names and argument names are identical to τ-bench so its tasks replay unchanged. Every
//! argument struct denies unknown fields; its JSON schema (see `schema.rs`) is derived from the
//! struct, so the schema and the parser cannot drift apart.

use std::fmt;
use std::str::FromStr;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::model::Address;
use crate::subject::Subject;

/// Whether a tool only reads (runs at once), writes the shop (only ever becomes a proposal),
/// or answers the customer (the reply: a proposal too, sent by the desk, never a shop write).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ToolKind {
    Read,
    Write,
    Reply,
}

macro_rules! tools {
    ($( $variant:ident => $name:literal, $kind:ident; )*) => {
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[cfg_attr(feature = "ts", derive(ts_rs::TS))]
        pub enum ToolName {
            $( #[serde(rename = $name)] $variant, )*
        }

        impl ToolName {
            pub const ALL: &'static [ToolName] = &[$(ToolName::$variant),*];

            pub fn as_str(self) -> &'static str {
                match self { $(ToolName::$variant => $name,)* }
            }

            pub fn kind(self) -> ToolKind {
                match self { $(ToolName::$variant => ToolKind::$kind,)* }
            }
        }
    };
}

tools! {
    FindUserIdByEmail => "find_user_id_by_email", Read;
    FindUserIdByNameZip => "find_user_id_by_name_zip", Read;
    GetUserDetails => "get_user_details", Read;
    GetOrderDetails => "get_order_details", Read;
    GetProductDetails => "get_product_details", Read;
    GetItemDetails => "get_item_details", Read;
    ListAllProductTypes => "list_all_product_types", Read;
    Calculate => "calculate", Read;
    CancelPendingOrder => "cancel_pending_order", Write;
    ModifyPendingOrderAddress => "modify_pending_order_address", Write;
    ModifyPendingOrderPayment => "modify_pending_order_payment", Write;
    ModifyPendingOrderItems => "modify_pending_order_items", Write;
    ReturnDeliveredOrderItems => "return_delivered_order_items", Write;
    ExchangeDeliveredOrderItems => "exchange_delivered_order_items", Write;
    ModifyUserAddress => "modify_user_address", Write;
    SendReply => "send_reply", Reply;
}

impl fmt::Display for ToolName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("unknown tool `{0}`")]
pub struct UnknownTool(pub String);

impl FromStr for ToolName {
    type Err = UnknownTool;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        ToolName::ALL
            .iter()
            .copied()
            .find(|t| t.as_str() == s)
            .ok_or_else(|| UnknownTool(s.to_owned()))
    }
}

// ---- read tool arguments ----

#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FindUserIdByEmailArgs {
    pub email: String,
}

#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FindUserIdByNameZipArgs {
    pub first_name: String,
    pub last_name: String,
    pub zip: String,
}

#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct UserIdArgs {
    pub user_id: String,
}

#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct OrderIdArgs {
    pub order_id: String,
}

#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ProductIdArgs {
    pub product_id: String,
}

#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ItemIdArgs {
    pub item_id: String,
}

#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NoArgs {}

#[derive(Clone, Debug, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CalculateArgs {
    /// Arithmetic with digits, `+ - * / ( ) .` and spaces only.
    pub expression: String,
}

// ---- the reply ----

/// The reply to the customer as a proposal: what a person approves is exactly what is sent.
/// Not a shop write (`parse_write` refuses it); the desk keeps its revisions and sends it.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SendReplyArgs {
    /// The words the customer will read.
    #[schemars(length(min = 1))]
    pub text: String,
    /// The customer's email address, or the chat/widget identity the session authenticated.
    pub to: String,
    /// `email`, `chat` or `widget`: by mail, or to the configured webhook.
    pub channel: String,
    /// The subject line (email).
    #[serde(default)]
    pub subject: Option<String>,
    /// The Message-ID (or chat message) this answers.
    #[serde(default)]
    pub in_reply_to: Option<String>,
    /// The thread so far, oldest first (email References).
    #[serde(default)]
    pub references: Vec<String>,
}

// ---- write tool arguments ----

/// The two cancellation reasons the policy accepts. Arguments carry the reason as free text
/// so that policy, not the parser, refuses any other reason and the refusal is recorded.
pub const CANCEL_REASONS: [&str; 2] = ["no longer needed", "ordered by mistake"];

#[derive(Clone, Debug, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CancelPendingOrderArgs {
    pub order_id: String,
    /// `no longer needed` or `ordered by mistake`.
    pub reason: String,
}

#[derive(Clone, Debug, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ModifyPendingOrderAddressArgs {
    pub order_id: String,
    pub address1: String,
    pub address2: String,
    pub city: String,
    pub state: String,
    pub country: String,
    pub zip: String,
}

#[derive(Clone, Debug, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ModifyPendingOrderPaymentArgs {
    pub order_id: String,
    pub payment_method_id: String,
}

/// Item swaps: `new_item_ids[i]` replaces `item_ids[i]`.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ItemSwapArgs {
    pub order_id: String,
    #[schemars(length(min = 1))]
    pub item_ids: Vec<String>,
    #[schemars(length(min = 1))]
    pub new_item_ids: Vec<String>,
    pub payment_method_id: String,
}

#[derive(Clone, Debug, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ReturnDeliveredOrderItemsArgs {
    pub order_id: String,
    #[schemars(length(min = 1))]
    pub item_ids: Vec<String>,
    pub payment_method_id: String,
}

#[derive(Clone, Debug, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ModifyUserAddressArgs {
    pub user_id: String,
    pub address1: String,
    pub address2: String,
    pub city: String,
    pub state: String,
    pub country: String,
    pub zip: String,
}

/// A write tool call whose arguments passed the schema.
#[derive(Clone, Debug, PartialEq)]
pub enum WriteCall {
    CancelPendingOrder(CancelPendingOrderArgs),
    ModifyPendingOrderAddress(ModifyPendingOrderAddressArgs),
    ModifyPendingOrderPayment(ModifyPendingOrderPaymentArgs),
    ModifyPendingOrderItems(ItemSwapArgs),
    ReturnDeliveredOrderItems(ReturnDeliveredOrderItemsArgs),
    ExchangeDeliveredOrderItems(ItemSwapArgs),
    ModifyUserAddress(ModifyUserAddressArgs),
}

impl WriteCall {
    pub fn tool(&self) -> ToolName {
        match self {
            WriteCall::CancelPendingOrder(_) => ToolName::CancelPendingOrder,
            WriteCall::ModifyPendingOrderAddress(_) => ToolName::ModifyPendingOrderAddress,
            WriteCall::ModifyPendingOrderPayment(_) => ToolName::ModifyPendingOrderPayment,
            WriteCall::ModifyPendingOrderItems(_) => ToolName::ModifyPendingOrderItems,
            WriteCall::ReturnDeliveredOrderItems(_) => ToolName::ReturnDeliveredOrderItems,
            WriteCall::ExchangeDeliveredOrderItems(_) => ToolName::ExchangeDeliveredOrderItems,
            WriteCall::ModifyUserAddress(_) => ToolName::ModifyUserAddress,
        }
    }

    /// The arguments as JSON, in τ form.
    pub fn args_json(&self) -> serde_json::Value {
        let v = match self {
            WriteCall::CancelPendingOrder(a) => serde_json::to_value(a),
            WriteCall::ModifyPendingOrderAddress(a) => serde_json::to_value(a),
            WriteCall::ModifyPendingOrderPayment(a) => serde_json::to_value(a),
            WriteCall::ModifyPendingOrderItems(a) => serde_json::to_value(a),
            WriteCall::ReturnDeliveredOrderItems(a) => serde_json::to_value(a),
            WriteCall::ExchangeDeliveredOrderItems(a) => serde_json::to_value(a),
            WriteCall::ModifyUserAddress(a) => serde_json::to_value(a),
        };
        // Serialising plain structs of strings cannot fail.
        v.unwrap_or(serde_json::Value::Null)
    }
}

/// A write split by what it changes, so code that needs an order never meets a user write
/// (and the other way round) and nothing invents an order id for a write that has none.
#[derive(Clone, Copy, Debug)]
pub enum WriteTarget<'a> {
    Order {
        order_id: &'a str,
        write: OrderWrite<'a>,
    },
    User(&'a ModifyUserAddressArgs),
}

/// The writes that change one order.
#[derive(Clone, Copy, Debug)]
pub enum OrderWrite<'a> {
    Cancel(&'a CancelPendingOrderArgs),
    Address(&'a ModifyPendingOrderAddressArgs),
    Payment(&'a ModifyPendingOrderPaymentArgs),
    Items(&'a ItemSwapArgs),
    Return(&'a ReturnDeliveredOrderItemsArgs),
    Exchange(&'a ItemSwapArgs),
}

impl WriteCall {
    pub fn target(&self) -> WriteTarget<'_> {
        fn order<'a>(order_id: &'a str, write: OrderWrite<'a>) -> WriteTarget<'a> {
            WriteTarget::Order { order_id, write }
        }
        match self {
            WriteCall::CancelPendingOrder(a) => order(&a.order_id, OrderWrite::Cancel(a)),
            WriteCall::ModifyPendingOrderAddress(a) => order(&a.order_id, OrderWrite::Address(a)),
            WriteCall::ModifyPendingOrderPayment(a) => order(&a.order_id, OrderWrite::Payment(a)),
            WriteCall::ModifyPendingOrderItems(a) => order(&a.order_id, OrderWrite::Items(a)),
            WriteCall::ReturnDeliveredOrderItems(a) => order(&a.order_id, OrderWrite::Return(a)),
            WriteCall::ExchangeDeliveredOrderItems(a) => {
                order(&a.order_id, OrderWrite::Exchange(a))
            }
            WriteCall::ModifyUserAddress(a) => WriteTarget::User(a),
        }
    }

    /// The record this write changes.
    pub fn subject(&self) -> Subject {
        match self.target() {
            WriteTarget::Order { order_id, .. } => Subject::Order(order_id.to_owned()),
            WriteTarget::User(a) => Subject::User(a.user_id.clone()),
        }
    }

    /// The order this write names, if it names one.
    pub fn order_id(&self) -> Option<&str> {
        match self.target() {
            WriteTarget::Order { order_id, .. } => Some(order_id),
            WriteTarget::User(_) => None,
        }
    }

    /// Item ids whose products policy needs beyond the order's own: the new variants.
    pub fn new_item_ids(&self) -> &[String] {
        match self {
            WriteCall::ModifyPendingOrderItems(a) | WriteCall::ExchangeDeliveredOrderItems(a) => {
                &a.new_item_ids
            }
            _ => &[],
        }
    }
}

impl ModifyPendingOrderAddressArgs {
    pub fn address(&self) -> Address {
        Address {
            address1: self.address1.clone(),
            address2: self.address2.clone(),
            city: self.city.clone(),
            country: self.country.clone(),
            state: self.state.clone(),
            zip: self.zip.clone(),
        }
    }
}

impl ModifyUserAddressArgs {
    pub fn address(&self) -> Address {
        Address {
            address1: self.address1.clone(),
            address2: self.address2.clone(),
            city: self.city.clone(),
            country: self.country.clone(),
            state: self.state.clone(),
            zip: self.zip.clone(),
        }
    }
}

/// A read tool call whose arguments passed the schema.
#[derive(Clone, Debug)]
pub enum ReadCall {
    FindUserIdByEmail(FindUserIdByEmailArgs),
    FindUserIdByNameZip(FindUserIdByNameZipArgs),
    GetUserDetails(UserIdArgs),
    GetOrderDetails(OrderIdArgs),
    GetProductDetails(ProductIdArgs),
    GetItemDetails(ItemIdArgs),
    ListAllProductTypes,
    Calculate(CalculateArgs),
}
