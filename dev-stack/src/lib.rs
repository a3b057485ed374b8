//! The one-command development stack: the web console, the Interop engine, the gateway and the
//! mock provider on localhost, a demo world seeded through the public APIs, and `dev-env.json`
//! describing it.

use gateway::config::InteropClientConfig;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};
use world::{Api, Terms};

pub mod world;

/// Ports (0 = any free port) and the data folder.
pub struct DevOptions {
    pub data_dir: PathBuf,
    pub gateway_port: u16,
    pub interop_port: u16,
    pub provider_port: u16,
    /// The web console's port (`--console-port`, 8083 by default).
    pub console_port: u16,
}

/// What a client needs to act as the demo entity.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Sender {
    pub tenant_id: String,
    pub client_id: String,
    pub kid: String,
    pub private_key_pem_path: String,
    pub purpose_id: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Configurations {
    pub interop_voucher: String,
    pub api_key: String,
}

/// A tenant's administrator: with `interop dev-token` (the engine's data folder is
/// `DATA_DIR/interop`) anyone can act as them on the management API, e.g. to suspend things.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Admin {
    pub name: String,
    pub tenant_id: String,
    pub user_id: String,
}

/// `DATA_DIR/dev-env.json`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DevEnv {
    /// The web console (development sign-in enabled). Absent from files written before it.
    #[serde(default)]
    pub console_url: String,
    pub gateway_url: String,
    pub interop_url: String,
    pub mock_provider_url: String,
    pub app_api_key: String,
    pub token_endpoint: String,
    pub client_assertion_audience: String,
    pub sender: Sender,
    pub configurations: Configurations,
    pub citizens: Vec<String>,
    /// The gateway's own Interop client (for INTEROP_VOUCHER fetches): kept to restart alike.
    pub gateway_client: Sender,
    /// The administrators of "PagoPA" (the gateway's side), "Comune di Esempio" (the entity)
    /// and "Comune di Prova" (the second entity), in this order. Absent from files written
    /// before they were recorded.
    #[serde(default)]
    pub admins: Vec<Admin>,
    /// Each tenant's API operator and security operator (the console's development sign-in
    /// lists them). Absent from files written before they were seeded.
    #[serde(default)]
    pub operators: Vec<Operator>,
    /// The attributes of the demo world: certified ones (the platform assigns them), a declared
    /// and a verified one. Absent from files written before they were seeded.
    #[serde(default)]
    pub attributes: Vec<DevAttribute>,
    /// A second entity, "Comune di Prova", subscribed to the gateway's e-service like "Comune di
    /// Esempio" but with nothing on the gateway: what isolation tests sign in as. Absent from
    /// files written before it was seeded.
    #[serde(default)]
    pub second_entity: Option<Entity>,
}

/// An entity tenant of the demo world with an active agreement and an active purpose on the
/// gateway's e-service "Recapito messaggi", and a client (its administrator a member) attached
/// to that purpose. The client has no key: the console uploads its own when it is connected.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Entity {
    pub name: String,
    pub tenant_id: String,
    pub agreement_id: String,
    pub purpose_id: String,
    pub client_id: String,
}

/// A tenant's operator: one role, `api` or `security`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Operator {
    pub name: String,
    pub tenant_name: String,
    pub tenant_id: String,
    pub user_id: String,
    pub role: String,
}

/// An attribute of the demo world, and the tenants it was certified for (none for declared and
/// verified ones: tenants declare them, producers verify them).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DevAttribute {
    pub id: String,
    pub kind: String,
    pub name: String,
    #[serde(default)]
    pub certified_for: Vec<String>,
}

/// The demo world's attributes: (kind, name, description, certified for these tenants).
const ATTRIBUTES: [(&str, &str, &str, &[&str]); 4] = [
    (
        "CERTIFIED",
        "Comuni e loro Consorzi e Associazioni",
        "Categoria IPA L6: comuni, loro consorzi e associazioni",
        &["Comune di Esempio"],
    ),
    (
        "CERTIFIED",
        "Gestori di pubblici servizi",
        "Categoria IPA L37: gestori di pubblici servizi",
        &["PagoPA"],
    ),
    (
        "DECLARED",
        "Responsabile della protezione dei dati nominato",
        "L'ente dichiara di aver nominato il proprio RPD",
        &[],
    ),
    (
        "VERIFIED",
        "Misure minime di sicurezza ICT",
        "L'erogatore ha verificato l'adozione delle misure minime di sicurezza ICT di AgID",
        &[],
    ),
];

