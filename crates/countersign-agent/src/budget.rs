//! Keeping a long thread within the model's token budget. A long mail thread is summarised
//! before the first call, and older tool results are shortened as the loop grows; the
//! customer's new words are kept whole unless they alone exceed the budget.
//!
//! The summary is extractive and deterministic: the lines that carry facts (order ids, amounts,
//! dates, the words of a request) are kept, the rest is counted and dropped. A model-written
//! summary would cost a call per thread and could itself be talked into things.

use std::sync::LazyLock;

use countersign_llm::Message;
use countersign_pipeline::Request;
use regex::Regex;

use crate::fence::fence;

/// Tokens, estimated at four bytes each (what providers' tokenisers average on English mail).
pub fn estimate_tokens(s: &str) -> usize {
    s.len().div_ceil(4)
}

#[allow(clippy::expect_used)]
static FACTUAL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)#?W\d{7}|\$\s?\d|\b\d{1,2}/\d{1,2}\b|\b(19|20)\d\d\b|\b(cancel|return|exchange|refund|address|payment|deliver|order|size|colou?r)\w*\b")
        .expect("static regex compiles")
});

/// Cuts `text` to at most `max_bytes` on a char boundary, saying how much was left out.
fn cut(text: &str, max_bytes: usize) -> String {
    if text.len() <= max_bytes {
        return text.to_owned();
    }
    let mut end = max_bytes;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!(
        "{}\n[… {} more characters not shown]",
        &text[..end],
        text.len() - end
    )
}

/// The lines of `text` that carry facts, within `max_bytes`.
pub fn summarise(text: &str, max_bytes: usize) -> String {
    let lines: Vec<&str> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    let mut out = String::new();
    let mut dropped = 0usize;
    for line in &lines {
        if FACTUAL.is_match(line) && out.len() + line.len() < max_bytes {
            out.push_str(line);
            out.push('\n');
        } else {
            dropped += 1;
        }
    }
    if dropped > 0 {
        out.push_str(&format!("[summary: {dropped} other lines left out]"));
    }
    out
}

/// The request as the model reads it, fenced as data, within `budget_tokens`.
pub fn conversation(request: &Request, budget_tokens: usize) -> String {
    let budget = budget_tokens * 4;
    let mut out = String::new();
    if let Some(subject) = &request.subject {
        out.push_str(&fence("subject", &cut(subject, 400)));
        out.push('\n');
    }
    out.push_str(&fence("customer_message", &cut(&request.body, budget / 2)));
    let earlier: Vec<(&str, &String)> = request
        .quoted
        .iter()
        .map(|q| ("quoted_mail", q))
        .chain(request.forwarded.iter().map(|f| ("forwarded_mail", f)))
        .collect();
    let mut left = budget.saturating_sub(out.len());
    for (kind, text) in earlier {
        if left < 200 {
            out.push_str("\n[earlier mail in the thread left out: over the token budget]");
            break;
        }
        let shown = if text.len() + 64 <= left {
            text.clone()
        } else {
            summarise(text, left / 2)
        };
        let fenced = fence(kind, &shown);
        left = left.saturating_sub(fenced.len());
        out.push('\n');
        out.push_str(&fenced);
    }
    out
}

/// Shortens the oldest tool results until the messages fit `budget_tokens`; returns how many
/// it shortened. The latest turn is never touched: the model is working on it.
pub fn compact(messages: &mut [Message], budget_tokens: usize) -> usize {
    let size = |m: &[Message]| -> usize {
        m.iter()
            .map(|m| match m {
                Message::User(t) => estimate_tokens(t),
                Message::Assistant { text, calls } => {
                    text.as_deref().map_or(0, estimate_tokens) + calls.len() * 30
                }
                Message::ToolResults(r) => r.iter().map(|r| estimate_tokens(&r.content)).sum(),
            })
            .sum()
    };
    let mut shortened = 0;
    let last = messages.len().saturating_sub(1);
    for i in 0..last {
        if size(messages) <= budget_tokens {
            break;
        }
        if let Message::ToolResults(results) = &mut messages[i] {
            for r in results.iter_mut() {
                if r.content.len() > 600 {
                    r.content = format!(
                        "{} [… shortened to stay within the token budget; call the tool again for the rest]",
                        cut(&r.content, 400)
                    );
                    shortened += 1;
                }
            }
        }
    }
    shortened
}

#[cfg(test)]
mod tests {
    use super::*;
    use countersign_llm::ToolResult;

    #[test]
    fn a_long_thread_fits_and_keeps_its_facts() {
        let filler = "Thanks for your message, we value your business.\n".repeat(400);
        let request = Request {
            body: "Please cancel #W1234567, I ordered it by mistake.".into(),
            quoted: vec![format!(
                "{filler}On 3/14 you charged me $54.04 for order #W7654321.\n{filler}"
            )],
            ..Request::default()
        };
        let text = conversation(&request, 1_000);
        assert!(
            estimate_tokens(&text) <= 1_100,
            "{}",
            estimate_tokens(&text)
        );
        assert!(text.contains("Please cancel #W1234567"));
        assert!(text.contains("$54.04 for order #W7654321"));
        assert!(text.contains("[summary:"));
    }

    #[test]
    fn a_short_thread_is_kept_whole() {
        let request = Request {
            body: "Where is my order?".into(),
            quoted: vec!["Your order shipped.".into()],
            ..Request::default()
        };
        let text = conversation(&request, 1_000);
        assert!(text.contains("Your order shipped."));
        assert!(!text.contains("summary"));
    }

    #[test]
    fn compaction_shortens_old_results_only() {
        let big = "x".repeat(8_000);
        let result = |id: &str| {
            Message::ToolResults(vec![ToolResult {
                call_id: id.into(),
                content: big.clone(),
                is_error: false,
            }])
        };
        let mut messages = vec![Message::User("hi".into()), result("1"), result("2")];
        assert_eq!(compact(&mut messages, 2_500), 1);
        let Message::ToolResults(r) = &messages[2] else {
            panic!("shape")
        };
        assert_eq!(r[0].content.len(), 8_000);
    }
}
