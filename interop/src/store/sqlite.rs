//! The SQLite store (the default): two files in the data folder.
//!
//! - `interop.db`, the event log and the signing keys: WAL, `synchronous=FULL`, so an
//!   acknowledged command survives a crash or power loss;
//! - `tokens.db`, assertion ids and refusals: `synchronous=NORMAL`, so recording a jti costs no
//!   fsync and token issuance never queues behind the log's durable writes (a power loss can
//!   forget the last jtis; their assertions expire within minutes anyway).

use super::{
    BoxFuture, FAILURES_KEPT_PER_CLIENT, FailureRecord, JtiUse, Record, Store, StoreError,
    StoredKey,
};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{QueryBuilder, Row, Sqlite, SqlitePool};
use std::collections::HashSet;
use std::path::Path;
use std::time::Duration;

#[derive(Clone)]
pub struct SqliteStore {
    log: SqlitePool,
    tokens: SqlitePool,
}

async fn pool(path: &Path, synchronous: SqliteSynchronous) -> Result<SqlitePool, StoreError> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(|e| {
            StoreError::Unavailable(format!("cannot create {}: {e}", dir.display()))
        })?;
    }
    let options = SqliteConnectOptions::new()
        .filename(path)
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(synchronous)
        .busy_timeout(Duration::from_secs(5));
    Ok(SqlitePoolOptions::new()
        .max_connections(4)
        .connect_with(options)
        .await?)
}

fn migration_failed(e: sqlx::migrate::MigrateError) -> StoreError {
    StoreError::Unavailable(format!("migration failed: {e}"))
}

impl SqliteStore {
    /// Opens (creating if needed) the two database files and runs their migrations.
    pub async fn open(log: &Path, tokens: &Path) -> Result<Self, StoreError> {
        let log = pool(log, SqliteSynchronous::Full).await?;
        sqlx::migrate!("./migrations/sqlite")
            .run(&log)
            .await
            .map_err(migration_failed)?;
        let tokens = pool(tokens, SqliteSynchronous::Normal).await?;
        sqlx::migrate!("./migrations/tokens")
            .run(&tokens)
            .await
            .map_err(migration_failed)?;
        Ok(Self { log, tokens })
    }
}

impl Store for SqliteStore {
    fn load_since(&self, after: i64) -> BoxFuture<'_, Result<Vec<Record>, StoreError>> {
        Box::pin(async move {
            let rows = sqlx::query(
                "SELECT seq, recorded_at, command, actor, events FROM events \
                 WHERE seq > ? ORDER BY seq",
            )
            .bind(after)
            .fetch_all(&self.log)
            .await?;
            rows.into_iter()
                .map(|row| {
                    super::decode_record(
                        row.try_get("seq")?,
                        row.try_get("recorded_at")?,
                        row.try_get("command")?,
                        row.try_get("actor")?,
                        row.try_get("events")?,
                    )
                })
                .collect()
        })
    }

    fn append(&self, expected: i64, record: Record) -> BoxFuture<'_, Result<i64, StoreError>> {
        Box::pin(async move {
            let (seq, actor, events) = super::encode_record(expected, &record)?;
            let result = sqlx::query(
                "INSERT INTO events (seq, recorded_at, command, actor, events) \
                 VALUES (?, ?, ?, ?, ?)",
            )
            .bind(seq)
            .bind(&record.recorded_at)
            .bind(&record.command)
            .bind(actor)
            .bind(events)
            .execute(&self.log)
            .await;
            super::appended(seq, result.map(drop))
        })
    }

    fn first_uses<'a>(
        &'a self,
        items: &'a [JtiUse],
    ) -> BoxFuture<'a, Result<HashSet<(String, String)>, StoreError>> {
        Box::pin(async move {
            if items.is_empty() {
                return Ok(HashSet::new());
            }
            let mut q: QueryBuilder<Sqlite> =
                QueryBuilder::new("INSERT INTO seen_jti (client_id, jti, expires_at) ");
            q.push_values(items, |mut row, (client, jti, exp)| {
                row.push_bind(client).push_bind(jti).push_bind(exp);
            });
            q.push(" ON CONFLICT DO NOTHING RETURNING client_id, jti");
            let rows = q.build().fetch_all(&self.tokens).await?;
            rows.into_iter()
                .map(|r| Ok((r.try_get("client_id")?, r.try_get("jti")?)))
                .collect()
        })
    }

    fn prune_jti(&self, before: i64) -> BoxFuture<'_, Result<u64, StoreError>> {
        Box::pin(async move {
            let r = sqlx::query("DELETE FROM seen_jti WHERE expires_at < ?")
                .bind(before)
                .execute(&self.tokens)
                .await?;
            Ok(r.rows_affected())
        })
    }

    fn record_failure<'a>(
        &'a self,
        client: &'a str,
        f: &'a FailureRecord,
    ) -> BoxFuture<'a, Result<(), StoreError>> {
        Box::pin(async move {
            sqlx::query(
                "INSERT INTO token_failures (at, client_id, kid, purpose_id, code, detail) \
                 VALUES (?, ?, ?, ?, ?, ?)",
            )
            .bind(&f.at)
            .bind(client)
            .bind(&f.kid)
            .bind(&f.purpose_id)
            .bind(&f.code)
            .bind(&f.detail)
            .execute(&self.tokens)
            .await?;
            sqlx::query(
                "DELETE FROM token_failures WHERE client_id = ? AND id <= (SELECT id FROM \
                 token_failures WHERE client_id = ? ORDER BY id DESC LIMIT 1 OFFSET ?)",
            )
            .bind(client)
            .bind(client)
            .bind(FAILURES_KEPT_PER_CLIENT)
            .execute(&self.tokens)
            .await?;
            Ok(())
        })
    }

    fn failures<'a>(
        &'a self,
        client: &'a str,
        limit: i64,
    ) -> BoxFuture<'a, Result<Vec<FailureRecord>, StoreError>> {
        Box::pin(async move {
            let rows = sqlx::query(
                "SELECT at, kid, purpose_id, code, detail FROM token_failures \
                 WHERE client_id = ? ORDER BY id DESC LIMIT ?",
            )
            .bind(client)
            .bind(limit)
            .fetch_all(&self.tokens)
            .await?;
            rows.iter().map(super::failure_from).collect()
        })
    }

    fn signing_keys(&self) -> BoxFuture<'_, Result<Vec<StoredKey>, StoreError>> {
        Box::pin(async move {
            let rows =
                sqlx::query("SELECT created, private_pem FROM signing_keys ORDER BY created")
                    .fetch_all(&self.log)
                    .await?;
            rows.iter().map(super::key_from).collect()
        })
    }

    fn add_signing_key<'a>(
        &'a self,
        key: &'a StoredKey,
    ) -> BoxFuture<'a, Result<bool, StoreError>> {
        Box::pin(async move {
            let r = sqlx::query(
                "INSERT INTO signing_keys (created, private_pem) VALUES (?, ?) \
                 ON CONFLICT DO NOTHING",
            )
            .bind(key.created)
            .bind(&key.private_pem)
            .execute(&self.log)
            .await?;
            Ok(r.rows_affected() == 1)
        })
    }
}
