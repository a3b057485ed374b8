//! The egress policy seen from outside: a tenant cannot make the gateway connect to loopback,
//! link-local (cloud metadata), private or other non-public addresses, in any spelling, and
//! cannot use the answers to tell an open port from a closed one.

use e2e::entity::{Answer, FakeEntity};
use e2e::gateway::{FakeInterop, Gateway, configuration, message};
use reqwest::StatusCode;
use serde_json::{Value, json};

const CITIZEN: &str = "SPNDNL80R13C555X";

/// A gateway with the default policy: no network allowed besides public addresses.
async fn strict_gateway(interop: &FakeInterop) -> Gateway {
    Gateway::spawn_with(&interop.jwks_url, |c| {
        c.fetch.egress_allow = Vec::new();
        c.fetch.timeout_ms = 2_000;
    })
    .await
}

#[tokio::test]
async fn configurations_aimed_at_non_public_addresses_are_refused_in_every_spelling() {
    let interop = FakeInterop::start().await;
    let gw = strict_gateway(&interop).await;
    let entity = gw.entity(&interop.voucher("comune", "p1"));
    for base_url in [
        "http://169.254.169.254/latest/meta-data",
        "http://0251.0376.0251.0376/",
        "http://0xa9.0xfe.0xa9.0xfe/",
        "http://0xa9fea9fe/",
        "http://2852039166/",
        "http://169.254.43518/",
        "http://[::ffff:169.254.169.254]/",
        "http://[::ffff:a9fe:a9fe]/",
        "http://[64:ff9b::a9fe:a9fe]/",
        "http://169.254.170.2/v2/credentials",
        "http://[fe80::1]/",
        "http://[fd00:ec2::254]/",
        "http://127.0.0.1:8080/rc",
        "http://127.1/rc",
        "http://0/rc",
        "http://[::1]/rc",
        "http://10.0.0.1/rc",
        "http://192.168.1.1/rc",
        "http://224.0.0.1/rc",
    ] {
        let r = entity
            .post(
                "/api/v1/remote-contents/configurations",
                &configuration(base_url),
            )
            .await
            .expect_problem(StatusCode::BAD_REQUEST, "VALIDATION_FAILED");
        assert_eq!(
            r.body["fields"],
            json!(["prod_environment.base_url"]),
            "{base_url}: {}",
            r.body
        );
    }
}

#[tokio::test]
async fn base_urls_that_parsers_read_differently_are_refused_and_the_rest_is_stored_normalised() {
    let interop = FakeInterop::start().await;
    let gw = strict_gateway(&interop).await;
    let entity = gw.entity(&interop.voucher("comune", "p1"));
    for ambiguous in [
        "http://127.0.0.1:9\\@93.184.215.14/rc",
        "http://93.184.215.14\\rc",
        "http://user@93.184.215.14/rc",
        "http://a%2eexample/rc",
        "http:/93.184.215.14/rc",
        "http:93.184.215.14/rc",
        "http://93.184.215.14/r c",
        "http://93.184.215.14/rc\t",
    ] {
        entity
            .post(
                "/api/v1/remote-contents/configurations",
                &configuration(ambiguous),
            )
            .await
            .expect_problem(StatusCode::BAD_REQUEST, "VALIDATION_FAILED");
    }
    for (given, stored) in [
        (
            "HTTPS://API.Comune.Example:443/rc/./v1/../v2",
            "https://api.comune.example/rc/v2",
        ),
        ("http://0x5d.0270.55054/rc", "http://93.184.215.14/rc"),
        ("https://api.comune.example", "https://api.comune.example/"),
    ] {
        let c = entity
            .post(
                "/api/v1/remote-contents/configurations",
                &configuration(given),
            )
            .await
            .expect_status(StatusCode::CREATED);
        assert_eq!(c.body["prod_environment"]["base_url"], stored, "{given}");
        let id = c.str("/configuration_id");
        let read = entity
            .get(&format!("/api/v1/remote-contents/configurations/{id}"))
            .await
            .expect_status(StatusCode::OK);
        assert_eq!(read.body["prod_environment"]["base_url"], stored);
    }
}

/// A name that resolves to loopback passes registration (names are not judged then) and is
/// refused when the gateway would connect: nothing reaches the listener, and an open port and a
/// closed one get the same answer.
#[tokio::test]
async fn a_name_resolving_to_loopback_is_refused_at_connection_and_open_and_closed_ports_look_alike()
 {
    let interop = FakeInterop::start().await;
    let gw = strict_gateway(&interop).await;
    let entity = gw.entity(&interop.voucher("comune", "p1"));
    let open = FakeEntity::start().await;
    open.on(
        "messages/corr-0001",
        Answer::json(&json!({"details": {"subject": "Avviso di pagamento", "markdown": "x"}})),
    );
    let open_port = open
        .base_url
        .rsplit(':')
        .next()
        .and_then(|p| p.split('/').next())
        .unwrap()
        .to_owned();
    let closed_port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port().to_string()
    };
    let mut answers: Vec<Value> = Vec::new();
    for port in [&open_port, &closed_port] {
        let c = entity
            .post(
                "/api/v1/remote-contents/configurations",
                &configuration(&format!("http://localhost:{port}/rc")),
            )
            .await
            .expect_status(StatusCode::CREATED)
            .str("/configuration_id");
        let id = entity
            .post("/api/v1/messages", &message(CITIZEN, &c))
            .await
            .expect_status(StatusCode::CREATED)
            .str("/id");
        let r = gw
            .app(CITIZEN)
            .get(&format!("/api/communication/v1/third-party-messages/{id}"))
            .await
            .expect_problem(StatusCode::BAD_GATEWAY, "ENTITY_ADDRESS_NOT_ALLOWED");
        let mut body = r.body.clone();
        // The caller's own port is the only difference.
        body["detail"] = json!(body["detail"].as_str().unwrap().replace(port, "PORT"));
        answers.push(body);
    }
    assert_eq!(answers[0], answers[1]);
    assert!(
        open.received().is_empty(),
        "the gateway connected to a forbidden address"
    );
}
