//! The knowledge base in SQLite FTS5: the articles drafts cite.

use countersign_pipeline::kb::{KnowledgeBase, ARTICLES};
use rusqlite::Connection;

use crate::error::DeskError;

pub(crate) const SCHEMA_V2: &str = "
CREATE VIRTUAL TABLE kb_articles USING fts5 (id UNINDEXED, title, body, tokenize = 'porter unicode61');
";

pub(crate) fn seed(conn: &Connection) -> Result<(), DeskError> {
    let n: i64 = conn.query_row("SELECT count(*) FROM kb_articles", [], |r| r.get(0))?;
    if n == 0 {
        let mut stmt =
            conn.prepare("INSERT INTO kb_articles (id, title, body) VALUES (?1, ?2, ?3)")?;
        for a in ARTICLES {
            stmt.execute((a.id, a.title, a.body))?;
        }
    }
    Ok(())
}

/// Words every support question has; matching on them ranks articles by noise.
const STOPWORDS: &[&str] = &[
    "the", "and", "for", "you", "your", "can", "how", "does", "what", "when", "with", "that",
    "this", "have", "are", "long", "take", "there", "from", "order", "orders", "item", "items",
    "offer", "possible", "want", "would", "like", "please", "help", "could", "should", "about",
    "will", "get", "any", "all", "our", "its",
];

#[derive(Debug)]
pub struct SqlKnowledgeBase<'c>(pub &'c Connection);

impl KnowledgeBase for SqlKnowledgeBase<'_> {
    fn search(&self, query: &str, limit: usize) -> Vec<String> {
        // Words only: the customer's text must never be read as FTS query syntax.
        let words: Vec<String> = query
            .split(|c: char| !c.is_alphanumeric())
            .filter(|w| w.len() >= 3 && !STOPWORDS.contains(&w.to_lowercase().as_str()))
            .map(|w| format!("\"{}\"", w.to_lowercase()))
            .collect();
        if words.is_empty() {
            return Vec::new();
        }
        let sql = "SELECT id FROM kb_articles WHERE kb_articles MATCH ?1 ORDER BY bm25(kb_articles, 0.0, 4.0, 1.0) LIMIT ?2";
        let result = self.0.prepare(sql).and_then(|mut stmt| {
            let rows = stmt.query_map((words.join(" OR "), limit as i64), |r| {
                r.get::<_, String>(0)
            })?;
            rows.collect::<Result<Vec<_>, _>>()
        });
        match result {
            Ok(ids) => ids,
            Err(e) => {
                tracing::warn!(error = %e, "knowledge base search failed");
                Vec::new()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_article_for_a_question_and_ignores_query_syntax() {
        let dir = tempfile::tempdir().unwrap();
        let conn = crate::db::open(&dir.path().join("t.db")).unwrap();
        seed(&conn).unwrap();
        let kb = SqlKnowledgeBase(&conn);
        assert_eq!(
            kb.search("what is your return policy for delivered items?", 1),
            ["kb-returns"]
        );
        assert_eq!(
            kb.search("tracking number for my parcel", 1),
            ["kb-shipping"]
        );
        // Query syntax in the customer's text is treated as words, not operators.
        assert_eq!(kb.search("\" OR returning NEAR(", 1), ["kb-returns"]);
        assert!(kb.search("", 3).is_empty());
    }
}
