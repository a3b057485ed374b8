//! Driving Debian's Chromium through chromedriver (WebDriver, with fantoccini) for the console's
//! browser tests: finding the browser, starting the driver, a headless session, axe-core's
//! accessibility check, keys, screenshots, and waiting for a page's heading.
//!
//! `scripts/test` runs `scripts/browser`, which installs the browser and axe-core and exports
//! RECAPITO_CHROMEDRIVER, RECAPITO_CHROMIUM and RECAPITO_AXE_JS.

use fantoccini::actions::{InputSource, KeyAction, KeyActions};
use fantoccini::key::Key;
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// The browser and the accessibility checker the tests use.
pub struct Browser {
    pub chromium: String,
    pub chromedriver: String,
    /// axe-core's script (`axe.min.js`).
    pub axe: String,
}

/// The browser named by `RECAPITO_CHROMIUM`, `RECAPITO_CHROMEDRIVER` and `RECAPITO_AXE_JS`
/// (`scripts/browser` exports them). Without them: a failure under `CI=true`, else `None` and a
/// loud note that the test is skipped.
pub fn browser() -> Option<Browser> {
    let var = |k: &str| std::env::var(k).ok().filter(|v| Path::new(v).exists());
    match (
        var("RECAPITO_CHROMIUM"),
        var("RECAPITO_CHROMEDRIVER"),
        var("RECAPITO_AXE_JS"),
    ) {
        (Some(chromium), Some(chromedriver), Some(axe)) => Some(Browser {
            chromium,
            chromedriver,
            axe,
        }),
        _ => {
            let why = "RECAPITO_CHROMIUM, RECAPITO_CHROMEDRIVER and RECAPITO_AXE_JS must name \
                       existing files: run `eval \"$(scripts/browser)\"` (scripts/test does)";
            if std::env::var("CI").is_ok_and(|v| v == "true" || v == "1") {
                panic!("the console's browser test cannot run: {why}");
            }
            // Straight to stderr: the test harness would capture `eprintln!`.
            use std::io::Write;
            let _ = writeln!(
                std::io::stderr(),
                "\n*** SKIPPED: the console's browser test: {why} ***\n"
            );
            None
        }
    }
}

