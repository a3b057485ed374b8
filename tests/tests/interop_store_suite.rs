//! The engine's storage suite (issue 8): the same cases against both [`Store`] implementations.
//! SQLite runs in a temporary folder; PostgreSQL in a fresh schema on the server scripts/test
//! starts (`RECAPITO_TEST_POSTGRES_URL`; without it the PostgreSQL tests fail under `CI=true` and
//! are skipped, loudly, otherwise). The `postgres_instances` tests open several stores, and
//! engines, on one database: what several engine instances share.

use e2e::pg::{self, PgSchema};
use interop::domain::ids::{TenantId, UserId};
use interop::domain::{Actor, Command, NewUser, Role, TenantCommand};
use interop::engine::Engine;
use interop::store::{
    FAILURES_KEPT_PER_CLIENT, FailureRecord, PostgresStore, Record, SqliteStore, Store, StoreError,
    StoredKey,
};
use sqlx::Connection;
use std::collections::{BTreeSet, HashSet};
use std::sync::Arc;

fn record(command: &str) -> Record {
    Record {
        seq: 0,
        recorded_at: "2026-12-01T10:00:00Z".into(),
        command: command.into(),
        actor: serde_json::json!({"user": "u", "roles": ["PLATFORM"]}),
        events: Vec::new(),
    }
}

fn platform() -> Actor {
    Actor {
        user: UserId::random(),
        tenant: None,
        roles: BTreeSet::from([Role::Platform]),
    }
}

fn create_tenant(name: &str) -> (TenantId, Command) {
    let id = TenantId::random();
    let admin = NewUser {
        id: UserId::random(),
        name: format!("{name} admin"),
        roles: BTreeSet::from([Role::Admin]),
    };
    let cmd = TenantCommand::Create {
        id,
        name: name.into(),
        admin,
    };
    (id, cmd.into())
}

fn pairs(list: &[(&str, &str)]) -> HashSet<(String, String)> {
    list.iter()
        .map(|(c, j)| (c.to_string(), j.to_string()))
        .collect()
}

async fn the_log_is_ordered_and_a_taken_seq_is_a_conflict(s: Arc<dyn Store>) {
    assert!(s.load_since(0).await.unwrap().is_empty());
    assert_eq!(s.append(0, record("first")).await.unwrap(), 1);
    // A second writer that decided on the same state loses.
    assert!(matches!(
        s.append(0, record("rival")).await,
        Err(StoreError::Conflict(1))
    ));
    assert_eq!(s.append(1, record("second")).await.unwrap(), 2);
    let all = s.load_since(0).await.unwrap();
    let names: Vec<_> = all.iter().map(|r| (r.seq, r.command.as_str())).collect();
    assert_eq!(names, [(1, "first"), (2, "second")]);
    assert_eq!(all[0].actor["roles"][0], "PLATFORM");
    assert_eq!(s.load_since(1).await.unwrap().len(), 1);
    assert!(s.load_since(2).await.unwrap().is_empty());
}

/// The events an engine appends are what a later engine (a restart, or another instance) replays.
async fn an_engine_replays_what_another_appended(s: Arc<dyn Store>) {
    let first = Engine::open(s.clone()).await.unwrap();
    let (id, cmd) = create_tenant("Comune di Esempio");
    first.execute(platform(), cmd).await.unwrap();
    let second = Engine::open(s.clone()).await.unwrap();
    let name = second.read(|state, seq| {
        assert_eq!(seq, 1);
        state.tenants.get(&id).map(|t| t.name.clone())
    });
    assert_eq!(name.as_deref(), Some("Comune di Esempio"));
    // The second writes; the first sees it when it catches up.
    let (other, cmd) = create_tenant("Regione");
    second.execute(platform(), cmd).await.unwrap();
    assert_eq!(first.catch_up().await.unwrap(), 1);
    assert!(first.read(|state, _| state.tenants.contains_key(&other)));
}

async fn an_assertion_id_is_accepted_once(s: Arc<dyn Store>) {
    let batch = [
        ("c1".to_string(), "j1".to_string(), 1_000),
        ("c1".to_string(), "j2".to_string(), 1_000),
        ("c1".to_string(), "j1".to_string(), 1_000), // repeated within the batch
    ];
    assert_eq!(
        s.first_uses(&batch).await.unwrap(),
        pairs(&[("c1", "j1"), ("c1", "j2")])
    );
    // Replayed, and the same jti for another client (a different assertion).
    let again = [
        ("c1".to_string(), "j1".to_string(), 1_000),
        ("c2".to_string(), "j1".to_string(), 2_000),
    ];
    assert_eq!(s.first_uses(&again).await.unwrap(), pairs(&[("c2", "j1")]));
    assert!(s.first_uses(&[]).await.unwrap().is_empty());
    // Pruning forgets ids whose assertions expired: they would be refused as expired anyway.
    assert_eq!(s.prune_jti(1_000).await.unwrap(), 0);
    assert_eq!(s.prune_jti(1_001).await.unwrap(), 2);
    assert_eq!(
        s.first_uses(&batch[..1]).await.unwrap(),
        pairs(&[("c1", "j1")])
    );
}

