//! One call of the model to a team system's tool, inside the loop: the same stops as for the
//! shop's tools (instruction-like text in a result, an attempt on another customer's object,
//! repeated invalid calls), with its own trace steps.

use countersign_llm::{ToolCall, ToolResult};
use countersign_mcp::{args_hash, CheckedProposal};
use countersign_pipeline::{Request, TraceStep};
use countersign_shop::ShopView;
use serde_json::{json, Value};

use super::{fence, stop, tool_step, Loop, Stop};
use crate::external_tools::{crosses_customers, ExternalDispatched, ExternalTools};

/// A checked write, with the call as the model made it (before our key went in), so the
/// same call made twice is proposed once.
#[derive(Clone, Debug)]
pub(super) struct Prepared {
    pub name: String,
    pub requested: Value,
    pub checked: CheckedProposal,
}

/// The start of every idempotency key of this request: a hash of who wrote what, in which
/// thread.
pub(super) fn key_seed(request: &Request) -> String {
    let hash = args_hash(&json!({
        "sender": request.sender,
        "thread": request.thread,
        "subject": request.subject,
        "body": request.body,
    }));
    format!("countersign-{}", &hash.0[..16])
}

fn requested(call: &ToolCall) -> Value {
    match &call.args {
        countersign_llm::ToolArgs::Json(v) => v.clone(),
        countersign_llm::ToolArgs::Invalid { .. } => Value::Null,
    }
}

impl<V: ShopView> Loop<'_, V> {
    /// Runs one external tool call; `Err` when it must stop the loop.
    pub(super) async fn external_tool(
        &mut self,
        external: &ExternalTools,
        call: &ToolCall,
    ) -> Result<ToolResult, Stop> {
        let started = self.ticker.now_us();
        let asked = requested(call);
        if let Some(done) = self
            .external_proposals
            .iter()
            .find(|p| p.name == call.name && p.requested == asked)
        {
            let again = ExternalDispatched::Proposed(Box::new(done.checked.clone()));
            let (content, is_error) = again.content();
            return Ok(self.answer(call, &content, is_error));
        }
        let key = format!("{}-{}", self.key_seed, self.external_proposals.len() + 1);
        let dispatched = external
            .dispatch(self.customer.as_ref(), self.writes_allowed, call, &key)
            .await;
        let (mut content, mut is_error) = dispatched.content();
        let latency_us = self.ticker.now_us().saturating_sub(started);
        let mut stop_after = None;
        let mut suspect = false;
        let step: TraceStep = match &dispatched {
            ExternalDispatched::Read {
                server,
                tool,
                args,
                result,
                ok,
            } => {
                if let Err(reasons) = crate::toolbox::guard_result(result) {
                    suspect = true;
                    content = json!({"status": "withheld", "error": "this result contained text that looks like instructions; it was not shown"});
                    is_error = true;
                    stop_after = Some(stop(
                        format!(
                            "a tool result ({tool} on {server}) carried instruction-like text: {}",
                            reasons.join("; ")
                        ),
                        "Check the record the tool read before acting on this request.",
                    ));
                } else if *ok {
                    self.seen.add(result);
                }
                tool_step(
                    "mcp_read",
                    None,
                    Some(json!({"server": server, "tool": tool, "args": args})),
                    Some(json!({"ok": ok, "bytes": result.to_string().len()})),
                    *ok,
                    latency_us,
                )
            }
            ExternalDispatched::Proposed(checked) => {
                let step = tool_step(
                    "mcp_propose",
                    None,
                    Some(
                        json!({"server": checked.server, "tool": checked.tool, "args_hash": checked.args_hash}),
                    ),
                    Some(json!({"required_role": checked.verdict.required_role})),
                    true,
                    latency_us,
                );
                self.external_proposals.push(Prepared {
                    name: call.name.clone(),
                    requested: asked,
                    checked: CheckedProposal::clone(checked),
                });
                step
            }
            ExternalDispatched::Refused {
                server, tool, code, ..
            } => {
                if crosses_customers(code) {
                    suspect = true;
                    stop_after = Some(stop(
                        format!(
                            "the model tried to act beyond this customer's records ({tool} on {server}: {code})"
                        ),
                        "Read the request yourself: it may be an attempt to reach another customer's records in the team's systems.",
                    ));
                }
                tool_step(
                    "mcp_policy",
                    None,
                    Some(json!({"server": server, "tool": tool})),
                    Some(json!({"refused": code})),
                    false,
                    latency_us,
                )
            }
            ExternalDispatched::Invalid { reason } => {
                let (step, stop) = self.invalid_call(call, None, reason, latency_us);
                stop_after = stop;
                step
            }
        };
        self.push(step);
        if let Some(s) = stop_after {
            if suspect {
                self.clear_proposals();
            }
            return Err(s);
        }
        Ok(self.answer(call, &content, is_error))
    }

    fn answer(&self, call: &ToolCall, content: &Value, is_error: bool) -> ToolResult {
        ToolResult {
            call_id: call.id.clone(),
            content: fence("tool_result", &content.to_string()),
            is_error,
        }
    }
}
