//! The whole story over HTTP only, as issue 6 tells it.
//!
//! 1. On the one-command dev stack (`dev_stack::start`, what `cargo run -p gateway -- dev`
//!    runs, on ephemeral ports and a temporary data folder), reading `DATA_DIR/dev-env.json` like
//!    any client would: the entity (the `sender` of dev-env.json, through provider-sdk's
//!    `GatewayClient`) gets a voucher, registers configurations pointing at the mock provider,
//!    puts its scenarios into the mock at run time and submits messages; the app lists, opens, asks
//!    for the precondition, the details and the attachment, marks read and archives; a few of the
//!    mock's faults reach the app with the gateway's codes.
//! 2. Suspension of the gateway's purpose, of its agreement and of the entity's e-service version
//!    makes the gateway's `INTEROP_VOUCHER` fetch fail with `502 VOUCHER_REFUSED` (the engine
//!    records the exact cause), and reactivation makes it work again. That part starts the three
//!    parts separately (engine, gateway, mock provider), because the dev stack's world cannot be
//!    managed from outside: see [`suspension`] for why, and for the cached-voucher window.
//!
//! The binaries themselves are not spawned: Cargo gives a test the path of its own package's
//! binaries only (`CARGO_BIN_EXE_*`), so this crate runs the same libraries the binaries wrap
//! (`dev_stack::start` is the whole of `gateway dev`; the mock provider is
//! `mock_provider::entity_router` + `admin_router`, which its `main` serves). The binaries are
//! tested as processes in `gateway/tests/process.rs` and `mock-provider/tests/binary.rs`.

use e2e::gateway::{AUDIENCE, Gateway};
use e2e::world::{self, Terms};
use e2e::{Engine, Reply, User, fixtures, reply};
use provider_sdk::client::{ClientConfig, Credentials, GatewayClient};
use provider_sdk::contract::*;
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::time::{Duration, Instant};

const PDF: &str = "pdf/pdfa2b-minimal.pdf";
const MARKDOWN: &str = "Gentile cittadino, il Comune ha preparato per te un avviso: aprilo nell'app per leggere i dettagli e scaricare gli allegati.";

fn claims(jwt: &str) -> Value {
    use base64::Engine as _;
    let payload = jwt.split('.').nth(1).expect("a JWS");
    serde_json::from_slice(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(payload)
            .expect("base64url"),
    )
    .expect("JSON claims")
}

#[track_caller]
fn text(v: &Value, pointer: &str) -> String {
    v.pointer(pointer)
        .and_then(Value::as_str)
        .unwrap_or_else(|| panic!("no string at {pointer} in {v}"))
        .to_owned()
}

/// The app backend acting for one citizen: the app API key and the `fiscal_code` header.
#[derive(Clone)]
struct App {
    http: reqwest::Client,
    base: String,
    key: String,
    fiscal_code: String,
}

impl App {
    fn request(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        self.http
            .request(method, format!("{}/api/communication/v1{path}", self.base))
            .bearer_auth(&self.key)
            .header("fiscal_code", &self.fiscal_code)
    }

    async fn get(&self, path: &str) -> Reply {
        reply(self.raw(path).await).await
    }

    async fn raw(&self, path: &str) -> reqwest::Response {
        self.request(reqwest::Method::GET, path)
            .send()
            .await
            .expect("request sent")
    }

    async fn status(&self, id: &str, change: Value) -> Reply {
        reply(
            self.request(reqwest::Method::PUT, &format!("/messages/{id}/status"))
                .json(&change)
                .send()
                .await
                .expect("request sent"),
        )
        .await
    }

    async fn inbox(&self, query: &str) -> Vec<String> {
        let r = self
            .get(&format!("/messages{query}"))
            .await
            .expect_status(StatusCode::OK);
        r.body["items"]
            .as_array()
            .unwrap_or_else(|| panic!("no items in {}", r.body))
            .iter()
            .map(|i| text(i, "/id"))
            .collect()
    }
}

