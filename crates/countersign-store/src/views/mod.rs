//! Read models: what the desktop app and the CLI show. One file per screen's concern —
//! [`conversation`] (the review screen), [`queue`], [`history`] (filters, full-text search,
//! what exports read), [`settings_changes`] and [`metrics`]. Rendering (CSV, JSON Lines) is not here: the store
//! stores and reads, `countersign-export` renders.
//!
//! Every read is as of one moment, passed in: a proposal still recorded open past its expiry
//! reads as expired without anything being written (the app's watcher records the expiry; the
//! gate refuses to approve it either way). So a refresh, a filter keystroke or a search never
//! takes the write lock.

pub mod conversation;
pub mod history;
pub mod inbox;
pub mod metrics;
pub mod queue;
pub mod settings_changes;
pub mod work_metrics;

use rusqlite::Connection;

/// Read models over one connection, as of `now_ms`. Get one from [`crate::Desk::views`] or,
/// in the app, from a read-only [`crate::DeskReader`].
#[derive(Debug)]
pub struct Views<'a> {
    pub(crate) conn: &'a Connection,
    pub(crate) now_ms: i64,
}

impl<'a> Views<'a> {
    pub(crate) fn new(conn: &'a Connection, now_ms: i64) -> Views<'a> {
        Views { conn, now_ms }
    }

    /// The moment these views read as of.
    pub fn now_ms(&self) -> i64 {
        self.now_ms
    }
}
