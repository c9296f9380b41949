#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]
//! The service's records: the decision log (every answered decision has its line, with the
//! id the client saw; redaction; rotation; a log that cannot be written withholds the
//! decision with 503 `E0519`) and `GET /metrics` (its counters add up to the requests sent,
//! scraped during a load run; behind the tokens unless public). Every test has an overall
//! timeout; none asserts a latency.

mod common;

use std::collections::BTreeSet;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use procura_host::client::Connection;
use procura_host::decision_log::{parse_line, Entry, LogConfig, RedactPath, REDACTED};
use procura_host::errors::DECISION_NOT_LOGGED;
use procura_host::load::{self, Request};
use procura_host::server::{self, Config, Service, Tokens, DECISION_ID};
use procura_host::CoreModule;
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::oneshot;

use common::{core, maple_progress_request, read, repo};

struct Running {
    addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
}

impl Drop for Running {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

async fn start(core: &CoreModule, config: Config) -> Running {
    let service = Service::new(core.clone(), config).unwrap();
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = oneshot::channel::<()>();
    tokio::spawn(server::serve(listener, service, async {
        let _ = stopped.await;
    }));
    Running {
        addr,
        stop: Some(stop),
    }
}

fn maple_config() -> Config {
    let mut config = Config::new(
        repo().join("examples/maple.procura"),
        Some(repo().join("examples/maple.directory.json")),
    );
    config.poll = None;
    config.instances = 2;
    config
}

/// A fresh, empty folder for one test's logs.
fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn within<F: std::future::Future<Output = ()>>(seconds: u64, test: F) {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
        .block_on(async {
            tokio::time::timeout(Duration::from_secs(seconds), test)
                .await
                .unwrap_or_else(|_| panic!("the test did not finish within {seconds} s"));
        });
}

/// Every entry of a log file, each line required to read.
fn entries(path: &Path) -> Vec<Entry> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(|line| parse_line(line).unwrap_or_else(|problem| panic!("{problem:?}: {line}")))
        .collect()
}

