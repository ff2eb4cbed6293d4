//! A reply as it goes out: built with lettre's typed headers, rendered once, and the same bytes
//! are submitted over SMTP and kept in the Sent folder.

use lettre::message::header::ContentType;
use lettre::message::Mailbox as Address;
use lettre::Message;

use crate::{MailError, MessageId};

/// A plain-text reply. The caller decides the Message-ID (for example
/// `<proposal-42.acme@countersign>`): it is what makes a second delivery detectable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutgoingMail {
    /// `Support <support@example.com>` or a bare address.
    pub from: String,
    pub to: String,
    pub subject: String,
    pub text: String,
    pub message_id: MessageId,
    /// The customer's message this answers.
    pub in_reply_to: Option<MessageId>,
    /// The conversation so far, oldest first (the customer's References plus their Message-ID).
    pub references: Vec<MessageId>,
}

impl OutgoingMail {
    pub(crate) fn addresses(&self) -> Result<(Address, Address), MailError> {
        let from: Address = self
            .from
            .parse()
            .map_err(|_| MailError::Config("the From address does not parse".into()))?;
        let to: Address = self
            .to
            .parse()
            .map_err(|_| MailError::Config("the To address does not parse".into()))?;
        Ok((from, to))
    }

    pub(crate) fn envelope(&self) -> Result<lettre::address::Envelope, MailError> {
        let (from, to) = self.addresses()?;
        lettre::address::Envelope::new(Some(from.email), vec![to.email])
            .map_err(|e| MailError::Config(format!("the envelope is not usable: {e}")))
    }
}

/// The message as RFC 5322 bytes: From, To, Subject, Date, our Message-ID, In-Reply-To and
/// References, and a UTF-8 text/plain body (lettre picks 7bit, quoted-printable or base64).
pub fn render(mail: &OutgoingMail) -> Result<Vec<u8>, MailError> {
    let (from, to) = mail.addresses()?;
    let mut builder = Message::builder()
        .from(from)
        .to(to)
        .subject(mail.subject.as_str())
        .date_now()
        .message_id(Some(mail.message_id.angled()));
    if let Some(parent) = &mail.in_reply_to {
        builder = builder.in_reply_to(parent.angled());
    }
    if !mail.references.is_empty() {
        // One header: lettre's `references` replaces an earlier one.
        let all = mail
            .references
            .iter()
            .map(MessageId::angled)
            .collect::<Vec<_>>()
            .join(" ");
        builder = builder.references(all);
    }
    let message = builder
        .header(ContentType::TEXT_PLAIN)
        .body(mail.text.clone())
        .map_err(|e| MailError::Config(format!("the message cannot be built: {e}")))?;
    Ok(message.formatted())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::thread_keys;

    fn id(s: &str) -> MessageId {
        MessageId::parse(s).unwrap()
    }

    #[test]
    fn the_thread_headers_survive_a_round_trip() {
        let mail = OutgoingMail {
            from: "Support <support@example.test>".into(),
            to: "customer@example.test".into(),
            subject: "Re: Où est ma commande ?".into(),
            text: "Bonjour, elle arrive demain.\n".into(),
            message_id: id("proposal-42.acme@countersign"),
            in_reply_to: Some(id("c2@mail.example")),
            references: vec![id("c1@mail.example"), id("c2@mail.example")],
        };
        let raw = render(&mail).unwrap();
        let keys = thread_keys(&raw);
        assert_eq!(keys.message_id, Some(mail.message_id.clone()));
        assert_eq!(keys.in_reply_to, vec![id("c2@mail.example")]);
        assert_eq!(keys.references, mail.references);
        let text = String::from_utf8_lossy(&raw);
        assert!(text.contains("Date: "), "{text}");
        assert!(text.contains("text/plain; charset=utf-8"), "{text}");
    }

    #[test]
    fn a_bad_address_is_a_config_error() {
        let mail = OutgoingMail {
            from: "not an address".into(),
            to: "customer@example.test".into(),
            subject: "s".into(),
            text: "t".into(),
            message_id: id("m@x"),
            in_reply_to: None,
            references: Vec::new(),
        };
        assert_eq!(render(&mail).unwrap_err().code(), "mail_config");
    }
}
