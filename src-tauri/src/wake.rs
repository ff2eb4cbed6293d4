//! A nudge for a background worker: "look now" instead of at the next tick. Nudges that arrive
//! while the worker is busy are kept (one is enough), so an approval made during a delivery
//! round is sent right after it.

use std::sync::{Condvar, Mutex};
use std::time::Duration;

#[derive(Debug, Default)]
pub struct Wake {
    pending: Mutex<bool>,
    signal: Condvar,
}

impl Wake {
    /// Asks the worker to look now.
    pub fn notify(&self) {
        let mut pending = self.pending.lock().unwrap_or_else(|p| p.into_inner());
        *pending = true;
        self.signal.notify_one();
    }

    /// Waits until nudged or `timeout` passes; returns whether it was nudged.
    pub fn wait(&self, timeout: Duration) -> bool {
        let pending = self.pending.lock().unwrap_or_else(|p| p.into_inner());
        let (mut pending, _) = self
            .signal
            .wait_timeout_while(pending, timeout, |p| !*p)
            .unwrap_or_else(|p| p.into_inner());
        std::mem::take(&mut *pending)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_nudge_before_the_wait_is_not_lost() {
        let w = Wake::default();
        w.notify();
        assert!(w.wait(Duration::from_secs(5)));
        assert!(!w.wait(Duration::from_millis(10)));
    }
}
