//! The storage suite: the same tests against both [`Store`] implementations. SQLite runs in a
//! temporary folder; PostgreSQL on `RECAPITO_TEST_POSTGRES_URL` (scripts/test starts a throwaway
//! server with scripts/pg), each test in a fresh schema so they run in parallel.
//!
//! Without the variable the PostgreSQL tests fail when `CI=true` and are skipped, loudly,
//! otherwise. The `postgres_instances` tests open several stores on one database: the
//! multi-instance behaviour (migrations at once, idempotency and changes across instances) only
//! PostgreSQL offers.

use gateway::domain::configuration::Configuration;
use gateway::domain::message::Message;
use gateway::domain::{ConfigurationId, MessageId};
use gateway::store::{IdempotencyKey, PageQuery, PostgresStore, Sent, SentQuery, Store, Submitted};
use provider_sdk::contract::FiscalCode;
use serde_json::json;
use sqlx::postgres::PgPoolOptions;
use sqlx::{AssertSqlSafe, PgPool};
use std::sync::Arc;

const ALICE: &str = "SPNDNL80R13C555X";
const BOB: &str = "RSSMRA85T10A562S";

/// The PostgreSQL server to test against, if any.
fn postgres_url() -> Option<String> {
    match std::env::var("RECAPITO_TEST_POSTGRES_URL") {
        Ok(url) if !url.trim().is_empty() => Some(url),
        _ if std::env::var("CI").is_ok_and(|v| v == "true" || v == "1") => panic!(
            "RECAPITO_TEST_POSTGRES_URL is not set and CI=true: the PostgreSQL half of the \
             storage suite must run in CI (scripts/test starts a server with scripts/pg)"
        ),
        _ => {
            // Straight to stderr: the test harness would capture `eprintln!`.
            use std::io::Write;
            let _ = writeln!(
                std::io::stderr(),
                "\n*** SKIPPED: PostgreSQL store test: RECAPITO_TEST_POSTGRES_URL is not set \
                 (run scripts/test, or eval \"$(scripts/pg start)\" first) ***\n"
            );
            None
        }
    }
}

/// `url` with sqlx's connection option that puts every unqualified name in `schema`.
fn in_schema(url: &str, schema: &str) -> String {
    let sep = if url.contains('?') { '&' } else { '?' };
    format!("{url}{sep}options[search_path]={schema}")
}

/// A fresh, empty schema on the test server.
struct Schema {
    admin: PgPool,
    name: String,
    url: String,
}

impl Schema {
    async fn create() -> Option<Schema> {
        let base = postgres_url()?;
        let admin = PgPoolOptions::new()
            .max_connections(1)
            .connect(&base)
            .await
            .unwrap_or_else(|e| panic!("cannot connect to RECAPITO_TEST_POSTGRES_URL: {e}"));
        let name = format!("suite_{}", uuid::Uuid::new_v4().simple());
        sqlx::query(AssertSqlSafe(format!("CREATE SCHEMA {name}")))
            .execute(&admin)
            .await
            .unwrap();
        let url = in_schema(&base, &name);
        Some(Schema { admin, name, url })
    }

    async fn open(&self) -> PostgresStore {
        PostgresStore::open(&self.url).await.expect("store opens")
    }

    async fn drop_schema(self) {
        let _ = sqlx::query(AssertSqlSafe(format!("DROP SCHEMA {} CASCADE", self.name)))
            .execute(&self.admin)
            .await;
    }
}

fn configuration(id: &ConfigurationId, owner: &str, name: &str) -> Configuration {
    serde_json::from_value(json!({
        "configuration_id": id.to_string(), "user_id": owner, "name": name,
        "description": "Avvisi di pagamento", "has_precondition": "NEVER",
        "is_lollipop_enabled": false, "disable_lollipop_for": [],
        "prod_environment": {"base_url": "https://rc.example.it/api",
            "details_authentication": {"type": "API_KEY", "header_key_name": "X-Key", "key": "k"}}
    }))
    .unwrap()
}

