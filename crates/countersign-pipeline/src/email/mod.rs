//! Email (RFC 5322 / MIME) → [`Request`], through mail-parser.
//!
//! The plain-text part is preferred; if there is only HTML, its visible text is used. Text the
//! HTML hides from a reader is extracted separately. Quoted replies (`>` lines and the
//! "On … wrote:" block after them) and forwarded messages are split off the new text.

mod html;
mod reply;

use mail_parser::{MessageParser, PartType};

pub use html::{html_attribute_text, html_hidden_text, html_visible_text, split_html_quote};
pub use reply::{split_reply, split_reply_as};

use crate::request::{Channel, Request, RequestError, MAX_INPUT_BYTES};

pub fn parse_email(raw: &[u8]) -> Result<Request, RequestError> {
    if raw.len() > MAX_INPUT_BYTES {
        return Err(RequestError::TooLarge(MAX_INPUT_BYTES));
    }
    // mail-parser accepts almost anything; a message needs at least a header block.
    let head_end = find(raw, b"\r\n\r\n")
        .or_else(|| find(raw, b"\n\n"))
        .unwrap_or(raw.len());
    let head = String::from_utf8_lossy(&raw[..head_end]);
    let has_header = head.lines().next().is_some_and(|l| {
        l.split_once(':')
            .is_some_and(|(name, _)| !name.is_empty() && name.bytes().all(|b| b.is_ascii_graphic()))
    });
    if !has_header {
        return Err(RequestError::Email("no header block".into()));
    }
    let message = MessageParser::default()
        .parse(raw)
        .ok_or_else(|| RequestError::Email("unparseable".into()))?;
    let sender = message
        .from()
        .and_then(|a| a.first())
        .and_then(|a| a.address())
        .map(|a| a.trim().to_lowercase());
    if sender.is_none() {
        return Err(RequestError::Email("no From address".into()));
    }
    let subject = message.subject().map(str::to_owned);
    let forwarding = subject.as_deref().is_some_and(says_forward);
    let html = message.body_html(0).map(|h| h.into_owned());
    // mail-parser renders an HTML-only message as a text body too; that rendering includes
    // hidden elements, so only a real text/plain part is taken as is.
    let real_text_part = matches!(
        message.text_part(0).map(|p| &p.body),
        Some(PartType::Text(_))
    );
    let mut html_quote = None;
    let text = if real_text_part {
        message
            .body_text(0)
            .map(|t| t.into_owned())
            .unwrap_or_default()
    } else if let Some(html) = &html {
        let (own, quote) = split_html_quote(html);
        html_quote = quote.map(|q| reply::strip_headers(&html_visible_text(q)));
        html_visible_text(own)
    } else {
        String::new()
    };
    let mut hidden = html.as_deref().map(html_hidden_text).unwrap_or_default();
    if let (true, Some(html)) = (real_text_part, &html) {
        hidden.extend(only_in_html(&text, html));
    }
    let (body, mut quoted, mut forwarded) = split_reply_as(&text, forwarding);
    if let Some(q) = html_quote.filter(|q| !q.is_empty()) {
        if forwarding {
            forwarded.push(q);
        } else {
            quoted.push(q);
        }
    }
    if body.trim().is_empty() && forwarded.is_empty() {
        return Err(RequestError::Empty);
    }
    Ok(Request {
        channel: Some(Channel::Email),
        sender,
        subject,
        body,
        quoted,
        forwarded,
        hidden,
        thread: message.message_id().map(str::to_owned),
        history: Vec::new(),
    })
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// `Fwd:`, `FW:` and their translations: the message forwards another.
fn says_forward(subject: &str) -> bool {
    let s = subject.trim_start().to_lowercase();
    ["fwd:", "fw:", "wg:", "tr:", "rv:", "i:", "doorst:", "vs:"]
        .iter()
        .any(|p| s.starts_with(p))
}

/// Lines of the HTML part's own (unquoted) text that the text part does not have. A client
/// shows the HTML; we read the text part; what only the HTML says is screened as hidden.
fn only_in_html(text: &str, html: &str) -> Vec<String> {
    let squash = |s: &str| {
        s.split_whitespace()
            .map(|w| w.trim_start_matches('>'))
            .filter(|w| !w.is_empty())
            .collect::<Vec<_>>()
            .join(" ")
            .to_lowercase()
    };
    let plain = squash(text);
    let (own, _) = split_html_quote(html);
    html_visible_text(own)
        .lines()
        .filter(|l| {
            let l = squash(l);
            l.split(' ').count() >= 3 && !plain.contains(l.as_str())
        })
        .map(str::to_owned)
        .collect()
}
