//! What both services' process tests check the same way (feature `testing`, for their
//! dev-dependencies only).

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The hard open-file limit the tests run under.
pub fn hard_open_file_limit() -> u64 {
    let out = Command::new("sh")
        .args(["-c", "ulimit -Hn"])
        .output()
        .expect("sh runs");
    let text = String::from_utf8_lossy(&out.stdout);
    text.trim()
        .parse()
        .unwrap_or_else(|_| panic!("ulimit -Hn: {text:?}"))
}

/// Runs `service` to its end and asserts it refused to start with a configuration error (exit
/// status 2) saying `message` on stderr.
pub fn assert_refused_at_start(service: &mut Command, message: &str) {
    let out = service.output().expect("the service runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains(message), "no {message:?} in {stderr}");
}

/// Runs `service` (a service binary with its arguments and environment, logging JSON to
/// stderr) with its soft open-file limit lowered to 256, as a service manager's default does
/// (the hard limit untouched), and asserts that it logs "raised the open-file limit" from 256 to
/// the hard limit within 30 s; then kills it. Its stderr goes to `log`.
pub fn assert_raises_the_open_file_limit(service: &Command, log: &Path) {
    let hard = hard_open_file_limit();
    assert!(
        hard > 256,
        "this test needs a hard open-file limit above 256, not {hard}"
    );
    // `ulimit -Sn` lowers only the soft limit.
    let mut shell = Command::new("sh");
    shell
        .args(["-c", "ulimit -Sn 256 && exec \"$0\" \"$@\""])
        .arg(service.get_program())
        .args(service.get_args());
    for (key, value) in service.get_envs() {
        match value {
            Some(v) => shell.env(key, v),
            None => shell.env_remove(key),
        };
    }
    let mut child = shell
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(log).expect("log file"))
        .spawn()
        .expect("the service starts");
    let raised = |logs: &str| {
        logs.lines()
            .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
            .find(|l| l["fields"]["message"] == "raised the open-file limit")
    };
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut line = None;
    while line.is_none() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
        line = raised(&std::fs::read_to_string(log).unwrap_or_default());
    }
    let _ = child.kill();
    let _ = child.wait();
    let logs = std::fs::read_to_string(log).unwrap_or_default();
    let line = line.unwrap_or_else(|| panic!("no \"raised the open-file limit\" in:\n{logs}"));
    assert_eq!(line["fields"]["from"], 256, "{line}");
    assert_eq!(line["fields"]["to"], hard, "{line}");
}
