//! provider-sdk's client against the real engine and gateway: an entity (tenant "Comune di
//! Esempio", a consumer of PagoPA's gateway e-service) obtains vouchers with its client assertion,
//! manages its remote-content configurations and submits messages; failures come back typed,
//! with the peer's problem code.

use e2e::gateway::{AUDIENCE, Gateway};
use e2e::world::{self, Terms};
use e2e::{Engine, User, fixtures};
use provider_sdk::client::{
    ClientConfig, ClientError, Credentials, GatewayClient, SentMessagesFilter,
};
use provider_sdk::contract::*;
use reqwest::StatusCode;
use serde_json::Value;

const CITIZEN: &str = "SPNDNL80R13C555X";
const ASSERTION_AUDIENCE: &str = "recapito-interop/client-assertion";

struct World {
    engine: Engine,
    gw: Gateway,
    comune: User,
    client: String,
    kid: String,
    /// The comune's purpose on the gateway's e-service.
    purpose: String,
    /// The comune's purpose on another e-service (vouchers for another audience).
    other_purpose: String,
}

/// Publishes an e-service of `producer` for `audience`; `consumer` subscribes and gets an active
/// purpose, which is attached to `client`.
async fn subscribe(
    producer: &User,
    consumer: &User,
    client: &str,
    audience: &str,
) -> world::Subscription {
    let s = world::subscribe(producer, consumer, &Terms::new(audience)).await;
    world::attach(consumer, client, &s.purpose).await;
    s
}

async fn world() -> World {
    let engine = Engine::spawn().await;
    let pagopa = engine.tenant("PagoPA").await;
    let comune = engine.tenant("Comune di Esempio").await;
    let (client, kid) = world::client_with_key(&comune, "Invio messaggi", "client-a").await;
    let sending = subscribe(&pagopa, &comune, &client, AUDIENCE).await;
    let purpose = sending.purpose;
    let other_purpose = subscribe(&pagopa, &comune, &client, "another-eservice")
        .await
        .purpose;
    let producer = pagopa.tenant_id().to_string();
    let gw = Gateway::spawn_with(&format!("{}/.well-known/jwks.json", engine.base), |c| {
        c.auth.eservice_id = sending.eservice;
        c.auth.producer_id = producer;
    })
    .await;
    World {
        engine,
        gw,
        comune,
        client,
        kid,
        purpose,
        other_purpose,
    }
}

impl World {
    fn sdk(&self, purpose: &str, key_file: &str) -> GatewayClient {
        let credentials =
            Credentials::from_pem_file(&self.client, &self.kid, purpose, fixtures().join(key_file))
                .unwrap();
        GatewayClient::new(
            ClientConfig::new(
                &self.gw.base,
                &format!("{}/token.oauth2", self.engine.base),
                ASSERTION_AUDIENCE,
            ),
            credentials,
        )
        .unwrap()
    }

    /// The exact cause of the last refusal, as the client's owner reads it.
    async fn last_refusal(&self) -> String {
        self.comune
            .get(&format!("/clients/{}/token-failures", self.client))
            .await
            .expect_status(StatusCode::OK)
            .str("/0/code")
    }
}

fn claims(jwt: &str) -> Value {
    use base64::Engine as _;
    let payload = jwt.split('.').nth(1).unwrap();
    serde_json::from_slice(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(payload)
            .unwrap(),
    )
    .unwrap()
}

fn configuration(description: &str) -> NewRcConfiguration {
    NewRcConfiguration {
        name: "Comune di Esempio".into(),
        description: description.into(),
        has_precondition: HasPrecondition::Once,
        is_lollipop_enabled: true,
        disable_lollipop_for: vec![],
        prod_environment: Some(Environment {
            base_url: "https://api.comune.example/rc".into(),
            details_authentication: DetailsAuthentication::ApiKey {
                header_key_name: "X-Api-Key".into(),
                key: "secret".into(),
            },
        }),
        test_environment: None,
    }
}

