//! Requests that came in by mail. Each message is recorded once — keyed by the mailbox's
//! UIDVALIDITY and UID, and by its Message-ID (the same message under another UID, after a
//! mailbox rebuild, is still the same message) — with the raw message kept. A request is
//! admitted in the same transaction (so recording and admitting are one); a message that cannot
//! be read is quarantined with its reason, shown to the agent and kept, never lost.
//!
//! The poller marks a message `\Seen` on the server only after this commit; a crash between the
//! two leaves an unseen message the desk already has, which the next poll skips by its UID.

use rusqlite::{Connection, OptionalExtension, TransactionBehavior};
use serde::Serialize;

use countersign_pipeline::Request;

use countersign_core::{AuditKind, AuditSubject};

use crate::audit_log;
use crate::desk::Desk;
use crate::error::DeskError;
use crate::ingest::{admit_in, Admitted};
use crate::workspace::{self, MailboxSettings, MailboxStatus, WebhookTarget};

pub(crate) const SCHEMA_V6: &str = "
CREATE TABLE mail_messages (
    uid_validity    INTEGER NOT NULL,
    uid             INTEGER NOT NULL,
    message_id      TEXT,
    conversation_id INTEGER REFERENCES conversations (id),
    received_at     INTEGER NOT NULL,
    raw             BLOB NOT NULL,
    quarantine      TEXT,
    -- The same message again under a new UID (a client's resend): recorded so the poller
    -- moves past its UID, with no conversation and no Message-ID of its own.
    duplicate       INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (uid_validity, uid),
    CHECK ((conversation_id IS NOT NULL) + (quarantine IS NOT NULL) + duplicate = 1)
) STRICT;
CREATE UNIQUE INDEX mail_messages_message_id ON mail_messages (message_id)
    WHERE message_id IS NOT NULL;
";

/// Where a message sits in the mailbox, for good: a UID is never reused under one UIDVALIDITY.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct MailKey {
    pub uid_validity: u32,
    pub uid: u32,
}

/// One fetched message.
#[derive(Clone, Copy, Debug)]
pub struct IncomingMail<'a> {
    pub key: MailKey,
    /// Its Message-ID, when it has a usable one.
    pub message_id: Option<&'a str>,
    /// Its References (or, without them, In-Reply-To), oldest first: how a follow-up finds its
    /// conversation, and what our reply's References continue.
    pub references: &'a [String],
    pub raw: &'a [u8],
}

/// What recording a message came to.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum MailIntake {
    /// A new conversation, `planning` (or blocked by the guard); or, with `follow_up`, a
    /// customer's reply that joined its conversation, which is planned again.
    Admitted {
        conversation_id: i64,
        planning: bool,
        follow_up: bool,
    },
    /// Kept, with why it could not be read.
    Quarantined { reason: String },
    /// Recorded before (same UID, or same Message-ID): nothing changed.
    Duplicate,
}

/// A message kept without a conversation, for a person to look at.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct QuarantinedMail {
    pub key: MailKey,
    pub message_id: Option<String>,
    pub received_at_ms: i64,
    pub reason: String,
    pub size: i64,
}

/// How many messages the desk holds from the mailbox.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct MailCounts {
    pub admitted: i64,
    pub quarantined: i64,
    pub duplicates: i64,
}

/// Whether the desk has a message already, and by what.
enum Known {
    No,
    /// This very UID.
    Uid,
    /// The same Message-ID under another UID.
    MessageId,
}

fn known(conn: &Connection, mail: &IncomingMail<'_>) -> Result<Known, DeskError> {
    let by_uid: bool = conn
        .prepare_cached(
            "SELECT EXISTS (SELECT 1 FROM mail_messages WHERE uid_validity = ?1 AND uid = ?2)",
        )?
        .query_row((mail.key.uid_validity, mail.key.uid), |r| r.get(0))?;
    if by_uid {
        return Ok(Known::Uid);
    }
    let Some(id) = mail.message_id else {
        return Ok(Known::No);
    };
    let by_id = conn
        .prepare_cached("SELECT 1 FROM mail_messages WHERE message_id = ?1")?
        .query_row([id], |_| Ok(()))
        .optional()?
        .is_some();
    Ok(if by_id { Known::MessageId } else { Known::No })
}

