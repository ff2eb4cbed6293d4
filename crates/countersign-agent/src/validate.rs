//! Output validation: what a draft may say before a person sees it. Pure, over the draft and
//! what the tool results showed.
//!
//! - It may not claim an action happened: actions are prepared for approval, not done.
//! - It may not name an order id, an amount or a payment method no tool result showed.
//! - It may not carry another customer's data (an email address or user id not the customer's).

use std::collections::BTreeSet;
use std::sync::LazyLock;

use regex::Regex;
use serde_json::Value;

/// A problem with a draft, with a stable code.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Finding {
    pub code: &'static str,
    pub detail: String,
}

impl std::fmt::Display for Finding {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.code, self.detail)
    }
}

#[allow(clippy::expect_used)]
fn re(p: &str) -> Regex {
    Regex::new(p).expect("static regex compiles")
}

// Past-tense claims of the actions our tools prepare. "Processed" alone is a shop status
// ("your order has been processed for shipping"), so it counts only with "I/we". "Your order is
// cancelled" / "was cancelled" are left out on purpose: they are how a draft states an order's
// status that a tool result showed, and flagging them would send honest answers to a person.
static CLAIMS: LazyLock<Vec<Regex>> = LazyLock::new(|| {
    let done = r"(refunded|cancell?ed|changed|updated|modified|exchanged|returned|replaced|credited|reversed|switched|issued)";
    let adverb = r"(?:now\s+|already\s+|just\s+|successfully\s+|fully\s+|also\s+)?";
    vec![
        re(&format!(
            r"(?i)\b(i|we)\s*(?:'ve|\s+have|\s+has)?\s+{adverb}(?:{done}|processed)\b"
        )),
        re(&format!(
            r"(?i)(?:\b(?:has|have)|'s|'ve)\s+{adverb}been\s+{adverb}{done}\b"
        )),
        re(&format!(r"(?i)\b(is|are)\s+now\s+{done}\b")),
        re(&format!(
            r"(?i)\b(went|gone)\s+ahead\s+and\s+(?:{done}|processed)\b"
        )),
        re(
            r"(?i)\b(refund|cancellation|exchange|return|change)\s+(is|was|has\s+been)\s+(complete|completed|done|processed|issued|finali[sz]ed)\b",
        ),
        // A sentence that opens with the deed: "Refunded $54.04 to your card."
        re(&format!(
            r"(?im)(?:^|[.!?]\s+)(?:{done})\s+(?:\$|your\b|the\b|order\b|#)"
        )),
    ]
});
// Order ids as models and customers write them: `#W1234567`, `W1234567`, `#w1234567`.
static ORDER_ID: LazyLock<Regex> = LazyLock::new(|| re(r"(?i)(?:#|\b)W\d{7}\b"));
static AMOUNT: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)\$\s?(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d{1,2}))?|(\d{1,3}(?:,\d{3})+|\d+)\.(\d{2})\s*(?:usd|dollars)\b|\busd\s*(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d{2}))?",
    )
});
static PAYMENT_ID: LazyLock<Regex> =
    LazyLock::new(|| re(r"\b(?:credit_card|paypal|gift_card)_\d+\b"));
static LAST_FOUR: LazyLock<Regex> = LazyLock::new(|| {
    re(r"(?i)\b(?:ending|ends)(?:\s+(?:in|with))?\s+(\d{4})\b|\*{2,}\s?(\d{4})\b")
});
static EMAIL: LazyLock<Regex> =
    LazyLock::new(|| re(r"(?i)\b[a-z0-9._%+-]+@[a-z0-9.-]+\.[a-z]{2,}\b"));
static USER_ID: LazyLock<Regex> = LazyLock::new(|| re(r"\b[a-z]+_[a-z]+_\d{4}\b"));
// Amounts inside a tool result's text: with a dollar sign or two decimals, never a bare
// integer (ids, zip codes and dates are numbers too).
static TEXT_AMOUNT: LazyLock<Regex> =
    LazyLock::new(|| re(r"\$\s?(\d+)(?:\.(\d{1,2}))?|\b(\d+)\.(\d{2})\b"));

/// What the tool results showed: the only things a draft may cite.
#[derive(Clone, Debug, Default)]
pub struct Seen {
    pub order_ids: BTreeSet<String>,
    /// Amounts in cents.
    pub amounts: BTreeSet<i64>,
    pub payment_ids: BTreeSet<String>,
    pub last_fours: BTreeSet<String>,
}

/// An order id in the shop's form (`#W` and the seven digits), however it was written.
fn order_key(m: &str) -> String {
    // The match ends in seven ASCII digits.
    format!("#W{}", &m[m.len() - 7..])
}

