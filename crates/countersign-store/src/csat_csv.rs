//! A survey tool's CSAT export, as CSV: a header row naming `score`, and `conversation_id` or
//! `message_id` (or both; a row uses whichever it fills), with an optional `comment`. Other
//! columns are ignored — survey tools export many. Column names are matched without regard
//! to case or surrounding spaces, and a UTF-8 byte-order mark (as spreadsheets write) is
//! skipped.
//!
//! Parsing checks shape only (numbers are numbers, a row names a conversation); the store
//! checks the rest (score 1–5, the conversation exists, no conversation rated twice) when it
//! imports, all or nothing. A row that fills both `conversation_id` and `message_id` is taken
//! by its `conversation_id`.

use crate::csat::{CsatRow, CsatTarget};

/// Why a file is not a CSAT export; `problems` carry line numbers.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum CsatCsvError {
    #[error("the header has no `{0}` column")]
    MissingColumn(&'static str),
    #[error("{}", .0.join("; "))]
    Rows(Vec<String>),
    #[error("line {line}: {message}")]
    Malformed { line: usize, message: String },
}

impl CsatCsvError {
    pub fn code(&self) -> &'static str {
        "invalid_csat"
    }
}

/// Parses the whole file; every row's problem is reported (up to 20), none is skipped.
pub fn parse_csat_csv(text: &str) -> Result<Vec<CsatRow>, CsatCsvError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    // The file's own line numbers, from byte offsets: csv's line count skips blank lines, and
    // a record's position is where reading began, before the blank lines it skipped.
    let line_at = |byte: u64| {
        let bytes = text.as_bytes();
        let mut end = (byte as usize).min(bytes.len());
        while end < bytes.len() && matches!(bytes[end], b'\n' | b'\r') {
            end += 1;
        }
        bytes[..end].iter().filter(|&&b| b == b'\n').count() + 1
    };
    let malformed = |e: csv::Error| CsatCsvError::Malformed {
        line: e.position().map_or(0, |p| line_at(p.byte())),
        message: e.to_string(),
    };
    let header = reader.headers().map_err(malformed)?.clone();
    let column = |name: &str| header.iter().position(|h| h.eq_ignore_ascii_case(name));
    let score_at = column("score").ok_or(CsatCsvError::MissingColumn("score"))?;
    let conversation_at = column("conversation_id");
    let message_at = column("message_id");
    if conversation_at.is_none() && message_at.is_none() {
        return Err(CsatCsvError::MissingColumn(
            "conversation_id` or `message_id",
        ));
    }
    let comment_at = column("comment");

    let mut rows = Vec::new();
    let mut problems = Vec::new();
    for record in reader.records() {
        let record = record.map_err(malformed)?;
        let line = record.position().map_or(0, |p| line_at(p.byte()));
        let field = |at: Option<usize>| at.and_then(|i| record.get(i)).filter(|s| !s.is_empty());
        if record.iter().all(str::is_empty) {
            continue;
        }
        let target = match (field(conversation_at), field(message_at)) {
            (Some(id), _) => match id.parse::<i64>() {
                Ok(id) => Some(CsatTarget::Conversation(id)),
                Err(_) => {
                    problems.push(format!(
                        "line {line}: conversation_id `{id}` is not a number"
                    ));
                    None
                }
            },
            (None, Some(m)) => Some(CsatTarget::MessageId(m.to_owned())),
            (None, None) => {
                problems.push(format!("line {line}: no conversation_id or message_id"));
                None
            }
        };
        let score = match field(Some(score_at)) {
            Some(s) => match s.parse::<i64>() {
                Ok(n) => Some(n),
                Err(_) => {
                    problems.push(format!("line {line}: score `{s}` is not a whole number"));
                    None
                }
            },
            None => {
                problems.push(format!("line {line}: no score"));
                None
            }
        };
        if let (Some(target), Some(score)) = (target, score) {
            rows.push(CsatRow {
                line,
                target,
                score,
                comment: field(comment_at).map(str::to_owned),
            });
        }
    }
    if problems.is_empty() {
        Ok(rows)
    } else {
        // Every problem counted, the first 20 named: a file broken throughout says so briefly.
        let more = problems.len().saturating_sub(20);
        problems.truncate(20);
        if more > 0 {
            problems.push(format!("and {more} more"));
        }
        Err(CsatCsvError::Rows(problems))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn a_survey_export_with_extra_columns_and_both_kinds_of_target() {
        let text = "\u{feff}Respondent, Score ,Conversation_ID,message_id,Comment,Submitted\n\
                    r1,5,12,,\"Fast, friendly\",2026-11-02\n\
                    r2,2,,<abc@mail.example>,,2026-11-02\n\
                    \n\
                    r3,3,7,<ignored@x>,,\n";
        let rows = parse_csat_csv(text).unwrap();
        assert_eq!(
            rows,
            vec![
                CsatRow {
                    line: 2,
                    target: CsatTarget::Conversation(12),
                    score: 5,
                    comment: Some("Fast, friendly".into())
                },
                CsatRow {
                    line: 3,
                    target: CsatTarget::MessageId("<abc@mail.example>".into()),
                    score: 2,
                    comment: None
                },
                CsatRow {
                    line: 5,
                    target: CsatTarget::Conversation(7),
                    score: 3,
                    comment: None
                },
            ]
        );
    }

    #[test]
    fn every_bad_row_is_named_and_a_missing_column_is_refused() {
        let err = parse_csat_csv("conversation_id,score\nx,5\n3,\n4,four\n,2\n").unwrap_err();
        let CsatCsvError::Rows(problems) = &err else {
            panic!("{err:?}")
        };
        assert_eq!(problems.len(), 4, "{problems:?}");
        assert!(problems[0].starts_with("line 2"));
        assert!(problems[3].starts_with("line 5"));
        assert_eq!(
            parse_csat_csv("conversation_id,rating\n1,5\n").unwrap_err(),
            CsatCsvError::MissingColumn("score")
        );
        assert!(matches!(
            parse_csat_csv("id,score\n1,5\n").unwrap_err(),
            CsatCsvError::MissingColumn(_)
        ));
        assert_eq!(parse_csat_csv("").unwrap_err().code(), "invalid_csat");
    }

    proptest! {
        // Whatever bytes arrive, the parser answers with rows or a typed error.
        #[test]
        fn never_panics(text in "\\PC{0,300}") {
            let _ = parse_csat_csv(&text);
            let _ = parse_csat_csv(&format!("conversation_id,score,comment\n{text}"));
        }
    }
}
