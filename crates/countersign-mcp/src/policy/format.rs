//! The external-tool policy file: what an administrator writes (TOML), its JSON schema for
//! editors and the app's form, and its loading into a checked [`Policy`].
//!
//! ```toml
//! [servers.billing]
//! customer_id = "email"              # how this system knows the conversation's customer
//!
//! [servers.billing.tools.create_refund]
//! approver = "agent"                 # the lowest role that may approve (agent | supervisor)
//!
//! [servers.billing.tools.create_refund.amount]
//! pointer = "/amount"                # JSON pointer into the arguments
//! unit = "minor"                     # minor (cents) | major (dollars)
//! currency = "usd"
//! currency_pointer = "/currency"     # optional: the argument must name the same currency
//! agent_limit = "50.00"              # agents approve up to this, inclusive (major units)
//! supervisor_limit = "500.00"        # optional: above it nobody may approve
//!
//! [[servers.billing.tools.create_refund.constraints]]
//! pointer = "/reason"
//! one_of = ["duplicate", "requested_by_customer"]
//!
//! [servers.billing.tools.create_refund.ownership]
//! argument = "/charge"               # the argument naming the customer's object
//! read_tool = "get_charge"           # a read tool of the same server, called with…
//! read_arguments = { id = "/charge" }  # …these arguments, taken from the write's arguments
//! owner_pointer = "/customer"        # where its result names the object's owner
//! ```

use std::collections::BTreeMap;

use countersign_core::Role;
use countersign_shop::Money;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The whole file.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(deny_unknown_fields)]
pub struct PolicyFile {
    /// Per server, by the server's name in the workspace.
    #[serde(default)]
    pub servers: BTreeMap<String, ServerPolicy>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(deny_unknown_fields)]
