//! Read models for the desktop app and the CLI: a conversation with everything a reviewer
//! needs, the filtered queue, filtered and searchable history, exports and daily metrics.

use std::collections::{BTreeMap, BTreeSet};

use countersign_core::{DecisionKind, ProposalState};
use countersign_pipeline::{GuardReport, Handoff, Request, TraceStep};
use countersign_shop::{Side, ToolName, ToolSchemas};
use rusqlite::OptionalExtension;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::desk::{Desk, HistoryEntry};
use crate::error::{corrupt, DeskError};
use crate::ingest::TraceRecord;
use crate::proposals::{self, Decision, Proposal};
use crate::trace_steps;

/// A proposal as the review screen shows it: with its form schema and decisions.
#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ProposalView {
    pub proposal: Proposal,
    /// JSON schema of the tool's arguments: the UI builds the edit form from it.
    pub args_schema: Value,
    pub decisions: Vec<Decision>,
}

#[derive(Clone, Debug, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ConversationView {
    pub id: i64,
    pub customer_id: String,
    pub channel: String,
    pub created_at_ms: i64,
    pub request: Option<Request>,
    pub guard: Option<GuardReport>,
    pub intent: Option<String>,
    pub outcome: Option<String>,
    pub reply: Option<String>,
    pub handoff: Option<Handoff>,
    pub citations: Vec<String>,
    pub steps: Vec<TraceStep>,
    pub proposals: Vec<ProposalView>,
    pub trace: TraceRecord,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct QueueFilter {
    /// `pending` or `escalated`; none: both.
    #[serde(default)]
    pub state: Option<ProposalState>,
    #[serde(default)]
    pub tool: Option<ToolName>,
    /// Case-insensitive text in the customer id or the summary.
    #[serde(default)]
    pub text: Option<String>,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct HistoryFilter {
    #[serde(default)]
    pub actor: Option<String>,
    #[serde(default)]
    pub tool: Option<ToolName>,
    #[serde(default)]
    pub kind: Option<DecisionKind>,
    #[serde(default)]
    pub from_ms: Option<i64>,
    #[serde(default)]
    pub to_ms: Option<i64>,
    /// Full-text search over the audit log (FTS5): words, all must match.
    #[serde(default)]
    pub text: Option<String>,
    #[serde(default)]
    pub limit: Option<u32>,
}

/// One day of activity, for the metrics charts.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct DailyMetrics {
    /// `YYYY-MM-DD`, UTC.
    pub day: String,
    pub conversations: i64,
    pub approvals: i64,
    pub edits: i64,
    pub rejections: i64,
    pub escalations: i64,
    pub blocks: i64,
    pub flags: i64,
    pub steps_mean: f64,
    pub cost_usd_mean: f64,
}

fn parse_opt<T: serde::de::DeserializeOwned>(
    text: Option<String>,
    what: &str,
) -> Result<Option<T>, DeskError> {
    text.map(|t| serde_json::from_str(&t).map_err(|e| corrupt(what, e)))
        .transpose()
}

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

