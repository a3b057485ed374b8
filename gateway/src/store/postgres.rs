//! The PostgreSQL store, selected by a `postgres://` `database_url`: several gateway instances
//! share one database, so this store keeps **nothing** in memory that another instance can
//! change. Every configuration, message and status is read from the database each time (unlike
//! [`super::SqliteStore`], whose file belongs to one process): a configuration changed through
//! one instance applies at once on every other, and a message marked read through one is read on
//! all of them.
//!
//! Durability: a submission is one transaction, committed before `submit` returns (with the
//! server's default `synchronous_commit = on`, its WAL record is flushed). Concurrent
//! submissions share WAL flushes in the server (PostgreSQL's own group commit), so there is no
//! writer task here. Idempotency holds across instances through the primary key of
//! `idempotency`: `INSERT ... ON CONFLICT DO NOTHING RETURNING` waits for a concurrent insert of
//! the same key to commit or abort, so of two racing submissions exactly one stores its message
//! and the other reads the first one's answer.
//!
//! Migrations (`migrations/postgres/`) run at open and are safe when several instances start at
//! once; see [`migrate`].

use super::rows::{
    self, MessageRow, SENT_COLUMNS, SUMMARY_COLUMNS, SentRow, SummaryRow, level_str,
};
use super::{
    BoxFuture, ConfigurationRow, IdempotencyKey, PageQuery, Sent, SentQuery, Store, StoreError,
    Submitted,
};
use crate::domain::configuration::Configuration;
use crate::domain::message::{Message, MessageSummary};
use crate::domain::{ConfigurationId, MessageId, TenantId};
use provider_sdk::contract::FiscalCode;
use sqlx::postgres::PgRow;
use sqlx::{PgPool, Postgres, QueryBuilder, Row};

#[derive(Clone)]
pub struct PostgresStore {
    pool: PgPool,
}

impl PostgresStore {
    /// Connects to `url` (the pool settings of [`service_kit::postgres::connect`]) and runs the
    /// migrations once however many instances start together, under the row lock of
    /// `gateway_migration_lock` ([`service_kit::postgres::migrate_locked`]).
    pub async fn open(url: &str) -> Result<PostgresStore, StoreError> {
        let migrator = sqlx::migrate!("./migrations/postgres");
        let pool = service_kit::postgres::open(url, "gateway_migration_lock", migrator)
            .await
            .map_err(StoreError::Unavailable)?;
        Ok(PostgresStore { pool })
    }
}

fn message_from(row: &PgRow) -> Result<Message, StoreError> {
    MessageRow {
        id: row.try_get("id")?,
        fiscal_code: row.try_get("fiscal_code")?,
        sender: row.try_get("sender")?,
        sender_service_id: row.try_get("sender_service_id")?,
        created_at: row.try_get("created_at")?,
        time_to_live: row.try_get("time_to_live")?,
        feature_level: row.try_get("feature_level")?,
        content: row.try_get("content")?,
        is_read: row.try_get("is_read")?,
        is_archived: row.try_get("is_archived")?,
    }
    .into_message()
}

fn summary_from(row: &PgRow) -> Result<MessageSummary, StoreError> {
    SummaryRow {
        id: row.try_get("id")?,
        fiscal_code: row.try_get("fiscal_code")?,
        sender: row.try_get("sender")?,
        sender_service_id: row.try_get("sender_service_id")?,
        created_at: row.try_get("created_at")?,
        time_to_live: row.try_get("time_to_live")?,
        subject: row.try_get("subject")?,
        has_attachments: row.try_get("has_attachments")?,
        has_precondition: row.try_get("has_precondition")?,
        is_read: row.try_get("is_read")?,
        is_archived: row.try_get("is_archived")?,
    }
    .into_summary()
}

fn configuration_from(row: &PgRow) -> Result<Configuration, StoreError> {
    rows::configuration(row.try_get("id")?, row.try_get("body")?)
}

const INSERT_MESSAGE: &str = "INSERT INTO messages (id, fiscal_code, sender, sender_service_id, \
     created_at, time_to_live, feature_level, is_read, is_archived, subject, has_attachments, \
     has_precondition, content, created_ms, configuration_id) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, FALSE, FALSE, $8, $9, $10, $11, $12, $13)";

fn created_ms(m: &Message) -> Result<i64, sqlx::Error> {
    m.created_ms().ok_or_else(|| {
        sqlx::Error::Encode(format!("created_at {:?} is not RFC 3339", m.created_at).into())
    })
}

fn sent_from(row: &PgRow) -> Result<Sent, StoreError> {
    SentRow {
        id: row.try_get("id")?,
        fiscal_code: row.try_get("fiscal_code")?,
        subject: row.try_get("subject")?,
        created_at: row.try_get("created_at")?,
        created_ms: row.try_get("created_ms")?,
        configuration_id: row.try_get("configuration_id")?,
        is_read: row.try_get("is_read")?,
        is_archived: row.try_get("is_archived")?,
    }
    .into_sent()
}

