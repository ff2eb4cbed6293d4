//! One named row per scenario of the precedence in `evaluate.rs`.

use super::*;
use serde_json::json;

const POLICY: &str = r#"
[servers.billing]
customer_id = "email"

[servers.billing.tools.create_refund]
approver = "agent"

[servers.billing.tools.create_refund.amount]
pointer = "/amount"
unit = "minor"
currency = "usd"
currency_pointer = "/currency"
agent_limit = "50.00"
supervisor_limit = "500.00"

[[servers.billing.tools.create_refund.constraints]]
pointer = "/reason"
required = true
one_of = ["duplicate", "requested_by_customer"]

[[servers.billing.tools.create_refund.constraints]]
pointer = "/note"
pattern = "[A-Za-z0-9 .,]*"
max_length = 20

[[servers.billing.tools.create_refund.constraints]]
pointer = "/amount"
minimum = 1

[servers.billing.tools.create_refund.ownership]
argument = "/charge"
read_tool = "get_charge"
read_arguments = { id = "/charge" }
owner_pointer = "/customer/email"

[servers.billing.tools.close_account]
approver = "supervisor"

[servers.billing.tools.credit]
[servers.billing.tools.credit.amount]
pointer = "/dollars"
unit = "major"
currency = "usd"
agent_limit = "10"

[servers.billing.tools.get_charge]
result_owner_pointer = "/customer/email"
"#;

fn policy() -> Policy {
    Policy::from_toml(POLICY).unwrap()
}

fn jane() -> Customer {
    Customer {
        user_id: "jane_1".into(),
        email: Some("Jane@Example.com".into()),
    }
}

fn refund(amount: Value) -> Value {
    json!({"charge": "ch_1", "amount": amount, "currency": "usd", "reason": "duplicate"})
}

fn owned_by(email: &str) -> Value {
    json!({"id": "ch_1", "customer": {"email": email}})
}

struct Row {
    name: &'static str,
    tool: &'static str,
    args: Value,
    customer: Option<Customer>,
    evidence: Option<Value>,
    want: Result<Role, RefusalCode>,
}

