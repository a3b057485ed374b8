//! The PostgreSQL test server (`RECAPITO_TEST_POSTGRES_URL`, started by scripts/test with
//! scripts/pg): a fresh schema per test, so tests run in parallel and never see each other's rows.
//! Without the variable the PostgreSQL tests fail under `CI=true` and are skipped, loudly,
//! otherwise.

use sqlx::postgres::PgPoolOptions;
use sqlx::{AssertSqlSafe, PgPool};

/// A fresh, empty schema on the test server.
pub struct PgSchema {
    /// The server's URL with every unqualified name in this schema.
    pub url: String,
    pub name: String,
    admin: PgPool,
}

/// A new schema named `{prefix}_{uuid}`, or `None` (after a loud notice) without a server.
pub async fn schema(prefix: &str) -> Option<PgSchema> {
    let base = match std::env::var("RECAPITO_TEST_POSTGRES_URL") {
        Ok(url) if !url.trim().is_empty() => url,
        _ if std::env::var("CI").is_ok_and(|v| v == "true" || v == "1") => panic!(
            "RECAPITO_TEST_POSTGRES_URL is not set and CI=true: the PostgreSQL tests must run \
             in CI (scripts/test starts a server with scripts/pg)"
        ),
        _ => {
            // Straight to stderr: the test harness would capture `eprintln!`.
            use std::io::Write;
            let _ = writeln!(
                std::io::stderr(),
                "\n*** SKIPPED: PostgreSQL test: RECAPITO_TEST_POSTGRES_URL is not set \
                 (run scripts/test, or eval \"$(scripts/pg start)\" first) ***\n"
            );
            return None;
        }
    };
    Some(schema_on(&base, prefix).await)
}

/// A new schema named `{prefix}_{uuid}` on the server at `base`.
pub async fn schema_on(base: &str, prefix: &str) -> PgSchema {
    let admin = PgPoolOptions::new()
        .max_connections(1)
        .connect(base)
        .await
        .unwrap_or_else(|e| panic!("cannot connect to {base}: {e}"));
    let name = format!("{prefix}_{}", uuid::Uuid::new_v4().simple());
    sqlx::query(AssertSqlSafe(format!("CREATE SCHEMA {name}")))
        .execute(&admin)
        .await
        .expect("create schema");
    let sep = if base.contains('?') { '&' } else { '?' };
    let url = format!("{base}{sep}options[search_path]={name}");
    PgSchema { url, name, admin }
}

impl PgSchema {
    /// `SELECT count(*)` of a table of this schema.
    pub async fn count(&self, table: &str) -> i64 {
        sqlx::query_scalar(AssertSqlSafe(format!(
            "SELECT count(*) FROM {}.{table}",
            self.name
        )))
        .fetch_one(&self.admin)
        .await
        .unwrap_or_else(|e| panic!("count {table}: {e}"))
    }

    /// Drops the schema and everything in it.
    pub async fn drop(self) {
        let _ = sqlx::query(AssertSqlSafe(format!("DROP SCHEMA {} CASCADE", self.name)))
            .execute(&self.admin)
            .await;
    }
}