fn new_id() -> ConfigurationId {
    ConfigurationId::new()
}

fn fc(s: &str) -> FiscalCode {
    FiscalCode::parse(s).unwrap()
}

/// A message for `fiscal_code` with remote content, attachments and a ONCE precondition.
fn message(fiscal_code: &str, subject: &str) -> Message {
    serde_json::from_value(json!({
        "id": MessageId::new(), "fiscal_code": fiscal_code, "sender": "tenant-1",
        "sender_service_id": "purpose-1", "created_at": "2026-01-02T03:04:05.678Z",
        "time_to_live": 3600, "feature_level_type": "ADVANCED",
        "content": {
            "subject": subject,
            "markdown": "Gentile cittadino, è disponibile l'avviso di pagamento della tassa sui rifiuti.",
            "due_date": "2026-02-01T00:00:00Z",
            "third_party_data": {"id": "corr-1", "has_attachments": true, "has_remote_content": true,
                "has_precondition": "ONCE", "configuration_id": "01ARZ3NDEKTSV4RRFFQ69G5FAV"}
        },
        "is_read": false, "is_archived": false
    }))
    .unwrap()
}

/// A plain message: no third-party data.
fn plain(fiscal_code: &str) -> Message {
    let mut m = message(fiscal_code, "Un messaggio semplice");
    m.content.third_party_data = None;
    m.feature_level_type = provider_sdk::contract::FeatureLevelType::Standard;
    m
}

fn key(sender: &str, key: &str, hash: &str) -> Option<IdempotencyKey> {
    Some(IdempotencyKey {
        sender: sender.into(),
        key: key.into(),
        request_hash: hash.into(),
    })
}

fn page(archived: bool, max: Option<&MessageId>, min: Option<&MessageId>, limit: u32) -> PageQuery {
    PageQuery {
        archived,
        maximum_id: max.cloned(),
        minimum_id: min.cloned(),
        sender: None,
        limit,
    }
}

// ---- The cases, each run against both backends. ----

async fn configurations_crud_and_ownership(s: Arc<dyn Store>) {
    let (a, b, c) = (new_id(), new_id(), new_id());
    s.put_configuration(&configuration(&a, "t1", "one"), "2026-01-01T00:00:00Z")
        .await
        .unwrap();
    s.put_configuration(&configuration(&b, "t1", "two"), "2026-01-01T00:00:00Z")
        .await
        .unwrap();
    s.put_configuration(&configuration(&c, "t2", "three"), "2026-01-01T00:00:00Z")
        .await
        .unwrap();
    assert_eq!(
        s.configuration(&a).await.unwrap(),
        Some(configuration(&a, "t1", "one"))
    );
    // A replacement changes the body, only for its owner, and never re-creates a deleted one.
    assert!(
        s.replace_configuration(&configuration(&a, "t1", "uno"), "2026-01-02T00:00:00Z")
            .await
            .unwrap()
    );
    assert!(
        !s.replace_configuration(&configuration(&a, "t2", "stolen"), "2026-01-02T00:00:00Z")
            .await
            .unwrap()
    );
    let gone = new_id();
    assert!(
        !s.replace_configuration(&configuration(&gone, "t1", "ghost"), "2026-01-02T00:00:00Z")
            .await
            .unwrap()
    );
    assert_eq!(s.configuration(&gone).await.unwrap(), None);
    assert_eq!(
        s.configuration(&a).await.unwrap(),
        Some(configuration(&a, "t1", "uno"))
    );
    // Each owner lists only its own, by id.
    let ids = |v: Vec<Configuration>| v.into_iter().map(|c| c.id).collect::<Vec<_>>();
    let mut t1 = vec![a.clone(), b.clone()];
    t1.sort();
    assert_eq!(ids(s.configurations_of(&"t1".into()).await.unwrap()), t1);
    assert_eq!(ids(s.configurations_of(&"t2".into()).await.unwrap()), [c]);
    assert!(s.configurations_of(&"t3".into()).await.unwrap().is_empty());
    // Delete: once.
    assert!(s.delete_configuration(&b).await.unwrap());
    assert!(!s.delete_configuration(&b).await.unwrap());
    assert_eq!(s.configuration(&b).await.unwrap(), None);
    assert_eq!(ids(s.configurations_of(&"t1".into()).await.unwrap()), [a]);
    assert_eq!(s.configuration(&new_id()).await.unwrap(), None);
}

