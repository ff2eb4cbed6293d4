//! The headers that tie a message to its conversation, so the desk can join a follow-up to the
//! request it answers.

use mail_parser::{HeaderValue, MessageParser};

use crate::MessageId;

/// Message-ID, In-Reply-To and References of a message. Ids that are not usable (see
/// [`MessageId`]) are left out rather than failing the whole message.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ThreadKeys {
    pub message_id: Option<MessageId>,
    pub in_reply_to: Vec<MessageId>,
    pub references: Vec<MessageId>,
}

/// Reads the thread headers of a raw RFC 5322 message. Only the header block is parsed.
pub fn thread_keys(raw: &[u8]) -> ThreadKeys {
    let head = header_block(raw);
    let Some(message) = MessageParser::default().parse_headers(head) else {
        return ThreadKeys::default();
    };
    ThreadKeys {
        message_id: message.message_id().and_then(|m| MessageId::parse(m).ok()),
        in_reply_to: ids(message.in_reply_to()),
        references: ids(message.references()),
    }
}

fn ids(value: &HeaderValue<'_>) -> Vec<MessageId> {
    match value {
        HeaderValue::Text(t) => MessageId::parse(t).ok().into_iter().collect(),
        HeaderValue::TextList(list) => list
            .iter()
            .filter_map(|t| MessageId::parse(t).ok())
            .collect(),
        _ => Vec::new(),
    }
}

/// The headers and the blank line after them (the whole message when there is no blank line).
fn header_block(raw: &[u8]) -> &[u8] {
    let end = find(raw, b"\r\n\r\n")
        .map(|i| i + 4)
        .or_else(|| find(raw, b"\n\n").map(|i| i + 2))
        .unwrap_or(raw.len());
    &raw[..end]
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_three_headers() {
        let raw = b"From: a@b\r\nMessage-ID: <m3@x>\r\nIn-Reply-To: <m2@x>\r\nReferences: <m1@x>\r\n <m2@x>\r\n\r\nbody <m9@x>\r\n";
        let keys = thread_keys(raw);
        assert_eq!(
            keys.message_id.as_ref().map(MessageId::as_str),
            Some("m3@x")
        );
        assert_eq!(keys.in_reply_to, vec![MessageId::parse("m2@x").unwrap()]);
        assert_eq!(
            keys.references,
            vec![
                MessageId::parse("m1@x").unwrap(),
                MessageId::parse("m2@x").unwrap()
            ]
        );
    }

    #[test]
    fn a_message_without_ids_or_headers_has_none() {
        assert_eq!(thread_keys(b"just text, no header"), ThreadKeys::default());
        assert_eq!(thread_keys(b""), ThreadKeys::default());
    }
}