pub const CITIZENS: [&str; 2] = ["SPNDNL80R13C555X", "RSSMRA85T10A562S"];
/// The second entity's name ([`DevEnv::second_entity`]).
pub const SECOND_ENTITY: &str = "Comune di Prova";
const PROVIDER_API_KEY: &str = "dev-provider-key";
/// "Comune di Esempio"'s organization fiscal code (the payee of its payments without one).
pub const DEV_ORGANIZATION_FISCAL_CODE: &str = "01234567890";
const ENTITY_AUDIENCE: &str = "comune-remote-content";
const GATEWAY_AUDIENCE: &str = "recapito-gateway";

/// The e-service whose published version has `audience`, and its producer: what a side of the
/// dev world accepts vouchers for.
fn eservice_pin(
    engine: &interop::engine::Engine,
    audience: &str,
) -> Result<provider_sdk::auth::EServicePin, String> {
    engine
        .read(|s, _| {
            s.eservices.values().find_map(|e| {
                e.descriptors
                    .iter()
                    .any(|d| d.fields.audience.iter().any(|a| a == audience))
                    .then(|| {
                        provider_sdk::auth::EServicePin::new(
                            e.id.to_string(),
                            e.producer_id.to_string(),
                        )
                    })
            })
        })
        .ok_or_else(|| format!("the dev world has no e-service for {audience:?}: remove the data folder to seed it again"))
}

/// A running stack.
pub struct DevStack {
    pub env: DevEnv,
    pub tasks: Vec<tokio::task::JoinHandle<()>>,
}

fn fail(what: &str, e: impl std::fmt::Display) -> String {
    format!("{what}: {e}")
}

async fn listen(port: u16) -> Result<tokio::net::TcpListener, String> {
    tokio::net::TcpListener::bind(("127.0.0.1", port))
        .await
        .map_err(|e| fail(&format!("port {port}"), e))
}

/// Starts everything; seeds the world on the first start, reuses it afterwards.
pub async fn start(o: DevOptions) -> Result<DevStack, String> {
    start_with(o, |_| {}).await
}