async fn a_submitted_message_reads_back_whole(s: Arc<dyn Store>) {
    for m in [message(ALICE, "Avviso di pagamento TARI"), plain(ALICE)] {
        assert_eq!(
            s.submit(m.clone(), None).await.unwrap(),
            Submitted::Created(m.id.clone())
        );
        assert_eq!(s.message(&m.id).await.unwrap(), Some(m.clone()));
    }
    assert_eq!(s.message(&MessageId::new()).await.unwrap(), None);
}

async fn an_idempotency_key_stores_once_across_calls(s: Arc<dyn Store>) {
    let first = message(ALICE, "Avviso di pagamento TARI");
    let again = message(ALICE, "Avviso di pagamento TARI");
    assert_eq!(
        s.submit(first.clone(), key("t1", "k-1", "h1"))
            .await
            .unwrap(),
        Submitted::Created(first.id.clone())
    );
    // The same key again (even with another body): the first answer, nothing stored.
    assert_eq!(
        s.submit(again.clone(), key("t1", "k-1", "h2"))
            .await
            .unwrap(),
        Submitted::Replayed {
            message_id: first.id.clone(),
            request_hash: "h1".into()
        }
    );
    assert_eq!(s.message(&again.id).await.unwrap(), None);
    assert_eq!(
        s.idempotent(&"t1".into(), "k-1").await.unwrap(),
        Some((first.id.clone(), "h1".into()))
    );
    assert_eq!(s.idempotent(&"t1".into(), "k-2").await.unwrap(), None);
    // Keys are per sender.
    assert_eq!(s.idempotent(&"t2".into(), "k-1").await.unwrap(), None);
    assert_eq!(
        s.submit(again.clone(), key("t2", "k-1", "h2"))
            .await
            .unwrap(),
        Submitted::Created(again.id.clone())
    );
    let inbox = s
        .inbox(&fc(ALICE), page(false, None, None, 10))
        .await
        .unwrap();
    assert_eq!(inbox.len(), 2);
}

/// Submissions with one key at the same moment (one batch, for the SQLite writer): one stores.
async fn an_idempotency_key_stores_once_in_one_batch(s: Arc<dyn Store>) {
    let mut tasks = tokio::task::JoinSet::new();
    let messages: Vec<Message> = (0..16).map(|_| message(BOB, "Stesso messaggio")).collect();
    for m in messages.clone() {
        let s = s.clone();
        tasks.spawn(async move { s.submit(m, key("t1", "same", "h")).await.unwrap() });
    }
    let outcomes = tasks.join_all().await;
    let created: Vec<&MessageId> = outcomes
        .iter()
        .filter_map(|o| match o {
            Submitted::Created(id) => Some(id),
            Submitted::Replayed { .. } => None,
        })
        .collect();
    assert_eq!(created.len(), 1, "{outcomes:?}");
    let winner = created[0].clone();
    for o in &outcomes {
        if let Submitted::Replayed {
            message_id,
            request_hash,
        } = o
        {
            assert_eq!((message_id, request_hash.as_str()), (&winner, "h"));
        }
    }
    let inbox = s
        .inbox(&fc(BOB), page(false, None, None, 100))
        .await
        .unwrap();
    assert_eq!(inbox.iter().map(|m| &m.id).collect::<Vec<_>>(), [&winner]);
}

