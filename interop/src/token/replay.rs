//! The token side's store: assertion ids already accepted (replay protection) and the causes of
//! refused requests. A separate SQLite file from the event log, with `synchronous=NORMAL`: a jti
//! costs no fsync, so token issuance never queues behind the log's durable writes.

use super::refusal::Refusal;
use crate::domain::ids::ClientId;
use serde::Serialize;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{QueryBuilder, Row, Sqlite, SqlitePool};
use std::collections::HashSet;
use std::path::Path;
use std::time::Duration;
use tokio::sync::{mpsc, oneshot};

/// The most assertion ids recorded in one statement.
const MAX_BATCH: usize = 256;

struct Pending {
    client: String,
    jti: String,
    expires_at: i64,
    reply: oneshot::Sender<Result<bool, String>>,
}

/// Group commit for assertion ids: token requests queue their jti, one task records every queued
/// jti in one statement. A burst of requests costs one SQLite write instead of one each, and a
/// jti is still never accepted twice (the primary key decides, also across instances).
#[derive(Clone)]
pub struct JtiGate {
    tx: mpsc::Sender<Pending>,
}

impl JtiGate {
    /// Starts the recording task (on the current tokio runtime).
    pub fn start(store: TokenStore) -> JtiGate {
        let (tx, mut rx) = mpsc::channel::<Pending>(4 * MAX_BATCH);
        tokio::spawn(async move {
            while let Some(first) = rx.recv().await {
                let mut batch = vec![first];
                while batch.len() < MAX_BATCH {
                    match rx.try_recv() {
                        Ok(p) => batch.push(p),
                        Err(_) => break,
                    }
                }
                let items: Vec<(String, String, i64)> = batch
                    .iter()
                    .map(|p| (p.client.clone(), p.jti.clone(), p.expires_at))
                    .collect();
                match store.first_uses(&items).await {
                    Ok(mut fresh) => {
                        for p in batch {
                            let new = fresh.remove(&(p.client, p.jti));
                            let _ = p.reply.send(Ok(new));
                        }
                    }
                    Err(e) => {
                        for p in batch {
                            let _ = p.reply.send(Err(e.to_string()));
                        }
                    }
                }
            }
        });
        JtiGate { tx }
    }

    /// Records `jti` for `client` until `expires_at`; `false` if it was already used.
    pub async fn first_use(
        &self,
        client: ClientId,
        jti: &str,
        expires_at: i64,
    ) -> Result<bool, String> {
        let (reply, answer) = oneshot::channel();
        let pending = Pending {
            client: client.to_string(),
            jti: jti.to_owned(),
            expires_at,
            reply,
        };
        self.tx
            .send(pending)
            .await
            .map_err(|_| "the jti recorder stopped".to_owned())?;
        answer
            .await
            .map_err(|_| "the jti recorder stopped".to_owned())?
    }
}

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

    /// Records every `(client, jti, expires_at)` in one statement; returns the pairs that were
    /// new (a pair already recorded, or repeated within `items`, is not).
    pub async fn first_uses(
        &self,
        items: &[(String, String, i64)],
    ) -> Result<HashSet<(String, String)>, sqlx::Error> {
        let mut q: QueryBuilder<Sqlite> =
            QueryBuilder::new("INSERT INTO seen_jti (client_id, jti, expires_at) ");
        q.push_values(items, |mut row, (client, jti, exp)| {
            row.push_bind(client).push_bind(jti).push_bind(exp);
        });
        q.push(" ON CONFLICT DO NOTHING RETURNING client_id, jti");
        let rows = q.build().fetch_all(&self.pool).await?;
        Ok(rows
            .into_iter()
            .map(|r| (r.get("client_id"), r.get("jti")))
            .collect())
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
