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
// "cancle" is the misspelling customers make most; it means nothing else.
static CANCEL: LazyLock<Regex> =
    LazyLock::new(|| re(r"\bcancel(l?ing|l?ed|lation)?\b|\bcancle(d)?\b"));
static RETURN: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"\breturn(ing)?\b|\b(send|sending|take|taking)\s+(\w+\s+){0,3}back\b|\b(has|have|needs?)\s+to\s+go\s+back\b|\bmy\s+money\s+back\b",
    )
});
static EXCHANGE: LazyLock<Regex> =
    LazyLock::new(|| re(r"\bexchang(e|ed|es|ing)\b|\bswap(ped)?\b|\btrade\s+(it|them)\b"));
static CHANGE_OPTION: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"\b(chang(e|ed)|switch(ed)?|modif(y|ied)|update[d]?|make)\b.{0,80}\b(size|colou?r|option|version|model|capacity|material|variant)\b|\binstead\s+of\s+the\b|\b(different|another)\s+(size|colou?r)\b|\b(chang(e|ed)|switch(ed)?|update[d]?)\s+(the|my)\s+[a-z-]+\b.{0,50}\bto\b|\bbe\s+(changed|switched)\s+to\b|\b(want|like|prefer)\s+(the|my)\s+[a-z -]{2,30}?\s+in\s+[a-z0-9]|\b(make|have|get)\s+(the|my|it)\b[^.?!]{0,60}\binstead\b",
    )
});
static ADDRESS: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"\baddress\b|\b(ship|deliver|send)\b.{0,30}\bto\b|\b(go|goes|sent|shipped|delivered)\s+to\b|\bmoved\b",
    )
});
static DEFAULT_ADDRESS: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"\b(default|profile|account|billing|home|saved)\s+address\b|\baddress\s+(on\s+file|in\s+my\s+(account|profile))\b|\bupdate\s+my\s+account\b",
    )
});
/// "I moved": the customer's address changed. With an order named it is that order's
/// shipping address; without, their default address.
static MOVED: LazyLock<Regex> =
    LazyLock::new(|| re(r"\bmy\s+address\s+(has\s+)?changed\b|\bi('ve|\s+have)?\s+moved\b"));
