//! Persistence of the event log, behind [`EventLog`] so that other backends (PostgreSQL) plug in
//! without touching the engine.

mod sqlite;

pub use sqlite::SqliteLog;

use crate::domain::Event;
use std::future::Future;
use std::pin::Pin;

pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// One persisted command and its events.
#[derive(Debug, Clone)]
pub struct Record {
    pub seq: i64,
    pub recorded_at: String,
    pub command: String,
    pub actor: serde_json::Value,
    pub events: Vec<Event>,
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// Another writer appended first: catch up and decide again.
    #[error("another writer appended event {0} first")]
    Conflict(i64),
    #[error("store unavailable: {0}")]
    Unavailable(String),
    #[error("corrupt record {seq}: {reason}")]
    Corrupt { seq: i64, reason: String },
}

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> Self {
        StoreError::Unavailable(e.to_string())
    }
}

/// An append-only, totally ordered log of records.
pub trait EventLog: Send + Sync + 'static {
    /// Records with `seq > after`, in order.
    fn load_since(&self, after: i64) -> BoxFuture<'_, Result<Vec<Record>, StoreError>>;
    /// Appends `record` as `seq = expected + 1`, durably, or fails with [`StoreError::Conflict`].
    fn append(&self, expected: i64, record: Record) -> BoxFuture<'_, Result<i64, StoreError>>;
}