/// [`start`], with the web console's configuration changed by `tune_console` before it starts (e.g.
/// a test's `citizen_view = "test_users"`, with no app API key).
pub async fn start_with(
    o: DevOptions,
    tune_console: impl FnOnce(&mut console::Config),
) -> Result<DevStack, String> {
    std::fs::create_dir_all(&o.data_dir).map_err(|e| fail("data folder", e))?;
    let data_dir = std::fs::canonicalize(&o.data_dir).map_err(|e| fail("data folder", e))?;
    let env_path = data_dir.join("dev-env.json");
    let previous: Option<DevEnv> = std::fs::read(&env_path)
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok());
    let mut tasks = Vec::new();

    // 1. The Interop engine.
    let interop_config = interop::Config {
        bind: format!("127.0.0.1:{}", o.interop_port),
        data_dir: data_dir.join("interop"),
        ..interop::Config::default()
    };
    let engine = interop::Application::build(&interop_config)
        .await
        .map_err(|e| fail("Interop engine", e))?;
    let interop_url = format!("http://127.0.0.1:{}", engine.port());
    let engine_handle = engine.engine();
    tasks.push(tokio::spawn(async move {
        let _ = engine.run_until(std::future::pending()).await;
    }));

    // 2. The world (first start only).
    let seeded = match previous {
        Some(p) => p,
        None => seed(&interop_config, &interop_url, &data_dir).await?,
    };
    // Each side accepts vouchers for its own e-service only.
    let gateway_eservice = eservice_pin(&engine_handle, GATEWAY_AUDIENCE)?;
    let entity_eservice = eservice_pin(&engine_handle, ENTITY_AUDIENCE)?;

    // 3. The mock provider: one server, API-key routes under /rc, voucher routes under /rc-interop.
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures");
    let scenarios = mock_provider::scenario::load_dir(&fixtures.join("scenarios"))
        .map_err(|e| fail("scenarios", e))?;
    let scenarios: mock_provider::Scenarios = Arc::new(RwLock::new(scenarios));
    let api_key = provider_sdk::auth::Authentication::ApiKey {
        header: "X-Api-Key".into(),
        key: PROVIDER_API_KEY.into(),
    };
    let verifier = provider_sdk::auth::VoucherVerifier::new(
        &format!("{interop_url}/.well-known/jwks.json"),
        &interop_config.tokens.issuer,
        ENTITY_AUDIENCE,
        entity_eservice,
        None,
    );
    let provider_app =
        mock_provider::entity_router(scenarios.clone(), fixtures.clone(), "/rc", api_key)
            .merge(mock_provider::entity_router(
                scenarios.clone(),
                fixtures.clone(),
                "/rc-interop",
                provider_sdk::auth::Authentication::Voucher(Box::new(verifier)),
            ))
            .merge(mock_provider::admin_router(scenarios));
    let provider_listener = listen(o.provider_port).await?;
    let provider_url = format!(
        "http://127.0.0.1:{}",
        provider_listener
            .local_addr()
            .map_err(|e| fail("provider", e))?
            .port()
    );
    tasks.push(tokio::spawn(async move {
        let _ = axum::serve(provider_listener, provider_app).await;
    }));

    // 4. The gateway, an Interop consumer with its own client.
    let app_key = dev_app_key(&data_dir).map_err(|e| fail("app key", e))?;
    let mut config = gateway::Config {
        bind: format!("127.0.0.1:{}", o.gateway_port),
        data_dir: data_dir.join("gateway"),
        ..gateway::Config::default()
    };
    config.auth.interop_jwks_url = format!("{interop_url}/.well-known/jwks.json");
    config.auth.voucher_issuer = interop_config.tokens.issuer.clone();
    config.auth.voucher_audience = GATEWAY_AUDIENCE.into();
    config.auth.eservice_id = gateway_eservice.eservice_id;
    config.auth.producer_id = gateway_eservice.producer_id;
    // The mock provider listens on loopback, which entity calls may not reach by default.
    config.fetch.egress_allow = vec![
        "127.0.0.1/32".parse().expect("network"),
        "::1/128".parse().expect("network"),
    ];
    config.auth.app_api_keys = vec![app_key.clone()];
    // IO's service registry, for payments without a payee: the dev entity's organization.
    config.submission.organization_fiscal_codes = [(
        seeded.sender.tenant_id.clone(),
        DEV_ORGANIZATION_FISCAL_CODE.into(),
    )]
    .into();
    let gc = &seeded.gateway_client;
    config.interop_client = Some(InteropClientConfig {
        token_url: format!("{interop_url}/token.oauth2"),
        client_id: gc.client_id.clone(),
        kid: gc.kid.clone(),
        private_key_path: PathBuf::from(&gc.private_key_pem_path),
        assertion_audience: interop_config.tokens.client_assertion_audience.clone(),
        voucher_reuse_secs: gateway::config::DEFAULT_VOUCHER_REUSE_SECS,
    });
    let gateway = gateway::Application::build(&config)
        .await
        .map_err(|e| fail("gateway", e))?;
    let gateway_url = format!("http://127.0.0.1:{}", gateway.port());
    tasks.push(tokio::spawn(async move {
        let _ = gateway.run_until(std::future::pending()).await;
    }));

    // 5. The web console, on the engine's public API, with development sign-in.
    let mut console_config = console_config(
        &o,
        &interop_config,
        &interop_url,
        &provider_url,
        &seeded,
        (&gateway_url, &app_key, &data_dir.join("console")),
    )?;
    tune_console(&mut console_config);
    let console = console::build(console_config)
        .await
        .map_err(|e| fail("console", e))?;
    let console_url = format!("http://127.0.0.1:{}", console.port());
    tasks.push(tokio::spawn(async move {
        let _ = console.run_until(std::future::pending()).await;
    }));

    let mut env = seeded;
    env.console_url = console_url;
    env.gateway_url = gateway_url;
    env.interop_url = interop_url.clone();
    env.mock_provider_url = provider_url;
    env.app_api_key = app_key;
    env.token_endpoint = format!("{interop_url}/token.oauth2");
    if env.configurations.api_key.is_empty() {
        populate(&mut env, &interop_config).await?;
    }
    std::fs::write(
        &env_path,
        serde_json::to_vec_pretty(&env).map_err(|e| fail("dev-env.json", e))?,
    )
    .map_err(|e| fail("dev-env.json", e))?;
    Ok(DevStack { env, tasks })
}

