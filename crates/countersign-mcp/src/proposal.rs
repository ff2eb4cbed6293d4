//! The two moments an external write is judged, in order: when it is proposed (and again when
//! edited arguments are approved), and when the approved call is executed.
//!
//! [`check_proposal`], first failure wins:
//! 1. **Catalogue.** The tool is listed and classified `write` (a `read` is run, not proposed;
//!    `forbidden` and `unclassified` are refused).
//! 2. **Idempotency key.** Ours goes into the tool's key argument, if it has one, before
//!    anything is checked or hashed: the approval covers the key too.
//! 3. **Schema.** The arguments match the server's input schema as catalogued.
//! 4. **Policy constraints**, then the **ownership read**: the policy's read tool must itself be
//!    classified `read` (a write is never called to prove anything), its arguments must match
//!    its schema, and a failed read is no evidence.
//! 5. **Policy verdict** (ownership, amount, approver).
//! 6. The **arguments hash** of the exact bytes that will be sent.
//!
//! [`execute_approved`] recomputes the hash of the arguments about to be sent and refuses on
//! any difference before anything reaches the server; the store checks the same hash against
//! the recorded approval.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::arguments::{validate_arguments, with_idempotency_key, ArgumentsError};
use crate::catalogue::{Catalogue, Usage, UsageRefusal};
use crate::client::ToolServer;
use crate::error::McpError;
use crate::fingerprint::{args_hash, ArgsHash, ToolHash};
use crate::policy::{evaluate, ownership_lookup, Customer, Policy, PolicyRefusal, Verdict};
use crate::server::ServerName;
use crate::tool::{ToolCall, ToolOutput};

/// A proposal that passed every check: what the review screen shows and what an approval
/// binds to.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CheckedProposal {
    pub server: ServerName,
    pub tool: String,
    /// The catalogued version of the tool the proposal was judged against.
    pub tool_hash: ToolHash,
    /// Exactly what will be sent, idempotency key included.
    pub arguments: Map<String, Value>,
    pub args_hash: ArgsHash,
    pub verdict: Verdict,
}

/// Why a proposal is refused, with a stable code.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum ProposalRefusal {
    #[error(transparent)]
    Usage(#[from] UsageRefusal),
    #[error("{0} is a read tool: it runs, it is not proposed")]
    NotAWrite(String),
    #[error(transparent)]
    Arguments(#[from] ArgumentsError),
    #[error(transparent)]
    Policy(#[from] PolicyRefusal),
    /// The policy names an ownership read that is not classified `read`.
    #[error("the ownership check would call {0}, which is not classified as a read")]
    OwnershipToolNotRead(String),
    /// The ownership read failed; without evidence there is no proposal.
    #[error("the ownership read failed: {0}")]
    OwnershipRead(McpError),
}

impl ProposalRefusal {
    /// Every code [`ProposalRefusal::code`] can return, for the generated IPC catalogue.
    pub fn codes() -> Vec<&'static str> {
        let mut codes = vec![
            "tool_unknown",
            "tool_not_listed",
            "tool_forbidden",
            "tool_unclassified",
            "not_a_write",
            "arguments_not_object",
            "schema_unusable",
            "schema_mismatch",
            "ownership_tool_not_read",
            "ownership_read_failed",
        ];
        codes.extend(crate::policy::RefusalCode::ALL.map(|c| c.as_str()));
        codes
    }

    pub fn code(&self) -> &'static str {
        match self {
            ProposalRefusal::Usage(u) => u.code(),
            ProposalRefusal::NotAWrite(_) => "not_a_write",
            ProposalRefusal::Arguments(a) => a.code(),
            ProposalRefusal::Policy(p) => p.code.as_str(),
            ProposalRefusal::OwnershipToolNotRead(_) => "ownership_tool_not_read",
            ProposalRefusal::OwnershipRead(_) => "ownership_read_failed",
        }
    }
}