async fn the_inbox_pages_newest_first(s: Arc<dyn Store>) {
    // Seven for Alice (ids ascending in submission order), two for Bob.
    let mut mine = Vec::new();
    for i in 0..7 {
        mine.push(message(ALICE, &format!("Avviso numero {i} per Alice")));
    }
    mine.sort_by(|a, b| a.id.cmp(&b.id));
    for m in &mine {
        s.submit(m.clone(), None).await.unwrap();
    }
    for _ in 0..2 {
        s.submit(message(BOB, "Avviso per Bob, non per Alice"), None)
            .await
            .unwrap();
    }
    // Archive the 2nd and the 5th.
    for i in [1, 4] {
        assert_eq!(
            s.set_status(&mine[i].id, &fc(ALICE), None, Some(true))
                .await
                .unwrap(),
            Some((false, true))
        );
        mine[i].is_archived = true;
    }
    let newest_first = |archived: bool| {
        let mut v: Vec<_> = mine
            .iter()
            .filter(|m| m.is_archived == archived)
            .map(Message::summary)
            .collect();
        v.reverse();
        v
    };
    let inbox = newest_first(false);
    assert_eq!(inbox.len(), 5);
    // The first page, then the next one below its last id.
    let p1 = s
        .inbox(&fc(ALICE), page(false, None, None, 3))
        .await
        .unwrap();
    assert_eq!(p1, inbox[..3]);
    let p2 = s
        .inbox(&fc(ALICE), page(false, Some(&p1[2].id), None, 3))
        .await
        .unwrap();
    assert_eq!(p2, inbox[3..]);
    // What is newer than a known id.
    let newer = s
        .inbox(&fc(ALICE), page(false, None, Some(&inbox[2].id), 10))
        .await
        .unwrap();
    assert_eq!(newer, inbox[..2]);
    // Between two ids, both excluded.
    let between = s
        .inbox(
            &fc(ALICE),
            page(false, Some(&inbox[0].id), Some(&inbox[4].id), 10),
        )
        .await
        .unwrap();
    assert_eq!(between, inbox[1..4]);
    // The archived ones, on their own.
    let archived = s
        .inbox(&fc(ALICE), page(true, None, None, 10))
        .await
        .unwrap();
    assert_eq!(archived, newest_first(true));
    // The summary carries the declared flags.
    assert!(p1.iter().all(|m| m.has_attachments && m.has_precondition));
    // Nobody else's.
    assert_eq!(
        s.inbox(&fc(BOB), page(false, None, None, 10))
            .await
            .unwrap()
            .len(),
        2
    );
    assert!(
        s.inbox(&fc("MRARSS80A01H501U"), page(false, None, None, 10))
            .await
            .unwrap()
            .is_empty()
    );
}

/// An entity's preview of its test user's inbox: only that sender's messages to that citizen,
/// paged like the citizen's own inbox.
async fn the_inbox_of_one_sender_lists_only_its_messages(s: Arc<dyn Store>) {
    let mut mine = Vec::new();
    for (i, sender) in ["ente-a", "ente-b", "ente-a", "ente-a", "ente-b"]
        .iter()
        .enumerate()
    {
        let mut m = message(ALICE, &format!("Avviso numero {i} per Alice"));
        m.sender = (*sender).into();
        mine.push(m);
    }
    mine.sort_by(|a, b| a.id.cmp(&b.id));
    for m in &mine {
        s.submit(m.clone(), None).await.unwrap();
    }
    let mut to_bob = message(BOB, "Avviso dell'ente A per Bob");
    to_bob.sender = "ente-a".into();
    s.submit(to_bob, None).await.unwrap();
    let of = |sender: &str| {
        let mut v: Vec<_> = mine
            .iter()
            .filter(|m| m.sender.as_str() == sender)
            .map(Message::summary)
            .collect();
        v.reverse();
        v
    };
    let by = |sender: &str, max: Option<&MessageId>, limit: u32| PageQuery {
        sender: Some(sender.into()),
        ..page(false, max, None, limit)
    };
    let a = of("ente-a");
    assert_eq!(a.len(), 3);
    let p1 = s.inbox(&fc(ALICE), by("ente-a", None, 2)).await.unwrap();
    assert_eq!(p1, a[..2]);
    let p2 = s
        .inbox(&fc(ALICE), by("ente-a", Some(&p1[1].id), 2))
        .await
        .unwrap();
    assert_eq!(p2, a[2..]);
    assert_eq!(
        s.inbox(&fc(ALICE), by("ente-b", None, 10)).await.unwrap(),
        of("ente-b")
    );
    assert!(
        s.inbox(&fc(ALICE), by("ente-c", None, 10))
            .await
            .unwrap()
            .is_empty()
    );
    // Another citizen's messages from the same sender are not listed.
    assert_eq!(
        s.inbox(&fc(BOB), by("ente-a", None, 10))
            .await
            .unwrap()
            .len(),
        1
    );
}

