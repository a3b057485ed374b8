//! The admin API: the scenarios listed a page at a time (by id, with `X-Total-Count`), one read
//! back, a new fault put and served, and a body that is not a scenario refused with a sentence
//! naming the field.

use mock_provider::scenario::Scenario;
use mock_provider::{Scenarios, admin_router, entity_router};
use provider_sdk::auth::Authentication;
use serde_json::{Value, json};
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, RwLock};

const FC: &str = "SPNDNL80R13C555X";

fn scenario(id: &str) -> Scenario {
    serde_json::from_value(json!({
        "id": id,
        "fiscal_code": FC,
        "details": {"subject": format!("Oggetto {id}"), "markdown": "x".repeat(80)},
    }))
    .unwrap()
}

async fn serve(scenarios: Scenarios) -> String {
    let app = entity_router(
        scenarios.clone(),
        PathBuf::from("."),
        "/rc",
        Authentication::ApiKey {
            header: "X-Api-Key".into(),
            key: "k".into(),
        },
    )
    .merge(admin_router(scenarios));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    url
}

#[tokio::test]
async fn scenarios_are_listed_read_replaced_and_refused_with_a_reason() {
    let map: HashMap<String, Scenario> = (1..=25)
        .map(|n| format!("s{n:02}"))
        .map(|id| (id.clone(), scenario(&id)))
        .collect();
    let url = serve(Arc::new(RwLock::new(map))).await;
    let http = reqwest::Client::new();

    // Listed by id, 20 a page by default, the total in X-Total-Count.
    let first = http
        .get(format!("{url}/admin/scenarios"))
        .send()
        .await
        .unwrap();
    assert_eq!(first.status(), 200);
    assert_eq!(first.headers()["x-total-count"], "25");
    let first: Vec<Value> = first.json().await.unwrap();
    assert_eq!(first.len(), 20);
    assert_eq!(first[0]["id"], "s01");
    assert_eq!(first[0]["fiscal_code"], FC);
    let rest: Vec<Value> = http
        .get(format!("{url}/admin/scenarios?offset=20&limit=10"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let ids: Vec<&str> = rest.iter().map(|s| s["id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["s21", "s22", "s23", "s24", "s25"]);

    // One scenario, or 404.
    let one: Value = http
        .get(format!("{url}/admin/scenarios/s07"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(one["details"]["subject"], "Oggetto s07");
    let missing = http
        .get(format!("{url}/admin/scenarios/nope"))
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), 404);

    // A fault put is served at once.
    let mut faulty = one.clone();
    faulty["fault"] = json!({"only": "details", "status": 503, "retry_after": "30"});
    let put = http
        .put(format!("{url}/admin/scenarios/s07"))
        .json(&faulty)
        .send()
        .await
        .unwrap();
    assert_eq!(put.status(), 204);
    let served = http
        .get(format!("{url}/rc/messages/s07"))
        .header("X-Api-Key", "k")
        .header("fiscal_code", FC)
        .send()
        .await
        .unwrap();
    assert_eq!(served.status(), 503);
    assert_eq!(served.headers()["retry-after"], "30");

    // Refusals: not JSON, not a scenario, a fault that cannot be served.
    for (body, field, says) in [
        ("{\"id\": ", None, "EOF"),
        ("{\"id\": \"s07\"}", None, "missing field `fiscal_code`"),
        ("[1, 2]", None, "not a scenario"),
        (
            "{\"id\": \"s07\", \"fiscal_code\": \"SPNDNL80R13C555X\", \"fault\": {\"status\": 999}}",
            Some("fault.status"),
            "100 to 599",
        ),
        (
            "{\"id\": \"s07\", \"fiscal_code\": \"SPNDNL80R13C555X\", \"fault\": {\"only\": \"all\"}}",
            Some("fault.only"),
            "details, precondition or attachment",
        ),
    ] {
        let r = http
            .put(format!("{url}/admin/scenarios/s07"))
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 400, "{body}");
        assert_eq!(r.headers()["content-type"], "application/problem+json");
        let p: Value = r.json().await.unwrap();
        assert_eq!(p["code"], "SCENARIO_INVALID", "{p}");
        assert!(p["detail"].as_str().unwrap().contains(says), "{p}");
        match field {
            Some(f) => assert_eq!(p["fields"], json!([f]), "{p}"),
            None => assert_eq!(p["fields"], json!([]), "{p}"),
        }
    }
    // The body may leave the id out: the path names the scenario.
    let put = http
        .put(format!("{url}/admin/scenarios/s08"))
        .json(&json!({"fiscal_code": FC, "fault": {"delay_ms": 5}}))
        .send()
        .await
        .unwrap();
    assert_eq!(put.status(), 204);
    let s08: Value = http
        .get(format!("{url}/admin/scenarios/s08"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        (&s08["id"], &s08["fault"]["delay_ms"]),
        (&json!("s08"), &json!(5))
    );
    // The refused bodies changed nothing.
    let still: Value = http
        .get(format!("{url}/admin/scenarios/s07"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(still["fault"]["status"], 503);
}