impl Desk {
    pub fn conversation(&self, id: i64) -> Result<ConversationView, DeskError> {
        type Row = (
            String,
            String,
            i64,
            Option<String>,
            Option<String>,
            Option<String>,
            Option<String>,
            Option<String>,
            Option<String>,
            Option<String>,
        );
        let row: Option<Row> = self
            .conn
            .query_row(
                "SELECT customer_id, channel, created_at, request, guard, intent, outcome, reply, handoff, citations FROM conversations WHERE id = ?1",
                [id],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?, r.get(7)?, r.get(8)?, r.get(9)?)),
            )
            .optional()?;
        let (
            customer_id,
            channel,
            created_at_ms,
            request,
            guard,
            intent,
            outcome,
            reply,
            handoff,
            citations,
        ) = row.ok_or_else(|| DeskError::NotFound(format!("conversation {id}")))?;
        let steps = trace_steps::list(&self.conn, id)?;
        let mut views = Vec::new();
        for proposal in proposals::list(
            &self.conn,
            &format!("WHERE conversation_id = {id} ORDER BY id"),
        )? {
            views.push(self.proposal_view(proposal)?);
        }
        Ok(ConversationView {
            id,
            customer_id,
            channel,
            created_at_ms,
            request: parse_opt(request, "conversation request")?,
            guard: parse_opt(guard, "conversation guard")?,
            intent,
            outcome,
            reply,
            handoff: parse_opt(handoff, "conversation handoff")?,
            citations: parse_opt(citations, "conversation citations")?.unwrap_or_default(),
            steps,
            proposals: views,
            trace: self.trace_record(id)?,
        })
    }

    fn proposal_view(&self, proposal: Proposal) -> Result<ProposalView, DeskError> {
        let id = proposal.id;
        Ok(ProposalView {
            args_schema: ToolSchemas::global()
                .schema(proposal.tool, Side::Input)
                .clone(),
            decisions: proposals::decisions(
                &self.conn,
                "WHERE proposal_id = ?1 ORDER BY id",
                &[&id],
            )?,
            proposal,
        })
    }

    /// The open queue, filtered.
    pub fn queue_filtered(&mut self, filter: &QueueFilter) -> Result<Vec<Proposal>, DeskError> {
        let text = filter
            .text
            .as_deref()
            .map(str::to_lowercase)
            .filter(|t| !t.trim().is_empty());
        Ok(self
            .queue()?
            .into_iter()
            .filter(|p| filter.state.is_none_or(|s| p.state == s))
            .filter(|p| filter.tool.is_none_or(|t| p.tool == t))
            .filter(|p| {
                text.as_deref().is_none_or(|t| {
                    p.customer_id.to_lowercase().contains(t)
                        || p.preview.summary.to_lowercase().contains(t)
                })
            })
            .collect())
    }

    /// How many proposals are in each state.
    pub fn state_counts(&self) -> Result<BTreeMap<String, i64>, DeskError> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT state, count(*) FROM proposals GROUP BY state")?;
        let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))?;
        let mut out: BTreeMap<String, i64> = ProposalState::ALL
            .iter()
            .map(|s| (s.as_str().to_owned(), 0))
            .collect();
        for row in rows {
            let (state, n) = row?;
            out.insert(state, n);
        }
        Ok(out)
    }

    /// Decisions, newest first, filtered; `text` searches the audit log's full-text index.
    pub fn history_filtered(&self, filter: &HistoryFilter) -> Result<Vec<HistoryEntry>, DeskError> {
        let limit = filter.limit.unwrap_or(500).min(10_000) as i64;
        let matching: Option<BTreeSet<i64>> = match filter.text.as_deref().and_then(fts_query) {
            None => None,
            Some(q) => {
                // Newest matches first, straight from the index (FTS5 walks rowids backwards
                // without sorting), then their subjects.
                let mut stmt = self.conn.prepare_cached(
                    "SELECT DISTINCT a.subject FROM (
                         SELECT rowid FROM audit_fts WHERE audit_fts MATCH ?1 ORDER BY rowid DESC LIMIT 5000
                     ) m JOIN audit_log a ON a.seq = m.rowid",
                )?;
                let subjects = stmt.query_map([q], |r| r.get::<_, String>(0))?;
                let mut ids = BTreeSet::new();
                for s in subjects {
                    if let Some(id) = s?.strip_prefix("proposal:").and_then(|n| n.parse().ok()) {
                        ids.insert(id);
                    }
                }
                Some(ids)
            }
        };
        let mut sql = String::from(
            "SELECT d.id, d.proposal_id, d.kind, d.actor, d.role, d.at, d.reason, d.edited_args
             FROM decisions d JOIN proposals p ON p.id = d.proposal_id WHERE 1 = 1",
        );
        let mut params: Vec<Box<dyn rusqlite::ToSql>> = Vec::new();
        if let Some(actor) = &filter.actor {
            params.push(Box::new(actor.clone()));
            sql.push_str(&format!(" AND d.actor = ?{}", params.len()));
        }
        if let Some(tool) = filter.tool {
            params.push(Box::new(tool.as_str()));
            sql.push_str(&format!(" AND p.tool = ?{}", params.len()));
        }
        if let Some(kind) = filter.kind {
            params.push(Box::new(kind.as_str()));
            sql.push_str(&format!(" AND d.kind = ?{}", params.len()));
        }
        if let Some(from) = filter.from_ms {
            params.push(Box::new(from));
            sql.push_str(&format!(" AND d.at >= ?{}", params.len()));
        }
        if let Some(to) = filter.to_ms {
            params.push(Box::new(to));
            sql.push_str(&format!(" AND d.at < ?{}", params.len()));
        }
        if let Some(ids) = &matching {
            let list: Vec<String> = ids.iter().map(i64::to_string).collect();
            sql.push_str(&format!(
                " AND d.proposal_id IN ({})",
                if list.is_empty() {
                    "NULL".into()
                } else {
                    list.join(",")
                }
            ));
        }
        sql.push_str(&format!(" ORDER BY d.at DESC, d.id DESC LIMIT {limit}"));
        let decisions = {
            let mut stmt = self.conn.prepare(&sql)?;
            let refs: Vec<&dyn rusqlite::ToSql> = params.iter().map(|p| p.as_ref()).collect();
            let rows = stmt.query_map(refs.as_slice(), proposals::decision_from_row)?;
            rows.collect::<Result<Vec<_>, _>>()?
        };
        self.history_entries(decisions)
    }

    /// The filtered history as CSV or JSON Lines.
    pub fn export_history(
        &self,
        filter: &HistoryFilter,
        format: ExportFormat,
    ) -> Result<String, DeskError> {
        let entries = self.history_filtered(&HistoryFilter {
            limit: Some(10_000),
            ..filter.clone()
        })?;
        match format {
            ExportFormat::Jsonl => {
                let mut out = String::new();
                for e in &entries {
                    out.push_str(&serde_json::to_string(e).map_err(|e| corrupt("history", e))?);
                    out.push('\n');
                }
                Ok(out)
            }
            ExportFormat::Csv => {
                let mut w = csv::Writer::from_writer(Vec::new());
                let io = |e: csv::Error| DeskError::Corrupt(format!("csv: {e}"));
                w.write_record([
                    "at_ms",
                    "decision",
                    "actor",
                    "role",
                    "proposal_id",
                    "conversation_id",
                    "tool",
                    "customer_id",
                    "summary",
                    "reason",
                    "state",
                    "args",
                ])
                .map_err(io)?;
                for e in &entries {
                    let d = &e.decision;
                    w.write_record([
                        d.at_ms.to_string(),
                        d.kind.as_str().to_owned(),
                        d.actor.clone(),
                        d.role.map(|r| r.as_str().to_owned()).unwrap_or_default(),
                        d.proposal_id.to_string(),
                        e.conversation_id.to_string(),
                        e.tool.as_str().to_owned(),
                        e.customer_id.clone(),
                        e.summary.clone(),
                        d.reason.clone().unwrap_or_default(),
                        e.state.as_str().to_owned(),
                        e.args.to_string(),
                    ])
                    .map_err(io)?;
                }
                let bytes = w
                    .into_inner()
                    .map_err(|e| DeskError::Corrupt(format!("csv: {e}")))?;
                String::from_utf8(bytes).map_err(|e| corrupt("csv", e))
            }
        }
    }

    /// Activity per UTC day, oldest first, for the last `days` days up to `now`.
    pub fn daily_metrics(&self, days: u32) -> Result<Vec<DailyMetrics>, DeskError> {
        let now = self.clock.now_ms();
        let from = now - i64::from(days) * 86_400_000;
        let mut by_day: BTreeMap<String, DailyMetrics> = BTreeMap::new();
        let day = "strftime('%Y-%m-%d', {col} / 1000, 'unixepoch')";
        {
            let sql = format!(
                "SELECT {d}, count(*),
                        sum(outcome = 'escalate'), sum(outcome = 'block'),
                        sum(json_extract(guard, '$.verdict') = 'flag')
                 FROM conversations WHERE created_at >= ?1 GROUP BY 1",
                d = day.replace("{col}", "created_at")
            );
            let mut stmt = self.conn.prepare(&sql)?;
            let rows = stmt.query_map([from], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, i64>(1)?,
                    r.get::<_, Option<i64>>(2)?,
                    r.get::<_, Option<i64>>(3)?,
                    r.get::<_, Option<i64>>(4)?,
                ))
            })?;
            for row in rows {
                let (d, n, esc, blocks, flags) = row?;
                let m = by_day.entry(d.clone()).or_insert_with(|| DailyMetrics {
                    day: d,
                    ..DailyMetrics::default()
                });
                m.conversations = n;
                m.escalations += esc.unwrap_or(0);
                m.blocks = blocks.unwrap_or(0);
                m.flags = flags.unwrap_or(0);
            }
        }
        {
            let sql = format!(
                "SELECT {d}, sum(kind = 'approved' AND edited_args IS NULL), sum(kind = 'approved' AND edited_args IS NOT NULL),
                        sum(kind = 'rejected'), sum(kind = 'escalated')
                 FROM decisions WHERE at >= ?1 GROUP BY 1",
                d = day.replace("{col}", "at")
            );
            let mut stmt = self.conn.prepare(&sql)?;
            let rows = stmt.query_map([from], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, Option<i64>>(1)?,
                    r.get::<_, Option<i64>>(2)?,
                    r.get::<_, Option<i64>>(3)?,
                    r.get::<_, Option<i64>>(4)?,
                ))
            })?;
            for row in rows {
                let (d, approvals, edits, rejections, escalations) = row?;
                let m = by_day.entry(d.clone()).or_insert_with(|| DailyMetrics {
                    day: d,
                    ..DailyMetrics::default()
                });
                m.approvals = approvals.unwrap_or(0);
                m.edits = edits.unwrap_or(0);
                m.rejections = rejections.unwrap_or(0);
                m.escalations += escalations.unwrap_or(0);
            }
        }
        {
            let sql = format!(
                "SELECT {d}, avg(n), avg(c) FROM (
                    SELECT c.created_at AS created_at, count(s.seq) AS n, coalesce(sum(s.cost_usd), 0) AS c
                    FROM conversations c LEFT JOIN trace_steps s ON s.conversation_id = c.id
                    WHERE c.created_at >= ?1 GROUP BY c.id) GROUP BY 1",
                d = day.replace("{col}", "created_at")
            );
            let mut stmt = self.conn.prepare(&sql)?;
            let rows = stmt.query_map([from], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, f64>(1)?,
                    r.get::<_, f64>(2)?,
                ))
            })?;
            for row in rows {
                let (d, steps, cost) = row?;
                if let Some(m) = by_day.get_mut(&d) {
                    m.steps_mean = steps;
                    m.cost_usd_mean = cost;
                }
            }
        }
        Ok(by_day.into_values().collect())
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum ExportFormat {
    Csv,
    Jsonl,
}