#[test]
fn evaluation_table() {
    use RefusalCode::*;
    let mine = Some(owned_by("jane@example.com"));
    let with = |f: &dyn Fn(&mut Value)| {
        let mut a = refund(json!(1250));
        f(&mut a);
        a
    };
    let rows = vec![
        Row {
            name: "a refund within the agent limit, owned by the customer",
            tool: "create_refund",
            args: refund(json!(1250)),
            customer: Some(jane()),
            evidence: mine.clone(),
            want: Ok(Role::Agent),
        },
        Row {
            name: "the agent limit is inclusive",
            tool: "create_refund",
            args: refund(json!(5000)),
            customer: Some(jane()),
            evidence: mine.clone(),
            want: Ok(Role::Agent),
        },
        Row {
            name: "a cent above the agent limit needs a supervisor",
            tool: "create_refund",
            args: refund(json!(5001)),
            customer: Some(jane()),
            evidence: mine.clone(),
            want: Ok(Role::Supervisor),
        },
        Row {
            name: "above the supervisor ceiling nobody may approve",
            tool: "create_refund",
            args: refund(json!(50001)),
            customer: Some(jane()),
            evidence: mine.clone(),
            want: Err(AboveSupervisorLimit),
        },
        Row {
            name: "a tool without policy is refused",
            tool: "delete_customer",
            args: json!({}),
            customer: Some(jane()),
            evidence: None,
            want: Err(NoPolicy),
        },
        Row {
            name: "a required argument is missing",
            tool: "create_refund",
            args: with(&|a| {
                a.as_object_mut().unwrap().remove("reason");
            }),
            customer: Some(jane()),
            evidence: mine.clone(),
            want: Err(ArgumentMissing),
        },
        Row {
            name: "a value outside the enum",
            tool: "create_refund",
            args: with(&|a| a["reason"] = json!("because")),
            customer: Some(jane()),
            evidence: mine.clone(),
            want: Err(ArgumentNotAllowed),
        },
        Row {
            name: "a pattern is anchored: a good prefix does not pass",
            tool: "create_refund",
            args: with(&|a| a["note"] = json!("ok <script>")),
            customer: Some(jane()),
            evidence: mine.clone(),
            want: Err(ArgumentPattern),
        },
        Row {
            name: "too long",
            tool: "create_refund",
            args: with(&|a| a["note"] = json!("a".repeat(21))),
            customer: Some(jane()),
            evidence: mine.clone(),
            want: Err(ArgumentTooLong),
        },
        Row {
            name: "below the minimum",
            tool: "create_refund",
            args: refund(json!(0)),
            customer: Some(jane()),
            evidence: mine.clone(),
            want: Err(ArgumentBelowMinimum),
        },
        Row {
            name: "constraints are checked before ownership",
            tool: "create_refund",
            args: with(&|a| a["reason"] = json!("because")),
            customer: Some(jane()),
            evidence: Some(owned_by("mallory@example.com")),
            want: Err(ArgumentNotAllowed),
        },
        Row {
            name: "another customer's charge",
            tool: "create_refund",
            args: refund(json!(1250)),
            customer: Some(jane()),
            evidence: Some(owned_by("mallory@example.com")),
            want: Err(NotOwner),
        },
        Row {
            name: "ownership is checked before the amount",
            tool: "create_refund",
            args: refund(json!(99_999_999)),
            customer: Some(jane()),
            evidence: Some(owned_by("mallory@example.com")),
            want: Err(NotOwner),
        },
        Row {
            name: "no evidence is no ownership",
            tool: "create_refund",
            args: refund(json!(1250)),
            customer: Some(jane()),
            evidence: None,
            want: Err(OwnershipUnverified),
        },
        Row {
            name: "evidence without an owner is no ownership",
            tool: "create_refund",
            args: refund(json!(1250)),
            customer: Some(jane()),
            evidence: Some(json!({"id": "ch_1"})),
            want: Err(OwnershipUnverified),
        },
        Row {
            name: "an unauthenticated conversation",
            tool: "create_refund",
            args: refund(json!(1250)),
            customer: None,
            evidence: mine.clone(),
            want: Err(UnknownCustomer),
        },
        Row {
            name: "a customer without the id kind the system uses",
            tool: "create_refund",
            args: refund(json!(1250)),
            customer: Some(Customer {
                user_id: "jane_1".into(),
                email: None,
            }),
            evidence: mine.clone(),
            want: Err(UnknownCustomer),
        },
        Row {
            name: "the object's argument is missing",
            tool: "create_refund",
            args: with(&|a| {
                a.as_object_mut().unwrap().remove("charge");
            }),
            customer: Some(jane()),
            evidence: mine.clone(),
            want: Err(ArgumentMissing),
        },
        Row {
            name: "an amount in dollars where cents are expected",
            tool: "create_refund",
            args: refund(json!(12.5)),
            customer: Some(jane()),
            evidence: mine.clone(),
            want: Err(AmountUnreadable),
        },
        Row {
            name: "a numeric constraint refuses a number written as a string",
            tool: "create_refund",
            args: refund(json!("1250")),
            customer: Some(jane()),
            evidence: mine.clone(),
            want: Err(ArgumentNotAllowed),
        },
        Row {
            name: "a negative amount",
            tool: "create_refund",
            args: refund(json!(-5)),
            customer: Some(jane()),
            evidence: mine.clone(),
            want: Err(ArgumentBelowMinimum),
        },
        Row {
            name: "another currency",
            tool: "create_refund",
            args: with(&|a| a["currency"] = json!("eur")),
            customer: Some(jane()),
            evidence: mine.clone(),
            want: Err(CurrencyMismatch),
        },
        Row {
            name: "the currency's case does not matter",
            tool: "create_refund",
            args: with(&|a| a["currency"] = json!("USD")),
            customer: Some(jane()),
            evidence: mine.clone(),
            want: Ok(Role::Agent),
        },
        Row {
            name: "a supervisor-only tool",
            tool: "close_account",
            args: json!({"id": "x"}),
            customer: None,
            evidence: None,
            want: Ok(Role::Supervisor),
        },
        Row {
            name: "dollars with cents",
            tool: "credit",
            args: json!({"dollars": 9.99}),
            customer: None,
            evidence: None,
            want: Ok(Role::Agent),
        },
        Row {
            name: "dollars above the agent limit, no ceiling",
            tool: "credit",
            args: json!({"dollars": "10.01"}),
            customer: None,
            evidence: None,
            want: Ok(Role::Supervisor),
        },
        Row {
            name: "fractions of a cent",
            tool: "credit",
            args: json!({"dollars": 9.999}),
            customer: None,
            evidence: None,
            want: Err(AmountUnreadable),
        },
        Row {
            name: "an absent amount is refused, not taken as zero",
            tool: "credit",
            args: json!({}),
            customer: None,
            evidence: None,
            want: Err(AmountUnreadable),
        },
    ];
    let p = policy();
    for row in rows {
        let got = evaluate(
            &p,
            "billing",
            row.tool,
            &row.args,
            row.customer.as_ref(),
            row.evidence.as_ref(),
        );
        assert_eq!(
            got.as_ref().map(|v| v.required_role).map_err(|r| r.code),
            row.want,
            "{}: {got:?}",
            row.name
        );
    }
}