/// The console of the dev stack: development sign-in as the demo world's administrators and the
/// platform operator, with the engine's development identity key; its "Scenari del mock" page
/// edits the mock provider's scenarios (its admin API, on loopback, needs no key); its "Vista del
/// cittadino" calls the gateway's app API with the dev app key for the dev world's citizens; its
/// "Recapito" pages call the gateway with vouchers of the tenant's client, keeping the keys in
/// `data_dir`.
fn console_config(
    o: &DevOptions,
    ic: &interop::Config,
    interop_url: &str,
    provider_url: &str,
    seeded: &DevEnv,
    (gateway_url, app_key, data_dir): (&str, &str, &Path),
) -> Result<console::Config, String> {
    let operator = interop::app::dev_platform_operator(ic).map_err(|e| fail("identity", e))?;
    let role_name = |r: &str| match r {
        "api" => "Operatore API",
        _ => "Operatore di sicurezza",
    };
    let mut users: Vec<console::config::DevUser> = seeded
        .admins
        .iter()
        .map(|a| console::config::DevUser {
            name: format!("Admin {}", a.name),
            tenant_name: a.name.clone(),
            tenant_id: Some(a.tenant_id.clone()),
            user_id: a.user_id.clone(),
            roles: vec!["admin".into()],
        })
        .collect();
    users.extend(seeded.operators.iter().map(|o| console::config::DevUser {
        name: format!("{} {}", role_name(&o.role), o.tenant_name),
        tenant_name: o.tenant_name.clone(),
        tenant_id: Some(o.tenant_id.clone()),
        user_id: o.user_id.clone(),
        roles: vec![o.role.clone()],
    }));
    users.push(console::config::DevUser {
        name: "Operatore della piattaforma".into(),
        tenant_name: String::new(),
        tenant_id: None,
        user_id: operator.to_string(),
        roles: vec!["platform".into()],
    });
    let mut c = console::Config {
        bind: format!("127.0.0.1:{}", o.console_port),
        engine_url: interop_url.to_owned(),
        dev_sign_in: true,
        dev_users: users,
        mock_provider_url: Some(provider_url.to_owned()),
        gateway_url: Some(gateway_url.to_owned()),
        app_api_key: app_key.to_owned(),
        citizen_view: console::config::CitizenView::Dev,
        dev_citizens: seeded.citizens.clone(),
        token_endpoint: format!("{interop_url}/token.oauth2"),
        client_assertion_audience: ic.tokens.client_assertion_audience.clone(),
        data_dir: Some(data_dir.to_path_buf()),
        // "Verifica dell'endpoint" probes the mock provider, on loopback, as the gateway does.
        probe_egress_allow: vec![
            "127.0.0.1/32".parse().expect("network"),
            "::1/128".parse().expect("network"),
        ],
        ..console::Config::default()
    };
    c.dev_identity.private_key_path = ic
        .identity
        .private_key_path
        .clone()
        .unwrap_or_else(|| ic.dev_identity_key_path());
    c.dev_identity.issuer = ic.identity.issuer.clone();
    c.dev_identity.audience = ic.identity.audience.clone();
    Ok(c)
}

