//! Intent detection and slot extraction from the customer's own words (normalised).
//!
//! Rules, not a model: each intent has a few phrasings it recognises with confidence, and
//! anything else is left to a person. Only `Request::body` is read here, never quoted,
//! forwarded or hidden text.

use std::sync::LazyLock;

use regex::Regex;
use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Intent {
    Human,
    Cancel,
    Return,
    Exchange,
    ModifyItems,
    ChangeOrderAddress,
    ChangeDefaultAddress,
    ChangePayment,
    Status,
    PolicyQuestion,
}

impl Intent {
    pub fn as_str(self) -> &'static str {
        match self {
            Intent::Human => "human",
            Intent::Cancel => "cancel",
            Intent::Return => "return",
            Intent::Exchange => "exchange",
            Intent::ModifyItems => "modify_items",
            Intent::ChangeOrderAddress => "change_order_address",
            Intent::ChangeDefaultAddress => "change_default_address",
            Intent::ChangePayment => "change_payment",
            Intent::Status => "status",
            Intent::PolicyQuestion => "policy_question",
        }
    }
}

fn re(p: &str) -> Regex {
    Regex::new(p).expect("static regex compiles")
}

static HUMAN: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"\b(speak|talk|chat)\s+(to|with)\s+(a\s+|an\s+|your\s+)?(human|person|real person|manager|supervisor|someone|representative|agent)\b|\b(real|live)\s+(person|human|agent)\b|\bhuman\s+(agent|being)\b|\bescalate\b|\bcomplaint\b|\blawyer\b|\bchargeback\b",
    )
});
static CANCEL: LazyLock<Regex> = LazyLock::new(|| re(r"\bcancel(l?ing|l?ed|lation)?\b"));
static RETURN: LazyLock<Regex> = LazyLock::new(|| {
    re(r"\breturn(ing)?\b|\bsend\s+(it|them|this|these)\s+back\b|\bmy\s+money\s+back\b")
});
static EXCHANGE: LazyLock<Regex> =
    LazyLock::new(|| re(r"\bexchang(e|ing)\b|\bswap\b|\btrade\s+(it|them)\b"));
static CHANGE_OPTION: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"\b(change|switch|modify|update)\b.{0,80}\b(size|colou?r|option|version|model|capacity|material|variant)\b|\binstead\s+of\s+the\b|\b(different|another)\s+(size|colou?r)\b|\b(change|switch|update)\s+(the|my)\s+[a-z-]+\b.{0,50}\bto\b",
    )
});
static ADDRESS: LazyLock<Regex> =
    LazyLock::new(|| re(r"\baddress\b|\b(ship|deliver|send)\b.{0,30}\bto\b|\bmoved\b"));
static DEFAULT_ADDRESS: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"\b(default|profile|account|billing|home|saved)\s+address\b|\baddress\s+(on\s+file|in\s+my\s+(account|profile))\b|\bmy\s+address\s+(has\s+)?changed\b|\bi('ve|\s+have)?\s+moved\b",
    )
});
static PAYMENT: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"\b(pay|paying|charge|bill)\b.{0,30}\b(with|to|on|using)\b.{0,20}\b(paypal|gift\s*card|credit\s*card|card|visa|mastercard)\b|\b(change|switch|update)\b.{0,20}\bpayment\b",
    )
});
static STATUS: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"\bwhere\s+is\b|\bwhere'?s\b|\bstatus\b|\bwhat('?s|\s+is)\s+in\s+(my\s+)?order\b|\border\s+details\b|\btrack(ing)?\b|\bshipped\b|\bhas(n'?t| not)\s+(arrived|come|shipped)\b|\bwhen\s+will\b.{0,30}\b(arrive|ship|come|get)\b|\bnot\s+(arrived|received)\b|\bstill\s+waiting\b",
    )
});
static POLICY: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"\b(policy|policies)\b|\bhow\s+(do|does|can|long)\b|\bcan\s+(i|you)\s+\w+\s+(something|anything|items?|products?|an?\s+\w+)\b|\bis\s+it\s+possible\b|\bwhat\s+(is|are)\s+your\b|\bdo\s+you\s+(offer|allow|accept|do)\b",
    )
});

