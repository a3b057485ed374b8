//! The application service: decides commands against the in-memory state, appends their events to
//! the log, and keeps the state in step with the log (also with other instances writing to it).

use crate::domain::{self, Actor, Command, Ctx, DomainError, ErrorCode, Event, State};
use crate::store::{Record, Store, StoreError};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use tokio::sync::Mutex;

/// How many times a command is decided again after losing a race with another instance.
const MAX_RETRIES: u32 = 16;

/// A random pause before deciding again after losing a race, growing with the attempt: without
/// it, an instance appending a burst of commands can win every round against another one and
/// starve it (seen with two engines racing 24 commands and 8 immediate retries).
fn backoff(attempt: u32) -> Duration {
    use rand_core::RngCore;
    let spread = 500 * u64::from(attempt.min(8));
    Duration::from_micros(rand_core::OsRng.next_u64() % spread.max(1))
}

#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    #[error(transparent)]
    Domain(#[from] DomainError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

struct Inner {
    state: State,
    seq: i64,
}

pub struct Engine {
    log: Arc<dyn Store>,
    inner: RwLock<Inner>,
    /// One writer at a time in this process; across processes, the log's seq decides.
    writer: Mutex<()>,
    /// When the log was last read, in microseconds since `epoch`.
    last_catch_up: AtomicU64,
    epoch: Instant,
}

impl Engine {
    /// Rebuilds the state by replaying the whole log.
    pub async fn open(log: Arc<dyn Store>) -> Result<Self, StoreError> {
        let engine = Engine {
            log,
            inner: RwLock::new(Inner {
                state: State::default(),
                seq: 0,
            }),
            writer: Mutex::new(()),
            last_catch_up: AtomicU64::new(0),
            epoch: Instant::now(),
        };
        let replayed = engine.catch_up().await?;
        tracing::info!(records = replayed, "event log replayed");
        Ok(engine)
    }

    /// Applies records appended since the last one seen (by another instance). Returns how many.
    pub async fn catch_up(&self) -> Result<usize, StoreError> {
        let started = self.epoch.elapsed().as_micros() as u64;
        let after = self.read(|_, seq| seq);
        let records = self.log.load_since(after).await?;
        let n = records.len();
        if n > 0 {
            let mut inner = self.inner.write().expect("state lock poisoned");
            for r in records {
                if r.seq <= inner.seq {
                    continue; // applied meanwhile by a concurrent catch-up
                }
                for e in r.events {
                    inner.state.apply(e);
                }
                inner.seq = r.seq;
            }
        }
        self.last_catch_up.fetch_max(started, Ordering::Relaxed);
        Ok(n)
    }

    /// Catches up only if the log was last read more than `max_age` ago: for hot read paths
    /// (token issuance) that tolerate seeing another instance's writes `max_age` late. Writes
    /// made through this instance are always visible at once.
    pub async fn catch_up_within(&self, max_age: Duration) -> Result<(), StoreError> {
        let now = self.epoch.elapsed().as_micros() as u64;
        if now.saturating_sub(self.last_catch_up.load(Ordering::Relaxed))
            > max_age.as_micros() as u64
        {
            self.catch_up().await?;
        }
        Ok(())
    }

    /// Reads the current state (and its log position) without blocking writers for long.
    pub fn read<R>(&self, f: impl FnOnce(&State, i64) -> R) -> R {
        let inner = self.inner.read().expect("state lock poisoned");
        f(&inner.state, inner.seq)
    }

    /// Decides and persists a command; on success the state includes its events.
    pub async fn execute(&self, actor: Actor, cmd: Command) -> Result<Vec<Event>, EngineError> {
        let _writer = self.writer.lock().await;
        let ctx = Ctx {
            actor,
            now: OffsetDateTime::now_utc(),
        };
        for attempt in 0..MAX_RETRIES {
            if attempt > 0 {
                tokio::time::sleep(backoff(attempt)).await;
            }
            self.catch_up().await?;
            let (events, seq) =
                self.read(|state, seq| domain::handle(state, &ctx, cmd.clone()).map(|e| (e, seq)))?;
            if events.is_empty() {
                return Ok(events);
            }
            let record = Record {
                seq: seq + 1,
                recorded_at: ctx.now.format(&Rfc3339).unwrap_or_default(),
                command: cmd.name().to_owned(),
                actor: serde_json::to_value(&ctx.actor).unwrap_or_default(),
                events: events.clone(),
            };
            match self.log.append(seq, record).await {
                Ok(new_seq) => {
                    let mut inner = self.inner.write().expect("state lock poisoned");
                    // A concurrent catch-up may have read our record (and later ones) already:
                    // applying it again would overwrite newer state.
                    if inner.seq < new_seq {
                        for e in events.iter().cloned() {
                            inner.state.apply(e);
                        }
                        inner.seq = new_seq;
                    }
                    tracing::info!(command = cmd.name(), seq = new_seq, "command accepted");
                    return Ok(events);
                }
                Err(StoreError::Conflict(_)) => continue,
                Err(e) => return Err(e.into()),
            }
        }
        Err(DomainError::new(
            ErrorCode::CONCURRENT_MODIFICATION,
            "too many concurrent writers: try again",
        )
        .into())
    }
}
