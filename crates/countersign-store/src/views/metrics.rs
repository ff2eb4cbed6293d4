//! Activity per UTC day, for the metrics charts.

use std::collections::BTreeMap;

use serde::Serialize;

use super::Views;
use crate::error::DeskError;

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

const CONVERSATIONS_PER_DAY: &str = "
    SELECT strftime('%Y-%m-%d', created_at / 1000, 'unixepoch'), count(*),
           sum(outcome = 'escalate'), sum(outcome = 'block'),
           sum(json_extract(guard, '$.verdict') = 'flag')
    FROM conversations WHERE created_at >= ?1 GROUP BY 1";

const DECISIONS_PER_DAY: &str = "
    SELECT strftime('%Y-%m-%d', at / 1000, 'unixepoch'),
           sum(kind = 'approved' AND edited_args IS NULL), sum(kind = 'approved' AND edited_args IS NOT NULL),
           sum(kind = 'rejected'), sum(kind = 'escalated')
    FROM decisions WHERE at >= ?1 GROUP BY 1";

const STEPS_PER_DAY: &str = "
    SELECT strftime('%Y-%m-%d', created_at / 1000, 'unixepoch'), avg(n), avg(c) FROM (
        SELECT c.created_at AS created_at, count(s.seq) AS n, coalesce(sum(s.cost_usd), 0) AS c
        FROM conversations c LEFT JOIN trace_steps s ON s.conversation_id = c.id
        WHERE c.created_at >= ?1 GROUP BY c.id)
    GROUP BY 1";

impl Views<'_> {
    /// Activity per UTC day, oldest first, for the last `days` days.
    pub fn daily_metrics(&self, days: u32) -> Result<Vec<DailyMetrics>, DeskError> {
        let from = self.now_ms - i64::from(days) * 86_400_000;
        let mut by_day: BTreeMap<String, DailyMetrics> = BTreeMap::new();
        fn day(by_day: &mut BTreeMap<String, DailyMetrics>, d: String) -> &mut DailyMetrics {
            by_day.entry(d.clone()).or_insert_with(|| DailyMetrics {
                day: d,
                ..DailyMetrics::default()
            })
        }
        let mut stmt = self.conn.prepare_cached(CONVERSATIONS_PER_DAY)?;
        let mut rows = stmt.query([from])?;
        while let Some(r) = rows.next()? {
            let m = day(&mut by_day, r.get(0)?);
            m.conversations = r.get(1)?;
            m.escalations += r.get::<_, Option<i64>>(2)?.unwrap_or(0);
            m.blocks = r.get::<_, Option<i64>>(3)?.unwrap_or(0);
            m.flags = r.get::<_, Option<i64>>(4)?.unwrap_or(0);
        }
        let mut stmt = self.conn.prepare_cached(DECISIONS_PER_DAY)?;
        let mut rows = stmt.query([from])?;
        while let Some(r) = rows.next()? {
            let m = day(&mut by_day, r.get(0)?);
            m.approvals = r.get::<_, Option<i64>>(1)?.unwrap_or(0);
            m.edits = r.get::<_, Option<i64>>(2)?.unwrap_or(0);
            m.rejections = r.get::<_, Option<i64>>(3)?.unwrap_or(0);
            m.escalations += r.get::<_, Option<i64>>(4)?.unwrap_or(0);
        }
        let mut stmt = self.conn.prepare_cached(STEPS_PER_DAY)?;
        let mut rows = stmt.query([from])?;
        while let Some(r) = rows.next()? {
            let d: String = r.get(0)?;
            if let Some(m) = by_day.get_mut(&d) {
                m.steps_mean = r.get(1)?;
                m.cost_usd_mean = r.get(2)?;
            }
        }
        Ok(by_day.into_values().collect())
    }
}