/// `PUT /admin/scenarios/{id}` on the mock provider.
async fn put_scenario(http: &reqwest::Client, mock_url: &str, scenario: Value) {
    let id = text(&scenario, "/id");
    let r = http
        .put(format!("{mock_url}/admin/scenarios/{id}"))
        .json(&scenario)
        .send()
        .await
        .expect("mock provider reached");
    assert_eq!(r.status(), StatusCode::NO_CONTENT, "scenario {id}");
}

fn attachment(id: &str, name: &str, file: &str) -> Value {
    json!({"id": id, "content_type": "application/pdf", "name": name,
           "url": format!("attachments/{name}"), "category": "DOCUMENT", "file": file})
}

fn message(
    fiscal_code: &str,
    subject: &str,
    configuration_id: &str,
    correlation: &str,
    has_attachments: bool,
    has_precondition: HasPrecondition,
) -> NewMessage {
    NewMessage {
        fiscal_code: fiscal_code.into(),
        content: MessageContent {
            subject: subject.into(),
            markdown: MARKDOWN.into(),
            require_secure_channels: None,
            due_date: None,
            payment_data: None,
            eu_covid_cert: None,
            third_party_data: Some(ThirdPartyData {
                id: correlation.into(),
                original_sender: None,
                original_receipt_date: None,
                has_attachments,
                has_remote_content: true,
                has_precondition: Some(has_precondition),
                summary: None,
                configuration_id: Some(configuration_id.into()),
            }),
        },
        time_to_live: None,
        feature_level_type: has_attachments.then_some(FeatureLevelType::Advanced),
        default_addresses: None,
    }
}

fn configuration(
    description: &str,
    base_url: String,
    auth: DetailsAuthentication,
) -> NewRcConfiguration {
    NewRcConfiguration {
        name: "Comune di Esempio".into(),
        description: description.into(),
        has_precondition: HasPrecondition::Once,
        is_lollipop_enabled: false,
        disable_lollipop_for: vec![],
        prod_environment: Some(Environment {
            base_url,
            details_authentication: auth,
        }),
        test_environment: None,
    }
}

