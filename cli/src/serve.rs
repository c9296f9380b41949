//! `procura serve --policy P [--directory D] [--addr 127.0.0.1:8181]`: the HTTP decision
//! service, every evaluation run in the core WebAssembly module through wasmtime (the crate
//! `procura-host`; routes, errors and reload are documented there and in the README; the
//! invoice-run and report-csv routes, trust, tokens, timeouts and the connection cap in
//! `docs/servers.md`).
//!
//! Runs until Ctrl-C or SIGTERM. Exit 1 when the policy does not compile at start (every
//! error is printed); 2 when the module or a file cannot be loaded or the address is taken.
//! Later policy changes never stop the service: a version that does not compile is logged
//! and the last good one keeps serving.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use procura_host::decision_log::{LogConfig, RedactPath};
use procura_host::server::{self, Config, LogFormat, Service, StartError, Tokens};
use procura_host::{CoreModule, Limits};

use crate::status::Status;

#[derive(Debug, Clone, Copy, Default, clap::ValueEnum)]
pub enum Logs {
    /// One line per event, `key=value` fields.
    #[default]
    Text,
    /// One JSON object per line.
    Json,
}

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The policy file, source or artifact (`procura build`, told apart by its magic);
    /// reloaded when it changes.
    #[arg(long, value_name = "FILE")]
    policy: PathBuf,
    /// Serve only a policy whose hash (the `sha256:…` decisions carry in `policy.hash`; for
    /// an artifact, its source's) is HASH: another is refused with E0704, at start (exit 1)
    /// and at every reload (logged; the old version keeps serving).
    #[arg(long, value_name = "HASH", value_parser = pinned_hash)]
    expect_hash: Option<String>,
    /// The directory file (people, groups, roles) as JSON; reloaded when it changes.
    #[arg(long, value_name = "FILE")]
    directory: Option<PathBuf>,
    /// Where to listen.
    #[arg(long, value_name = "HOST:PORT", default_value = "127.0.0.1:8181")]
    addr: SocketAddr,
    /// The core module [default: $PROCURA_CORE_WASM, else pkg/core/procura.wasm here or
    /// beside the executable's repository; build it with scripts/build-core.sh].
    #[arg(long, value_name = "FILE")]
    module: Option<PathBuf>,
    /// Cache wasmtime's compiled code for the module in DIR (skips compiling at start).
    /// DIR must be writable only by you: its files are loaded as native code.
    #[arg(long, value_name = "DIR")]
    module_cache: Option<PathBuf>,
    /// Instances of the module, i.e. concurrent evaluations [default: one per CPU].
    #[arg(long, value_name = "N")]
    instances: Option<usize>,
    /// Fuel (about one WebAssembly instruction each) one request may use; past it the
    /// answer is E0501 "evaluation exceeded its budget".
    #[arg(long, value_name = "UNITS", default_value_t = Limits::default().fuel_per_call)]
    fuel: u64,
    /// The most memory one instance may grow to, in MiB; past it the answer is E0503.
    #[arg(long, value_name = "MIB", default_value_t = 256)]
    memory_mib: usize,
    /// The largest request body accepted, in bytes; larger ones get 413 (E0102).
    #[arg(long, value_name = "BYTES", default_value_t = 1024 * 1024)]
    body_limit: usize,
    /// How often to look for changed policy or directory files, in milliseconds; 0: never.
    #[arg(long, value_name = "MS", default_value_t = 1000)]
    poll_ms: u64,
    /// Accept requests that carry the user inline (`buyerProfile`, `userProfile`) instead of
    /// naming one of the directory. Without it they get 400 (E0515). Only for a service whose
    /// every caller is a backend that built the profile itself: never behind a browser.
    #[arg(long)]
    trust_inline_profiles: bool,
    /// Require `Authorization: Bearer <token>` on every route but /healthz, with one of the
    /// tokens in FILE (one per line; blank lines and lines starting with `#` are skipped);
    /// otherwise 401 (E0516).
    #[arg(long, value_name = "FILE")]
    token_file: Option<PathBuf>,
    /// Seconds a client has to send a request head (from connecting, or from its first byte
    /// after an idle spell); then the connection is closed.
    #[arg(long, value_name = "SECS", default_value_t = 10)]
    header_timeout: u64,
    /// Seconds a client has to send a request body after its head; then 408 (E0517).
    #[arg(long, value_name = "SECS", default_value_t = 30)]
    body_timeout: u64,
    /// Seconds a keep-alive connection may stay idle between requests; then it is closed.
    #[arg(long, value_name = "SECS", default_value_t = 60)]
    idle_timeout: u64,
    /// The most connections served at once; more wait in the listen backlog until one
    /// closes.
    #[arg(long, value_name = "N", default_value_t = 1024)]
    max_connections: usize,
    /// The log format (on stderr).
    #[arg(long, value_enum, default_value_t, value_name = "FORMAT")]
    log_format: Logs,
    /// Append one JSON line per answered decision request to FILE (docs/servers.md), written
    /// before the response is sent; a decision that cannot be logged is answered 503 (E0519).
    #[arg(long, value_name = "FILE")]
    decision_log: Option<PathBuf>,
    /// Rotate the decision log before a line would take it past BYTES: FILE becomes FILE.1,
    /// FILE.1 becomes FILE.2, …
    #[arg(long, value_name = "BYTES", requires = "decision_log")]
    decision_log_max_bytes: Option<u64>,
    /// How many rotated decision logs to keep (FILE.1 … FILE.N); older ones are deleted.
    #[arg(long, value_name = "N", default_value_t = 5, requires = "decision_log")]
    decision_log_keep: usize,
    /// fdatasync the decision log after every batch: lines survive a power loss, not only a
    /// crash of the process (slower).
    #[arg(long, requires = "decision_log")]
    decision_log_sync: bool,
    /// A request field to write as "[redacted]" in the decision log; repeatable. Members
    /// separated by dots, `[]` after an array: `order.shipTo`, `order.lines[].unitPrice`.
    #[arg(long, value_name = "PATH", requires = "decision_log")]
    redact: Vec<String>,
    /// Serve GET /metrics without a bearer token even with --token-file.
    #[arg(long)]
    metrics_public: bool,
}

