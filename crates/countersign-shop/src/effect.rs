//! What a write would do: the preview a person approves and the new records it writes.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::model::{Order, User};
use crate::money::Money;
use crate::subject::Subject;

/// One field that changes, before → after. This is what the approver sees, exactly.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Change {
    /// `order #W1234567` or `user jane_doe_1234`.
    pub entity: String,
    /// Top-level field, or `payment_methods.<id>` for one payment method.
    pub field: String,
    pub before: Value,
    pub after: Value,
}

/// The result of a write tool: never an executed change, always a preview of one.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Preview {
    /// One line a person can read aloud to the customer.
    pub summary: String,
    /// Money at stake, used by approval limits: refunds, charges, or the value of goods moved.
    pub amount: Money,
    pub changes: Vec<Change>,
}

impl Preview {
    /// Whether the write changes the customer's record (a gift-card balance, an address): what
    /// its fingerprint covers besides the order (see [`subject_fingerprint`]).
    pub fn changes_user(&self) -> bool {
        self.changes
            .iter()
            .any(|c| c.entity.starts_with(USER_ENTITY))
    }
}

/// How a change to the customer's record names its entity (`user <id>`).
const USER_ENTITY: &str = "user ";

/// A write that passed policy: its preview and the records it would store.
#[derive(Clone, Debug, PartialEq)]
pub struct Effect {
    pub preview: Preview,
    /// The order after the change, if the write touches an order.
    pub order: Option<Order>,
    /// The customer after the change, if the write touches the customer's record.
    pub user: Option<User>,
    /// The record the write changes.
    pub subject: Subject,
    /// Hash of the subject as it was when the write was judged. If the subject differs at
    /// approval time, the world moved under the proposal and it is invalid.
    pub fingerprint: String,
}

impl Effect {
    /// A write to an order, and to the customer's record when `user` differs (gift-card
    /// balances); `user` equal before and after means the record is not written.
    pub(crate) fn on_order(
        summary: String,
        amount: Money,
        order: (&Order, Order),
        user: Option<(&User, User)>,
    ) -> Effect {
        let subject = Subject::Order(order.0.order_id.clone());
        let user_changes = user
            .as_ref()
            .is_some_and(|(before, after)| *before != after);
        let fingerprint = subject_fingerprint(
            order.0,
            user.as_ref().map(|(before, _)| *before),
            user_changes,
        );
        Effect::build(summary, amount, subject, fingerprint, Some(order), user)
    }

    /// A write to the customer's own record only.
    pub(crate) fn on_user(summary: String, amount: Money, user: (&User, User)) -> Effect {
        let subject = Subject::User(user.0.user_id.clone());
        let fingerprint = fingerprint_of(user.0);
        Effect::build(summary, amount, subject, fingerprint, None, Some(user))
    }

    fn build(
        summary: String,
        amount: Money,
        subject: Subject,
        fingerprint: String,
        order: Option<(&Order, Order)>,
        user: Option<(&User, User)>,
    ) -> Effect {
        let mut changes = Vec::new();
        let order_after = order.map(|(before, after)| {
            let entity = format!("order {}", before.order_id);
            diff(&entity, &to_value(before), &to_value(&after), &mut changes);
            after
        });
        let user_after = user.and_then(|(before, after)| {
            if *before == after {
                return None;
            }
            let entity = format!("{USER_ENTITY}{}", before.user_id);
            diff(&entity, &to_value(before), &to_value(&after), &mut changes);
            Some(after)
        });
        Effect {
            preview: Preview {
                summary,
                amount,
                changes,
            },
            order: order_after,
            user: user_after,
            subject,
            fingerprint,
        }
    }
}

/// The fingerprint of what an order write depends on: the order, and the customer's record too
/// when the write changes it (a gift-card balance), so a balance that moved after the proposal
/// invalidates it instead of executing against a preview nobody saw.
pub fn subject_fingerprint(order: &Order, user: Option<&User>, user_changes: bool) -> String {
    match user.filter(|_| user_changes) {
        Some(user) => fingerprint_of(&(order, user)),
        None => fingerprint_of(order),
    }
}

/// Hash of a record's canonical JSON (struct field order, sorted maps).
pub fn fingerprint_of<T: Serialize>(record: &T) -> String {
    let mut hasher = Sha256::new();
    hasher.update(serde_json::to_vec(record).unwrap_or_default());
    hex::encode(hasher.finalize())
}

fn to_value<T: Serialize>(v: &T) -> Value {
    serde_json::to_value(v).unwrap_or(Value::Null)
}

fn diff(entity: &str, before: &Value, after: &Value, out: &mut Vec<Change>) {
    let (Value::Object(b), Value::Object(a)) = (before, after) else {
        return;
    };
    let mut keys: Vec<&String> = b.keys().chain(a.keys()).collect();
    keys.sort();
    keys.dedup();
    for key in keys {
        let bv = b.get(key).unwrap_or(&Value::Null);
        let av = a.get(key).unwrap_or(&Value::Null);
        if bv == av {
            continue;
        }
        // A payment method's balance is the interesting part; show each method on its own.
        if key == "payment_methods" {
            if let (Value::Object(bm), Value::Object(am)) = (bv, av) {
                for (id, bpm) in bm {
                    let apm = am.get(id).unwrap_or(&Value::Null);
                    if bpm != apm {
                        out.push(Change {
                            entity: entity.to_owned(),
                            field: format!("payment_methods.{id}"),
                            before: bpm.clone(),
                            after: apm.clone(),
                        });
                    }
                }
            }
            continue;
        }
        out.push(Change {
            entity: entity.to_owned(),
            field: key.clone(),
            before: bv.clone(),
            after: av.clone(),
        });
    }
}
