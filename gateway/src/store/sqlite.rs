//! The SQLite store (the default): WAL with `synchronous=FULL`, so an acknowledged submission
//! survives a crash or power loss. Submissions are group-committed: one task writes every
//! submission waiting at that moment in one transaction, so thousands per second share a handful
//! of fsyncs.
//!
//! The SQLite file belongs to one gateway process, so the store keeps every configuration in
//! memory as well (loaded at open, written through): the configuration read of each submission
//! and each fetch costs no query. Configurations are few (one per entity service). Messages read
//! recently are remembered too (a bounded number, forgotten when their status changes): opening
//! a message reads it for the details, the precondition and each attachment.

use super::recent::Recent;
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
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteRow, SqliteSynchronous,
};
use sqlx::{QueryBuilder, Row, Sqlite, SqlitePool};
use std::collections::{HashMap, HashSet};
use std::fs::File;
use std::path::Path;
use std::sync::{Arc, RwLock, Weak};
use std::time::{Duration, Instant};
use tokio::sync::{Mutex, mpsc, oneshot};

/// The most submissions written in one transaction.
const MAX_BATCH: usize = 512;

struct Pending {
    message: Message,
    key: Option<IdempotencyKey>,
    reply: oneshot::Sender<Result<Submitted, String>>,
}

#[derive(Clone)]
pub struct SqliteStore {
    pool: SqlitePool,
    writer: mpsc::Sender<Pending>,
    configurations: Arc<Configurations>,
    messages: Arc<Recent<Arc<Message>>>,
    /// Held while any clone of the store lives: the database file's lock (one process), and
    /// the background checkpoints' reason to go on.
    _owner: Arc<File>,
}

/// How many recently read messages are remembered: each a few KB, at most ~40 KB (10 000
/// characters of markdown), so 40 MB at worst.
const RECENT_MESSAGES: usize = 1024;

/// The configurations in memory, written through: a change is in the database before it is
/// visible here, and changes are serialized so the map and the table agree.
#[derive(Default)]
struct Configurations {
    by_id: RwLock<HashMap<ConfigurationId, Arc<Configuration>>>,
    writes: Mutex<()>,
}

impl Configurations {
    fn get(&self, id: &ConfigurationId) -> Option<Arc<Configuration>> {
        let map = self.by_id.read().unwrap_or_else(|p| p.into_inner());
        map.get(id).cloned()
    }

    fn set(&self, c: Configuration) {
        let mut map = self.by_id.write().unwrap_or_else(|p| p.into_inner());
        map.insert(c.id.clone(), Arc::new(c));
    }

    fn remove(&self, id: &ConfigurationId) {
        let mut map = self.by_id.write().unwrap_or_else(|p| p.into_inner());
        map.remove(id);
    }

    fn of(&self, owner: &TenantId) -> Vec<Configuration> {
        let map = self.by_id.read().unwrap_or_else(|p| p.into_inner());
        let mut out: Vec<Configuration> = map
            .values()
            .filter(|c| c.owner == *owner)
            .map(|c| (**c).clone())
            .collect();
        out.sort_by(|a, b| a.id.cmp(&b.id));
        out
    }
}

