//! The token side's store: assertion ids already accepted (replay protection) and the causes of
//! refused requests. A separate SQLite file from the event log, with `synchronous=NORMAL`: a jti
//! costs no fsync, so token issuance never queues behind the log's durable writes.

use super::refusal::Refusal;
use crate::domain::ids::ClientId;
use serde::Serialize;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Row, SqlitePool};
use std::path::Path;
use std::time::Duration;

/// Failures kept per client (older ones are pruned).
pub const FAILURES_KEPT_PER_CLIENT: i64 = 200;

#[derive(Clone)]
pub struct TokenStore {
    pool: SqlitePool,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct FailureRecord {
    pub at: String,
    pub kid: Option<String>,
    pub purpose_id: Option<String>,
    pub code: String,
    pub detail: String,
}

impl TokenStore {
    pub async fn open(path: &Path) -> Result<TokenStore, sqlx::Error> {
        let options = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .busy_timeout(Duration::from_secs(5));
        let pool = SqlitePoolOptions::new()
            .max_connections(4)
            .connect_with(options)
            .await?;
        sqlx::migrate!("./migrations/tokens")
            .run(&pool)
            .await
            .map_err(|e| sqlx::Error::Migrate(Box::new(e)))?;
        Ok(TokenStore { pool })
    }

    /// Records `jti` for `client` until `expires_at`; `false` if it was already used.
    pub async fn first_use(
        &self,
        client: ClientId,
        jti: &str,
        expires_at: i64,
    ) -> Result<bool, sqlx::Error> {
        let r = sqlx::query("INSERT INTO seen_jti (client_id, jti, expires_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING")
            .bind(client.to_string())
            .bind(jti)
            .bind(expires_at)
            .execute(&self.pool)
            .await?;
        Ok(r.rows_affected() == 1)
    }

    /// Forgets jtis whose assertions expired (they would be refused as expired anyway).
    pub async fn prune(&self, now: i64, skew: i64) -> Result<u64, sqlx::Error> {
        let r = sqlx::query("DELETE FROM seen_jti WHERE expires_at < ?")
            .bind(now - skew)
            .execute(&self.pool)
            .await?;
        Ok(r.rows_affected())
    }

    pub async fn record_failure(
        &self,
        at: &str,
        client: ClientId,
        refusal: &Refusal,
    ) -> Result<(), sqlx::Error> {
        let id = client.to_string();
        sqlx::query("INSERT INTO token_failures (at, client_id, kid, purpose_id, code, detail) VALUES (?, ?, ?, ?, ?, ?)")
            .bind(at)
            .bind(&id)
            .bind(&refusal.kid)
            .bind(&refusal.purpose_id)
            .bind(refusal.code.as_str())
            .bind(&refusal.detail)
            .execute(&self.pool)
            .await?;
        sqlx::query("DELETE FROM token_failures WHERE client_id = ? AND id <= (SELECT id FROM token_failures WHERE client_id = ? ORDER BY id DESC LIMIT 1 OFFSET ?)")
            .bind(&id)
            .bind(&id)
            .bind(FAILURES_KEPT_PER_CLIENT)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// The client's most recent refusals, newest first.
    pub async fn failures(
        &self,
        client: ClientId,
        limit: i64,
    ) -> Result<Vec<FailureRecord>, sqlx::Error> {
        let rows = sqlx::query("SELECT at, kid, purpose_id, code, detail FROM token_failures WHERE client_id = ? ORDER BY id DESC LIMIT ?")
            .bind(client.to_string())
            .bind(limit)
            .fetch_all(&self.pool)
            .await?;
        Ok(rows
            .into_iter()
            .map(|r| FailureRecord {
                at: r.get("at"),
                kid: r.get("kid"),
                purpose_id: r.get("purpose_id"),
                code: r.get("code"),
                detail: r.get("detail"),
            })
            .collect())
    }
}
