//! The PostgreSQL store, selected by a `postgres://` `database_url`: several engine instances share
//! one database.
//!
//! - **Event log.** Each instance keeps the state in memory and appends with `seq = N + 1` after
//!   deciding on state `N`; the primary key of `interop_events` lets exactly one of two racing
//!   instances win (the loser's insert waits for the winner's commit, then fails as a duplicate),
//!   and the loser catches up and decides again on the new state. Commands across instances are
//!   therefore serialized, which is what keeps a purpose's threshold, or one agreement per
//!   consumer and e-service, true with any number of instances. A committed seq is never skipped:
//!   `N + 1` is only written by an instance that has read `N`.
//! - **Assertion ids.** `INSERT ... ON CONFLICT DO NOTHING RETURNING`: of two instances
//!   recording the same `(client, jti)`, one gets the row back and the other nothing, so a
//!   replayed assertion is refused whichever instance it reaches.
//! - **Signing keys.** In `interop_signing_keys`, so every instance signs with the same current key
//!   and publishes the same JWKS (the private keys are therefore in the database: protect it as
//!   the key itself, or configure `tokens.signing_key_path` from a shared secret instead).
//!
//! Durability: every write is its own transaction, committed before the call returns.
//! Migrations (`migrations/postgres/`) run at open, safely from several instances at once
//! ([`migrate_locked`]). Tables are prefixed `interop_` and sqlx's bookkeeping table is
//! `interop_migrations`, so the gateway and the engine can share one database and schema.

use super::{
    BoxFuture, FAILURES_KEPT_PER_CLIENT, FailureRecord, JtiUse, Record, Store, StoreError,
    StoredKey,
};
use sqlx::migrate::Migrator;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{AssertSqlSafe, Connection, PgPool, Postgres, QueryBuilder, Row};
use std::collections::HashSet;
use std::str::FromStr;
use std::time::Duration;

/// Connections of one instance's pool.
const MAX_CONNECTIONS: u32 = 16;
/// How long a request waits for a free connection before the store is reported unavailable.
const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(5);

#[derive(Clone)]
pub struct PostgresStore {
    pool: PgPool,
}

impl PostgresStore {
    /// Connects to `url` and runs the migrations.
    pub async fn open(url: &str) -> Result<PostgresStore, StoreError> {
        let pool = connect(url).await.map_err(StoreError::Unavailable)?;
        migrate(&pool).await?;
        Ok(PostgresStore { pool })
    }
}

/// One instance's pool on `url` (`postgres://user:password@host:port/database`, with sqlx's URL
/// parameters, e.g. `?options[search_path]=recapito` for a schema): 16 connections, a request
/// waits at most 5 s for one. The gateway's PostgreSQL store opens its pool here too.
pub async fn connect(url: &str) -> Result<PgPool, String> {
    let options = PgConnectOptions::from_str(url).map_err(|e| format!("bad database_url: {e}"))?;
    PgPoolOptions::new()
        .max_connections(MAX_CONNECTIONS)
        .acquire_timeout(ACQUIRE_TIMEOUT)
        .connect_with(options)
        .await
        .map_err(|e| e.to_string())
}

/// Runs the engine's migrations (see [`migrate_locked`]).
async fn migrate(pool: &PgPool) -> Result<(), StoreError> {
    let mut migrator = sqlx::migrate!("./migrations/postgres");
    // Not sqlx's `_sqlx_migrations`: that one belongs to the gateway when both share a schema.
    migrator.dangerous_set_table_name("interop_migrations");
    migrate_locked(pool, "interop_migration_lock", migrator)
        .await
        .map_err(|e| StoreError::Unavailable(format!("migration failed: {e}")))
}

/// Runs `migrator` once, however many instances start at the same moment, without advisory locks
/// (the gateway's PostgreSQL store uses it too, with its own `lock_table`).
///
/// sqlx 0.9's migrator serializes migrators on PostgreSQL with a session advisory lock
/// (`pg_advisory_lock` in `sqlx-postgres`'s `Migrate::lock`, taken by `Migrator::run` while
/// `locking` is true, its default). Advisory locks are missing from PostgreSQL-compatible
/// distributed databases, so that lock is turned off and replaced by a row lock: every instance
/// takes `SELECT ... FOR UPDATE` on the one row of `lock_table` and runs the migrator inside that
/// same transaction (each migration becomes a savepoint in it). The second instance waits for the
/// first to commit, then finds every migration applied. The lock table itself is created with
/// `IF NOT EXISTS`, which can still fail when two instances create it at the same instant (a
/// duplicate in the catalog): that attempt is retried, up to 5 times.
pub async fn migrate_locked(
    pool: &PgPool,
    lock_table: &'static str,
    mut migrator: Migrator,
) -> Result<(), String> {
    migrator.set_locking(false);
    let mut attempt = 0;
    loop {
        match migrate_once(pool, lock_table, &migrator).await {
            Ok(()) => return Ok(()),
            Err(e) if attempt < 5 => {
                attempt += 1;
                tracing::warn!(error = %e, attempt, "migration attempt failed; retrying");
                tokio::time::sleep(Duration::from_millis(50 * attempt)).await;
            }
            Err(e) => return Err(e),
        }
    }
}

