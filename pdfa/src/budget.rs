//! What one validation may spend: decompressed bytes (per stream and per file), units of work,
//! and wall time. A file that needs more is refused as too complex to check, not as
//! non-conforming: it may be a fine PDF/A, but checking it would let one attachment take a
//! validation slot (and memory) from everybody else.
//!
//! Two kinds of decompression are bounded separately, and their sum is what a file can cost:
//!
//! - what lopdf's loader inflates by itself (object streams, cross-reference streams) is not
//!   metered by lopdf, so it is bounded *before* loading: `loader` scans the raw bytes for what
//!   can make lopdf inflate, and gives lopdf a per-stream limit small enough that the worst case
//!   of all of it fits `Limits::loader_total`;
//! - what our own checks decode (content streams, fonts, XMP, ICC profiles, embedded files) is
//!   metered exactly by `Ctx::decode` against `Limits::decoded_total`.
//!
//! Embedded files are validated with the budget of the file that embeds them.

use std::cell::Cell;
use std::time::{Duration, Instant};

use super::{FailureKind, Finding};

/// How long one validation may take, unless configured (`fetch.pdf_validation_timeout_ms`).
pub const DEFAULT_TIMEOUT: Duration = Duration::from_millis(3000);

/// The most one stream may decompress to, in our checks (lopdf's loader gets less: see
/// `loader`).
pub const MAX_STREAM_BYTES: usize = 32 * 1024 * 1024;

/// The most all the streams our checks decode for one attachment may decompress to, together.
pub const MAX_DECODED_TOTAL: usize = 128 * 1024 * 1024;

/// The most lopdf's loaders may inflate, in the worst case, for one attachment and the files
/// it embeds, together.
pub const MAX_LOADER_TOTAL: usize = 64 * 1024 * 1024;

/// Units of work (objects, operators, nodes, kilobytes parsed) one attachment may take. The
/// corpus's largest files take well under a million; a dense but legitimate vector drawing a
/// few million.
pub const MAX_WORK: u64 = 40_000_000;

/// How often (in units of work) the clock is read: often enough that a deadline is noticed
/// within a millisecond or so, rarely enough that reading it costs nothing.
const CLOCK_EVERY: u64 = 4096;

/// The bounds of one validation. `Default` is what the gateway uses unless configured.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Wall time, from the start of the validation: what holds a validation slot is wall time,
    /// and it is what another entity's attachment waits.
    pub timeout: Duration,
    /// Per stream our checks decode.
    pub stream_bytes: usize,
    /// All the streams our checks decode, embedded files included.
    pub decoded_total: usize,
    /// The worst case of what lopdf's loaders may inflate, embedded files included.
    pub loader_total: usize,
    /// Units of work.
    pub work: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            timeout: DEFAULT_TIMEOUT,
            stream_bytes: MAX_STREAM_BYTES,
            decoded_total: MAX_DECODED_TOTAL,
            loader_total: MAX_LOADER_TOTAL,
            work: MAX_WORK,
        }
    }
}

impl Limits {
    pub fn with_timeout(timeout: Duration) -> Self {
        Limits {
            timeout,
            ..Limits::default()
        }
    }
}

/// What a validation spent, for tests and benchmarks.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Spent {
    /// Bytes our checks decompressed.
    pub decoded: usize,
    /// The most lopdf's loaders were allowed to inflate (a bound, not a measure: lopdf does not
    /// report what it inflated).
    pub loader_bound: usize,
    /// The largest single stream lopdf's loaders were allowed to inflate.
    pub loader_stream_limit: usize,
    /// Units of work done.
    pub work: u64,
}

/// The running account of one validation, shared by the files it embeds.
pub(crate) struct Budget {
    limits: Limits,
    deadline: Instant,
    decoded: Cell<usize>,
    loader: Cell<usize>,
    loader_stream_limit: Cell<usize>,
    work: Cell<u64>,
    next_clock: Cell<u64>,
}

