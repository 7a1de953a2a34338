//! Sandbox time. Every expiry, throttle, "today" and `timestamp` a sandbox hands out reads one
//! [`SandboxClock`], so a test moves time forward instead of sleeping, and a sandbox started on
//! any day of any year behaves the same way relative to its clock.
//!
//! Two modes: [`SandboxClock::system`] follows the wall clock plus an offset that
//! [`SandboxClock::advance`] grows (standalone use), and [`SandboxClock::fixed`] stands still
//! until advanced (tests). Control surfaces accept [`ClockCommand`] at `POST /_sandbox/clock`.

use std::sync::{Arc, Mutex};

use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy)]
enum Mode {
    /// Wall clock + offset.
    System { offset: Duration },
    /// Stands still.
    Fixed { at: DateTime<Utc> },
}

/// A shared, movable clock. Cheap to clone; clones move together.
#[derive(Debug, Clone)]
pub struct SandboxClock {
    mode: Arc<Mutex<Mode>>,
}

impl Default for SandboxClock {
    fn default() -> Self {
        SandboxClock::system()
    }
}

impl SandboxClock {
    /// The wall clock (plus whatever [`advance`](Self::advance) adds later).
    pub fn system() -> SandboxClock {
        SandboxClock::with(Mode::System {
            offset: Duration::zero(),
        })
    }

    /// A clock that stands at `at` until moved.
    pub fn fixed(at: DateTime<Utc>) -> SandboxClock {
        SandboxClock::with(Mode::Fixed { at })
    }

    fn with(mode: Mode) -> SandboxClock {
        SandboxClock {
            mode: Arc::new(Mutex::new(mode)),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Mode> {
        self.mode
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    pub fn now(&self) -> DateTime<Utc> {
        match *self.lock() {
            Mode::System { offset } => Utc::now() + offset,
            Mode::Fixed { at } => at,
        }
    }

    /// The calendar day of `now()` in `zone`.
    pub fn today_in(&self, zone: chrono_tz::Tz) -> NaiveDate {
        self.now().with_timezone(&zone).date_naive()
    }

    /// Moves time forward (or back, for a negative `by`).
    pub fn advance(&self, by: Duration) {
        let mut mode = self.lock();
        *mode = match *mode {
            Mode::System { offset } => Mode::System {
                offset: offset + by,
            },
            Mode::Fixed { at } => Mode::Fixed { at: at + by },
        };
    }

    /// Jumps to `at`; a system clock keeps ticking from there.
    pub fn set(&self, at: DateTime<Utc>) {
        let mut mode = self.lock();
        *mode = match *mode {
            Mode::System { .. } => Mode::System {
                offset: at - Utc::now(),
            },
            Mode::Fixed { .. } => Mode::Fixed { at },
        };
    }

    /// Applies a control command; answers the new `now()`.
    pub fn apply(&self, command: &ClockCommand) -> DateTime<Utc> {
        if let Some(at) = command.set {
            self.set(at);
        }
        if let Some(secs) = command.advance_secs {
            self.advance(Duration::seconds(secs));
        }
        if let Some(days) = command.advance_days {
            self.advance(Duration::days(days));
        }
        self.now()
    }
}

/// Body of `POST /_sandbox/clock`: `{"advance_secs": 700}`, `{"advance_days": 1}` or
/// `{"set": "2026-03-29T00:30:00Z"}`. Answered with [`ClockReading`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClockCommand {
    #[serde(default)]
    pub set: Option<DateTime<Utc>>,
    #[serde(default)]
    pub advance_secs: Option<i64>,
    #[serde(default)]
    pub advance_days: Option<i64>,
}

/// What `GET`/`POST /_sandbox/clock` answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClockReading {
    pub now: DateTime<Utc>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    #[test]
    fn a_fixed_clock_moves_only_when_told() {
        let clock = SandboxClock::fixed(at("2026-03-28T23:30:00Z"));
        let other = clock.clone();
        assert_eq!(clock.now(), at("2026-03-28T23:30:00Z"));
        other.advance(Duration::hours(1));
        assert_eq!(clock.now(), at("2026-03-29T00:30:00Z"), "clones share time");
        assert_eq!(
            clock.today_in(chrono_tz::Europe::Oslo),
            NaiveDate::from_ymd_opt(2026, 3, 29).unwrap()
        );
        let now = clock.apply(&ClockCommand {
            advance_days: Some(2),
            ..ClockCommand::default()
        });
        assert_eq!(now, at("2026-03-31T00:30:00Z"));
    }

    #[test]
    fn a_system_clock_keeps_its_offset() {
        let clock = SandboxClock::system();
        clock.advance(Duration::days(400));
        let ahead = clock.now() - Utc::now();
        assert!(ahead > Duration::days(399) && ahead <= Duration::days(400));
        clock.set(at("2030-01-01T00:00:00Z"));
        assert!(clock.now() >= at("2030-01-01T00:00:00Z"));
        assert!(clock.now() < at("2030-01-01T00:01:00Z"));
    }
}