#[tokio::test]
async fn the_whole_story_on_the_dev_stack() {
    let dir = tempfile::tempdir().unwrap();
    let stack = dev_stack::start(dev_stack::DevOptions {
        data_dir: dir.path().to_path_buf(),
        gateway_port: 0,
        interop_port: 0,
        provider_port: 0,
        console_port: 0,
    })
    .await
    .expect("the dev stack starts");
    // From here on, only what dev-env.json says and HTTP.
    let env: Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("dev-env.json")).unwrap()).unwrap();
    let http = reqwest::Client::new();
    let mock = text(&env, "/mock_provider_url");
    let citizen = text(&env, "/citizens/0");
    let other_citizen = text(&env, "/citizens/1");

    // --- The entity: a voucher for its purpose on the gateway's e-service.
    let sender = &env["sender"];
    let sdk = GatewayClient::new(
        ClientConfig::new(
            &text(&env, "/gateway_url"),
            &text(&env, "/token_endpoint"),
            &text(&env, "/client_assertion_audience"),
        ),
        Credentials::from_pem_file(
            &text(sender, "/client_id"),
            &text(sender, "/kid"),
            &text(sender, "/purpose_id"),
            text(sender, "/private_key_pem_path"),
        )
        .expect("the sender's key"),
    )
    .expect("a client");
    let voucher = sdk.voucher().await.expect("a voucher");
    let c = claims(&voucher);
    assert_eq!(c["purposeId"], sender["purpose_id"]);
    assert_eq!(c["consumerId"], sender["tenant_id"]);
    assert_eq!(c["sub"], sender["client_id"]);

    // Two configurations pointing at the mock provider: one with the API key the dev stack's
    // own API_KEY configuration uses (read back through the client), one asking the gateway to
    // fetch with Interop vouchers for the gateway's purpose on the entity's e-service (the mock
    // verifies those against the engine's JWKS under /rc-interop).
    let seeded = sdk
        .configuration(&text(&env, "/configurations/api_key"))
        .await
        .expect("the seeded API_KEY configuration");
    let key_auth = seeded
        .configuration
        .prod_environment
        .expect("a production environment")
        .details_authentication;
    assert!(matches!(key_auth, DetailsAuthentication::ApiKey { .. }));
    let by_key = sdk
        .create_configuration(&configuration(
            "Contenuti remoti, chiave API",
            format!("{mock}/rc"),
            key_auth,
        ))
        .await
        .expect("configuration created")
        .configuration_id;
    let by_voucher = sdk
        .create_configuration(&configuration(
            "Contenuti remoti, voucher Interop",
            format!("{mock}/rc-interop"),
            DetailsAuthentication::InteropVoucher {
                purpose_id: text(&env, "/gateway_client/purpose_id"),
            },
        ))
        .await
        .expect("configuration created")
        .configuration_id;
    let mine: Vec<String> = sdk
        .configurations()
        .await
        .unwrap()
        .into_iter()
        .map(|c| c.configuration_id)
        .collect();
    assert!(
        mine.contains(&by_key) && mine.contains(&by_voucher),
        "{mine:?}"
    );

    // The entity's content, put into the mock at run time.
    let imu = json!({"subject": "Avviso di pagamento IMU 2026", "markdown": "## Avviso IMU\n\nL'importo dovuto per l'imposta municipale è di **480 euro**, in due rate: 16 giugno e 16 dicembre. [Paga online](https://comune.example/paga)"});
    put_scenario(&http, &mock, json!({
        "id": "storia-imu", "fiscal_code": citizen,
        "precondition": {"title": "Prima di aprire", "markdown": "Questo messaggio contiene dati sui tuoi immobili: aprilo solo se sei il destinatario."},
        "details": imu,
        "attachments": [attachment("i1", "avviso-imu.pdf", PDF)]
    })).await;
    let notice = json!({"subject": "Chiusura uffici anagrafe", "markdown": "Gli uffici dell'anagrafe resteranno chiusi lunedì per lavori di manutenzione. I servizi online restano disponibili come sempre."});
    put_scenario(
        &http,
        &mock,
        json!({"id": "storia-avviso", "fiscal_code": citizen, "details": notice}),
    )
    .await;

    // Messages: with precondition and attachment (fetched with vouchers), and without either
    // (fetched with the API key); a retry with the same idempotency key creates nothing new.
    let with_all = message(
        &citizen,
        "Avviso di pagamento IMU",
        &by_voucher,
        "storia-imu",
        true,
        HasPrecondition::Once,
    );
    let m1 = sdk
        .submit_message(&with_all, "storia-imu")
        .await
        .expect("submitted")
        .id;
    assert_eq!(
        sdk.submit_message(&with_all, "storia-imu")
            .await
            .unwrap()
            .id,
        m1,
        "idempotent"
    );
    let m2 = sdk
        .submit_message(
            &message(
                &citizen,
                "Avviso dell'ufficio anagrafe",
                &by_key,
                "storia-avviso",
                false,
                HasPrecondition::Never,
            ),
            "storia-avviso",
        )
        .await
        .expect("submitted")
        .id;

    // --- The app: the inbox, newest first.
    let app = App {
        http: http.clone(),
        base: text(&env, "/gateway_url"),
        key: text(&env, "/app_api_key"),
        fiscal_code: citizen.clone(),
    };
    let inbox = app.inbox("").await;
    let (p1, p2) = (
        inbox.iter().position(|i| i == &m1).expect("m1 listed"),
        inbox.iter().position(|i| i == &m2).expect("m2 listed"),
    );
    assert!(p2 < p1, "newest first: {inbox:?}");

    // Open the message with everything.
    let opened = app
        .get(&format!("/messages/{m1}"))
        .await
        .expect_status(StatusCode::OK);
    assert_eq!(opened.str("/content/subject"), "Avviso di pagamento IMU");
    assert_eq!(opened.str("/content/third_party_data/id"), "storia-imu");
    let pre = app
        .get(&format!("/third-party-messages/{m1}/precondition"))
        .await
        .expect_status(StatusCode::OK);
    assert_eq!(pre.str("/title"), "Prima di aprire");
    let details = app
        .get(&format!("/third-party-messages/{m1}"))
        .await
        .expect_status(StatusCode::OK);
    assert_eq!(details.body["third_party_message"]["details"], imu);
    let listed = &details.body["third_party_message"]["attachments"];
    assert_eq!(listed.as_array().map(Vec::len), Some(1), "{listed}");
    assert_eq!(listed[0]["url"], "attachments/avviso-imu.pdf");
    let pdf = app
        .raw(&format!(
            "/third-party-messages/{m1}/attachments/attachments/avviso-imu.pdf"
        ))
        .await;
    assert_eq!(pdf.status(), StatusCode::OK);
    assert!(
        pdf.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/octet-stream")
    );
    assert_eq!(
        pdf.bytes().await.unwrap().as_ref(),
        std::fs::read(fixtures().join(PDF)).unwrap().as_slice(),
        "the entity's PDF, byte for byte"
    );
    // Another citizen cannot tell the message exists.
    let stranger = App {
        fiscal_code: other_citizen.clone(),
        ..app.clone()
    };
    stranger
        .get(&format!("/third-party-messages/{m1}"))
        .await
        .expect_problem(StatusCode::NOT_FOUND, "MESSAGE_NOT_FOUND");

    // The message without precondition: none needed (204), details through the API key.
    app.get(&format!("/third-party-messages/{m2}/precondition"))
        .await
        .expect_status(StatusCode::NO_CONTENT);
    let d2 = app
        .get(&format!("/third-party-messages/{m2}"))
        .await
        .expect_status(StatusCode::OK);
    assert_eq!(d2.body["third_party_message"]["details"], notice);
    assert!(
        d2.body["third_party_message"]["attachments"].is_null()
            || d2.body["third_party_message"]["attachments"] == json!([]),
        "undeclared attachments are dropped: {}",
        d2.body
    );

    // Read: a ONCE precondition is no longer needed (204). Archived: out of the inbox, in the archive.
    let r = app
        .status(&m1, json!({"change_type": "reading", "is_read": true}))
        .await
        .expect_status(StatusCode::OK);
    assert_eq!(r.body, json!({"is_read": true, "is_archived": false}));
    app.get(&format!("/third-party-messages/{m1}/precondition"))
        .await
        .expect_status(StatusCode::NO_CONTENT);
    let r = app
        .status(
            &m1,
            json!({"change_type": "archiving", "is_archived": true}),
        )
        .await
        .expect_status(StatusCode::OK);
    assert_eq!(r.body, json!({"is_read": true, "is_archived": true}));
    let inbox = app.inbox("").await;
    assert!(!inbox.contains(&m1) && inbox.contains(&m2), "{inbox:?}");
    assert!(app.inbox("?archived=true").await.contains(&m1));
    // Archived content can still be opened.
    app.get(&format!("/third-party-messages/{m1}"))
        .await
        .expect_status(StatusCode::OK);

    // --- A few of the mock's faults, as the app sees them (API-key configuration).
    let fault = |id: &str, extra: Value| {
        let mut s = json!({"id": id, "fiscal_code": citizen, "details": notice});
        for (k, v) in extra.as_object().unwrap() {
            s[k] = v.clone();
        }
        s
    };
    // Wrong flags: the message declares attachments, the entity's answer has none.
    put_scenario(
        &http,
        &mock,
        fault(
            "guasto-flag",
            json!({"fault": {"only": "details", "body": json!({"details": notice}).to_string()}}),
        ),
    )
    .await;
    // An encrypted PDF.
    put_scenario(
        &http,
        &mock,
        fault(
            "guasto-cifrato",
            json!({"attachments": [attachment("e1", "cifrato.pdf", "pdf/encrypted.pdf")]}),
        ),
    )
    .await;
    // The entity is down for maintenance and says when to come back.
    put_scenario(
        &http,
        &mock,
        fault(
            "guasto-503",
            json!({"fault": {"only": "details", "status": 503, "retry_after": "30"}}),
        ),
    )
    .await;
    // The entity requires lollipop for this message; this configuration does not send it.
    put_scenario(
        &http,
        &mock,
        fault("guasto-lollipop", json!({"lollipop": true})),
    )
    .await;
    let mut ids = Vec::new();
    for (correlation, attachments) in [
        ("guasto-flag", true),
        ("guasto-cifrato", true),
        ("guasto-503", false),
        ("guasto-lollipop", false),
    ] {
        let subject = format!("Messaggio di prova {correlation}");
        let m = message(
            &citizen,
            &subject,
            &by_key,
            correlation,
            attachments,
            HasPrecondition::Never,
        );
        ids.push(sdk.submit_message(&m, correlation).await.unwrap().id);
    }
    app.get(&format!("/third-party-messages/{}", ids[0]))
        .await
        .expect_problem(StatusCode::BAD_GATEWAY, "ATTACHMENTS_NOT_PRESENT");
    app.get(&format!("/third-party-messages/{}", ids[1]))
        .await
        .expect_status(StatusCode::OK);
    app.get(&format!(
        "/third-party-messages/{}/attachments/attachments/cifrato.pdf",
        ids[1]
    ))
    .await
    .expect_problem(StatusCode::UNSUPPORTED_MEDIA_TYPE, "ATTACHMENT_ENCRYPTED");
    let down = app.raw(&format!("/third-party-messages/{}", ids[2])).await;
    assert_eq!(down.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(
        down.headers()
            .get("retry-after")
            .map(|v| v.to_str().unwrap()),
        Some("30"),
        "the entity's Retry-After is passed on"
    );
    reply(down)
        .await
        .expect_problem(StatusCode::SERVICE_UNAVAILABLE, "ENTITY_UNAVAILABLE");
    app.get(&format!("/third-party-messages/{}", ids[3]))
        .await
        .expect_problem(StatusCode::BAD_GATEWAY, "ENTITY_UNAUTHORIZED");
    // The entity answers again once its scenario is fixed: nothing is stuck in the gateway.
    put_scenario(&http, &mock, fault("guasto-503", json!({}))).await;
    app.get(&format!("/third-party-messages/{}", ids[2]))
        .await
        .expect_status(StatusCode::OK);

    for t in stack.tasks {
        t.abort();
    }
}

