//! Judging one external write against the policy: pure, from the arguments, the
//! conversation's customer and the ownership evidence to a verdict or a refusal.
//!
//! Ownership needs a read from the server, so evaluation is two steps around one call:
//! [`ownership_lookup`] says which read to make (after the arguments passed their
//! constraints, so nothing that fails them is sent anywhere), the caller makes it, and
//! [`evaluate`] judges everything with its result.
//!
//! Precedence, first failure wins:
//! 1. **No policy.** A write tool without an entry is refused: nothing is passed unchecked.
//! 2. **Constraints**, in the file's order (missing, one_of, minimum, maximum, pattern,
//!    max_length for each).
//! 3. **Ownership.** No authenticated customer (or no id of the kind the system uses), no
//!    usable evidence, or an owner other than the customer.
//! 4. **Amount.** Unreadable (absent, negative, fractional cents), another currency, or above
//!    the supervisor ceiling.
//! 5. Otherwise a **verdict**: who may approve (the tool's approver, raised to supervisor
//!    above the agent limit), the amount and the evidence, for the preview.

use countersign_core::Role;
use countersign_shop::Money;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::format::{parse_major, AmountUnit, Constraint, CustomerKey, Policy, ToolPolicy};
use crate::tool::ToolCall;

/// The conversation's authenticated customer, as the desk knows them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Customer {
    pub user_id: String,
    pub email: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RefusalCode {
    NoPolicy,
    ArgumentMissing,
    ArgumentNotAllowed,
    ArgumentBelowMinimum,
    ArgumentAboveMaximum,
    ArgumentPattern,
    ArgumentTooLong,
    UnknownCustomer,
    OwnershipUnverified,
    NotOwner,
    AmountUnreadable,
    CurrencyMismatch,
    AboveSupervisorLimit,
}

impl RefusalCode {
    pub const ALL: [RefusalCode; 13] = [
        RefusalCode::NoPolicy,
        RefusalCode::ArgumentMissing,
        RefusalCode::ArgumentNotAllowed,
        RefusalCode::ArgumentBelowMinimum,
        RefusalCode::ArgumentAboveMaximum,
        RefusalCode::ArgumentPattern,
        RefusalCode::ArgumentTooLong,
        RefusalCode::UnknownCustomer,
        RefusalCode::OwnershipUnverified,
        RefusalCode::NotOwner,
        RefusalCode::AmountUnreadable,
        RefusalCode::CurrencyMismatch,
        RefusalCode::AboveSupervisorLimit,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            RefusalCode::NoPolicy => "no_policy",
            RefusalCode::ArgumentMissing => "argument_missing",
            RefusalCode::ArgumentNotAllowed => "argument_not_allowed",
            RefusalCode::ArgumentBelowMinimum => "argument_below_minimum",
            RefusalCode::ArgumentAboveMaximum => "argument_above_maximum",
            RefusalCode::ArgumentPattern => "argument_pattern",
            RefusalCode::ArgumentTooLong => "argument_too_long",
            RefusalCode::UnknownCustomer => "unknown_customer",
            RefusalCode::OwnershipUnverified => "ownership_unverified",
            RefusalCode::NotOwner => "not_owner",
            RefusalCode::AmountUnreadable => "amount_unreadable",
            RefusalCode::CurrencyMismatch => "currency_mismatch",
            RefusalCode::AboveSupervisorLimit => "above_supervisor_limit",
        }
    }
}

/// Why policy refuses a call. The message names pointers and limits, never another
/// customer's data.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[error("{}: {message}", code.as_str())]
pub struct PolicyRefusal {
    pub code: RefusalCode,
    pub message: String,
}

fn refuse(code: RefusalCode, message: impl Into<String>) -> PolicyRefusal {
    PolicyRefusal {
        code,
        message: message.into(),
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(rename = "PolicyAmount"))]
pub struct Amount {
    pub value: Money,
    /// Lower-case ISO 4217 code.
    pub currency: String,
}

/// What the ownership read showed, for the preview.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct OwnershipEvidence {
    /// The argument that names the object, as given.
    pub object: Value,
    pub read_tool: String,
    pub read_arguments: Map<String, Value>,
    /// The customer id the read returned, equal to the conversation's customer's.
    pub owner: String,
}

/// Policy's approval of a call: who may approve it and what the preview shows.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(rename = "PolicyVerdict"))]
pub struct Verdict {
    /// The lowest role that may approve it.
    pub required_role: Role,
    pub amount: Option<Amount>,
    pub agent_limit: Option<Money>,
    pub ownership: Option<OwnershipEvidence>,
}

impl Verdict {
    /// May a person in `role` approve this call? Supervisors may approve anything policy
    /// allowed; agents what needs no more than an agent.
    pub fn may_approve(&self, role: Role) -> bool {
        role == Role::Supervisor || self.required_role == Role::Agent
    }
}