/// The intents the customer's words express, most specific first.
pub fn detect(text: &str) -> Vec<Intent> {
    let mut out = Vec::new();
    // "my order", "my lamp": the customer is asking about their own purchase, not the policy.
    let question_only =
        POLICY.is_match(text) && order_ids(text).is_empty() && !text.contains("my ");
    if HUMAN.is_match(text) {
        out.push(Intent::Human);
    }
    if EXCHANGE.is_match(text) {
        out.push(Intent::Exchange);
    }
    if RETURN.is_match(text) && !EXCHANGE.is_match(text) {
        out.push(Intent::Return);
    }
    if CANCEL.is_match(text) {
        out.push(Intent::Cancel);
    }
    let address_or_payment = PAYMENT.is_match(text)
        || (ADDRESS.is_match(text) && parse_address(text).is_some())
        || DEFAULT_ADDRESS.is_match(text);
    if CHANGE_OPTION.is_match(text) && !EXCHANGE.is_match(text) && !address_or_payment {
        out.push(Intent::ModifyItems);
    }
    if PAYMENT.is_match(text) {
        out.push(Intent::ChangePayment);
    }
    if DEFAULT_ADDRESS.is_match(text) {
        out.push(Intent::ChangeDefaultAddress);
    } else if ADDRESS.is_match(text) && parse_address(text).is_some() {
        out.push(Intent::ChangeOrderAddress);
    }
    if STATUS.is_match(text) {
        out.push(Intent::Status);
    }
    // A general question about how things work, with no order named: answer from the KB.
    if question_only && !out.contains(&Intent::Human) {
        out.clear();
        out.push(Intent::PolicyQuestion);
    }
    out
}

static ORDER_ID: LazyLock<Regex> = LazyLock::new(|| re(r"(?i)#?\s?\b(w\d{7})\b"));

/// Order ids named in the text, normalised to `#W1234567`, in order of mention.
pub fn order_ids(text: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for c in ORDER_ID.captures_iter(text) {
        let id = format!("#{}", c[1].to_uppercase());
        if !out.contains(&id) {
            out.push(id);
        }
    }
    out
}

/// The cancellation reason the customer gave, if it maps to one the policy accepts.
pub fn cancel_reason(text: &str) -> Option<&'static str> {
    static MISTAKE: LazyLock<Regex> = LazyLock::new(|| {
        re(
            r"\bmistake\b|\bmistakenly\b|\baccident(ally)?\b|\bby\s+error\b|\bordered\s+(it\s+)?twice\b|\bduplicate\b|\bwrong\s+(item|order|thing|product)\b|\bdidn'?t\s+mean\s+to\b|\bdid\s+not\s+mean\s+to\b",
        )
    });
    static NOT_NEEDED: LazyLock<Regex> = LazyLock::new(|| {
        re(
            r"\bno\s+longer\s+(need|want)\b|\bdon'?t\s+(need|want)\b|\bdo\s+not\s+(need|want)\b|\bchanged\s+my\s+mind\b|\bnot\s+needed\b|\bno\s+need\b|\bfound\s+(it|one)\b|\bnot\s+necessary\b",
        )
    });
    if MISTAKE.is_match(text) {
        Some("ordered by mistake")
    } else if NOT_NEEDED.is_match(text) {
        Some("no longer needed")
    } else {
        None
    }
}

/// Which kind of payment method the customer named, if any.
pub fn payment_kind(text: &str) -> Option<countersign_shop::PaymentSource> {
    use countersign_shop::PaymentSource;
    static GIFT: LazyLock<Regex> = LazyLock::new(|| re(r"\bgift\s*card\b"));
    static CARD: LazyLock<Regex> =
        LazyLock::new(|| re(r"\b(credit\s*card|visa|mastercard|my\s+card)\b"));
    if GIFT.is_match(text) {
        Some(PaymentSource::GiftCard)
    } else if text.contains("paypal") {
        Some(PaymentSource::Paypal)
    } else if CARD.is_match(text) {
        Some(PaymentSource::CreditCard)
    } else {
        None
    }
}