// ------------------------------------------------------------------------------------------------
// Suspensions.

const CITIZEN: &str = "SPNDNL80R13C555X";
const ENTITY_AUDIENCE: &str = "comune-remote-content";
/// The shortest `voucher_lifespan` the engine accepts (SPEC §1: 60..86400 s).
const VOUCHER_LIFESPAN: u64 = 60;
/// `gateway/src/fetch/consumer.rs`: a cached voucher is used until this long before its `exp`.
const RENEW_BEFORE: u64 = 30;
/// The gateway of these tests reuses a voucher at most this long (`voucher_reuse_secs`), well
/// below `VOUCHER_LIFESPAN - RENEW_BEFORE`: a gateway that ignored the setting fails the bound.
const VOUCHER_REUSE: u64 = 3;
const _: () = assert!(VOUCHER_REUSE + 10 < VOUCHER_LIFESPAN - RENEW_BEFORE);

/// `producer` publishes an e-service for `audience`; `consumer` subscribes (automatic approval)
/// and activates a purpose, attached to its new client holding `key` (a fixture).
struct Subscription {
    eservice: String,
    descriptor: String,
    agreement: String,
    purpose: String,
    version: String,
    client: String,
    kid: String,
}

async fn subscribe(
    producer: &User,
    consumer: &User,
    audience: &str,
    lifespan: u64,
    key: &str,
) -> Subscription {
    let terms = Terms {
        voucher_lifespan: lifespan,
        ..Terms::new(audience)
    };
    let s = world::subscribe(producer, consumer, &terms).await;
    let (client, kid) = world::client_with_key(consumer, &format!("Client {audience}"), key).await;
    world::attach(consumer, &client, &s.purpose).await;
    Subscription {
        eservice: s.eservice,
        descriptor: s.descriptor,
        agreement: s.agreement,
        purpose: s.purpose,
        version: s.version,
        client,
        kid,
    }
}

