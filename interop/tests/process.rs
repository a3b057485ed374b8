//! The real `interop` binary: an acknowledged command survives `kill -9`.

use interop::api::auth::IdentityIssuer;
use interop::domain::Role;
use interop::domain::ids::UserId;
use serde_json::{Value, json};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The platform operator the engines of these tests are configured with.
const PLATFORM_OPERATOR: &str = "0b6f1c2e-7a43-4d5e-9f10-2c3b4a5d6e7f";

fn keys() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/keys")
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Starts `interop serve` on `port` with `data_dir`, and waits until it answers.
async fn start(data_dir: &Path, port: u16) -> Child {
    let mut child = Command::new(env!("CARGO_BIN_EXE_interop"))
        .arg("serve")
        .env("INTEROP_BIND", format!("127.0.0.1:{port}"))
        .env("INTEROP_DATA_DIR", data_dir)
        .env("INTEROP_IDENTITY__ISSUER", "test-idp")
        .env(
            "INTEROP_IDENTITY__PLATFORM_OPERATORS",
            format!("[\"{PLATFORM_OPERATOR}\"]"),
        )
        .env(
            "INTEROP_IDENTITY__PUBLIC_KEY_PATH",
            keys().join("identity.pub.pem"),
        )
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("interop binary starts");
    let deadline = Instant::now() + Duration::from_secs(30);
    while Instant::now() < deadline {
        if reqwest::get(format!("http://127.0.0.1:{port}/healthz"))
            .await
            .is_ok_and(|r| r.status().is_success())
        {
            return child;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let _ = child.kill();
    let _ = child.wait();
    panic!("interop did not answer on port {port}");
}

#[tokio::test]
async fn acknowledged_commands_survive_kill_9() {
    let dir = tempfile::tempdir().unwrap();
    let idp = IdentityIssuer::new(
        &std::fs::read(keys().join("identity.key.pem")).unwrap(),
        "test-idp",
        "recapito-interop",
    )
    .unwrap();
    let platform = idp
        .mint(
            PLATFORM_OPERATOR.parse().unwrap(),
            None,
            &[Role::Platform],
            600,
        )
        .unwrap();
    let http = reqwest::Client::new();

    let port = free_port();
    let mut child = start(dir.path(), port).await;
    let mut created = Vec::new();
    for i in 0..20 {
        let body = json!({"name": format!("Comune {i}"), "admin": {"id": UserId::random(), "name": "Ada"}});
        let r = http
            .post(format!("http://127.0.0.1:{port}/tenants"))
            .bearer_auth(&platform)
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 201);
        created.push(
            r.json::<Value>().await.unwrap()["id"]
                .as_str()
                .unwrap()
                .to_owned(),
        );
    }
    child.kill().unwrap(); // SIGKILL: no graceful shutdown, no flush
    child.wait().unwrap();

    let port = free_port();
    let mut child = start(dir.path(), port).await;
    let list: Vec<Value> = http
        .get(format!("http://127.0.0.1:{port}/tenants"))
        .bearer_auth(&platform)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let ids: Vec<&str> = list.iter().map(|t| t["id"].as_str().unwrap()).collect();
    for id in &created {
        assert!(ids.contains(&id.as_str()), "tenant {id} lost after kill -9");
    }
    child.kill().unwrap();
    child.wait().unwrap();
}

#[test]
fn a_missing_config_file_is_a_clear_error() {
    let out = Command::new(env!("CARGO_BIN_EXE_interop"))
        .args(["--config", "/nonexistent/interop.toml", "serve"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("/nonexistent/interop.toml"), "{err}");
}

#[tokio::test]
async fn a_config_file_is_read_and_the_environment_overrides_it() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let file = dir.path().join("interop.toml");
    std::fs::write(
        &file,
        format!("bind = \"127.0.0.1:{port}\"\ndata_dir = \"/nonexistent-overridden\"\n"),
    )
    .unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_interop"))
        .args(["--config", file.to_str().unwrap(), "serve"])
        .env("INTEROP_DATA_DIR", dir.path().join("data"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut up = false;
    while Instant::now() < deadline && !up {
        up = reqwest::get(format!("http://127.0.0.1:{port}/healthz"))
            .await
            .is_ok_and(|r| r.status().is_success());
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let _ = child.kill();
    let _ = child.wait();
    assert!(up, "the engine did not listen on the port from the file");
    assert!(
        dir.path().join("data/interop.db").exists(),
        "the data folder from the environment was not used"
    );
}

/// A database URL of another kind, or a PostgreSQL server that is not there: the engine says so
/// and exits instead of falling back to something else.
#[test]
fn a_bad_database_url_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    for (url, expected) in [
        (
            "mysql://u:secret@db/recapito",
            "database_url must start with postgres://",
        ),
        ("postgres://nobody@127.0.0.1:1/none", "store unavailable"),
    ] {
        let out = Command::new(env!("CARGO_BIN_EXE_interop"))
            .arg("serve")
            .env("INTEROP_DATA_DIR", dir.path())
            .env("INTEROP_BIND", "127.0.0.1:0")
            .env("INTEROP_DATABASE_URL", url)
            .env(
                "INTEROP_IDENTITY__PUBLIC_KEY_PATH",
                keys().join("identity.pub.pem"),
            )
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1), "{url}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(expected), "{url}: {err}");
        assert!(
            !err.contains("secret"),
            "the password is not printed: {err}"
        );
    }
}

#[test]
fn a_low_soft_open_file_limit_is_raised_to_the_hard_one_at_start() {
    let dir = tempfile::tempdir().unwrap();
    let mut engine = Command::new(env!("CARGO_BIN_EXE_interop"));
    engine
        .arg("serve")
        .env("INTEROP_BIND", "127.0.0.1:0")
        .env("INTEROP_DATA_DIR", dir.path())
        .env(
            "INTEROP_IDENTITY__PUBLIC_KEY_PATH",
            keys().join("identity.pub.pem"),
        )
        .env("INTEROP_LOG_FORMAT", "json");
    service_kit::testing::assert_raises_the_open_file_limit(
        &engine,
        &dir.path().join("interop.log"),
    );
}

#[test]
fn a_zero_server_setting_in_the_environment_is_refused_at_start() {
    service_kit::testing::assert_refused_at_start(
        Command::new(env!("CARGO_BIN_EXE_interop"))
            .arg("serve")
            .env("INTEROP_SERVER__MAX_CONNECTIONS_PER_IP", "0"),
        "server.max_connections_per_ip must be at least 1",
    );
}