/// Whether `word` occurs in `text` between non-alphanumeric characters.
pub fn contains_word(text: &str, word: &str) -> bool {
    if word.is_empty() {
        return false;
    }
    let mut from = 0;
    while let Some(pos) = text[from..].find(word) {
        let start = from + pos;
        let end = start + word.len();
        let before = text[..start]
            .chars()
            .next_back()
            .is_none_or(|c| !c.is_alphanumeric());
        let after = text[end..]
            .chars()
            .next()
            .is_none_or(|c| !c.is_alphanumeric());
        if before && after {
            return true;
        }
        from = start + word.len().max(1);
    }
    false
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParsedAddress {
    pub address1: String,
    pub address2: String,
    pub city: String,
    pub state: String,
    pub zip: String,
}

/// A US address written on one line: `12 Oak Street, Apt 4, Austin, TX 78701`.
pub fn parse_address(text: &str) -> Option<ParsedAddress> {
    static ADDR: LazyLock<Regex> = LazyLock::new(|| {
        re(
            r"(?i)\b(\d{1,6}\s+[a-z0-9][a-z0-9 .'-]{1,40}?)\s*,\s*(?:((?:apt|apartment|suite|unit|ste|#)\.?\s*[a-z0-9-]+)\s*,\s*)?([a-z][a-z .'-]{1,30}?)\s*,\s*([a-z]{2})\s*,?\s+(\d{5})\b",
        )
    });
    let c = ADDR.captures(text)?;
    let title = |s: &str| {
        s.split_whitespace()
            .map(|w| {
                let mut cs = w.chars();
                cs.next()
                    .map(|f| f.to_uppercase().chain(cs).collect::<String>())
                    .unwrap_or_default()
            })
            .collect::<Vec<_>>()
            .join(" ")
    };
    Some(ParsedAddress {
        address1: title(c[1].trim()),
        address2: c
            .get(2)
            .map(|m| title(m.as_str().trim()))
            .unwrap_or_default(),
        city: title(c[3].trim()),
        state: c[4].to_uppercase(),
        zip: c[5].to_owned(),
    })
}

/// A name and zip code the customer gave to identify themselves.
pub fn name_and_zip(text: &str) -> Option<(String, String, String)> {
    static NAME: LazyLock<Regex> = LazyLock::new(|| {
        re(
            r"(?i)\b(?:my\s+name\s+is|this\s+is|i\s+am|i'm|name\s*:)\s+([a-z][a-z'-]+)\s+([a-z][a-z'-]+)",
        )
    });
    static ZIP: LazyLock<Regex> = LazyLock::new(|| {
        re(r"(?i)\b(?:zip|postal)(?:\s*code)?\s*(?:is|:)?\s*(\d{5})\b|\b(\d{5})\b")
    });
    let n = NAME.captures(text)?;
    let z = ZIP.captures(text)?;
    let zip = z.get(1).or_else(|| z.get(2))?.as_str().to_owned();
    Some((n[1].to_owned(), n[2].to_owned(), zip))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detects_intents() {
        let cases: &[(&str, &[Intent])] = &[
            (
                "please cancel order #w1234567, i ordered it by mistake",
                &[Intent::Cancel],
            ),
            (
                "i'd like to return the desk lamp from my last order",
                &[Intent::Return],
            ),
            ("can i exchange the shoes for size 10?", &[Intent::Exchange]),
            ("where is my order #w1234567?", &[Intent::Status]),
            ("i want to speak to a real person", &[Intent::Human]),
            ("what is your return policy?", &[Intent::PolicyQuestion]),
            (
                "can i return something after 30 days?",
                &[Intent::PolicyQuestion],
            ),
            (
                "how long do refunds take when i cancel?",
                &[Intent::PolicyQuestion],
            ),
            (
                "please update my default address to 5 elm court, boise, id 83702",
                &[Intent::ChangeDefaultAddress],
            ),
            (
                "please ship order #w1234567 to 5 elm court, apt 2, boise, id 83702 instead",
                &[Intent::ChangeOrderAddress],
            ),
            (
                "can i pay for #w1234567 with my paypal instead?",
                &[Intent::ChangePayment],
            ),
        ];
        for (text, want) in cases {
            assert_eq!(detect(text), *want, "{text}");
        }
    }

    #[test]
    fn extracts_slots() {
        assert_eq!(
            order_ids("orders W1234567 and #w7654321, again #W1234567"),
            ["#W1234567", "#W7654321"]
        );
        assert_eq!(
            cancel_reason("i ordered it twice"),
            Some("ordered by mistake")
        );
        assert_eq!(cancel_reason("i changed my mind"), Some("no longer needed"));
        assert_eq!(cancel_reason("please cancel"), None);
        assert!(contains_word("in black please", "black") && !contains_word("blackish", "black"));
        let a = parse_address("ship to 12 oak street, apt 4, austin, tx 78701 please").unwrap();
        assert_eq!(
            (
                a.address1.as_str(),
                a.address2.as_str(),
                a.city.as_str(),
                a.state.as_str(),
                a.zip.as_str()
            ),
            ("12 Oak Street", "Apt 4", "Austin", "TX", "78701")
        );
        assert_eq!(
            name_and_zip("hi, my name is lena moreau and my zip is 97201"),
            Some(("lena".into(), "moreau".into(), "97201".into()))
        );
    }
}