/// The engine, the gateway (an Interop consumer with its own client) and the mock provider
/// (verifying vouchers against the engine's JWKS), and one remote-content message whose details
/// the gateway fetches with vouchers.
struct VoucherWorld {
    _engine: Engine,
    gw: Gateway,
    mock: tokio::task::JoinHandle<()>,
    pagopa: User,
    comune: User,
    /// The gateway's subscription to the entity's e-service.
    fetching: Subscription,
    message: String,
}

impl Drop for VoucherWorld {
    fn drop(&mut self) {
        self.mock.abort();
    }
}

async fn voucher_world() -> VoucherWorld {
    let engine = Engine::spawn().await;
    let pagopa = engine.tenant("PagoPA").await;
    let comune = engine.tenant("Comune di Esempio").await;
    // The entity sends through the gateway's e-service...
    let sending = subscribe(&pagopa, &comune, AUDIENCE, 600, "client-a").await;
    // ...and the gateway fetches from the entity's, whose vouchers live as short as allowed.
    let fetching = subscribe(
        &comune,
        &pagopa,
        ENTITY_AUDIENCE,
        VOUCHER_LIFESPAN,
        "client-b",
    )
    .await;
    let jwks = format!("{}/.well-known/jwks.json", engine.base);

    let scenarios: mock_provider::Scenarios = Default::default();
    let verifier = provider_sdk::auth::VoucherVerifier::new(
        &jwks,
        "recapito-interop",
        ENTITY_AUDIENCE,
        provider_sdk::auth::EServicePin::new(&fetching.eservice, comune.tenant_id().to_string()),
        Some(vec![fetching.purpose.clone()]),
    );
    let router = mock_provider::entity_router(
        scenarios.clone(),
        fixtures(),
        "/rc",
        provider_sdk::auth::Authentication::Voucher(Box::new(verifier)),
    )
    .merge(mock_provider::admin_router(scenarios));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let mock_url = format!("http://127.0.0.1:{}", listener.local_addr().unwrap().port());
    let mock = tokio::spawn(async move {
        let _ = axum::serve(listener, router).await;
    });

    let (engine_base, client, kid) = (
        engine.base.clone(),
        fetching.client.clone(),
        fetching.kid.clone(),
    );
    let (eservice, producer) = (sending.eservice.clone(), pagopa.tenant_id().to_string());
    let gw = Gateway::spawn_with(&jwks, move |c| {
        c.auth.eservice_id = eservice;
        c.auth.producer_id = producer;
        c.interop_client = Some(gateway::config::InteropClientConfig {
            token_url: format!("{engine_base}/token.oauth2"),
            client_id: client,
            kid,
            private_key_path: fixtures().join("keys/client-b.key.pem"),
            assertion_audience: "recapito-interop/client-assertion".into(),
            voucher_reuse_secs: VOUCHER_REUSE,
        });
    })
    .await;

    let http = reqwest::Client::new();
    put_scenario(
        &http,
        &mock_url,
        json!({"id": "sospensioni", "fiscal_code": CITIZEN,
               "details": {"subject": "Avviso di pagamento TARI", "markdown": MARKDOWN}}),
    )
    .await;
    let sdk = GatewayClient::new(
        ClientConfig::new(
            &gw.base,
            &format!("{}/token.oauth2", engine.base),
            "recapito-interop/client-assertion",
        ),
        Credentials::from_pem_file(
            &sending.client,
            &sending.kid,
            &sending.purpose,
            fixtures().join("keys/client-a.key.pem"),
        )
        .unwrap(),
    )
    .unwrap();
    let configuration_id = sdk
        .create_configuration(&configuration(
            "Contenuti remoti, voucher Interop",
            format!("{mock_url}/rc"),
            DetailsAuthentication::InteropVoucher {
                purpose_id: fetching.purpose.clone(),
            },
        ))
        .await
        .unwrap()
        .configuration_id;
    let message = sdk
        .submit_message(
            &message(
                CITIZEN,
                "Avviso di pagamento TARI",
                &configuration_id,
                "sospensioni",
                false,
                HasPrecondition::Never,
            ),
            "sospensioni",
        )
        .await
        .unwrap()
        .id;
    VoucherWorld {
        _engine: engine,
        gw,
        mock,
        pagopa,
        comune,
        fetching,
        message,
    }
}

