//! The console's pages under a large catalogue and a producer with many requests (agreements):
//! how long a page takes, next to the engine's own answer to the same list.
//!
//! `cargo bench -p console --bench pages` (options after `--`: `--requests N` (500 per row),
//! `--eservices N` (10 000), `--agreements N` (100 000)).
//!
//! 1. Starts the real Interop engine in-process (`interop::Application`, its own runtime with 2
//!    workers) on a loopback port, its data folder in `/dev/shm` when there is one (seeding is
//!    not what is measured; a page's read does not touch the disk), and the console (same
//!    runtime) on another, with the development sign-in for the producer's administrator.
//! 2. Seeds through the engine's commands in-process (the same decisions as its API, without
//!    HTTP): one producer publishes `--eservices` e-services (automatic approval); consumers
//!    (as many as needed, up to one request each per e-service) submit `--agreements` requests,
//!    each activated at once.
//! 3. Signs in to the console by its development sign-in form (HTTP, as a browser does), then
//!    from one HTTP client with one keep-alive connection asks each row's page `--requests`
//!    times in turn and prints p50 / p99 / max per row, and the ratio of the console's p99 to
//!    the engine's for the same list. The requests page (`/erogazione/richieste`) is measured
//!    when the console answers it with 200, else its rows say "not built".

use interop::api::auth::IdentityIssuer;
use interop::domain::eservice::{
    ApprovalPolicy, DescriptorFields, EServiceInfo, EServiceMode, Technology,
};
use interop::domain::ids::{AgreementId, DescriptorId, EServiceId, TenantId, UserId};
use interop::domain::{
    Actor, AgreementCommand, Command, EServiceCommand, NewUser, Role, TenantCommand,
};
use interop::{Application, Config};
use std::collections::BTreeSet;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

const ISSUER: &str = "bench-idp";
const AUDIENCE: &str = "recapito-interop";
const PLATFORM_OPERATOR: &str = "0b6f1c2e-7a43-4d5e-9f10-2c3b4a5d6e7f";

fn platform_operator() -> UserId {
    PLATFORM_OPERATOR.parse().expect("a user id")
}

fn keys() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../fixtures/keys")
}

fn arg(name: &str, default: u64) -> u64 {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn actor(user: UserId, tenant: Option<TenantId>, role: Role) -> Actor {
    Actor {
        user,
        tenant,
        roles: BTreeSet::from([role]),
    }
}

async fn run(engine: &interop::engine::Engine, actor: &Actor, cmd: impl Into<Command>) {
    let cmd = cmd.into();
    let name = cmd.name();
    if let Err(e) = engine.execute(actor.clone(), cmd).await {
        panic!("seeding, {name}: {e:?}");
    }
}

/// A tenant with its administrator.
async fn tenant(engine: &interop::engine::Engine, name: &str) -> (TenantId, Actor) {
    let platform = actor(platform_operator(), None, Role::Platform);
    let (id, admin) = (TenantId::random(), UserId::random());
    run(
        engine,
        &platform,
        TenantCommand::Create {
            id,
            name: name.into(),
            admin: NewUser {
                id: admin,
                name: format!("Amministratore {name}"),
                roles: BTreeSet::from([Role::Admin]),
            },
        },
    )
    .await;
    (id, actor(admin, Some(id), Role::Admin))
}

/// What was seeded: the producer's administrator, and the e-services' ids.
struct World {
    producer: Actor,
}

async fn seed(engine: &interop::engine::Engine, eservices: u64, agreements: u64) -> World {
    let started = Instant::now();
    let (_, producer) = tenant(engine, "Ente erogatore di prova").await;
    let mut ids = Vec::new();
    for n in 0..eservices {
        let (id, descriptor) = (EServiceId::random(), DescriptorId::random());
        run(
            engine,
            &producer,
            EServiceCommand::Create {
                id,
                descriptor,
                info: EServiceInfo {
                    name: format!("Servizio di prova {n:05}"),
                    description: format!(
                        "Il servizio numero {n} del catalogo di prova, per misurare le pagine"
                    ),
                    technology: Technology::Rest,
                    mode: EServiceMode::Deliver,
                    attributes: Default::default(),
                },
                fields: DescriptorFields {
                    description: Some("Prima versione".into()),
                    audience: vec![format!("prova-{n}")],
                    voucher_lifespan: Some(600),
                    daily_calls_per_consumer: Some(1_000),
                    daily_calls_total: Some(100_000),
                    agreement_approval_policy: Some(ApprovalPolicy::Automatic),
                    server_urls: vec![format!("https://prova.example/{n}")],
                },
            },
        )
        .await;
        run(
            engine,
            &producer,
            EServiceCommand::PublishDescriptor {
                eservice: id,
                id: descriptor,
            },
        )
        .await;
        ids.push(id);
        if (n + 1) % 1000 == 0 {
            eprintln!(
                "  {} e-services published ({:.0} s)",
                n + 1,
                started.elapsed().as_secs_f64()
            );
        }
    }
    let per_consumer = ids.len().max(1) as u64;
    let consumers = agreements.div_ceil(per_consumer);
    let mut made = 0;
    for c in 0..consumers {
        let (_, consumer) = tenant(engine, &format!("Ente fruitore di prova {c:03}")).await;
        for eservice in ids
            .iter()
            .take((agreements - made).min(per_consumer) as usize)
        {
            let id = AgreementId::random();
            run(
                engine,
                &consumer,
                AgreementCommand::Create {
                    id,
                    eservice: *eservice,
                    descriptor: None,
                    consumer_notes: None,
                },
            )
            .await;
            run(engine, &consumer, AgreementCommand::Submit { id }).await;
            made += 1;
            if made % 10_000 == 0 {
                eprintln!(
                    "  {made} requests submitted ({:.0} s)",
                    started.elapsed().as_secs_f64()
                );
            }
        }
    }
    eprintln!(
        "seeded {eservices} e-services and {made} requests in {:.0} s",
        started.elapsed().as_secs_f64()
    );
    World { producer }
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i].as_secs_f64() * 1000.0
}

