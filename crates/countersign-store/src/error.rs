//! The desk's errors: each has a stable code (what the CLI, the IPC layer and the UI match on)
//! and a message for people.

use countersign_core::ProposalState;
use countersign_shop::{Money, PolicyViolation, SchemaError, UnknownTool};

#[derive(Debug, thiserror::Error)]
pub enum DeskError {
    #[error(transparent)]
    UnknownTool(#[from] UnknownTool),
    #[error("arguments are not valid JSON: {0}")]
    InvalidJson(String),
    #[error("invalid arguments: {0}")]
    InvalidArguments(#[from] SchemaError),
    #[error("refused by policy: {0}")]
    Policy(PolicyViolation),
    #[error("customer {0} is not in the shop")]
    UnknownCustomer(String),
    #[error("{0} not found")]
    NotFound(String),
    #[error("{0} belongs to another customer than this conversation's")]
    OutOfScope(String),
    #[error("conversation {conversation} is with customer {expected}, not {given}")]
    ConversationCustomerMismatch {
        conversation: i64,
        expected: String,
        given: String,
    },
    #[error("proposal {id} is already {}", state.as_str())]
    AlreadyDecided { id: i64, state: ProposalState },
    #[error("proposal {0} expired before it was approved; propose it again if it is still wanted")]
    Expired(i64),
    #[error(
        "proposal {0} is invalid: its subject changed after it was proposed; propose it again"
    )]
    Invalidated(i64),
    #[error("proposal {id} needs a supervisor: {detail}")]
    NeedsSupervisor {
        id: i64,
        amount: Money,
        detail: String,
    },
    #[error("an edit cannot change what the action applies to ({0})")]
    EditChangesSubject(String),
    #[error("a rejection needs a reason")]
    ReasonRequired,
    #[error("the shop file is not a τ-format db.json: {0}")]
    InvalidShop(String),
    #[error("{0}")]
    Calculate(String),
    #[error("the database is schema version {found}, newer than this build's {supported}; update Countersign")]
    SchemaTooNew { found: i64, supported: i64 },
    #[error("a stored record is corrupt: {0}")]
    Corrupt(String),
    #[error("invalid setting: {0}")]
    InvalidSetting(String),
    /// Nobody is named as acting (an empty name).
    #[error("who is acting is not known: name a person")]
    ActorRequired,
    /// The acting person's role does not allow this (settings and roles are a supervisor's).
    #[error("{who} may not {what}: only a supervisor may")]
    NotPermitted { who: String, what: &'static str },
    #[error("proposal {0} is not a reply")]
    NotAReply(i64),
    #[error("a reply needs some text")]
    EmptyReply,
    #[error("reply {id} changed since you read it (you saw revision {seen}, the newest is {latest}); read it again before approving")]
    StaleRevision { id: i64, seen: i64, latest: i64 },
    #[error("reply {id} says something that did not happen: {}; edit it, or confirm to send it as it is", sentences.iter().map(|s| format!("“{s}”")).collect::<Vec<_>>().join(", "))]
    ReplyContradictsOutcomes { id: i64, sentences: Vec<String> },
    #[error("conversation {conversation} already has an open reply (proposal {proposal}); edit or reject it first")]
    ReplyAlreadyOpen { conversation: i64, proposal: i64 },
    #[error("conversation {0} has nobody to send a reply to (it came without a sender)")]
    NoRecipient(i64),
    #[error("reply {0} is not waiting for a person (only a failed or uncertain send is)")]
    NothingToResolve(i64),
    #[error("conversation {0} is still being planned; its draft comes first")]
    StillPlanning(i64),
    /// A plan arrived for a conversation that already has one (two workers, or a retry).
    #[error("conversation {0} is already planned")]
    AlreadySettled(i64),
    #[error("proposal {0} calls a tool on one of the team's servers: approve it with that server connected")]
    ExternalCall(i64),
    /// The bytes do not hash to what was checked: of a stored proposal (its id), or of a
    /// checked call handed over to be queued (`None`).
    #[error("the arguments{} are not the ones that were checked; nothing was approved", .0.map(|id| format!(" of proposal {id}")).unwrap_or_default())]
    ArgsMismatch(Option<i64>),
    #[error("the tool of proposal {0} changed or is no longer classified as a write since it was checked; propose it again")]
    ToolChanged(i64),
    #[error("an edit of proposal {0} must call the same tool on the same server")]
    EditChangesTool(i64),
    #[error("external call {0} is not waiting for a person (only an unknown outcome is)")]
    OutcomeKnown(i64),
    #[error("storage error: {0}")]
    Storage(#[from] rusqlite::Error),
    #[error("I/O error: {0}")]
    Io(#[from] std::io::Error),
    #[error("CSAT: {0}")]
    InvalidCsat(String),
}

impl DeskError {
    /// The stable code. Never match on messages.
    pub fn code(&self) -> &'static str {
        match self {
            DeskError::UnknownTool(_) => "unknown_tool",
            DeskError::InvalidJson(_) => "invalid_json",
            DeskError::InvalidArguments(_) => "invalid_arguments",
            DeskError::Policy(_) => "policy_violation",
            DeskError::UnknownCustomer(_) => "unknown_customer",
            DeskError::NotFound(_) => "not_found",
            DeskError::OutOfScope(_) => "out_of_scope",
            DeskError::ConversationCustomerMismatch { .. } => "conversation_customer_mismatch",
            DeskError::AlreadyDecided { .. } => "already_decided",
            DeskError::Expired(_) => "expired",
            DeskError::Invalidated(_) => "invalidated",
            DeskError::NeedsSupervisor { .. } => "needs_supervisor",
            DeskError::EditChangesSubject(_) => "edit_changes_subject",
            DeskError::ReasonRequired => "reason_required",
            DeskError::InvalidShop(_) => "invalid_shop",
            DeskError::Calculate(_) => "invalid_expression",
            DeskError::SchemaTooNew { .. } => "schema_too_new",
            DeskError::Corrupt(_) => "corrupt_record",
            DeskError::InvalidSetting(_) => "invalid_setting",
            DeskError::ActorRequired => "actor_required",
            DeskError::NotPermitted { .. } => "not_permitted",
            DeskError::AlreadySettled(_) => "already_settled",
            DeskError::NotAReply(_) => "not_a_reply",
            DeskError::EmptyReply => "empty_reply",
            DeskError::StaleRevision { .. } => "stale_revision",
            DeskError::ReplyContradictsOutcomes { .. } => "reply_contradicts_outcomes",
            DeskError::ReplyAlreadyOpen { .. } => "reply_already_open",
            DeskError::NoRecipient(_) => "no_recipient",
            DeskError::NothingToResolve(_) => "nothing_to_resolve",
            DeskError::StillPlanning(_) => "still_planning",
            DeskError::ExternalCall(_) => "external_call",
            DeskError::ArgsMismatch(_) => "args_mismatch",
            DeskError::ToolChanged(_) => "tool_changed",
            DeskError::EditChangesTool(_) => "edit_changes_tool",
            DeskError::OutcomeKnown(_) => "outcome_known",
            DeskError::Storage(_) => "storage",
            DeskError::Io(_) => "io",
            DeskError::InvalidCsat(_) => "invalid_csat",
        }
    }

    /// Every code [`DeskError::code`] can return, for clients that map codes to words (the UI's
    /// list is generated from this). Keep in step with `code`; the test below checks it.
    pub const CODES: [&'static str; 38] = [
        "unknown_tool",
        "invalid_json",
        "invalid_arguments",
        "policy_violation",
        "unknown_customer",
        "not_found",
        "out_of_scope",
        "conversation_customer_mismatch",
        "already_decided",
        "expired",
        "invalidated",
        "needs_supervisor",
        "edit_changes_subject",
        "reason_required",
        "invalid_shop",
        "invalid_expression",
        "schema_too_new",
        "corrupt_record",
        "invalid_setting",
        "actor_required",
        "not_permitted",
        "already_settled",
        "not_a_reply",
        "empty_reply",
        "stale_revision",
        "reply_contradicts_outcomes",
        "reply_already_open",
        "no_recipient",
        "nothing_to_resolve",
        "still_planning",
        "external_call",
        "args_mismatch",
        "tool_changed",
        "edit_changes_tool",
        "outcome_known",
        "storage",
        "io",
        "invalid_csat",
    ];

    /// Whether the caller can fix it by changing the input (exit code 2), as opposed to a fault
    /// of the machine or the program (exit code 1).
    pub fn is_bad_input(&self) -> bool {
        !matches!(
            self,
            DeskError::Corrupt(_) | DeskError::Storage(_) | DeskError::Io(_)
        )
    }
}

pub(crate) fn corrupt(what: impl std::fmt::Display, e: impl std::fmt::Display) -> DeskError {
    DeskError::Corrupt(format!("{what}: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_is_listed_once() {
        let s = String::new;
        let errors = [
            DeskError::InvalidJson(s()),
            DeskError::UnknownCustomer(s()),
            DeskError::NotFound(s()),
            DeskError::OutOfScope(s()),
            DeskError::ConversationCustomerMismatch {
                conversation: 1,
                expected: s(),
                given: s(),
            },
            DeskError::AlreadyDecided {
                id: 1,
                state: ProposalState::Executed,
            },
            DeskError::Expired(1),
            DeskError::Invalidated(1),
            DeskError::NeedsSupervisor {
                id: 1,
                amount: Money::from_cents(1),
                detail: s(),
            },
            DeskError::EditChangesSubject(s()),
            DeskError::ReasonRequired,
            DeskError::InvalidShop(s()),
            DeskError::Calculate(s()),
            DeskError::SchemaTooNew {
                found: 2,
                supported: 1,
            },
            DeskError::Corrupt(s()),
            DeskError::InvalidSetting(s()),
            DeskError::ActorRequired,
            DeskError::NotPermitted {
                who: s(),
                what: "change settings",
            },
            DeskError::NotAReply(1),
            DeskError::EmptyReply,
            DeskError::StaleRevision {
                id: 1,
                seen: 0,
                latest: 1,
            },
            DeskError::ReplyContradictsOutcomes {
                id: 1,
                sentences: vec![],
            },
            DeskError::ReplyAlreadyOpen {
                conversation: 1,
                proposal: 2,
            },
            DeskError::NoRecipient(1),
            DeskError::NothingToResolve(1),
            DeskError::StillPlanning(1),
            DeskError::ExternalCall(1),
            DeskError::ArgsMismatch(Some(1)),
            DeskError::ToolChanged(1),
            DeskError::EditChangesTool(1),
            DeskError::OutcomeKnown(1),
            DeskError::Storage(rusqlite::Error::InvalidQuery),
            DeskError::Io(std::io::Error::other("x")),
        ];
        for e in &errors {
            assert!(
                DeskError::CODES.contains(&e.code()),
                "{} is not listed",
                e.code()
            );
        }
        let mut codes = DeskError::CODES.to_vec();
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), DeskError::CODES.len());
    }
}
