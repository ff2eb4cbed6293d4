//! What a write changes: one order or one customer record.
//!
//! Stored and hashed as `order:<id>` / `user:<id>` / `conversation:<id>` (the form the audit log and the executions
//! table have always used); that string is produced and parsed here only.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// The record a write changes. Edits may not change it, and approval fingerprints it to detect
/// a world that moved under a proposal.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(into = "String", try_from = "String")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(type = "string"))]
pub enum Subject {
    Order(String),
    User(String),
    /// A reply changes no record: it is sent in a conversation.
    Conversation(i64),
}

impl Subject {
    /// The order id, when the subject is an order.
    pub fn order_id(&self) -> Option<&str> {
        match self {
            Subject::Order(id) => Some(id),
            Subject::User(_) | Subject::Conversation(_) => None,
        }
    }
}

impl fmt::Display for Subject {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Subject::Order(id) => write!(f, "order:{id}"),
            Subject::User(id) => write!(f, "user:{id}"),
            Subject::Conversation(id) => write!(f, "conversation:{id}"),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not a subject (order:<id>, user:<id> or conversation:<n>)")]
pub struct BadSubject(pub String);

impl FromStr for Subject {
    type Err = BadSubject;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.split_once(':') {
            Some(("order", id)) if !id.is_empty() => Ok(Subject::Order(id.to_owned())),
            Some(("user", id)) if !id.is_empty() => Ok(Subject::User(id.to_owned())),
            Some(("conversation", id)) => id
                .parse()
                .map(Subject::Conversation)
                .map_err(|_| BadSubject(s.to_owned())),
            _ => Err(BadSubject(s.to_owned())),
        }
    }
}

impl From<Subject> for String {
    fn from(s: Subject) -> String {
        s.to_string()
    }
}

impl TryFrom<String> for Subject {
    type Error = BadSubject;

    fn try_from(s: String) -> Result<Self, Self::Error> {
        s.parse()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_subject_round_trips_through_its_stored_form() {
        for s in [
            Subject::Order("#W1234567".into()),
            Subject::User("ada_lovelace_1".into()),
            Subject::Conversation(42),
        ] {
            assert_eq!(s.to_string().parse::<Subject>(), Ok(s));
        }
    }

    #[test]
    fn anything_else_is_refused() {
        for bad in [
            "",
            "order:",
            "proposal:1",
            "#W1234567",
            "user",
            "conversation:",
            "conversation:x",
        ] {
            assert!(bad.parse::<Subject>().is_err(), "{bad}");
        }
    }
}
