//! Hooks for the end-to-end tests, and only for them. Off unless the test environment sets
//! `COUNTERSIGN_TEST_HOOKS=1`, and compiled out of release builds:
//!
//! - `COUNTERSIGN_TEST_SLOW_MS=<ms>`: every history search sleeps this long (on the blocking
//!   pool, where its query runs), so a test can show that the window stays responsive while a
//!   slow command is in flight.

use std::time::Duration;

#[derive(Clone, Copy, Debug, Default)]
pub struct TestHooks {
    /// Extra time each history search takes.
    pub slow_history: Option<Duration>,
}

impl TestHooks {
    pub fn from_env() -> TestHooks {
        if !cfg!(debug_assertions) || std::env::var("COUNTERSIGN_TEST_HOOKS").as_deref() != Ok("1")
        {
            return TestHooks::default();
        }
        let slow_history = std::env::var("COUNTERSIGN_TEST_SLOW_MS")
            .ok()
            .and_then(|ms| ms.parse().ok())
            .map(Duration::from_millis);
        tracing::warn!(
            ?slow_history,
            "test hooks are on (COUNTERSIGN_TEST_HOOKS=1)"
        );
        TestHooks { slow_history }
    }

    /// Waits as long as a test asked a history search to take.
    pub fn history_delay(&self) {
        if let Some(d) = self.slow_history {
            std::thread::sleep(d);
        }
    }
}