pub fn run(args: &Args) -> Status {
    server::init_logging(match args.log_format {
        Logs::Text => LogFormat::Text,
        Logs::Json => LogFormat::Json,
    });
    let path = args
        .module
        .clone()
        .unwrap_or_else(procura_host::default_module_path);
    let loaded = match &args.module_cache {
        Some(cache) => CoreModule::load_cached(&path, cache),
        None => CoreModule::load(&path),
    };
    let module = match loaded {
        Ok(module) => module,
        Err(error) => {
            eprintln!("procura serve: {error}");
            eprintln!(
                "procura serve: build the core module with scripts/build-core.sh, or pass --module"
            );
            return Status::Trouble;
        }
    };
    let mut config = Config::new(&args.policy, args.directory.clone());
    if let Some(instances) = args.instances {
        config.instances = instances.max(1);
    }
    config.limits = Limits {
        fuel_per_call: args.fuel,
        memory_bytes: args.memory_mib.saturating_mul(1024 * 1024),
        ..Limits::default()
    };
    config.body_limit = args.body_limit;
    config.poll = (args.poll_ms > 0).then(|| Duration::from_millis(args.poll_ms));
    config.trust_inline_profiles = args.trust_inline_profiles;
    config.expect_hash = args.expect_hash.clone();
    if let Some(path) = &args.token_file {
        match Tokens::read(path) {
            Ok(tokens) => config.tokens = Some(tokens),
            Err(error) => {
                eprintln!("procura serve: {error}");
                return Status::Trouble;
            }
        }
    }
    config.header_timeout = Duration::from_secs(args.header_timeout.max(1));
    config.body_timeout = Duration::from_secs(args.body_timeout.max(1));
    config.idle_timeout = Duration::from_secs(args.idle_timeout.max(1));
    config.max_connections = args.max_connections.max(1);
    config.metrics_public = args.metrics_public;
    if let Some(path) = &args.decision_log {
        match decision_log(path, args) {
            Ok(log) => config.decision_log = Some(log),
            Err(error) => {
                eprintln!("procura serve: {error}");
                return Status::Trouble;
            }
        }
    }
    let outcome =
        Service::new(module, config).and_then(|service| server::run_blocking(service, args.addr));
    match outcome {
        Ok(()) => Status::Success,
        Err(StartError::Rejected { path, answer }) => {
            let refused = if procura::is_artifact(&std::fs::read(&path).unwrap_or_default()) {
                "is refused"
            } else {
                "does not compile"
            };
            eprintln!("procura serve: {path} {refused}:");
            for error in compile_errors(&answer) {
                eprintln!("  {error}");
            }
            Status::Failure
        }
        Err(error) => {
            eprintln!("procura serve: {error}");
            Status::Trouble
        }
    }
}

/// `--expect-hash`: `sha256:` and 64 lowercase hex digits, the form of `policy.hash`.
fn pinned_hash(text: &str) -> Result<String, String> {
    let hex = text.strip_prefix("sha256:").unwrap_or_default();
    if hex.len() == 64
        && hex
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    {
        Ok(text.to_owned())
    } else {
        Err(format!(
            "`{text}` is not a policy hash: `sha256:` and 64 lowercase hex digits, as `procura build` prints it"
        ))
    }
}

/// The decision log's settings from the command line.
fn decision_log(path: &std::path::Path, args: &Args) -> Result<LogConfig, procura_host::HostError> {
    let mut log = LogConfig::new(path);
    log.max_bytes = args.decision_log_max_bytes;
    log.keep = args.decision_log_keep;
    log.sync = args.decision_log_sync;
    log.redact = args
        .redact
        .iter()
        .map(|path| RedactPath::parse(path))
        .collect::<Result<_, _>>()?;
    Ok(log)
}

/// `line:column: error[CODE]: message` for each error of a failure answer.
fn compile_errors(answer: &str) -> Vec<String> {
    let Ok(value) = serde_json::from_str::<serde_json::Value>(answer) else {
        return vec![answer.to_owned()];
    };
    let errors = value
        .get("errors")
        .and_then(serde_json::Value::as_array)
        .cloned()
        .unwrap_or_default();
    errors
        .iter()
        .map(|error| {
            let field = |key: &str| {
                error
                    .get(key)
                    .and_then(serde_json::Value::as_str)
                    .unwrap_or("")
            };
            let at = error
                .get("span")
                .map(|span| {
                    let number =
                        |key: &str| span.get(key).map(ToString::to_string).unwrap_or_default();
                    format!("{}:{}: ", number("line"), number("column"))
                })
                .or_else(|| error.get("path").map(|path| format!("{path}: ")))
                .unwrap_or_default();
            format!("{at}error[{}]: {}", field("code"), field("message"))
        })
        .collect()
}