async fn refusals_are_kept_newest_first_and_bounded(s: Arc<dyn Store>) {
    let failure = |i: i64| FailureRecord {
        at: format!("2026-12-01T10:00:00.{i:06}Z"),
        kid: (i % 2 == 0).then(|| format!("kid-{i}")),
        purpose_id: None,
        code: "JTI_REPLAYED".into(),
        detail: format!("attempt {i}"),
    };
    for i in 0..FAILURES_KEPT_PER_CLIENT + 5 {
        s.record_failure("c1", &failure(i)).await.unwrap();
    }
    s.record_failure("c2", &failure(7)).await.unwrap();
    let kept = s.failures("c1", 1_000).await.unwrap();
    assert_eq!(kept.len() as i64, FAILURES_KEPT_PER_CLIENT);
    assert_eq!(kept[0], failure(FAILURES_KEPT_PER_CLIENT + 4));
    assert_eq!(kept.last().unwrap(), &failure(5));
    assert_eq!(s.failures("c1", 3).await.unwrap().len(), 3);
    assert_eq!(s.failures("c2", 10).await.unwrap(), [failure(7)]);
    assert!(s.failures("nobody", 10).await.unwrap().is_empty());
}

async fn signing_keys_are_unique_per_second_and_ordered(s: Arc<dyn Store>) {
    assert!(s.signing_keys().await.unwrap().is_empty());
    let key = |created, pem: &str| StoredKey {
        created,
        private_pem: pem.into(),
    };
    assert!(s.add_signing_key(&key(2_000, "second")).await.unwrap());
    // Another instance generating for the same second: the first key stays.
    assert!(!s.add_signing_key(&key(2_000, "rival")).await.unwrap());
    assert!(s.add_signing_key(&key(1_000, "first")).await.unwrap());
    assert_eq!(
        s.signing_keys().await.unwrap(),
        [key(1_000, "first"), key(2_000, "second")]
    );
}

/// Each case as a test per backend.
macro_rules! suite {
    ($($case:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test]
                async fn $case() {
                    let dir = tempfile::tempdir().unwrap();
                    let store = super::SqliteStore::open(
                        &dir.path().join("interop.db"),
                        &dir.path().join("tokens.db"),
                    )
                    .await
                    .expect("store opens");
                    super::$case(std::sync::Arc::new(store)).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test]
                async fn $case() {
                    let Some(schema) = super::pg::schema("interop_suite").await else { return };
                    let store = super::PostgresStore::open(&schema.url).await.expect("store opens");
                    super::$case(std::sync::Arc::new(store)).await;
                    schema.drop().await;
                }
            )*
        }
    };
}

suite!(
    the_log_is_ordered_and_a_taken_seq_is_a_conflict,
    an_engine_replays_what_another_appended,
    an_assertion_id_is_accepted_once,
    refusals_are_kept_newest_first_and_bounded,
    signing_keys_are_unique_per_second_and_ordered,
);

/// Several stores and engines on one PostgreSQL database: what several engine instances share.
mod postgres_instances {
    use super::*;

    async fn open(schema: &PgSchema) -> Arc<dyn Store> {
        Arc::new(PostgresStore::open(&schema.url).await.expect("store opens"))
    }