impl SqliteStore {
    /// Opens (creating if needed) the database, runs the migrations, starts the writer.
    pub async fn open(path: &Path) -> Result<SqliteStore, StoreError> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(|e| {
                StoreError::Unavailable(format!("cannot create {}: {e}", dir.display()))
            })?;
        }
        // The caches above are right only if no other process writes this file.
        let lock_path = path.with_extension("lock");
        let owner = File::options()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock_path)
            .map_err(|e| {
                StoreError::Unavailable(format!("cannot open {}: {e}", lock_path.display()))
            })?;
        owner.try_lock().map_err(|e| {
            StoreError::Unavailable(format!(
                "{} is in use by another gateway process ({e}); one data folder per process",
                path.display()
            ))
        })?;
        let owner = Arc::new(owner);
        let options = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .busy_timeout(Duration::from_secs(5))
            // Reads map the file instead of copying pages through read(2), and each connection
            // keeps more pages: an inbox page touches ~100 scattered table pages.
            .pragma("mmap_size", MMAP_BYTES.to_string())
            .pragma("cache_size", format!("-{}", CACHE_KIB))
            // Commits never wait for a checkpoint: `checkpoint_loop` runs them beside the writer.
            .pragma("wal_autocheckpoint", "0")
            .pragma("journal_size_limit", WAL_KEEP_BYTES.to_string());
        let pool = SqlitePoolOptions::new()
            .max_connections(8)
            .connect_with(options)
            .await?;
        sqlx::migrate!("./migrations/sqlite")
            .run(&pool)
            .await
            .map_err(|e| StoreError::Unavailable(format!("migration failed: {e}")))?;
        let configurations = Arc::new(Configurations::default());
        for row in sqlx::query("SELECT id, body FROM configurations")
            .fetch_all(&pool)
            .await?
        {
            configurations.set(configuration_from(&row)?);
        }
        let (writer, rx) = mpsc::channel(4 * MAX_BATCH);
        tokio::spawn(write_loop(pool.clone(), rx));
        tokio::spawn(checkpoint_loop(pool.clone(), Arc::downgrade(&owner)));
        Ok(SqliteStore {
            pool,
            writer,
            configurations,
            messages: Arc::new(Recent::new(RECENT_MESSAGES)),
            _owner: owner,
        })
    }
}

/// How much of the database file reads may map.
const MMAP_BYTES: u64 = 1 << 30;
/// The page cache of each connection, in KiB.
const CACHE_KIB: u64 = 16 * 1024;
/// How often the write-ahead log is copied back into the database.
const CHECKPOINT_EVERY: Duration = Duration::from_millis(500);
/// Past this many frames in the log (64 MB of 4 KB pages) a checkpoint waits for the readers
/// in its way (RESTART) so that the log starts over instead of growing.
const WAL_RESTART_FRAMES: i64 = 16_384;
/// What the log file is cut back to after it started over.
const WAL_KEEP_BYTES: u64 = 64 * 1024 * 1024;

/// Copies the write-ahead log into the database file in the background (SQLite would otherwise
/// do it inside whichever commit crosses 1000 pages, stalling every submission of that batch).
/// PASSIVE never blocks readers or the writer, but cannot pass a reader that started before
/// the frames it would copy: when the log still grows past `WAL_RESTART_FRAMES`, one RESTART
/// waits for those readers (and holds the writer) so the log starts over. Ends when the store
/// is dropped.
async fn checkpoint_loop(pool: SqlitePool, store: Weak<File>) {
    let mut tick = tokio::time::interval(CHECKPOINT_EVERY);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut last_warning: Option<Instant> = None;
    loop {
        tick.tick().await;
        if store.upgrade().is_none() {
            return;
        }
        let outcome = match sqlx::query("PRAGMA wal_checkpoint(PASSIVE)")
            .fetch_one(&pool)
            .await
        {
            Ok(row) if row.get::<i64, _>(1) > WAL_RESTART_FRAMES => {
                // Routine under a heavy write load (every tick or so): not for the info log.
                tracing::debug!(frames = row.get::<i64, _>(1), "write-ahead log restarted");
                sqlx::query("PRAGMA wal_checkpoint(RESTART)")
                    .execute(&pool)
                    .await
                    .map(|_| ())
            }
            Ok(_) => Ok(()),
            Err(e) => Err(e),
        };
        if let Err(e) = outcome
            && last_warning.is_none_or(|t| t.elapsed() > Duration::from_secs(60))
        {
            last_warning = Some(Instant::now());
            tracing::warn!(error = %e, "checkpoint failed (said at most once a minute)");
        }
    }
}