/// A message of `sender` created at `created_at`, sent with `configuration` (or plain).
fn sent_by(sender: &str, created_at: &str, configuration: Option<&ConfigurationId>) -> Message {
    let mut m = match configuration {
        Some(c) => {
            let mut m = message(ALICE, "Avviso inviato da un ente");
            if let Some(t) = m.content.third_party_data.as_mut() {
                t.configuration_id = Some(c.to_string());
            }
            m
        }
        None => plain(BOB),
    };
    m.sender = sender.into();
    m.created_at = created_at.into();
    m
}

fn sent_query(sender: &str) -> SentQuery {
    SentQuery {
        sender: sender.into(),
        configuration: None,
        from_ms: None,
        to_ms: None,
        before: None,
        limit: 100,
    }
}

fn ms(rfc3339: &str) -> i64 {
    gateway::domain::message::instant_ms(rfc3339).unwrap()
}

async fn a_sender_lists_only_its_own_messages_newest_first(s: Arc<dyn Store>) {
    let (c1, c2) = (new_id(), new_id());
    // Out of order on purpose, and created_at of varying width (`05Z` is after `05.5Z`).
    let mine = [
        sent_by("ente-a", "2026-03-01T10:00:05Z", Some(&c1)),
        sent_by("ente-a", "2026-03-01T10:00:05.5Z", Some(&c2)),
        sent_by("ente-a", "2026-03-01T10:00:06.001Z", None),
        sent_by("ente-a", "2026-03-01T09:00:00+01:00", Some(&c1)),
        sent_by("ente-a", "2026-03-02T00:00:00.000Z", Some(&c1)),
    ];
    for m in &mine {
        s.submit(m.clone(), None).await.unwrap();
    }
    // Another sender, with the same configuration id (it cannot own it: it is listed by sender
    // first) and the same times.
    for m in [
        sent_by("ente-b", "2026-03-01T10:00:05.5Z", Some(&c1)),
        sent_by("ente-b", "2026-03-01T10:00:07Z", None),
    ] {
        s.submit(m, None).await.unwrap();
    }
    let ids = |page: &[Sent]| -> Vec<String> { page.iter().map(|s| s.item.id.clone()).collect() };
    let id = |i: usize| mine[i].id.to_string();
    // Newest first by instant: 03-02, 10:00:06.001, 10:00:05.5, 10:00:05, 08:00Z.
    let all = s.sent(sent_query("ente-a")).await.unwrap();
    assert_eq!(ids(&all), [id(4), id(2), id(1), id(0), id(3)]);
    // What an item says.
    let first = &all[3].item;
    assert_eq!(first.fiscal_code, ALICE);
    assert_eq!(first.subject, "Avviso inviato da un ente");
    assert_eq!(first.created_at, "2026-03-01T10:00:05Z");
    assert_eq!(first.configuration_id, Some(c1.to_string()));
    assert_eq!((first.is_read, first.is_archived), (false, false));
    assert_eq!(all[1].item.configuration_id, None);
    assert_eq!(all[3].created_ms, ms("2026-03-01T10:00:05Z"));
    // The other sender sees only its two.
    assert_eq!(s.sent(sent_query("ente-b")).await.unwrap().len(), 2);
    assert!(s.sent(sent_query("ente-c")).await.unwrap().is_empty());
    // By configuration: only the caller's messages sent with it.
    let by_c1 = s
        .sent(SentQuery {
            configuration: Some(c1.clone()),
            ..sent_query("ente-a")
        })
        .await
        .unwrap();
    assert_eq!(ids(&by_c1), [id(4), id(0), id(3)]);
    let by_c2 = s
        .sent(SentQuery {
            configuration: Some(c2.clone()),
            ..sent_query("ente-b")
        })
        .await
        .unwrap();
    assert!(by_c2.is_empty());
    // From (inclusive) and to (exclusive).
    let window = s
        .sent(SentQuery {
            from_ms: Some(ms("2026-03-01T10:00:05Z")),
            to_ms: Some(ms("2026-03-01T10:00:06.001Z")),
            ..sent_query("ente-a")
        })
        .await
        .unwrap();
    assert_eq!(ids(&window), [id(1), id(0)]);
    // Pages: two, then after the last one's position, then the rest.
    let p1 = s
        .sent(SentQuery {
            limit: 2,
            ..sent_query("ente-a")
        })
        .await
        .unwrap();
    assert_eq!(ids(&p1), [id(4), id(2)]);
    let after = |p: &[Sent]| {
        let last = p.last().unwrap();
        Some((last.created_ms, last.item.id.parse::<MessageId>().unwrap()))
    };
    let p2 = s
        .sent(SentQuery {
            limit: 2,
            before: after(&p1),
            ..sent_query("ente-a")
        })
        .await
        .unwrap();
    assert_eq!(ids(&p2), [id(1), id(0)]);
    let p3 = s
        .sent(SentQuery {
            limit: 2,
            before: after(&p2),
            ..sent_query("ente-a")
        })
        .await
        .unwrap();
    assert_eq!(ids(&p3), [id(3)]);
    // Two messages at the same millisecond page by id.
    let mut twins = [
        sent_by("ente-t", "2026-04-01T00:00:00.123Z", None),
        sent_by("ente-t", "2026-04-01T00:00:00.123Z", None),
    ];
    twins.sort_by(|a, b| a.id.cmp(&b.id));
    for m in &twins {
        s.submit(m.clone(), None).await.unwrap();
    }
    let one = s
        .sent(SentQuery {
            limit: 1,
            ..sent_query("ente-t")
        })
        .await
        .unwrap();
    assert_eq!(ids(&one), [twins[1].id.to_string()]);
    let other = s
        .sent(SentQuery {
            limit: 1,
            before: after(&one),
            ..sent_query("ente-t")
        })
        .await
        .unwrap();
    assert_eq!(ids(&other), [twins[0].id.to_string()]);
    // The citizen's status, as the app set it.
    s.set_status(&mine[0].id, &fc(ALICE), Some(true), Some(true))
        .await
        .unwrap();
    let read = s
        .sent(SentQuery {
            configuration: Some(c1),
            ..sent_query("ente-a")
        })
        .await
        .unwrap();
    assert_eq!(
        read.iter()
            .map(|s| (s.item.is_read, s.item.is_archived))
            .collect::<Vec<_>>(),
        [(false, false), (true, true), (false, false)]
    );
}