/// What `gateway dev` prints once the stack is up. Its shell lines are run as printed by
/// `tests/tests/dev_stack.rs`, so a command shown here is a command that works: `-f` makes a
/// refused request fail visibly instead of printing a problem document that looks like output.
pub fn banner(env: &DevEnv, data_dir: &Path) -> String {
    let (gw, key, fc) = (&env.gateway_url, &env.app_api_key, &env.citizens[0]);
    format!(
        "\nWeb console: open {console} (sign in as a demo user)\n\
         \nRecapito development stack — everything answers; described in {dir}/dev-env.json\n\
         \n  gateway          {gw}\
         \n  Interop engine   {interop}\
         \n  mock provider    {provider}\
         \n  app API key      {key}\
         \n\nTry (the app backend, for citizen {fc}):\n\
         \n  curl -f -H 'Authorization: Bearer {key}' -H 'fiscal_code: {fc}' {gw}/api/communication/v1/messages\
         \n  ID=$(curl -fsS -H 'Authorization: Bearer {key}' -H 'fiscal_code: {fc}' '{gw}/api/communication/v1/messages?page_size=1' | sed 's/.*\"id\":\"\\([^\"]*\\)\".*/\\1/')\
         \n  curl -f -H 'Authorization: Bearer {key}' -H 'fiscal_code: {fc}' {gw}/api/communication/v1/third-party-messages/$ID\
         \n\nThe entity (\"sender\" in dev-env.json) gets vouchers at {token} and submits at {gw}/api/v1/messages.{admins}\
         \nCtrl-C stops.\n",
        admins = admin_hint(env, data_dir),
        console = env.console_url,
        dir = data_dir.display(),
        interop = env.interop_url,
        provider = env.mock_provider_url,
        token = env.token_endpoint,
    )
}

/// How to act on the engine's management API as one of the dev world's administrators.
fn admin_hint(env: &DevEnv, data_dir: &Path) -> String {
    let Some(a) = env.admins.iter().find(|a| a.name.starts_with("Comune")) else {
        return String::new();
    };
    format!(
        "\nAs the entity's administrator on the engine (\"admins\" in dev-env.json):\n\
         \n  ADMIN=$(INTEROP_DATA_DIR={interop} cargo run -q -p interop -- dev-token --tenant {t} --user {u} --roles admin)\
         \n  curl -f -H \"Authorization: Bearer $ADMIN\" {url}/eservices\n",
        interop = data_dir.join("interop").display(),
        t = a.tenant_id,
        u = a.user_id,
        url = env.interop_url,
    )
}

/// The development app API key: generated once into the data folder.
pub fn dev_app_key(data_dir: &Path) -> std::io::Result<String> {
    let path = data_dir.join("app-api-key");
    if let Ok(k) = std::fs::read_to_string(&path) {
        return Ok(k.trim().to_owned());
    }
    let key = format!("dev-{}", uuid::Uuid::new_v4().simple());
    std::fs::write(&path, &key)?;
    Ok(key)
}

