//! Does a reply promise what did not happen? Before a reply is sent it is read against the
//! conversation's actions as they actually stand: a sentence that says an action is done or
//! prepared ("I have prepared the cancellation of order #W1", "your refund has been issued")
//! while that action was rejected, expired, invalidated or is still waiting is a conflict, and
//! the approver confirms or edits before anything goes out.
//!
//! Deliberately simple and tilted towards asking: a false alarm costs one click, a missed one
//! tells a customer something untrue. A sentence that names order ids is matched only against
//! actions on those orders; one that names none, against every action of its kind.

use std::sync::LazyLock;

use countersign_shop::ToolName;
use regex::Regex;
use serde::{Deserialize, Serialize};

use crate::gate::ProposalState;

/// One of the conversation's actions, as it stands when the reply is approved.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ActionOutcome {
    pub proposal_id: i64,
    pub tool: ToolName,
    /// The order it acts on, when it acts on one.
    pub order_id: Option<String>,
    pub state: ProposalState,
}

/// A sentence of the reply that claims an action which did not happen.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct OutcomeConflict {
    pub proposal_id: i64,
    pub tool: ToolName,
    pub state: ProposalState,
    pub sentence: String,
}

/// Words that tie a sentence to each kind of action.
fn topic(tool: ToolName) -> Option<&'static Regex> {
    static CANCEL: LazyLock<Regex> = LazyLock::new(|| re(r"(?i)\bcancel"));
    static RETURN: LazyLock<Regex> = LazyLock::new(|| re(r"(?i)\b(return|refund)"));
    static EXCHANGE: LazyLock<Regex> = LazyLock::new(|| re(r"(?i)\b(exchang|replace)"));
    static ADDRESS: LazyLock<Regex> = LazyLock::new(|| re(r"(?i)\baddress"));
    static PAYMENT: LazyLock<Regex> =
        LazyLock::new(|| re(r"(?i)\b(payment|switch|card|paypal|gift card)"));
    static ITEMS: LazyLock<Regex> = LazyLock::new(|| re(r"(?i)\b(modif|chang|swap|switch|option)"));
    use ToolName::*;
    Some(match tool {
        CancelPendingOrder => &CANCEL,
        ReturnDeliveredOrderItems => &RETURN,
        ExchangeDeliveredOrderItems => &EXCHANGE,
        ModifyPendingOrderAddress | ModifyUserAddress => &ADDRESS,
        ModifyPendingOrderPayment => &PAYMENT,
        ModifyPendingOrderItems => &ITEMS,
        _ => return None,
    })
}

/// A statement that something is prepared or done, as opposed to a question or an offer.
static CLAIM: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)\b(prepared|done|processed|complete[d]?|issued|(has|have|'ve|'s)\s+(now\s+)?been|is\s+now|are\s+now|i\s+have|i've|we\s+have|we've|will\s+be\s+(refunded|credited|cancell?ed|returned|exchanged|changed|updated|shipped)|once\s+confirmed)\b",
    )
});

/// A sentence that says something did *not* happen claims nothing ("we have not cancelled
/// it", "I could not change the address").
static NEGATED: LazyLock<Regex> =
    LazyLock::new(|| re(r"(?i)(\b(not|never|cannot|unable)\b|n't\b|n’t\b)"));

/// Where a sentence splits into clauses that can each claim, or deny, something.
static CLAUSE: LazyLock<Regex> = LazyLock::new(|| re(r"(?i)[,;]|\s(and|but)\s"));

/// Order ids as the shop writes them.
static ORDER_ID: LazyLock<Regex> = LazyLock::new(|| re(r"#W\d{7}\b"));

fn re(pattern: &str) -> Regex {
    // Constant patterns, covered by the table test below.
    #[allow(clippy::expect_used)]
    Regex::new(pattern).expect("constant pattern compiles")
}

fn sentences(text: &str) -> impl Iterator<Item = &str> {
    text.split_inclusive(['.', '!', '?', '\n'])
        .map(str::trim)
        .filter(|s| !s.is_empty())
}