async fn status_changes_only_for_the_citizen_the_message_is_for(s: Arc<dyn Store>) {
    let m = message(ALICE, "Avviso di pagamento TARI");
    s.submit(m.clone(), None).await.unwrap();
    // Read once (a store may remember it), then changed: the change shows.
    assert!(!s.message(&m.id).await.unwrap().unwrap().is_read);
    assert_eq!(
        s.set_status(&m.id, &fc(ALICE), Some(true), None)
            .await
            .unwrap(),
        Some((true, false))
    );
    let read = s.message(&m.id).await.unwrap().unwrap();
    assert!(read.is_read && !read.is_archived);
    assert_eq!(
        s.set_status(&m.id, &fc(ALICE), None, Some(true))
            .await
            .unwrap(),
        Some((true, true))
    );
    // Another citizen's message is not there for Bob, and stays as it was.
    assert_eq!(
        s.set_status(&m.id, &fc(BOB), Some(false), Some(false))
            .await
            .unwrap(),
        None
    );
    let after = s.message(&m.id).await.unwrap().unwrap();
    assert!(after.is_read && after.is_archived);
    assert_eq!(
        s.set_status(&MessageId::new(), &fc(ALICE), Some(true), None)
            .await
            .unwrap(),
        None
    );
    // Nothing to change: the status as it is.
    assert_eq!(
        s.set_status(&m.id, &fc(ALICE), None, None).await.unwrap(),
        Some((true, true))
    );
    s.ping().await.unwrap();
}