/// Tenants, e-services, agreements, purposes, clients and keys, through the engine's API.
async fn seed(ic: &interop::Config, interop_url: &str, data_dir: &Path) -> Result<DevEnv, String> {
    let idp = interop::app::dev_issuer(ic).map_err(|e| fail("identity", e))?;
    let http = reqwest::Client::new();
    let operator = interop::app::dev_platform_operator(ic).map_err(|e| fail("identity", e))?;
    let platform = idp
        .mint(operator, None, &[interop::domain::Role::Platform], 600)
        .map_err(|e| fail("token", e))?;
    let platform = Api::new(http.clone(), interop_url, platform);
    let mut admins = Vec::new();
    for name in ["PagoPA", "Comune di Esempio", SECOND_ENTITY] {
        let user = interop::domain::ids::UserId::random();
        let t = platform
            .post(
                "/tenants",
                json!({"name": name, "admin": {"id": user, "name": format!("Admin {name}")}}),
            )
            .await?;
        let tenant: interop::domain::ids::TenantId = world::id(&t, "/id")?
            .parse()
            .map_err(|e| fail("tenant id", e))?;
        let token = idp
            .mint(user, Some(tenant), &[interop::domain::Role::Admin], 3600)
            .map_err(|e| fail("token", e))?;
        let api = Api::new(http.clone(), interop_url, token);
        admins.push((tenant.to_string(), user.to_string(), api, name));
    }
    let (pagopa, comune, prova) = (&admins[0], &admins[1], &admins[2]);
    // Each tenant's operators, registered by its administrator.
    let mut operators = Vec::new();
    for (tenant_id, _, api, name) in &admins {
        for (role, label) in [
            ("api", "Operatore API"),
            ("security", "Operatore di sicurezza"),
        ] {
            let user = interop::domain::ids::UserId::random();
            api.post(
                &format!("/tenants/{tenant_id}/users"),
                json!({"id": user, "name": format!("{label} {name}"), "roles": [role]}),
            )
            .await?;
            operators.push(Operator {
                name: format!("{label} {name}"),
                tenant_name: name.to_string(),
                tenant_id: tenant_id.clone(),
                user_id: user.to_string(),
                role: role.into(),
            });
        }
    }
    // The attributes, created by the platform; the certified ones assigned.
    let mut attributes = Vec::new();
    for (kind, name, description, holders) in ATTRIBUTES {
        let a = platform
            .post(
                "/attributes",
                json!({"kind": kind, "name": name, "description": description}),
            )
            .await?;
        let id = world::id(&a, "/id")?;
        for holder in holders {
            let (tenant_id, ..) = admins
                .iter()
                .find(|(.., n)| n == holder)
                .ok_or_else(|| format!("no tenant {holder}"))?;
            platform
                .post(
                    &format!("/tenants/{tenant_id}/attributes/certified"),
                    json!({ "id": id }),
                )
                .await?;
        }
        attributes.push(DevAttribute {
            id,
            kind: kind.into(),
            name: name.into(),
            certified_for: holders.iter().map(|h| h.to_string()).collect(),
        });
    }
    // Each side's e-service, the other side's agreement, purpose, client and key.
    let mut sides = Vec::new();
    let mut gateway_eservice = None;
    for ((producer, consumer), (name, desc, aud, key_file)) in [
        (
            (pagopa, comune),
            (
                "Recapito messaggi",
                "Invio di messaggi a contenuto remoto",
                GATEWAY_AUDIENCE,
                "entity.key.pem",
            ),
        ),
        (
            (comune, pagopa),
            (
                "Contenuti remoti",
                "Dettagli e allegati dei messaggi del Comune",
                ENTITY_AUDIENCE,
                "gateway-client.key.pem",
            ),
        ),
    ] {
        let terms = Terms::new(name, desc, aud);
        let s = world::subscribe(&producer.2, &consumer.2, &terms).await?;
        if aud == GATEWAY_AUDIENCE {
            gateway_eservice = Some((s.eservice.clone(), terms));
        }
        let key_path = data_dir.join(key_file);
        let pair = interop::keys::load_or_generate(&key_path).map_err(|e| fail("key", e))?;
        let (client, kid) = consumer
            .2
            .client_with_key(&format!("Client {name}"), &consumer.1, &pair.public_pem)
            .await?;
        consumer.2.attach(&client, &s.purpose).await?;
        sides.push(Sender {
            tenant_id: consumer.0.clone(),
            client_id: client,
            kid,
            private_key_pem_path: key_path.display().to_string(),
            purpose_id: s.purpose,
        });
    }
    let gateway_client = sides.pop().expect("two sides");
    let sender = sides.pop().expect("two sides");
    // The second entity: subscribed to the gateway's e-service, a purpose, a client without key.
    let (eservice, terms) = gateway_eservice.expect("the gateway's e-service");
    let api = &prova.2;
    let agreement_id = api.agree(&eservice).await?;
    let (purpose_id, _) = api.activate_purpose(&eservice, &terms).await?;
    let client_id = api
        .client(&format!("Client {}", terms.name), &prova.1)
        .await?;
    api.attach(&client_id, &purpose_id).await?;
    let second_entity = Entity {
        name: SECOND_ENTITY.into(),
        tenant_id: prova.0.clone(),
        agreement_id,
        purpose_id,
        client_id,
    };
    Ok(DevEnv {
        console_url: String::new(),
        gateway_url: String::new(),
        interop_url: String::new(),
        mock_provider_url: String::new(),
        app_api_key: String::new(),
        token_endpoint: String::new(),
        client_assertion_audience: ic.tokens.client_assertion_audience.clone(),
        sender,
        configurations: Configurations {
            interop_voucher: String::new(),
            api_key: String::new(),
        },
        citizens: CITIZENS.iter().map(|c| c.to_string()).collect(),
        gateway_client,
        admins: admins
            .iter()
            .map(|(tenant_id, user_id, _, name)| Admin {
                name: name.to_string(),
                tenant_id: tenant_id.clone(),
                user_id: user_id.clone(),
            })
            .collect(),
        operators,
        attributes,
        second_entity: Some(second_entity),
    })
}