/// One row's figures, in milliseconds.
struct Row {
    p50: f64,
    p99: f64,
    max: f64,
}

/// `n` sequential GETs of `url` (with `cookie` or `token`); `None` when the first is not 200.
async fn measure(
    http: &reqwest::Client,
    url: &str,
    cookie: Option<&str>,
    token: Option<&str>,
    n: u64,
) -> Option<Row> {
    let get = || {
        let mut r = http.get(url);
        if let Some(c) = cookie {
            r = r.header(reqwest::header::COOKIE, c);
        }
        if let Some(t) = token {
            r = r.bearer_auth(t);
        }
        r
    };
    let first = get().send().await.expect("request");
    if first.status() != reqwest::StatusCode::OK {
        return None;
    }
    let page = first.text().await.unwrap_or_default();
    assert!(
        !page.contains("action=\"/accesso/sviluppo\""),
        "{url} is the sign-in page"
    );
    let mut times = Vec::with_capacity(n as usize);
    for _ in 0..n {
        let t = Instant::now();
        let r = get().send().await.expect("request");
        assert_eq!(r.status(), reqwest::StatusCode::OK, "{url}");
        let body = r.bytes().await.expect("body");
        times.push(t.elapsed());
        assert!(!body.is_empty());
    }
    times.sort_unstable();
    Some(Row {
        p50: percentile(&times, 0.5),
        p99: percentile(&times, 0.99),
        max: times.last().map_or(0.0, |d| d.as_secs_f64() * 1000.0),
    })
}

