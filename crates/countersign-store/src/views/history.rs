//! The supervisor's history: every decision with the proposal it decided (the shop's and the
//! team systems' alike), filtered by person, action, outcome and dates, and searchable over the audit log's full-text index. One query
//! per call (decisions joined with their proposals), every filter inside it: what comes back is
//! exactly what matches, never the matching part of an arbitrary first batch.

use countersign_core::ProposalState;
use countersign_shop::ToolName;
use rusqlite::Row;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::Views;
use crate::error::{corrupt, DeskError};
use crate::external_calls::ExternalOutcome;
use crate::proposals::{self, Decision};
use countersign_core::DecisionKind;

/// Kinds of decision, as recorded (the `decisions.kind` column accepts exactly these): the
/// stored forms of [`DecisionKind::ALL`], for the UI's filter.
pub const DECISION_KINDS: [&str; 6] = {
    let mut out = [""; 6];
    let mut i = 0;
    while i < 6 {
        out[i] = DecisionKind::ALL[i].as_str();
        i += 1;
    }
    out
};

#[derive(Clone, Debug, Default, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct HistoryFilter {
    #[serde(default)]
    pub actor: Option<String>,
    #[serde(default)]
    pub tool: Option<ToolName>,
    /// Calls to one of the team's systems: `<server>/<tool>`, or `<server>` for any of its
    /// tools.
    #[serde(default)]
    pub external: Option<String>,
    #[serde(default)]
    pub kind: Option<DecisionKind>,
    #[serde(default)]
    pub from_ms: Option<i64>,
    #[serde(default)]
    pub to_ms: Option<i64>,
    /// Full-text search over the audit log (FTS5): words, all must match.
    #[serde(default)]
    pub text: Option<String>,
    /// At most this many entries, newest first; none: every match.
    #[serde(default)]
    pub limit: Option<u32>,
}

/// One decision, for the supervisor's history.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct HistoryEntry {
    #[serde(flatten)]
    pub decision: Decision,
    /// The action: a shop tool's name, or `<server>/<tool>` for a call to one of the team's
    /// systems (as eval cases name it).
    pub tool: String,
    /// For a call to one of the team's systems: what came of it (`awaiting` when it was
    /// never sent, as after a rejection).
    pub external_outcome: Option<ExternalOutcome>,
    pub customer_id: String,
    pub conversation_id: i64,
    pub summary: String,
    /// The arguments the decision was about: what ran, for an approval; as proposed, for any
    /// other decision (an escalation before an edited approval saw the original). The evidence.
    pub args: Value,
    /// The proposal's state now.
    pub state: ProposalState,
}

/// A page of history: the newest `limit` matching entries, and whether more match.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct HistoryPage {
    pub entries: Vec<HistoryEntry>,
    /// More entries match than the limit let through: narrow the filters or export them all.
    pub more: bool,
}

// The arguments the decision saw. An approval with an edit rewrites the proposal's arguments to
// what ran (the shop's executed edit, an external call's bytes sent), so every other decision —
// an escalation before it, a refused attempt — reads them from the proposal's `proposal.created`
// record; an approval reads what ran (its edit is `edited_args` too).
macro_rules! decided_args {
    () => {
        "CASE WHEN d.kind = 'approved' THEN p.args
              ELSE coalesce((SELECT json_extract(a.payload, '$.args') FROM audit_log a
                             WHERE a.subject = 'proposal:' || p.id AND a.kind = 'proposal.created'),
                            p.args) END"
    };
}

// The decision's columns first (as `proposals::decision_from_row` reads them), then what the
// history shows of its proposal. Parameters: ?1 actor, ?2 tool, ?3 kind, ?4 from, ?5 to,
// ?8 a team system's server or `server/tool` (each NULL when not filtered), ?6 now (for the
// state as of now), ?7 row limit (-1: none), ?9 the full-text query.
// Two steps in one statement: pick the page's decision ids (touching only decisions, and
// proposals when filtering by tool; sorting only ids and times, however many match), then read
// the page's rows.
macro_rules! history_sql {
    ($($extra:literal)?) => {
        concat!(
            "WITH page AS (
                 SELECT d.id FROM decisions d
                 WHERE (?1 IS NULL OR d.actor = ?1)
                   AND (?2 IS NULL OR EXISTS (SELECT 1 FROM proposals p WHERE p.id = d.proposal_id AND p.tool = ?2))
                   AND (?3 IS NULL OR d.kind = ?3)
                   AND (?4 IS NULL OR d.at >= ?4) AND (?5 IS NULL OR d.at < ?5)
                   AND (?8 IS NULL OR EXISTS (SELECT 1 FROM external_calls e WHERE e.proposal_id = d.proposal_id
                                              AND (e.server = ?8 OR e.server || '/' || e.tool = ?8))) ",
            $($extra,)?
            "    ORDER BY d.at DESC, d.id DESC LIMIT ?7)
             SELECT d.id, d.proposal_id, d.kind, d.actor, d.role, d.at, d.reason, d.edited_args,
                    p.tool, p.customer_id, p.conversation_id, json_extract(p.preview, '$.summary'), ",
            decided_args!(),
            ",
                    CASE WHEN p.state IN ('pending', 'escalated') AND p.expires_at <= ?6
                         THEN 'expired' ELSE p.state END,
                    e.server, e.tool, e.outcome
             FROM page JOIN decisions d ON d.id = page.id JOIN proposals p ON p.id = d.proposal_id
                  LEFT JOIN external_calls e ON e.proposal_id = d.proposal_id
             ORDER BY d.at DESC, d.id DESC"
        )
    };
}

