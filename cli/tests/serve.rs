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

/// `procura serve` on the Maple example on a free port, with `extra` arguments: the running
/// server and its address.
fn spawn_maple(root: &Path, module: &Path, extra: &[&str]) -> (Server, SocketAddr) {
    let policy = [
        "--policy",
        "examples/maple.procura",
        "--directory",
        "examples/maple.directory.json",
    ];
    spawn(root, module, &policy, extra)
}

/// `procura serve` with `policy` (its `--policy` and `--directory` arguments) and `extra`.
fn spawn(root: &Path, module: &Path, policy: &[&str], extra: &[&str]) -> (Server, SocketAddr) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_procura"))
        .current_dir(root)
        .arg("serve")
        .args(policy)
        .args(["--addr", "127.0.0.1:0", "--poll-ms", "0", "--module"])
        .arg(module)
        .arg("--module-cache")
        .arg(env!("CARGO_TARGET_TMPDIR"))
        .args(extra)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let server = Server(child);
    let (lines, logged) = mpsc::channel::<String>();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            eprintln!("serve: {line}");
            if lines.send(line).is_err() {
                // Keep draining so that the server never blocks on a full pipe.
                continue;
            }
        }
    });
    let addr = loop {
        let line = logged
            .recv_timeout(Duration::from_secs(240))
            .expect("procura serve did not start within 240 s");
        if let Some(rest) = line.split("addr=").nth(1) {
            break rest.split_whitespace().next().unwrap().parse().unwrap();
        }
    };
    (server, addr)
}

/// Like [`http`], with extra header lines (`name: value`).
fn http_with(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &[&str],
    body: &str,
) -> (u16, String, String) {
    let mut stream = TcpStream::connect(addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(60)))
        .unwrap();
    let extra: String = headers.iter().map(|h| format!("{h}\r\n")).collect();
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nhost: {addr}\r\ncontent-type: application/json\r\n{extra}content-length: {}\r\nconnection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    let (head, body) = response.split_once("\r\n\r\n").unwrap();
    let status = head.split(' ').nth(1).unwrap().parse().unwrap();
    (status, head.to_ascii_lowercase(), body.to_owned())
}