async fn write_loop(pool: SqlitePool, mut rx: mpsc::Receiver<Pending>) {
    while let Some(batch) = service_kit::batch::next(&mut rx, MAX_BATCH).await {
        match write_batch(&pool, &batch).await {
            Ok(outcomes) => {
                for (p, o) in batch.into_iter().zip(outcomes) {
                    let _ = p.reply.send(Ok(o));
                }
            }
            Err(e) => {
                tracing::error!(error = %e, size = batch.len(), "submission batch failed");
                for p in batch {
                    let _ = p.reply.send(Err(e.to_string()));
                }
            }
        }
    }
}

/// Writes a batch in one transaction: idempotency keys first (a key seen before, or twice in the
/// batch, stores nothing), then the messages; returns each submission's outcome, in order.
async fn write_batch(pool: &SqlitePool, batch: &[Pending]) -> Result<Vec<Submitted>, sqlx::Error> {
    let mut tx = pool.begin().await?;
    let keyed: Vec<&Pending> = batch.iter().filter(|p| p.key.is_some()).collect();
    let mut fresh: HashSet<(String, String)> = HashSet::new();
    if !keyed.is_empty() {
        let mut q: QueryBuilder<Sqlite> = QueryBuilder::new(
            "INSERT INTO idempotency (sender, key, request_hash, message_id, created_at) ",
        );
        q.push_values(&keyed, |mut row, p| {
            let k = p.key.as_ref().expect("filtered on key");
            row.push_bind(k.sender.as_str())
                .push_bind(&k.key)
                .push_bind(&k.request_hash)
                .push_bind(p.message.id.as_str())
                .push_bind(&p.message.created_at);
        });
        q.push(" ON CONFLICT DO NOTHING RETURNING sender, key");
        for r in q.build().fetch_all(&mut *tx).await? {
            fresh.insert((r.get("sender"), r.get("key")));
        }
    }
    // Which submissions store their message: unkeyed ones, and the first of each fresh key.
    let stores: Vec<bool> = batch
        .iter()
        .map(|p| match &p.key {
            None => true,
            Some(k) => fresh.remove(&(k.sender.to_string(), k.key.clone())),
        })
        .collect();
    let to_insert: Vec<&Message> = batch
        .iter()
        .zip(&stores)
        .filter(|(_, s)| **s)
        .map(|(p, _)| &p.message)
        .collect();
    if !to_insert.is_empty() {
        let mut q: QueryBuilder<Sqlite> = QueryBuilder::new(
            "INSERT INTO messages (id, fiscal_code, sender, sender_service_id, created_at, time_to_live, feature_level, is_read, is_archived, subject, has_attachments, has_precondition, created_ms, configuration_id, content) ",
        );
        let mut bodies = Vec::with_capacity(to_insert.len());
        for m in &to_insert {
            let created_ms = m.created_ms().ok_or_else(|| {
                sqlx::Error::Encode(format!("created_at {:?} is not RFC 3339", m.created_at).into())
            })?;
            bodies.push((
                created_ms,
                serde_json::to_string(&m.content).map_err(|e| sqlx::Error::Encode(Box::new(e)))?,
            ));
        }
        q.push_values(
            to_insert.iter().zip(&bodies),
            |mut row, (m, (created_ms, body))| {
                row.push_bind(m.id.as_str())
                    .push_bind(m.fiscal_code.as_str())
                    .push_bind(m.sender.as_str())
                    .push_bind(&m.sender_service_id)
                    .push_bind(&m.created_at)
                    .push_bind(m.time_to_live as i64)
                    .push_bind(level_str(m.feature_level_type))
                    .push_bind(false)
                    .push_bind(false)
                    .push_bind(&m.content.subject)
                    .push_bind(m.has_attachments())
                    .push_bind(m.has_precondition())
                    .push_bind(created_ms)
                    .push_bind(m.configuration_id())
                    .push_bind(body);
            },
        );
        q.build().execute(&mut *tx).await?;
    }
    let mut outcomes = Vec::with_capacity(batch.len());
    for (p, stored) in batch.iter().zip(&stores) {
        if *stored {
            outcomes.push(Submitted::Created(p.message.id.clone()));
            continue;
        }
        let k = p.key.as_ref().expect("only keyed submissions are replays");
        let row = sqlx::query(
            "SELECT message_id, request_hash FROM idempotency WHERE sender = ? AND key = ?",
        )
        .bind(k.sender.as_str())
        .bind(&k.key)
        .fetch_one(&mut *tx)
        .await?;
        let message_id: String = row.get("message_id");
        outcomes.push(Submitted::Replayed {
            message_id: message_id
                .parse()
                .map_err(|e: &str| sqlx::Error::Decode(e.into()))?,
            request_hash: row.get("request_hash"),
        });
    }
    tx.commit().await?;
    Ok(outcomes)
}