/// Steps 1 and 2: the tool's policy, and its constraints on the arguments.
pub fn check_arguments<'p>(
    policy: &'p Policy,
    server: &str,
    tool: &str,
    args: &Value,
) -> Result<&'p ToolPolicy, PolicyRefusal> {
    let tp = policy.tool(server, tool).ok_or_else(|| {
        refuse(
            RefusalCode::NoPolicy,
            format!("{server}/{tool} has no policy: a write without one is not proposed"),
        )
    })?;
    for (i, c) in tp.constraints.iter().enumerate() {
        let pattern = policy
            .patterns
            .get(&(server.to_owned(), tool.to_owned(), i));
        check_constraint(c, pattern, args)?;
    }
    Ok(tp)
}

fn check_constraint(
    c: &Constraint,
    pattern: Option<&regex::Regex>,
    args: &Value,
) -> Result<(), PolicyRefusal> {
    let at = &c.pointer;
    let Some(v) = args.pointer(at) else {
        return if c.required {
            Err(refuse(
                RefusalCode::ArgumentMissing,
                format!("{at} is required"),
            ))
        } else {
            Ok(())
        };
    };
    if let Some(allowed) = &c.one_of {
        // Numbers by value, as JSON means them: `1` and `1.0` are one number (a policy
        // saved through the app's form comes back with `1.0` written as `1`).
        let same =
            |a: &Value| a == v || (a.is_number() && v.is_number() && a.as_f64() == v.as_f64());
        if !allowed.iter().any(same) {
            return Err(refuse(
                RefusalCode::ArgumentNotAllowed,
                format!("{at} must be one of {}", Value::Array(allowed.clone())),
            ));
        }
    }
    if c.minimum.is_some() || c.maximum.is_some() {
        let n = v.as_f64().ok_or_else(|| {
            refuse(
                RefusalCode::ArgumentNotAllowed,
                format!("{at} must be a number"),
            )
        })?;
        if let Some(min) = c.minimum.filter(|m| n < *m) {
            return Err(refuse(
                RefusalCode::ArgumentBelowMinimum,
                format!("{at} must be at least {min}"),
            ));
        }
        if let Some(max) = c.maximum.filter(|m| n > *m) {
            return Err(refuse(
                RefusalCode::ArgumentAboveMaximum,
                format!("{at} must be at most {max}"),
            ));
        }
    }
    if pattern.is_some() || c.max_length.is_some() {
        let s = v.as_str().ok_or_else(|| {
            refuse(
                RefusalCode::ArgumentNotAllowed,
                format!("{at} must be a string"),
            )
        })?;
        if let Some(re) = pattern.filter(|re| !re.is_match(s)) {
            return Err(refuse(
                RefusalCode::ArgumentPattern,
                format!("{at} must match {}", re.as_str()),
            ));
        }
        if let Some(max) = c.max_length.filter(|m| s.chars().count() > *m) {
            return Err(refuse(
                RefusalCode::ArgumentTooLong,
                format!("{at} must be at most {max} characters"),
            ));
        }
    }
    Ok(())
}

/// The read that proves ownership, if the tool's policy asks for one. Refuses first on
/// anything [`check_arguments`] refuses.
pub fn ownership_lookup(
    policy: &Policy,
    server: &str,
    tool: &str,
    args: &Value,
) -> Result<Option<ToolCall>, PolicyRefusal> {
    let tp = check_arguments(policy, server, tool, args)?;
    lookup_for(tp, args)
}

fn lookup_for(tp: &ToolPolicy, args: &Value) -> Result<Option<ToolCall>, PolicyRefusal> {
    let Some(rule) = &tp.ownership else {
        return Ok(None);
    };
    if args.pointer(&rule.argument).is_none() {
        return Err(refuse(
            RefusalCode::ArgumentMissing,
            format!(
                "{} names the customer's object and is required",
                rule.argument
            ),
        ));
    }
    let mut arguments = Map::new();
    for (name, pointer) in &rule.read_arguments {
        let v = args.pointer(pointer).ok_or_else(|| {
            refuse(
                RefusalCode::ArgumentMissing,
                format!("{pointer} is needed to check ownership"),
            )
        })?;
        arguments.insert(name.clone(), v.clone());
    }
    Ok(Some(ToolCall {
        name: rule.read_tool.clone(),
        arguments,
    }))
}

/// The conversation customer's id in the external system.
fn customer_id(
    policy: &Policy,
    server: &str,
    customer: Option<&Customer>,
) -> Result<(String, CustomerKey), PolicyRefusal> {
    let key = policy
        .file
        .servers
        .get(server)
        .map(|s| s.customer_id)
        .unwrap_or(CustomerKey::UserId);
    let customer = customer.ok_or_else(|| {
        refuse(
            RefusalCode::UnknownCustomer,
            "the conversation has no authenticated customer",
        )
    })?;
    let id = match key {
        CustomerKey::UserId => Some(customer.user_id.clone()),
        CustomerKey::Email => customer.email.clone(),
    };
    let id = id.filter(|s| !s.is_empty()).ok_or_else(|| {
        refuse(
            RefusalCode::UnknownCustomer,
            format!("the customer has no {key:?} this system knows them by"),
        )
    })?;
    Ok((id, key))
}

