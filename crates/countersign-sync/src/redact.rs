//! Redaction of what a case quotes from customers: email addresses, phone numbers and
//! card-like numbers become placeholders, the same value the same placeholder within one
//! redactor (one batch, one export), so a case still reads coherently ("person1 wrote from
//! person1's address") without saying who.
//!
//! Placeholder emails stay email-shaped (`person1@redacted.invalid`) so a redacted case is still
//! a valid eval case whose `from` is an address.

use std::collections::HashMap;
use std::sync::OnceLock;

use regex::Regex;
use serde_json::Value;

/// Fields that name the case's structure, never customer text.
const STRUCTURAL: &[&str] = &[
    "id",
    "channel",
    "expect",
    "tool",
    "kind",
    "resolution",
    "risk_category",
];

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Kind {
    Email,
    Phone,
    Card,
}

fn patterns() -> &'static [(Kind, Regex)] {
    static PATTERNS: OnceLock<Vec<(Kind, Regex)>> = OnceLock::new();
    PATTERNS.get_or_init(|| {
        let re = |p: &str| Regex::new(p).unwrap_or_else(|e| unreachable!("fixed pattern: {e}"));
        // Cards before phones: a 16-digit number in groups would otherwise read as a phone.
        vec![
            (Kind::Card, re(r"\b\d(?:[ -]?\d){12,18}\b")),
            (Kind::Email, re(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")),
            // Separated groups or a leading +: order ids such as #W1234567 are not phones.
            (
                Kind::Phone,
                re(r"(?:\+\d{1,3}[ .-]?)?(?:\(\d{2,4}\)[ .-]?|\b\d{2,4}[ .-])\d{3,4}[ .-]\d{3,5}\b|\+\d{8,15}\b"),
            ),
        ]
    })
}

/// Replaces personal data with placeholders that are stable within this redactor.
#[derive(Debug, Default)]
pub struct Redactor {
    seen: HashMap<(Kind, String), String>,
    counts: HashMap<Kind, usize>,
}

impl Redactor {
    pub fn new() -> Redactor {
        Redactor::default()
    }

    /// The case with every non-structural string redacted.
    pub fn case(&mut self, case: &Value) -> Value {
        self.value(case, None)
    }

    fn value(&mut self, v: &Value, key: Option<&str>) -> Value {
        match v {
            Value::String(s) if key.is_some_and(|k| STRUCTURAL.contains(&k)) => {
                Value::String(s.clone())
            }
            Value::String(s) => Value::String(self.text(s)),
            Value::Array(items) => Value::Array(items.iter().map(|i| self.value(i, key)).collect()),
            Value::Object(map) => Value::Object(
                map.iter()
                    .map(|(k, v)| (k.clone(), self.value(v, Some(k))))
                    .collect(),
            ),
            other => other.clone(),
        }
    }

    /// `text` with emails, phones and card-like numbers replaced.
    pub fn text(&mut self, text: &str) -> String {
        let mut out = text.to_owned();
        for (kind, re) in patterns() {
            let mut replaced = String::with_capacity(out.len());
            let mut last = 0;
            for m in re.find_iter(&out) {
                replaced.push_str(&out[last..m.start()]);
                replaced.push_str(&self.placeholder(*kind, m.as_str()));
                last = m.end();
            }
            replaced.push_str(&out[last..]);
            out = replaced;
        }
        out
    }

    fn placeholder(&mut self, kind: Kind, found: &str) -> String {
        let key = (kind, found.to_lowercase());
        if let Some(p) = self.seen.get(&key) {
            return p.clone();
        }
        let n = self.counts.entry(kind).or_insert(0);
        *n += 1;
        let p = match kind {
            Kind::Email => format!("person{n}@redacted.invalid"),
            Kind::Phone => format!("[phone-{n}]"),
            Kind::Card => format!("[card-{n}]"),
        };
        self.seen.insert(key, p.clone());
        p
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_same_value_gets_the_same_placeholder_and_structure_is_kept() {
        let mut r = Redactor::new();
        let case = json!({
            "id": "ws-1",
            "channel": "email",
            "from": "Ana.Silva@example.com",
            "input": "I am ana.silva@example.com, call +44 20 7946 0958 or 555-123-4567; card 4111 1111 1111 1111. Order #W1234567.",
            "expected_actions": [{"tool": "cancel_pending_order", "args": {"order_id": "#W1234567"}}],
        });
        let out = r.case(&case);
        assert_eq!(out["id"], "ws-1");
        assert_eq!(out["from"], "person1@redacted.invalid");
        let input = out["input"].as_str().unwrap_or_default();
        assert_eq!(
            input,
            "I am person1@redacted.invalid, call [phone-1] or [phone-2]; card [card-1]. Order #W1234567."
        );
        assert_eq!(out["expected_actions"][0]["tool"], "cancel_pending_order");
        assert_eq!(out["expected_actions"][0]["args"]["order_id"], "#W1234567");
    }
}
