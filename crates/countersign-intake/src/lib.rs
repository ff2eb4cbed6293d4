//! The desk's channels. Intake: the team's mailbox into the desk. [`poll_once`] fetches what arrived since
//! the last message the desk holds, records each message once — a request admitted for
//! planning, an unreadable message quarantined with its reason, a message seen before left
//! alone — and marks it `\Seen` on the server only after the desk committed it.

use countersign_core::Secret;
use countersign_mail::{ImapSettings, MailError, Mailbox, Security, SmtpSettings};
use countersign_pipeline::{chat, Channel, Request};
use countersign_store::{
    Desk, DeskError, IncomingMail, MailFault, MailIntake, MailKey, MailSecurity, MailboxSettings,
    MailboxStatus,
};
use serde::Serialize;

mod delivery;
pub use delivery::{
    deliver_due, outgoing_mail, retry_delay_ms, settle_sent_copy, DeliveryReport, Outbound,
    SEND_LEASE_MS,
};

/// Messages fetched per round trip: bodies are downloaded a batch at a time.
const BATCH: usize = 25;

#[derive(Debug, thiserror::Error)]
pub enum IntakeError {
    #[error(transparent)]
    Mail(#[from] MailError),
    #[error(transparent)]
    Desk(#[from] DeskError),
    #[error("no mailbox is configured: run `countersign mailbox set`")]
    NotConfigured,
    #[error("the HTTP client could not start: {0}")]
    Http(String),
}

impl IntakeError {
    pub fn code(&self) -> &'static str {
        match self {
            IntakeError::Mail(e) => e.code(),
            IntakeError::Desk(e) => e.code(),
            IntakeError::NotConfigured => "mailbox_not_configured",
            IntakeError::Http(_) => "http_client",
        }
    }
}

/// What one poll did.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct PollReport {
    pub uid_validity: u32,
    pub fetched: usize,
    pub admitted: Vec<i64>,
    pub quarantined: usize,
    pub duplicates: usize,
    /// Admitted messages that were a customer's follow-up in an existing conversation.
    pub follow_ups: usize,
}

fn security(s: MailSecurity) -> Security {
    match s {
        MailSecurity::Tls => Security::Tls,
        MailSecurity::Starttls => Security::StartTls,
        MailSecurity::None => Security::None,
    }
}

/// Checks the workspace's mailbox settings as the mail crate will use them (no connection).
pub fn validate(s: &MailboxSettings) -> Result<(), MailError> {
    imap_settings(s).validate()?;
    smtp_settings(s).validate()
}

/// The SMTP side of the workspace's mailbox settings.
pub fn smtp_settings(s: &MailboxSettings) -> SmtpSettings {
    SmtpSettings {
        host: s.smtp_host.clone(),
        port: s.smtp_port,
        security: security(s.security),
        user: s.user.clone(),
        from: s.from.clone(),
        timeout_secs: 30,
    }
}

/// The IMAP side of the workspace's mailbox settings.
pub fn imap_settings(s: &MailboxSettings) -> ImapSettings {
    let mut imap = ImapSettings::new(&s.imap_host, s.imap_port, security(s.security), &s.user);
    if !s.folder.trim().is_empty() {
        imap.folder = s.folder.trim().to_owned();
    }
    imap
}

/// How the desk reads a fetched message: the email adapter's request, or why it cannot be read
/// (`code: message`, kept as the quarantine reason).
pub fn read_message(raw: &[u8]) -> Result<Request, String> {
    chat::parse(Channel::Email, raw).map_err(|e| format!("{}: {e}", e.code()))
}

/// A message's References, or its In-Reply-To when it has none (some clients send only that),
/// oldest first: how the desk finds the conversation a follow-up belongs to.
pub fn references_of(raw: &[u8]) -> Vec<String> {
    let keys = countersign_mail::thread_keys(raw);
    let ids = if keys.references.is_empty() {
        keys.in_reply_to
    } else {
        keys.references
    };
    ids.iter().map(|m| m.as_str().to_owned()).collect()
}

/// Records everything new in `mailbox` into `desk`.
pub async fn poll_once(desk: &mut Desk, mailbox: &mut Mailbox) -> Result<PollReport, IntakeError> {
    let uid_validity = mailbox.uid_validity();
    let mut report = PollReport {
        uid_validity,
        ..PollReport::default()
    };
    let mut after = desk.last_mail_uid(uid_validity)?;
    loop {
        let batch = mailbox.fetch_new(after, BATCH).await?;
        let full = batch.len() == BATCH;
        for fetched in &batch {
            report.fetched += 1;
            let parsed = read_message(&fetched.raw);
            let references = references_of(&fetched.raw);
            let mail = IncomingMail {
                key: MailKey {
                    uid_validity: fetched.uid_validity,
                    uid: fetched.uid,
                },
                message_id: fetched.message_id.as_ref().map(|m| m.as_str()),
                references: &references,
                raw: &fetched.raw,
            };
            match desk.admit_mail(&mail, parsed.as_ref().map_err(Clone::clone))? {
                MailIntake::Admitted {
                    conversation_id,
                    follow_up,
                    ..
                } => {
                    report.admitted.push(conversation_id);
                    report.follow_ups += usize::from(follow_up);
                }
                MailIntake::Quarantined { .. } => report.quarantined += 1,
                MailIntake::Duplicate => report.duplicates += 1,
            }
            // Only now: the desk has it. A crash before this line leaves the message unseen on
            // the server and recorded here; the next poll starts above its UID.
            mailbox.mark_seen(fetched.uid).await?;
            after = Some(after.map_or(fetched.uid, |a| a.max(fetched.uid)));
        }
        if !full {
            break;
        }
    }
    tracing::info!(
        uid_validity,
        fetched = report.fetched,
        admitted = report.admitted.len(),
        quarantined = report.quarantined,
        duplicates = report.duplicates,
        "mailbox polled"
    );
    Ok(report)
}

/// Connects with the workspace's settings, polls once and records how it went (the status the
/// app and `mailbox status` show). A failure is recorded too, then returned.
pub async fn poll(
    desk: &mut Desk,
    password: &Secret,
    now_ms: i64,
) -> Result<PollReport, IntakeError> {
    let settings = desk.mailbox_settings()?.ok_or(IntakeError::NotConfigured)?;
    let result = async {
        let mut mailbox = Mailbox::connect(&imap_settings(&settings), password).await?;
        let report = poll_once(desk, &mut mailbox).await?;
        mailbox.logout().await;
        Ok::<_, IntakeError>(report)
    }
    .await;
    let status = MailboxStatus {
        last_poll_ms: Some(now_ms),
        connected: !matches!(result, Err(IntakeError::Mail(_))),
        last_error: result.as_ref().err().map(|e| MailFault {
            code: e.code().to_owned(),
            message: e.to_string(),
        }),
    };
    desk.record_mail_poll(&status)?;
    result
}