async fn insert_message<'e, E>(exec: E, m: &Message, body: &str) -> Result<(), sqlx::Error>
where
    E: sqlx::Executor<'e, Database = Postgres>,
{
    sqlx::query(INSERT_MESSAGE)
        .bind(m.id.as_str())
        .bind(m.fiscal_code.as_str())
        .bind(m.sender.as_str())
        .bind(&m.sender_service_id)
        .bind(&m.created_at)
        .bind(i64::from(m.time_to_live))
        .bind(level_str(m.feature_level_type))
        .bind(&m.content.subject)
        .bind(m.has_attachments())
        .bind(m.has_precondition())
        .bind(body)
        .bind(created_ms(m)?)
        .bind(m.configuration_id())
        .execute(exec)
        .await?;
    Ok(())
}

impl Store for PostgresStore {
    fn ping(&self) -> BoxFuture<'_, Result<(), StoreError>> {
        Box::pin(async move {
            sqlx::query("SELECT 1").execute(&self.pool).await?;
            Ok(())
        })
    }

    fn put_configuration(
        &self,
        c: &Configuration,
        now: &str,
    ) -> BoxFuture<'_, Result<(), StoreError>> {
        let row = ConfigurationRow::new(c, now);
        Box::pin(async move {
            let ConfigurationRow {
                id,
                owner,
                body,
                now,
            } = row?;
            sqlx::query(
                "INSERT INTO configurations (id, owner, body, created_at, updated_at) \
                 VALUES ($1, $2, $3, $4, $4) \
                 ON CONFLICT (id) DO UPDATE SET body = excluded.body, updated_at = excluded.updated_at",
            )
            .bind(&id)
            .bind(&owner)
            .bind(&body)
            .bind(&now)
            .execute(&self.pool)
            .await?;
            Ok(())
        })
    }

    fn replace_configuration(
        &self,
        c: &Configuration,
        now: &str,
    ) -> BoxFuture<'_, Result<bool, StoreError>> {
        let row = ConfigurationRow::new(c, now);
        Box::pin(async move {
            let ConfigurationRow {
                id,
                owner,
                body,
                now,
            } = row?;
            let r = sqlx::query(
                "UPDATE configurations SET body = $1, updated_at = $2 WHERE id = $3 AND owner = $4",
            )
            .bind(&body)
            .bind(&now)
            .bind(&id)
            .bind(&owner)
            .execute(&self.pool)
            .await?;
            Ok(r.rows_affected() == 1)
        })
    }

    fn configuration(
        &self,
        id: &ConfigurationId,
    ) -> BoxFuture<'_, Result<Option<Configuration>, StoreError>> {
        let id = id.to_string();
        Box::pin(async move {
            let row = sqlx::query("SELECT id, body FROM configurations WHERE id = $1")
                .bind(&id)
                .fetch_optional(&self.pool)
                .await?;
            row.as_ref().map(configuration_from).transpose()
        })
    }

    fn configurations_of(
        &self,
        owner: &TenantId,
    ) -> BoxFuture<'_, Result<Vec<Configuration>, StoreError>> {
        let owner = owner.to_string();
        Box::pin(async move {
            sqlx::query("SELECT id, body FROM configurations WHERE owner = $1 ORDER BY id")
                .bind(&owner)
                .fetch_all(&self.pool)
                .await?
                .iter()
                .map(configuration_from)
                .collect()
        })
    }

    fn delete_configuration(
        &self,
        id: &ConfigurationId,
    ) -> BoxFuture<'_, Result<bool, StoreError>> {
        let id = id.to_string();
        Box::pin(async move {
            let r = sqlx::query("DELETE FROM configurations WHERE id = $1")
                .bind(&id)
                .execute(&self.pool)
                .await?;
            Ok(r.rows_affected() == 1)
        })
    }

    fn submit(
        &self,
        m: Message,
        key: Option<IdempotencyKey>,
    ) -> BoxFuture<'_, Result<Submitted, StoreError>> {
        Box::pin(async move {
            let body = serde_json::to_string(&m.content)
                .map_err(|e| StoreError::Corrupt(m.id.to_string(), e.to_string()))?;
            let Some(k) = key else {
                insert_message(&self.pool, &m, &body).await?;
                return Ok(Submitted::Created(m.id));
            };
            // A caller that goes away mid-transaction drops it: the connection rolls it back.
            let mut tx = self.pool.begin().await?;
            let fresh = sqlx::query(
                "INSERT INTO idempotency (sender, key, request_hash, message_id, created_at) \
                 VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING RETURNING message_id",
            )
            .bind(k.sender.as_str())
            .bind(&k.key)
            .bind(&k.request_hash)
            .bind(m.id.as_str())
            .bind(&m.created_at)
            .fetch_optional(&mut *tx)
            .await?;
            if fresh.is_none() {
                // Committed by an earlier (or a concurrent, now finished) submission: READ
                // COMMITTED gives this statement a snapshot that includes it.
                let row = sqlx::query(
                    "SELECT message_id, request_hash FROM idempotency WHERE sender = $1 AND key = $2",
                )
                .bind(k.sender.as_str())
                .bind(&k.key)
                .fetch_one(&mut *tx)
                .await?;
                tx.rollback().await?;
                return Ok(Submitted::Replayed {
                    message_id: rows::message_id(row.try_get("message_id")?)?,
                    request_hash: row.try_get("request_hash")?,
                });
            }
            insert_message(&mut *tx, &m, &body).await?;
            tx.commit().await?;
            Ok(Submitted::Created(m.id))
        })
    }

    fn idempotent(
        &self,
        sender: &TenantId,
        key: &str,
    ) -> BoxFuture<'_, Result<Option<(MessageId, String)>, StoreError>> {
        let (sender, key) = (sender.to_string(), key.to_owned());
        Box::pin(async move {
            let row = sqlx::query(
                "SELECT message_id, request_hash FROM idempotency WHERE sender = $1 AND key = $2",
            )
            .bind(&sender)
            .bind(&key)
            .fetch_optional(&self.pool)
            .await?;
            Ok(match row {
                Some(r) => Some((
                    rows::message_id(r.try_get("message_id")?)?,
                    r.try_get("request_hash")?,
                )),
                None => None,
            })
        })
    }

    fn message(&self, id: &MessageId) -> BoxFuture<'_, Result<Option<Message>, StoreError>> {
        let id = id.to_owned();
        Box::pin(async move {
            let row = sqlx::query("SELECT * FROM messages WHERE id = $1")
                .bind(id.as_str())
                .fetch_optional(&self.pool)
                .await?;
            row.as_ref().map(message_from).transpose()
        })
    }

    fn inbox(
        &self,
        fiscal_code: &FiscalCode,
        page: PageQuery,
    ) -> BoxFuture<'_, Result<Vec<MessageSummary>, StoreError>> {
        let fiscal_code = fiscal_code.as_str().to_owned();
        Box::pin(async move {
            let mut q: QueryBuilder<Postgres> = QueryBuilder::new(format!(
                "SELECT {SUMMARY_COLUMNS} FROM messages WHERE fiscal_code = "
            ));
            q.push_bind(&fiscal_code)
                .push(" AND is_archived = ")
                .push_bind(page.archived);
            if let Some(max) = &page.maximum_id {
                q.push(" AND id < ").push_bind(max.as_str());
            }
            if let Some(min) = &page.minimum_id {
                q.push(" AND id > ").push_bind(min.as_str());
            }
            if let Some(sender) = &page.sender {
                q.push(" AND sender = ").push_bind(sender.as_str());
            }
            q.push(" ORDER BY id DESC LIMIT ")
                .push_bind(i64::from(page.limit));
            q.build()
                .fetch_all(&self.pool)
                .await?
                .iter()
                .map(summary_from)
                .collect()
        })
    }

    fn sent(&self, q: SentQuery) -> BoxFuture<'_, Result<Vec<Sent>, StoreError>> {
        Box::pin(async move {
            let mut b: QueryBuilder<Postgres> = QueryBuilder::new(format!(
                "SELECT {SENT_COLUMNS} FROM messages WHERE sender = "
            ));
            b.push_bind(q.sender.as_str());
            if let Some(c) = &q.configuration {
                b.push(" AND configuration_id = ").push_bind(c.as_str());
            }
            if let Some(from) = q.from_ms {
                b.push(" AND created_ms >= ").push_bind(from);
            }
            if let Some(to) = q.to_ms {
                b.push(" AND created_ms < ").push_bind(to);
            }
            if let Some((ms, id)) = &q.before {
                b.push(" AND (created_ms, id) < (")
                    .push_bind(*ms)
                    .push(", ")
                    .push_bind(id.as_str())
                    .push(")");
            }
            b.push(" ORDER BY created_ms DESC, id DESC LIMIT ")
                .push_bind(i64::from(q.limit));
            b.build()
                .fetch_all(&self.pool)
                .await?
                .iter()
                .map(sent_from)
                .collect()
        })
    }

    fn set_status(
        &self,
        id: &MessageId,
        fiscal_code: &FiscalCode,
        read: Option<bool>,
        archived: Option<bool>,
    ) -> BoxFuture<'_, Result<Option<(bool, bool)>, StoreError>> {
        let (id, fiscal_code) = (id.to_string(), fiscal_code.as_str().to_owned());
        Box::pin(async move {
            let row = sqlx::query(
                "UPDATE messages SET is_read = COALESCE($1, is_read), \
                 is_archived = COALESCE($2, is_archived) \
                 WHERE id = $3 AND fiscal_code = $4 RETURNING is_read, is_archived",
            )
            .bind(read)
            .bind(archived)
            .bind(&id)
            .bind(&fiscal_code)
            .fetch_optional(&self.pool)
            .await?;
            Ok(match row {
                Some(r) => Some((r.try_get("is_read")?, r.try_get("is_archived")?)),
                None => None,
            })
        })
    }
}
