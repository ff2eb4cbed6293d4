//! The audit log's vocabulary: what kind of event a record is, and what it is about. Both are
//! hashed into the chain in their stored form (`proposal.created`, `proposal:12`), which is
//! produced here only.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::DecisionKind;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum AuditKind {
    /// A request recorded before planning (the LLM planner plans it later, off the window).
    #[serde(rename = "conversation.admitted")]
    ConversationAdmitted,
    #[serde(rename = "conversation.ingested")]
    ConversationIngested,
    #[serde(rename = "proposal.created")]
    ProposalCreated,
    /// Policy refused a write before it became a proposal.
    #[serde(rename = "proposal.refused")]
    ProposalRefused,
    #[serde(rename = "proposal.expired")]
    ProposalExpired,
    #[serde(rename = "decision.approved")]
    DecisionApproved,
    #[serde(rename = "decision.rejected")]
    DecisionRejected,
    #[serde(rename = "decision.escalated")]
    DecisionEscalated,
    /// An approval attempt the gate refused; the proposal is unchanged.
    #[serde(rename = "approval.refused")]
    ApprovalRefused,
    /// An approval attempt found the proposal past its expiry and closed it.
    #[serde(rename = "approval.expired")]
    ApprovalExpired,
    /// An approval attempt found the subject changed and closed the proposal.
    #[serde(rename = "approval.invalidated")]
    ApprovalInvalidated,
    #[serde(rename = "action.executed")]
    ActionExecuted,
    #[serde(rename = "policy.changed")]
    PolicyChanged,
    #[serde(rename = "settings.provider")]
    ProviderChanged,
    #[serde(rename = "settings.caps")]
    CapsChanged,
    #[serde(rename = "settings.mailbox")]
    MailboxChanged,
    #[serde(rename = "settings.credential_set")]
    CredentialSet,
    #[serde(rename = "settings.credential_removed")]
    CredentialRemoved,
    /// An administrator assigned a person's role.
    #[serde(rename = "staff.role_set")]
    StaffRoleSet,
    /// A person saved a new text of a reply.
    #[serde(rename = "reply.revised")]
    ReplyRevised,
    /// The channel took an approved reply (SMTP accepted it, or the webhook acknowledged it).
    #[serde(rename = "reply.sent")]
    ReplySent,
    /// An approved reply was refused for good, or may not have gone out: a person decides.
    #[serde(rename = "reply.send_failed")]
    ReplySendFailed,
    /// A person settled a failed or uncertain send.
    #[serde(rename = "reply.resolved")]
    ReplyResolved,
    /// An open proposal closed because the customer wrote again.
    #[serde(rename = "proposal.superseded")]
    ProposalSuperseded,
    /// A customer's follow-up joined its conversation.
    #[serde(rename = "conversation.followed_up")]
    ConversationFollowedUp,
    /// A person closed a conversation with nothing (more) to send.
    #[serde(rename = "conversation.closed")]
    ConversationClosed,
    /// A customer's satisfaction score recorded (entered or imported).
    #[serde(rename = "csat.recorded")]
    CsatRecorded,
    /// Where eval cases are synced, and whether redacted.
    #[serde(rename = "settings.sync")]
    SyncChanged,
    /// An approved external call was answered with an error, or never sent: nothing ran.
    #[serde(rename = "action.failed")]
    ActionFailed,
    /// An approved external call was sent and no answer came: a person finds out whether it
    /// ran; it is never sent again on its own.
    #[serde(rename = "action.outcome_unknown")]
    ActionOutcomeUnknown,
    /// A person settled an external call whose outcome was unknown.
    #[serde(rename = "action.resolved")]
    ActionResolved,
    /// A supervisor added a team system (MCP server), or replaced the one of that name.
    #[serde(rename = "settings.tool_server")]
    ToolServerChanged,
    /// A supervisor classified a team system's tool as read, write or forbidden.
    #[serde(rename = "settings.tool_class")]
    ToolClassified,
    /// A supervisor replaced the team systems' policy (the new text is in the record).
    #[serde(rename = "settings.tool_policy")]
    ToolPolicyChanged,
    /// A person sent a batch of eval cases the receiver had refused again.
    #[serde(rename = "sync.requeued")]
    SyncRequeued,
    /// A supervisor changed where chat and widget replies are delivered. (Recorded as
    /// `settings.mailbox` before this kind existed.)
    #[serde(rename = "settings.webhook")]
    WebhookChanged,
}

