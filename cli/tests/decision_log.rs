#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]
//! `procura serve --decision-log` as a child process, killed (SIGKILL) in the middle of a
//! load: every response a client received has its line in the log. Then `procura replay`
//! over a log whose last line was cut short: the line is reported (number, code) and the
//! rest replayed, with the report of `procura impact` (which reads the log too).
//!
//! Needs the core module (`scripts/build-core.sh`); skipped loudly without it, unless
//! `PROCURA_REQUIRE_CORE=1` (as in `scripts/test.sh`). Nothing here depends on timing: the
//! timeouts only turn a hang into a failure.

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{mpsc, Arc};
use std::time::{Duration, Instant};

use common::{example, procura, workspace};

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

/// A fresh folder for one test.
fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts `procura serve` on the Maple example with `extra` options; returns it and the
/// address it listens on (read from its `serving addr=…` log line).
fn serve(module: &Path, extra: &[&str]) -> (Server, SocketAddr) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_procura"))
        .current_dir(workspace())
        .args([
            "serve",
            "--policy",
            "examples/maple.procura",
            "--directory",
            "examples/maple.directory.json",
            "--addr",
            "127.0.0.1:0",
            "--poll-ms",
            "0",
            "--module",
        ])
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
    // Keeps reading after the address is found: a service whose stderr is closed answers
    // nothing.
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            let _ = lines.send(line);
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

/// One POST on a fresh connection: the status and `x-decision-id`, or `None` when the
/// exchange failed (the server is gone).
fn post(addr: SocketAddr, path: &str, body: &str) -> Option<(u16, Option<String>)> {
    let mut stream = TcpStream::connect(addr).ok()?;
    stream
        .set_read_timeout(Some(Duration::from_secs(60)))
        .ok()?;
    write!(
        stream,
        "POST {path} HTTP/1.1\r\nhost: {addr}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
        body.len()
    )
    .ok()?;
    let mut response = String::new();
    stream.read_to_string(&mut response).ok()?;
    let (head, _) = response.split_once("\r\n\r\n")?;
    let status = head.split(' ').nth(1)?.parse().ok()?;
    let id = head
        .lines()
        .find_map(|line| line.strip_prefix("x-decision-id: "))
        .map(str::to_owned);
    Some((status, id))
}

