//! The team's own systems as tools, behind the same policy, approval gate and audit log as the
//! demo shop.
//!
//! - `client.rs`: the MCP client on rmcp behind our [`ToolServer`] trait (stdio and streamable
//!   HTTP, timeouts, typed errors; a sent call that gets no answer is "outcome unknown").
//! - `catalogue.rs`: our classification of every listed tool (read / write / forbidden /
//!   unclassified), keyed by a hash of what a person judged; pure.
//! - `policy/`: the declarative policy file and its evaluation (approver and amount limits,
//!   argument constraints, ownership through a read); pure.
//! - `arguments.rs`: arguments against the server's input schema, and the idempotency key.
//! - `fingerprint.rs`: canonical JSON bytes, the tool hash and the arguments hash an approval
//!   is bound to.
//! - `proposal.rs`: the steps in order — check a proposed call, execute an approved one.
//! - `approval_gate.rs`: whether a person's approval of a checked call lets it execute; pure.
//! - `shop_server.rs`: the demo shop's tools as an MCP server (`countersign mcp serve`).
//! - `workspace_files.rs`: the servers, catalogue and policy files a workspace keeps;
//!   `relist.rs`: every server listed again, with its status.
//!
//! rmcp is used in `client.rs` and `shop_server.rs` only; everything else speaks our types
//! (`tool.rs`), so a revision of the protocol is those two modules' change.

pub mod approval_gate;
pub mod arguments;
pub mod catalogue;
pub mod client;
pub mod error;
pub mod fingerprint;
pub mod policy;
pub mod proposal;
pub mod relist;
pub mod server;
pub mod shop_server;
pub mod tool;
pub mod workspace_files;

pub use approval_gate::{decide_external, ExternalDecision, ExternalGateInput, ExternalRefusal};
pub use arguments::{
    idempotency_property, validate_arguments, with_idempotency_key, ArgumentsError,
};
pub use catalogue::{
    classify, refresh, Catalogue, CatalogueChange, CatalogueEntry, ClassBasis, ClassifyError,
    HintTrust, Refreshed, ToolClass, Usage, UsageRefusal,
};
pub use client::{connect, BoxFuture, RmcpServer, ToolServer};
pub use error::{McpError, Operation};
pub use fingerprint::{args_hash, canonical_bytes, ArgsHash, ToolHash};
pub use proposal::{
    check_proposal, execute_approved, ApprovedCall, CheckedProposal, ExecuteError, ProposalRefusal,
};
pub use relist::{relist_workspace, ServerStatus};
pub use server::{ServerName, ServerSpec, Timeouts, TransportSpec};
pub use tool::{ListedTool, ToolCall, ToolHints, ToolOutput};
pub use workspace_files::{
    tool_summaries, ServerSummary, ToolSummary, WorkspaceFiles, WorkspaceFilesError,
};