fn cents(whole: &str, frac: Option<&str>) -> Option<i64> {
    let whole: i64 = whole.replace(',', "").parse().ok()?;
    let frac = match frac {
        None => 0,
        Some(f) if f.len() == 1 => f.parse::<i64>().ok()? * 10,
        Some(f) => f.parse().ok()?,
    };
    Some(whole * 100 + frac)
}

impl Seen {
    /// Takes in one tool result.
    pub fn add(&mut self, result: &Value) {
        match result {
            Value::String(s) => self.add_text(s),
            Value::Number(n) => {
                if let Some(f) = n.as_f64() {
                    self.amounts.insert((f * 100.0).round() as i64);
                }
            }
            Value::Array(a) => a.iter().for_each(|v| self.add(v)),
            Value::Object(o) => {
                for (k, v) in o {
                    if k == "last_four" {
                        if let Some(s) = v.as_str() {
                            self.last_fours.insert(s.to_owned());
                        }
                    }
                    self.add_text(k);
                    self.add(v);
                }
            }
            _ => {}
        }
    }

    fn add_text(&mut self, s: &str) {
        for m in ORDER_ID.find_iter(s) {
            self.order_ids.insert(order_key(m.as_str()));
        }
        for m in PAYMENT_ID.find_iter(s) {
            self.payment_ids.insert(m.as_str().to_owned());
        }
        for c in TEXT_AMOUNT.captures_iter(s) {
            let (whole, frac) = match (c.get(1), c.get(3)) {
                (Some(w), _) => (w.as_str(), c.get(2).map(|m| m.as_str())),
                (None, Some(w)) => (w.as_str(), c.get(4).map(|m| m.as_str())),
                (None, None) => continue,
            };
            if let Some(v) = cents(whole, frac) {
                self.amounts.insert(v);
            }
        }
    }
}

/// The customer the conversation is with, as far as it is known.
#[derive(Clone, Debug, Default)]
pub struct Customer<'a> {
    pub user_id: Option<&'a str>,
    pub email: Option<&'a str>,
}

