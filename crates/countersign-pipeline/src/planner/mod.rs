//! The rules planner: deterministic intent detection, slot filling and policy, on the read
//! tools. It never executes a write: writes leave as typed proposals, with the effect policy
//! gave them, for the approval gate.
//!
//! It reads only the customer's own words (normalised once by the guard). It proposes only
//! what it is sure of — every argument traced to those words and the shop's data; anything it
//! cannot settle it asks back, and anything it cannot handle goes to a person with a handoff
//! packet, never silently.
//!
//! The stages, one file each: [`run`] (traced, scoped tool calls and the caps), [`auth`]
//! (who the customer is), [`resolve`] (from words to arguments), [`actions`] (one reply
//! section per intent, policy-checked), [`replies`] (the sentences and the handoff).

mod actions;
mod auth;
mod replies;
mod resolve;
mod run;
#[cfg(test)]
mod tests;

use countersign_shop::ShopView;
use serde_json::json;

pub use auth::identify;
pub use run::{MonotonicTicker, Ticker};

use crate::draft;
use crate::guard::{Screened, Verdict};
use crate::intent::{self, Intent};
use crate::kb::KnowledgeBase;
use crate::plan::{Caps, Outcome, Plan};
use crate::request::Request;
use actions::Section;
use run::{CapHit, Run};

pub struct RulesPlanner<'a, V: ShopView, K: KnowledgeBase> {
    pub view: &'a V,
    pub kb: &'a K,
    pub ticker: &'a dyn Ticker,
    pub caps: Caps,
}

impl<V: ShopView, K: KnowledgeBase> std::fmt::Debug for RulesPlanner<'_, V, K> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RulesPlanner")
            .field("caps", &self.caps)
            .finish_non_exhaustive()
    }
}

impl<V: ShopView, K: KnowledgeBase> RulesPlanner<'_, V, K> {
    /// Plans a screened request. The rules planner has no per-step price: its steps' cost is
    /// "not applicable", not zero.
    pub fn plan(&self, request: &Request, screened: &Screened) -> Plan {
        self.plan_priced(request, screened, None)
    }

    /// As [`Self::plan`], with a price per step (tests of the cost cap; a billed planner).
    pub fn plan_priced(
        &self,
        request: &Request,
        screened: &Screened,
        step_cost_usd: Option<f64>,
    ) -> Plan {
        let guard = &screened.report;
        let mut run = Run::new(self.view, self.ticker, self.caps, step_cost_usd);
        let started = run.now_us();
        let mut plan = Plan {
            outcome: Outcome::Reply,
            customer_id: None,
            intent: None,
            proposals: Vec::new(),
            reply: None,
            handoff: None,
            citations: Vec::new(),
            steps: Vec::new(),
        };
        let blocked = guard.verdict == Verdict::Block;
        let guard_note = json!({"verdict": guard.verdict, "reasons": guard.reasons});
        if run
            .step("guard", None, None, Some(guard_note), !blocked, started)
            .is_err()
            || blocked
        {
            plan.outcome = Outcome::Block;
            plan.steps = run.steps;
            return plan;
        }
        if let Err(CapHit) = self.plan_allowed(&mut run, request, screened, &mut plan) {
            plan.proposals.clear();
            plan.reply = None;
            plan.outcome = Outcome::Escalate;
            plan.handoff = Some(replies::handoff(
                &run,
                plan.intent.as_deref(),
                format!("step or cost cap reached ({} steps)", run.steps.len()),
                &[],
                "Review the conversation and answer the customer.",
            ));
        }
        plan.customer_id = run.customer.as_ref().map(|u| u.user_id.clone());
        plan.steps = run.steps;
        plan
    }

    fn plan_allowed(
        &self,
        run: &mut Run<'_, V>,
        request: &Request,
        screened: &Screened,
        plan: &mut Plan,
    ) -> Result<(), CapHit> {
        // The customer's own words only; quoted, forwarded and hidden text stay data.
        let text = screened.own_words.as_str();
        let intents = intent::detect(text);
        plan.intent = intents.first().map(|i| i.as_str().to_owned());
        auth::authenticate(run, request, text)?;

        let escalation = if screened.report.verdict == Verdict::Flag {
            Some((
                plan.intent.as_deref(),
                format!(
                    "the input guard flagged this request: {}",
                    screened.report.reasons.join("; ")
                ),
                "Read the message yourself, including quoted and hidden parts, before acting; no action was proposed.",
            ))
        } else if intents.contains(&Intent::Human) {
            Some((
                Some("human"),
                "the customer asked for a person".into(),
                "Contact the customer directly.",
            ))
        } else if intents.is_empty() {
            Some((
                None,
                "the request did not match anything the rules planner handles with confidence"
                    .into(),
                "Read the request and reply or act by hand.",
            ))
        } else {
            None
        };
        if let Some((goal, reason, next)) = escalation {
            plan.outcome = Outcome::Escalate;
            order_facts(run, text)?;
            plan.handoff = Some(replies::handoff(run, goal, reason, &[], next));
            return Ok(());
        }
        if intents == [Intent::PolicyQuestion] {
            let section = actions::policy_answer(self.kb, text);
            finish(run, plan, vec![section]);
            return Ok(());
        }
        let Some(customer) = run.customer.clone() else {
            let mut s = draft::greeting(None);
            s.push_str("\n\n");
            s.push_str(&replies::verify_first());
            s.push_str(draft::sign_off());
            plan.reply = Some(s);
            plan.citations.push("kb-account".into());
            return Ok(());
        };

        // One request for several orders ("cancel both #W1 and #W2"): the same action on each.
        let order_intents = intents.iter().filter(|i| i.acts_on_an_order()).count();
        let mentions = intent::order_mentions(text);
        let each_order = order_intents == 1
            && mentions.len() > 1
            && ["both", "all of", "each", "all the orders"]
                .iter()
                .any(|w| intent::contains_word(text, w));
        let mut sections = Vec::new();
        for &intent in intents.iter().take(3) {
            match intent {
                Intent::Status => sections.push(actions::status(run, text)?),
                Intent::PolicyQuestion => sections.push(actions::policy_answer(self.kb, text)),
                Intent::ChangeDefaultAddress => {
                    sections.push(actions::default_address(run.view, &customer, text))
                }
                _ if each_order => {
                    for (_, id) in mentions.iter().take(3) {
                        sections.push(actions::order_action(
                            run,
                            &customer,
                            intent,
                            text,
                            Some(id),
                        )?);
                    }
                }
                _ => sections.push(actions::order_action(run, &customer, intent, text, None)?),
            }
        }
        finish(run, plan, sections);
        Ok(())
    }
}