/// Each case as a test per backend.
macro_rules! suite {
    ($($case:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test]
                async fn $case() {
                    let dir = tempfile::tempdir().unwrap();
                    let store = gateway::store::SqliteStore::open(&dir.path().join("gateway.db"))
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
                    let Some(schema) = super::Schema::create().await else { return };
                    super::$case(std::sync::Arc::new(schema.open().await)).await;
                    schema.drop_schema().await;
                }
            )*
        }
    };
}

suite!(
    configurations_crud_and_ownership,
    a_submitted_message_reads_back_whole,
    an_idempotency_key_stores_once_across_calls,
    an_idempotency_key_stores_once_in_one_batch,
    the_inbox_pages_newest_first,
    the_inbox_of_one_sender_lists_only_its_messages,
    status_changes_only_for_the_citizen_the_message_is_for,
    a_sender_lists_only_its_own_messages_newest_first,
);

/// Several stores on one PostgreSQL database: what several gateway instances share.
mod postgres_instances {
    use super::*;

    /// Instances starting at the same moment: the migrations run once, every instance opens.
    #[tokio::test]
    async fn migrations_run_once_when_instances_start_together() {
        let Some(schema) = Schema::create().await else {
            return;
        };
        let mut starting = tokio::task::JoinSet::new();
        for _ in 0..6 {
            let url = schema.url.clone();
            starting.spawn(async move { PostgresStore::open(&url).await.map(|_| ()) });
        }
        for r in starting.join_all().await {
            r.expect("every instance opens");
        }
        let applied: i64 = sqlx::query_scalar(AssertSqlSafe(format!(
            "SELECT count(*) FROM {}._sqlx_migrations",
            schema.name
        )))
        .fetch_one(&schema.admin)
        .await
        .unwrap();
        let files = std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/migrations/postgres"))
            .unwrap()
            .count();
        assert_eq!(applied as usize, files);
        // And again, on a migrated database.
        schema.open().await;
        schema.drop_schema().await;
    }