/// chromedriver on a free port, killed when dropped.
pub struct Driver(Child);

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// chromedriver on a free port, and its URL.
pub async fn start_driver(b: &Browser) -> (Driver, String) {
    let port = free_port();
    let driver = Driver(
        Command::new(&b.chromedriver)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver starts"),
    );
    let url = format!("http://127.0.0.1:{port}");
    for _ in 0..100 {
        if reqwest::get(format!("{url}/status")).await.is_ok() {
            return (driver, url);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("chromedriver did not answer on {url}");
}

/// A headless Chromium session (1280×900, Italian).
pub async fn connect(b: &Browser, driver: &str) -> Client {
    let mut caps = serde_json::Map::new();
    caps.insert(
        "goog:chromeOptions".into(),
        json!({
            "binary": b.chromium,
            "args": ["--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                     "--window-size=1280,900", "--lang=it-IT", "--force-device-scale-factor=1"],
        }),
    );
    ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
        .capabilities(caps)
        .connect(driver)
        .await
        .expect("a WebDriver session")
}

/// axe-core on the current page: no serious or critical violation.
pub async fn accessible(c: &Client, axe: &str, page: &str) {
    c.execute(axe, vec![]).await.expect("axe-core injected");
    let violations = c
        .execute_async(
            "const done = arguments[arguments.length - 1];\
             axe.run(document, { resultTypes: ['violations'] })\
               .then(r => done(r.violations\
                 .filter(v => v.impact === 'serious' || v.impact === 'critical')\
                 .map(v => ({ id: v.id, impact: v.impact, help: v.help,\
                              nodes: v.nodes.map(n => n.html) }))))\
               .catch(e => done([{ id: 'axe-error', help: String(e) }]));",
            vec![],
        )
        .await
        .expect("axe-core ran");
    assert_eq!(
        violations,
        Value::Array(vec![]),
        "accessibility violations on {page}"
    );
}

/// One key pressed and released.
pub async fn press(c: &Client, key: Key) -> Result<(), fantoccini::error::CmdError> {
    let k: char = key.into();
    c.perform_actions(
        KeyActions::new("keyboard".into())
            .then(KeyAction::Down { value: k })
            .then(KeyAction::Up { value: k }),
    )
    .await
}

/// Where the screenshots go: `docs/console/` (the README shows them) when
/// `RECAPITO_SCREENSHOTS=docs`, else a folder in the system's temporary folder, so that an ordinary run leaves
/// the tree as it was (a page shows dates, so every run's images differ).
pub fn shots_dir() -> PathBuf {
    if std::env::var("RECAPITO_SCREENSHOTS").as_deref() == Ok("docs") {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/console")
    } else {
        std::env::temp_dir().join("recapito-console-screenshots")
    }
}

/// A screenshot of the page as `name.png` in [`shots_dir`].
pub async fn screenshot(c: &Client, name: &str) {
    let png = c.screenshot().await.expect("a screenshot");
    std::fs::create_dir_all(shots_dir()).unwrap();
    std::fs::write(shots_dir().join(format!("{name}.png")), png).unwrap();
}

/// The page's heading once it is `expected` (a click's navigation may still be under way).
pub async fn heading_is(c: &Client, expected: &str) {
    let mut last = String::new();
    for _ in 0..100 {
        if let Ok(h) = c.find(Locator::Css("main h1")).await
            && let Ok(t) = h.text().await
        {
            if t == expected {
                return;
            }
            last = t;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let url = c
        .current_url()
        .await
        .map(|u| u.to_string())
        .unwrap_or_default();
    panic!("the page's heading is {last:?}, not {expected:?} (at {url})");
}

/// A browser test on the development stack: the stack on free ports in its own folder,
/// chromedriver, and a headless Chromium session.
pub struct Session {
    pub client: Client,
    pub env: dev_stack::DevEnv,
    /// axe-core's script, for [`accessible`].
    pub axe: String,
    /// The stack's data folder (the engine's development identity key is below it).
    pub dir: tempfile::TempDir,
    tasks: Vec<tokio::task::JoinHandle<()>>,
    _driver: Driver,
}

impl Session {
    /// The stack, the driver and the browser; `None` (the test skips) where [`browser`] says so.
    pub async fn start() -> Option<Session> {
        Session::start_with(|_| {}).await
    }

    /// [`Session::start`] with the console's configuration changed by `tune_console` (e.g.
    /// `citizen_view = "test_users"`).
    pub async fn start_with(tune_console: impl FnOnce(&mut console::Config)) -> Option<Session> {
        let b = browser()?;
        let axe = std::fs::read_to_string(&b.axe).expect("axe-core");
        let dir = tempfile::tempdir().unwrap();
        let stack = dev_stack::start_with(
            dev_stack::DevOptions {
                data_dir: dir.path().to_path_buf(),
                gateway_port: 0,
                interop_port: 0,
                provider_port: 0,
                console_port: 0,
            },
            tune_console,
        )
        .await
        .expect("the stack starts");
        let (driver, driver_url) = start_driver(&b).await;
        let client = connect(&b, &driver_url).await;
        Some(Session {
            client,
            env: stack.env,
            axe,
            dir,
            tasks: stack.tasks,
            _driver: driver,
        })
    }

    /// Closes the browser and stops the stack, then fails with `result`'s error, after a
    /// screenshot named `name-failure` of the page it failed on.
    pub async fn finish(self, name: &str, result: Result<(), fantoccini::error::CmdError>) {
        if result.is_err() {
            screenshot(&self.client, &format!("{name}-failure")).await;
        }
        let _ = self.client.close().await;
        for t in self.tasks {
            t.abort();
        }
        result.unwrap();
    }
}