#[test]
fn the_verdict_carries_the_amount_and_the_evidence() {
    let v = evaluate(
        &policy(),
        "billing",
        "create_refund",
        &refund(json!(1250)),
        Some(&jane()),
        Some(&owned_by("jane@example.com")),
    )
    .unwrap();
    assert_eq!(
        v.amount,
        Some(Amount {
            value: Money::from_cents(1250),
            currency: "usd".into()
        })
    );
    assert_eq!(v.agent_limit, Some(Money::from_cents(5000)));
    assert!(v.may_approve(Role::Agent));
    let e = v.ownership.unwrap();
    assert_eq!(e.read_tool, "get_charge");
    assert_eq!(e.object, json!("ch_1"));
    assert_eq!(e.read_arguments.get("id"), Some(&json!("ch_1")));
}

#[test]
fn who_may_approve() {
    let v = |role| Verdict {
        required_role: role,
        amount: None,
        agent_limit: None,
        ownership: None,
    };
    assert!(v(Role::Agent).may_approve(Role::Agent));
    assert!(v(Role::Agent).may_approve(Role::Supervisor));
    assert!(!v(Role::Supervisor).may_approve(Role::Agent));
    assert!(v(Role::Supervisor).may_approve(Role::Supervisor));
}

#[test]
fn the_lookup_is_named_only_after_the_constraints_pass() {
    let p = policy();
    let call = ownership_lookup(&p, "billing", "create_refund", &refund(json!(1250)))
        .unwrap()
        .unwrap();
    assert_eq!(call.name, "get_charge");
    assert_eq!(Value::Object(call.arguments), json!({"id": "ch_1"}));
    let mut bad = refund(json!(1250));
    bad["reason"] = json!("because");
    assert_eq!(
        ownership_lookup(&p, "billing", "create_refund", &bad).map_err(|r| r.code),
        Err(RefusalCode::ArgumentNotAllowed)
    );
    assert_eq!(
        ownership_lookup(&p, "billing", "close_account", &json!({})),
        Ok(None)
    );
}

#[test]
fn read_results_are_scoped_to_the_customer() {
    let p = policy();
    use RefusalCode::*;
    type Row = (
        &'static str,
        &'static str,
        Option<Customer>,
        Option<Value>,
        Result<(), RefusalCode>,
    );
    let rows: Vec<Row> = vec![
        (
            "the customer's own charge",
            "get_charge",
            Some(jane()),
            Some(owned_by("JANE@example.com")),
            Ok(()),
        ),
        (
            "another customer's charge",
            "get_charge",
            Some(jane()),
            Some(owned_by("mallory@example.com")),
            Err(NotOwner),
        ),
        (
            "a result that hides its owner",
            "get_charge",
            Some(jane()),
            Some(json!({})),
            Err(OwnershipUnverified),
        ),
        (
            "no customer, no scoped read",
            "get_charge",
            None,
            Some(owned_by("jane@example.com")),
            Err(UnknownCustomer),
        ),
        (
            "a read without a scope rule",
            "list_prices",
            None,
            None,
            Ok(()),
        ),
    ];
    for (name, tool, customer, result, want) in rows {
        assert_eq!(
            check_read_result(&p, "billing", tool, customer.as_ref(), result.as_ref())
                .map_err(|r| r.code),
            want,
            "{name}"
        );
    }
}

#[test]
fn every_refusal_code_is_distinct() {
    let mut codes: Vec<&str> = RefusalCode::ALL.iter().map(|c| c.as_str()).collect();
    codes.sort_unstable();
    codes.dedup();
    assert_eq!(codes.len(), RefusalCode::ALL.len());
}

/// Regression: a policy saved through the app's form writes `1.0` as `1` (JavaScript has one
/// number type); an allowed value is a number, so either spelling allows either argument.
#[test]
fn allowed_numbers_compare_by_value() {
    let p = Policy::from_toml(
        "[servers.s]\ncustomer_id = \"email\"\n\
         [[servers.s.tools.t.constraints]]\npointer = \"/n\"\none_of = [1.0, \"2\"]",
    )
    .unwrap();
    let code = |n: Value| {
        check_arguments(&p, "s", "t", &json!({ "n": n }))
            .map(|_| ())
            .map_err(|r| r.code)
    };
    assert_eq!(code(json!(1)), Ok(()));
    assert_eq!(code(json!(1.0)), Ok(()));
    assert_eq!(code(json!("2")), Ok(()));
    assert_eq!(code(json!(2)), Err(RefusalCode::ArgumentNotAllowed));
    assert_eq!(code(json!("1")), Err(RefusalCode::ArgumentNotAllowed));
}