/// A GET with an optional bearer token on a fresh connection: status and body.
async fn get(addr: SocketAddr, path: &str, token: Option<&str>) -> (u16, String) {
    let authorization = token
        .map(|token| format!("authorization: Bearer {token}\r\n"))
        .unwrap_or_default();
    let mut stream = TcpStream::connect(addr).await.unwrap();
    let request =
        format!("GET {path} HTTP/1.1\r\nhost: test\r\n{authorization}connection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).await.unwrap();
    let (head, body) = response.split_once("\r\n\r\n").unwrap();
    let status = head.split(' ').nth(1).unwrap().parse().unwrap();
    (status, body.to_owned())
}

/// The sum of a metric's samples whose line starts with `prefix` (name and labels).
fn sum(metrics: &str, prefix: &str) -> f64 {
    metrics
        .lines()
        .filter(|line| line.starts_with(prefix))
        .map(|line| line.rsplit(' ').next().unwrap().parse::<f64>().unwrap())
        .sum()
}

fn maple_requests() -> Vec<Request> {
    let checkout = |file: &str| Request {
        path: "/v1/evaluate".into(),
        body: read(file).into_bytes(),
    };
    vec![
        checkout("examples/maple.request.json"),
        checkout("examples/maple.large-order.json"),
        Request {
            path: "/v1/progress".into(),
            body: maple_progress_request().into_bytes(),
        },
    ]
}

#[test]
fn metrics_scraped_during_a_load_run_add_up_to_the_requests_sent() {
    let Some(core) = core() else { return };
    within(300, async {
        let dir = scratch("metrics-load");
        let mut config = maple_config();
        config.decision_log = Some(LogConfig::new(dir.join("decisions.jsonl")));
        let running = start(&core, config).await;
        let addr = running.addr;
        const TOTAL: usize = 900;
        let done = Arc::new(AtomicUsize::new(0));
        let load = tokio::spawn(load::run(
            addr,
            Arc::new(maple_requests()),
            TOTAL,
            16,
            Some(Arc::clone(&done)),
        ));
        // Scrape while the load runs: never more decisions than requests sent, never fewer
        // than answers received before the scrape.
        let mut scrapes = 0;
        while done.load(Ordering::Relaxed) < TOTAL && !load.is_finished() {
            let received = done.load(Ordering::Relaxed);
            let (status, metrics) = get(addr, "/metrics", None).await;
            assert_eq!(status, 200, "{metrics}");
            let decided = sum(&metrics, "procura_decisions_total{");
            assert!(
                (received as f64) <= decided && decided <= TOTAL as f64,
                "{received} received, {decided} counted"
            );
            scrapes += 1;
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        let samples = load.await.unwrap();
        assert_eq!(samples.len(), TOTAL);
        assert!(
            samples.iter().all(|s| s.status == Some(200)),
            "a request failed"
        );

        let (_, metrics) = get(addr, "/metrics", None).await;
        let n = TOTAL as f64;
        assert_eq!(sum(&metrics, "procura_decisions_total{"), n, "{metrics}");
        // The Maple checkouts: ana's order is blocked, the large order needs approval.
        let third = (TOTAL / 3) as f64;
        let count = |prefix: &str| sum(&metrics, prefix);
        assert_eq!(
            count(r#"procura_decisions_total{endpoint="evaluate",outcome="blocked"}"#),
            third
        );
        assert_eq!(
            count(r#"procura_decisions_total{endpoint="evaluate",outcome="approvalRequired"}"#),
            third
        );
        assert_eq!(
            count(r#"procura_decisions_total{endpoint="progress",outcome="success"}"#),
            third
        );
        assert_eq!(count("procura_errors_total"), 0.0, "{metrics}");
        assert_eq!(count("procura_request_duration_seconds_count"), n);
        assert_eq!(count("procura_fuel_used_count"), n);
        assert!(count("procura_fuel_used_sum") > n, "{metrics}");
        assert_eq!(count("procura_decision_log_wait_seconds_count"), n);
        assert_eq!(count("procura_decision_log_queue_depth"), 0.0);
        assert_eq!(count("procura_pool_instances_max"), 2.0);
        let live = count("procura_pool_instances ");
        assert!((1.0..=2.0).contains(&live), "{metrics}");
        assert!(scrapes > 0);

        // And the log has a line for every answer, under the id the client saw.
        let logged: BTreeSet<String> = entries(&dir.join("decisions.jsonl"))
            .into_iter()
            .map(|entry| entry.decision_id)
            .collect();
        assert_eq!(logged.len(), TOTAL);
        for sample in &samples {
            assert!(logged.contains(sample.decision_id.as_ref().unwrap()));
        }
    });
}

#[test]
fn metrics_want_the_token_unless_public() {
    let Some(core) = core() else { return };
    within(120, async {
        let mut config = maple_config();
        config.tokens = Some(Tokens::parse("secret-one\n"));
        let guarded = start(&core, config.clone()).await;
        config.metrics_public = true;
        let public = start(&core, config).await;

        assert_eq!(get(guarded.addr, "/metrics", None).await.0, 401);
        assert_eq!(get(guarded.addr, "/metrics", Some("wrong")).await.0, 401);
        let (status, metrics) = get(guarded.addr, "/metrics", Some("secret-one")).await;
        assert_eq!(status, 200);
        // The two refusals are counted.
        assert_eq!(sum(&metrics, r#"procura_errors_total{code="E0516"}"#), 2.0);

        assert_eq!(get(public.addr, "/metrics", None).await.0, 200);
        // Only /metrics is public: the decisions still want the token.
        assert_eq!(get(public.addr, "/v1/policy", None).await.0, 401);
    });
}

#[test]
fn a_log_line_holds_the_decision_with_the_redacted_fields_marked() {
    let Some(core) = core() else { return };
    within(120, async {
        let dir = scratch("redaction");
        let path = dir.join("decisions.jsonl");
        let mut log = LogConfig::new(&path);
        log.redact = ["order.shipTo", "order.lines[].unitPrice", "context.budgets"]
            .into_iter()
            .map(|path| RedactPath::parse(path).unwrap())
            .collect();
        let mut config = maple_config();
        config.decision_log = Some(log);
        let running = start(&core, config).await;
        let mut connection = Connection::open(running.addr).await.unwrap();
        let text = read("examples/maple.request.json");
        // Pretty-printed by the client: the line is still one line.
        let pretty = serde_json::to_string_pretty(&serde_json::from_str::<Value>(&text).unwrap());
        let response = connection
            .post_json("/v1/evaluate", pretty.unwrap().as_bytes())
            .await
            .unwrap();
        assert_eq!(response.status, 200);

        let entries = entries(&path);
        assert_eq!(entries.len(), 1);
        let entry = &entries[0];
        assert_eq!(
            Some(entry.decision_id.as_str()),
            response.header(DECISION_ID)
        );
        assert_eq!(entry.endpoint, "evaluate");
        assert_eq!(entry.status, 200);
        assert_eq!(entry.policy.name, "Maple School District");
        assert_eq!(
            entry.answer,
            serde_json::from_slice::<Value>(&response.body).unwrap()
        );
        assert_eq!(entry.policy.hash, entry.answer["result"]["policy"]["hash"]);
        assert!(
            entry.time.parse::<jiff::Timestamp>().is_ok(),
            "{}",
            entry.time
        );
        assert!(entry.time.ends_with('Z'), "{}", entry.time);

        let mut expected: Value = serde_json::from_str(&text).unwrap();
        expected["order"]["shipTo"] = REDACTED.into();
        expected["context"]["budgets"] = REDACTED.into();
        for line in expected["order"]["lines"].as_array_mut().unwrap() {
            line["unitPrice"] = REDACTED.into();
        }
        assert_eq!(entry.request, expected);
        let line = std::fs::read_to_string(&path).unwrap();
        assert!(line.ends_with("}\n") && line.lines().count() == 1, "{line}");
    });
}

#[test]
fn rotation_keeps_the_newest_files_and_never_splits_a_line() {
    let Some(core) = core() else { return };
    within(180, async {
        let dir = scratch("rotation");
        let path = dir.join("decisions.jsonl");
        let mut log = LogConfig::new(&path);
        log.max_bytes = Some(30_000);
        log.keep = 2;
        let mut config = maple_config();
        config.decision_log = Some(log);
        let running = start(&core, config).await;
        let mut connection = Connection::open(running.addr).await.unwrap();
        let request = read("examples/maple.request.json");
        let mut ids = Vec::new();
        for _ in 0..40 {
            let response = connection
                .post_json("/v1/evaluate", request.as_bytes())
                .await
                .unwrap();
            assert_eq!(response.status, 200);
            ids.push(response.header(DECISION_ID).unwrap().to_owned());
        }
        let rotated = |n: usize| dir.join(format!("decisions.jsonl.{n}"));
        assert!(rotated(1).exists() && rotated(2).exists());
        assert!(!rotated(3).exists(), "only 2 rotated files are kept");
        // Oldest file first: the lines kept are the newest decisions, in order, each whole.
        let mut kept = Vec::new();
        for file in [rotated(2), rotated(1), path.clone()] {
            let size = std::fs::metadata(&file).unwrap().len();
            assert!(size <= 30_000, "{} has {size} bytes", file.display());
            kept.extend(entries(&file).into_iter().map(|entry| entry.decision_id));
        }
        assert!(kept.len() < ids.len(), "older files were deleted");
        assert_eq!(kept, ids[ids.len() - kept.len()..]);
    });
}

#[cfg(target_os = "linux")]
#[test]
fn a_decision_that_cannot_be_logged_is_withheld_with_503() {
    let Some(core) = core() else { return };
    within(120, async {
        // Every write to /dev/full fails with "no space left on device".
        let mut config = maple_config();
        config.decision_log = Some(LogConfig::new("/dev/full"));
        let running = start(&core, config).await;
        let mut connection = Connection::open(running.addr).await.unwrap();
        let request = read("examples/maple.request.json");
        for _ in 0..3 {
            let response = connection
                .post_json("/v1/evaluate", request.as_bytes())
                .await
                .unwrap();
            assert_eq!(response.status, 503, "{}", response.text());
            let answer: Value = serde_json::from_slice(&response.body).unwrap();
            assert_eq!(answer["errors"][0]["code"], DECISION_NOT_LOGGED);
            assert!(
                !response.text().contains("\"outcome\""),
                "the decision is withheld"
            );
            assert_eq!(response.header(DECISION_ID), None);
        }
        let (_, metrics) = get(running.addr, "/metrics", None).await;
        assert_eq!(sum(&metrics, r#"procura_errors_total{code="E0519"}"#), 3.0);
        assert_eq!(
            sum(
                &metrics,
                r#"procura_decisions_total{endpoint="evaluate",outcome="failure"}"#
            ),
            3.0
        );
    });
}

#[test]
fn reloads_are_counted_by_result() {
    let Some(core) = core() else { return };
    let dir = scratch("reload-metrics");
    let policy = dir.join("maple.procura");
    let source = read("examples/maple.procura");
    std::fs::write(&policy, &source).unwrap();
    let mut config = Config::new(&policy, Some(repo().join("examples/maple.directory.json")));
    config.poll = None;
    config.instances = 1;
    let service = Service::new(core, config).unwrap();
    let count = |result: &str| {
        sum(
            &service.metrics_text(),
            &format!(r#"procura_reloads_total{{result="{result}"}}"#),
        )
    };
    // Different sizes, so that the change is seen whatever the clock's resolution.
    std::fs::write(&policy, "policy \"broken\" {").unwrap();
    assert!(matches!(
        service.reload_if_changed(),
        server::Reload::Rejected { .. }
    ));
    std::fs::write(&policy, format!("{source}\n// a comment\n")).unwrap();
    assert!(matches!(
        service.reload_if_changed(),
        server::Reload::Reloaded { .. }
    ));
    assert_eq!(service.reload_if_changed(), server::Reload::Unchanged);
    assert_eq!((count("rejected"), count("reloaded")), (1.0, 1.0));
    assert_eq!(
        sum(&service.metrics_text(), "procura_pool_instances_max"),
        1.0
    );
}
