//! Persistence behind [`Store`]: the embedded SQLite file (the default, one process) or
//! PostgreSQL (a `postgres://` `database_url`, shared by several instances). [`open`] picks one.

mod postgres;
mod recent;
mod rows;
mod sqlite;

pub use postgres::PostgresStore;
pub use sqlite::SqliteStore;

use crate::domain::configuration::Configuration;
use crate::domain::message::{Message, MessageSummary};
use crate::domain::{ConfigurationId, MessageId, TenantId};
use provider_sdk::contract::{FiscalCode, SentMessageItem};
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("store unavailable: {0}")]
    Unavailable(String),
    #[error("corrupt row {0}: {1}")]
    Corrupt(String, String),
}

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> Self {
        StoreError::Unavailable(e.to_string())
    }
}

/// Opens the store `database` names: PostgreSQL or the SQLite file.
pub async fn open(database: &crate::config::Database) -> Result<Arc<dyn Store>, StoreError> {
    match database {
        crate::config::Database::Embedded(path) => Ok(Arc::new(SqliteStore::open(path).await?)),
        crate::config::Database::Postgres(url) => Ok(Arc::new(PostgresStore::open(url).await?)),
    }
}

/// A configuration as both stores write it: its key columns and its JSON body.
pub(crate) struct ConfigurationRow {
    pub id: String,
    pub owner: String,
    pub body: String,
    pub now: String,
}

impl ConfigurationRow {
    pub fn new(c: &Configuration, now: &str) -> Result<ConfigurationRow, StoreError> {
        Ok(ConfigurationRow {
            id: c.id.to_string(),
            owner: c.owner.to_string(),
            // The contract's `RcConfiguration`, as it always was.
            body: serde_json::to_string(c)
                .map_err(|e| StoreError::Corrupt(c.id.to_string(), e.to_string()))?,
            now: now.to_owned(),
        })
    }
}

/// An idempotency key with the hash of the request it came with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdempotencyKey {
    pub sender: TenantId,
    pub key: String,
    pub request_hash: String,
}

/// What became of a submission.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Submitted {
    /// Stored durably now.
    Created(MessageId),
    /// The key was used before: the first submission's message id and request hash.
    Replayed {
        message_id: MessageId,
        request_hash: String,
    },
}

/// A page of a citizen's inbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageQuery {
    pub archived: bool,
    /// Only ids strictly below.
    pub maximum_id: Option<MessageId>,
    /// Only ids strictly above.
    pub minimum_id: Option<MessageId>,
    /// Only the messages of this sender (an entity's preview of its test user's inbox).
    pub sender: Option<TenantId>,
    pub limit: u32,
}

/// A page of a sender's sent messages, newest first: by `created_ms`, then by id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SentQuery {
    /// The sender: only its messages, whatever else is asked.
    pub sender: TenantId,
    /// Only the messages sent with this configuration.
    pub configuration: Option<ConfigurationId>,
    /// Only `created_ms >= from_ms`.
    pub from_ms: Option<i64>,
    /// Only `created_ms < to_ms`.
    pub to_ms: Option<i64>,
    /// Only what comes after this position (the last of the previous page): `(created_ms, id)`
    /// strictly below.
    pub before: Option<(i64, MessageId)>,
    pub limit: u32,
}

/// A sent message as the sender's listing reads it, with its position (`created_ms`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sent {
    pub created_ms: i64,
    pub item: SentMessageItem,
}

pub trait Store: Send + Sync + 'static {
    fn ping(&self) -> BoxFuture<'_, Result<(), StoreError>>;

    fn put_configuration(
        &self,
        c: &Configuration,
        now: &str,
    ) -> BoxFuture<'_, Result<(), StoreError>>;
    /// Replaces the body of the configuration `c.id` if it still exists and belongs to
    /// `c.owner`; `false` if not (deleted meanwhile: nothing is re-created).
    fn replace_configuration(
        &self,
        c: &Configuration,
        now: &str,
    ) -> BoxFuture<'_, Result<bool, StoreError>>;
    fn configuration(
        &self,
        id: &ConfigurationId,
    ) -> BoxFuture<'_, Result<Option<Configuration>, StoreError>>;
    fn configurations_of(
        &self,
        owner: &TenantId,
    ) -> BoxFuture<'_, Result<Vec<Configuration>, StoreError>>;
    fn delete_configuration(&self, id: &ConfigurationId)
    -> BoxFuture<'_, Result<bool, StoreError>>;

    /// Stores a message durably (fsync'd before it returns), once per idempotency key.
    fn submit(
        &self,
        m: Message,
        key: Option<IdempotencyKey>,
    ) -> BoxFuture<'_, Result<Submitted, StoreError>>;
    /// The first answer recorded for an idempotency key, if any.
    fn idempotent(
        &self,
        sender: &TenantId,
        key: &str,
    ) -> BoxFuture<'_, Result<Option<(MessageId, String)>, StoreError>>;
    fn message(&self, id: &MessageId) -> BoxFuture<'_, Result<Option<Message>, StoreError>>;
    /// A page of a citizen's inbox, newest first: summaries only.
    fn inbox(
        &self,
        fiscal_code: &FiscalCode,
        page: PageQuery,
    ) -> BoxFuture<'_, Result<Vec<MessageSummary>, StoreError>>;
    /// A page of a sender's messages, newest first (`SentQuery`): summaries only.
    fn sent(&self, q: SentQuery) -> BoxFuture<'_, Result<Vec<Sent>, StoreError>>;
    /// Sets the status of a citizen's message; `None` if it is not theirs.
    fn set_status(
        &self,
        id: &MessageId,
        fiscal_code: &FiscalCode,
        read: Option<bool>,
        archived: Option<bool>,
    ) -> BoxFuture<'_, Result<Option<(bool, bool)>, StoreError>>;
}