    /// Instances starting at the same moment: the migrations run once, every instance opens, and
    /// the engine's bookkeeping does not collide with the gateway's in a shared schema.
    #[tokio::test]
    async fn migrations_run_once_when_instances_start_together() {
        let Some(schema) = pg::schema("interop_suite").await else {
            return;
        };
        let mut starting = tokio::task::JoinSet::new();
        for i in 0..6 {
            let url = schema.url.clone();
            starting.spawn(async move {
                if i % 3 == 0 {
                    // A gateway starting on the same schema at the same time.
                    gateway::store::PostgresStore::open(&url)
                        .await
                        .map(|_| ())
                        .map_err(|e| e.to_string())
                } else {
                    PostgresStore::open(&url)
                        .await
                        .map(|_| ())
                        .map_err(|e| e.to_string())
                }
            });
        }
        for r in starting.join_all().await {
            r.expect("every instance opens");
        }
        let files = std::fs::read_dir(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../interop/migrations/postgres"
        ))
        .unwrap()
        .count();
        assert_eq!(schema.count("interop_migrations").await as usize, files);
        // And again, on a migrated database.
        open(&schema).await;
        schema.drop().await;
    }

    /// The lock id sqlx's migrator would take with `pg_advisory_lock` (sqlx-postgres 0.9's
    /// `generate_lock_id`: 0x3d32ad9e × the CRC-32 of the database's name).
    fn sqlx_lock_id(database: &str) -> i64 {
        let mut crc = 0xFFFF_FFFFu32;
        for byte in database.bytes() {
            crc ^= u32::from(byte);
            for _ in 0..8 {
                crc = if crc & 1 == 1 {
                    (crc >> 1) ^ 0xEDB8_8320
                } else {
                    crc >> 1
                };
            }
        }
        0x3d32_ad9e * i64::from(!crc)
    }

    /// Neither store takes sqlx's advisory lock (PostgreSQL-compatible distributed databases lack
    /// advisory locks): with that very lock held elsewhere, both still migrate and open.
    #[tokio::test]
    async fn migrations_take_no_advisory_lock() {
        let Some(schema) = pg::schema("interop_suite").await else {
            return;
        };
        let mut holder = sqlx::postgres::PgConnection::connect(&schema.url)
            .await
            .unwrap();
        let database: String = sqlx::query_scalar("SELECT current_database()")
            .fetch_one(&mut holder)
            .await
            .unwrap();
        sqlx::query("SELECT pg_advisory_lock($1)")
            .bind(sqlx_lock_id(&database))
            .execute(&mut holder)
            .await
            .unwrap();
        let opening = async {
            PostgresStore::open(&schema.url)
                .await
                .map_err(|e| e.to_string())?;
            gateway::store::PostgresStore::open(&schema.url)
                .await
                .map_err(|e| e.to_string())
        };
        let opened = tokio::time::timeout(std::time::Duration::from_secs(20), opening).await;
        assert!(
            matches!(opened, Ok(Ok(_))),
            "the stores waited for sqlx's advisory lock, or failed: {:?}",
            opened.map(|r| r.map(|_| ()))
        );
        // The check is real: sqlx's own migrator, with its lock on, waits for the holder.
        let mut with_lock = sqlx::migrate!("../interop/migrations/postgres");
        with_lock.dangerous_set_table_name("another_migrations");
        let pool = service_kit::postgres::connect(&schema.url).await.unwrap();
        let waited =
            tokio::time::timeout(std::time::Duration::from_secs(2), with_lock.run(&pool)).await;
        assert!(
            waited.is_err(),
            "sqlx's migrator did not wait for its advisory lock"
        );
        drop(holder);
        schema.drop().await;
    }

    /// Two engines racing commands through two stores: every command lands exactly once (no
    /// append lost, none doubled) and both engines end on the same log position and state. (The
    /// race on a rule that depends on the state, a purpose's threshold, is in
    /// `interop_two_instances.rs`.)
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn two_engines_racing_land_every_command_once() {
        let Some(schema) = pg::schema("interop_suite").await else {
            return;
        };
        let one = Arc::new(Engine::open(open(&schema).await).await.unwrap());
        let two = Arc::new(Engine::open(open(&schema).await).await.unwrap());
        let mut racing = tokio::task::JoinSet::new();
        let mut ids = Vec::new();
        for i in 0..24 {
            let engine = if i % 2 == 0 { one.clone() } else { two.clone() };
            let (id, cmd) = create_tenant(&format!("Ente {i}"));
            ids.push(id);
            racing.spawn(async move { engine.execute(platform(), cmd).await.map(|_| ()) });
        }
        for r in racing.join_all().await {
            r.expect("every command lands");
        }
        one.catch_up().await.unwrap();
        two.catch_up().await.unwrap();
        assert_eq!(one.read(|_, seq| seq), 24);
        assert_eq!(two.read(|_, seq| seq), 24);
        for id in ids {
            assert!(one.read(|s, _| s.tenants.contains_key(&id)));
            assert!(two.read(|s, _| s.tenants.contains_key(&id)));
        }
        assert_eq!(schema.count("interop_events").await, 24);
        schema.drop().await;
    }

    /// Two instances recording the same assertion id at once: exactly one accepts it.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn an_assertion_id_is_accepted_by_one_instance_only() {
        let Some(schema) = pg::schema("interop_suite").await else {
            return;
        };
        let stores = [open(&schema).await, open(&schema).await];
        let mut racing = tokio::task::JoinSet::new();
        for i in 0..20 {
            let s = stores[i % 2].clone();
            racing.spawn(async move {
                let item = [("c1".to_string(), "same-jti".to_string(), 5_000)];
                s.first_uses(&item).await.unwrap().len()
            });
        }
        let accepted: usize = racing.join_all().await.into_iter().sum();
        assert_eq!(accepted, 1);
        schema.drop().await;
    }
}