/// Checks a proposed call (see the module's order). `idempotency_key` is the proposal's own,
/// the same for every check and execution of it.
pub async fn check_proposal(
    server: &dyn ToolServer,
    name: &ServerName,
    catalogue: &Catalogue,
    policy: &Policy,
    call: &ToolCall,
    customer: Option<&Customer>,
    idempotency_key: &str,
) -> Result<CheckedProposal, ProposalRefusal> {
    match catalogue.usage(name, &call.name)? {
        Usage::ProposeOnly => {}
        Usage::RunNow => return Err(ProposalRefusal::NotAWrite(call.name.clone())),
    }
    let Some(entry) = catalogue.entry(name, &call.name) else {
        return Err(UsageRefusal::Unknown(format!("{name}/{}", call.name)).into());
    };
    let arguments =
        with_idempotency_key(&call.arguments, &entry.tool.input_schema, idempotency_key);
    let args = Value::Object(arguments);
    validate_arguments(&entry.tool.input_schema, &args)?;

    let evidence = match ownership_lookup(policy, name.as_str(), &call.name, &args)? {
        None => None,
        Some(read) => {
            if catalogue.usage(name, &read.name) != Ok(Usage::RunNow) {
                return Err(ProposalRefusal::OwnershipToolNotRead(read.name));
            }
            if let Some(read_entry) = catalogue.entry(name, &read.name) {
                validate_arguments(
                    &read_entry.tool.input_schema,
                    &Value::Object(read.arguments.clone()),
                )?;
            }
            let out = server
                .call_tool(&read)
                .await
                .map_err(ProposalRefusal::OwnershipRead)?;
            // A tool that reports failure shows nothing; policy then refuses as unverified.
            if out.is_error {
                None
            } else {
                out.json()
            }
        }
    };
    let verdict = evaluate(
        policy,
        name.as_str(),
        &call.name,
        &args,
        customer,
        evidence.as_ref(),
    )?;
    let args_hash = args_hash(&args);
    let Value::Object(arguments) = args else {
        return Err(ArgumentsError::NotAnObject.into());
    };
    Ok(CheckedProposal {
        server: name.clone(),
        tool: call.name.clone(),
        tool_hash: entry.hash.clone(),
        arguments,
        args_hash,
        verdict,
    })
}

/// An approved call, as the store hands it over for execution.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ApprovedCall {
    pub tool: String,
    pub arguments: Map<String, Value>,
    /// The hash the approval recorded.
    pub args_hash: ArgsHash,
}

/// Why an approved call was not executed, or did not complete.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum ExecuteError {
    /// The arguments differ from the approved ones: nothing was sent.
    #[error("the arguments differ from the approved ones; nothing was sent")]
    ArgumentsChanged,
    #[error(transparent)]
    Server(McpError),
}

impl ExecuteError {
    pub fn code(&self) -> &'static str {
        match self {
            ExecuteError::ArgumentsChanged => "args_mismatch",
            ExecuteError::Server(e) => e.code(),
        }
    }
}

/// Calls an approved tool once with exactly the approved arguments. The caller records the
/// result, or an unknown outcome for a person ([`McpError::OutcomeUnknown`]); it never calls
/// again on its own.
pub async fn execute_approved(
    server: &dyn ToolServer,
    approved: &ApprovedCall,
) -> Result<ToolOutput, ExecuteError> {
    if args_hash(&Value::Object(approved.arguments.clone())) != approved.args_hash {
        tracing::warn!(tool = %approved.tool, "approved arguments changed; not sent");
        return Err(ExecuteError::ArgumentsChanged);
    }
    let call = ToolCall {
        name: approved.tool.clone(),
        arguments: approved.arguments.clone(),
    };
    server.call_tool(&call).await.map_err(ExecuteError::Server)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::RefusalCode;

    #[test]
    fn every_refusal_code_is_listed() {
        let refusals = [
            ProposalRefusal::Usage(UsageRefusal::Unknown(String::new())),
            ProposalRefusal::Usage(UsageRefusal::NotListed(String::new())),
            ProposalRefusal::Usage(UsageRefusal::Forbidden(String::new())),
            ProposalRefusal::Usage(UsageRefusal::Unclassified(String::new())),
            ProposalRefusal::NotAWrite(String::new()),
            ProposalRefusal::Arguments(ArgumentsError::NotAnObject),
            ProposalRefusal::Arguments(ArgumentsError::SchemaUnusable(String::new())),
            ProposalRefusal::Arguments(ArgumentsError::SchemaMismatch(Vec::new())),
            ProposalRefusal::OwnershipToolNotRead(String::new()),
            ProposalRefusal::OwnershipRead(McpError::Unauthorized),
            ProposalRefusal::Policy(PolicyRefusal {
                code: RefusalCode::NotOwner,
                message: String::new(),
            }),
        ];
        let codes = ProposalRefusal::codes();
        for r in &refusals {
            assert!(codes.contains(&r.code()), "{} is not listed", r.code());
        }
        let mut unique = codes.clone();
        unique.sort_unstable();
        unique.dedup();
        assert_eq!(unique.len(), codes.len());
    }
}
