//! A circuit breaker with the clock passed in, so it can be table-tested without sleeping.
//!
//! After `failures_to_open` consecutive failures it opens: calls are refused without touching
//! the network until the cool-down has passed, so a dead provider costs the agent nothing but an
//! immediate, explainable error. Then one probe is let through (half-open): success closes it,
//! failure opens it again with a fresh cool-down.

use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

/// What the UI shows next to a provider.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum BreakerState {
    /// Calls pass; `consecutive_failures` is how close it is to opening.
    Closed { consecutive_failures: u32 },
    /// Calls are refused until the cool-down has passed.
    Open { consecutive_failures: u32 },
    /// One probe is in flight; other calls are refused until it settles.
    HalfOpen,
}

impl BreakerState {
    pub const fn name(self) -> &'static str {
        match self {
            BreakerState::Closed { .. } => "closed",
            BreakerState::Open { .. } => "open",
            BreakerState::HalfOpen => "half_open",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Mode {
    Closed,
    Open { until: Instant },
    HalfOpen { probe_started: Instant },
}

#[derive(Clone, Debug)]
pub struct Breaker {
    failures_to_open: u32,
    cool_down: Duration,
    failures: u32,
    mode: Mode,
}

impl Breaker {
    /// `failures_to_open` of 0 is taken as 1: a breaker that never closes is not a setting.
    pub fn new(failures_to_open: u32, cool_down: Duration) -> Breaker {
        Breaker {
            failures_to_open: failures_to_open.max(1),
            cool_down,
            failures: 0,
            mode: Mode::Closed,
        }
    }

    /// May a call go out now? `Err` carries how long until a probe will be let through.
    ///
    /// A probe whose outcome never arrives (its caller was cancelled) would hold the breaker
    /// half-open for ever, so after one more cool-down another probe is let through.
    pub fn admit(&mut self, now: Instant) -> Result<(), Duration> {
        let probe_due = match self.mode {
            Mode::Closed => return Ok(()),
            Mode::Open { until } => until,
            Mode::HalfOpen { probe_started } => probe_started + self.cool_down,
        };
        if now < probe_due {
            return Err(probe_due.saturating_duration_since(now));
        }
        self.mode = Mode::HalfOpen { probe_started: now };
        Ok(())
    }

    /// Whether [`Breaker::admit`] would let a call through at `now`, without taking the probe:
    /// routing asks this before choosing the model.
    pub fn would_admit(&self, now: Instant) -> bool {
        match self.mode {
            Mode::Closed => true,
            Mode::Open { until } => now >= until,
            Mode::HalfOpen { probe_started } => now >= probe_started + self.cool_down,
        }
    }

    /// The provider answered: whatever it said, it is up.
    pub fn record_success(&mut self) {
        self.failures = 0;
        self.mode = Mode::Closed;
    }

    /// The provider failed in a way that says it is unwell (see
    /// [`crate::AttemptError::counts_against_breaker`]).
    pub fn record_failure(&mut self, now: Instant) {
        self.failures = self.failures.saturating_add(1);
        let open = match self.mode {
            Mode::HalfOpen { .. } | Mode::Open { .. } => true,
            Mode::Closed => self.failures >= self.failures_to_open,
        };
        if open {
            self.mode = Mode::Open {
                until: now + self.cool_down,
            };
        }
    }

    /// The state as last settled: an open breaker whose cool-down has passed still reads open
    /// until the next call is admitted as the probe.
    pub fn state(&self) -> BreakerState {
        match self.mode {
            Mode::Closed => BreakerState::Closed {
                consecutive_failures: self.failures,
            },
            Mode::Open { .. } => BreakerState::Open {
                consecutive_failures: self.failures,
            },
            Mode::HalfOpen { .. } => BreakerState::HalfOpen,
        }
    }

    pub fn consecutive_failures(&self) -> u32 {
        self.failures
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[derive(Clone, Copy, Debug)]
    enum Step {
        /// At `ms`, ask to admit; expect admitted or refused.
        Admit(u64, bool),
        Success,
        Failure(u64),
        /// Expect this state.
        Is(&'static str, u32),
    }
    use Step::*;

    fn run(name: &str, steps: &[Step]) {
        let t0 = Instant::now();
        let at = |ms: u64| t0 + Duration::from_millis(ms);
        let mut b = Breaker::new(3, Duration::from_millis(100));
        for (i, step) in steps.iter().enumerate() {
            match *step {
                Admit(ms, expected) => assert_eq!(
                    b.admit(at(ms)).is_ok(),
                    expected,
                    "{name}: step {i} {step:?}, state {:?}",
                    b.state()
                ),
                Success => b.record_success(),
                Failure(ms) => b.record_failure(at(ms)),
                Is(state, failures) => {
                    assert_eq!(b.state().name(), state, "{name}: step {i}");
                    assert_eq!(b.consecutive_failures(), failures, "{name}: step {i}");
                }
            }
        }
    }

    #[test]
    fn table() {
        let cases: &[(&str, &[Step])] = &[
            ("starts closed", &[Is("closed", 0), Admit(0, true)]),
            (
                "fewer failures than the threshold stay closed",
                &[
                    Admit(0, true),
                    Failure(0),
                    Admit(1, true),
                    Failure(1),
                    Is("closed", 2),
                    Admit(2, true),
                ],
            ),
            (
                "a success resets the count",
                &[
                    Failure(0),
                    Failure(1),
                    Success,
                    Is("closed", 0),
                    Failure(2),
                    Failure(3),
                    Is("closed", 2),
                ],
            ),
            (
                "the threshold opens it and calls are refused during the cool-down",
                &[
                    Failure(0),
                    Failure(1),
                    Failure(10),
                    Is("open", 3),
                    Admit(11, false),
                    Admit(109, false),
                ],
            ),
            (
                "after the cool-down exactly one probe passes",
                &[
                    Failure(0),
                    Failure(0),
                    Failure(0),
                    Admit(100, true),
                    Is("half_open", 3),
                    Admit(101, false),
                    Admit(150, false),
                ],
            ),
            (
                "a successful probe closes it",
                &[
                    Failure(0),
                    Failure(0),
                    Failure(0),
                    Admit(120, true),
                    Success,
                    Is("closed", 0),
                    Admit(121, true),
                    Admit(122, true),
                ],
            ),
            (
                "a failed probe reopens it with a fresh cool-down",
                &[
                    Failure(0),
                    Failure(0),
                    Failure(0),
                    Admit(120, true),
                    Failure(130),
                    Is("open", 4),
                    Admit(200, false),
                    Admit(229, false),
                    Admit(230, true),
                    Is("half_open", 4),
                ],
            ),
            (
                "a probe that never reports is replaced after another cool-down",
                &[
                    Failure(0),
                    Failure(0),
                    Failure(0),
                    Admit(100, true),
                    Admit(199, false),
                    Admit(200, true),
                    Is("half_open", 3),
                ],
            ),
            (
                "a late failure while open extends the cool-down",
                &[
                    Failure(0),
                    Failure(0),
                    Failure(0),
                    Failure(50),
                    Admit(100, false),
                    Admit(150, true),
                ],
            ),
        ];
        for (name, steps) in cases {
            run(name, steps);
        }
    }

    #[test]
    fn refusal_says_how_long_to_wait() {
        let t0 = Instant::now();
        let mut b = Breaker::new(1, Duration::from_secs(30));
        b.record_failure(t0);
        assert_eq!(
            b.admit(t0 + Duration::from_secs(10)),
            Err(Duration::from_secs(20))
        );
    }

    #[test]
    fn zero_threshold_means_one() {
        let t0 = Instant::now();
        let mut b = Breaker::new(0, Duration::from_secs(1));
        assert!(b.admit(t0).is_ok());
        b.record_failure(t0);
        assert!(b.admit(t0).is_err());
    }

    #[test]
    fn state_serialises_snake_case() {
        let json = |s: BreakerState| serde_json::to_value(s).unwrap();
        assert_eq!(
            json(BreakerState::Closed {
                consecutive_failures: 2
            }),
            serde_json::json!({"state": "closed", "consecutive_failures": 2})
        );
        assert_eq!(
            json(BreakerState::Open {
                consecutive_failures: 5
            }),
            serde_json::json!({"state": "open", "consecutive_failures": 5})
        );
        assert_eq!(
            json(BreakerState::HalfOpen),
            serde_json::json!({"state": "half_open"})
        );
    }
}