fn same_customer(key: CustomerKey, a: &str, b: &str) -> bool {
    match key {
        CustomerKey::UserId => a == b,
        CustomerKey::Email => a.trim().eq_ignore_ascii_case(b.trim()),
    }
}

/// An owner id as a result gives it: a string, or a number written as one.
fn owner_string(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// Judges a write. `evidence` is the JSON result of the read [`ownership_lookup`] named
/// (`None` if it named none, or the read failed).
pub fn evaluate(
    policy: &Policy,
    server: &str,
    tool: &str,
    args: &Value,
    customer: Option<&Customer>,
    evidence: Option<&Value>,
) -> Result<Verdict, PolicyRefusal> {
    let tp = check_arguments(policy, server, tool, args)?;
    let lookup = lookup_for(tp, args)?;

    let ownership = match (&tp.ownership, lookup) {
        (Some(rule), Some(call)) => {
            let (id, key) = customer_id(policy, server, customer)?;
            let owner = evidence
                .and_then(|e| e.pointer(&rule.owner_pointer))
                .and_then(owner_string)
                .ok_or_else(|| {
                    refuse(
                        RefusalCode::OwnershipUnverified,
                        format!("{} did not show who owns {}", rule.read_tool, rule.argument),
                    )
                })?;
            if !same_customer(key, &owner, &id) {
                // Say nothing about whose it is.
                return Err(refuse(
                    RefusalCode::NotOwner,
                    format!(
                        "{} belongs to another customer than this conversation's",
                        rule.argument
                    ),
                ));
            }
            Some(OwnershipEvidence {
                object: args.pointer(&rule.argument).cloned().unwrap_or(Value::Null),
                read_tool: call.name,
                read_arguments: call.arguments,
                owner,
            })
        }
        _ => None,
    };

    let mut required_role = tp.approver.role();
    let (amount, agent_limit) = match &tp.amount {
        None => (None, None),
        Some(rule) => {
            let value = read_amount(args, &rule.pointer, rule.unit)?;
            let currency = rule.currency.trim().to_ascii_lowercase();
            if let Some(p) = &rule.currency_pointer {
                let given = args.pointer(p).and_then(Value::as_str).unwrap_or("");
                if !given.trim().eq_ignore_ascii_case(&currency) {
                    return Err(refuse(
                        RefusalCode::CurrencyMismatch,
                        format!("{p} must be {currency}"),
                    ));
                }
            }
            let (agent, ceiling) = policy.limits[&(server.to_owned(), tool.to_owned())];
            if let Some(ceiling) = ceiling.filter(|c| value > *c) {
                return Err(refuse(
                    RefusalCode::AboveSupervisorLimit,
                    format!(
                        "{} {currency} is above what anyone may approve ({} {currency})",
                        major(value),
                        major(ceiling)
                    ),
                ));
            }
            if value > agent {
                required_role = Role::Supervisor;
            }
            (Some(Amount { value, currency }), Some(agent))
        }
    };
    Ok(Verdict {
        required_role,
        amount,
        agent_limit,
        ownership,
    })
}

/// For a read tool with `result_owner_pointer`: may its result reach the planner?
pub fn check_read_result(
    policy: &Policy,
    server: &str,
    tool: &str,
    customer: Option<&Customer>,
    result: Option<&Value>,
) -> Result<(), PolicyRefusal> {
    let Some(pointer) = policy
        .tool(server, tool)
        .and_then(|t| t.result_owner_pointer.as_ref())
    else {
        return Ok(());
    };
    let (id, key) = customer_id(policy, server, customer)?;
    let owner = result
        .and_then(|r| r.pointer(pointer))
        .and_then(owner_string)
        .ok_or_else(|| {
            refuse(
                RefusalCode::OwnershipUnverified,
                format!("{tool}'s result did not show its owner at {pointer}"),
            )
        })?;
    if same_customer(key, &owner, &id) {
        Ok(())
    } else {
        Err(refuse(
            RefusalCode::NotOwner,
            format!("{tool}'s result belongs to another customer than this conversation's"),
        ))
    }
}

fn major(m: Money) -> String {
    format!("{}.{:02}", m.cents() / 100, m.cents() % 100)
}

fn read_amount(args: &Value, pointer: &str, unit: AmountUnit) -> Result<Money, PolicyRefusal> {
    let unreadable = || {
        refuse(
            RefusalCode::AmountUnreadable,
            format!("{pointer} must be a non-negative amount in {unit:?} units"),
        )
    };
    let v = args.pointer(pointer).ok_or_else(unreadable)?;
    let text = match v {
        Value::Number(n) => n.to_string(),
        Value::String(s) => s.trim().to_owned(),
        _ => return Err(unreadable()),
    };
    match unit {
        AmountUnit::Minor => {
            if text.is_empty() || !text.chars().all(|c| c.is_ascii_digit()) {
                return Err(unreadable());
            }
            text.parse::<i64>()
                .map(Money::from_cents)
                .map_err(|_| unreadable())
        }
        AmountUnit::Major => parse_major(&text).ok_or_else(unreadable),
    }
}

#[cfg(test)]
#[path = "evaluate_tests.rs"]
mod tests;
