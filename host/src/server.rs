//! The HTTP decision service behind `procura serve`: axum on tokio, every evaluation run
//! through the wasmtime host ([`Pool`]).
//!
//! Routes: `POST /v1/evaluate`, `/v1/authorize`, `/v1/badges`, `/v1/progress` (request JSON
//! in, the engine's answer JSON out, byte for byte), `GET /v1/policy` (name, hash,
//! loadedAt, warnings), `GET /healthz`. Every response to a `POST` carries an
//! `x-decision-id` header (also in the log line) and `x-procura-policy-hash`, the hash of
//! the policy version that answered.
//!
//! Hot reload: [`Service::reload_if_changed`] (run every `poll` by [`serve`]) notices a
//! change of the policy or directory file (size or modification time, then content),
//! compiles the new version in a new pool, and swaps it in atomically; requests already
//! running finish on the old pool. A version that does not compile is rejected with a log
//! line and the old one keeps serving.

use std::future::Future;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError, RwLock};
use std::time::{Duration, Instant, SystemTime};

use axum::body::{Body, Bytes};
use axum::extract::rejection::BytesRejection;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use serde::{Deserialize, Serialize};
use tokio::net::TcpListener;

use crate::errors::{self, failure_json, HostError};
use crate::module::{CoreModule, Limits, Query};
use crate::pool::{PolicyVersion, Pool, PoolError};

/// The header naming a decision, e.g. `x-decision-id: 5f3a9c01-000042`.
pub const DECISION_ID: &str = "x-decision-id";
/// The header naming the hash of the policy version that answered.
pub const POLICY_HASH: &str = "x-procura-policy-hash";

/// How to run the service.
#[derive(Debug, Clone)]
pub struct Config {
    /// The policy file.
    pub policy: PathBuf,
    /// The directory file (JSON); none means an empty directory.
    pub directory: Option<PathBuf>,
    /// Instances of the core module (concurrent evaluations).
    pub instances: usize,
    pub limits: Limits,
    /// The largest request body accepted, in bytes; larger ones get 413.
    pub body_limit: usize,
    /// How often to look for a changed policy or directory; `None`: never.
    pub poll: Option<Duration>,
}

impl Config {
    /// Defaults: one instance per core, [`Limits::default`], 1 MiB bodies, a 1 s poll.
    pub fn new(policy: impl Into<PathBuf>, directory: Option<PathBuf>) -> Config {
        Config {
            policy: policy.into(),
            directory,
            instances: std::thread::available_parallelism().map_or(2, |n| n.get()),
            limits: Limits::default(),
            body_limit: 1024 * 1024,
            poll: Some(Duration::from_secs(1)),
        }
    }
}

/// Why the service could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("{0}")]
    Host(#[from] HostError),
    #[error("{path}: the policy does not compile: {answer}")]
    Rejected { path: String, answer: String },
    #[error("cannot listen on {addr}: {error}")]
    Bind {
        addr: SocketAddr,
        error: std::io::Error,
    },
    #[error("the server stopped: {0}")]
    Serve(std::io::Error),
}

/// What a look at the policy files found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reload {
    /// Nothing changed (or the files changed back to what is serving).
    Unchanged,
    /// A new version is serving.
    Reloaded { from: String, to: String },
    /// The files changed but do not compile; the old version keeps serving.
    Rejected { answer: String },
    /// A file could not be read; the old version keeps serving.
    Unreadable { error: String },
    /// The host failed to build the new pool; the old version keeps serving.
    Failed { error: String },
}

/// Sizes and modification times of the policy and directory files.
type Stamp = Vec<Option<(u64, SystemTime)>>;

/// The running service's state: the core module, the serving pool, the reload watcher's
/// memory.
pub struct Service {
    module: CoreModule,
    config: Config,
    current: RwLock<Arc<Pool>>,
    /// The stamp of the files last looked at; held while reloading, so reloads never race.
    seen: Mutex<Stamp>,
    ids: DecisionIds,
}

