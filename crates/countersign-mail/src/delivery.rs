//! Sending a reply at most once, with the Sent folder as the record of what went out.
//!
//! The desk commits "reply sent" after [`deliver_once`] returns. A crash can come at any point
//! in between, and the retry must never give the customer a second copy. SMTP has no way to
//! ask "did you accept message X?", so the record has to be somewhere we can read back: the
//! Sent folder, searched by the Message-ID the caller chose.
//!
//! Why the copy goes into Sent *before* the SMTP transaction, marked
//! [`SENDING_KEYWORD`](crate::SENDING_KEYWORD): with the obvious order (send, then APPEND),
//! a crash after the server accepted the message and before the APPEND leaves no trace, and the
//! retry sends a duplicate without anyone knowing. Recording the attempt first turns every
//! crash window into a state the retry can see:
//!
//! | Sent folder holds                | what happened                                  | retry does            |
//! |----------------------------------|------------------------------------------------|-----------------------|
//! | nothing                          | crashed before the APPEND: nothing went out    | sends                 |
//! | the copy, keyword removed        | accepted and recorded                          | `AlreadySent`         |
//! | the copy, keyword still on       | crashed between APPEND and knowing the outcome | `DeliveryUncertain`   |
//!
//! What remains is the third row: the message may or may not have gone out, and no protocol
//! can tell us which. We refuse to guess in either direction (a duplicate to a customer, or a
//! reply silently never sent); [`MailError::DeliveryUncertain`] asks a person, who settles it
//! with [`resolve_uncertain`]. The window is kept small: the SMTP connection is opened and
//! authenticated *before* the APPEND (so a wrong password or an unreachable server records
//! nothing), and a refusal at MAIL, RCPT or DATA deletes the copy again (the server did not
//! take the message), so only a crash or a broken connection while the message is in flight
//! leaves the keyword on.
//!
//! If the Sent folder cannot keep keywords (its PERMANENTFLAGS lack `\*`), a keyword-less copy
//! would read as "sent" after a crash before SMTP — a reply lost without a trace, which is
//! worse than a duplicate. There we fall back to send-then-APPEND and log that the window is
//! open.

use countersign_core::Secret;

use crate::smtp::Submission;
use crate::{render, MailError, MailFlag, Mailbox, MessageId, OutgoingMail, SmtpSettings};

/// What [`deliver_once`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Delivery {
    /// The Sent folder already has this Message-ID: nothing was sent now.
    AlreadySent,
    /// Sent now, and recorded in the Sent folder.
    Sent,
}

/// A person's answer to [`MailError::DeliveryUncertain`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resolution {
    /// The customer got it (or we accept the risk they did): record it as sent.
    WentOut,
    /// It did not go out: forget the attempt, so the next [`deliver_once`] sends.
    DidNotGoOut,
}

/// Sends `mail` unless the Sent folder shows it was sent already. See the module
/// documentation for the order of steps and the window that remains.
pub async fn deliver_once(
    mailbox: &mut Mailbox,
    smtp: &SmtpSettings,
    password: &Secret,
    mail: &OutgoingMail,
) -> Result<Delivery, MailError> {
    smtp.check_sender(mail)?;
    let raw = render(mail)?;
    let envelope = mail.envelope()?;
    let id = &mail.message_id;
    let sent = mailbox.sent_folder().await?;
    let (copies, keywords) = mailbox.copies_and_keywords(&sent, id).await?;
    if copies.iter().any(|c| c.sending) {
        tracing::warn!(message_id = %id, "delivery: an earlier attempt did not finish");
        return Err(uncertain(id));
    }
    if !copies.is_empty() {
        tracing::info!(message_id = %id, "delivery: already in Sent; not sending again");
        return Ok(Delivery::AlreadySent);
    }

    let mut submission = Submission::open(smtp, password).await?;
    if !keywords {
        tracing::warn!(folder = %sent, "delivery: the Sent folder keeps no keywords; a crash after sending and before recording would go unnoticed");
        submission
            .transmit(&envelope, &raw)
            .await
            .map_err(|f| f.error.scrubbed(password))?;
        submission.close().await;
        mailbox.append(&sent, &raw, &[MailFlag::Seen]).await?;
        return Ok(Delivery::Sent);
    }

    mailbox
        .append(&sent, &raw, &[MailFlag::Seen, MailFlag::Sending])
        .await?;
    match submission.transmit(&envelope, &raw).await {
        Ok(()) => {
            submission.close().await;
            tracing::info!(message_id = %id, "delivery: accepted by the SMTP server");
            // The message is out: failing to take the keyword off must not make the caller
            // retry. A copy left marked reads as "uncertain" later, which is the safe side.
            if let Err(e) = clear_marks(mailbox, &sent, id).await {
                tracing::warn!(message_id = %id, code = e.code(), "delivery: sent, but the Sent copy is still marked as sending");
            }
            Ok(Delivery::Sent)
        }
        Err(failure) if failure.maybe_accepted => {
            tracing::warn!(message_id = %id, code = failure.error.code(), "delivery: the connection broke with the message in flight");
            Err(uncertain(id))
        }
        Err(failure) => {
            tracing::info!(message_id = %id, code = failure.error.code(), "delivery: refused by the SMTP server; removing the Sent copy");
            submission.close().await;
            remove_marked(mailbox, &sent, id).await?;
            Err(failure.error.scrubbed(password))
        }
    }
}

/// Settles a [`MailError::DeliveryUncertain`] as a person decided.
pub async fn resolve_uncertain(
    mailbox: &mut Mailbox,
    message_id: &MessageId,
    resolution: Resolution,
) -> Result<(), MailError> {
    let sent = mailbox.sent_folder().await?;
    tracing::info!(message_id = %message_id, ?resolution, "delivery: resolved by a person");
    match resolution {
        Resolution::WentOut => clear_marks(mailbox, &sent, message_id).await,
        Resolution::DidNotGoOut => remove_marked(mailbox, &sent, message_id).await,
    }
}

fn uncertain(id: &MessageId) -> MailError {
    MailError::DeliveryUncertain {
        message_id: id.angled(),
    }
}

async fn clear_marks(mailbox: &mut Mailbox, sent: &str, id: &MessageId) -> Result<(), MailError> {
    for copy in mailbox.copies(sent, id).await? {
        if copy.sending {
            mailbox.clear_sending(sent, copy.uid).await?;
        }
    }
    Ok(())
}

async fn remove_marked(mailbox: &mut Mailbox, sent: &str, id: &MessageId) -> Result<(), MailError> {
    for copy in mailbox.copies(sent, id).await? {
        if copy.sending {
            mailbox.remove(sent, copy.uid).await?;
        }
    }
    Ok(())
}
