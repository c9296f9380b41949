#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]
//! `procura serve` as a child process: on the Maple example, `POST /v1/evaluate` answers
//! the same JSON as `procura eval` (and the native engine's exact bytes).
//!
//! Needs the core module (`scripts/build-core.sh`); skipped loudly without it, unless
//! `PROCURA_REQUIRE_CORE=1` (as in `scripts/test.sh`).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// `pkg/core/procura.wasm`, or `None` (skipped, loudly) when it is not built or older than
/// the sources, unless `PROCURA_REQUIRE_CORE=1` (as in `scripts/test.sh`), where that fails.
fn core_module(root: &Path) -> Option<PathBuf> {
    if let Some(why) = procura_host::stale_core(root) {
        assert!(
            std::env::var_os("PROCURA_REQUIRE_CORE").is_none_or(|v| v != "1"),
            "{why}: run scripts/build-core.sh"
        );
        eprintln!("SKIPPED: {why} (scripts/build-core.sh)");
        return None;
    }
    Some(root.join("pkg/core/procura.wasm"))
}

struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A minimal HTTP/1.1 exchange on a fresh connection (`connection: close`).
fn http(addr: SocketAddr, method: &str, path: &str, body: &str) -> (u16, String, String) {
    let mut stream = TcpStream::connect(addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(60)))
        .unwrap();
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nhost: {addr}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    let (head, body) = response.split_once("\r\n\r\n").unwrap();
    let status = head.split(' ').nth(1).unwrap().parse().unwrap();
    (status, head.to_owned(), body.to_owned())
}

#[test]
fn serve_answers_maple_like_eval() {
    let root = repo();
    let Some(module) = core_module(&root) else {
        return;
    };
    let procura = env!("CARGO_BIN_EXE_procura");
    let mut child = Command::new(procura)
        .current_dir(&root)
        .args([
            "serve",
            "--policy",
            "examples/maple.procura",
            "--directory",
            "examples/maple.directory.json",
            "--addr",
            "127.0.0.1:0",
            "--module",
        ])
        .arg(&module)
        .arg("--module-cache")
        .arg(env!("CARGO_TARGET_TMPDIR"))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let server = Server(child);

    // The log says where it listens: `… serving addr=127.0.0.1:PORT …`; later lines (one
    // per decision, with its id) are collected too.
    let (lines, logged) = mpsc::channel::<String>();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if lines.send(line).is_err() {
                break;
            }
        }
    });
    let addr: SocketAddr = loop {
        let line = logged
            .recv_timeout(Duration::from_secs(240))
            .expect("procura serve did not start within 240 s");
        if let Some(rest) = line.split("addr=").nth(1) {
            break rest.split_whitespace().next().unwrap().parse().unwrap();
        }
    };

    let (status, _, body) = http(addr, "GET", "/healthz", "");
    assert_eq!((status, body.as_str()), (200, r#"{"status":"ok"}"#));

    let request = std::fs::read_to_string(root.join("examples/maple.request.json")).unwrap();
    let (status, head, served) = http(addr, "POST", "/v1/evaluate", &request);
    assert_eq!(status, 200, "{served}");
    let decision_id = head
        .lines()
        .find_map(|line| line.strip_prefix("x-decision-id: "))
        .expect("an x-decision-id header")
        .to_owned();

    // The same JSON as `procura eval` …
    let eval = Command::new(procura)
        .current_dir(&root)
        .args([
            "eval",
            "--color",
            "never",
            "--policy",
            "examples/maple.procura",
            "--directory",
            "examples/maple.directory.json",
            "--request",
            "examples/maple.request.json",
        ])
        .output()
        .unwrap();
    assert!(
        eval.status.success(),
        "{}",
        String::from_utf8_lossy(&eval.stderr)
    );
    let eval: serde_json::Value = serde_json::from_slice(&eval.stdout).unwrap();
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&served).unwrap(),
        eval
    );
    // … and the native engine's exact bytes.
    let engine = procura::Engine::from_json(
        &std::fs::read_to_string(root.join("examples/maple.procura")).unwrap(),
        Some(&std::fs::read_to_string(root.join("examples/maple.directory.json")).unwrap()),
    )
    .unwrap();
    assert_eq!(served, engine.evaluate_json(&request));

    // The decision's log line names its id.
    let logged_decision = (0..50).any(|_| {
        logged
            .recv_timeout(Duration::from_secs(5))
            .is_ok_and(|line| line.contains(&decision_id) && line.contains("status=200"))
    });
    assert!(logged_decision, "no log line for decision {decision_id}");
    drop(server);
}

#[test]
fn serve_refuses_a_policy_that_does_not_compile() {
    let root = repo();
    let Some(module) = core_module(&root) else {
        return;
    };
    let dir =
        Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("serve-broken-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let policy = dir.join("broken.procura");
    std::fs::write(&policy, "policy \"broken\" {\n  currency XYZ\n").unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_procura"))
        .args(["serve", "--addr", "127.0.0.1:0", "--policy"])
        .arg(&policy)
        .arg("--module")
        .arg(&module)
        .arg("--module-cache")
        .arg(env!("CARGO_TARGET_TMPDIR"))
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("does not compile"), "{stderr}");
    assert!(stderr.contains("error["), "{stderr}");
}