impl std::fmt::Debug for Service {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Service")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl Service {
    /// Compiles the policy of `config` with `module`: the service, ready to route.
    pub fn new(module: CoreModule, config: Config) -> Result<Arc<Service>, StartError> {
        let stamp = stamp(&config);
        let (source, directory) = read_files(&config)?;
        let pool = Pool::new(
            &module,
            config.limits,
            config.instances,
            &source,
            directory.as_deref(),
        )
        .map_err(|error| match error {
            PoolError::Rejected(answer) => StartError::Rejected {
                path: config.policy.display().to_string(),
                answer,
            },
            PoolError::Host(error) => StartError::Host(error),
        })?;
        Ok(Arc::new(Service {
            module,
            config,
            current: RwLock::new(Arc::new(pool)),
            seen: Mutex::new(stamp),
            ids: DecisionIds::new(),
        }))
    }

    /// The pool serving now.
    pub fn current(&self) -> Arc<Pool> {
        Arc::clone(&self.current.read().unwrap_or_else(PoisonError::into_inner))
    }

    /// The policy version serving now.
    pub fn version(&self) -> Arc<PolicyVersion> {
        Arc::clone(self.current().version())
    }

    pub fn config(&self) -> &Config {
        &self.config
    }

    /// Looks at the files; if they changed, compiles the new version and swaps it in. Blocks
    /// (file reads, compiling); run it off the async threads.
    pub fn reload_if_changed(&self) -> Reload {
        let mut seen = self.seen.lock().unwrap_or_else(PoisonError::into_inner);
        let now = stamp(&self.config);
        if *seen == now {
            return Reload::Unchanged;
        }
        *seen = now;
        let (source, directory) = match read_files(&self.config) {
            Ok(files) => files,
            Err(error) => {
                return Reload::Unreadable {
                    error: error.to_string(),
                }
            }
        };
        let old = self.current();
        if old.version().is_from(&source, directory.as_deref()) {
            return Reload::Unchanged;
        }
        let pool = Pool::new(
            &self.module,
            self.config.limits,
            self.config.instances,
            &source,
            directory.as_deref(),
        );
        match pool {
            Ok(pool) => {
                let to = pool.version().hash.clone();
                *self.current.write().unwrap_or_else(PoisonError::into_inner) = Arc::new(pool);
                Reload::Reloaded {
                    from: old.version().hash.clone(),
                    to,
                }
            }
            Err(PoolError::Rejected(answer)) => Reload::Rejected { answer },
            Err(PoolError::Host(error)) => Reload::Failed {
                error: error.to_string(),
            },
        }
    }
}

fn stamp(config: &Config) -> Stamp {
    std::iter::once(&config.policy)
        .chain(config.directory.as_ref())
        .map(|path| {
            let meta = std::fs::metadata(path).ok()?;
            Some((meta.len(), meta.modified().ok()?))
        })
        .collect()
}

fn read(path: &Path) -> Result<Vec<u8>, HostError> {
    std::fs::read(path).map_err(|error| HostError::Read {
        path: path.display().to_string(),
        error: error.to_string(),
    })
}

type Files = (Vec<u8>, Option<Vec<u8>>);

fn read_files(config: &Config) -> Result<Files, HostError> {
    let source = read(&config.policy)?;
    let directory = config.directory.as_deref().map(read).transpose()?;
    Ok((source, directory))
}

/// Decision ids: a random per-process prefix and a counter, e.g. `5f3a9c01-000042`.
struct DecisionIds {
    prefix: u32,
    next: AtomicU64,
}

impl DecisionIds {
    fn new() -> DecisionIds {
        use std::hash::{BuildHasher, Hasher};
        let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
        hasher.write_u128(
            SystemTime::now()
                .duration_since(SystemTime::UNIX_EPOCH)
                .map_or(0, |d| d.as_nanos()),
        );
        hasher.write_u32(std::process::id());
        DecisionIds {
            prefix: u32::try_from(hasher.finish() & 0xffff_ffff).unwrap_or(0),
            next: AtomicU64::new(1),
        }
    }

    fn next(&self) -> String {
        let n = self.next.fetch_add(1, Ordering::Relaxed);
        format!("{:08x}-{n:06}", self.prefix)
    }
}

/// The routes, on `service`.
pub fn router(service: Arc<Service>) -> Router {
    let body_limit = service.config.body_limit;
    let mut router = Router::new();
    for query in Query::ALL {
        router = router.route(
            &format!("/v1/{}", query.route()),
            post(move |state, headers, body| decide(state, query, headers, body)),
        );
    }
    router
        .route("/v1/policy", get(policy))
        .route("/healthz", get(healthz))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(DefaultBodyLimit::max(body_limit))
        .with_state(service)
}

