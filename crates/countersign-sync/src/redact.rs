//! Redaction of what a case quotes from customers: email addresses, phone numbers, card-like
//! numbers, street addresses and people's names become placeholders, the same value the same
//! placeholder within one redactor (one batch, one export), so a case still reads coherently
//! ("[name-1] wrote from person1's address") without saying who.
//!
//! Placeholder emails stay email-shaped (`person1@redacted.invalid`) so a redacted case is still
//! a valid eval case whose `from` is an address.
//!
//! Names are found where mail and chat put them, not by guessing at every capitalised word:
//! greetings ("Hi Hana,", "Dear Mr Okafor,"), sign-offs ("Thanks,\nHana Yilmaz"),
//! introductions ("my name is …", "this is …"), and arguments named for them (`first_name`,
//! `last_name`, `name`). A name found anywhere in a case is then replaced everywhere in it, as
//! a whole word and with its capital ("Hana's order"; the word "will" is not the name "Will").
//! Street addresses are a house number and capitalised words ending in a street word ("12 Oak
//! Street, Apt 4"), and the `address1`, `address2` and `zip` arguments. Customer ids
//! (`user_id`, `customer_id` arguments; a shop's ids are often made of the name) become
//! `[customer-n]`, here and wherever the id appears in the case's text. A name no cue marks
//! (one in mid-sentence, never in a greeting or signature) passes: this is redaction for an
//! eval store behind a bearer token, not anonymisation for publication.

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

/// Arguments whose whole value is personal.
const PERSONAL_ARGS: &[(&str, Kind)] = &[
    ("first_name", Kind::Name),
    ("last_name", Kind::Name),
    ("name", Kind::Name),
    ("address1", Kind::Address),
    ("address2", Kind::Address),
    ("zip", Kind::Zip),
    // The shop's customer ids are often made of the name (`hana_yilmaz_9949`).
    ("user_id", Kind::Customer),
    ("customer_id", Kind::Customer),
];

/// Words that can follow a greeting or a sign-off but name no one.
const NOT_NAMES: &[&str] = &[
    "team",
    "support",
    "customer",
    "customers",
    "sir",
    "madam",
    "all",
    "everyone",
    "there",
    "folks",
    "friend",
    "friends",
    "colleague",
    "colleagues",
    "again",
    "good",
    "morning",
    "afternoon",
    "evening",
    "service",
    "shop",
    "store",
    "customer support",
    "support team",
];

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Kind {
    Email,
    Phone,
    Card,
    Address,
    Name,
    Zip,
    Customer,
}

fn re(pattern: &str) -> Regex {
    Regex::new(pattern).unwrap_or_else(|e| unreachable!("fixed pattern: {e}"))
}

fn patterns() -> &'static [(Kind, Regex)] {
    static PATTERNS: OnceLock<Vec<(Kind, Regex)>> = OnceLock::new();
    PATTERNS.get_or_init(|| {
        // Cards before phones: a 16-digit number in groups would otherwise read as a phone.
        vec![
            (Kind::Card, re(r"\b\d(?:[ -]?\d){12,18}\b")),
            (Kind::Email, re(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")),
            // Separated groups or a leading +: order ids such as #W1234567 are not phones.
            (
                Kind::Phone,
                re(r"(?:\+\d{1,3}[ .-]?)?(?:\(\d{2,4}\)[ .-]?|\b\d{2,4}[ .-])\d{3,4}[ .-]\d{3,5}\b|\+\d{8,15}\b"),
            ),
            (
                Kind::Address,
                re(r"\b\d{1,6}[ \t]+(?:\p{Lu}[\p{L}'.-]*[ \t]+){1,4}(?:Street|St|Avenue|Ave|Road|Rd|Lane|Ln|Drive|Dr|Boulevard|Blvd|Court|Ct|Way|Place|Pl|Terrace|Circle|Cir|Parkway|Pkwy|Highway|Hwy|Square|Sq|Trail|Row|Close|Crescent)\b\.?(?:,?[ \t]+(?:Apt|Apartment|Suite|Ste|Unit|Flat|Floor)\.?[ \t]*#?[\w-]+)?"),
            ),
        ]
    })
}

/// One to three capitalised words (hyphens and apostrophes inside), on one line.
const NAME: &str = r"\p{Lu}[\p{Ll}'’-]+(?:[ \t]+\p{Lu}[\p{Ll}'’-]+){0,2}";

fn name_cues() -> &'static [Regex] {
    static CUES: OnceLock<Vec<Regex>> = OnceLock::new();
    CUES.get_or_init(|| {
        vec![
            // Greetings at the start of a line: "Hi Hana,", "Dear Mr. Okafor:".
            re(&format!(
                r"(?m)^[ \t]*(?:Hi|Hello|Hey|Dear|Good (?:morning|afternoon|evening))[ \t]+(?:(?:Mr|Mrs|Ms|Miss|Dr)\.?[ \t]+)?(?P<name>{NAME})[ \t]*[,!:]"
            )),
            // Sign-offs, with the name on the same line or the next.
            re(&format!(
                r"(?m)^[ \t]*(?i:thanks|thank you|many thanks|cheers|best|best regards|kind regards|regards|sincerely|warm regards|all the best)[ \t]*[,!.]?[ \t]*(?:\r?\n[ \t]*)?(?P<name>{NAME})[ \t]*\r?$"
            )),
            // Introductions.
            re(&format!(
                r"\b(?i:my name is|this is)[ \t]+(?P<name>{NAME})\b"
            )),
        ]
    })
}