/// The sentences of `text` that claim an action that is not executed. Executed actions never
/// conflict; neither does a reply that claims nothing.
pub fn outcome_conflicts(text: &str, actions: &[ActionOutcome]) -> Vec<OutcomeConflict> {
    let mut out = Vec::new();
    for sentence in sentences(text) {
        let named: Vec<&str> = ORDER_ID.find_iter(sentence).map(|m| m.as_str()).collect();
        // Clause by clause: "your order has been cancelled and you don't need to do anything"
        // claims the cancellation; the negation belongs to the other clause.
        for clause in CLAUSE.split(sentence) {
            if !CLAIM.is_match(clause) || NEGATED.is_match(clause) {
                continue;
            }
            for action in actions {
                if action.state == ProposalState::Executed {
                    continue;
                }
                let Some(topic) = topic(action.tool) else {
                    continue;
                };
                if !topic.is_match(clause) {
                    continue;
                }
                let on_named_order = match (&action.order_id, named.is_empty()) {
                    (_, true) => true,
                    (Some(order), false) => named.contains(&order.as_str()),
                    (None, false) => false,
                };
                if on_named_order
                    && !out
                        .iter()
                        .any(|c: &OutcomeConflict| c.proposal_id == action.proposal_id)
                {
                    out.push(OutcomeConflict {
                        proposal_id: action.proposal_id,
                        tool: action.tool,
                        state: action.state,
                        sentence: sentence.to_owned(),
                    });
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use ProposalState::*;
    use ToolName::*;

    fn action(id: i64, tool: ToolName, order: Option<&str>, state: ProposalState) -> ActionOutcome {
        ActionOutcome {
            proposal_id: id,
            tool,
            order_id: order.map(str::to_owned),
            state,
        }
    }

    #[test]
    fn table() {
        let cancel = |state| action(1, CancelPendingOrder, Some("#W1000001"), state);
        let cases: Vec<(&str, Vec<ActionOutcome>, Vec<i64>)> = vec![
            // The rules planner's own drafts, against each outcome.
            ("I have prepared the cancellation of order #W1000001 (no longer needed). Once confirmed, $54.04 will be refunded to your card.", vec![cancel(Executed)], vec![]),
            ("I have prepared the cancellation of order #W1000001 (no longer needed).", vec![cancel(Rejected)], vec![1]),
            ("I have prepared the cancellation of order #W1000001 (no longer needed).", vec![cancel(Pending)], vec![1]),
            ("I have prepared the cancellation of order #W1000001 (no longer needed).", vec![cancel(Expired)], vec![1]),
            ("Your order has been cancelled.", vec![cancel(Invalidated)], vec![1]),
            // Another order named: not this action.
            ("I have prepared the cancellation of order #W2000002.", vec![cancel(Rejected)], vec![]),
            // Questions and offers claim nothing.
            ("I can cancel order #W1000001 while it is pending. Could you tell us why?", vec![cancel(Rejected)], vec![]),
            ("Would you like us to cancel the order?", vec![cancel(Pending)], vec![]),
            // Saying it did not happen is no claim that it did.
            ("We have not cancelled the order, as you asked on the phone.", vec![cancel(Rejected)], vec![]),
            ("Your order hasn't been cancelled.", vec![cancel(Rejected)], vec![]),
            // "The change: …" keeps its topic with its claim.
            ("I have prepared the change: 12 Oak St, Springfield.", vec![action(5, ModifyUserAddress, None, Rejected)], vec![]),
            ("I have prepared the address change: 12 Oak St, Springfield.", vec![action(5, ModifyUserAddress, None, Rejected)], vec![5]),
            // A negation in another clause does not cancel the claim.
            ("Your order has been cancelled and you don't need to do anything.", vec![cancel(Rejected)], vec![1]),
            ("Not to worry, your cancellation has been processed.", vec![cancel(Rejected)], vec![1]),
            // A reply about something else.
            ("Order #W1000001 is delivered. I have checked the tracking.", vec![cancel(Rejected)], vec![]),
            // Several actions: only the one that did not happen.
            (
                "I have prepared the return of the lamp from order #W1000001. I have prepared the change of your default address.",
                vec![
                    action(2, ReturnDeliveredOrderItems, Some("#W1000001"), Executed),
                    action(3, ModifyUserAddress, None, Rejected),
                ],
                vec![3],
            ),
            ("You will be refunded once confirmed.", vec![action(4, ReturnDeliveredOrderItems, Some("#W1000001"), Escalated)], vec![4]),
        ];
        for (text, actions, want) in cases {
            let got: Vec<i64> = outcome_conflicts(text, &actions)
                .iter()
                .map(|c| c.proposal_id)
                .collect();
            assert_eq!(got, want, "{text}");
        }
    }

    #[test]
    fn the_conflict_quotes_the_sentence() {
        let got = outcome_conflicts(
            "Thanks for writing. Your order has been cancelled.",
            &[action(7, CancelPendingOrder, Some("#W1000001"), Rejected)],
        );
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].sentence, "Your order has been cancelled.");
        assert_eq!(got[0].state, Rejected);
    }
}
