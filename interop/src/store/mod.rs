//! Persistence, behind one trait ([`Store`]) with two implementations: the embedded SQLite files
//! (the default, one instance per data folder) and PostgreSQL (a `postgres://` `database_url`,
//! shared by several stateless instances). [`open`] picks one from the configuration.
//!
//! What is stored:
//! - the **event log**: every accepted command and its events, totally ordered by `seq`, which is
//!   also the optimistic-concurrency token between instances ([`Store::append`]);
//! - the **token side's records**: assertion ids already accepted (replay protection across
//!   instances: the primary key decides) and the exact causes of refused token requests;
//! - the **voucher signing keys**, so that every instance signs with, and publishes, the same keys.
//!
//! The shared suite `interop/tests/store_suite.rs` runs the same cases against both.

mod postgres;
mod sqlite;

pub use postgres::PostgresStore;
pub use sqlite::SqliteStore;

use crate::config::{Config, Database, SqliteFiles};
use crate::domain::Event;
use serde::Serialize;
use std::collections::HashSet;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

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

/// An assertion id to record: `(client id, jti, unix time the assertion expires)`.
pub type JtiUse = (String, String, i64);

/// A refused token request, as its client's owner reads it.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, utoipa::ToSchema)]
#[schema(as = TokenFailure)]
pub struct FailureRecord {
    #[schema(format = DateTime)]
    pub at: String,
    /// The assertion's kid.
    #[schema(required = true)]
    pub kid: Option<String>,
    /// The `purposeId` the assertion claimed, unverified and as sent (a UUID unless the code is
    /// PURPOSE_ID_INVALID); null when it named none.
    #[schema(required = true)]
    pub purpose_id: Option<String>,
    // A `RefusalCode`; the document lists them from `codes.rs`.
    #[schema(schema_with = crate::api::openapi::refusal_code_schema)]
    pub code: String,
    pub detail: String,
}

/// Failures kept per client (older ones are pruned as new ones arrive).
pub const FAILURES_KEPT_PER_CLIENT: i64 = 200;

/// A voucher signing key as stored: `created` (unix seconds) orders the keys and is unique, so of
/// two instances generating a key in the same second only one key is kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredKey {
    pub created: i64,
    /// PKCS#8 PEM.
    pub private_pem: String,
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

/// Everything the engine persists.
pub trait Store: Send + Sync + 'static {
    /// Event-log records with `seq > after`, in order.
    fn load_since(&self, after: i64) -> BoxFuture<'_, Result<Vec<Record>, StoreError>>;
    /// Appends `record` as `seq = expected + 1`, durably, or fails with [`StoreError::Conflict`]
    /// when that seq exists already (another writer won: the caller catches up and decides
    /// again).
    fn append(&self, expected: i64, record: Record) -> BoxFuture<'_, Result<i64, StoreError>>;

    /// Records every assertion id in one statement; returns the `(client, jti)` pairs that were
    /// new. A pair recorded before (by any instance), or repeated within `items`, is not.
    fn first_uses<'a>(
        &'a self,
        items: &'a [JtiUse],
    ) -> BoxFuture<'a, Result<HashSet<(String, String)>, StoreError>>;
    /// Forgets assertion ids that expired before `before`; returns how many.
    fn prune_jti(&self, before: i64) -> BoxFuture<'_, Result<u64, StoreError>>;

    /// Records a refusal for `client` (keeping its newest [`FAILURES_KEPT_PER_CLIENT`]).
    fn record_failure<'a>(
        &'a self,
        client: &'a str,
        failure: &'a FailureRecord,
    ) -> BoxFuture<'a, Result<(), StoreError>>;
    /// The client's most recent refusals, newest first.
    fn failures<'a>(
        &'a self,
        client: &'a str,
        limit: i64,
    ) -> BoxFuture<'a, Result<Vec<FailureRecord>, StoreError>>;

    /// Every stored signing key, oldest first.
    fn signing_keys(&self) -> BoxFuture<'_, Result<Vec<StoredKey>, StoreError>>;
    /// Stores `key` unless a key with the same `created` exists; `true` if stored.
    fn add_signing_key<'a>(&'a self, key: &'a StoredKey)
    -> BoxFuture<'a, Result<bool, StoreError>>;
}

/// Opens the store `config` selects: PostgreSQL for a `postgres://` `database_url`, else the
/// SQLite files in `data_dir`.
pub async fn open(config: &Config) -> Result<Arc<dyn Store>, StoreError> {
    match config.database().map_err(StoreError::Unavailable)? {
        Database::Embedded(SqliteFiles { log, tokens }) => {
            Ok(Arc::new(SqliteStore::open(&log, &tokens).await?))
        }
        Database::Postgres(url) => Ok(Arc::new(PostgresStore::open(&url).await?)),
    }
}

/// `(seq, actor, events)` as both backends write a record appended after `expected`.
fn encode_record(expected: i64, record: &Record) -> Result<(i64, String, String), StoreError> {
    let seq = expected + 1;
    let events = serde_json::to_string(&record.events).map_err(|e| StoreError::Corrupt {
        seq,
        reason: e.to_string(),
    })?;
    Ok((seq, record.actor.to_string(), events))
}

/// A record from its stored columns.
fn decode_record(
    seq: i64,
    recorded_at: String,
    command: String,
    actor: String,
    events: String,
) -> Result<Record, StoreError> {
    let corrupt = |e: serde_json::Error| StoreError::Corrupt {
        seq,
        reason: e.to_string(),
    };
    Ok(Record {
        seq,
        recorded_at,
        command,
        actor: serde_json::from_str(&actor).map_err(corrupt)?,
        events: serde_json::from_str(&events).map_err(corrupt)?,
    })
}

/// The outcome of inserting event `seq`: a duplicate key means another writer won.
fn appended(seq: i64, result: Result<(), sqlx::Error>) -> Result<i64, StoreError> {
    match result {
        Ok(()) => Ok(seq),
        Err(sqlx::Error::Database(e)) if e.is_unique_violation() => Err(StoreError::Conflict(seq)),
        Err(e) => Err(e.into()),
    }
}

fn failure_from<'r, R>(row: &'r R) -> Result<FailureRecord, StoreError>
where
    R: sqlx::Row,
    &'static str: sqlx::ColumnIndex<R>,
    String: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    Option<String>: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
{
    Ok(FailureRecord {
        at: row.try_get("at")?,
        kid: row.try_get("kid")?,
        purpose_id: row.try_get("purpose_id")?,
        code: row.try_get("code")?,
        detail: row.try_get("detail")?,
    })
}

fn key_from<'r, R>(row: &'r R) -> Result<StoredKey, StoreError>
where
    R: sqlx::Row,
    &'static str: sqlx::ColumnIndex<R>,
    String: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    i64: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
{
    Ok(StoredKey {
        created: row.try_get("created")?,
        private_pem: row.try_get("private_pem")?,
    })
}