fn message(configuration_id: &str, correlation: &str) -> NewMessage {
    NewMessage {
        fiscal_code: CITIZEN.into(),
        content: MessageContent {
            subject: "Avviso di pagamento TARI".into(),
            markdown: "Gentile cittadino, è disponibile l'avviso di pagamento della tassa sui rifiuti per l'anno in corso. Apri il messaggio per i dettagli.".into(),
            require_secure_channels: None,
            due_date: None,
            payment_data: None,
            eu_covid_cert: None,
            third_party_data: Some(ThirdPartyData {
                id: correlation.into(),
                original_sender: None,
                original_receipt_date: None,
                has_attachments: false,
                has_remote_content: true,
                has_precondition: Some(HasPrecondition::Once),
                summary: None,
                configuration_id: Some(configuration_id.into()),
            }),
        },
        time_to_live: None,
        feature_level_type: None,
        default_addresses: None,
    }
}

#[tokio::test]
async fn an_entity_gets_a_voucher_registers_a_configuration_and_submits_a_message() {
    let w = world().await;
    let sdk = w.sdk(&w.purpose, "keys/client-a.key.pem");

    // The voucher: for the gateway's audience and the entity's purpose, cached afterwards.
    let voucher = sdk.voucher().await.unwrap();
    let c = claims(&voucher);
    assert_eq!(c["aud"], AUDIENCE);
    assert_eq!(c["purposeId"], w.purpose.as_str());
    assert_eq!(c["consumerId"], w.comune.tenant_id().to_string());
    assert_eq!(sdk.voucher().await.unwrap(), voucher, "cached");
    sdk.forget_voucher().await;
    assert_ne!(sdk.voucher().await.unwrap(), voucher, "asked again");

    // Configurations: create, list, read, replace.
    let created = sdk
        .create_configuration(&configuration("Avvisi di pagamento"))
        .await
        .unwrap();
    assert_eq!(created.user_id, w.comune.tenant_id().to_string());
    assert_eq!(created.configuration, configuration("Avvisi di pagamento"));
    let id = created.configuration_id.clone();
    let listed = sdk.configurations().await.unwrap();
    assert_eq!(listed, vec![created.clone()]);
    sdk.update_configuration(&id, &configuration("Avvisi e solleciti"))
        .await
        .unwrap();
    assert_eq!(
        sdk.configuration(&id)
            .await
            .unwrap()
            .configuration
            .description,
        "Avvisi e solleciti"
    );

    // A message, idempotent under its key.
    let m = message(&id, "tari-2026-0001");
    let first = sdk.submit_message(&m, "tari-2026-0001").await.unwrap();
    let again = sdk.submit_message(&m, "tari-2026-0001").await.unwrap();
    assert_eq!(
        first, again,
        "a retry with the same key is the same message"
    );
    let e = sdk
        .submit_message(&message(&id, "tari-2026-0002"), "tari-2026-0001")
        .await
        .unwrap_err();
    assert_eq!(
        (e.code(), e.status()),
        ("IDEMPOTENCY_KEY_REUSED", Some(422))
    );
    // The citizen's inbox holds it, once.
    let inbox =
        w.gw.app(CITIZEN)
            .get("/api/communication/v1/messages")
            .await
            .expect_status(StatusCode::OK);
    let ids: Vec<&str> = inbox.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, vec![first.id.as_str()]);

    // What it sent, typed: newest first, page by page, by configuration.
    let second = sdk
        .submit_message(&message(&id, "tari-2026-0003"), "tari-2026-0003")
        .await
        .unwrap();
    let all = sdk
        .sent_messages(&SentMessagesFilter::default())
        .await
        .unwrap();
    let sent_ids: Vec<&str> = all.items.iter().map(|i| i.id.as_str()).collect();
    assert_eq!(sent_ids, [second.id.as_str(), first.id.as_str()]);
    assert_eq!(all.next, None);
    assert_eq!(all.items[0].fiscal_code, CITIZEN);
    assert_eq!(all.items[0].configuration_id.as_deref(), Some(id.as_str()));
    assert!(!all.items[0].is_read && !all.items[0].is_archived);
    let page = |cursor: Option<String>| SentMessagesFilter {
        configuration: Some(id.clone()),
        limit: Some(1),
        cursor,
        ..SentMessagesFilter::default()
    };
    let p1 = sdk.sent_messages(&page(None)).await.unwrap();
    assert_eq!(p1.items, all.items[..1]);
    let p2 = sdk.sent_messages(&page(p1.next.clone())).await.unwrap();
    assert_eq!(
        (p2.items.as_slice(), p2.next.as_deref()),
        (&all.items[1..], None)
    );
    let window = SentMessagesFilter {
        from: Some(all.items[0].created_at.clone()),
        ..SentMessagesFilter::default()
    };
    assert_eq!(
        sdk.sent_messages(&window).await.unwrap().items[0].id,
        second.id
    );
    let e = sdk
        .sent_messages(&SentMessagesFilter {
            limit: Some(0),
            ..SentMessagesFilter::default()
        })
        .await
        .unwrap_err();
    assert_eq!((e.code(), e.status()), ("INVALID_QUERY", Some(400)));

    // The gateway's refusals come back with their codes.
    let e = sdk
        .submit_message(&message("01HZ8Q0M3TS6WB0J8M2H1D0X7Y", "x-1"), "x-1")
        .await
        .unwrap_err();
    assert!(
        matches!(&e, ClientError::Problem { status: 404, code, .. } if code == "CONFIGURATION_NOT_FOUND"),
        "{e:?}"
    );
    let e = sdk.configuration("not-a-ulid").await.unwrap_err();
    assert_eq!(e.code(), "INVALID_PATH");
    sdk.delete_configuration(&id).await.unwrap();
    assert_eq!(
        sdk.configuration(&id).await.unwrap_err().code(),
        "CONFIGURATION_NOT_FOUND"
    );
}

