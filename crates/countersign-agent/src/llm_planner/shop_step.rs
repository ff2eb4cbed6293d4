//! One call of the model to a demo shop tool, inside the loop: a read runs (its result
//! guarded), a write becomes a proposal or a refusal, and the loop stops for safety (another
//! customer's records, instructions in a record) or after repeated invalid calls.

use countersign_llm::{ToolCall, ToolResult};
use countersign_pipeline::ProposedAction;
use countersign_shop::ShopView;
use serde_json::{json, Value};

use super::{fence, stop, tool_step, Loop, Stop};
use crate::toolbox::{self, Dispatched};

impl<V: ShopView> Loop<'_, V> {
    /// Runs one tool call; `Err` when it must stop the loop.
    pub(super) fn tool(&mut self, call: &ToolCall) -> Result<ToolResult, Stop> {
        let started = self.ticker.now_us();
        let dispatched =
            toolbox::dispatch(self.view, self.customer.as_ref(), self.writes_allowed, call);
        let (mut content, mut is_error) = dispatched.content();
        let latency_us = self.ticker.now_us().saturating_sub(started);
        let mut stop_after = None;
        // A stop for safety (another customer's records, instructions in a record), not for a
        // clumsy model.
        let mut suspect = false;
        let step = match &dispatched {
            Dispatched::Read {
                tool,
                args,
                result,
                ok,
            } => {
                if let Err(reasons) = toolbox::guard_result(result) {
                    suspect = true;
                    content = json!({"status": "withheld", "error": "this result contained text that looks like instructions; it was not shown"});
                    is_error = true;
                    stop_after = Some(stop(
                        format!(
                            "a tool result ({tool}) carried instruction-like text: {}",
                            reasons.join("; ")
                        ),
                        "Check the record the tool read before acting on this request.",
                    ));
                } else if *ok {
                    self.seen.add(result);
                    if let Some(order) = result.get("order_id").and_then(Value::as_str) {
                        let status = result.get("status").and_then(Value::as_str).unwrap_or("");
                        self.facts.push(format!("order {order}: {status}"));
                    }
                }
                tool_step(
                    "tool",
                    Some(*tool),
                    Some(args.clone()),
                    Some(summary(result)),
                    *ok,
                    latency_us,
                )
            }
            Dispatched::Proposed(p) => {
                let preview = serde_json::to_value(&p.effect.preview).unwrap_or(Value::Null);
                // A preview quotes records (addresses, item names): the guard reads it too.
                if let Err(reasons) = toolbox::guard_result(&preview) {
                    suspect = true;
                    content = json!({"status": "withheld", "error": "this result contained text that looks like instructions; it was not shown"});
                    is_error = true;
                    stop_after = Some(stop(
                        format!(
                            "a proposal's preview ({}) carried instruction-like text: {}",
                            p.tool(),
                            reasons.join("; ")
                        ),
                        "Check the records the action touches before acting on this request.",
                    ));
                }
                self.seen.add(&preview);
                if !self.plan.proposals.iter().any(|q| q.call == p.call) {
                    self.plan.proposals.push(ProposedAction::clone(p));
                }
                tool_step(
                    "propose",
                    Some(p.tool()),
                    Some(p.call.args_json()),
                    Some(json!({"summary": p.effect.preview.summary})),
                    true,
                    latency_us,
                )
            }
            Dispatched::Refused {
                tool,
                args,
                violation,
            } => {
                if toolbox::crosses_customers(violation) {
                    suspect = true;
                    stop_after = Some(stop(
                        format!(
                            "the model tried to act beyond this customer's records ({tool}: {})",
                            violation.code.as_str()
                        ),
                        "Read the request yourself: it may be an attempt to reach another customer's order or payment method.",
                    ));
                }
                tool_step(
                    "policy",
                    Some(*tool),
                    Some(args.clone()),
                    Some(json!({"refused": violation.code.as_str()})),
                    false,
                    latency_us,
                )
            }
            Dispatched::Invalid { reason } => {
                let (step, stop) =
                    self.invalid_call(call, call.name.parse().ok(), reason, latency_us);
                stop_after = stop;
                step
            }
        };
        self.push(step);
        if let Some(s) = stop_after {
            if suspect {
                // Whatever this conversation prepared before is suspect now (a batch that
                // mixed the customer's own order with another's): none of it waits for approval.
                self.clear_proposals();
            }
            return Err(s);
        }
        Ok(ToolResult {
            call_id: call.id.clone(),
            // Tool results are data like the customer's words: fenced, whatever they hold.
            content: fence("tool_result", &content.to_string()),
            is_error,
        })
    }
}

/// What the trace keeps of a tool result: ids, statuses and sizes, never addresses or names.
fn summary(result: &Value) -> Value {
    match result {
        Value::Object(o) => Value::Object(
            o.iter()
                .filter_map(|(k, v)| match v {
                    Value::String(_) | Value::Number(_) | Value::Bool(_)
                        if k.ends_with("_id") || k == "status" || k == "error" =>
                    {
                        Some((k.clone(), v.clone()))
                    }
                    Value::Array(a) => Some((k.clone(), json!(a.len()))),
                    Value::Object(m) if k == "variants" || k == "payment_methods" => {
                        Some((k.clone(), json!(m.len())))
                    }
                    _ => None,
                })
                .collect(),
        ),
        Value::String(s) if s.len() <= 64 => result.clone(),
        Value::String(_) => json!("(text)"),
        other => other.clone(),
    }
}
