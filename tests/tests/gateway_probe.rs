//! `gateway probe` (the library's `probe::run`, as the command calls it) against entities on
//! free ports: provider-sdk's `comune` example and the mock provider's `probe-*` scenarios
//! (fixtures/scenarios/probe.json). The example passes every check; each of the mock's faults,
//! wrong flags, a refused attachment, unsafe markdown and lollipop yield their finding.

#[allow(dead_code)]
#[path = "../../provider-sdk/examples/comune.rs"]
mod comune;

use e2e::fixtures;
use gateway::config::{FetchConfig, FetchSettings};
use gateway::probe::report::{Report, Status};
use gateway::probe::{Flags, Options, run};
use provider_sdk::auth::Authentication;
use provider_sdk::contract::{DetailsAuthentication, FiscalCode, HasPrecondition};
use std::sync::{Arc, RwLock};

const CITIZEN: &str = "SPNDNL80R13C555X";
const MOCK_KEY: &str = "probe-key";

async fn serve(router: axum::Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://127.0.0.1:{}", listener.local_addr().unwrap().port());
    tokio::spawn(async move {
        let _ = axum::serve(listener, router).await;
    });
    url
}

/// The mock provider with every scenario of fixtures/scenarios, under `/rc`, by API key.
async fn mock() -> String {
    let scenarios = mock_provider::scenario::load_dir(&fixtures().join("scenarios")).unwrap();
    let router = mock_provider::entity_router(
        Arc::new(RwLock::new(scenarios)),
        fixtures(),
        "/rc",
        Authentication::ApiKey {
            header: "X-Api-Key".into(),
            key: MOCK_KEY.into(),
        },
    );
    format!("{}/rc", serve(router).await)
}

/// The gateway's default fetch settings, changed by `tweak`, reaching this machine.
fn fetch(tweak: impl FnOnce(&mut FetchConfig)) -> FetchSettings {
    let mut c = gateway::Config::default().fetch;
    tweak(&mut c);
    c.egress_allow = vec!["127.0.0.1/32".parse().unwrap()];
    FetchSettings::try_from(&c).unwrap()
}

fn options(base: &str, key: &str, id: &str, flags: Flags, fetch: FetchSettings) -> Options {
    Options {
        base_url: base.parse().unwrap(),
        auth: DetailsAuthentication::ApiKey {
            header_key_name: "X-Api-Key".into(),
            key: key.into(),
        },
        interop: None,
        fiscal_code: FiscalCode::parse(CITIZEN).unwrap(),
        message_id: id.into(),
        flags,
        lollipop: false,
        fetch,
    }
}

fn all_flags() -> Flags {
    Flags {
        has_precondition: Some(HasPrecondition::Always),
        has_remote_content: true,
        has_attachments: true,
    }
}

fn content_only() -> Flags {
    Flags {
        has_remote_content: true,
        ..Flags::default()
    }
}