#[tokio::test]
async fn a_bad_key_or_a_wrong_purpose_is_a_typed_error() {
    let w = world().await;

    // Another private key than the one uploaded under this kid: the engine refuses the voucher.
    let bad_key = w.sdk(&w.purpose, "keys/client-b.key.pem");
    let e = bad_key.voucher().await.unwrap_err();
    assert!(
        matches!(&e, ClientError::Problem { status: 401, code, .. } if code == "TOKEN_REFUSED"),
        "{e:?}"
    );
    assert_eq!(w.last_refusal().await, "ASSERTION_SIGNATURE_INVALID");
    // Every call that needs a voucher fails alike, before reaching the gateway.
    let e = bad_key
        .create_configuration(&configuration("Avvisi"))
        .await
        .unwrap_err();
    assert_eq!(e.code(), "TOKEN_REFUSED");

    // A purpose the client is not attached to (another tenant's, or none at all).
    let wrong = w.sdk(&uuid::Uuid::new_v4().to_string(), "keys/client-a.key.pem");
    assert_eq!(wrong.voucher().await.unwrap_err().code(), "TOKEN_REFUSED");
    assert_eq!(w.last_refusal().await, "PURPOSE_NOT_FOUND");

    // A purpose on another e-service: Interop issues the voucher, the gateway refuses its
    // audience (after one retry with a fresh voucher).
    let elsewhere = w.sdk(&w.other_purpose, "keys/client-a.key.pem");
    assert_eq!(
        claims(&elsewhere.voucher().await.unwrap())["aud"],
        "another-eservice"
    );
    let e = elsewhere.configurations().await.unwrap_err();
    assert!(
        matches!(&e, ClientError::Problem { status: 401, code, .. } if code == "VOUCHER_AUDIENCE_INVALID"),
        "{e:?}"
    );

    // Local failures have their own codes.
    let e = Credentials::from_pem("c", "k", "p", b"not a key").unwrap_err();
    assert_eq!(e.code(), "CLIENT_KEY_INVALID");
    let e = GatewayClient::new(
        ClientConfig::new("not a url", "http://127.0.0.1:1/token.oauth2", "aud"),
        Credentials::from_pem_file("c", "k", "p", fixtures().join("keys/client-a.key.pem"))
            .unwrap(),
    )
    .err()
    .unwrap();
    assert_eq!(e.code(), "CLIENT_CONFIG_INVALID");
    let unreachable = GatewayClient::new(
        ClientConfig::new(&w.gw.base, "http://127.0.0.1:1/token.oauth2", "aud"),
        Credentials::from_pem_file("c", "k", "p", fixtures().join("keys/client-a.key.pem"))
            .unwrap(),
    )
    .unwrap();
    assert_eq!(
        unreachable.voucher().await.unwrap_err().code(),
        "CLIENT_TRANSPORT"
    );
}