// A payment method named in the customer's words.
const PAYMENT_METHOD: &str = r"(paypal|gift\s*card|credit\s*card|card|visa|mastercard)";
static PAYMENT: LazyLock<Regex> = LazyLock::new(|| {
    let m = PAYMENT_METHOD;
    re(&format!(
        r"\b(pay|paying|paid|charge|bill)\b.{{0,30}}(\b(with|to|on|using|by)\b|\bw/).{{0,20}}\b{m}\b|\b(change|switch|update)\b.{{0,20}}\bpayment\b|\b(charge|bill)\s+(it\s+to\s+)?(my|the)\s+{m}\b|\buse\s+(my|the)\s+{m}\b|\bswitch\b.{{0,40}}\bfrom\s+(my|the)\s+{m}\b|\b(take|taking)\s+(the\s+)?(money|payment|amount)\s+(off|from)\s+(my|the)\s+{m}\b|\bput\b.{{0,30}}\bon\s+(my|the)\s+{m}\b"
    ))
});
static STATUS: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"\bwhere\s+is\b|\bwhere'?s\b|\bstatus\b|\bwhat('?s|\s+is)\s+in\s+(my\s+)?order\b|\border\s+details\b|\btrack(ing)?\b|\bshipped\b|\bhas(n'?t| not)\s+(arrived|come|shipped)\b|\bwhen\s+will\b.{0,30}\b(arrive|ship|come|get)\b|\bnot\s+(arrived|received)\b|\bstill\s+waiting\b|\bstill\s+coming\b|\bon\s+(its|the)\s+way\b|\b(what|which)\s+orders\b",
    )
});
static POLICY: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"\b(policy|policies)\b|\bhow\s+(do|does|can|long)\b|\bcan\s+(i|you)\s+\w+\s+(something|anything|items?|products?|an?\s+\w+)\b|\bis\s+it\s+possible\b|\bwhat\s+(is|are)\s+your\b|\bdo\s+you\s+(offer|allow|accept|do|take)\b",
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
    // "What's your return policy?" asks about returns; it does not ask for one.
    static ABOUT_RETURNS: LazyLock<Regex> =
        LazyLock::new(|| re(r"\breturns?\s+(polic(y|ies)|window|period|rules)\b"));
    let asks_about_returns = ABOUT_RETURNS.is_match(text);
    if RETURN.is_match(&ABOUT_RETURNS.replace_all(text, " ")) && !EXCHANGE.is_match(text) {
        out.push(Intent::Return);
    }
    // "Noise cancelling" is a headphone option, and "I don't want to cancel" the opposite of a
    // request: neither asks to cancel anything.
    static NOT_CANCEL: LazyLock<Regex> = LazyLock::new(|| {
        re(
            r"\bnoise[\s-]+cancell?ing\b|\b(don'?t|do\s+not|not|never|no\s+need\s+to)\s+(want\s+to\s+|need\s+to\s+|wish\s+to\s+)?cancel\w*",
        )
    });
    if CANCEL.is_match(&NOT_CANCEL.replace_all(text, " ")) {
        out.push(Intent::Cancel);
    }
    let default_address =
        DEFAULT_ADDRESS.is_match(text) || (MOVED.is_match(text) && order_ids(text).is_empty());
    let address_or_payment = PAYMENT.is_match(text)
        || (ADDRESS.is_match(text) && parse_address(text).is_some())
        || default_address;
    if CHANGE_OPTION.is_match(text) && !EXCHANGE.is_match(text) && !address_or_payment {
        out.push(Intent::ModifyItems);
    }
    if PAYMENT.is_match(text) {
        out.push(Intent::ChangePayment);
    }
    if default_address {
        out.push(Intent::ChangeDefaultAddress);
    } else if (ADDRESS.is_match(text) || MOVED.is_match(text)) && parse_address(text).is_some() {
        out.push(Intent::ChangeOrderAddress);
    }
    if STATUS.is_match(text) {
        out.push(Intent::Status);
    }
    // A general question about how things work, with no order named: answer from the KB.
    if question_only && !out.contains(&Intent::Human) {
        out.clear();
        out.push(Intent::PolicyQuestion);
    } else if asks_about_returns && !out.contains(&Intent::PolicyQuestion) {
        // Asked beside a request ("cancel X. also what's your return policy"): answer both.
        out.push(Intent::PolicyQuestion);
    }
    out
}

// `#W1234567`, `w1234567`, or the seven digits alone ("order 1234567"): customers drop the
// prefix. A lookup is scoped to the customer, so a number that is not their order is "not
// found", never someone else's record.
static ORDER_ID: LazyLock<Regex> = LazyLock::new(|| re(r"(?i)#?\s?\bw?(\d{7})\b"));

impl Intent {
    /// Whether the intent is a write on one order (and so needs to know which).
    pub fn acts_on_an_order(self) -> bool {
        matches!(
            self,
            Intent::Cancel
                | Intent::Return
                | Intent::Exchange
                | Intent::ModifyItems
                | Intent::ChangeOrderAddress
                | Intent::ChangePayment
        )
    }
}

/// Where the words of an intent are in the text (every match), for pairing each intent of a
/// multi-request message with the order named next to it.
pub fn positions(intent: Intent, text: &str) -> Vec<usize> {
    let regexes: &[&Regex] = match intent {
        Intent::Cancel => &[&CANCEL],
        Intent::Return => &[&RETURN],
        Intent::Exchange => &[&EXCHANGE],
        Intent::ModifyItems => &[&CHANGE_OPTION],
        Intent::ChangeOrderAddress => &[&ADDRESS, &MOVED],
        Intent::ChangeDefaultAddress => &[&DEFAULT_ADDRESS, &MOVED],
        Intent::ChangePayment => &[&PAYMENT],
        Intent::Status => &[&STATUS],
        Intent::Human | Intent::PolicyQuestion => &[],
    };
    regexes
        .iter()
        .flat_map(|r| r.find_iter(text).map(|m| m.start()))
        .collect()
}

