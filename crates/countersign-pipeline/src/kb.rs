//! The demo knowledge base: our own articles, stating the demo policy in customer-facing words.
//! Stored in SQLite FTS5 by the store; drafts cite them by id.

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Article {
    pub id: &'static str,
    pub title: &'static str,
    pub body: &'static str,
}

pub const ARTICLES: &[Article] = &[
    Article {
        id: "kb-cancellations",
        title: "Cancelling an order",
        body: "An order can be cancelled while it is pending, before it is processed for shipping. \
               We accept two reasons: you no longer need it, or it was ordered by mistake. The full \
               amount goes back to the original payment method: at once for a gift card, within 5 to \
               7 business days for a card or PayPal. Processed, delivered or already modified orders \
               cannot be cancelled.",
    },
    Article {
        id: "kb-returns",
        title: "Returning delivered items",
        body: "Delivered orders can be returned. Tell us the order and the items. The refund goes to \
               the original payment method or to one of your gift cards. Once the return is \
               requested you receive an email with instructions to send the items back. An order \
               that is not delivered yet cannot be returned; a pending order can be cancelled instead.",
    },
    Article {
        id: "kb-exchanges",
        title: "Exchanging delivered items",
        body: "Delivered items can be exchanged for another option of the same product, such as a \
               different size or colour, if it is in stock. Items cannot be exchanged for a \
               different product. An order can be exchanged once, so list every item you want to \
               exchange together. Any price difference is charged or refunded to the payment \
               method you choose; a gift card must cover a higher price.",
    },
    Article {
        id: "kb-order-changes",
        title: "Changing a pending order",
        body: "While an order is pending you can change its shipping address, its payment method, or \
               the options of its items (same product, in stock). Item options can be changed only \
               once per order, and afterwards the order can no longer be cancelled. A new payment \
               method must be different from the current one; a gift card must cover the order total.",
    },
    Article {
        id: "kb-shipping",
        title: "Order status and tracking",
        body: "Pending orders have not left the warehouse yet. Processed orders are on their way and \
               have a tracking number. Delivered orders have arrived. You can ask us for the status \
               and tracking number of any of your orders.",
    },
    Article {
        id: "kb-account",
        title: "Your account and default address",
        body: "Your default address is used for new orders; changing it does not change orders you \
               already placed. To protect your account we only discuss orders and details of the \
               customer we have verified, by the email address on file or by name and zip code.",
    },
];

pub fn article(id: &str) -> Option<&'static Article> {
    ARTICLES.iter().find(|a| a.id == id)
}

/// Finds articles for a question. The store answers with FTS5; this port keeps the planner pure.
pub trait KnowledgeBase {
    /// Article ids, best first.
    fn search(&self, query: &str, limit: usize) -> Vec<String>;
}
