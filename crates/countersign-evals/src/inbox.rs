//! The demo workspace's sample inbox: requests of our own writing against the demo shop
//! (`evals/demo_inbox.jsonl`, made by `evals/generate.py`), embedded in the binary.

use countersign_pipeline::Channel;
use serde::Deserialize;

const INBOX: &str = include_str!("../../../evals/demo_inbox.jsonl");

#[derive(Debug, Clone, Deserialize)]
pub struct Sample {
    pub id: String,
    pub channel: Channel,
    /// The raw payload as the channel delivers it (RFC 5322 for email, JSON otherwise).
    pub raw: String,
}

/// The sample inbox, in arrival order.
pub fn sample_inbox() -> Result<Vec<Sample>, serde_json::Error> {
    INBOX
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(serde_json::from_str)
        .collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_inbox_parses_and_is_large_enough() {
        let inbox = super::sample_inbox().unwrap();
        assert!(inbox.len() >= 20);
        for s in inbox {
            countersign_pipeline::chat::parse(s.channel, s.raw.as_bytes()).unwrap();
        }
    }
}