/// Order ids named in the text with where each is first named, normalised to `#W1234567`.
pub fn order_mentions(text: &str) -> Vec<(usize, String)> {
    let mut out: Vec<(usize, String)> = Vec::new();
    for c in ORDER_ID.captures_iter(text) {
        let id = format!("#W{}", &c[1]);
        if !out.iter().any(|(_, o)| *o == id) {
            out.push((c.get(1).map_or(0, |m| m.start()), id));
        }
    }
    out
}

/// Order ids named in the text, normalised to `#W1234567`, in order of mention.
pub fn order_ids(text: &str) -> Vec<String> {
    order_mentions(text).into_iter().map(|(_, id)| id).collect()
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
            r"\bno\s+longer\s+(need|want)(ed)?\b|\bdon'?t\s+(need|want)\b|\bdo\s+not\s+(need|want)\b|\bchanged\s+my\s+mind\b|\bnot\s+needed\b|\bno\s+need\b|\bnot\s+necessary\b|\bno\s+use\s+for\b",
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

/// A payment method the customer named as the one to use.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PaymentMention {
    pub kind: countersign_shop::PaymentSource,
    /// A card brand they named ("visa", "mastercard").
    pub brand: Option<String>,
    /// Digits they gave ("ending 1234").
    pub last_four: Option<String>,
    /// Only "my card": a credit card or a gift card, they did not say.
    pub bare_card: bool,
}

const METHOD: &str = r"(?:paypal|gift\s*card|credit\s*card|visa(?:\s+card)?|mastercard|amex|american\s+express|discover|card)(?:\s+ending(?:\s+in)?\s+\d{4})?";