impl AuditKind {
    pub const ALL: [AuditKind; 36] = [
        AuditKind::ConversationAdmitted,
        AuditKind::ConversationIngested,
        AuditKind::ProposalCreated,
        AuditKind::ProposalRefused,
        AuditKind::ProposalExpired,
        AuditKind::DecisionApproved,
        AuditKind::DecisionRejected,
        AuditKind::DecisionEscalated,
        AuditKind::ApprovalRefused,
        AuditKind::ApprovalExpired,
        AuditKind::ApprovalInvalidated,
        AuditKind::ActionExecuted,
        AuditKind::PolicyChanged,
        AuditKind::ProviderChanged,
        AuditKind::CapsChanged,
        AuditKind::MailboxChanged,
        AuditKind::CredentialSet,
        AuditKind::CredentialRemoved,
        AuditKind::StaffRoleSet,
        AuditKind::ReplyRevised,
        AuditKind::ReplySent,
        AuditKind::ReplySendFailed,
        AuditKind::ReplyResolved,
        AuditKind::ProposalSuperseded,
        AuditKind::ConversationFollowedUp,
        AuditKind::ConversationClosed,
        AuditKind::CsatRecorded,
        AuditKind::SyncChanged,
        AuditKind::ActionFailed,
        AuditKind::ActionOutcomeUnknown,
        AuditKind::ActionResolved,
        AuditKind::ToolServerChanged,
        AuditKind::ToolClassified,
        AuditKind::ToolPolicyChanged,
        AuditKind::SyncRequeued,
        AuditKind::WebhookChanged,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            AuditKind::ConversationAdmitted => "conversation.admitted",
            AuditKind::ConversationIngested => "conversation.ingested",
            AuditKind::ProposalCreated => "proposal.created",
            AuditKind::ProposalRefused => "proposal.refused",
            AuditKind::ProposalExpired => "proposal.expired",
            AuditKind::DecisionApproved => "decision.approved",
            AuditKind::DecisionRejected => "decision.rejected",
            AuditKind::DecisionEscalated => "decision.escalated",
            AuditKind::ApprovalRefused => "approval.refused",
            AuditKind::ApprovalExpired => "approval.expired",
            AuditKind::ApprovalInvalidated => "approval.invalidated",
            AuditKind::ActionExecuted => "action.executed",
            AuditKind::PolicyChanged => "policy.changed",
            AuditKind::ProviderChanged => "settings.provider",
            AuditKind::CapsChanged => "settings.caps",
            AuditKind::MailboxChanged => "settings.mailbox",
            AuditKind::CredentialSet => "settings.credential_set",
            AuditKind::CredentialRemoved => "settings.credential_removed",
            AuditKind::StaffRoleSet => "staff.role_set",
            AuditKind::ReplyRevised => "reply.revised",
            AuditKind::ReplySent => "reply.sent",
            AuditKind::ReplySendFailed => "reply.send_failed",
            AuditKind::ReplyResolved => "reply.resolved",
            AuditKind::ProposalSuperseded => "proposal.superseded",
            AuditKind::ConversationFollowedUp => "conversation.followed_up",
            AuditKind::ConversationClosed => "conversation.closed",
            AuditKind::CsatRecorded => "csat.recorded",
            AuditKind::SyncChanged => "settings.sync",
            AuditKind::ActionFailed => "action.failed",
            AuditKind::ActionOutcomeUnknown => "action.outcome_unknown",
            AuditKind::ActionResolved => "action.resolved",
            AuditKind::ToolServerChanged => "settings.tool_server",
            AuditKind::ToolClassified => "settings.tool_class",
            AuditKind::ToolPolicyChanged => "settings.tool_policy",
            AuditKind::SyncRequeued => "sync.requeued",
            AuditKind::WebhookChanged => "settings.webhook",
        }
    }

    pub fn parse(s: &str) -> Option<AuditKind> {
        AuditKind::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// The record a person's decision leaves: `decision.<kind>` for a decision that closed or
    /// executed the proposal, `approval.<kind>` for an approval attempt the gate turned down.
    pub fn of_decision(kind: DecisionKind, attempted_approval: bool) -> AuditKind {
        match (kind, attempted_approval) {
            (DecisionKind::Approved, _) => AuditKind::DecisionApproved,
            (DecisionKind::Rejected, _) => AuditKind::DecisionRejected,
            (DecisionKind::Escalated, _) => AuditKind::DecisionEscalated,
            (DecisionKind::Expired, true) => AuditKind::ApprovalExpired,
            (DecisionKind::Expired, false) => AuditKind::ProposalExpired,
            (DecisionKind::Invalidated, _) => AuditKind::ApprovalInvalidated,
            (DecisionKind::Refused, _) => AuditKind::ApprovalRefused,
        }
    }
}

impl fmt::Display for AuditKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What an audit record is about.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum AuditSubject {
    Proposal(i64),
    Conversation(i64),
    /// A refused write names the customer it was for (there is no proposal).
    Customer(String),
    /// Settings and policy.
    Workspace,
}

impl AuditSubject {
    /// The proposal this record is about, if any.
    pub fn proposal_id(&self) -> Option<i64> {
        match self {
            AuditSubject::Proposal(id) => Some(*id),
            _ => None,
        }
    }

    pub fn parse(s: &str) -> Option<AuditSubject> {
        if s == "workspace" {
            return Some(AuditSubject::Workspace);
        }
        let (kind, rest) = s.split_once(':')?;
        match kind {
            "proposal" => rest.parse().ok().map(AuditSubject::Proposal),
            "conversation" => rest.parse().ok().map(AuditSubject::Conversation),
            "customer" if !rest.is_empty() => Some(AuditSubject::Customer(rest.to_owned())),
            _ => None,
        }
    }
}

impl fmt::Display for AuditSubject {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AuditSubject::Proposal(id) => write!(f, "proposal:{id}"),
            AuditSubject::Conversation(id) => write!(f, "conversation:{id}"),
            AuditSubject::Customer(id) => write!(f, "customer:{id}"),
            AuditSubject::Workspace => f.write_str("workspace"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_round_trips_and_serialises_as_stored() {
        for k in AuditKind::ALL {
            assert_eq!(AuditKind::parse(k.as_str()), Some(k));
            assert_eq!(
                serde_json::to_value(k).ok(),
                Some(serde_json::json!(k.as_str()))
            );
        }
    }

    #[test]
    fn subjects_keep_the_stored_form_the_chain_hashes() {
        for (s, text) in [
            (AuditSubject::Proposal(12), "proposal:12"),
            (AuditSubject::Conversation(3), "conversation:3"),
            (AuditSubject::Customer("ada_1".into()), "customer:ada_1"),
            (AuditSubject::Workspace, "workspace"),
        ] {
            assert_eq!(s.to_string(), text);
            assert_eq!(AuditSubject::parse(text), Some(s));
        }
        assert_eq!(AuditSubject::parse("proposal:x"), None);
    }
}