const FILTERED: &str = history_sql!();
// The search's matches are audit records; a decision matches when any record about its
// proposal (subject `proposal:<id>`) does. FTS5 hands over every matching rowid (no cap); as
// a set of proposal ids it lets SQLite look their decisions up by index rather than walk
// every decision, which keeps a rare word as fast as a common one.
const SEARCHED: &str = history_sql!(
    "AND d.proposal_id IN (
         SELECT CAST(substr(a.subject, 10) AS INTEGER)
         FROM audit_fts JOIN audit_log a ON a.seq = audit_fts.rowid
         WHERE audit_fts MATCH ?9 AND a.subject GLOB 'proposal:*')"
);
const ALL_OLDEST_FIRST: &str = concat!(
    "SELECT d.id, d.proposal_id, d.kind, d.actor, d.role, d.at, d.reason, d.edited_args,
            p.tool, p.customer_id, p.conversation_id, json_extract(p.preview, '$.summary'), ",
    decided_args!(),
    ",
            CASE WHEN p.state IN ('pending', 'escalated') AND p.expires_at <= ?1
                 THEN 'expired' ELSE p.state END,
            e.server, e.tool, e.outcome
     FROM decisions d JOIN proposals p ON p.id = d.proposal_id
          LEFT JOIN external_calls e ON e.proposal_id = d.proposal_id
     ORDER BY d.at, d.id"
);

/// Words of a search, quoted so the text is never FTS query syntax.
pub(crate) fn fts_query(text: &str) -> Option<String> {
    let words: Vec<String> = text
        .split(|c: char| !c.is_alphanumeric() && c != '_' && c != '#')
        .map(|w| w.trim_matches('#'))
        .filter(|w| !w.is_empty())
        .map(|w| format!("\"{}\"", w.to_lowercase()))
        .collect();
    (!words.is_empty()).then(|| words.join(" AND "))
}

fn entry_from_row(r: &Row<'_>) -> Result<Result<HistoryEntry, DeskError>, rusqlite::Error> {
    let decision = proposals::decision_from_row(r)?;
    let tool: String = r.get(8)?;
    let summary: Option<String> = r.get(11)?;
    let args: String = r.get(12)?;
    let state: String = r.get(13)?;
    let (customer_id, conversation_id) = (r.get(9)?, r.get(10)?);
    let external: Option<(String, String, String)> = match r.get::<_, Option<String>>(14)? {
        Some(server) => Some((server, r.get(15)?, r.get(16)?)),
        None => None,
    };
    let proposal_id = decision.proposal_id;
    let what = || format!("proposal {proposal_id}");
    Ok((|| {
        let (tool, external_outcome) = match external {
            Some((server, tool, outcome)) => (
                format!("{server}/{tool}"),
                Some(ExternalOutcome::parse(&outcome).ok_or_else(|| corrupt(what(), &outcome))?),
            ),
            // A shop tool's name, checked: the column is free text.
            None => (
                tool.parse::<ToolName>()
                    .map_err(|e| corrupt(what(), e))?
                    .as_str()
                    .to_owned(),
                None,
            ),
        };
        Ok(HistoryEntry {
            tool,
            external_outcome,
            customer_id,
            conversation_id,
            summary: summary.unwrap_or_default(),
            args: serde_json::from_str(&args).map_err(|e| corrupt(what(), e))?,
            state: ProposalState::parse(&state).ok_or_else(|| corrupt(what(), &state))?,
            decision,
        })
    })())
}

fn collect(
    rows: impl Iterator<Item = Result<Result<HistoryEntry, DeskError>, rusqlite::Error>>,
) -> Result<Vec<HistoryEntry>, DeskError> {
    let mut out = Vec::new();
    for row in rows {
        out.push(row??);
    }
    Ok(out)
}

impl Views<'_> {
    /// Decisions matching `filter`, newest first: at most `filter.limit`, and whether more match.
    pub fn history(&self, filter: &HistoryFilter) -> Result<HistoryPage, DeskError> {
        // One row past the limit tells whether more match.
        let limit = filter.limit.map_or(-1, |n| i64::from(n) + 1);
        let params = (
            filter.actor.as_deref(),
            filter.tool.map(ToolName::as_str),
            filter.kind.map(DecisionKind::as_str),
            filter.from_ms,
            filter.to_ms,
            self.now_ms,
            limit,
            filter.external.as_deref(),
        );
        let mut entries = match filter.text.as_deref().and_then(fts_query) {
            None => {
                let mut stmt = self.conn.prepare_cached(FILTERED)?;
                let rows = stmt.query_map(params, entry_from_row)?;
                collect(rows)?
            }
            Some(q) => {
                let (a, t, k, f, to, now, l, e) = params;
                let mut stmt = self.conn.prepare_cached(SEARCHED)?;
                let rows = stmt.query_map((a, t, k, f, to, now, l, e, q), entry_from_row)?;
                collect(rows)?
            }
        };
        let more = filter.limit.is_some_and(|n| entries.len() > n as usize);
        if let Some(n) = filter.limit {
            entries.truncate(n as usize);
        }
        Ok(HistoryPage { entries, more })
    }

    /// Every decision, oldest first, with the proposal it was about.
    pub fn history_all(&self) -> Result<Vec<HistoryEntry>, DeskError> {
        let mut stmt = self.conn.prepare_cached(ALL_OLDEST_FIRST)?;
        let rows = stmt.query_map([self.now_ms], entry_from_row)?;
        collect(rows)
    }
}