/// The console's session cookie after its development sign-in as user 0 (by its forms).
async fn sign_in(http: &reqwest::Client, console: &str) -> String {
    let page = http
        .get(format!("{console}/accesso"))
        .send()
        .await
        .expect("sign-in page");
    let cookie = page
        .headers()
        .get(reqwest::header::SET_COOKIE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .expect("a session cookie")
        .to_owned();
    let html = page.text().await.unwrap();
    let at = html.find("name=\"csrf\" value=\"").expect("a CSRF field") + 19;
    let csrf = html[at..].split('"').next().unwrap().to_owned();
    let signed = http
        .post(format!("{console}/accesso/sviluppo"))
        .header(reqwest::header::COOKIE, &cookie)
        .form(&[("user", "0"), ("csrf", csrf.as_str())])
        .send()
        .await
        .expect("sign in");
    assert_eq!(signed.status(), reqwest::StatusCode::SEE_OTHER, "signed in");
    signed
        .headers()
        .get(reqwest::header::SET_COOKIE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .expect("the signed-in session cookie")
        .to_owned()
}

fn main() {
    let requests = arg("--requests", 500);
    let eservices = arg("--eservices", 10_000);
    let agreements = arg("--agreements", 100_000);
    let shm = std::path::Path::new("/dev/shm");
    let dir = if shm.is_dir() {
        tempfile::tempdir_in(shm).unwrap()
    } else {
        tempfile::tempdir().unwrap()
    };

    let server = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let mut config = Config {
        bind: "127.0.0.1:0".into(),
        data_dir: dir.path().to_path_buf(),
        ..Config::default()
    };
    config.identity.issuer = ISSUER.into();
    config.identity.audience = AUDIENCE.into();
    config.identity.public_key_path = Some(keys().join("identity.pub.pem"));
    config.identity.platform_operators = vec![platform_operator()];
    let app = server
        .block_on(Application::build(&config))
        .expect("the engine starts");
    let engine_url = format!("http://127.0.0.1:{}", app.port());
    let engine = app.engine();
    server.spawn(app.run_until(std::future::pending()));

    eprintln!("seeding {eservices} e-services and {agreements} requests (not measured)…");
    let world = server.block_on(seed(&engine, eservices, agreements));
    drop(engine);
    let producer = world.producer;
    let tenant = producer.tenant.expect("a tenant");

    // The console, signed in as the producer's administrator by its development sign-in.
    let mut console_config = console::Config {
        bind: "127.0.0.1:0".into(),
        engine_url: engine_url.clone(),
        dev_sign_in: true,
        dev_users: vec![console::config::DevUser {
            name: "Amministratore Ente erogatore di prova".into(),
            tenant_name: "Ente erogatore di prova".into(),
            tenant_id: Some(tenant.to_string()),
            user_id: producer.user.to_string(),
            roles: vec!["admin".into()],
        }],
        ..console::Config::default()
    };
    console_config.dev_identity.private_key_path = keys().join("identity.key.pem");
    console_config.dev_identity.issuer = ISSUER.into();
    console_config.dev_identity.audience = AUDIENCE.into();
    let bound = server
        .block_on(console::build(console_config))
        .expect("the console starts");
    let console_url = format!("http://127.0.0.1:{}", bound.port());
    server.spawn(bound.run_until(std::future::pending()));

    // The load generator: one client, one connection, on its own runtime.
    let client = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let idp = Arc::new(
        IdentityIssuer::new(
            &std::fs::read(keys().join("identity.key.pem")).unwrap(),
            ISSUER,
            AUDIENCE,
        )
        .unwrap(),
    );
    let token = idp
        .mint(producer.user, Some(tenant), &[Role::Admin], 3600)
        .unwrap();
    client.block_on(async {
        // No redirects followed: a page that sends to the sign-in form is not a page measured.
        let http = reqwest::Client::builder()
            .pool_max_idle_per_host(1)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        let cookie = sign_in(&http, &console_url).await;
        let deep_catalogue = (eservices / 20 / 2).max(1);
        let deep_requests = (agreements / 20 / 2).max(1);
        let rows: Vec<(String, String, bool)> = vec![
            ("console: catalogue, page 1".into(), format!("{console_url}/catalogo"), true),
            (
                "console: catalogue, search \"prova 0042\"".into(),
                format!("{console_url}/catalogo?q=prova+0042"),
                true,
            ),
            (
                format!("console: catalogue, page {deep_catalogue}"),
                format!("{console_url}/catalogo?pagina={deep_catalogue}"),
                true,
            ),
            (
                "console: requests (erogazione/richieste), page 1".into(),
                format!("{console_url}/erogazione/richieste"),
                true,
            ),
            (
                format!("console: requests, page {deep_requests}"),
                format!("{console_url}/erogazione/richieste?pagina={deep_requests}"),
                true,
            ),
            (
                "engine: GET /eservices?limit=20".into(),
                format!("{engine_url}/eservices?offset=0&limit=20"),
                false,
            ),
            (
                "engine: GET /agreements?side=producer&limit=20".into(),
                format!("{engine_url}/agreements?side=producer&offset=0&limit=20"),
                false,
            ),
        ];
        println!();
        println!(
            "{requests} sequential requests per row; {eservices} published e-services, {agreements} requests (agreements) to one producer"
        );
        println!();
        println!("| page | p50 ms | p99 ms | max ms |");
        println!("| --- | --- | --- | --- |");
        let mut p99 = Vec::new();
        for (label, url, console_page) in rows {
            let row = if console_page {
                measure(&http, &url, Some(&cookie), None, requests).await
            } else {
                measure(&http, &url, None, Some(&token), requests).await
            };
            match &row {
                Some(r) => println!("| {label} | {:.2} | {:.2} | {:.2} |", r.p50, r.p99, r.max),
                None => println!("| {label} | not built | | |"),
            }
            p99.push(row.map(|r| r.p99));
        }
        println!();
        let ratio = |console: Option<f64>, engine: Option<f64>| match (console, engine) {
            (Some(c), Some(e)) if e > 0.0 => format!("{:.2}", c / e),
            _ => "—".into(),
        };
        println!(
            "p99 ratio console : engine — catalogue page 1 : GET /eservices = {}; requests page 1 : GET /agreements = {}",
            ratio(p99[0], p99[5]),
            ratio(p99[3], p99[6])
        );
        let worst = p99.iter().take(5).flatten().fold(0.0f64, |a, b| a.max(*b));
        println!(
            "target: every console page under 100 ms at p99 — {} (worst measured p99 {worst:.2} ms)",
            if worst < 100.0 { "met" } else { "NOT met" }
        );
    });
}