/// Checks a draft. `own_words` is what the customer wrote: an address they gave us is theirs
/// to see again.
pub fn check(draft: &str, seen: &Seen, customer: &Customer<'_>, own_words: &str) -> Vec<Finding> {
    // Models write typographic apostrophes ("I’ve refunded"); the patterns use the plain one.
    let draft = draft.replace(['\u{2019}', '\u{2018}', '\u{02BC}'], "'");
    let draft = draft.as_str();
    let mut findings = Vec::new();
    for re in CLAIMS.iter() {
        if let Some(m) = re.find(draft) {
            findings.push(Finding {
                code: "claims_action_done",
                detail: format!(
                    "says \"{}\"; actions are only prepared until a person approves them",
                    m.as_str()
                ),
            });
            break;
        }
    }
    let unseen_orders: BTreeSet<&str> = ORDER_ID
        .find_iter(draft)
        .map(|m| m.as_str())
        .filter(|id| !seen.order_ids.contains(&order_key(id)))
        .collect();
    if !unseen_orders.is_empty() {
        findings.push(Finding {
            code: "unseen_order_id",
            detail: format!(
                "names {} that no tool result showed",
                unseen_orders.into_iter().collect::<Vec<_>>().join(", ")
            ),
        });
    }
    let unseen_amounts: Vec<&str> = AMOUNT
        .captures_iter(draft)
        .filter(|c| {
            // Three forms: `$12.50`, `12.50 USD`, `USD 12.50` (groups 1–2, 3–4, 5–6).
            let (whole, frac) = [(1, 2), (3, 4), (5, 6)]
                .into_iter()
                .find_map(|(w, f)| c.get(w).map(|w| (w.as_str(), c.get(f).map(|m| m.as_str()))))
                .unwrap_or(("", None));
            cents(whole, frac).is_none_or(|v| !seen.amounts.contains(&v))
        })
        .filter_map(|c| c.get(0).map(|m| m.as_str()))
        .collect();
    if !unseen_amounts.is_empty() {
        findings.push(Finding {
            code: "unseen_amount",
            detail: format!(
                "states {} that no tool result showed",
                unseen_amounts.join(", ")
            ),
        });
    }
    let unseen_methods: Vec<String> = PAYMENT_ID
        .find_iter(draft)
        .map(|m| m.as_str().to_owned())
        .filter(|id| !seen.payment_ids.contains(id))
        .chain(
            LAST_FOUR
                .captures_iter(draft)
                .filter_map(|c| c.get(1).or(c.get(2)).map(|m| m.as_str().to_owned()))
                .filter(|d| !seen.last_fours.contains(d))
                .map(|d| format!("a card ending in {d}")),
        )
        .collect();
    if !unseen_methods.is_empty() {
        findings.push(Finding {
            code: "unseen_payment_method",
            detail: format!(
                "mentions {} that no tool result showed",
                unseen_methods.join(", ")
            ),
        });
    }
    let own = own_words.to_lowercase();
    let foreign: Vec<String> = EMAIL
        .find_iter(draft)
        .map(|m| m.as_str().to_lowercase())
        .filter(|e| Some(e.as_str()) != customer.email.map(str::to_lowercase).as_deref())
        .filter(|e| !own.contains(e.as_str()) && !e.ends_with("@countersign.app"))
        .chain(
            USER_ID
                .find_iter(draft)
                .map(|m| m.as_str().to_owned())
                // `gift_card_1234` has a user id's shape; it is a payment method (checked above).
                .filter(|id| !PAYMENT_ID.is_match(id))
                .filter(|id| Some(id.as_str()) != customer.user_id),
        )
        .collect();
    if !foreign.is_empty() {
        findings.push(Finding {
            code: "other_customer_data",
            detail: format!("contains {} (not this customer's)", foreign.join(", ")),
        });
    }
    findings
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn seen() -> Seen {
        let mut s = Seen::default();
        s.add(&json!({
            "order_id": "#W1234567",
            "payment_history": [{"amount": 54.04, "payment_method_id": "credit_card_111"}],
            "payment_methods": {"credit_card_111": {"last_four": "4242"}},
            "summary": "refund $20.5 to gift_card_9",
            "address": {"address1": "1 Main Street", "zip": "10001"}
        }));
        s
    }

    fn codes(draft: &str) -> Vec<&'static str> {
        let c = Customer {
            user_id: Some("ava_li_1234"),
            email: Some("ava@example.com"),
        };
        check(draft, &seen(), &c, "my email is ava.work@example.org")
            .into_iter()
            .map(|f| f.code)
            .collect()
    }

    #[test]
    fn drafts_table() {
        let table: &[(&str, &[&str])] = &[
            (
                "I have prepared the cancellation of #W1234567 for approval.",
                &[],
            ),
            (
                "Once approved, $54.04 goes back to the card ending in 4242.",
                &[],
            ),
            (
                "The refund of $20.50 goes to gift_card_9 once approved.",
                &[],
            ),
            ("Your order has been processed for shipping.", &[]),
            ("I have refunded you $54.04.", &["claims_action_done"]),
            ("I've cancelled #W1234567.", &["claims_action_done"]),
            ("Your order has been cancelled.", &["claims_action_done"]),
            ("The refund was issued today.", &["claims_action_done"]),
            ("We processed your return.", &["claims_action_done"]),
            ("I've gone ahead and cancelled it.", &["claims_action_done"]),
            (
                "We went ahead and refunded the card.",
                &["claims_action_done"],
            ),
            ("Order #W7654321 is pending.", &["unseen_order_id"]),
            ("Order W7654321 is pending.", &["unseen_order_id"]),
            ("Order #w7654321 is pending.", &["unseen_order_id"]),
            ("Your order W1234567 (#w1234567) is on its way.", &[]),
            ("Tracking AW76543210 is not an order id.", &[]),
            ("You will get $99.99 back.", &["unseen_amount"]),
            ("We will charge paypal_555.", &["unseen_payment_method"]),
            (
                "We will use the card ending in 0005.",
                &["unseen_payment_method"],
            ),
            (
                "I see bob@example.net also ordered it.",
                &["other_customer_data"],
            ),
            ("Account noah_brown_9999 has it.", &["other_customer_data"]),
            (
                "We will write to ava.work@example.org and ava@example.com.",
                &[],
            ),
            // Phrasings models use (review of issue 8).
            ("I\u{2019}ve refunded you.", &["claims_action_done"]),
            ("You've been refunded.", &["claims_action_done"]),
            ("Your order's been cancelled.", &["claims_action_done"]),
            (
                "Your address has been successfully updated.",
                &["claims_action_done"],
            ),
            ("Refunded $54.04 to your card.", &["claims_action_done"]),
            // A status a tool showed is not a claim of ours.
            ("Your order #W1234567 was cancelled last week.", &[]),
            ("You will get 99.99 USD back.", &["unseen_amount"]),
            ("You will get USD 54.04 back once approved.", &[]),
            (
                "We will use the card ending 0005.",
                &["unseen_payment_method"],
            ),
            ("We will use card ****4242 once approved.", &[]),
            ("Your gift_card_9 keeps its balance.", &[]),
            // A bare number in a record (a zip, an address line) is not an amount it showed.
            (
                "Your refund of $1.00 is prepared for approval.",
                &["unseen_amount"],
            ),
        ];
        for (draft, want) in table {
            assert_eq!(codes(draft), *want, "{draft}");
        }
    }
}
