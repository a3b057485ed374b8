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
//! ([`service_kit::postgres::migrate_locked`]). Tables are prefixed `interop_` and sqlx's bookkeeping table is
//! `interop_migrations`, so the gateway and the engine can share one database and schema.

use super::{
    BoxFuture, FAILURES_KEPT_PER_CLIENT, FailureRecord, JtiUse, Record, Store, StoreError,
    StoredKey,
};
use sqlx::{PgPool, Postgres, QueryBuilder, Row};
use std::collections::HashSet;

#[derive(Clone)]
pub struct PostgresStore {
    pool: PgPool,
}

impl PostgresStore {
    /// Connects to `url` and runs the engine's migrations
    /// ([`service_kit::postgres::migrate_locked`], under `interop_migration_lock`).
    pub async fn open(url: &str) -> Result<PostgresStore, StoreError> {
        let mut migrator = sqlx::migrate!("./migrations/postgres");
        // Not sqlx's `_sqlx_migrations`: that one belongs to the gateway when both share a schema.
        migrator.dangerous_set_table_name("interop_migrations");
        let pool = service_kit::postgres::open(url, "interop_migration_lock", migrator)
            .await
            .map_err(StoreError::Unavailable)?;
        Ok(PostgresStore { pool })
    }
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
