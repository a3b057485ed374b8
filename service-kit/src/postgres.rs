//! PostgreSQL, as both services use it: which `database_url` selects it, one instance's pool, and
//! migrations that run once however many instances start together.

use sqlx::migrate::Migrator;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{AssertSqlSafe, Connection, PgPool};
use std::str::FromStr;
use std::time::Duration;

/// Connections of one instance's pool.
const MAX_CONNECTIONS: u32 = 16;
/// How long a request waits for a free connection before the store is reported unavailable.
const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(5);

/// What a `database_url` setting names, for the engine and the gateway alike: `None` (absent or
/// blank) for the embedded SQLite store, the URL for PostgreSQL, or an error naming the scheme
/// (never the rest of the URL, which may hold a password).
pub fn url(database_url: Option<&str>) -> Result<Option<String>, String> {
    match database_url.map(str::trim) {
        None | Some("") => Ok(None),
        Some(url) if url.starts_with("postgres://") || url.starts_with("postgresql://") => {
            Ok(Some(url.to_owned()))
        }
        Some(url) => Err(format!(
            "database_url must start with postgres:// (or be absent for the embedded SQLite \
             store), not {:?}",
            url.split(':').next().unwrap_or_default()
        )),
    }
}

/// Which store a service opens: its embedded files (`E`: where they are), or PostgreSQL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Database<E> {
    /// The embedded SQLite store.
    Embedded(E),
    /// A PostgreSQL URL.
    Postgres(String),
}

impl<E> Database<E> {
    /// From a `database_url` setting (read by [`url`]): PostgreSQL when it names a server, the
    /// `embedded` files when it is absent or blank, an error for any other scheme.
    pub fn select(
        database_url: Option<&str>,
        embedded: impl FnOnce() -> E,
    ) -> Result<Self, String> {
        Ok(match url(database_url)? {
            None => Database::Embedded(embedded()),
            Some(url) => Database::Postgres(url),
        })
    }
}

/// One instance's pool on `url` (`postgres://user:password@host:port/database`, with sqlx's URL
/// parameters, e.g. `?options[search_path]=recapito` for a schema): 16 connections, a request
/// waits at most 5 s for one.
pub async fn connect(url: &str) -> Result<PgPool, String> {
    let options = PgConnectOptions::from_str(url).map_err(|e| format!("bad database_url: {e}"))?;
    PgPoolOptions::new()
        .max_connections(MAX_CONNECTIONS)
        .acquire_timeout(ACQUIRE_TIMEOUT)
        .connect_with(options)
        .await
        .map_err(|e| e.to_string())
}

/// A service's pool on `url` with its migrations run: [`connect`], then [`migrate_locked`]
/// under `lock_table`. The error says which step failed.
pub async fn open(
    url: &str,
    lock_table: &'static str,
    migrator: Migrator,
) -> Result<PgPool, String> {
    let pool = connect(url).await?;
    migrate_locked(&pool, lock_table, migrator)
        .await
        .map_err(|e| format!("migration failed: {e}"))?;
    Ok(pool)
}

/// Runs `migrator` once, however many instances start at the same moment, without advisory locks
/// (each service with its own `lock_table`).
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_database_url_is_postgres_or_absent() {
        assert_eq!(url(None), Ok(None));
        assert_eq!(url(Some("  ")), Ok(None));
        for u in [
            "postgres://u:p@db:5432/recapito",
            "postgresql://db/recapito",
        ] {
            assert_eq!(url(Some(u)), Ok(Some(u.to_owned())));
        }
        let e = url(Some("mysql://u:secret@db/recapito")).unwrap_err();
        assert!(e.contains("postgres://") && !e.contains("secret"), "{e}");
    }

    #[test]
    fn a_database_url_selects_postgres_else_the_embedded_files() {
        let embedded = || "files";
        assert_eq!(
            Database::select(None, embedded),
            Ok(Database::Embedded("files"))
        );
        assert_eq!(
            Database::select(Some(" "), embedded),
            Ok(Database::Embedded("files"))
        );
        assert_eq!(
            Database::select(Some("postgres://db/recapito"), embedded),
            Ok(Database::Postgres("postgres://db/recapito".into()))
        );
        assert!(Database::select(Some("mysql://db/recapito"), embedded).is_err());
    }
}