#[test]
fn every_decision_a_client_saw_is_logged_when_the_server_is_killed_mid_load() {
    let root = workspace();
    let Some(module) = core_module(&root) else {
        return;
    };
    let dir = scratch("killed");
    let log = dir.join("decisions.jsonl");
    let (mut server, addr) = serve(&module, &["--decision-log", log.to_str().unwrap()]);
    let requests = Arc::new(vec![
        std::fs::read_to_string(example("maple.request.json")).unwrap(),
        std::fs::read_to_string(example("maple.large-order.json")).unwrap(),
    ]);
    let received = Arc::new(AtomicUsize::new(0));
    let gone = Arc::new(AtomicBool::new(false));
    let clients: Vec<_> = (0..8)
        .map(|client| {
            let (requests, received, gone) = (
                Arc::clone(&requests),
                Arc::clone(&received),
                Arc::clone(&gone),
            );
            std::thread::spawn(move || {
                let mut seen = Vec::new();
                for n in client.. {
                    let Some((status, id)) = post(addr, "/v1/evaluate", &requests[n % 2]) else {
                        if gone.load(Ordering::SeqCst) {
                            break;
                        }
                        continue;
                    };
                    assert_eq!(status, 200);
                    seen.push(id.expect("every decision has an id"));
                    received.fetch_add(1, Ordering::SeqCst);
                }
                seen
            })
        })
        .collect();
    // Kill it once the clients have had a few hundred answers, while they keep asking.
    let deadline = Instant::now() + Duration::from_secs(240);
    while received.load(Ordering::SeqCst) < 300 {
        assert!(Instant::now() < deadline, "no 300 answers within 240 s");
        std::thread::sleep(Duration::from_millis(10));
    }
    gone.store(true, Ordering::SeqCst);
    server.0.kill().unwrap(); // SIGKILL: no shutdown, no flush of anything
    server.0.wait().unwrap();
    let seen: Vec<String> = clients
        .into_iter()
        .flat_map(|client| client.join().unwrap())
        .collect();
    assert!(seen.len() >= 300);

    let text = std::fs::read_to_string(&log).unwrap();
    let logged: std::collections::BTreeSet<&str> = text
        .lines()
        .filter_map(|line| line.strip_prefix(r#"{"decisionId":""#))
        .filter_map(|rest| rest.split('"').next())
        .collect();
    let missing: Vec<&String> = seen
        .iter()
        .filter(|id| !logged.contains(id.as_str()))
        .collect();
    assert!(
        missing.is_empty(),
        "{} of {} decisions seen are not in the log, e.g. {:?}",
        missing.len(),
        seen.len(),
        missing.first()
    );
}

#[test]
fn replay_reports_a_cut_line_and_replays_the_rest_like_impact() {
    let root = workspace();
    let Some(module) = core_module(&root) else {
        return;
    };
    let dir = scratch("replay");
    let log = dir.join("decisions.jsonl");
    let (server, addr) = serve(&module, &["--decision-log", log.to_str().unwrap()]);
    let blocked = std::fs::read_to_string(example("maple.request.json")).unwrap();
    let large = std::fs::read_to_string(example("maple.large-order.json")).unwrap();
    for body in [&blocked, &large, &blocked] {
        assert_eq!(post(addr, "/v1/evaluate", body).unwrap().0, 200);
    }
    // A permission check is logged too, and left out of the replay.
    let authorize = r#"{"user":"ana@maple.example","action":"place_orders","group":"north"}"#;
    post(addr, "/v1/authorize", authorize).unwrap();
    drop(server);

    // A crash cut the last line short.
    let text = std::fs::read_to_string(&log).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 4);
    let cut = &lines[0][..lines[0].len() / 2];
    std::fs::write(&log, format!("{text}{cut}")).unwrap();

    // The draft no longer blocks laptops outside IT: ana's two orders change.
    let policy = std::fs::read_to_string(example("maple.procura")).unwrap();
    let draft = policy.replace("  for district and subgroups except it\n", "  for it\n");
    assert_ne!(draft, policy);
    let draft_path = dir.join("draft.procura");
    std::fs::write(&draft_path, draft).unwrap();
    let directory = example("maple.directory.json");
    let (log, draft_path) = (log.to_str().unwrap(), draft_path.to_str().unwrap());

    let replay = procura(
        &[
            "replay",
            "--log",
            log,
            "--policy",
            draft_path,
            "--directory",
            &directory,
            "--format",
            "json",
        ],
        None,
    );
    assert_eq!(replay.code, 1, "{}", replay.stderr);
    assert!(
        replay.stderr.contains(&format!("{log}:5: error[E0520]")),
        "{}",
        replay.stderr
    );
    let report = replay.json();
    assert_eq!(report["summary"]["orders"], 3, "{report:#}");
    assert_eq!(report["summary"]["changed"], 2, "{report:#}");
    let changed: Vec<_> = report["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|change| {
            (
                change["request"].as_u64().unwrap(),
                change["baseOutcome"].clone(),
            )
        })
        .collect();
    assert_eq!(changed, [(1, "blocked".into()), (3, "blocked".into())]);
    assert_eq!(report["changes"][0]["draftOutcome"], "approvalRequired");

    // The same log replayed with the policy that answered: nothing differs.
    let same = procura(
        &[
            "replay",
            "--log",
            log,
            "--policy",
            &example("maple.procura"),
            "--directory",
            &directory,
        ],
        None,
    );
    assert!(
        same.stdout.contains("3 order(s), 0 changed"),
        "{}",
        same.stdout
    );
    assert!(same.stderr.contains("error[E0520]"), "{}", same.stderr);

    // `procura impact` takes the log as its requests, with the same changes.
    let impact = procura(
        &[
            "impact",
            "--base",
            &example("maple.procura"),
            "--draft",
            draft_path,
            "--directory",
            &directory,
            "--requests",
            log,
            "--format",
            "json",
        ],
        None,
    );
    assert_eq!(impact.code, 1, "{}", impact.stderr);
    let impact = impact.json();
    assert_eq!(impact["summary"]["orders"], 3);
    assert_eq!(impact["summary"]["changed"], 2);
    assert_eq!(impact["changes"][0]["kinds"], report["changes"][0]["kinds"]);
    assert_eq!(impact["changes"][0]["rules"], report["changes"][0]["rules"]);
}