/// The outcome of a write run on its own task.
fn joined<T>(r: Result<Result<T, StoreError>, tokio::task::JoinError>) -> Result<T, StoreError> {
    r.unwrap_or_else(|e| Err(StoreError::Unavailable(format!("store write failed: {e}"))))
}

fn message_from(row: &SqliteRow) -> Result<Message, StoreError> {
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

/// The page as one JSON array built by SQLite: sqlx hands rows over one by one between threads
/// (several µs each), so a page of 100 travels as one value instead.
const SUMMARY_JSON: &str = "SELECT json_group_array(json_object(\
     'id', id, 'fiscal_code', fiscal_code, 'sender', sender, \
     'sender_service_id', sender_service_id, 'created_at', created_at, \
     'time_to_live', time_to_live, 'subject', subject, 'has_attachments', has_attachments, \
     'has_precondition', has_precondition, 'is_read', is_read, 'is_archived', is_archived)) \
     AS page FROM (";

fn configuration_from(row: &SqliteRow) -> Result<Configuration, StoreError> {
    rows::configuration(row.try_get("id")?, row.try_get("body")?)
}

/// A page of a citizen's inbox: `prefix` lets tests ask SQLite for the plan of the same query.
fn inbox_query<'a>(
    prefix: &str,
    fiscal_code: &'a str,
    page: &'a PageQuery,
) -> QueryBuilder<Sqlite> {
    let mut q: QueryBuilder<Sqlite> = QueryBuilder::new(format!(
        "{prefix}SELECT {SUMMARY_COLUMNS} FROM messages WHERE fiscal_code = "
    ));
    q.push_bind(fiscal_code)
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
        .push_bind(page.limit as i64);
    q
}

