//! Approving an external call with its server connected — the steps every front end (the
//! CLI's `approve`, the app) takes, in order: the caller lists the server's tools again and
//! refreshes the catalogue with them ([`relisted`]: a definition changed since the proposal
//! was checked is a changed tool, whatever the saved catalogue says); then
//! [`approve_on_server`] re-checks edited arguments with the policy (keeping the proposal's
//! idempotency key: it is the same call, amended), records the approval bound to the hash of
//! the bytes approved, claims the call and sends it once.

use countersign_mcp::policy::{Customer, Policy};
use countersign_mcp::{
    check_proposal, idempotency_property, Catalogue, McpError, ProposalRefusal, ServerName,
    ToolCall, ToolServer, Usage,
};
use countersign_shop::ShopView;
use serde_json::Value;

use crate::desk::Desk;
use crate::error::DeskError;
use crate::external_approval::{execute_claimed, ClaimedCall};
use crate::external_calls::ExternalOutcome;
use crate::shop_store::SqlShop;

/// Why an approval with the server connected did not go through, with a stable code.
#[derive(Debug, thiserror::Error)]
pub enum ServerApprovalError {
    #[error(transparent)]
    Desk(#[from] DeskError),
    /// The server could not be asked (its listing, or the ownership read of a re-check).
    #[error(transparent)]
    Server(McpError),
    /// The edited arguments failed the re-check; the refusal is in the audit log.
    #[error(transparent)]
    Refused(ProposalRefusal),
    #[error("edited arguments must be a JSON object")]
    EditNotAnObject,
}

impl ServerApprovalError {
    pub fn code(&self) -> &'static str {
        match self {
            ServerApprovalError::Desk(e) => e.code(),
            ServerApprovalError::Server(e) => e.code(),
            ServerApprovalError::Refused(r) => r.code(),
            ServerApprovalError::EditNotAnObject => "arguments_not_object",
        }
    }
}

/// What one approval with the server connected did.
#[derive(Clone, Debug)]
pub struct ServerApproved {
    pub claimed: ClaimedCall,
    pub outcome: ExternalOutcome,
}

/// Approves external call `id` as `by` and sends it once through `server`, judged against
/// `catalogue` as the server listed it just now (`WorkspaceFiles::merge_listing`) and `policy`.
pub async fn approve_on_server(
    desk: &mut Desk,
    server: &dyn ToolServer,
    catalogue: &Catalogue,
    policy: &Policy,
    id: i64,
    by: &str,
    edited: Option<&Value>,
) -> Result<ServerApproved, ServerApprovalError> {
    let call = desk.show_external(id)?.call;
    let name = ServerName::new(&call.server).map_err(ServerApprovalError::Server)?;
    let write_hash_now = match catalogue.usage(&name, &call.tool) {
        Ok(Usage::ProposeOnly) => catalogue.entry(&name, &call.tool).map(|e| e.hash.clone()),
        _ => None,
    };
    let rechecked = match edited {
        None => None,
        Some(Value::Object(arguments)) => {
            let mut arguments = arguments.clone();
            let key_name = catalogue
                .entry(&name, &call.tool)
                .and_then(|e| idempotency_property(&e.tool.input_schema));
            let key = key_name
                .and_then(|k| call.arguments.get(k))
                .and_then(Value::as_str)
                .map(str::to_owned)
                .unwrap_or_else(|| call.proposal_id.to_string());
            if let Some(k) = key_name {
                arguments.remove(k);
            }
            let email = SqlShop(&desk.conn)
                .user(&call.customer_id)
                .map_err(|e| DeskError::Corrupt(format!("customer {}: {e}", call.customer_id)))?
                .map(|u| u.email);
            let customer = Customer {
                user_id: call.customer_id.clone(),
                email,
            };
            let checked = check_proposal(
                server,
                &name,
                catalogue,
                policy,
                &ToolCall {
                    name: call.tool.clone(),
                    arguments,
                },
                Some(&customer),
                &key,
            )
            .await;
            match checked {
                Ok(c) => Some(c),
                Err(refusal) => {
                    desk.record_external_refusal(
                        &call.customer_id,
                        &call.server,
                        &call.tool,
                        refusal.code(),
                        by,
                    )?;
                    return Err(ServerApprovalError::Refused(refusal));
                }
            }
        }
        Some(_) => return Err(ServerApprovalError::EditNotAnObject),
    };
    let claimed = desk.approve_external(id, by, rechecked.as_ref(), write_hash_now.as_ref())?;
    let outcome = execute_claimed(desk, server, &claimed).await?;
    Ok(ServerApproved { claimed, outcome })
}