/// The method the customer wants to use. A method they name to move away from ("not the gift
/// card", "instead of my visa", "from my mastercard to paypal") is not it.
pub fn payment_named(text: &str) -> Option<PaymentMention> {
    use countersign_shop::PaymentSource;
    static AWAY: LazyLock<Regex> = LazyLock::new(|| {
        re(&format!(
            r"\b(?:not|no|never|instead\s+of|rather\s+than|from|(?:do\s+not|don'?t|not)\s+(?:want|use|using|pay\s+with|charge)(?:\s+it\s+(?:on|to))?)\s+(?:the\s+|my\s+|a\s+|an\s+)?{METHOD}"
        ))
    });
    static GIFT: LazyLock<Regex> = LazyLock::new(|| re(r"\bgift\s*card\b"));
    static BRAND: LazyLock<Regex> =
        LazyLock::new(|| re(r"\b(visa|mastercard|amex|american\s+express|discover)\b"));
    static CREDIT: LazyLock<Regex> = LazyLock::new(|| re(r"\bcredit\s*card\b"));
    static CARD: LazyLock<Regex> = LazyLock::new(|| re(r"\bcard\b"));
    static DIGITS: LazyLock<Regex> = LazyLock::new(|| {
        re(r"\b(?:ending|ends|last\s+four|last\s+4)(?:\s+(?:in|with|digits))?\s+(\d{4})\b")
    });
    // "The card I paid with", "the original payment": the method the order was paid with,
    // which is what an unnamed method means.
    static ORIGINAL: LazyLock<Regex> = LazyLock::new(|| {
        re(
            r"\b(card|account|method)\s+i\s+(paid|used|bought)\b|\boriginal\s+(payment|method|card)\b|\bsame\s+(card|method|account|payment)\b",
        )
    });
    // Only where it is the method wanted: "rather than the card I paid with" moves away.
    static AWAY_FROM_ORIGINAL: LazyLock<Regex> = LazyLock::new(|| {
        re(
            r"\b(?:not|instead\s+of|rather\s+than)\s+(?:the\s+|my\s+)?(?:original\s+(?:payment|method|card)|(?:card|account|method)\s+i\s+(?:paid|used|bought)(?:\s+with)?)",
        )
    });
    let wanted = AWAY_FROM_ORIGINAL.replace_all(text, " ");
    if ORIGINAL.is_match(&wanted) {
        return None;
    }
    let wanted = AWAY.replace_all(&wanted, " ");
    let last_four = DIGITS.captures(&wanted).map(|c| c[1].to_owned());
    let brand = BRAND.captures(&wanted).map(|c| match &c[1] {
        b if b.starts_with("american") => "amex".to_owned(),
        b => b.to_owned(),
    });
    let mention = |kind, bare_card| PaymentMention {
        kind,
        brand: brand.clone(),
        last_four: last_four.clone(),
        bare_card,
    };
    if GIFT.is_match(&wanted) {
        Some(mention(PaymentSource::GiftCard, false))
    } else if wanted.contains("paypal") {
        Some(mention(PaymentSource::Paypal, false))
    } else if brand.is_some() || CREDIT.is_match(&wanted) {
        Some(mention(PaymentSource::CreditCard, false))
    } else if CARD.is_match(&wanted) {
        Some(mention(PaymentSource::CreditCard, true))
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
    // Without commas the street's end is where its suffix is ("14 Willow Bend Boulder CO").
    static BARE: LazyLock<Regex> = LazyLock::new(|| {
        re(
            r"(?i)\b(\d{1,6}\s+(?:[a-z0-9'.-]+\s+){0,4}?(?:street|st|avenue|ave|road|rd|lane|ln|drive|dr|boulevard|blvd|court|ct|place|pl|way|terrace|ter|row|bend|hill|circle|cir|parkway|pkwy|square|sq|trail|trl|highway|hwy|alley|loop|path|crescent|close))\.?\s*,?\s*(?:((?:apt|apartment|suite|unit|ste|#)\.?\s*[a-z0-9-]+)\s*,?\s*)?(?:in\s+)?([a-z][a-z .'-]{1,30}?)\s*,?\s+([a-z]{2})\s*,?\s+(\d{5})\b",
        )
    });
    // An address over several lines is one address: lines become commas.
    let one_line = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join(", ")
        .replace(":,", ":");
    // Two addresses ("from 12 Oak St, … to 5 Elm Ct, …") leave which one is new to a question.
    let found = ADDR
        .captures_iter(&one_line)
        .count()
        .max(BARE.captures_iter(&one_line).count());
    if found > 1 {
        return None;
    }
    let c = ADDR
        .captures(&one_line)
        .or_else(|| BARE.captures(&one_line))?;
    // The text reaching here is lower-cased: words get their capital back, and a token with a
    // digit ("3b", "12a") is a unit or house number, written in capitals.
    let title = |s: &str| {
        s.split_whitespace()
            .map(|w| {
                if w.chars().any(|c| c.is_ascii_digit()) {
                    return w.to_uppercase();
                }
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
            r"(?im)\b(?:my\s+name\s+is|this\s+is|i\s+am|i'm|name\s*:)\s+([a-z][a-z'-]+)\s+([a-z][a-z'-]+)|^\s*([a-z][a-z'-]+)\s+([a-z][a-z'-]+)\s+here\b",
        )
    });
    static ZIP: LazyLock<Regex> = LazyLock::new(|| {
        re(r"(?i)\b(?:zip|postal)(?:\s*code)?\s*(?:is|:)?\s*(\d{5})\b|\b(\d{5})\b")
    });
    let n = NAME.captures(text)?;
    let z = ZIP.captures(text)?;
    let zip = z.get(1).or_else(|| z.get(2))?.as_str().to_owned();
    let first = n.get(1).or_else(|| n.get(3))?.as_str().to_owned();
    let last = n.get(2).or_else(|| n.get(4))?.as_str().to_owned();
    Some((first, last, zip))
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
