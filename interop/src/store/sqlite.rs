//! The SQLite event log (the default store): WAL, `synchronous=FULL` so an acknowledged command
//! survives a crash or power loss.

use super::{BoxFuture, EventLog, Record, StoreError};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Row, SqlitePool};
use std::path::Path;
use std::time::Duration;

#[derive(Clone)]
pub struct SqliteLog {
    pool: SqlitePool,
}

impl SqliteLog {
    /// Opens (creating if needed) the database file and runs the migrations.
    pub async fn open(path: &Path) -> Result<Self, StoreError> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(|e| {
                StoreError::Unavailable(format!("cannot create {}: {e}", dir.display()))
            })?;
        }
        let options = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .busy_timeout(Duration::from_secs(5));
        let pool = SqlitePoolOptions::new()
            .max_connections(4)
            .connect_with(options)
            .await?;
        sqlx::migrate!("./migrations/sqlite")
            .run(&pool)
            .await
            .map_err(|e| StoreError::Unavailable(format!("migration failed: {e}")))?;
        Ok(Self { pool })
    }

    pub fn pool(&self) -> &SqlitePool {
        &self.pool
    }
}

impl EventLog for SqliteLog {
    fn load_since(&self, after: i64) -> BoxFuture<'_, Result<Vec<Record>, StoreError>> {
        Box::pin(async move {
            let rows = sqlx::query("SELECT seq, recorded_at, command, actor, events FROM events WHERE seq > ? ORDER BY seq")
                .bind(after)
                .fetch_all(&self.pool)
                .await?;
            rows.into_iter()
                .map(|row| {
                    let seq: i64 = row.get("seq");
                    let corrupt = |e: serde_json::Error| StoreError::Corrupt {
                        seq,
                        reason: e.to_string(),
                    };
                    Ok(Record {
                        seq,
                        recorded_at: row.get("recorded_at"),
                        command: row.get("command"),
                        actor: serde_json::from_str(row.get::<&str, _>("actor"))
                            .map_err(corrupt)?,
                        events: serde_json::from_str(row.get::<&str, _>("events"))
                            .map_err(corrupt)?,
                    })
                })
                .collect()
        })
    }

    fn append(&self, expected: i64, record: Record) -> BoxFuture<'_, Result<i64, StoreError>> {
        Box::pin(async move {
            let seq = expected + 1;
            let events =
                serde_json::to_string(&record.events).map_err(|e| StoreError::Corrupt {
                    seq,
                    reason: e.to_string(),
                })?;
            let result = sqlx::query("INSERT INTO events (seq, recorded_at, command, actor, events) VALUES (?, ?, ?, ?, ?)")
                .bind(seq)
                .bind(&record.recorded_at)
                .bind(&record.command)
                .bind(record.actor.to_string())
                .bind(events)
                .execute(&self.pool)
                .await;
            match result {
                Ok(_) => Ok(seq),
                Err(sqlx::Error::Database(e)) if e.is_unique_violation() => {
                    Err(StoreError::Conflict(seq))
                }
                Err(e) => Err(e.into()),
            }
        })
    }
}
