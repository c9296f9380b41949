#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]
//! The HTTP service over loopback: the conformance corpus byte-identical to the native
//! engine, coded 4xx errors, hot reload (also in the middle of a load test), and a request
//! as expensive as can be. Every test has an overall timeout; none asserts a latency.

mod common;

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicUsize;
use std::sync::Arc;
use std::time::{Duration, Instant};

use procura_host::client::Connection;
use procura_host::errors::{BODY_TIMEOUT, INLINE_PROFILE_NOT_TRUSTED, UNAUTHORIZED};
use procura_host::load::{self, Request};
use procura_host::server::{self, Config, Reload, Service, Tokens, DECISION_ID, POLICY_HASH};
use procura_host::{CoreModule, Limits};
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::oneshot;

use common::{
    big_maple_request, cases, core, maple_inline_requests, maple_native, maple_progress_request,
    read, repo, HostCase,
};

/// A running service on 127.0.0.1; stops when dropped.
struct Running {
    addr: SocketAddr,
    service: Arc<Service>,
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
    tokio::spawn(server::serve(listener, Arc::clone(&service), async {
        let _ = stopped.await;
    }));
    Running {
        addr,
        service,
        stop: Some(stop),
    }
}

/// A fresh folder with copies of the Maple policy and directory (for reload tests).
fn maple_folder(name: &str) -> (PathBuf, PathBuf, PathBuf) {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let policy = dir.join("maple.procura");
    let directory = dir.join("maple.directory.json");
    std::fs::copy(repo().join("examples/maple.procura"), &policy).unwrap();
    std::fs::copy(repo().join("examples/maple.directory.json"), &directory).unwrap();
    (dir, policy, directory)
}