    /// A database written before the sent-messages columns existed is migrated: each message
    /// gains its time in milliseconds (whatever the offset it was written with) and its
    /// configuration id, and its sender lists it.
    #[tokio::test]
    async fn the_sent_messages_migration_fills_the_new_columns() {
        let Some(schema) = Schema::create().await else {
            return;
        };
        let pool = PgPoolOptions::new()
            .max_connections(1)
            .connect(&schema.url)
            .await
            .unwrap();
        let mut first = sqlx::migrate!("./migrations/postgres");
        first.migrations = std::borrow::Cow::Owned(first.migrations[..1].to_vec());
        service_kit::postgres::migrate_locked(&pool, "gateway_migration_lock", first)
            .await
            .unwrap();
        for (id, created_at, content) in [
            (
                "01ARZ3NDEKTSV4RRFFQ69G5FAV",
                "2026-01-01T01:00:00+01:00",
                r#"{"subject":"Plain subject","markdown":"m"}"#,
            ),
            (
                "01ARZ3NDEKTSV4RRFFQ69G5FAW",
                "2026-01-01T00:00:00.5Z",
                r#"{"subject":"Remote subject","markdown":"m","third_party_data":{"id":"x","configuration_id":"01ARZ3NDEKTSV4RRFFQ69G5FAC"}}"#,
            ),
        ] {
            sqlx::query(
                "INSERT INTO messages (id, fiscal_code, sender, sender_service_id, created_at, \
                 time_to_live, feature_level, subject, has_attachments, has_precondition, content) \
                 VALUES ($1, 'SPNDNL80R13C555X', 't', 's', $2, 3600, 'ADVANCED', 'x', FALSE, FALSE, $3)",
            )
            .bind(id)
            .bind(created_at)
            .bind(content)
            .execute(&pool)
            .await
            .unwrap();
        }
        pool.close().await;
        let store = schema.open().await;
        let listed: Vec<(String, i64, Option<String>)> = store
            .sent(SentQuery {
                sender: "t".into(),
                configuration: None,
                from_ms: None,
                to_ms: None,
                before: None,
                limit: 10,
            })
            .await
            .unwrap()
            .into_iter()
            .map(|s| (s.item.id, s.created_ms, s.item.configuration_id))
            .collect();
        assert_eq!(
            listed,
            [
                (
                    "01ARZ3NDEKTSV4RRFFQ69G5FAW".to_owned(),
                    1_767_225_600_500,
                    Some("01ARZ3NDEKTSV4RRFFQ69G5FAC".to_owned())
                ),
                (
                    "01ARZ3NDEKTSV4RRFFQ69G5FAV".to_owned(),
                    1_767_225_600_000,
                    None
                ),
            ]
        );
        schema.drop_schema().await;
    }

    /// Two instances: one key submitted through both at once stores one message; what one
    /// writes the other reads at once (nothing is remembered by either).
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn two_instances_share_keys_configurations_and_status() {
        let Some(schema) = Schema::create().await else {
            return;
        };
        let one: Arc<dyn Store> = Arc::new(schema.open().await);
        let two: Arc<dyn Store> = Arc::new(schema.open().await);

        let mut racing = tokio::task::JoinSet::new();
        for i in 0..20 {
            let s = if i % 2 == 0 { one.clone() } else { two.clone() };
            racing.spawn(async move {
                s.submit(message(ALICE, "Stesso messaggio"), key("t1", "k", "h"))
                    .await
                    .unwrap()
            });
        }
        let outcomes = racing.join_all().await;
        let created: Vec<_> = outcomes
            .iter()
            .filter(|o| matches!(o, Submitted::Created(_)))
            .collect();
        assert_eq!(created.len(), 1, "{outcomes:?}");
        let Submitted::Created(id) = created[0].clone() else {
            unreachable!()
        };
        assert!(outcomes.iter().all(|o| match o {
            Submitted::Created(c) => *c == id,
            Submitted::Replayed { message_id, .. } => *message_id == id,
        }));
        assert_eq!(
            two.inbox(&fc(ALICE), page(false, None, None, 10))
                .await
                .unwrap()
                .len(),
            1
        );

        // Status: read through one, changed through the other, read again through the first.
        assert!(!one.message(&id).await.unwrap().unwrap().is_read);
        two.set_status(&id, &fc(ALICE), Some(true), None)
            .await
            .unwrap();
        assert!(one.message(&id).await.unwrap().unwrap().is_read);

        // Configurations: changed through one, seen at once through the other.
        let c = new_id();
        one.put_configuration(&configuration(&c, "t1", "one"), "now")
            .await
            .unwrap();
        assert_eq!(
            two.configuration(&c).await.unwrap(),
            Some(configuration(&c, "t1", "one"))
        );
        two.put_configuration(&configuration(&c, "t1", "uno"), "later")
            .await
            .unwrap();
        assert_eq!(
            one.configuration(&c).await.unwrap(),
            Some(configuration(&c, "t1", "uno"))
        );
        assert!(one.delete_configuration(&c).await.unwrap());
        assert_eq!(two.configuration(&c).await.unwrap(), None);
        assert!(
            two.configurations_of(&"t1".into())
                .await
                .unwrap()
                .is_empty()
        );
        schema.drop_schema().await;
    }
}