#[derive(Clone, Copy, Debug)]
enum Suspended {
    /// The gateway's purpose, suspended by its own operator (the consumer).
    Purpose,
    /// The gateway's agreement, suspended by the entity (the producer).
    Agreement,
    /// The entity's e-service version, suspended by the entity.
    Descriptor,
}

/// One suspension point: the gateway's fetch works, the point is suspended, the fetch fails with
/// `502 VOUCHER_REFUSED` (and the engine records why), the point is reactivated, the fetch works
/// again at once. Returns how long the fetch kept working after the suspension.
///
/// An entity has no way to know that Interop suspended something: a voucher is valid until it
/// expires. So after a suspension the gateway keeps fetching with the voucher it holds until it
/// asks for a new one (`gateway/src/fetch/consumer.rs`, `VoucherSource::voucher`): at most
/// `voucher_reuse_secs` (60 s by default; `VOUCHER_REUSE` here) and never later than
/// `RENEW_BEFORE` before the voucher's `exp`. The test polls and asserts that the refusal
/// arrives within the reuse bound (plus slack), so a gateway that kept its voucher for its whole
/// life (30 s with the 60 s lifespan used here) fails. (This part does not run on the dev stack:
/// dev-env.json does not name the tenants' administrators, so nobody can suspend its world
/// through the management API.)
async fn suspension(point: Suspended) -> Duration {
    let w = voucher_world().await;
    let app = w.gw.app(CITIZEN);
    let details = format!("/api/communication/v1/third-party-messages/{}", w.message);
    // The first fetch obtains (and caches) a voucher.
    let fetched = Instant::now();
    app.get(&details).await.expect_status(StatusCode::OK);

    let f = &w.fetching;
    let descriptor = format!("/eservices/{}/descriptors/{}", f.eservice, f.descriptor);
    let agreement = format!("/agreements/{}", f.agreement);
    let version = format!("/purposes/{}/versions/{}", f.purpose, f.version);
    let (who, path, cause) = match point {
        Suspended::Purpose => (&w.pagopa, version, "PURPOSE_NOT_ACTIVE"),
        Suspended::Agreement => (&w.comune, agreement, "AGREEMENT_NOT_ACTIVE"),
        Suspended::Descriptor => (&w.comune, descriptor, "DESCRIPTOR_NOT_ACTIVE"),
    };
    who.act(&format!("{path}/suspend"))
        .await
        .expect_status(StatusCode::OK);
    let suspended = Instant::now();
    let bound = Duration::from_secs(VOUCHER_REUSE + 10);
    loop {
        let r = app.get(&details).await;
        if r.status == StatusCode::OK {
            // The cached voucher, still valid for the entity.
            assert!(
                fetched.elapsed() < bound,
                "{point:?}: still fetching {:?} after the suspension",
                suspended.elapsed()
            );
            tokio::time::sleep(Duration::from_millis(500)).await;
            continue;
        }
        r.expect_problem(StatusCode::BAD_GATEWAY, "VOUCHER_REFUSED");
        break;
    }
    let window = suspended.elapsed();
    // The engine's record of the refusal names the suspended point.
    let failures = w
        .pagopa
        .get(&format!("/clients/{}/token-failures", f.client))
        .await
        .expect_status(StatusCode::OK);
    assert_eq!(failures.str("/0/code"), cause, "{point:?}");
    // Still refused while suspended (a refusal is not cached as a voucher)...
    app.get(&details)
        .await
        .expect_problem(StatusCode::BAD_GATEWAY, "VOUCHER_REFUSED");
    // ...and fetched again as soon as the point is reactivated.
    who.act(&format!("{path}/activate"))
        .await
        .expect_status(StatusCode::OK);
    app.get(&details).await.expect_status(StatusCode::OK);
    window
}

#[tokio::test]
async fn suspending_the_purpose_the_agreement_or_the_descriptor_stops_the_gateways_fetch() {
    // Three independent worlds at once: each waits for its cached voucher to run out.
    let (purpose, agreement, descriptor) = tokio::join!(
        suspension(Suspended::Purpose),
        suspension(Suspended::Agreement),
        suspension(Suspended::Descriptor),
    );
    eprintln!(
        "the gateway kept fetching with its cached voucher after the suspension for \
         {purpose:?} (purpose), {agreement:?} (agreement), {descriptor:?} (descriptor)"
    );
}