/// The preview of what the app shows a test user, through the SDK: only a test user of the
/// entity's configurations, its messages with their precondition, details and attachment, and
/// nothing marked read.
#[tokio::test]
async fn an_entity_previews_what_its_test_user_sees() {
    use e2e::entity::{Answer, FakeEntity};
    use provider_sdk::client::TestUserInbox;
    const TESTER: &str = "RSSMRA85T10A562S";
    let w = world().await;
    let sdk = w.sdk(&w.purpose, "keys/client-a.key.pem");
    let entity = FakeEntity::start().await;
    let mut c = configuration("Avvisi di prova");
    c.is_lollipop_enabled = false;
    c.test_environment = Some(TestEnvironment {
        base_url: entity.base_url.clone(),
        details_authentication: DetailsAuthentication::ApiKey {
            header_key_name: "X-Api-Key".into(),
            key: "secret".into(),
        },
        test_users: vec![TESTER.into()],
    });
    let config = sdk.create_configuration(&c).await.unwrap();
    let mut m = message(&config.configuration_id, "prova-1");
    m.fiscal_code = TESTER.into();
    m.feature_level_type = Some(FeatureLevelType::Advanced);
    if let Some(t) = m.content.third_party_data.as_mut() {
        t.has_attachments = true;
    }
    let id = sdk.submit_message(&m, "prova-1").await.unwrap().id;
    entity.on(
        "messages/prova-1",
        Answer::json(&serde_json::json!({
            "details": {"subject": "Avviso di pagamento TARI 2026", "markdown": "## Avviso\n\nL'importo dovuto per la tassa sui rifiuti è di 120 euro, da pagare entro il 31 dicembre."},
            "attachments": [{"id": "a1", "content_type": "application/pdf", "name": "avviso.pdf", "url": "/files/avviso.pdf"}]
        })),
    );
    entity.on(
        "messages/prova-1/precondition",
        Answer::json(&serde_json::json!({"title": "Prima di aprire", "markdown": "Il messaggio contiene dati tributari."})),
    );
    let pdf = std::fs::read(fixtures().join("pdf/pdfa2b-minimal.pdf")).unwrap();
    entity.on(
        "messages/prova-1/files/avviso.pdf",
        Answer::bytes(200, pdf.clone()),
    );

    let inbox = sdk
        .test_user_messages(TESTER, &TestUserInbox::default())
        .await
        .unwrap();
    assert_eq!(inbox.items.len(), 1);
    assert_eq!(inbox.items[0].id, id);
    assert_eq!(inbox.items[0].has_precondition, Some(true));
    assert_eq!(inbox.next, None);
    let p = sdk.test_user_precondition(TESTER, &id).await.unwrap();
    assert_eq!(p.map(|p| p.title).as_deref(), Some("Prima di aprire"));
    let d = sdk.test_user_details(TESTER, &id).await.unwrap();
    assert_eq!(
        d.third_party_message.details.subject,
        "Avviso di pagamento TARI 2026"
    );
    let url = d.third_party_message.attachments[0].url.clone();
    let a = sdk.test_user_attachment(TESTER, &id, &url).await.unwrap();
    assert_eq!((a.name.as_deref(), a.bytes), (Some("avviso.pdf"), pdf));
    let one = sdk.test_user_message(TESTER, &id).await.unwrap();
    assert!(
        !one.is_read && !one.is_archived,
        "the preview marks nothing"
    );
    // A citizen who is not a test user of the entity's configurations: a typed refusal.
    let e = sdk
        .test_user_messages(CITIZEN, &TestUserInbox::default())
        .await
        .unwrap_err();
    assert_eq!((e.status(), e.code()), (Some(403), "NOT_YOUR_TEST_USER"));
    let e = sdk
        .test_user_message(TESTER, "01ARZ3NDEKTSV4RRFFQ69G5FAV")
        .await
        .unwrap_err();
    assert_eq!(e.code(), "MESSAGE_NOT_FOUND");
}
