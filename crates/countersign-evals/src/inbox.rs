//! The demo workspace's sample inbox: requests of our own writing against the demo shop
//! (`evals/demo_inbox.jsonl`, a fixed file), embedded in the binary.

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

/// On a demo workspace with no conversations yet, processes the sample inbox so the app opens
/// on a realistic queue. Returns how many requests were ingested.
pub fn seed_demo_inbox(
    desk: &mut countersign_store::Desk,
) -> Result<usize, countersign_store::DeskError> {
    let demo = desk.shop_source()?["kind"] == "demo";
    if !demo || desk.conversation_count()? > 0 {
        return Ok(0);
    }
    let inbox = sample_inbox()
        .map_err(|e| countersign_store::DeskError::Corrupt(format!("sample inbox: {e}")))?;
    let mut n = 0;
    for s in inbox {
        let request = countersign_pipeline::chat::parse(s.channel, s.raw.as_bytes())
            .map_err(|e| countersign_store::DeskError::Corrupt(format!("sample {}: {e}", s.id)))?;
        desk.ingest(&request)?;
        n += 1;
    }
    Ok(n)
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
