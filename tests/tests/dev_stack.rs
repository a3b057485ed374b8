//! The one-command dev stack, end to end: the seeded world answers the whole story over HTTP,
//! and a second start reuses it.

use reqwest::StatusCode;
use serde_json::Value;

async fn get(http: &reqwest::Client, url: String, key: &str, fc: &str) -> reqwest::Response {
    http.get(url)
        .bearer_auth(key)
        .header("fiscal_code", fc)
        .send()
        .await
        .unwrap()
}

/// What `interop dev-token --tenant T --user U --roles admin` prints for `admin`, with the
/// engine's data folder under `data_dir`: minted through the same library call.
fn admin_token(data_dir: &std::path::Path, admin: &dev_stack::Admin) -> String {
    let engine = interop::Config {
        data_dir: data_dir.join("interop"),
        ..interop::Config::default()
    };
    interop::app::dev_issuer(&engine)
        .unwrap()
        .mint(
            admin.user_id.parse().unwrap(),
            Some(admin.tenant_id.parse().unwrap()),
            &[interop::domain::Role::Admin],
            600,
        )
        .unwrap()
}

#[tokio::test]
async fn the_dev_stack_runs_the_whole_story_and_restarts_on_its_data() {
    let dir = tempfile::tempdir().unwrap();
    let options = || dev_stack::DevOptions {
        data_dir: dir.path().to_path_buf(),
        gateway_port: 0,
        interop_port: 0,
        provider_port: 0,
        console_port: 0,
    };
    let stack = dev_stack::start(options()).await.expect("the stack starts");
    let env = stack.env.clone();
    let written: Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("dev-env.json")).unwrap()).unwrap();
    for field in [
        "console_url",
        "gateway_url",
        "interop_url",
        "mock_provider_url",
        "app_api_key",
        "token_endpoint",
        "client_assertion_audience",
    ] {
        assert!(
            written[field].as_str().is_some_and(|v| !v.is_empty()),
            "{field} in dev-env.json"
        );
    }
    for field in [
        "tenant_id",
        "client_id",
        "kid",
        "private_key_pem_path",
        "purpose_id",
    ] {
        assert!(
            written["sender"][field]
                .as_str()
                .is_some_and(|v| !v.is_empty()),
            "sender.{field}"
        );
    }
    let http = reqwest::Client::new();
    // The administrators are named, and `interop dev-token` with the engine's data folder
    // (what `gateway dev` prints) acts as them on the management API.
    let names: Vec<&str> = env.admins.iter().map(|a| a.name.as_str()).collect();
    assert_eq!(names, ["PagoPA", "Comune di Esempio", "Comune di Prova"]);
    let comune = &env.admins[1];
    assert_eq!(written["admins"][1]["tenant_id"], comune.tenant_id.as_str());
    // The second entity: its own tenant, an active agreement and purpose on the gateway's
    // e-service, a client of its own attached to it (no key yet), and its operators.
    let prova = env.second_entity.as_ref().expect("the second entity");
    assert_eq!(prova.name, "Comune di Prova");
    assert_eq!(prova.tenant_id, env.admins[2].tenant_id);
    assert_ne!(prova.tenant_id, comune.tenant_id);
    assert_eq!(
        written["second_entity"]["client_id"],
        prova.client_id.as_str()
    );
    let roles: Vec<&str> = env
        .operators
        .iter()
        .filter(|o| o.tenant_id == prova.tenant_id)
        .map(|o| o.role.as_str())
        .collect();
    assert_eq!(roles, ["api", "security"]);
    let prova_admin = admin_token(dir.path(), &env.admins[2]);
    let read = |path: String| {
        http.get(format!("{}{path}", env.interop_url))
            .bearer_auth(&prova_admin)
            .send()
    };
    let agreement: Value = read(format!("/agreements/{}", prova.agreement_id))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(agreement["state"], "ACTIVE", "{agreement}");
    let purpose: Value = read(format!("/purposes/{}", prova.purpose_id))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(purpose["versions"][0]["state"], "ACTIVE", "{purpose}");
    let client: Value = read(format!("/clients/{}", prova.client_id))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        client["purposes"],
        serde_json::json!([prova.purpose_id]),
        "{client}"
    );
    assert_eq!(
        client["keys"],
        serde_json::json!([]),
        "no key yet: {client}"
    );
    let admin = admin_token(dir.path(), comune);
    let eservices = http
        .get(format!("{}/eservices", env.interop_url))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    assert_eq!(eservices.status(), 200);
    let (gw, key) = (&env.gateway_url, &env.app_api_key);
    let citizen = &env.citizens[0];
    let inbox: Value = get(
        &http,
        format!("{gw}/api/communication/v1/messages"),
        key,
        citizen,
    )
    .await
    .json()
    .await
    .unwrap();
    let items = inbox["items"].as_array().unwrap();
    assert_eq!(items.len(), 3, "{inbox}");

    // Open each remote-content message of the first citizen: the voucher path and the encrypted PDF.
    let mut saw_voucher_path = false;
    let mut saw_encrypted = false;
    for item in items {
        let id = item["id"].as_str().unwrap();
        let m: Value = get(
            &http,
            format!("{gw}/api/communication/v1/messages/{id}"),
            key,
            citizen,
        )
        .await
        .json()
        .await
        .unwrap();
        let Some(tpd) = m["content"]["third_party_data"].as_object() else {
            continue;
        };
        let r = get(
            &http,
            format!("{gw}/api/communication/v1/third-party-messages/{id}"),
            key,
            citizen,
        )
        .await;
        assert_eq!(r.status(), StatusCode::OK);
        let details: Value = r.json().await.unwrap();
        let url = details["third_party_message"]["attachments"][0]["url"]
            .as_str()
            .unwrap()
            .to_owned();
        let pdf = get(
            &http,
            format!("{gw}/api/communication/v1/third-party-messages/{id}/attachments/{url}"),
            key,
            citizen,
        )
        .await;
        match tpd["id"].as_str().unwrap() {
            "avviso-tari-2026" => {
                saw_voucher_path = true;
                assert_eq!(pdf.status(), StatusCode::OK);
                assert!(pdf.bytes().await.unwrap().starts_with(b"%PDF-"));
                let pre = get(
                    &http,
                    format!("{gw}/api/communication/v1/third-party-messages/{id}/precondition"),
                    key,
                    citizen,
                )
                .await;
                assert_eq!(pre.status(), StatusCode::OK);
            }
            "guasto-pdf-cifrato" => {
                saw_encrypted = true;
                assert_eq!(pdf.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
                assert_eq!(
                    pdf.json::<Value>().await.unwrap()["code"],
                    "ATTACHMENT_ENCRYPTED"
                );
            }
            other => panic!("unexpected sample {other}"),
        }
    }
    assert!(saw_voucher_path && saw_encrypted);
    // The second citizen's message comes through the API-key configuration.
    let other = &env.citizens[1];
    let inbox: Value = get(
        &http,
        format!("{gw}/api/communication/v1/messages"),
        key,
        other,
    )
    .await
    .json()
    .await
    .unwrap();
    let id = inbox["items"][0]["id"].as_str().unwrap();
    assert_eq!(
        get(
            &http,
            format!("{gw}/api/communication/v1/third-party-messages/{id}"),
            key,
            other
        )
        .await
        .status(),
        StatusCode::OK
    );
    for t in stack.tasks {
        t.abort();
    }
    // The old gateway's connection tasks (which hold its store, and the database file's lock)
    // end when our keep-alive connections close, as when a process exits.
    drop(http);
    let http = reqwest::Client::new();
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;

    // A second start reuses the world: same ids, same messages, nothing seeded twice.
    let again = dev_stack::start(options())
        .await
        .expect("the stack restarts");
    assert_eq!(again.env.sender.client_id, env.sender.client_id);
    assert_eq!(again.env.configurations.api_key, env.configurations.api_key);
    assert_eq!(
        again.env.second_entity.map(|e| e.client_id),
        env.second_entity.as_ref().map(|e| e.client_id.clone())
    );
    let inbox: Value = get(
        &http,
        format!("{}/api/communication/v1/messages", again.env.gateway_url),
        &again.env.app_api_key,
        citizen,
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(inbox["items"].as_array().unwrap().len(), 3);
    for t in again.tasks {
        t.abort();
    }
}

/// What `gateway dev` prints is what a newcomer pastes first: every shell line of the banner runs
/// here as printed, in one shell (the message id one line extracts is used by the next).
#[tokio::test]
async fn the_banner_commands_work_as_printed() {
    let dir = tempfile::tempdir().unwrap();
    let stack = dev_stack::start(dev_stack::DevOptions {
        data_dir: dir.path().to_path_buf(),
        gateway_port: 0,
        interop_port: 0,
        provider_port: 0,
        console_port: 0,
    })
    .await
    .expect("the stack starts");
    let banner = dev_stack::banner(&stack.env, dir.path());
    // The console comes first, and answers with the demo world's users to sign in as.
    let first = banner.lines().find(|l| !l.trim().is_empty()).unwrap();
    assert!(first.contains(&stack.env.console_url), "{banner}");
    let sign_in = reqwest::get(format!("{}/accesso", stack.env.console_url))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        sign_in.contains("Admin Comune di Esempio")
            && sign_in.contains("Admin Comune di Prova")
            && sign_in.contains("Operatore API Comune di Prova")
            && sign_in.contains("Operatore della piattaforma"),
        "{sign_in}"
    );
    let commands: Vec<&str> = banner
        .lines()
        .map(str::trim)
        .filter(|l| l.starts_with("curl ") || l.starts_with("ID=") || l.starts_with("ADMIN="))
        .collect();
    assert_eq!(commands.len(), 5, "{banner}");
    // The printed `ADMIN=$(… cargo run -p interop -- dev-token …)` would build the engine's binary
    // inside this test: the same token is minted through the library (as `dev-token` does), and
    // the line is checked to name the administrator it stands for.
    let comune = &stack.env.admins[1];
    let admin_line = commands.iter().find(|l| l.starts_with("ADMIN=")).unwrap();
    assert!(
        admin_line.contains(&format!("--tenant {}", comune.tenant_id))
            && admin_line.contains(&format!("--user {}", comune.user_id))
            && admin_line.contains(&format!(
                "INTEROP_DATA_DIR={}",
                dir.path().join("interop").display()
            )),
        "{admin_line}"
    );
    let admin = admin_token(dir.path(), comune);
    let script: Vec<&str> = commands
        .iter()
        .copied()
        .filter(|l| !l.starts_with("ADMIN="))
        .collect();
    // `set -e`: a command that fails (curl -f on a 4xx/5xx) stops the script with its status.
    let script = format!("set -ex\n{}", script.join("\n"));
    let out = tokio::task::spawn_blocking(move || {
        std::process::Command::new("sh")
            .arg("-c")
            .arg(&script)
            .env("ADMIN", admin)
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    let (stdout, stderr) = (
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
    );
    assert!(
        out.status.success(),
        "{}\nstdout:\n{stdout}\nstderr:\n{stderr}",
        out.status
    );
    // The newest message was opened as a third-party message: the seeded showcase.
    assert!(
        stdout.contains("\"third_party_message\"") && stdout.contains("avviso-tari-2026"),
        "{stdout}"
    );
    for t in stack.tasks {
        t.abort();
    }
}