fn code(body: &str) -> String {
    let value: serde_json::Value =
        serde_json::from_str(body).unwrap_or_else(|e| panic!("{e}: {body}"));
    value["errors"][0]["code"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

/// Maple requests of the four kinds that carry Ana inline, with the native answer of each:
/// `(route, request, native answer)`.
fn maple_inline_requests(root: &Path) -> Vec<(&'static str, String, String)> {
    use serde_json::{json, Value};
    let read = |file: &str| std::fs::read_to_string(root.join(file)).unwrap();
    let engine = procura::Engine::from_json(
        &read("examples/maple.procura"),
        Some(&read("examples/maple.directory.json")),
    )
    .unwrap();
    let ana = json!({
        "id": "ana@maple.example",
        "manager": "paul@maple.example",
        "roles": [{ "role": "requester", "group": "north" }]
    });
    let mut checkout: Value = serde_json::from_str(&read("examples/maple.request.json")).unwrap();
    checkout["buyerProfile"] = ana.clone();
    let authorize = json!({
        "user": "ana@maple.example",
        "userProfile": ana.clone(),
        "action": "place_orders",
        "resource": { "group": "north", "kind": "order" }
    });
    let badges = json!({
        "buyer": "ana@maple.example",
        "buyerProfile": ana.clone(),
        "group": "north",
        "currency": "CAD",
        "products": [{ "id": "P1", "category": "office/paper", "unitPrice": "12.00" }]
    });
    let approvals: Value = serde_json::from_str(&read("examples/maple.approvals.json")).unwrap();
    let mut large: Value = serde_json::from_str(&read("examples/maple.large-order.json")).unwrap();
    large["buyerProfile"] = json!({
        "id": large["buyer"],
        "roles": [{ "role": "requester", "group": large["group"] }]
    });
    let progress = json!({
        "checkout": large,
        "submittedAt": approvals["submittedAt"],
        "now": "2026-11-25T09:00:00-05:00",
        "events": approvals["events"],
    });
    let (checkout, authorize, badges, progress) = (
        checkout.to_string(),
        authorize.to_string(),
        badges.to_string(),
        progress.to_string(),
    );
    vec![
        (
            "evaluate",
            checkout.clone(),
            engine.evaluate_json(&checkout),
        ),
        (
            "authorize",
            authorize.clone(),
            engine.authorize_json(&authorize),
        ),
        ("badges", badges.clone(), engine.badges_json(&badges)),
        (
            "progress",
            progress.clone(),
            engine.progress_json(&progress),
        ),
    ]
}

#[test]
fn serve_guards_tokens_refuses_inline_profiles_and_cuts_off_slow_clients() {
    let root = repo();
    let Some(module) = core_module(&root) else {
        return;
    };
    let dir =
        Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("serve-tokens-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let token_file = dir.join("tokens");
    std::fs::write(&token_file, "# the back office\n\nback-office-token\n").unwrap();
    let (server, addr) = spawn_maple(
        &root,
        &module,
        &[
            "--token-file",
            token_file.to_str().unwrap(),
            "--header-timeout",
            "1",
        ],
    );
    let request = std::fs::read_to_string(root.join("examples/maple.request.json")).unwrap();
    let token = "authorization: Bearer back-office-token";

    // /healthz is open; everything else wants the token.
    let (status, _, body) = http(addr, "GET", "/healthz", "");
    assert_eq!((status, body.as_str()), (200, r#"{"status":"ok"}"#));
    for headers in [&[][..], &["authorization: Bearer nope"][..]] {
        let (status, head, body) = http_with(addr, "POST", "/v1/evaluate", headers, &request);
        assert_eq!(
            (status, code(&body).as_str()),
            (401, "E0516"),
            "{headers:?}"
        );
        assert!(head.contains("www-authenticate: bearer"), "{head}");
    }
    let (status, _, served) = http_with(addr, "POST", "/v1/evaluate", &[token], &request);
    assert_eq!(status, 200, "{served}");
    let engine = procura::Engine::from_json(
        &std::fs::read_to_string(root.join("examples/maple.procura")).unwrap(),
        Some(&std::fs::read_to_string(root.join("examples/maple.directory.json")).unwrap()),
    )
    .unwrap();
    assert_eq!(served, engine.evaluate_json(&request));

    // Inline profiles: 400, E0515, on every question.
    let inline = maple_inline_requests(&root);
    for (route, request, _) in &inline {
        let (status, _, body) = http_with(addr, "POST", &format!("/v1/{route}"), &[token], request);
        assert_eq!(
            (status, code(&body).as_str()),
            (400, "E0515"),
            "{route}: {body}"
        );
    }

    // 20 connections that send half a request line and stop are closed by the server.
    let mut slow: Vec<TcpStream> = (0..20)
        .map(|_| {
            let mut stream = TcpStream::connect(addr).unwrap();
            stream.write_all(b"POST /v1/evaluate HT").unwrap();
            stream
        })
        .collect();
    let started = std::time::Instant::now();
    for stream in &mut slow {
        let left = Duration::from_secs(15).saturating_sub(started.elapsed());
        stream
            .set_read_timeout(Some(left.max(Duration::from_millis(1))))
            .unwrap();
        let mut buffer = [0u8; 256];
        match stream.read(&mut buffer) {
            Ok(0) => {}
            Ok(n) => panic!("a slow client got an answer: {:?}", &buffer[..n]),
            Err(error) => assert!(
                !matches!(
                    error.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ),
                "a slow connection was still open after 15 s"
            ),
        }
    }
    drop(server);

    // With --trust-inline-profiles the same requests get the native answers.
    let (_trusting, addr) = spawn_maple(&root, &module, &["--trust-inline-profiles"]);
    for (route, request, native) in &inline {
        let (status, _, body) = http(addr, "POST", &format!("/v1/{route}"), request);
        assert_eq!(&body, native, "{route}");
        assert_eq!(status, 200, "{route}: {body}");
    }
}

#[test]
fn serve_refuses_an_empty_token_file() {
    let root = repo();
    let Some(module) = core_module(&root) else {
        return;
    };
    let dir =
        Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("serve-empty-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let token_file = dir.join("tokens");
    std::fs::write(&token_file, "# nothing here\n\n").unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_procura"))
        .current_dir(&root)
        .args([
            "serve",
            "--addr",
            "127.0.0.1:0",
            "--policy",
            "examples/maple.procura",
            "--token-file",
        ])
        .arg(&token_file)
        .arg("--module")
        .arg(&module)
        .arg("--module-cache")
        .arg(env!("CARGO_TARGET_TMPDIR"))
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("holds no token"), "{stderr}");
}

#[test]
fn serve_runs_invoices_and_writes_csv_reports() {
    let root = repo();
    let Some(module) = core_module(&root) else {
        return;
    };
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("serve-reports-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let token_file = dir.join("tokens");
    std::fs::write(&token_file, "report-token\n").unwrap();
    let policy = "tests/conformance/policies/invoice-run.procura";
    let (server, addr) = spawn(
        &root,
        &module,
        &["--policy", policy],
        &["--token-file", token_file.to_str().unwrap()],
    );
    let token = "authorization: Bearer report-token";
    let case: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(
            root.join("tests/conformance/cases/reports/001-default-orders-report.json"),
        )
        .unwrap(),
    )
    .unwrap();
    let request = case["request"].to_string();
    let run = case["request"]["run"].to_string();
    let csv = case["expect"]["result"].as_str().unwrap();
    let engine =
        procura::Engine::from_json(&std::fs::read_to_string(root.join(policy)).unwrap(), None)
            .unwrap();

    // The same bearer token as every route.
    for route in ["invoice-run", "report-csv"] {
        let (status, _, body) = http(addr, "POST", &format!("/v1/{route}"), &request);
        assert_eq!((status, code(&body).as_str()), (401, "E0516"), "{route}");
    }
    // An invoice run: the engine's answer, byte for byte.
    let (status, head, body) = http_with(addr, "POST", "/v1/invoice-run", &[token], &run);
    assert_eq!(status, 200, "{body}");
    assert!(head.contains("content-type: application/json"), "{head}");
    assert!(head.contains("x-decision-id"), "{head}");
    assert_eq!(body, engine.invoice_run_json(&run));
    // A CSV report as JSON by default ...
    let (status, head, body) = http_with(addr, "POST", "/v1/report-csv", &[token], &request);
    assert_eq!(status, 200, "{body}");
    assert!(head.contains("content-type: application/json"), "{head}");
    let answer: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(answer["type"], "success");
    assert_eq!(answer["result"], csv);
    // ... and the bare CSV with `Accept: text/csv`.
    for accept in [
        "accept: text/csv",
        "accept: application/json, text/csv;q=0.9",
    ] {
        let (status, head, body) =
            http_with(addr, "POST", "/v1/report-csv", &[token, accept], &request);
        assert_eq!(status, 200, "{body}");
        assert!(
            head.contains("content-type: text/csv; charset=utf-8"),
            "{head}"
        );
        assert_eq!(body, csv);
    }
    // A failure stays JSON, with its status: an unknown column is E0605, 422.
    let unknown = serde_json::json!({
        "run": case["request"]["run"],
        "report": {"name": "x", "rows": "orders", "columns": ["nope"]},
    })
    .to_string();
    let (status, head, body) = http_with(
        addr,
        "POST",
        "/v1/report-csv",
        &[token, "accept: text/csv"],
        &unknown,
    );
    assert_eq!((status, code(&body).as_str()), (422, "E0605"), "{body}");
    assert!(head.contains("content-type: application/json"), "{head}");
    // Malformed: 400, E0101 at its key.
    let (status, _, body) = http_with(addr, "POST", "/v1/report-csv", &[token], r#"{"x":1}"#);
    assert_eq!((status, code(&body).as_str()), (400, "E0101"), "{body}");
    drop(server);
}

/// `procura serve` that is expected to refuse to start: its exit code and stderr.
fn serve_refused(module: &Path, args: &[&std::ffi::OsStr]) -> (Option<i32>, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_procura"))
        .current_dir(repo())
        .args(["serve", "--addr", "127.0.0.1:0", "--module"])
        .arg(module)
        .arg("--module-cache")
        .arg(env!("CARGO_TARGET_TMPDIR"))
        .args(args)
        .output()
        .unwrap();
    (
        output.status.code(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[test]
fn serve_takes_an_artifact_pinned_by_its_hash_and_refuses_damaged_or_other_ones() {
    let root = repo();
    let Some(module) = core_module(&root) else {
        return;
    };
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("serve-artifact-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let source = std::fs::read_to_string(root.join("examples/maple.procura")).unwrap();
    let directory = std::fs::read_to_string(root.join("examples/maple.directory.json")).unwrap();
    let engine = procura::Engine::from_json(&source, Some(&directory)).unwrap();
    let hash = engine.policy().hash;
    let artifact = dir.join("maple.pcy");
    std::fs::write(&artifact, engine.artifact(false)).unwrap();

    // Damaged: refused at start with its code, exit 1.
    let mut bytes = engine.artifact(false);
    bytes.truncate(bytes.len() - 3);
    let damaged = dir.join("damaged.pcy");
    std::fs::write(&damaged, bytes).unwrap();
    let (code, stderr) = serve_refused(&module, &["--policy".as_ref(), damaged.as_os_str()]);
    assert_eq!(code, Some(1), "{stderr}");
    assert!(
        stderr.contains("is refused") && stderr.contains("error[E0701]"),
        "{stderr}"
    );

    // Another hash pinned: refused at start with E0704, exit 1.
    let other = format!("sha256:{}", "0".repeat(64));
    let (code, stderr) = serve_refused(
        &module,
        &[
            "--policy".as_ref(),
            artifact.as_os_str(),
            "--expect-hash".as_ref(),
            other.as_ref(),
        ],
    );
    assert_eq!(code, Some(1), "{stderr}");
    assert!(
        stderr.contains("error[E0704]") && stderr.contains(&hash),
        "{stderr}"
    );
    // Not a hash at all: a usage error.
    let (code, stderr) = serve_refused(
        &module,
        &[
            "--policy".as_ref(),
            artifact.as_os_str(),
            "--expect-hash".as_ref(),
            "abc".as_ref(),
        ],
    );
    assert_eq!(code, Some(2), "{stderr}");

    // Pinned to its own hash: served, and it says so.
    let policy = artifact.to_str().unwrap();
    let (server, addr) = spawn(
        &root,
        &module,
        &[
            "--policy",
            policy,
            "--directory",
            "examples/maple.directory.json",
        ],
        &["--expect-hash", &hash],
    );
    let (status, _, info) = http(addr, "GET", "/v1/policy", "");
    assert_eq!(status, 200, "{info}");
    let info: serde_json::Value = serde_json::from_str(&info).unwrap();
    assert_eq!(
        (info["kind"].as_str(), info["hash"].as_str()),
        (Some("artifact"), Some(hash.as_str()))
    );
    let request = std::fs::read_to_string(root.join("examples/maple.request.json")).unwrap();
    let (status, _, served) = http(addr, "POST", "/v1/evaluate", &request);
    assert_eq!(status, 200, "{served}");
    assert_eq!(served, engine.evaluate_json(&request));
    drop(server);
}