impl Desk {
    /// Records one fetched message, once: `parsed` is the channel adapter's reading of it — a
    /// request is admitted (as [`Desk::admit`]), an error quarantines the message with that
    /// reason. Either way the raw message is kept.
    pub fn admit_mail(
        &mut self,
        mail: &IncomingMail<'_>,
        parsed: Result<&Request, String>,
    ) -> Result<MailIntake, DeskError> {
        let now = self.clock.now_ms();
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        match known(&tx, mail)? {
            Known::Uid => return Ok(MailIntake::Duplicate),
            Known::MessageId => {
                tx.prepare_cached(
                    "INSERT INTO mail_messages (uid_validity, uid, received_at, raw, duplicate)
                     VALUES (?1, ?2, ?3, ?4, 1)",
                )?
                .execute(rusqlite::params![
                    mail.key.uid_validity,
                    mail.key.uid,
                    now,
                    mail.raw
                ])?;
                tx.commit()?;
                return Ok(MailIntake::Duplicate);
            }
            Known::No => {}
        }
        let (conversation_id, quarantine, intake) = match parsed {
            Ok(request) => {
                let joined = crate::thread::conversation_for(
                    &tx,
                    mail.references,
                    request.sender.as_deref(),
                )?;
                let Admitted {
                    conversation_id,
                    planning,
                    ..
                } = match joined {
                    Some(conversation) => {
                        crate::thread::follow_up(&tx, conversation, request, now)?
                    }
                    None => admit_in(&tx, request, false, now)?,
                };
                (
                    Some(conversation_id),
                    None,
                    MailIntake::Admitted {
                        conversation_id,
                        planning,
                        follow_up: joined.is_some(),
                    },
                )
            }
            Err(reason) => (
                None,
                Some(reason.clone()),
                MailIntake::Quarantined { reason },
            ),
        };
        tx.prepare_cached(
            "INSERT INTO mail_messages (uid_validity, uid, message_id, conversation_id, received_at, raw, quarantine, refs)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        )?
        .execute(rusqlite::params![
            mail.key.uid_validity,
            mail.key.uid,
            mail.message_id,
            conversation_id,
            now,
            mail.raw,
            quarantine,
            (!mail.references.is_empty()).then(|| serde_json::json!(mail.references).to_string()),
        ])?;
        tx.commit()?;
        if quarantine.is_some() {
            tracing::warn!(
                uid_validity = mail.key.uid_validity,
                uid = mail.key.uid,
                "mail quarantined"
            );
        }
        Ok(intake)
    }

    /// The highest UID recorded under `uid_validity`: the next poll fetches above it.
    pub fn last_mail_uid(&self, uid_validity: u32) -> Result<Option<u32>, DeskError> {
        Ok(self
            .conn
            .prepare_cached("SELECT MAX(uid) FROM mail_messages WHERE uid_validity = ?1")?
            .query_row([uid_validity], |r| r.get(0))?)
    }

    pub fn quarantined_mail(&self) -> Result<Vec<QuarantinedMail>, DeskError> {
        quarantined(&self.conn)
    }

    pub fn mailbox_settings(&self) -> Result<Option<MailboxSettings>, DeskError> {
        workspace::get(&self.conn, &workspace::MAILBOX)
    }

    /// Sets where mail comes from and goes out, as `by` (a supervisor), recorded in the log.
    pub fn set_mailbox_settings(
        &mut self,
        by: &str,
        settings: &MailboxSettings,
    ) -> Result<(), DeskError> {
        let blank = [
            &settings.imap_host,
            &settings.smtp_host,
            &settings.user,
            &settings.from,
        ]
        .iter()
        .any(|v| v.trim().is_empty());
        if blank || settings.imap_port == 0 || settings.smtp_port == 0 {
            return Err(DeskError::InvalidSetting(
                "the mailbox needs IMAP and SMTP hosts and ports, a user and a from address".into(),
            ));
        }
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let actor = crate::staff::require_supervisor(&tx, by, "change the mailbox")?;
        workspace::set(&tx, &workspace::MAILBOX, settings)?;
        audit_log::append(
            &tx,
            self.clock.now_ms(),
            &actor.name,
            AuditKind::MailboxChanged,
            &AuditSubject::Workspace,
            &serde_json::json!({
                "imap_host": settings.imap_host,
                "imap_port": settings.imap_port,
                "smtp_host": settings.smtp_host,
                "smtp_port": settings.smtp_port,
                "security": settings.security,
                "folder": settings.folder,
            }),
        )?;
        tx.commit()?;
        Ok(())
    }

    pub fn webhook_target(&self) -> Result<Option<WebhookTarget>, DeskError> {
        workspace::get(&self.conn, &workspace::WEBHOOK)
    }

    /// Sets where chat and widget replies go, as `by` (a supervisor), recorded in the log. Plain
    /// HTTP only to this machine: a reply is a customer's data.
    pub fn set_webhook_target(
        &mut self,
        by: &str,
        target: &WebhookTarget,
    ) -> Result<(), DeskError> {
        let url = &crate::outbound_url::checked(&target.url, "webhook")?;
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let actor = crate::staff::require_supervisor(&tx, by, "change the reply webhook")?;
        workspace::set(
            &tx,
            &workspace::WEBHOOK,
            &WebhookTarget {
                url: url.to_owned(),
            },
        )?;
        audit_log::append(
            &tx,
            self.clock.now_ms(),
            &actor.name,
            AuditKind::WebhookChanged,
            &AuditSubject::Workspace,
            &serde_json::json!({"webhook_url": crate::outbound_url::for_the_record(url)}),
        )?;
        tx.commit()?;
        Ok(())
    }

    pub fn mailbox_status(&self) -> Result<MailboxStatus, DeskError> {
        Ok(workspace::get(&self.conn, &workspace::MAILBOX_STATUS)?.unwrap_or_default())
    }

    /// Records how a poll went (operational state, not an audited decision).
    pub fn record_mail_poll(&mut self, status: &MailboxStatus) -> Result<(), DeskError> {
        workspace::set(&self.conn, &workspace::MAILBOX_STATUS, status)
    }

    pub fn mail_counts(&self) -> Result<MailCounts, DeskError> {
        counts(&self.conn)
    }
}

/// The quarantined messages, oldest first (a read for the desk and the read-only reader).
pub(crate) fn quarantined(conn: &Connection) -> Result<Vec<QuarantinedMail>, DeskError> {
    let mut stmt = conn.prepare_cached(
        "SELECT uid_validity, uid, message_id, received_at, quarantine, length(raw)
         FROM mail_messages WHERE quarantine IS NOT NULL ORDER BY received_at, uid",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok(QuarantinedMail {
            key: MailKey {
                uid_validity: r.get(0)?,
                uid: r.get(1)?,
            },
            message_id: r.get(2)?,
            received_at_ms: r.get(3)?,
            reason: r.get(4)?,
            size: r.get(5)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// How many messages the desk holds from the mailbox.
pub(crate) fn counts(conn: &Connection) -> Result<MailCounts, DeskError> {
    Ok(conn.query_row(
        "SELECT COUNT(conversation_id), COUNT(quarantine), COALESCE(SUM(duplicate), 0)
         FROM mail_messages",
        [],
        |r| {
            Ok(MailCounts {
                admitted: r.get(0)?,
                quarantined: r.get(1)?,
                duplicates: r.get(2)?,
            })
        },
    )?)
}