/// Replaces personal data with placeholders that are stable within this redactor.
#[derive(Debug, Default)]
pub struct Redactor {
    seen: HashMap<(Kind, String), String>,
    counts: HashMap<Kind, usize>,
    /// Every name and customer id learnt, as written; replaced in text as whole words,
    /// longest first.
    known: Vec<(Kind, String)>,
    known_patterns: HashMap<Kind, Regex>,
}

impl Redactor {
    pub fn new() -> Redactor {
        Redactor::default()
    }

    /// The case with every non-structural string redacted.
    pub fn case(&mut self, case: &Value) -> Value {
        // First every name the case shows by a cue, so each is replaced wherever it appears.
        self.learn_names(case, None);
        self.value(case, None)
    }

    fn learn_names(&mut self, v: &Value, key: Option<&str>) {
        match v {
            Value::String(_) if key.is_some_and(|k| STRUCTURAL.contains(&k)) => {}
            Value::String(s) if personal(key) == Some(Kind::Name) => self.learn_name(s),
            Value::String(s) if personal(key) == Some(Kind::Customer) => {
                self.learn(Kind::Customer, s.trim())
            }
            Value::String(s) => self.learn_names_in(s),
            Value::Array(items) => items.iter().for_each(|i| self.learn_names(i, key)),
            Value::Object(map) => map.iter().for_each(|(k, v)| self.learn_names(v, Some(k))),
            _ => {}
        }
    }

    fn learn_names_in(&mut self, text: &str) {
        let found: Vec<String> = name_cues()
            .iter()
            .flat_map(|cue| cue.captures_iter(text))
            .filter_map(|c| c.name("name").map(|m| m.as_str().to_owned()))
            .collect();
        found.iter().for_each(|n| self.learn_name(n));
    }

    /// Remembers a name and each of its words: a signature's "Hana Yilmaz" also hides the
    /// "Hana" of a greeting and the "Yilmaz" of "Ms Yilmaz".
    fn learn_name(&mut self, name: &str) {
        let name = name.trim();
        if name.is_empty() || NOT_NAMES.contains(&name.to_lowercase().as_str()) {
            return;
        }
        let mut forms = vec![name.to_owned()];
        let words: Vec<&str> = name.split_whitespace().collect();
        if words.len() > 1 {
            forms.extend(
                words
                    .iter()
                    .filter(|w| w.chars().count() > 1)
                    .filter(|w| !NOT_NAMES.contains(&w.to_lowercase().as_str()))
                    .map(|w| (*w).to_owned()),
            );
        }
        for form in forms {
            self.learn(Kind::Name, &form);
        }
    }

    /// Remembers a value to replace wherever it appears in text.
    fn learn(&mut self, kind: Kind, value: &str) {
        if value.is_empty() || self.known.iter().any(|(k, v)| *k == kind && v == value) {
            return;
        }
        self.placeholder(kind, value);
        self.known.push((kind, value.to_owned()));
        self.known_patterns.remove(&kind);
    }

    fn value(&mut self, v: &Value, key: Option<&str>) -> Value {
        match v {
            Value::String(s) if key.is_some_and(|k| STRUCTURAL.contains(&k)) => {
                Value::String(s.clone())
            }
            Value::String(s) if s.trim().is_empty() => Value::String(s.clone()),
            Value::String(s) => match personal(key) {
                Some(kind) => Value::String(self.placeholder(kind, s)),
                None => Value::String(self.text(s)),
            },
            Value::Array(items) => Value::Array(items.iter().map(|i| self.value(i, key)).collect()),
            Value::Object(map) => Value::Object(
                map.iter()
                    .map(|(k, v)| (k.clone(), self.value(v, Some(k))))
                    .collect(),
            ),
            other => other.clone(),
        }
    }

    /// `text` with emails, phones, card-like numbers, street addresses and names (those this
    /// redactor has learnt, and those `text` shows by a cue) replaced.
    pub fn text(&mut self, text: &str) -> String {
        self.learn_names_in(text);
        let mut out = text.to_owned();
        for (kind, re) in patterns() {
            out = self.replace_all(&out, *kind, re);
        }
        // Customer ids before names: an id holds the name in lower case, never the reverse.
        for kind in [Kind::Customer, Kind::Name] {
            if let Some(known) = self.known_regex(kind) {
                out = self.replace_all(&out, kind, &known);
            }
        }
        out
    }