/// A voucher for the demo entity, obtained like any client would (provider-sdk's
/// [`VoucherClient`](provider_sdk::voucher::VoucherClient)).
pub async fn entity_voucher(env: &DevEnv) -> Result<String, String> {
    use provider_sdk::voucher::{ClientKey, VoucherClient, VoucherClientConfig};
    let s = &env.sender;
    let key = ClientKey::from_pem_file(&s.client_id, &s.kid, &s.private_key_pem_path)
        .map_err(|e| fail("entity key", e))?;
    VoucherClient::new(
        VoucherClientConfig::new(&env.token_endpoint, &env.client_assertion_audience),
        key,
    )
    .map_err(|e| fail("token endpoint", e))?
    .voucher(&s.purpose_id)
    .await
    .map_err(|e| fail("token endpoint", e))
}

/// The entity's configurations and the sample messages, through the gateway's API.
async fn populate(env: &mut DevEnv, _ic: &interop::Config) -> Result<(), String> {
    let voucher = entity_voucher(env).await?;
    let api = Api::new(reqwest::Client::new(), &env.gateway_url, voucher);
    let base = |auth: Value, url: String| json!({"name": "Comune di Esempio", "description": "Contenuti remoti del Comune (sviluppo)", "has_precondition": "ONCE", "is_lollipop_enabled": false, "disable_lollipop_for": [], "prod_environment": {"base_url": url, "details_authentication": auth}});
    let by_voucher = api
        .post(
            "/api/v1/remote-contents/configurations",
            base(
                json!({"type": "INTEROP_VOUCHER", "purpose_id": env.gateway_client.purpose_id}),
                format!("{}/rc-interop", env.mock_provider_url),
            ),
        )
        .await?;
    let by_key = api
        .post(
            "/api/v1/remote-contents/configurations",
            base(
                json!({"type": "API_KEY", "header_key_name": "X-Api-Key", "key": PROVIDER_API_KEY}),
                format!("{}/rc", env.mock_provider_url),
            ),
        )
        .await?;
    env.configurations = Configurations {
        interop_voucher: world::id(&by_voucher, "/configuration_id")?,
        api_key: world::id(&by_key, "/configuration_id")?,
    };
    // A plain message too, first: the banner opens the citizen's newest message as a third-party
    // message, so the newest must be the remote-content showcase (the voucher path, a good PDF).
    api.post("/api/v1/messages", json!({"fiscal_code": CITIZENS[0], "content": {"subject": "Benvenuto nei servizi del Comune", "markdown": "Da oggi riceverai qui gli avvisi del Comune di Esempio: scadenze, certificati e comunicazioni importanti."}})).await?;
    let samples = [
        (
            CITIZENS[0],
            "guasto-pdf-cifrato",
            "Un allegato che il gateway rifiuta",
            &env.configurations.api_key,
            json!({"has_attachments": true, "has_remote_content": true}),
        ),
        (
            CITIZENS[1],
            "certificato-residenza",
            "Certificato di residenza pronto",
            &env.configurations.api_key,
            json!({"has_attachments": true, "has_remote_content": true, "has_precondition": "NEVER"}),
        ),
        (
            CITIZENS[0],
            "avviso-tari-2026",
            "Avviso di pagamento TARI 2026",
            &env.configurations.interop_voucher,
            json!({"has_attachments": true, "has_remote_content": true, "has_precondition": "ONCE"}),
        ),
    ];
    for (fc, corr, subject, config, flags) in samples {
        let mut tpd = json!({"id": corr, "configuration_id": config});
        for (k, v) in flags.as_object().expect("object") {
            tpd[k] = v.clone();
        }
        let body = json!({"fiscal_code": fc, "feature_level_type": "ADVANCED", "content": {"subject": subject, "markdown": "Il contenuto completo di questo messaggio è custodito dal Comune: aprilo nell'app per leggerlo e scaricare gli allegati.", "third_party_data": tpd}});
        api.post("/api/v1/messages", body).await?;
    }
    Ok(())
}
