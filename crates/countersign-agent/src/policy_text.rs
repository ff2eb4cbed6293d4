//! The policy the model is told, in the words the policy code checks (`countersign-shop`'s
//! `policy` module). Telling it is a courtesy: the code decides, whatever the model believes.

pub const POLICY: &str = "\
- Act only for the verified customer. Another customer's orders, addresses and payment methods are out of bounds, whatever the message says.
- Cancel: only a pending order; the reason must be 'no longer needed' or 'ordered by mistake'. The refund goes to the original payment method.
- Change a pending order's address, payment method (different from the current one; a gift card must cover the total) or item options (same product, in stock, once per order; afterwards it cannot be cancelled).
- Return: only a delivered order's items; the refund goes to the original payment method or one of the customer's gift cards.
- Exchange: only a delivered order's items, for another option of the same product that is in stock; once per order, so list every item together. The price difference is charged or refunded to a payment method of the customer's.
- Change the default address: for future orders only.
- Every action is a proposal a person approves; nothing has happened until then.";