pub(crate) fn too_complex(reason: impl Into<String>) -> Finding {
    Finding {
        rule: crate::rules::LIMITS,
        clause: crate::rules::LIMITS.clause(),
        message: reason.into(),
        object: String::new(),
        kind: FailureKind::TooComplex,
    }
}

impl Budget {
    pub fn new(limits: Limits) -> Budget {
        Budget {
            limits,
            deadline: Instant::now() + limits.timeout,
            decoded: Cell::new(0),
            loader: Cell::new(0),
            loader_stream_limit: Cell::new(0),
            work: Cell::new(0),
            next_clock: Cell::new(0),
        }
    }

    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    pub fn spent(&self) -> Spent {
        Spent {
            decoded: self.decoded.get(),
            loader_bound: self.loader.get(),
            loader_stream_limit: self.loader_stream_limit.get(),
            work: self.work.get(),
        }
    }

    /// Counts `units` of work; refuses past the work budget or the deadline.
    pub fn tick(&self, units: u64) -> Result<(), Finding> {
        let work = self.work.get().saturating_add(units);
        self.work.set(work);
        if work > self.limits.work {
            return Err(too_complex(format!(
                "checking it takes more than {} units of work",
                self.limits.work
            )));
        }
        if work >= self.next_clock.get() {
            self.next_clock.set(work.saturating_add(CLOCK_EVERY));
            self.check_clock()?;
        }
        Ok(())
    }

    pub fn check_clock(&self) -> Result<(), Finding> {
        if Instant::now() >= self.deadline {
            return Err(too_complex(format!(
                "checking it takes longer than {} ms",
                self.limits.timeout.as_millis()
            )));
        }
        Ok(())
    }

    pub fn deadline(&self) -> Instant {
        self.deadline
    }

    pub fn work_left(&self) -> u64 {
        self.limits.work.saturating_sub(self.work.get())
    }

    /// The most the next decode may produce: the per-stream limit, within what is left.
    pub fn decode_limit(&self) -> usize {
        let left = self.limits.decoded_total.saturating_sub(self.decoded.get());
        left.min(self.limits.stream_bytes)
    }

    pub fn charge_decoded(&self, n: usize) {
        self.decoded.set(self.decoded.get().saturating_add(n));
    }

    /// The loader allowance one load may take: half of what is left, so that the files a
    /// document embeds can be loaded too.
    pub fn loader_share(&self) -> usize {
        self.limits.loader_total.saturating_sub(self.loader.get()) / 2
    }

    pub fn charge_loader(&self, bound: usize, stream_limit: usize) {
        self.loader.set(self.loader.get().saturating_add(bound));
        self.loader_stream_limit
            .set(self.loader_stream_limit.get().max(stream_limit));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn work_past_the_budget_is_refused_and_counted() {
        let b = Budget::new(Limits {
            work: 10,
            ..Limits::default()
        });
        for _ in 0..10 {
            b.tick(1).unwrap();
        }
        let e = b.tick(1).unwrap_err();
        assert_eq!(e.kind, FailureKind::TooComplex);
        assert_eq!(b.spent().work, 11);
    }

    #[test]
    fn a_past_deadline_is_noticed_at_the_first_tick() {
        let b = Budget::new(Limits::with_timeout(Duration::ZERO));
        assert_eq!(b.tick(1).unwrap_err().kind, FailureKind::TooComplex);
    }

    #[test]
    fn decode_limit_is_the_smaller_of_the_stream_limit_and_what_is_left() {
        let b = Budget::new(Limits {
            stream_bytes: 100,
            decoded_total: 250,
            ..Limits::default()
        });
        assert_eq!(b.decode_limit(), 100);
        b.charge_decoded(200);
        assert_eq!(b.decode_limit(), 50);
        b.charge_decoded(100);
        assert_eq!(b.decode_limit(), 0);
    }
}