fn json_response(status: StatusCode, body: String, extra: &[(&'static str, &str)]) -> Response {
    let mut response = (status, Body::from(body)).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    for (name, value) in extra {
        if let Ok(value) = HeaderValue::from_str(value) {
            headers.insert(*name, value);
        }
    }
    response
}

fn is_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.split(';').next())
        .is_some_and(|media| media.trim().eq_ignore_ascii_case("application/json"))
}

#[derive(Deserialize)]
struct FailureHead {
    #[serde(default)]
    errors: Vec<CodeOnly>,
}

#[derive(Deserialize)]
struct CodeOnly {
    code: String,
}

/// The HTTP status of an answer: 200 for a success; for a failure, by its first code:
/// `E0102` 413, other `E01xx` (malformed input) 400, `E0504` 500, anything else (the
/// request names unknown things, has invalid values, exceeds the budget or memory) 422.
pub fn status_of(answer: &str) -> StatusCode {
    if answer.starts_with(r#"{"type":"success""#) {
        return StatusCode::OK;
    }
    let code = serde_json::from_str::<FailureHead>(answer)
        .ok()
        .and_then(|head| head.errors.into_iter().next())
        .map(|first| first.code)
        .unwrap_or_default();
    match code.as_str() {
        errors::BODY_TOO_LARGE => StatusCode::PAYLOAD_TOO_LARGE,
        errors::ENGINE_FAILED => StatusCode::INTERNAL_SERVER_ERROR,
        code if code.starts_with("E01") => StatusCode::BAD_REQUEST,
        _ => StatusCode::UNPROCESSABLE_ENTITY,
    }
}

async fn decide(
    State(service): State<Arc<Service>>,
    query: Query,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let started = Instant::now();
    let id = service.ids.next();
    let pool = service.current();
    let hash = pool.version().hash.clone();
    let answer = if !is_json(&headers) {
        failure_json(
            errors::UNSUPPORTED_MEDIA_TYPE,
            "the request's Content-Type must be application/json",
            Some("send the header `Content-Type: application/json`"),
        )
    } else {
        match body {
            Err(rejection) if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE => failure_json(
                errors::BODY_TOO_LARGE,
                &format!(
                    "the request body is larger than the limit of {} bytes",
                    service.config.body_limit
                ),
                Some("split the request"),
            ),
            Err(rejection) => failure_json(
                errors::BAD_BODY,
                &format!(
                    "the request body could not be read: {}",
                    rejection.body_text()
                ),
                None,
            ),
            Ok(body) => {
                let pool = Arc::clone(&pool);
                tokio::task::spawn_blocking(move || pool.call(query, &body))
                    .await
                    .unwrap_or_else(|error| {
                        HostError::Trap(format!("the evaluation task failed: {error}"))
                            .answer_json()
                    })
            }
        }
    };
    let status = if is_json(&headers) {
        status_of(&answer)
    } else {
        StatusCode::UNSUPPORTED_MEDIA_TYPE
    };
    let micros = u64::try_from(started.elapsed().as_micros()).unwrap_or(u64::MAX);
    if status.is_success() {
        tracing::info!(decision_id = %id, route = %query.route(), status = status.as_u16(), policy = %hash, micros, "decision");
    } else {
        tracing::warn!(decision_id = %id, route = %query.route(), status = status.as_u16(), policy = %hash, micros, answer = %truncate(&answer, 300), "decision failed");
    }
    json_response(status, answer, &[(DECISION_ID, &id), (POLICY_HASH, &hash)])
}