/// Whether the rules planner's plan needs no second opinion (routing's "sure"): exactly one
/// intent with every detail given — it proposed the action, answered the question, or asked the
/// customer to verify first (no planner may do more for an unverified sender) — or a request
/// that goes to a person whatever plans it (flagged by the guard, or asking for a person).
pub fn rules_sure(plan: &Plan, screened: &Screened) -> bool {
    if screened.report.verdict != Verdict::Allow {
        return true;
    }
    let intents = intent::detect(&screened.own_words);
    if intents == [Intent::Human] {
        return true;
    }
    let [only] = intents.as_slice() else {
        return false;
    };
    if plan.outcome != Outcome::Reply {
        return false;
    }
    if plan.customer_id.is_none() {
        return true;
    }
    if only.acts_on_an_order() || *only == Intent::ChangeDefaultAddress {
        !plan.proposals.is_empty()
    } else {
        true
    }
}

/// Looks up the orders the customer named, for the handoff's verified facts.
fn order_facts<V: ShopView>(run: &mut Run<'_, V>, text: &str) -> Result<(), CapHit> {
    if run.customer.is_none() {
        return Ok(());
    }
    for id in intent::order_ids(text).iter().take(3) {
        match run.order(id)? {
            Ok(o) => run.facts.push(draft::order_line(&o)),
            Err(_) => run
                .facts
                .push(format!("order {id}: not found on this account")),
        }
    }
    Ok(())
}

fn finish<V: ShopView>(run: &Run<'_, V>, plan: &mut Plan, sections: Vec<Section>) {
    if let Some(reason) = sections.iter().find_map(|s| s.escalate.clone()) {
        plan.outcome = Outcome::Escalate;
        let pending: Vec<String> = sections
            .iter()
            .filter_map(|s| s.proposal.as_ref())
            .map(|p| p.effect.preview.summary.clone())
            .collect();
        plan.handoff = Some(replies::handoff(
            run,
            plan.intent.as_deref(),
            reason,
            &pending,
            "Finish the request by hand; proposals above still need approval.",
        ));
    }
    let mut reply = draft::greeting(run.customer.as_ref());
    for s in &sections {
        if !s.text.is_empty() {
            reply.push_str("\n\n");
            reply.push_str(&s.text);
        }
        if let Some(c) = s.citation {
            if !plan.citations.iter().any(|x| x == c) {
                plan.citations.push(c.to_owned());
            }
        }
    }
    reply.push_str(draft::sign_off());
    plan.proposals = sections
        .into_iter()
        .filter_map(|s| s.proposal.map(|p| *p))
        .collect();
    plan.reply = Some(reply);
}