pub struct ServerPolicy {
    /// Which of the conversation's authenticated customer's identities this system uses as
    /// its customer id, compared with what ownership reads return.
    pub customer_id: CustomerKey,
    /// Per tool, by the tool's name on the server. A write tool without an entry is refused.
    #[serde(default)]
    pub tools: BTreeMap<String, ToolPolicy>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum CustomerKey {
    /// The customer's id in the shop (`jane_doe_1234`).
    UserId,
    /// The customer's email address, compared case-insensitively.
    Email,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(deny_unknown_fields)]
pub struct ToolPolicy {
    /// The lowest role that may approve a call at all; an amount above the agent limit needs
    /// a supervisor in any case.
    #[serde(default)]
    pub approver: Approver,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amount: Option<AmountRule>,
    /// Checks on the arguments beyond the server's own schema, in order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub constraints: Vec<Constraint>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ownership: Option<OwnershipRule>,
    /// For a read tool: where its result names the owner. A result that names anyone but the
    /// conversation's customer is withheld from the planner.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub result_owner_pointer: Option<String>,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum Approver {
    #[default]
    Agent,
    Supervisor,
}

impl Approver {
    pub fn role(self) -> Role {
        match self {
            Approver::Agent => Role::Agent,
            Approver::Supervisor => Role::Supervisor,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum AmountUnit {
    /// Integer minor units (cents): Stripe's `amount: 1250` is $12.50.
    Minor,
    /// Major units with at most two decimals: `12.5` or `"12.50"` is $12.50.
    Major,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(deny_unknown_fields)]
pub struct AmountRule {
    /// JSON pointer to the amount in the arguments.
    pub pointer: String,
    pub unit: AmountUnit,
    /// ISO 4217 code the limits are in, e.g. `usd`.
    pub currency: String,
    /// JSON pointer to an argument that names the currency; it must be `currency`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub currency_pointer: Option<String>,
    /// Agents approve up to this amount, inclusive, in major units (`"50.00"`).
    pub agent_limit: String,
    /// Above this amount nobody may approve (major units). No ceiling when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub supervisor_limit: Option<String>,
}

/// A check on one argument. Every rule given applies.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(deny_unknown_fields)]
pub struct Constraint {
    /// JSON pointer into the arguments.
    pub pointer: String,
    /// The argument must be present.
    #[serde(default)]
    pub required: bool,
    /// The argument must equal one of these values.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub one_of: Option<Vec<Value>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub minimum: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub maximum: Option<f64>,
    /// A regular expression the whole string must match (anchored for you).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pattern: Option<String>,
    /// The most characters a string may have.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_length: Option<usize>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(deny_unknown_fields)]
pub struct OwnershipRule {
    /// JSON pointer to the argument that names the customer's object (a charge, an order).
    pub argument: String,
    /// A tool of the same server, classified `read`, that looks the object up.
    pub read_tool: String,
    /// The read tool's arguments: its argument name → JSON pointer into the write's arguments.
    pub read_arguments: BTreeMap<String, String>,
    /// JSON pointer into the read's result to the owner's customer id.
    pub owner_pointer: String,
}

impl PolicyFile {
    /// The file as TOML, for the app's form: what it saves goes through the same parse and
    /// checks ([`Policy::from_toml`]) as text typed by hand. Comments are not kept.
    pub fn to_toml(&self) -> Result<String, PolicyFileError> {
        toml::to_string_pretty(self).map_err(|e| PolicyFileError::Invalid(e.to_string()))
    }
}

/// A policy file that does not load, with a stable code.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PolicyFileError {
    #[error("the policy file does not parse: {0}")]
    Parse(String),
    #[error("the policy file is not usable: {0}")]
    Invalid(String),
}

impl PolicyFileError {
    pub fn code(&self) -> &'static str {
        match self {
            PolicyFileError::Parse(_) => "policy_parse",
            PolicyFileError::Invalid(_) => "policy_invalid",
        }
    }
}

/// A loaded, checked policy: every pointer well formed, every pattern compiled, every limit a
/// sum of money. Evaluation (`evaluate.rs`) cannot meet a malformed rule.
#[derive(Clone, Debug)]
pub struct Policy {
    pub(crate) file: PolicyFile,
    /// Compiled `pattern`s, by (server, tool, constraint index).
    pub(crate) patterns: BTreeMap<(String, String, usize), regex::Regex>,
    /// Parsed limits, by (server, tool): (agent, supervisor).
    pub(crate) limits: BTreeMap<(String, String), (Money, Option<Money>)>,
}

impl Policy {
    pub fn from_toml(text: &str) -> Result<Policy, PolicyFileError> {
        let file: PolicyFile =
            toml::from_str(text).map_err(|e| PolicyFileError::Parse(e.to_string()))?;
        Policy::new(file)
    }

    pub fn new(file: PolicyFile) -> Result<Policy, PolicyFileError> {
        let invalid = |at: &str, what: String| PolicyFileError::Invalid(format!("{at}: {what}"));
        let mut patterns = BTreeMap::new();
        let mut limits = BTreeMap::new();
        for (server, sp) in &file.servers {
            for (tool, tp) in &sp.tools {
                let at = format!("servers.{server}.tools.{tool}");
                let mut pointers: Vec<&str> = Vec::new();
                for (i, c) in tp.constraints.iter().enumerate() {
                    pointers.push(&c.pointer);
                    // TOML's nan and inf: JSON has neither, so the rule could not be shown or
                    // saved again as written (and an infinite bound checks nothing).
                    if [c.minimum, c.maximum]
                        .iter()
                        .flatten()
                        .any(|b| !b.is_finite())
                    {
                        return Err(invalid(
                            &at,
                            format!("{}: a bound that is not a number", c.pointer),
                        ));
                    }
                    if c.one_of.iter().flatten().any(holds_null) {
                        return Err(invalid(
                            &at,
                            format!(
                                "{}: one_of holds nan or inf, which JSON cannot carry",
                                c.pointer
                            ),
                        ));
                    }
                    if let Some(p) = &c.pattern {
                        // Anchored: a pattern is a description of the whole value, never a
                        // substring an attacker can satisfy with a prefix.
                        let re = regex::Regex::new(&format!("^(?:{p})$"))
                            .map_err(|e| invalid(&at, format!("pattern {p:?}: {e}")))?;
                        patterns.insert((server.clone(), tool.clone(), i), re);
                    }
                }
                if let Some(a) = &tp.amount {
                    pointers.push(&a.pointer);
                    pointers.extend(a.currency_pointer.as_deref());
                    let agent = parse_major(&a.agent_limit)
                        .ok_or_else(|| invalid(&at, format!("agent_limit {:?}", a.agent_limit)))?;
                    let supervisor = match &a.supervisor_limit {
                        Some(s) => Some(
                            parse_major(s)
                                .ok_or_else(|| invalid(&at, format!("supervisor_limit {s:?}")))?,
                        ),
                        None => None,
                    };
                    if supervisor.is_some_and(|s| s < agent) {
                        return Err(invalid(&at, "supervisor_limit is below agent_limit".into()));
                    }
                    if a.currency.trim().is_empty() {
                        return Err(invalid(&at, "currency is empty".into()));
                    }
                    limits.insert((server.clone(), tool.clone()), (agent, supervisor));
                }
                if let Some(o) = &tp.ownership {
                    pointers.push(&o.argument);
                    pointers.push(&o.owner_pointer);
                    pointers.extend(o.read_arguments.values().map(String::as_str));
                    if o.read_tool == *tool {
                        return Err(invalid(&at, "a tool cannot prove its own ownership".into()));
                    }
                }
                pointers.extend(tp.result_owner_pointer.as_deref());
                if let Some(bad) = pointers.iter().find(|p| !is_pointer(p)) {
                    return Err(invalid(&at, format!("{bad:?} is not a JSON pointer")));
                }
            }
        }
        Ok(Policy {
            file,
            patterns,
            limits,
        })
    }

    pub fn file(&self) -> &PolicyFile {
        &self.file
    }

    pub fn tool(&self, server: &str, tool: &str) -> Option<&ToolPolicy> {
        self.file.servers.get(server)?.tools.get(tool)
    }

    /// The JSON schema of the file, for editors and the app's settings form.
    pub fn json_schema() -> Value {
        serde_json::to_value(schemars::schema_for!(PolicyFile)).unwrap_or(Value::Null)
    }
}

/// Whether a value read from TOML holds a null anywhere: TOML has none, so it was a nan or an
/// inf that JSON cannot carry.
fn holds_null(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::Array(a) => a.iter().any(holds_null),
        Value::Object(o) => o.values().any(holds_null),
        _ => false,
    }
}

/// A JSON pointer (RFC 6901): empty, or `/`-separated tokens.
fn is_pointer(p: &str) -> bool {
    p.is_empty() || p.starts_with('/')
}

/// `"50"`, `"50.5"`, `"50.00"` → cents. At most two decimals; no sign, no exponent.
pub(crate) fn parse_major(s: &str) -> Option<Money> {
    let s = s.trim();
    let (whole, frac) = match s.split_once('.') {
        Some((w, f)) => (w, f),
        None => (s, ""),
    };
    let digits = |d: &str| d.chars().all(|c| c.is_ascii_digit());
    if whole.is_empty() || !digits(whole) || !digits(frac) || frac.len() > 2 {
        return None;
    }
    let whole: i64 = whole.parse().ok()?;
    let frac: i64 = if frac.is_empty() {
        0
    } else {
        format!("{frac:0<2}").parse().ok()?
    };
    whole
        .checked_mul(100)?
        .checked_add(frac)
        .map(Money::from_cents)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn major_amounts() {
        let rows = [
            ("50", Some(5000)),
            ("50.5", Some(5050)),
            ("50.05", Some(5005)),
            (" 0.99 ", Some(99)),
            ("50.123", None),
            ("-5", None),
            ("1e3", None),
            ("", None),
            (".5", None),
            ("5.", Some(500)),
            ("99999999999999999999", None),
        ];
        for (text, cents) in rows {
            assert_eq!(parse_major(text).map(Money::cents), cents, "{text:?}");
        }
    }

    #[test]
    fn the_documented_example_loads() {
        let doc = include_str!("format.rs");
        let example: String = doc
            .lines()
            .skip_while(|l| !l.starts_with("//! ```toml"))
            .skip(1)
            .take_while(|l| !l.starts_with("//! ```"))
            .map(|l| l.trim_start_matches("//!").trim_start())
            .collect::<Vec<_>>()
            .join("\n");
        let p = Policy::from_toml(&example).unwrap();
        let refund = p.tool("billing", "create_refund").unwrap();
        assert_eq!(refund.approver, Approver::Agent);
        assert_eq!(
            p.limits[&("billing".into(), "create_refund".into())],
            (Money::from_cents(5000), Some(Money::from_cents(50000)))
        );
    }

    #[test]
    fn a_file_written_as_toml_reads_back_the_same() {
        let text = "[servers.billing]\ncustomer_id = \"email\"\n\
            [servers.billing.tools.refund]\napprover = \"supervisor\"\nresult_owner_pointer = \"/customer\"\n\
            [servers.billing.tools.refund.amount]\npointer = \"/amount\"\nunit = \"minor\"\ncurrency = \"usd\"\n\
            agent_limit = \"50.00\"\nsupervisor_limit = \"500\"\n\
            [[servers.billing.tools.refund.constraints]]\npointer = \"/reason\"\nrequired = true\n\
            one_of = [\"duplicate\", 3, true]\nminimum = 0.5\nmax_length = 40\npattern = \"[a-z_]+\"\n\
            [servers.billing.tools.refund.ownership]\nargument = \"/charge\"\nread_tool = \"get_charge\"\n\
            read_arguments = { id = \"/charge\" }\nowner_pointer = \"/customer\"\n";
        let file = Policy::from_toml(text).unwrap().file().clone();
        let written = file.to_toml().unwrap();
        assert_eq!(Policy::from_toml(&written).unwrap().file(), &file);
        // An empty file is an empty policy both ways.
        let empty = PolicyFile::default();
        assert_eq!(
            Policy::from_toml(&empty.to_toml().unwrap()).unwrap().file(),
            &empty
        );
    }

    #[test]
    fn files_that_do_not_load() {
        let rows = [
            ("not toml", "servers = [", "policy_parse"),
            (
                "unknown field",
                "[servers.s]\ncustomer_id = \"email\"\nfoo = 1",
                "policy_parse",
            ),
            (
                "bad pattern",
                "[servers.s]\ncustomer_id = \"email\"\n[[servers.s.tools.t.constraints]]\npointer = \"/a\"\npattern = \"(\"",
                "policy_invalid",
            ),
            (
                "pointer without slash",
                "[servers.s]\ncustomer_id = \"email\"\n[[servers.s.tools.t.constraints]]\npointer = \"a\"",
                "policy_invalid",
            ),
            (
                "limit not money",
                "[servers.s]\ncustomer_id = \"email\"\n[servers.s.tools.t.amount]\npointer = \"/a\"\nunit = \"minor\"\ncurrency = \"usd\"\nagent_limit = \"ten\"",
                "policy_invalid",
            ),
            (
                "ceiling under the agent limit",
                "[servers.s]\ncustomer_id = \"email\"\n[servers.s.tools.t.amount]\npointer = \"/a\"\nunit = \"minor\"\ncurrency = \"usd\"\nagent_limit = \"10\"\nsupervisor_limit = \"5\"",
                "policy_invalid",
            ),
            (
                "an infinite bound",
                "[servers.s]\ncustomer_id = \"email\"\n[[servers.s.tools.t.constraints]]\npointer = \"/a\"\nmaximum = inf",
                "policy_invalid",
            ),
            (
                "nan among the allowed values",
                "[servers.s]\ncustomer_id = \"email\"\n[[servers.s.tools.t.constraints]]\npointer = \"/a\"\none_of = [1, nan]",
                "policy_invalid",
            ),
            (
                "inf inside an allowed value",
                "[servers.s]\ncustomer_id = \"email\"\n[[servers.s.tools.t.constraints]]\npointer = \"/a\"\none_of = [{ a = inf }]",
                "policy_invalid",
            ),
            (
                "a tool proving its own ownership",
                "[servers.s]\ncustomer_id = \"email\"\n[servers.s.tools.t.ownership]\nargument = \"/id\"\nread_tool = \"t\"\nread_arguments = { id = \"/id\" }\nowner_pointer = \"/owner\"",
                "policy_invalid",
            ),
        ];
        for (name, text, code) in rows {
            assert_eq!(
                Policy::from_toml(text).map(|_| ()).map_err(|e| e.code()),
                Err(code),
                "{name}"
            );
        }
    }

    #[test]
    fn the_schema_names_every_section() {
        let schema = Policy::json_schema().to_string();
        for word in ["customer_id", "agent_limit", "owner_pointer", "one_of"] {
            assert!(schema.contains(word), "{word}");
        }
    }
}