fn summary(r: &Report) -> String {
    r.checks
        .iter()
        .map(|c| format!("{} {} {} {}", c.status.as_str(), c.name, c.code, c.detail))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Every check says what it means and what to change; the JSON form reads back the same.
fn well_formed(r: &Report) {
    for c in &r.checks {
        assert!(!c.meaning.is_empty() && !c.fix.is_empty(), "{c:?}");
    }
    let json = serde_json::to_string(r).unwrap();
    assert_eq!(&serde_json::from_str::<Report>(&json).unwrap(), r);
}

fn names(r: &Report) -> Vec<&str> {
    r.checks.iter().map(|c| c.name.as_str()).collect()
}

#[tokio::test]
async fn the_comune_example_passes_every_check() {
    let pdf = std::fs::read(fixtures().join("pdf/pdfa2b-minimal.pdf")).unwrap();
    let base = format!("{}/rc", serve(comune::app(pdf)).await);
    let r = run(&options(
        &base,
        "secret",
        "avviso-1",
        all_flags(),
        fetch(|_| {}),
    ))
    .await
    .unwrap();
    well_formed(&r);
    assert_eq!(
        names(&r),
        ["precondition", "details", "attachment a1"],
        "{}",
        summary(&r)
    );
    assert!(
        r.checks.iter().all(|c| c.status == Status::Pass),
        "{}",
        summary(&r)
    );
    assert_eq!((r.summary.outcome, r.exit_code()), (Status::Pass, 0));
    let attachment = &r.checks[2];
    assert_eq!(attachment.http_status, Some(200));
    assert_eq!(
        attachment.bytes,
        Some(
            std::fs::metadata(fixtures().join("pdf/pdfa2b-minimal.pdf"))
                .unwrap()
                .len()
        )
    );
    assert_eq!(
        r.checks[1].content_type.as_deref(),
        Some("application/json")
    );
    let text = gateway::probe::report::render(&r);
    assert!(
        text.lines()
            .last()
            .unwrap()
            .starts_with("PASS: 3 passed, 0 warnings, 0 failed"),
        "{text}"
    );

    // The wrong key: the entity's 401, with its fix.
    let r = run(&options(
        &base,
        "wrong",
        "avviso-1",
        all_flags(),
        fetch(|_| {}),
    ))
    .await
    .unwrap();
    let c = &r.checks[0];
    assert_eq!(
        (c.status, c.code.as_str()),
        (Status::Fail, "ENTITY_UNAUTHORIZED")
    );
    assert!(c.fix.contains("credentials"), "{}", c.fix);
    assert_eq!(r.exit_code(), 1);
}

#[tokio::test]
async fn the_gateways_egress_policy_applies_to_the_probe() {
    let pdf = std::fs::read(fixtures().join("pdf/pdfa2b-minimal.pdf")).unwrap();
    let base = format!("{}/rc", serve(comune::app(pdf)).await);
    let mut settings = fetch(|_| {});
    settings.egress_allow.clear();
    let r = run(&options(
        &base,
        "secret",
        "avviso-1",
        content_only(),
        settings,
    ))
    .await
    .unwrap();
    assert_eq!(
        r.checks[0].code,
        "ENTITY_ADDRESS_NOT_ALLOWED",
        "{}",
        summary(&r)
    );
    assert_eq!(r.checks[0].http_status, None);
}

#[tokio::test]
async fn the_mocks_complete_scenario_passes_every_check() {
    let base = mock().await;
    let r = run(&options(
        &base,
        MOCK_KEY,
        "probe-ok",
        all_flags(),
        fetch(|_| {}),
    ))
    .await
    .unwrap();
    well_formed(&r);
    assert_eq!(names(&r), ["precondition", "details", "attachment a1"]);
    assert_eq!(r.summary.outcome, Status::Pass, "{}", summary(&r));
}

/// One mock scenario probed with `flags` and fetch settings changed by `tweak`: the finding
/// expected (status, code, a piece of its detail) and the outcome.
struct Case {
    id: &'static str,
    flags: Flags,
    tweak: fn(&mut FetchConfig),
    status: Status,
    code: &'static str,
    detail: &'static str,
    outcome: Status,
}

fn case(id: &'static str, status: Status, code: &'static str, detail: &'static str) -> Case {
    Case {
        id,
        flags: content_only(),
        tweak: |_| {},
        status,
        code,
        detail,
        outcome: status,
    }
}

#[tokio::test]
async fn each_mock_fault_yields_its_finding() {
    use Status::{Fail, Warn};
    let attachments = || Flags {
        has_attachments: true,
        ..content_only()
    };
    let cases = [
        // delay, beyond the timeout and beyond half of it
        Case {
            tweak: |c| c.timeout_ms = 400,
            ..case("probe-lento", Fail, "ENTITY_TIMEOUT", "")
        },
        Case {
            tweak: |c| c.timeout_ms = 1_200,
            ..case("probe-lento", Warn, "PROBE_SLOW_ANSWER", "of 1200 ms")
        },
        // status, with Retry-After as read
        case(
            "probe-non-disponibile",
            Fail,
            "ENTITY_UNAVAILABLE",
            "Retry-After: \"7\"",
        ),
        Case {
            outcome: Fail,
            ..case(
                "probe-non-disponibile-data",
                Warn,
                "PROBE_RETRY_AFTER_IGNORED",
                "Wed, 21 Oct 2026",
            )
        },
        case("probe-errore", Fail, "ENTITY_ERROR", "500"),
        // raw body
        case("probe-corpo-grezzo", Fail, "ENTITY_INVALID_RESPONSE", ""),
        // redirect, never followed
        case(
            "probe-redirect",
            Fail,
            "ENTITY_REDIRECT",
            "Location: https://nuovo.comune.example/rc/messages/probe-redirect (the gateway never follows redirects)",
        ),
        // truncate
        case("probe-troncato", Fail, "ENTITY_UNREACHABLE", ""),
        // pad_bytes, over the cap and over half of it
        Case {
            tweak: |c| c.max_json_bytes = 1_000,
            ..case("probe-gonfio", Fail, "ENTITY_RESPONSE_TOO_LARGE", "1000")
        },
        Case {
            tweak: |c| c.max_json_bytes = 4_000,
            ..case("probe-gonfio", Warn, "PROBE_NEAR_SIZE_CAP", "of 4000")
        },
        // wrong flags
        Case {
            flags: attachments(),
            ..case("probe-senza-allegati", Fail, "ATTACHMENTS_NOT_PRESENT", "")
        },
        Case {
            flags: content_only(),
            ..case(
                "probe-ok",
                Warn,
                "PROBE_UNDECLARED_ATTACHMENTS",
                "1 attachment",
            )
        },
        Case {
            flags: Flags::default(),
            ..case("probe-ok", Warn, "PROBE_UNDECLARED_DETAILS", "")
        },
        // refused attachments
        Case {
            flags: attachments(),
            ..case("probe-pdf-cifrato", Fail, "ATTACHMENT_ENCRYPTED", "6.1.3")
        },
        Case {
            flags: attachments(),
            ..case(
                "probe-pdf-non-pdfa",
                Fail,
                "ATTACHMENT_NOT_PDFA",
                "6.6.2.1-1",
            )
        },
        case("probe-markdown-html", Fail, "MARKDOWN_UNSAFE", "HTML"),
        // lollipop required by the entity, not sent
        case(
            "probe-lollipop",
            Fail,
            "ENTITY_UNAUTHORIZED",
            "LOLLIPOP_HEADER_MISSING",
        ),
        case("probe-sconosciuto", Fail, "ENTITY_NOT_FOUND", "404"),
    ];
    let base = mock().await;
    let mut wrong = Vec::new();
    for c in cases {
        let r = run(&options(&base, MOCK_KEY, c.id, c.flags, fetch(c.tweak)))
            .await
            .unwrap();
        well_formed(&r);
        let found = r
            .checks
            .iter()
            .any(|k| k.status == c.status && k.code == c.code && k.detail.contains(c.detail));
        if !found || r.summary.outcome != c.outcome {
            wrong.push(format!(
                "{} (expected {} {} {:?}, outcome {}):\n{}",
                c.id,
                c.status.as_str(),
                c.code,
                c.detail,
                c.outcome.as_str(),
                summary(&r)
            ));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n\n"));
}

#[tokio::test]
async fn lollipop_signed_by_the_probes_device_key_is_accepted() {
    let base = mock().await;
    let mut o = options(
        &base,
        MOCK_KEY,
        "probe-lollipop",
        content_only(),
        fetch(|_| {}),
    );
    o.lollipop = true;
    let r = run(&o).await.unwrap();
    assert_eq!(r.summary.outcome, Status::Pass, "{}", summary(&r));
    assert!(r.declared.lollipop);
    // Every call is signed: the precondition and the attachment too.
    let mut o = options(&base, MOCK_KEY, "probe-ok", all_flags(), fetch(|_| {}));
    o.lollipop = true;
    let r = run(&o).await.unwrap();
    assert_eq!(names(&r), ["precondition", "details", "attachment a1"]);
    assert_eq!(r.summary.outcome, Status::Pass, "{}", summary(&r));
}

/// With `INTEROP_VOUCHER`: the probe asks the real engine for vouchers as the gateway does, and
/// the mock provider (verifying them against the engine's JWKS, pinned to its e-service) accepts
/// them; a purpose the engine does not know is the gateway's `VOUCHER_REFUSED`.
#[tokio::test]
async fn vouchers_from_the_engine_open_an_entity_that_verifies_them() {
    use e2e::world::{self, Terms};
    let engine = e2e::Engine::spawn().await;
    let pagopa = engine.tenant("PagoPA").await;
    let comune = engine.tenant("Comune di Esempio").await;
    // The gateway's tenant subscribes to the entity's e-service.
    let s = world::subscribe(&comune, &pagopa, &Terms::new("comune-remote-content")).await;
    let (client, kid) = world::client_with_key(&pagopa, "Probe client", "client-b").await;
    world::attach(&pagopa, &client, &s.purpose).await;
    let verifier = provider_sdk::auth::VoucherVerifier::new(
        &format!("{}/.well-known/jwks.json", engine.base),
        "recapito-interop",
        "comune-remote-content",
        provider_sdk::auth::EServicePin::new(&s.eservice, comune.tenant_id().to_string()),
        None,
    );
    let scenarios = mock_provider::scenario::load_dir(&fixtures().join("scenarios")).unwrap();
    let router = mock_provider::entity_router(
        Arc::new(RwLock::new(scenarios)),
        fixtures(),
        "/rc",
        Authentication::Voucher(Box::new(verifier)),
    );
    let base = format!("{}/rc", serve(router).await);
    let probe = |purpose: &str| Options {
        auth: DetailsAuthentication::InteropVoucher {
            purpose_id: purpose.into(),
        },
        interop: Some(gateway::config::InteropClientConfig {
            token_url: format!("{}/token.oauth2", engine.base),
            client_id: client.clone(),
            kid: kid.clone(),
            private_key_path: fixtures().join("keys/client-b.key.pem"),
            assertion_audience: "recapito-interop/client-assertion".into(),
            voucher_reuse_secs: 60,
        }),
        ..options(&base, "", "probe-ok", all_flags(), fetch(|_| {}))
    };
    let r = run(&probe(&s.purpose)).await.unwrap();
    assert_eq!(names(&r), ["precondition", "details", "attachment a1"]);
    assert_eq!(r.summary.outcome, Status::Pass, "{}", summary(&r));
    let r = run(&probe("00000000-0000-0000-0000-000000000000"))
        .await
        .unwrap();
    assert_eq!(r.checks[0].code, "VOUCHER_REFUSED", "{}", summary(&r));
}

// The probe API: `POST /api/v1/remote-contents/configurations/{id}/probe`, the gateway probing
// one of the caller's saved configurations with the configuration's own credentials.

const TESTER: &str = "RSSMRA85T10A562S";

/// A gateway whose `[probe]` budget is `per_minute`, the mock, and "comune"'s configuration:
/// production and a test environment (for TESTER) both on the mock by API key.
async fn probe_api(per_minute: u32) -> (e2e::gateway::FakeInterop, e2e::gateway::Gateway, String) {
    use e2e::gateway::{FakeInterop, Gateway};
    let base = mock().await;
    let interop = FakeInterop::start().await;
    let gw = Gateway::spawn_with(&interop.jwks_url, |c| {
        c.probe.per_tenant_per_minute = per_minute;
        c.fetch.timeout_ms = 1_500;
    })
    .await;
    let env = serde_json::json!({"base_url": base,
        "details_authentication": {"type": "API_KEY", "header_key_name": "X-Api-Key", "key": MOCK_KEY}});
    let mut test = env.clone();
    test["test_users"] = serde_json::json!([TESTER]);
    let body = serde_json::json!({"name": "Comune", "description": "Contenuti remoti",
        "has_precondition": "ALWAYS", "is_lollipop_enabled": false, "disable_lollipop_for": [],
        "prod_environment": env, "test_environment": test});
    let id = gw
        .entity(&interop.voucher("comune", "p1"))
        .post("/api/v1/remote-contents/configurations", &body)
        .await
        .expect_status(reqwest::StatusCode::CREATED)
        .str("/configuration_id");
    (interop, gw, id)
}

fn probe_body(message_id: &str) -> serde_json::Value {
    serde_json::json!({"fiscal_code": CITIZEN, "message_id": message_id,
        "has_precondition": "ALWAYS", "has_remote_content": true, "has_attachments": true})
}

#[tokio::test]
async fn the_gateway_probes_a_saved_configuration_with_its_own_credentials() {
    let (interop, gw, id) = probe_api(10).await;
    let comune = gw.entity(&interop.voucher("comune", "p1"));
    let path = format!("/api/v1/remote-contents/configurations/{id}/probe");
    let reply = comune
        .post(&path, &probe_body("probe-ok"))
        .await
        .expect_status(reqwest::StatusCode::OK);
    let r: Report = serde_json::from_value(reply.body.clone()).unwrap();
    well_formed(&r);
    assert_eq!(r.schema, "recapito-probe/1");
    assert_eq!(names(&r), ["precondition", "details", "attachment a1"]);
    assert_eq!(r.summary.outcome, Status::Pass, "{}", summary(&r));
    // The configuration's key did the authenticating; the answer never shows it.
    assert!(!reply.body.to_string().contains(MOCK_KEY));
    // A failing check is a finding in a 200 report, not a refusal.
    let mut body = probe_body("probe-errore");
    body["has_attachments"] = false.into();
    body["has_precondition"] = serde_json::Value::Null;
    let r: Report = serde_json::from_value(
        comune
            .post(&path, &body)
            .await
            .expect_status(reqwest::StatusCode::OK)
            .body,
    )
    .unwrap();
    assert_eq!(r.summary.outcome, Status::Fail);
    assert_eq!(r.checks[0].code, "ENTITY_ERROR", "{}", summary(&r));
    // The test environment, for one of its test users.
    let mut test = probe_body("probe-ok");
    test["environment"] = "TEST".into();
    test["fiscal_code"] = TESTER.into();
    let reply = comune.post(&path, &test).await;
    // The mock serves probe-ok to CITIZEN only: the entity's 404 for the tester is the finding.
    let r: Report =
        serde_json::from_value(reply.expect_status(reqwest::StatusCode::OK).body).unwrap();
    assert!(
        r.checks.iter().any(|c| c.code == "ENTITY_NOT_FOUND"),
        "{}",
        summary(&r)
    );
}

#[tokio::test]
async fn the_probe_api_refuses_what_the_caller_may_not_probe() {
    let (interop, gw, id) = probe_api(50).await;
    let comune = gw.entity(&interop.voucher("comune", "p1"));
    let path = format!("/api/v1/remote-contents/configurations/{id}/probe");
    let refused = |reply: e2e::Reply, status: u16, code: &str, field: Option<&str>| {
        let reply = reply.expect_status(reqwest::StatusCode::from_u16(status).unwrap());
        assert_eq!(reply.body["code"], code, "{}", reply.body);
        if let Some(f) = field {
            assert_eq!(
                reply.body["fields"],
                serde_json::json!([f]),
                "{}",
                reply.body
            );
        }
    };
    // Another tenant's configuration, an unknown one, no voucher.
    let other = gw.entity(&interop.voucher("altro-ente", "p9"));
    refused(
        other.post(&path, &probe_body("probe-ok")).await,
        403,
        "NOT_YOUR_CONFIGURATION",
        None,
    );
    let unknown = "/api/v1/remote-contents/configurations/01ARZ3NDEKTSV4RRFFQ69G5FAV/probe";
    refused(
        comune.post(unknown, &probe_body("probe-ok")).await,
        404,
        "CONFIGURATION_NOT_FOUND",
        None,
    );
    refused(
        gw.raw(&[]).post(&path, &probe_body("probe-ok")).await,
        401,
        "VOUCHER_MISSING",
        None,
    );
    // The test environment only for a test user.
    let mut test = probe_body("probe-ok");
    test["environment"] = "TEST".into();
    refused(
        comune.post(&path, &test).await,
        403,
        "NOT_A_TEST_USER",
        Some("fiscal_code"),
    );
    // Bad bodies name their field.
    for (field, value) in [
        ("message_id", serde_json::json!("")),
        ("message_id", serde_json::json!("..")),
        ("message_id", serde_json::json!("x".repeat(501))),
        ("fiscal_code", serde_json::json!("ABC")),
    ] {
        let mut b = probe_body("probe-ok");
        b[field] = value;
        refused(
            comune.post(&path, &b).await,
            400,
            "VALIDATION_FAILED",
            Some(field),
        );
    }
    let mut b = probe_body("probe-ok");
    b["base_url"] = "http://127.0.0.1:1/".into();
    refused(comune.post(&path, &b).await, 400, "INVALID_BODY", None);
    let mut b = probe_body("probe-ok");
    b["environment"] = "STAGING".into();
    refused(comune.post(&path, &b).await, 400, "INVALID_BODY", None);
    // A configuration without a test environment: the request's environment is blamed.
    let prod_only = comune
        .post(
            "/api/v1/remote-contents/configurations",
            &e2e::gateway::configuration("http://127.0.0.1:9/rc"),
        )
        .await
        .expect_status(reqwest::StatusCode::CREATED)
        .str("/configuration_id");
    let mut b = probe_body("probe-ok");
    b["environment"] = "TEST".into();
    b["fiscal_code"] = TESTER.into();
    refused(
        comune
            .post(
                &format!("/api/v1/remote-contents/configurations/{prod_only}/probe"),
                &b,
            )
            .await,
        400,
        "VALIDATION_FAILED",
        Some("environment"),
    );
}

#[tokio::test]
async fn probes_are_bounded_per_tenant() {
    let (interop, gw, id) = probe_api(2).await;
    let path = format!("/api/v1/remote-contents/configurations/{id}/probe");
    let comune = gw.entity(&interop.voucher("comune", "p1"));
    // Two at once by one tenant: the slow entity keeps the first running, the second waits.
    let mut slow = probe_body("probe-lento");
    slow["has_attachments"] = false.into();
    slow["has_precondition"] = serde_json::Value::Null;
    let (a, b) = tokio::join!(comune.post(&path, &slow), comune.post(&path, &slow));
    let mut statuses = [a.status.as_u16(), b.status.as_u16()];
    statuses.sort_unstable();
    assert_eq!(statuses, [200, 429], "{} / {}", a.body, b.body);
    let limited = if a.status == 429 { &a } else { &b };
    assert_eq!(limited.body["code"], "PROBE_LIMITED");
    assert_eq!(limited.header("retry-after").as_deref(), Some("1"));
    // The budget: two started this minute (the refused one did not count).
    comune
        .post(&path, &probe_body("probe-ok"))
        .await
        .expect_status(reqwest::StatusCode::OK);
    let spent = comune.post(&path, &probe_body("probe-ok")).await;
    assert_eq!(spent.status, 429, "{}", spent.body);
    let wait: u64 = spent.header("retry-after").unwrap().parse().unwrap();
    assert!((1..=60).contains(&wait), "{wait}");
    // Another tenant has its own budget (and is refused only its lack of a configuration).
    let other = gw.entity(&interop.voucher("altro-ente", "p9"));
    let r = other.post(&path, &probe_body("probe-ok")).await;
    assert_eq!(r.body["code"], "NOT_YOUR_CONFIGURATION");
}

#[tokio::test]
async fn a_probe_downloads_at_most_twenty_attachments_and_says_so() {
    use axum::routing::get;
    use std::sync::atomic::{AtomicUsize, Ordering};
    let pdf = std::fs::read(fixtures().join("pdf/pdfa2b-minimal.pdf")).unwrap();
    let served = Arc::new(AtomicUsize::new(0));
    let count = served.clone();
    let attachments: Vec<_> = (0..25)
        .map(|i| serde_json::json!({"id": format!("a{i}"), "content_type": "application/pdf",
            "name": format!("a{i}.pdf"), "url": format!("/attachments/a{i}.pdf"), "category": "DOCUMENT"}))
        .collect();
    let details = serde_json::json!({"details": {"subject": "Venticinque allegati", "markdown": "m".repeat(80)},
        "attachments": attachments});
    let router = axum::Router::new()
        .route(
            "/rc/messages/molti",
            get(move || async move { axum::Json(details) }),
        )
        .route(
            "/rc/messages/molti/attachments/{name}",
            get(move || {
                count.fetch_add(1, Ordering::SeqCst);
                let pdf = pdf.clone();
                async move { ([("content-type", "application/pdf")], pdf) }
            }),
        );
    let base = format!("{}/rc", serve(router).await);
    let flags = Flags {
        has_attachments: true,
        ..content_only()
    };
    let r = run(&options(&base, "k", "molti", flags, fetch(|_| {})))
        .await
        .unwrap();
    well_formed(&r);
    assert_eq!(served.load(Ordering::SeqCst), 20, "{}", summary(&r));
    let skipped: Vec<_> = r
        .checks
        .iter()
        .filter(|c| c.code == "PROBE_ATTACHMENTS_SKIPPED")
        .collect();
    assert_eq!(skipped.len(), 1, "{}", summary(&r));
    assert_eq!(skipped[0].status, Status::Warn);
    assert!(
        skipped[0].detail.contains("5 were not"),
        "{}",
        skipped[0].detail
    );
    assert_eq!(r.summary.outcome, Status::Warn, "{}", summary(&r));
}
