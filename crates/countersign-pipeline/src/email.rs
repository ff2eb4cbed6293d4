//! Email (RFC 5322 / MIME) → [`Request`], through mail-parser.
//!
//! The plain-text part is preferred; if there is only HTML, its visible text is used. Text the
//! HTML hides from a reader is extracted separately. Quoted replies (`>` lines and the
//! "On … wrote:" block after them) and forwarded messages are split off the new text.

use std::sync::LazyLock;

use mail_parser::{MessageParser, PartType};
use regex::Regex;

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
    let html = message.body_html(0).map(|h| h.into_owned());
    let mut hidden = Vec::new();
    // mail-parser renders an HTML-only message as a text body too; that rendering includes
    // hidden elements, so only a real text/plain part is taken as is.
    let real_text_part = matches!(
        message.text_part(0).map(|p| &p.body),
        Some(PartType::Text(_))
    );
    let text = if real_text_part {
        message
            .body_text(0)
            .map(|t| t.into_owned())
            .unwrap_or_default()
    } else if let Some(html) = &html {
        html_visible_text(html)
    } else {
        String::new()
    };
    if let Some(html) = &html {
        hidden = html_hidden_text(html);
    }
    let (body, quoted, forwarded) = split_reply(&text);
    if body.trim().is_empty() && forwarded.is_empty() {
        return Err(RequestError::Empty);
    }
    Ok(Request {
        channel: Some(Channel::Email),
        sender,
        subject: message.subject().map(str::to_owned),
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

static FORWARD: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?im)^\s*(-{2,}\s*forwarded message\s*-{2,}|begin forwarded message:|-{2,}\s*original message\s*-{2,})\s*$")
        .expect("static regex compiles")
});
static ON_WROTE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?i)^\s*on .{3,200} wrote:\s*$").expect("static regex compiles"));

/// Splits text into (new text, quoted blocks, forwarded parts).
pub fn split_reply(text: &str) -> (String, Vec<String>, Vec<String>) {
    let (own, forwarded) = match FORWARD.find(text) {
        Some(m) => (&text[..m.start()], vec![text[m.end()..].trim().to_owned()]),
        None => (text, Vec::new()),
    };
    let mut body = Vec::new();
    let mut quoted = Vec::new();
    let mut current = Vec::new();
    let lines: Vec<&str> = own.lines().collect();
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i];
        if line.trim_start().starts_with('>') {
            current.push(line.trim_start().trim_start_matches('>').trim_start());
        } else if ON_WROTE.is_match(line)
            && lines[i + 1..]
                .iter()
                .find(|l| !l.trim().is_empty())
                .is_some_and(|l| l.trim_start().starts_with('>'))
        {
            // The attribution line belongs to the quote below it.
        } else {
            if !current.is_empty() {
                quoted.push(current.join("\n"));
                current.clear();
            }
            body.push(line);
        }
        i += 1;
    }
    if !current.is_empty() {
        quoted.push(current.join("\n"));
    }
    let forwarded = forwarded.into_iter().filter(|f| !f.is_empty()).collect();
    (body.join("\n").trim().to_owned(), quoted, forwarded)
}

static TAG: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?s)<[^>]*>").expect("static regex compiles"));
static SCRIPT_STYLE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?is)<(script|style|head|title)\b[^>]*>.*?</(script|style|head|title)\s*>")
        .expect("static regex compiles")
});
/// An element whose inline style or attributes hide it, and its content up to the matching
/// close tag of the same name (no nesting of the same tag inside, which covers real mail).
static HIDDEN_ELEMENT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(concat!(
        r#"(?is)<(?P<tag>[a-z][a-z0-9]*)\b(?P<attrs>[^>]*?(?:"#,
        r#"display\s*:\s*none|visibility\s*:\s*hidden|font-size\s*:\s*0(?:\.0+)?(?:px|pt|em|%)?\s*[;"']|"#,
        r#"opacity\s*:\s*0(?:\.0+)?\s*[;"']|max-height\s*:\s*0|\bhidden\b(?:\s*=\s*["']?hidden)?|"#,
        r#"color\s*:\s*(?:#fff(?:fff)?|white|transparent)\b"#,
        r#")[^>]*)>(?P<inner>.*?)</(?P<close>[a-z][a-z0-9]*)\s*>"#
    ))
    .expect("static regex compiles")
});
static COMMENT: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?s)<!--(.*?)-->").expect("static regex compiles"));

fn decode_entities(s: &str) -> String {
    s.replace("&nbsp;", " ")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
}

fn collapse(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The text a reader sees.
pub fn html_visible_text(html: &str) -> String {
    let html = SCRIPT_STYLE.replace_all(html, " ");
    let html = COMMENT.replace_all(&html, " ");
    let html = HIDDEN_ELEMENT.replace_all(&html, " ");
    static BREAK: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"(?i)<\s*(br|/p|/div|/li|/tr|/h[1-6])\b[^>]*>").expect("static regex compiles")
    });
    let with_breaks = BREAK.replace_all(&html, "\n").into_owned();
    let text = TAG.replace_all(&with_breaks, " ");
    decode_entities(&text)
        .lines()
        .map(collapse)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join("\n")
}

/// Text in the HTML that a reader does not see: hidden elements and comments.
pub fn html_hidden_text(html: &str) -> Vec<String> {
    let mut out = Vec::new();
    for c in HIDDEN_ELEMENT.captures_iter(html) {
        let inner = TAG.replace_all(&c["inner"], " ");
        let text = collapse(&decode_entities(&inner));
        if !text.is_empty() {
            out.push(text);
        }
    }
    for c in COMMENT.captures_iter(html) {
        let text = collapse(&c[1]);
        if text.len() > 3 {
            out.push(text);
        }
    }
    out
}
