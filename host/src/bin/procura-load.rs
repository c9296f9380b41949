//! `procura-load`: a bounded load test of the decision service on loopback.
//!
//! ```text
//! cargo run --release -p procura-host --bin procura-load -- [--requests 10000] [--concurrency 32]
//!     [--instances N] [--addr HOST:PORT] [--module FILE] [--decision-log FILE]
//! ```
//!
//! Without `--addr` it starts the service in-process on 127.0.0.1 (an ephemeral port) with
//! the Maple example (`examples/maple.*`, run from the repository root), then sends the
//! Maple checkout requests and a workflow request over keep-alive connections and prints
//! the count of errors and the latency percentiles. With `--decision-log FILE` the in-process
//! service logs every decision to FILE (truncated first). Exit 1 if any request failed.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

use procura_host::decision_log::LogConfig;
use procura_host::load::{self, Request};
use procura_host::server::{self, Config, Service};
use procura_host::CoreModule;
use tokio::net::TcpListener;

struct Options {
    requests: usize,
    concurrency: usize,
    instances: Option<usize>,
    addr: Option<SocketAddr>,
    module: PathBuf,
    decision_log: Option<PathBuf>,
}

fn options() -> Result<Options, String> {
    let mut options = Options {
        requests: 10_000,
        concurrency: 32,
        instances: None,
        addr: None,
        module: procura_host::default_module_path(),
        decision_log: None,
    };
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let value = args.next().ok_or_else(|| format!("{flag} needs a value"))?;
        let bad = |e: &dyn std::fmt::Display| format!("{flag} {value}: {e}");
        match flag.as_str() {
            "--requests" => options.requests = value.parse().map_err(|e| bad(&e))?,
            "--concurrency" => options.concurrency = value.parse().map_err(|e| bad(&e))?,
            "--instances" => options.instances = Some(value.parse().map_err(|e| bad(&e))?),
            "--addr" => options.addr = Some(value.parse().map_err(|e| bad(&e))?),
            "--module" => options.module = PathBuf::from(value),
            "--decision-log" => options.decision_log = Some(PathBuf::from(value)),
            _ => return Err(format!("unknown option {flag}")),
        }
    }
    Ok(options)
}

fn read(path: &str) -> Result<Vec<u8>, String> {
    std::fs::read(path).map_err(|e| format!("{path}: {e} (run from the repository root)"))
}

fn requests() -> Result<Vec<Request>, String> {
    let checkout = |path: &str| -> Result<Request, String> {
        Ok(Request {
            path: "/v1/evaluate".into(),
            body: read(path)?,
        })
    };
    let approvals: serde_json::Value =
        serde_json::from_slice(&read("examples/maple.approvals.json")?)
            .map_err(|e| e.to_string())?;
    let order: serde_json::Value =
        serde_json::from_slice(&read("examples/maple.large-order.json")?)
            .map_err(|e| e.to_string())?;
    let progress = serde_json::json!({
        "checkout": order,
        "submittedAt": approvals.get("submittedAt"),
        "now": "2026-11-25T09:00:00-05:00",
        "events": approvals.get("events"),
    });
    Ok(vec![
        checkout("examples/maple.request.json")?,
        checkout("examples/maple.large-order.json")?,
        Request {
            path: "/v1/progress".into(),
            body: progress.to_string().into_bytes(),
        },
    ])
}

async fn main_async(options: Options) -> Result<bool, String> {
    let requests = Arc::new(requests()?);
    let (addr, _stop) = match options.addr {
        Some(addr) => (addr, None),
        None => {
            let started = Instant::now();
            let module = CoreModule::load(&options.module).map_err(|e| e.to_string())?;
            let mut config = Config::new(
                "examples/maple.procura",
                Some(PathBuf::from("examples/maple.directory.json")),
            );
            config.poll = None;
            if let Some(path) = &options.decision_log {
                // Each run measures a log of its own requests only.
                std::fs::write(path, b"").map_err(|e| format!("{}: {e}", path.display()))?;
                config.decision_log = Some(LogConfig::new(path));
            }
            if let Some(instances) = options.instances {
                config.instances = instances;
            }
            let instances = config.instances;
            let service = Service::new(module, config).map_err(|e| e.to_string())?;
            let listener = TcpListener::bind("127.0.0.1:0")
                .await
                .map_err(|e| e.to_string())?;
            let addr = listener.local_addr().map_err(|e| e.to_string())?;
            let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
            tokio::spawn(server::serve(listener, service, async {
                let _ = stopped.await;
            }));
            let logging = options.decision_log.as_ref().map_or_else(
                || "no decision log".to_owned(),
                |p| format!("decision log {}", p.display()),
            );
            println!(
                "service on {addr}: Maple policy, {instances} instances, {logging}, started in {:?}",
                started.elapsed()
            );
            (addr, Some(stop))
        }
    };
    // Warm up every instance before measuring.
    load::run(addr, Arc::clone(&requests), 200, options.concurrency, None).await;
    let started = Instant::now();
    let samples = load::run(addr, requests, options.requests, options.concurrency, None).await;
    let elapsed = started.elapsed();
    let errors = samples.iter().filter(|s| s.status != Some(200)).count();
    let latencies: Vec<Duration> = samples.iter().map(|s| s.latency).collect();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!(
        "{} requests at {} concurrent in {:.2} s ({:.0}/s): {} errors; latency p50 {:.2} ms, p90 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
        samples.len(),
        options.concurrency,
        elapsed.as_secs_f64(),
        samples.len() as f64 / elapsed.as_secs_f64(),
        errors,
        ms(load::percentile(&latencies, 50.0)),
        ms(load::percentile(&latencies, 90.0)),
        ms(load::percentile(&latencies, 99.0)),
        ms(load::percentile(&latencies, 100.0)),
    );
    Ok(errors == 0 && samples.len() == options.requests)
}

fn main() -> ExitCode {
    let options = match options() {
        Ok(options) => options,
        Err(error) => {
            eprintln!("procura-load: {error}");
            return ExitCode::from(2);
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("procura-load: {error}");
            return ExitCode::from(2);
        }
    };
    match runtime.block_on(main_async(options)) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(1),
        Err(error) => {
            eprintln!("procura-load: {error}");
            ExitCode::from(2)
        }
    }
}
