//! Rate-limited warnings: a flood of refused connections must not become a flood of log lines.

use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Lets one event through per interval and counts the ones it held back.
pub(crate) struct Throttle {
    interval: Duration,
    state: Mutex<State>,
}

struct State {
    last: Option<Instant>,
    held_back: u64,
}

impl Throttle {
    pub(crate) fn new(interval: Duration) -> Throttle {
        Throttle {
            interval,
            state: Mutex::new(State {
                last: None,
                held_back: 0,
            }),
        }
    }

    /// `Some(n)` when this event should be logged, `n` being the events held back since the
    /// last one logged; `None` when it should not.
    pub(crate) fn admit(&self, now: Instant) -> Option<u64> {
        let mut s = self.state.lock().unwrap_or_else(|p| p.into_inner());
        match s.last {
            Some(last) if now.duration_since(last) < self.interval => {
                s.held_back += 1;
                None
            }
            _ => {
                s.last = Some(now);
                Some(std::mem::take(&mut s.held_back))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_event_per_interval_with_the_count_held_back() {
        let t = Throttle::new(Duration::from_secs(10));
        let t0 = Instant::now();
        assert_eq!(t.admit(t0), Some(0));
        for i in 1..=5 {
            assert_eq!(t.admit(t0 + Duration::from_secs(i)), None);
        }
        assert_eq!(t.admit(t0 + Duration::from_secs(10)), Some(5));
        assert_eq!(t.admit(t0 + Duration::from_secs(11)), None);
        assert_eq!(t.admit(t0 + Duration::from_secs(25)), Some(1));
    }
}