async fn migrate_once(
    pool: &PgPool,
    lock_table: &'static str,
    migrator: &Migrator,
) -> Result<(), String> {
    let text = |e: sqlx::Error| e.to_string();
    let mut conn = pool.acquire().await.map_err(text)?;
    sqlx::query(AssertSqlSafe(format!(
        "CREATE TABLE IF NOT EXISTS {lock_table} (id INTEGER PRIMARY KEY)"
    )))
    .execute(&mut *conn)
    .await
    .map_err(text)?;
    sqlx::query(AssertSqlSafe(format!(
        "INSERT INTO {lock_table} (id) VALUES (1) ON CONFLICT DO NOTHING"
    )))
    .execute(&mut *conn)
    .await
    .map_err(text)?;
    let mut tx = conn.begin().await.map_err(text)?;
    sqlx::query(AssertSqlSafe(format!(
        "SELECT id FROM {lock_table} WHERE id = 1 FOR UPDATE"
    )))
    .fetch_one(&mut *tx)
    .await
    .map_err(text)?;
    // `run_direct` is what `Migrator::run` calls after acquiring; called directly on the
    // transaction's connection, because `run`'s `Acquire` bound makes this future not `Send`
    // (the "Acquire is not general enough" problem sqlx names next to it). It takes the advisory
    // lock unless `locking` is off, which `migrate_locked` made sure of.
    migrator
        .run_direct(None, &mut *tx, false)
        .await
        .map_err(|e| e.to_string())?;
    tx.commit().await.map_err(text)
}

impl Store for PostgresStore {
    fn load_since(&self, after: i64) -> BoxFuture<'_, Result<Vec<Record>, StoreError>> {
        Box::pin(async move {
            let rows = sqlx::query(
                "SELECT seq, recorded_at, command, actor, events FROM interop_events \
                 WHERE seq > $1 ORDER BY seq",
            )
            .bind(after)
            .fetch_all(&self.pool)
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
                "INSERT INTO interop_events (seq, recorded_at, command, actor, events) \
                 VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(seq)
            .bind(&record.recorded_at)
            .bind(&record.command)
            .bind(actor)
            .bind(events)
            .execute(&self.pool)
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
            let mut q: QueryBuilder<Postgres> =
                QueryBuilder::new("INSERT INTO interop_seen_jti (client_id, jti, expires_at) ");
            q.push_values(items, |mut row, (client, jti, exp)| {
                row.push_bind(client).push_bind(jti).push_bind(exp);
            });
            q.push(" ON CONFLICT DO NOTHING RETURNING client_id, jti");
            let rows = q.build().fetch_all(&self.pool).await?;
            rows.into_iter()
                .map(|r| Ok((r.try_get("client_id")?, r.try_get("jti")?)))
                .collect()
        })
    }

    fn prune_jti(&self, before: i64) -> BoxFuture<'_, Result<u64, StoreError>> {
        Box::pin(async move {
            let r = sqlx::query("DELETE FROM interop_seen_jti WHERE expires_at < $1")
                .bind(before)
                .execute(&self.pool)
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
                "INSERT INTO interop_token_failures \
                 (id, at, client_id, kid, purpose_id, code, detail) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(uuid::Uuid::now_v7().to_string())
            .bind(&f.at)
            .bind(client)
            .bind(&f.kid)
            .bind(&f.purpose_id)
            .bind(&f.code)
            .bind(&f.detail)
            .execute(&self.pool)
            .await?;
            sqlx::query(
                "DELETE FROM interop_token_failures WHERE client_id = $1 AND id <= (SELECT id \
                 FROM interop_token_failures WHERE client_id = $1 ORDER BY id DESC \
                 LIMIT 1 OFFSET $2)",
            )
            .bind(client)
            .bind(FAILURES_KEPT_PER_CLIENT)
            .execute(&self.pool)
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
                "SELECT at, kid, purpose_id, code, detail FROM interop_token_failures \
                 WHERE client_id = $1 ORDER BY id DESC LIMIT $2",
            )
            .bind(client)
            .bind(limit)
            .fetch_all(&self.pool)
            .await?;
            rows.iter().map(super::failure_from).collect()
        })
    }

    fn signing_keys(&self) -> BoxFuture<'_, Result<Vec<StoredKey>, StoreError>> {
        Box::pin(async move {
            let rows = sqlx::query(
                "SELECT created, private_pem FROM interop_signing_keys ORDER BY created",
            )
            .fetch_all(&self.pool)
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
                "INSERT INTO interop_signing_keys (created, private_pem) VALUES ($1, $2) \
                 ON CONFLICT DO NOTHING",
            )
            .bind(key.created)
            .bind(&key.private_pem)
            .execute(&self.pool)
            .await?;
            Ok(r.rows_affected() == 1)
        })
    }
}
