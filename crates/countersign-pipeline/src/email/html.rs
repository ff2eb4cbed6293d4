//! HTML mail: the text a reader sees, the text the markup hides from them, and where the
//! quoted message begins (Gmail's `gmail_quote`, Apple Mail's `blockquote type=cite`,
//! Outlook's reply header block).

use std::sync::LazyLock;

use regex::Regex;

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
        r#"[;"'\s]color\s*:\s*(?:#fff(?:fff)?|white|transparent)\b"#,
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

/// Text in the HTML that a reader does not see: hidden elements, comments, alt and title text.
pub fn html_hidden_text(html: &str) -> Vec<String> {
    let mut out = html_attribute_text(html);
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

/// Image alt text and link titles: shown by no client in the message body, read by a model.
static ATTRIBUTE_TEXT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"(?is)<[a-z][a-z0-9]*\b[^>]*?\b(?:alt|title)\s*=\s*(?:"([^"]*)"|'([^']*)')"#)
        .expect("static regex compiles")
});

/// Where the quoted message starts in an HTML reply.
static QUOTE_START: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(concat!(
        r#"(?is)<div\b[^>]*\bclass\s*=\s*["']?[^"'>]*\bgmail_quote\b"#,
        r#"|<blockquote\b[^>]*\btype\s*=\s*["']?cite"#,
        r#"|<blockquote\b[^>]*\bclass\s*=\s*["']?[^"'>]*\bgmail_quote\b"#,
        r#"|<div\b[^>]*\bid\s*=\s*["']?(?:divRplyFwdMsg|appendonsend|mail-editor-reference-message-container)\b"#,
        r#"|<div\b[^>]*\bclass\s*=\s*["']?moz-cite-prefix"#,
        r#"|<hr\b[^>]*>\s*<div\b[^>]*\bid\s*=\s*["']?divRplyFwdMsg"#
    ))
    .expect("static regex compiles")
});

/// The HTML before the quoted message, and the quoted message (if any).
pub fn split_html_quote(html: &str) -> (&str, Option<&str>) {
    match QUOTE_START.find(html) {
        Some(m) => (&html[..m.start()], Some(&html[m.start()..])),
        None => (html, None),
    }
}

/// Alt and title attribute text worth reading (longer than a word or two).
pub fn html_attribute_text(html: &str) -> Vec<String> {
    ATTRIBUTE_TEXT
        .captures_iter(html)
        .filter_map(|c| c.get(1).or_else(|| c.get(2)))
        .map(|m| collapse(&decode_entities(m.as_str())))
        .filter(|t| t.split_whitespace().count() >= 3)
        .collect()
}