/// A page of a sender's messages: `prefix` lets tests ask SQLite for the plan of the same query.
fn sent_query(prefix: &str, q: &SentQuery) -> QueryBuilder<Sqlite> {
    // By configuration, its index is always the better one (one more equal column before the
    // order); without statistics SQLite may take `messages_sent` and filter instead.
    let index = if q.configuration.is_some() {
        " INDEXED BY messages_sent_configuration"
    } else {
        ""
    };
    let mut b: QueryBuilder<Sqlite> = QueryBuilder::new(format!(
        "{prefix}SELECT {SENT_COLUMNS} FROM messages{index} WHERE sender = "
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
    b
}

fn sent_from(row: &SqliteRow) -> Result<Sent, StoreError> {
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

impl Store for SqliteStore {
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
        let fresh = c.clone();
        let this = self.clone();
        // Its own task: a caller that goes away mid-write cannot leave the table changed and
        // the map not.
        let write = tokio::spawn(async move {
            let ConfigurationRow {
                id,
                owner,
                body,
                now,
            } = row?;
            let _serialized = this.configurations.writes.lock().await;
            sqlx::query(
                "INSERT INTO configurations (id, owner, body, created_at, updated_at) VALUES (?, ?, ?, ?, ?) \
                 ON CONFLICT (id) DO UPDATE SET body = excluded.body, updated_at = excluded.updated_at",
            )
            .bind(&id)
            .bind(&owner)
            .bind(&body)
            .bind(&now)
            .bind(&now)
            .execute(&this.pool)
            .await?;
            this.configurations.set(fresh);
            Ok(())
        });
        Box::pin(async move { joined(write.await) })
    }

    fn replace_configuration(
        &self,
        c: &Configuration,
        now: &str,
    ) -> BoxFuture<'_, Result<bool, StoreError>> {
        let row = ConfigurationRow::new(c, now);
        let fresh = c.clone();
        let this = self.clone();
        let write = tokio::spawn(async move {
            let ConfigurationRow {
                id,
                owner,
                body,
                now,
            } = row?;
            let _serialized = this.configurations.writes.lock().await;
            let r = sqlx::query(
                "UPDATE configurations SET body = ?, updated_at = ? WHERE id = ? AND owner = ?",
            )
            .bind(&body)
            .bind(&now)
            .bind(&id)
            .bind(&owner)
            .execute(&this.pool)
            .await?;
            let replaced = r.rows_affected() == 1;
            if replaced {
                this.configurations.set(fresh);
            }
            Ok(replaced)
        });
        Box::pin(async move { joined(write.await) })
    }

    fn configuration(
        &self,
        id: &ConfigurationId,
    ) -> BoxFuture<'_, Result<Option<Configuration>, StoreError>> {
        let found = self.configurations.get(id).map(|c| (*c).clone());
        Box::pin(async move { Ok(found) })
    }

    fn configurations_of(
        &self,
        owner: &TenantId,
    ) -> BoxFuture<'_, Result<Vec<Configuration>, StoreError>> {
        let found = self.configurations.of(owner);
        Box::pin(async move { Ok(found) })
    }

    fn delete_configuration(
        &self,
        id: &ConfigurationId,
    ) -> BoxFuture<'_, Result<bool, StoreError>> {
        let id = id.clone();
        let this = self.clone();
        let delete = tokio::spawn(async move {
            let _serialized = this.configurations.writes.lock().await;
            let r = sqlx::query("DELETE FROM configurations WHERE id = ?")
                .bind(id.as_str())
                .execute(&this.pool)
                .await?;
            this.configurations.remove(&id);
            Ok(r.rows_affected() == 1)
        });
        Box::pin(async move { joined(delete.await) })
    }

    fn submit(
        &self,
        message: Message,
        key: Option<IdempotencyKey>,
    ) -> BoxFuture<'_, Result<Submitted, StoreError>> {
        Box::pin(async move {
            let (reply, answer) = oneshot::channel();
            self.writer
                .send(Pending {
                    message,
                    key,
                    reply,
                })
                .await
                .map_err(|_| StoreError::Unavailable("the writer stopped".into()))?;
            answer
                .await
                .map_err(|_| StoreError::Unavailable("the writer stopped".into()))?
                .map_err(StoreError::Unavailable)
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
                "SELECT message_id, request_hash FROM idempotency WHERE sender = ? AND key = ?",
            )
            .bind(&sender)
            .bind(&key)
            .fetch_optional(&self.pool)
            .await?;
            row.map(|r| {
                Ok((
                    rows::message_id(r.get("message_id"))?,
                    r.get("request_hash"),
                ))
            })
            .transpose()
        })
    }

    fn message(&self, id: &MessageId) -> BoxFuture<'_, Result<Option<Message>, StoreError>> {
        if let Some(m) = self.messages.get(id.as_str()) {
            return Box::pin(async move { Ok(Some((*m).clone())) });
        }
        let id = id.to_string();
        let ticket = self.messages.ticket();
        Box::pin(async move {
            let row = sqlx::query("SELECT * FROM messages WHERE id = ?")
                .bind(&id)
                .fetch_optional(&self.pool)
                .await?;
            let message = row.as_ref().map(message_from).transpose()?;
            if let Some(m) = &message {
                self.messages.offer(ticket, id, Arc::new(m.clone()));
            }
            Ok(message)
        })
    }

    fn inbox(
        &self,
        fiscal_code: &FiscalCode,
        page: PageQuery,
    ) -> BoxFuture<'_, Result<Vec<MessageSummary>, StoreError>> {
        let fiscal_code = fiscal_code.as_str().to_owned();
        Box::pin(async move {
            let mut q = inbox_query(SUMMARY_JSON, &fiscal_code, &page);
            q.push(")");
            let page: String = q.build().fetch_one(&self.pool).await?.get("page");
            let rows: Vec<SummaryRow> = serde_json::from_str(&page)
                .map_err(|e| StoreError::Corrupt("an inbox page".into(), e.to_string()))?;
            let mut out = rows
                .into_iter()
                .map(SummaryRow::into_summary)
                .collect::<Result<Vec<_>, _>>()?;
            // The aggregate keeps the subquery's order in practice; the contract does not rely
            // on it.
            out.sort_unstable_by(|a, b| b.id.cmp(&a.id));
            Ok(out)
        })
    }

    fn sent(&self, q: SentQuery) -> BoxFuture<'_, Result<Vec<Sent>, StoreError>> {
        Box::pin(async move {
            sent_query("", &q)
                .build()
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
        let this = self.clone();
        // Its own task: a caller that goes away mid-write cannot leave the change committed and
        // the remembered message not forgotten.
        let update = tokio::spawn(async move {
            let row = sqlx::query(
                "UPDATE messages SET is_read = COALESCE(?, is_read), is_archived = COALESCE(?, is_archived) \
                 WHERE id = ? AND fiscal_code = ? RETURNING is_read, is_archived",
            )
            .bind(read)
            .bind(archived)
            .bind(&id)
            .bind(&fiscal_code)
            // `fetch_all`, not `fetch_optional`: the statement runs to its end, so a failed
            // commit is an error here rather than a success that was not saved.
            .fetch_all(&this.pool)
            .await?;
            this.messages.invalidate(&id);
            Ok(row
                .first()
                .map(|r| (r.get("is_read"), r.get("is_archived"))))
        });
        Box::pin(async move { joined(update.await) })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn configuration(id: &str, owner: &str, name: &str) -> Configuration {
        serde_json::from_value(serde_json::json!({
            "configuration_id": id, "user_id": owner, "name": name,
            "description": "Avvisi di pagamento", "has_precondition": "NEVER",
            "is_lollipop_enabled": false, "disable_lollipop_for": [],
            "prod_environment": {"base_url": "https://rc.example.it/api",
                "details_authentication": {"type": "API_KEY", "header_key_name": "X-Key", "key": "k"}}
        }))
        .unwrap()
    }

    /// A database written before the inbox summary columns existed is migrated: its messages
    /// keep their content and gain their subject and flags, then their time in milliseconds and
    /// their configuration id.
    #[tokio::test]
    async fn the_summary_migration_fills_the_new_columns_from_the_content() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("g.db");
        {
            let options = SqliteConnectOptions::new()
                .filename(&path)
                .create_if_missing(true);
            let pool = SqlitePoolOptions::new()
                .connect_with(options)
                .await
                .unwrap();
            let mut first = sqlx::migrate!("./migrations/sqlite");
            first.migrations = std::borrow::Cow::Owned(first.migrations[..1].to_vec());
            first.run(&pool).await.unwrap();
            let old = |id: &str, content: &str| {
                format!(
                    "INSERT INTO messages VALUES ('{id}', 'SPNDNL80R13C555X', 't', 's', \
                     '2026-01-01T00:00:00.000Z', 3600, 'ADVANCED', '{content}', 1, 0)"
                )
            };
            for sql in [
                old(
                    "01ARZ3NDEKTSV4RRFFQ69G5FAV",
                    r#"{"subject":"Plain subject","markdown":"m"}"#,
                ),
                old(
                    "01ARZ3NDEKTSV4RRFFQ69G5FAW",
                    r#"{"subject":"Remote subject","markdown":"m","third_party_data":{"id":"x","has_attachments":true,"has_precondition":"ONCE","configuration_id":"01ARZ3NDEKTSV4RRFFQ69G5FAC"}}"#,
                ),
                old("01ARZ3NDEKTSV4RRFFQ69G5FAT", "not json"),
            ] {
                sqlx::query(sqlx::AssertSqlSafe(sql))
                    .execute(&pool)
                    .await
                    .unwrap();
            }
            pool.close().await;
        }
        let store = SqliteStore::open(&path).await.unwrap();
        let page = PageQuery {
            archived: false,
            maximum_id: None,
            minimum_id: None,
            sender: None,
            limit: 10,
        };
        let alice = FiscalCode::parse("SPNDNL80R13C555X").unwrap();
        let inbox = store.inbox(&alice, page).await.unwrap();
        let seen: Vec<(&str, bool, bool, bool)> = inbox
            .iter()
            .map(|m| {
                (
                    m.subject.as_str(),
                    m.has_attachments,
                    m.has_precondition,
                    m.is_read,
                )
            })
            .collect();
        assert_eq!(
            seen,
            [
                ("Remote subject", true, true, true),
                ("Plain subject", false, false, true),
                // Unreadable content: listed with an empty summary; the migration went on.
                ("", false, false, true)
            ]
        );
        // And their sender lists them, by their time and configuration (0003).
        let sent = store
            .sent(SentQuery {
                sender: "t".into(),
                configuration: None,
                from_ms: None,
                to_ms: None,
                before: None,
                limit: 10,
            })
            .await
            .unwrap();
        let listed: Vec<(i64, Option<&str>)> = sent
            .iter()
            .map(|s| (s.created_ms, s.item.configuration_id.as_deref()))
            .collect();
        assert_eq!(
            listed,
            [
                (1_767_225_600_000, Some("01ARZ3NDEKTSV4RRFFQ69G5FAC")),
                (1_767_225_600_000, None),
                (1_767_225_600_000, None)
            ]
        );
        let full = store
            .message(&"01ARZ3NDEKTSV4RRFFQ69G5FAW".parse().unwrap())
            .await
            .unwrap()
            .unwrap();
        assert_eq!(full.summary(), inbox[0]);
    }

    /// The caches are right only for one process: a second store on the same file is refused
    /// while the first lives, and allowed once it is gone.
    #[tokio::test]
    async fn one_store_per_database_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("g.db");
        let first = SqliteStore::open(&path).await.unwrap();
        let clone = first.clone();
        drop(first);
        let Err(StoreError::Unavailable(e)) = SqliteStore::open(&path).await else {
            panic!("a second store opened the same file");
        };
        assert!(e.contains("in use by another gateway process"), "{e}");
        drop(clone);
        SqliteStore::open(&path).await.unwrap();
    }

    /// Configurations are served from memory: every change is visible at once, and what is
    /// in memory after a restart is what the table holds.
    #[tokio::test]
    async fn configurations_are_written_through_and_reloaded() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("g.db");
        let store = SqliteStore::open(&path).await.unwrap();
        let (a, b) = ("01ARZ3NDEKTSV4RRFFQ69G5FAV", "01ARZ3NDEKTSV4RRFFQ69G5FAW");
        let (ida, idb): (ConfigurationId, ConfigurationId) =
            (a.parse().unwrap(), b.parse().unwrap());
        store
            .put_configuration(&configuration(a, "t1", "one"), "now")
            .await
            .unwrap();
        store
            .put_configuration(&configuration(b, "t1", "two"), "now")
            .await
            .unwrap();
        store
            .put_configuration(&configuration(a, "t1", "uno"), "later")
            .await
            .unwrap();
        let name = |c: Option<Configuration>| c.map(|c| c.name);
        assert_eq!(
            name(store.configuration(&ida).await.unwrap()).as_deref(),
            Some("uno")
        );
        assert!(store.delete_configuration(&idb).await.unwrap());
        assert!(!store.delete_configuration(&idb).await.unwrap());
        assert_eq!(store.configuration(&idb).await.unwrap(), None);
        drop(store);

        let reopened = SqliteStore::open(&path).await.unwrap();
        assert_eq!(
            name(reopened.configuration(&ida).await.unwrap()).as_deref(),
            Some("uno")
        );
        assert_eq!(reopened.configuration(&idb).await.unwrap(), None);
        let of: Vec<String> = reopened
            .configurations_of(&"t1".into())
            .await
            .unwrap()
            .into_iter()
            .map(|c| c.id.to_string())
            .collect();
        assert_eq!(of, [a]);
        assert!(
            reopened
                .configurations_of(&"t2".into())
                .await
                .unwrap()
                .is_empty()
        );
    }

    /// A sender's listing reads `messages_sent` (or, by configuration,
    /// `messages_sent_configuration`) in its order: never a sort, whatever the filters.
    #[tokio::test]
    async fn listing_a_senders_messages_uses_the_sent_indexes() {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(&dir.path().join("g.db")).await.unwrap();
        let configuration: ConfigurationId = "01ARZ3NDEKTSV4RRFFQ69G5FAV".parse().unwrap();
        let before = Some((
            1_767_225_600_000,
            "01ARZ3NDEKTSV4RRFFQ69G5FAZ".parse().unwrap(),
        ));
        for by_configuration in [false, true] {
            for (from_ms, to_ms, before) in [
                (None, None, None),
                (Some(1_767_225_600_000), None, None),
                (None, Some(1_767_225_600_000), before.clone()),
                (Some(1), Some(1_767_225_600_000), before.clone()),
            ] {
                let q = SentQuery {
                    sender: "t".into(),
                    configuration: by_configuration.then(|| configuration.clone()),
                    from_ms,
                    to_ms,
                    before,
                    limit: 21,
                };
                let plan: Vec<String> = sent_query("EXPLAIN QUERY PLAN ", &q)
                    .build()
                    .fetch_all(&store.pool)
                    .await
                    .unwrap()
                    .iter()
                    .map(|r| r.get::<String, _>("detail"))
                    .collect();
                let plan = plan.join(" | ");
                let index = if by_configuration {
                    "USING INDEX messages_sent_configuration "
                } else {
                    "USING INDEX messages_sent "
                };
                assert!(plan.contains(index), "{q:?}: {plan}");
                assert!(!plan.contains("TEMP B-TREE"), "{q:?}: sorted: {plan}");
            }
        }
    }

    /// The inbox query of every page shape reads the `messages_inbox` index, never the table.
    #[tokio::test]
    async fn listing_a_citizens_messages_uses_the_inbox_index() {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(&dir.path().join("g.db")).await.unwrap();
        let id = |s: &str| Some(s.parse::<MessageId>().unwrap());
        for (maximum_id, minimum_id, sender) in [
            (None, None),
            (id("01ARZ3NDEKTSV4RRFFQ69G5FAV"), None),
            (None, id("01ARZ3NDEKTSV4RRFFQ69G5FAV")),
            (
                id("01ARZ3NDEKTSV4RRFFQ69G5FAZ"),
                id("01ARZ3NDEKTSV4RRFFQ69G5FAV"),
            ),
        ]
        .into_iter()
        // A preview's page (one sender's messages) is read through the same index.
        .flat_map(|(max, min)| {
            [
                (max.clone(), min.clone(), None),
                (max, min, Some("ente".into())),
            ]
        }) {
            let page = PageQuery {
                archived: false,
                maximum_id,
                minimum_id,
                sender,
                limit: 101,
            };
            let explain = format!("EXPLAIN QUERY PLAN {SUMMARY_JSON}");
            let mut q = inbox_query(&explain, "SPNDNL80R13C555X", &page);
            q.push(")");
            let plan: Vec<String> = q
                .build()
                .fetch_all(&store.pool)
                .await
                .unwrap()
                .iter()
                .map(|r| r.get::<String, _>("detail"))
                .collect();
            let plan = plan.join(" | ");
            assert!(plan.contains("USING INDEX messages_inbox"), "{plan}");
            assert!(
                !plan.contains("TEMP B-TREE"),
                "sorted without the index: {plan}"
            );
        }
    }
}
