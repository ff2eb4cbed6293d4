//! The words a person reads for each tool: what the queue, the review, the history and the
//! settings call an action. One table, next to the tool definitions and exported to the UI
//! through the bindings (`catalog.ts`), so no screen shows `cancel_pending_order` or keeps its
//! own copy of the words. The match is exhaustive: a new tool without a label does not compile.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::model::{PaymentMethod, PaymentSource, User};
use crate::tools::ToolName;

impl ToolName {
    /// The action in an agent's words ("Cancel order"), sentence case, no identifier.
    pub fn label(self) -> &'static str {
        match self {
            ToolName::FindUserIdByEmail => "Find customer by email",
            ToolName::FindUserIdByNameZip => "Find customer by name and ZIP",
            ToolName::GetUserDetails => "Look up customer",
            ToolName::GetOrderDetails => "Look up order",
            ToolName::GetProductDetails => "Look up product",
            ToolName::GetItemDetails => "Look up item",
            ToolName::ListAllProductTypes => "List products",
            ToolName::Calculate => "Calculate",
            ToolName::CancelPendingOrder => "Cancel order",
            ToolName::ModifyPendingOrderAddress => "Change shipping address",
            ToolName::ModifyPendingOrderPayment => "Change payment method",
            ToolName::ModifyPendingOrderItems => "Change items",
            ToolName::ReturnDeliveredOrderItems => "Return items",
            ToolName::ExchangeDeliveredOrderItems => "Exchange items",
            ToolName::ModifyUserAddress => "Change customer's address",
            ToolName::SendReply => "Reply to customer",
        }
    }
}

impl PaymentMethod {
    /// The method as the customer knows it: "Visa •••• 1234", "PayPal", "Gift card".
    pub fn label(&self) -> String {
        match self.source {
            PaymentSource::CreditCard => {
                let brand = self
                    .brand
                    .as_deref()
                    .map(title_case)
                    .unwrap_or_else(|| "Card".to_owned());
                match &self.last_four {
                    Some(last) => format!("{brand} •••• {last}"),
                    None => brand,
                }
            }
            PaymentSource::Paypal => "PayPal".to_owned(),
            PaymentSource::GiftCard => "Gift card".to_owned(),
        }
    }
}

fn title_case(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(c) => c.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// Who a customer is, as a screen names them: the name (the id stays on hover and in copy)
/// and each payment method's label, so a refund reads "refund $X to Visa •••• 1234".
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct CustomerCard {
    pub user_id: String,
    pub name: String,
    pub email: String,
    /// Payment method id → its label.
    pub payment_methods: BTreeMap<String, String>,
}

impl CustomerCard {
    pub fn of(user: &User) -> CustomerCard {
        CustomerCard {
            user_id: user.user_id.clone(),
            name: format!("{} {}", user.name.first_name, user.name.last_name)
                .trim()
                .to_owned(),
            email: user.email.clone(),
            payment_methods: user
                .payment_methods
                .iter()
                .map(|(id, pm)| (id.clone(), pm.label()))
                .collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;
    use crate::money::Money;

    #[test]
    fn every_tool_has_a_label_in_words_not_its_identifier() {
        for tool in ToolName::ALL {
            let label = tool.label();
            assert!(!label.trim().is_empty(), "{tool} has no label");
            assert!(
                !label.contains('_'),
                "{tool}'s label reads like an identifier: {label}"
            );
            assert_ne!(label, tool.as_str(), "{tool}'s label is its identifier");
            assert!(
                label.starts_with(|c: char| c.is_uppercase()),
                "{tool}'s label is not sentence case: {label}"
            );
        }
    }

    #[test]
    fn a_payment_method_reads_as_the_customer_knows_it() {
        let card = |brand: Option<&str>, last: Option<&str>| PaymentMethod {
            source: PaymentSource::CreditCard,
            id: "credit_card_1".into(),
            brand: brand.map(Into::into),
            last_four: last.map(Into::into),
            balance: None,
        };
        assert_eq!(card(Some("visa"), Some("1234")).label(), "Visa •••• 1234");
        assert_eq!(card(None, None).label(), "Card");
        let other = |source| PaymentMethod {
            source,
            id: "x".into(),
            brand: None,
            last_four: None,
            balance: Some(Money::from_cents(1000)),
        };
        assert_eq!(other(PaymentSource::Paypal).label(), "PayPal");
        assert_eq!(other(PaymentSource::GiftCard).label(), "Gift card");
    }

    #[test]
    fn no_two_tools_share_a_label() {
        let mut seen = HashSet::new();
        for tool in ToolName::ALL {
            assert!(
                seen.insert(tool.label()),
                "two tools are called {:?}",
                tool.label()
            );
        }
    }
}