    fn replace_all(&mut self, text: &str, kind: Kind, re: &Regex) -> String {
        let mut replaced = String::with_capacity(text.len());
        let mut last = 0;
        for m in re.find_iter(text) {
            replaced.push_str(&text[last..m.start()]);
            replaced.push_str(&self.placeholder(kind, m.as_str()));
            last = m.end();
        }
        replaced.push_str(&text[last..]);
        replaced
    }

    /// One pattern for every learnt value of `kind`, longest first ("Hana Yilmaz" before
    /// "Hana"), as whole words and case as written.
    fn known_regex(&mut self, kind: Kind) -> Option<Regex> {
        if let Some(re) = self.known_patterns.get(&kind) {
            return Some(re.clone());
        }
        let mut values: Vec<&str> = self
            .known
            .iter()
            .filter(|(k, _)| *k == kind)
            .map(|(_, v)| v.as_str())
            .collect();
        if values.is_empty() {
            return None;
        }
        values.sort_by_key(|v| std::cmp::Reverse(v.len()));
        let alternatives: Vec<String> = values.iter().map(|v| regex::escape(v)).collect();
        let re = Regex::new(&format!(r"\b(?:{})\b", alternatives.join("|"))).ok()?;
        self.known_patterns.insert(kind, re.clone());
        Some(re)
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
            Kind::Address => format!("[address-{n}]"),
            Kind::Name => format!("[name-{n}]"),
            Kind::Zip => format!("[zip-{n}]"),
            Kind::Customer => format!("[customer-{n}]"),
        };
        self.seen.insert(key, p.clone());
        p
    }
}

/// The kind of personal value an argument named `key` holds as a whole, if it does.
fn personal(key: Option<&str>) -> Option<Kind> {
    PERSONAL_ARGS
        .iter()
        .find(|(k, _)| Some(*k) == key)
        .map(|(_, kind)| *kind)
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

    #[test]
    fn names_found_by_a_cue_are_replaced_everywhere_in_the_case() {
        let mut r = Redactor::new();
        let case = json!({
            "input": "Hello,\nplease move my order to 42 Maple Grove Road, Apt 3B.\nHana's husband will collect it.\n\nThanks,\nHana Yilmaz",
            "decision": {"draft": "Hi Hana,\n\nWe will update the address.\n\nBest regards,\nCustomer Support"},
            "expected_actions": [{"tool": "modify_pending_order_address", "args": {
                "order_id": "#W1", "address1": "42 Maple Grove Road", "address2": "Apt 3B",
                "city": "Denver", "zip": "80202"}}],
        });
        let out = r.case(&case);
        let input = out["input"].as_str().unwrap_or_default();
        assert_eq!(
            input,
            "Hello,\nplease move my order to [address-3].\n[name-1]'s husband will collect it.\n\nThanks,\n[name-2]"
        );
        assert_eq!(
            out["decision"]["draft"],
            "Hi [name-1],\n\nWe will update the address.\n\nBest regards,\nCustomer Support"
        );
        let args = &out["expected_actions"][0]["args"];
        // Fields are visited in key order: the arguments before the input.
        assert_eq!(args["address1"], "[address-1]");
        assert_eq!(args["address2"], "[address-2]");
        assert_eq!(args["zip"], "[zip-1]");
        // The word "will" is not the name "Will"; a city alone says little and stays.
        assert!(input.contains("will collect"));
        assert_eq!(args["city"], "Denver");
        assert_eq!(args["order_id"], "#W1");
    }

    #[test]
    fn customer_ids_are_replaced_in_arguments_and_in_text() {
        let mut r = Redactor::new();
        let case = json!({
            "expected_actions": [{"tool": "modify_user_address", "args": {"user_id": "hana_yilmaz_9949"}}],
            "decision": {"proposed_args": {"user_id": "hana_yilmaz_9949"}},
            "handoff": "Verified customer hana_yilmaz_9949 asked for a new address.",
        });
        let out = r.case(&case);
        assert_eq!(
            out["expected_actions"][0]["args"]["user_id"],
            "[customer-1]"
        );
        assert_eq!(out["decision"]["proposed_args"]["user_id"], "[customer-1]");
        assert_eq!(
            out["handoff"],
            "Verified customer [customer-1] asked for a new address."
        );
        assert!(!out.to_string().contains("yilmaz"));
    }

    #[test]
    fn greetings_to_nobody_and_capitalised_words_without_a_cue_stay() {
        let mut r = Redactor::new();
        let text =
            "Hi Team,\nMy Order #W12 arrived Broken. This is Urgent!\n\nThanks,\nCustomer Support";
        let out = r.text(text);
        // "This is Urgent" reads as an introduction; a false positive costs a word, a miss a
        // person's name, so the cue stays.
        assert_eq!(
            out,
            "Hi Team,\nMy Order #W12 arrived Broken. This is [name-1]!\n\nThanks,\nCustomer Support"
        );
        let mut r = Redactor::new();
        assert_eq!(
            r.text("Dear Mr. Okafor: my name is Kofi Okafor, and Okafor is on the parcel."),
            "Dear Mr. [name-1]: my name is [name-2], and [name-1] is on the parcel."
        );
    }
}