fn maple_config() -> Config {
    Config::new(
        repo().join("examples/maple.procura"),
        Some(repo().join("examples/maple.directory.json")),
    )
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

/// Runs `test` with an overall timeout: a hang fails the test instead of the suite.
fn within<F: std::future::Future<Output = ()>>(seconds: u64, test: F) {
    runtime().block_on(async {
        tokio::time::timeout(Duration::from_secs(seconds), test)
            .await
            .unwrap_or_else(|_| panic!("the test did not finish within {seconds} s"));
    });
}

#[test]
fn the_conformance_corpus_over_http_is_byte_identical() {
    let Some(core) = core() else { return };
    within(300, async {
        // One service per (policy, directory) pair of the corpus, each on its own port.
        let mut groups: BTreeMap<(String, Option<String>), Vec<common::Case>> = BTreeMap::new();
        for case in cases().into_iter().filter(|c| c.query().is_some()) {
            groups
                .entry((case.policy_path.clone(), case.directory.clone()))
                .or_default()
                .push(case);
        }
        let scratch =
            Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("corpus-{}", std::process::id()));
        std::fs::create_dir_all(&scratch).unwrap();
        let (mut compared, mut failures) = (0, Vec::new());
        // Each policy twice: as its source, and as its artifact (built natively, served from a
        // `.pcy` file): the same bytes either way.
        let services = groups
            .iter()
            .enumerate()
            .flat_map(|(i, group)| [(i, group, false), (i, group, true)]);
        for (i, ((policy, directory), group), as_artifact) in services {
            let directory_file = directory.as_ref().map(|text| {
                let path = scratch.join(format!("directory-{i}.json"));
                std::fs::write(&path, text).unwrap();
                path
            });
            let source_file = repo().join("tests/conformance").join(policy);
            let policy_file = if as_artifact {
                let source = std::fs::read_to_string(&source_file).unwrap();
                let engine = procura::Engine::from_json(&source, directory.as_deref()).unwrap();
                let path = scratch.join(format!("policy-{i}.pcy"));
                std::fs::write(&path, engine.artifact(false)).unwrap();
                path
            } else {
                source_file
            };
            let mut config = Config::new(policy_file, directory_file);
            config.poll = None;
            config.instances = 1;
            config.trust_inline_profiles = true; // the corpus has inline profiles
            let running = start(&core, config).await;
            let mut connection = Connection::open(running.addr).await.unwrap();
            for case in group {
                let path = format!("/v1/{}", case.query().unwrap().route());
                let request = case.request.as_deref().unwrap();
                let response = connection
                    .post_json(&path, request.as_bytes())
                    .await
                    .unwrap();
                let expected = case.native_answer();
                if response.body != expected.as_bytes() {
                    failures.push(format!(
                        "{}{} (is pkg/core/procura.wasm up to date? scripts/build-core.sh)\n  http:   {}\n  native: {expected}",
                        case.name,
                        if as_artifact { " (artifact)" } else { "" },
                        response.text()
                    ));
                }
                let success = expected.starts_with(r#"{"type":"success""#);
                assert_eq!(
                    response.status == 200,
                    success,
                    "{}: {}",
                    case.name,
                    response.status
                );
                assert!(response.header(DECISION_ID).is_some());
                compared += 1;
            }
        }
        assert!(
            failures.is_empty(),
            "{} cases differ:\n{}",
            failures.len(),
            failures.join("\n") + &common::stale_hint()
        );
        assert!(compared >= 200, "only {compared} cases");
        println!(
            "{compared} conformance answers byte-identical over HTTP ({} policies, each served as source and as artifact)",
            groups.len()
        );
    });
}

#[test]
fn maple_over_http_is_the_native_answer_and_errors_are_coded() {
    let Some(core) = core() else { return };
    within(120, async {
        let mut config = maple_config();
        config.poll = None;
        let running = start(&core, config).await;
        let mut http = Connection::open(running.addr).await.unwrap();
        let native = procura::Engine::from_json(
            &read("examples/maple.procura"),
            Some(&read("examples/maple.directory.json")),
        )
        .unwrap();
        let request = read("examples/maple.request.json");

        let ok = http
            .post_json("/v1/evaluate", request.as_bytes())
            .await
            .unwrap();
        assert_eq!(ok.status, 200);
        assert_eq!(ok.text(), native.evaluate_json(&request));
        assert_eq!(ok.header("content-type"), Some("application/json"));
        assert_eq!(ok.header(POLICY_HASH), Some(native.policy().hash.as_str()));
        let first_id = ok.header(DECISION_ID).unwrap().to_owned();
        let again = http
            .post_json("/v1/evaluate", request.as_bytes())
            .await
            .unwrap();
        assert_ne!(
            again.header(DECISION_ID).unwrap(),
            first_id,
            "decision ids are unique"
        );

        let approvals = maple_progress_request();
        let progress = http
            .post_json("/v1/progress", approvals.as_bytes())
            .await
            .unwrap();
        assert_eq!(progress.status, 200);
        assert_eq!(progress.text(), native.progress_json(&approvals));

        // Malformed JSON: 400 with the engine's own E0101 answer.
        let bad = http
            .post_json("/v1/evaluate", b"{\"buyer\": ")
            .await
            .unwrap();
        assert_eq!(bad.status, 400);
        assert_eq!(bad.text(), native.evaluate_json("{\"buyer\": "));
        assert!(bad.text().contains(r#""code":"E0101""#));

        // A request the engine rejects for what it names: 422, the engine's answer.
        let unknown = request.replace("ana@maple.example", "nobody@maple.example");
        let rejected = http
            .post_json("/v1/evaluate", unknown.as_bytes())
            .await
            .unwrap();
        assert_eq!(rejected.status, 422);
        assert_eq!(rejected.text(), native.evaluate_json(&unknown));

        // Wrong or missing content type: 415, coded.
        for content_type in [Some("text/plain"), None, Some("application/jsonx")] {
            let response = http
                .request("POST", "/v1/evaluate", content_type, request.as_bytes())
                .await
                .unwrap();
            assert_eq!(response.status, 415, "{content_type:?}");
            assert!(
                response.text().contains(r#""code":"E0511""#),
                "{}",
                response.text()
            );
            assert!(response.header(DECISION_ID).is_some());
        }
        let charset = http
            .request(
                "POST",
                "/v1/evaluate",
                Some("application/json; charset=utf-8"),
                request.as_bytes(),
            )
            .await
            .unwrap();
        assert_eq!(charset.status, 200);

        // Oversize body: a declared length over the limit is answered 413, coded, before a
        // byte of the body is read (so the test sends none: no race with the close).
        let mut big = TcpStream::connect(running.addr).await.unwrap();
        big.write_all(
            b"POST /v1/evaluate HTTP/1.1\r\nhost: test\r\ncontent-type: application/json\r\ncontent-length: 1048577\r\n\r\n",
        )
        .await
        .unwrap();
        let mut response = Vec::new();
        tokio::time::timeout(Duration::from_secs(60), big.read_to_end(&mut response))
            .await
            .unwrap()
            .unwrap();
        let response = String::from_utf8_lossy(&response);
        assert!(response.starts_with("HTTP/1.1 413"), "{response}");
        assert!(response.contains(r#""code":"E0102""#), "{response}");

        // Unknown route and wrong method: coded 404 and 405.
        let mut http = Connection::open(running.addr).await.unwrap();
        let missing = http.post_json("/v1/nothing", b"{}").await.unwrap();
        assert_eq!(missing.status, 404);
        assert!(missing.text().contains(r#""code":"E0512""#));
        let method = http.get("/v1/evaluate").await.unwrap();
        assert_eq!(method.status, 405);
        assert!(method.text().contains(r#""code":"E0513""#));

        // The policy and health routes.
        let policy = http.get("/v1/policy").await.unwrap();
        assert_eq!(policy.status, 200);
        let policy: Value = serde_json::from_slice(&policy.body).unwrap();
        assert_eq!(policy["name"], native.policy().name);
        assert_eq!(policy["hash"], native.policy().hash);
        assert!(policy["loadedAt"].as_str().unwrap().ends_with('Z'));
        let health = http.get("/healthz").await.unwrap();
        assert_eq!(
            (health.status, health.text().as_str()),
            (200, r#"{"status":"ok"}"#)
        );
    });
}

#[test]
fn a_changed_policy_is_reloaded_and_a_broken_one_rejected() {
    let Some(core) = core() else { return };
    within(120, async {
        let (_dir, policy_file, directory_file) = maple_folder("reload");
        let mut config = Config::new(&policy_file, Some(directory_file.clone()));
        config.poll = Some(Duration::from_millis(100));
        let running = start(&core, config).await;
        let mut http = Connection::open(running.addr).await.unwrap();
        let hash_now = |body: &[u8]| -> String {
            serde_json::from_slice::<Value>(body).unwrap()["hash"]
                .as_str()
                .unwrap()
                .to_owned()
        };
        let old = hash_now(&http.get("/v1/policy").await.unwrap().body);

        // A new version: the watcher compiles and swaps it in.
        let source = read("examples/maple.procura");
        std::fs::write(&policy_file, format!("{source}\n// reloaded\n")).unwrap();
        let new = procura::Engine::from_json(
            &format!("{source}\n// reloaded\n"),
            Some(&read("examples/maple.directory.json")),
        )
        .unwrap()
        .policy()
        .hash;
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let hash = hash_now(&http.get("/v1/policy").await.unwrap().body);
            if hash != old {
                assert_eq!(hash, new);
                break;
            }
            assert!(
                Instant::now() < deadline,
                "the new policy was not picked up"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let request = read("examples/maple.request.json");
        let answer = http
            .post_json("/v1/evaluate", request.as_bytes())
            .await
            .unwrap();
        assert_eq!(
            load::answer_hash(&answer.body).as_deref(),
            Some(new.as_str())
        );

        // A version that does not compile: rejected, the last good one keeps serving.
        std::fs::write(&policy_file, "policy \"broken\" {").unwrap();
        let service = Arc::clone(&running.service);
        let outcome = tokio::task::spawn_blocking(move || service.reload_if_changed())
            .await
            .unwrap();
        assert!(
            matches!(&outcome, Reload::Rejected { answer } if answer.contains(r#""type":"failure""#))
                || outcome == Reload::Unchanged, // the watcher saw it first
            "{outcome:?}"
        );
        tokio::time::sleep(Duration::from_millis(300)).await;
        assert_eq!(hash_now(&http.get("/v1/policy").await.unwrap().body), new);
        let answer = http
            .post_json("/v1/evaluate", request.as_bytes())
            .await
            .unwrap();
        assert_eq!(answer.status, 200);
        assert_eq!(
            load::answer_hash(&answer.body).as_deref(),
            Some(new.as_str())
        );

        // A directory that is not JSON: rejected too.
        std::fs::write(&policy_file, format!("{source}\n// reloaded\n")).unwrap();
        tokio::time::sleep(Duration::from_millis(300)).await;
        std::fs::write(&directory_file, "{").unwrap();
        tokio::time::sleep(Duration::from_millis(300)).await;
        assert_eq!(hash_now(&http.get("/v1/policy").await.unwrap().body), new);
    });
}

/// `GET /v1/policy`'s `hash` and `kind`.
async fn policy_info(http: &mut Connection) -> (String, String) {
    let info: Value = serde_json::from_slice(&http.get("/v1/policy").await.unwrap().body).unwrap();
    (
        info["hash"].as_str().unwrap().to_owned(),
        info["kind"].as_str().unwrap().to_owned(),
    )
}

/// The Maple policy with `comment` appended: another policy hash, the same decisions.
fn maple_variant(comment: &str) -> (String, procura::Engine) {
    let source = format!("{}\n// {comment}\n", read("examples/maple.procura"));
    let engine =
        procura::Engine::from_json(&source, Some(&read("examples/maple.directory.json"))).unwrap();
    (source, engine)
}

/// The code of a failure answer's first error.
fn answer_code(answer: &str) -> String {
    let value: Value = serde_json::from_str(answer).unwrap();
    value["errors"][0]["code"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

#[test]
fn artifacts_are_served_refused_when_damaged_or_not_pinned_and_reloaded() {
    let Some(core) = core() else { return };
    within(180, async {
        let (_dir, policy_file, directory_file) = maple_folder("artifact-reload");
        let maple = maple_native(
            procura_host::Query::Evaluate,
            &read("examples/maple.request.json"),
        );
        let source_hash = load::answer_hash(maple.as_bytes()).unwrap();

        // A damaged artifact at start: refused, coded.
        let (_, engine) = maple_variant("artifact");
        let artifact = engine.artifact(false);
        let mut damaged = artifact.clone();
        *damaged.last_mut().unwrap() ^= 1;
        let damaged_file = policy_file.with_extension("pcy");
        std::fs::write(&damaged_file, &damaged).unwrap();
        let refused = Service::new(
            core.clone(),
            Config::new(&damaged_file, Some(directory_file.clone())),
        );
        let Err(server::StartError::Rejected { answer, .. }) = refused else {
            panic!("a damaged artifact was served: {refused:?}");
        };
        assert_eq!(answer_code(&answer), "E0701", "{answer}");

        // A policy whose hash is not the pinned one: refused at start with E0704.
        let mut pinned = Config::new(&policy_file, Some(directory_file.clone()));
        pinned.expect_hash = Some(engine.policy().hash);
        let refused = Service::new(core.clone(), pinned.clone());
        let Err(server::StartError::Rejected { answer, .. }) = refused else {
            panic!("a policy not pinned was served: {refused:?}");
        };
        assert_eq!(answer_code(&answer), "E0704", "{answer}");
        assert!(answer.contains(&source_hash), "{answer}");

        // Source pinned to its own hash; then the artifact of another version comes in: not
        // the pinned one, so refused (E0704) and the source keeps serving.
        pinned.expect_hash = Some(source_hash.clone());
        pinned.poll = None;
        let running = start(&core, pinned).await;
        let mut http = Connection::open(running.addr).await.unwrap();
        assert_eq!(
            policy_info(&mut http).await,
            (source_hash.clone(), "source".to_owned())
        );
        std::fs::write(&policy_file, &artifact).unwrap();
        let service = Arc::clone(&running.service);
        let outcome = tokio::task::spawn_blocking(move || service.reload_if_changed())
            .await
            .unwrap();
        let Reload::Rejected { answer } = &outcome else {
            panic!("{outcome:?}");
        };
        assert_eq!(answer_code(answer), "E0704", "{answer}");
        assert_eq!(
            policy_info(&mut http).await,
            (source_hash.clone(), "source".to_owned())
        );
        drop(running);

        // Unpinned: from source to the artifact, hot; its answers are the native engine's.
        std::fs::write(&policy_file, read("examples/maple.procura")).unwrap();
        let mut config = Config::new(&policy_file, Some(directory_file.clone()));
        config.poll = None;
        let running = start(&core, config).await;
        let mut http = Connection::open(running.addr).await.unwrap();
        std::fs::write(&policy_file, &artifact).unwrap();
        let service = Arc::clone(&running.service);
        let outcome = tokio::task::spawn_blocking(move || service.reload_if_changed())
            .await
            .unwrap();
        assert_eq!(
            outcome,
            Reload::Reloaded {
                from: source_hash.clone(),
                to: engine.policy().hash
            }
        );
        assert_eq!(
            policy_info(&mut http).await,
            (engine.policy().hash, "artifact".to_owned())
        );
        let request = read("examples/maple.request.json");
        let answer = http
            .post_json("/v1/evaluate", request.as_bytes())
            .await
            .unwrap();
        assert_eq!(answer.text(), engine.evaluate_json(&request));

        // A damaged artifact on reload: refused (E0701), the artifact keeps serving.
        std::fs::write(&policy_file, &damaged).unwrap();
        let service = Arc::clone(&running.service);
        let outcome = tokio::task::spawn_blocking(move || service.reload_if_changed())
            .await
            .unwrap();
        let Reload::Rejected { answer } = &outcome else {
            panic!("{outcome:?}");
        };
        assert_eq!(answer_code(answer), "E0701", "{answer}");
        assert_eq!(
            policy_info(&mut http).await,
            (engine.policy().hash, "artifact".to_owned())
        );

        // Back to source: hot too.
        std::fs::write(&policy_file, read("examples/maple.procura")).unwrap();
        let service = Arc::clone(&running.service);
        let outcome = tokio::task::spawn_blocking(move || service.reload_if_changed())
            .await
            .unwrap();
        assert!(matches!(outcome, Reload::Reloaded { .. }), "{outcome:?}");
        assert_eq!(
            policy_info(&mut http).await,
            (source_hash, "source".to_owned())
        );
    });
}

/// ≥ 10,000 requests at 32 concurrent, with a policy reload in the middle: no request lost
/// or failed, every answer names the old or the new hash (and its header the same one),
/// and every request started after the swap names the new one.
#[test]
fn load_with_a_reload_in_the_middle_loses_nothing() {
    let Some(core) = core() else { return };
    const TOTAL: usize = 10_000;
    within(300, async {
        let (_dir, policy_file, directory_file) = maple_folder("load");
        let mut config = Config::new(&policy_file, Some(directory_file));
        config.poll = None; // the test reloads at a known moment
        let running = start(&core, config).await;
        let old = running.service.version().hash.clone();
        let requests = Arc::new(vec![
            Request {
                path: "/v1/evaluate".into(),
                body: read("examples/maple.request.json").into_bytes(),
            },
            Request {
                path: "/v1/evaluate".into(),
                body: read("examples/maple.large-order.json").into_bytes(),
            },
            Request {
                path: "/v1/progress".into(),
                body: maple_progress_request().into_bytes(),
            },
        ]);
        let done = Arc::new(AtomicUsize::new(0));
        let load = tokio::spawn(load::run(
            running.addr,
            requests,
            TOTAL,
            32,
            Some(Arc::clone(&done)),
        ));

        // Halfway, a new policy version.
        while done.load(std::sync::atomic::Ordering::Relaxed) < TOTAL / 2 {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        let source = read("examples/maple.procura");
        std::fs::write(&policy_file, format!("{source}\n// version 2\n")).unwrap();
        let service = Arc::clone(&running.service);
        let reload = tokio::task::spawn_blocking(move || service.reload_if_changed())
            .await
            .unwrap();
        let swapped = Instant::now();
        let Reload::Reloaded { from, to } = reload else {
            panic!("{reload:?}")
        };
        assert_eq!(from, old);
        let new = to;

        let samples = load.await.unwrap();
        assert_eq!(samples.len(), TOTAL, "requests were lost");
        let errors: Vec<_> = samples.iter().filter(|s| s.status != Some(200)).collect();
        assert!(
            errors.is_empty(),
            "{} failed, e.g. {:?}",
            errors.len(),
            errors.first()
        );
        let (mut old_count, mut new_count) = (0, 0);
        for sample in &samples {
            let hash = sample.answer_hash.as_deref().unwrap();
            assert_eq!(
                sample.header_hash.as_deref(),
                Some(hash),
                "header and answer disagree"
            );
            assert!(sample.has_decision_id);
            if hash == old {
                old_count += 1;
                assert!(
                    sample.started < swapped,
                    "request {} started after the swap got the old policy",
                    sample.index
                );
            } else {
                assert_eq!(hash, new, "an unknown policy hash");
                new_count += 1;
            }
        }
        assert!(
            old_count >= TOTAL / 2 - 32 && new_count > 0,
            "old {old_count}, new {new_count}"
        );
        let latencies: Vec<Duration> = samples.iter().map(|s| s.latency).collect();
        println!(
            "{TOTAL} requests at 32 concurrent, reload at {}: 0 errors, {old_count} old, {new_count} new; p50 {:?}, p99 {:?} (debug build, not asserted)",
            TOTAL / 2,
            load::percentile(&latencies, 50.0),
            load::percentile(&latencies, 99.0),
        );
    });
}

#[test]
fn the_most_expensive_request_finishes_or_is_cut_off() {
    let Some(core) = core() else { return };
    within(240, async {
        // 10,000 lines, the engine's limit, against the policy with the most rules in play.
        let mut config = maple_config();
        config.poll = None;
        config.body_limit = 8 * 1024 * 1024;
        let running = start(&core, config).await;
        let big = big_maple_request(10_000);
        let mut http = Connection::open(running.addr).await.unwrap();
        let started = Instant::now();
        let response = http
            .post_json("/v1/evaluate", big.as_bytes())
            .await
            .unwrap();
        let text = response.text();
        let cut_off = r#"{"type":"failure","errors":[{"code":"E0501","message":"evaluation exceeded its budget"}]}"#;
        assert!(
            (response.status == 200 && text.starts_with(r#"{"type":"success""#))
                || (response.status == 422 && text == cut_off),
            "{}: {}",
            response.status,
            &text[..text.len().min(300)]
        );
        println!(
            "10,000 lines: {} in {:?}",
            response.status,
            started.elapsed()
        );
        // The service still answers normally afterwards.
        let request = read("examples/maple.request.json");
        let after = http
            .post_json("/v1/evaluate", request.as_bytes())
            .await
            .unwrap();
        assert_eq!(after.status, 200);

        // With a small budget the cut-off is certain, and clear.
        let mut config = maple_config();
        config.poll = None;
        config.body_limit = 8 * 1024 * 1024;
        config.limits = Limits {
            fuel_per_call: 50_000_000,
            ..Limits::default()
        };
        let tight = start(&core, config).await;
        let mut http = Connection::open(tight.addr).await.unwrap();
        let response = http
            .post_json("/v1/evaluate", big.as_bytes())
            .await
            .unwrap();
        assert_eq!((response.status, response.text().as_str()), (422, cut_off));
        let after = http
            .post_json("/v1/evaluate", request.as_bytes())
            .await
            .unwrap();
        assert_eq!(after.status, 200);
    });
}

/// One raw HTTP/1.1 exchange on a fresh connection (`connection: close`): status, head
/// (lowercase), body.
async fn raw(addr: SocketAddr, request: &str) -> (u16, String, String) {
    let mut stream = TcpStream::connect(addr).await.unwrap();
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut response = Vec::new();
    tokio::time::timeout(Duration::from_secs(60), stream.read_to_end(&mut response))
        .await
        .expect("no answer within 60 s")
        .unwrap();
    let response = String::from_utf8(response).unwrap();
    let (head, body) = response.split_once("\r\n\r\n").unwrap();
    let status = head.split(' ').nth(1).unwrap().parse().unwrap();
    (status, head.to_ascii_lowercase(), body.to_owned())
}

fn post(path: &str, authorization: Option<&str>, body: &str) -> String {
    let authorization = authorization
        .map(|value| format!("authorization: {value}\r\n"))
        .unwrap_or_default();
    format!(
        "POST {path} HTTP/1.1\r\nhost: test\r\ncontent-type: application/json\r\n{authorization}content-length: {}\r\nconnection: close\r\n\r\n{body}",
        body.len()
    )
}

fn get(path: &str, authorization: Option<&str>) -> String {
    let authorization = authorization
        .map(|value| format!("authorization: {value}\r\n"))
        .unwrap_or_default();
    format!("GET {path} HTTP/1.1\r\nhost: test\r\n{authorization}connection: close\r\n\r\n")
}

fn first_code(body: &str) -> String {
    let value: Value = serde_json::from_str(body).unwrap_or_else(|e| panic!("{e}: {body}"));
    assert_eq!(value["type"], "failure", "{body}");
    value["errors"][0]["code"].as_str().unwrap().to_owned()
}

#[test]
fn inline_profiles_over_http_are_refused_unless_trusted() {
    let Some(core) = core() else { return };
    within(120, async {
        let mut config = maple_config();
        config.poll = None;
        config.instances = 1;
        let refusing = start(&core, config.clone()).await;
        config.trust_inline_profiles = true;
        let trusting = start(&core, config).await;
        let mut refused = Connection::open(refusing.addr).await.unwrap();
        let mut trusted = Connection::open(trusting.addr).await.unwrap();
        for (query, request) in maple_inline_requests() {
            let path = format!("/v1/{}", query.route());
            let answer = refused.post_json(&path, request.as_bytes()).await.unwrap();
            assert_eq!(answer.status, 400, "{path}: {}", answer.text());
            assert_eq!(first_code(&answer.text()), INLINE_PROFILE_NOT_TRUSTED);
            assert!(answer.header(DECISION_ID).is_some());
            let answer = trusted.post_json(&path, request.as_bytes()).await.unwrap();
            let native = maple_native(query, &request);
            assert_eq!(answer.text(), native, "{path}");
            assert_eq!(answer.status, server::status_of(&native).as_u16(), "{path}");
        }
        // Without a profile both answer alike.
        let request = read("examples/maple.request.json");
        let answer = refused
            .post_json("/v1/evaluate", request.as_bytes())
            .await
            .unwrap();
        assert_eq!(answer.status, 200);
        // A reload keeps the setting: the new pool trusts (or not) as configured.
        let reloaded = Arc::clone(&trusting.service);
        assert!(reloaded.current().trusts_inline_profiles());
        assert!(!refusing.service.current().trusts_inline_profiles());
    });
}

#[test]
fn a_token_file_guards_every_route_but_healthz() {
    let tokens = Tokens::parse("# the back office\n\n  secret-one  \nsecret-two\n");
    assert_eq!(tokens.len(), 2);
    assert!(tokens.accepts("secret-one") && tokens.accepts("secret-two"));
    for wrong in [
        "secret",
        "secret-one ",
        "",
        "# the back office",
        "secret-three",
    ] {
        assert!(!tokens.accepts(wrong), "{wrong:?}");
    }
    let Some(core) = core() else { return };
    within(120, async {
        let mut config = maple_config();
        config.poll = None;
        config.instances = 1;
        config.tokens = Some(tokens);
        let running = start(&core, config).await;
        let addr = running.addr;
        let request = read("examples/maple.request.json");

        for (authorization, challenge) in [
            (None, "www-authenticate: bearer\r"),
            (
                Some("Bearer wrong"),
                "www-authenticate: bearer error=\"invalid_token\"",
            ),
            (
                Some("Bearer secret-on"),
                "www-authenticate: bearer error=\"invalid_token\"",
            ),
            (Some("Basic c2VjcmV0LW9uZQ=="), "www-authenticate: bearer\r"),
            (Some("Bearer"), "www-authenticate: bearer\r"),
        ] {
            let (status, head, body) =
                raw(addr, &post("/v1/evaluate", authorization, &request)).await;
            assert_eq!(status, 401, "{authorization:?}: {body}");
            assert_eq!(first_code(&body), UNAUTHORIZED, "{authorization:?}");
            assert!(
                head.contains(challenge) || head.ends_with(challenge.trim_end_matches('\r')),
                "{authorization:?}: {head}"
            );
            assert!(
                !body.contains("wrong") && !body.contains("secret"),
                "{body}"
            );
        }
        for authorization in [
            "Bearer secret-one",
            "bearer secret-two",
            "Bearer   secret-two ",
        ] {
            let (status, _, body) =
                raw(addr, &post("/v1/evaluate", Some(authorization), &request)).await;
            assert_eq!(status, 200, "{authorization}: {body}");
            assert_eq!(body, maple_native(procura_host::Query::Evaluate, &request));
        }
        // Every route but /healthz, unknown ones too.
        for path in ["/v1/policy", "/v1/nothing"] {
            let (status, _, body) = raw(addr, &get(path, None)).await;
            assert_eq!(
                (status, first_code(&body).as_str()),
                (401, UNAUTHORIZED),
                "{path}"
            );
        }
        let (status, _, body) = raw(addr, &get("/v1/policy", Some("Bearer secret-one"))).await;
        assert_eq!(status, 200, "{body}");
        let (status, _, body) = raw(addr, &get("/healthz", None)).await;
        assert_eq!((status, body.as_str()), (200, r#"{"status":"ok"}"#));
    });
}

/// Reads until the server closes the connection: `true` when it did (end of stream or a
/// reset) within `seconds`, `false` when the connection was still open then.
async fn closed_within(stream: &mut TcpStream, seconds: u64) -> bool {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(seconds);
    let mut buffer = [0u8; 4096];
    loop {
        match tokio::time::timeout_at(deadline, stream.read(&mut buffer)).await {
            Err(_) => return false,
            Ok(Ok(0) | Err(_)) => return true,
            Ok(Ok(_)) => {} // an answer (e.g. 408): keep reading until the close
        }
    }
}

#[test]
fn slow_clients_are_cut_off() {
    let Some(core) = core() else { return };
    within(120, async {
        let mut config = maple_config();
        config.poll = None;
        config.instances = 1;
        config.header_timeout = Duration::from_secs(1);
        config.body_timeout = Duration::from_secs(1);
        config.idle_timeout = Duration::from_secs(2);
        let running = start(&core, config).await;
        let addr = running.addr;

        // 20 connections that send half a request line and stop, one that sends nothing.
        let mut slow = Vec::new();
        for _ in 0..20 {
            let mut stream = TcpStream::connect(addr).await.unwrap();
            stream.write_all(b"POST /v1/evaluate HT").await.unwrap();
            slow.push(stream);
        }
        slow.push(TcpStream::connect(addr).await.unwrap());
        // Meanwhile the service answers others.
        let (status, _, _) = raw(addr, &get("/healthz", None)).await;
        assert_eq!(status, 200);
        let mut open = 0;
        for stream in &mut slow {
            if !closed_within(stream, 15).await {
                open += 1;
            }
        }
        assert_eq!(
            open,
            0,
            "{open} of {} slow connections still open after 15 s",
            slow.len()
        );

        // A head, then part of the body: 408, coded, and the connection is closed.
        let mut stream = TcpStream::connect(addr).await.unwrap();
        stream
            .write_all(b"POST /v1/evaluate HTTP/1.1\r\nhost: test\r\ncontent-type: application/json\r\ncontent-length: 100\r\n\r\n{\"buyer\":")
            .await
            .unwrap();
        let mut response = Vec::new();
        tokio::time::timeout(Duration::from_secs(15), stream.read_to_end(&mut response))
            .await
            .expect("no 408 within 15 s")
            .unwrap();
        let response = String::from_utf8(response).unwrap();
        assert!(response.starts_with("HTTP/1.1 408"), "{response}");
        let body = response.split_once("\r\n\r\n").unwrap().1;
        assert_eq!(first_code(body), BODY_TIMEOUT);

        // An idle keep-alive connection is closed after the idle timeout, not before its
        // first answer.
        let mut http = Connection::open(addr).await.unwrap();
        assert_eq!(http.get("/healthz").await.unwrap().status, 200);
        assert_eq!(http.get("/healthz").await.unwrap().status, 200);
        let mut idle = TcpStream::connect(addr).await.unwrap();
        idle.write_all(
            get("/healthz", None)
                .replace("connection: close\r\n", "")
                .as_bytes(),
        )
        .await
        .unwrap();
        assert!(
            closed_within(&mut idle, 15).await,
            "an idle connection stayed open"
        );
    });
}

#[test]
fn the_connection_cap_holds_the_next_connection_until_one_closes() {
    let Some(core) = core() else { return };
    within(120, async {
        let mut config = maple_config();
        config.poll = None;
        config.instances = 1;
        config.max_connections = 2;
        let running = start(&core, config).await;
        let addr = running.addr;
        let mut first = Connection::open(addr).await.unwrap();
        assert_eq!(first.get("/healthz").await.unwrap().status, 200);
        let mut second = Connection::open(addr).await.unwrap();
        assert_eq!(second.get("/healthz").await.unwrap().status, 200);

        // A third connection gets through the kernel's backlog but is not served …
        let mut third = TcpStream::connect(addr).await.unwrap();
        third
            .write_all(get("/healthz", None).as_bytes())
            .await
            .unwrap();
        let mut buffer = [0u8; 1024];
        let early = tokio::time::timeout(Duration::from_secs(1), third.read(&mut buffer)).await;
        assert!(early.is_err(), "the third connection was served: {early:?}");
        // … the first two still are …
        assert_eq!(second.get("/healthz").await.unwrap().status, 200);
        // … and once one closes, it is.
        drop(first);
        let mut response = Vec::new();
        tokio::time::timeout(Duration::from_secs(30), third.read_to_end(&mut response))
            .await
            .expect("the third connection was not served after one closed")
            .unwrap();
        let response = String::from_utf8(response).unwrap();
        assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    });
}
