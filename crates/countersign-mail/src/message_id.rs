//! A Message-ID as a type: the id between the angle brackets, checked once where it enters.

use std::fmt;

/// The id of a message (RFC 5322 `msg-id`), kept without its angle brackets: `a.b@host`.
/// Visible ASCII only, no brackets, no spaces; at most 250 bytes. That is enough for every id
/// real mail software writes, and makes the id safe to quote in an IMAP search.
#[derive(
    Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(try_from = "String", into = "String")]
pub struct MessageId(String);

/// The text was not a usable Message-ID.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not a usable Message-ID")]
pub struct InvalidMessageId;

impl MessageId {
    /// Accepts `<id>` or `id`.
    pub fn parse(text: &str) -> Result<MessageId, InvalidMessageId> {
        let t = text.trim();
        let t = t
            .strip_prefix('<')
            .and_then(|t| t.strip_suffix('>'))
            .unwrap_or(t);
        let ok = !t.is_empty()
            && t.len() <= 250
            && t.bytes()
                .all(|b| (0x21..=0x7e).contains(&b) && b != b'<' && b != b'>');
        if ok {
            Ok(MessageId(t.to_owned()))
        } else {
            Err(InvalidMessageId)
        }
    }

    /// Without angle brackets, as mail-parser gives ids.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// With angle brackets, as written in a header.
    pub fn angled(&self) -> String {
        format!("<{}>", self.0)
    }
}

impl fmt::Display for MessageId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "<{}>", self.0)
    }
}

impl TryFrom<String> for MessageId {
    type Error = InvalidMessageId;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        MessageId::parse(&value)
    }
}

impl From<MessageId> for String {
    fn from(id: MessageId) -> String {
        id.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn brackets_are_optional_and_dropped() {
        assert_eq!(MessageId::parse("<a.b@c>").map(|m| m.0), Ok("a.b@c".into()));
        assert_eq!(MessageId::parse(" a.b@c ").map(|m| m.0), Ok("a.b@c".into()));
    }

    #[test]
    fn spaces_brackets_controls_and_non_ascii_are_refused() {
        for bad in ["", "<>", "a b@c", "a<b@c", "a\r\nb", "é@c", "<<a@b>>"] {
            assert_eq!(MessageId::parse(bad), Err(InvalidMessageId), "{bad:?}");
        }
    }
}