fn truncate(text: &str, max: usize) -> &str {
    match text.char_indices().nth(max) {
        Some((at, _)) => text.get(..at).unwrap_or(text),
        None => text,
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PolicyInfo<'a> {
    name: &'a str,
    hash: &'a str,
    loaded_at: String,
    warnings: &'a serde_json::Value,
}

async fn policy(State(service): State<Arc<Service>>) -> Response {
    let version = service.version();
    let info = PolicyInfo {
        name: &version.name,
        hash: &version.hash,
        loaded_at: version.loaded_at.to_string(),
        warnings: &version.warnings,
    };
    let body = serde_json::to_string(&info).unwrap_or_default();
    json_response(StatusCode::OK, body, &[(POLICY_HASH, &version.hash)])
}

async fn healthz() -> Response {
    json_response(StatusCode::OK, r#"{"status":"ok"}"#.to_owned(), &[])
}

async fn not_found() -> Response {
    json_response(
        StatusCode::NOT_FOUND,
        failure_json(
            errors::NOT_FOUND,
            "no such route",
            Some("POST /v1/evaluate, /v1/authorize, /v1/badges, /v1/progress; GET /v1/policy, /healthz"),
        ),
        &[],
    )
}

async fn method_not_allowed() -> Response {
    json_response(
        StatusCode::METHOD_NOT_ALLOWED,
        failure_json(
            errors::METHOD_NOT_ALLOWED,
            "this route does not take this method",
            Some("decisions are POST, /v1/policy and /healthz are GET"),
        ),
        &[],
    )
}

/// Runs the reload watcher: every `poll`, [`Service::reload_if_changed`], logged.
pub async fn watch(service: Arc<Service>, poll: Duration) {
    let mut ticks = tokio::time::interval(poll);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticks.tick().await;
        let looked = Arc::clone(&service);
        match tokio::task::spawn_blocking(move || looked.reload_if_changed()).await {
            Ok(Reload::Unchanged) => {}
            Ok(Reload::Reloaded { from, to }) => {
                tracing::info!(from = %from, to = %to, "policy reloaded");
            }
            Ok(Reload::Rejected { answer }) => {
                tracing::error!(answer = %truncate(&answer, 2000), "policy change rejected: it does not compile; the old version keeps serving");
            }
            Ok(Reload::Unreadable { error }) => {
                tracing::error!(%error, "policy change rejected: cannot read it; the old version keeps serving");
            }
            Ok(Reload::Failed { error }) => {
                tracing::error!(%error, "policy change rejected: the host failed; the old version keeps serving");
            }
            Err(error) => tracing::error!(%error, "the reload task failed"),
        }
    }
}

/// Serves `service` on `listener` until `shutdown` completes, with the reload watcher of
/// its config running alongside.
pub async fn serve(
    listener: TcpListener,
    service: Arc<Service>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), StartError> {
    let watcher = service
        .config
        .poll
        .map(|poll| tokio::spawn(watch(Arc::clone(&service), poll)));
    let served = axum::serve(listener, router(service))
        .with_graceful_shutdown(shutdown)
        .await
        .map_err(StartError::Serve);
    if let Some(watcher) = watcher {
        watcher.abort();
    }
    served
}

/// Binds `addr` and serves until Ctrl-C (or SIGTERM): the body of `procura serve`.
pub async fn run(service: Arc<Service>, addr: SocketAddr) -> Result<(), StartError> {
    let listener = TcpListener::bind(addr)
        .await
        .map_err(|error| StartError::Bind { addr, error })?;
    let local = listener.local_addr().unwrap_or(addr);
    let version = service.version();
    tracing::info!(addr = %local, policy = %version.name, hash = %version.hash, instances = service.config.instances, "serving");
    serve(listener, service, shutdown_signal()).await?;
    tracing::info!("stopped");
    Ok(())
}

async fn shutdown_signal() {
    let interrupt = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(term) => term,
                Err(_) => {
                    let _ = interrupt.await;
                    return;
                }
            };
        tokio::select! {
            _ = interrupt => {},
            _ = term.recv() => {},
        }
    }
    #[cfg(not(unix))]
    {
        let _ = interrupt.await;
    }
}

/// How log lines look.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LogFormat {
    /// `2026-11-28T10:30:00Z  INFO decision decision_id=… route=evaluate status=200 …`
    #[default]
    Text,
    /// One JSON object per line.
    Json,
}

/// Sends `tracing` events at INFO and above to stderr; a second call does nothing.
pub fn init_logging(format: LogFormat) {
    let builder = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::INFO)
        .with_writer(std::io::stderr)
        .with_target(false);
    let _ = match format {
        LogFormat::Text => builder.with_ansi(false).try_init(),
        LogFormat::Json => builder.json().try_init(),
    };
}

/// [`run`] on a tokio runtime of its own, for a synchronous caller such as the CLI.
pub fn run_blocking(service: Arc<Service>, addr: SocketAddr) -> Result<(), StartError> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(StartError::Serve)?;
    runtime.block_on(run(service, addr))
}
