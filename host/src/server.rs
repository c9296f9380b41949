//! The HTTP decision service behind `procura serve`: axum on tokio, every evaluation run
//! through the wasmtime host ([`Pool`]).
//!
//! Routes: `POST /v1/evaluate`, `/v1/authorize`, `/v1/badges`, `/v1/progress`,
//! `/v1/invoice-run`, `/v1/report-csv` (request JSON in, the engine's answer JSON out, byte
//! for byte; a successful `report-csv` answer is the bare CSV, `text/csv; charset=utf-8`, when
//! the request says `Accept: text/csv`), `GET /v1/policy` (name, hash, kind
//! — `source` or `artifact` —, loadedAt, warnings), `GET /healthz`. Every response to a `POST` carries an
//! `x-decision-id` header (also in the log line) and `x-procura-policy-hash`, the hash of
//! the policy version that answered.
//!
//! Hot reload: [`Service::reload_if_changed`] (run every `poll` by [`serve`]) notices a
//! change of the policy or directory file (size or modification time, then content),
//! compiles (or, for an artifact, loads) the new version in a new pool, and swaps it in
//! atomically; requests already running finish on the old pool. A version that does not
//! compile or load, or whose hash is not [`Config::expect_hash`] (`E0704`), is rejected with
//! a log line and the old one keeps serving.
//!
//! Trust and bounds (`docs/servers.md`): requests carrying inline profiles are refused
//! (`E0515`, 400) unless [`Config::trust_inline_profiles`]; with [`Config::tokens`] every
//! route but `/healthz` wants `Authorization: Bearer <token>` (else 401, `E0516`); a client
//! has [`Config::header_timeout`] to send a request head, [`Config::body_timeout`] to send
//! its body (else 408, `E0517`) and may stay idle [`Config::idle_timeout`] between requests;
//! at most [`Config::max_connections`] connections are served at once, the others wait in
//! the listen backlog until one closes.
//!
//! Records: with [`Config::decision_log`] every answered decision request is written to the
//! [decision log](crate::decision_log) before its response is sent (a write that fails is
//! answered 503, `E0519`, without the decision); `GET /metrics` serves the
//! [metrics](crate::metrics), behind the tokens unless [`Config::metrics_public`].

use std::future::Future;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError, RwLock};
use std::task::{Context, Poll};
use std::time::{Duration, Instant, SystemTime};

use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use serde::{Deserialize, Serialize};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{watch, OwnedSemaphorePermit, Semaphore};

use crate::decision_log::{DecisionLog, LogConfig, Record};
use crate::errors::{self, failure_json, HostError};
use crate::metrics::Metrics;
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
    /// Whether requests may carry the user inline (`buyerProfile`, `userProfile`) instead of
    /// naming one of the directory. Off by default: such requests get 400 (`E0515`). Only for
    /// a service whose every caller is a trusted backend that built the profile itself.
    pub trust_inline_profiles: bool,
    /// The bearer tokens accepted; `None`: no authentication.
    pub tokens: Option<Tokens>,
    /// How long a client has to send a request head, counted from the connection's start or
    /// from the first byte after an idle spell; past it the connection is closed.
    pub header_timeout: Duration,
    /// How long a client has to send a request body once its head arrived; past it the
    /// answer is 408 (`E0517`) and the connection is closed.
    pub body_timeout: Duration,
    /// How long a connection may stay idle between requests (or not read its answer)
    /// before it is closed.
    pub idle_timeout: Duration,
    /// The most connections served at once; more wait in the listen backlog.
    pub max_connections: usize,
    /// Where to log every answered decision request; `None`: no decision log.
    pub decision_log: Option<LogConfig>,
    /// The policy hash (`sha256:…`, what decisions carry in `policy.hash`) the policy must
    /// have: any other is refused with `E0704`, at start and at every reload (where the old
    /// version keeps serving). `None`: any policy that compiles or loads.
    pub expect_hash: Option<String>,
    /// Whether `GET /metrics` is open to all, like `/healthz`; otherwise it wants a bearer
    /// token when [`Config::tokens`] are set.
    pub metrics_public: bool,
}

impl Config {
    /// Defaults: one instance per core, [`Limits::default`], 1 MiB bodies, a 1 s poll, inline
    /// profiles refused, no tokens, timeouts of 10 s (head), 30 s (body) and 60 s (idle), at
    /// most 1024 connections, no decision log, `/metrics` behind the tokens.
    pub fn new(policy: impl Into<PathBuf>, directory: Option<PathBuf>) -> Config {
        Config {
            policy: policy.into(),
            directory,
            instances: std::thread::available_parallelism().map_or(2, |n| n.get()),
            limits: Limits::default(),
            body_limit: 1024 * 1024,
            poll: Some(Duration::from_secs(1)),
            trust_inline_profiles: false,
            tokens: None,
            header_timeout: Duration::from_secs(10),
            body_timeout: Duration::from_secs(30),
            idle_timeout: Duration::from_secs(60),
            max_connections: 1024,
            decision_log: None,
            expect_hash: None,
            metrics_public: false,
        }
    }
}

/// The bearer tokens a service accepts, kept as SHA-256 digests and compared in constant
/// time.
#[derive(Clone)]
pub struct Tokens {
    digests: Vec<[u8; 32]>,
}

impl std::fmt::Debug for Tokens {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Tokens({} tokens)", self.digests.len())
    }
}

fn sha256(bytes: &[u8]) -> [u8; 32] {
    use sha2::{Digest, Sha256};
    Sha256::digest(bytes).into()
}

impl Tokens {
    /// The tokens of a token file's text: one per line, surrounding blanks trimmed; empty
    /// lines and lines starting with `#` are skipped.
    pub fn parse(text: &str) -> Tokens {
        Tokens {
            digests: text
                .lines()
                .map(str::trim)
                .filter(|line| !line.is_empty() && !line.starts_with('#'))
                .map(|token| sha256(token.as_bytes()))
                .collect(),
        }
    }

    /// Reads a token file (see [`Tokens::parse`]); one without any token is an error.
    pub fn read(path: &Path) -> Result<Tokens, HostError> {
        let text = std::fs::read_to_string(path).map_err(|error| HostError::Read {
            path: path.display().to_string(),
            error: error.to_string(),
        })?;
        let tokens = Tokens::parse(&text);
        if tokens.is_empty() {
            return Err(HostError::NoTokens {
                path: path.display().to_string(),
            });
        }
        Ok(tokens)
    }

    /// How many tokens there are.
    pub fn len(&self) -> usize {
        self.digests.len()
    }

    pub fn is_empty(&self) -> bool {
        self.digests.is_empty()
    }

    /// Whether `token` is one of these. Compares digests of equal length without an early
    /// exit, so the time taken says nothing about how much of a wrong token was right.
    pub fn accepts(&self, token: &str) -> bool {
        let presented = sha256(token.as_bytes());
        let mut accepted = 0u8;
        for digest in &self.digests {
            let mut diff = 0u8;
            for (a, b) in digest.iter().zip(presented.iter()) {
                diff |= a ^ b;
            }
            accepted |= u8::from(std::hint::black_box(diff) == 0);
        }
        accepted == 1
    }
}

/// Why the service could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("{0}")]
    Host(#[from] HostError),
    #[error("{path}: the policy is refused: {answer}")]
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
    /// The files changed but do not compile, the artifact does not load, or its hash is not
    /// the pinned one (`E0704`); the old version keeps serving.
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
    log: Option<DecisionLog>,
    metrics: Metrics,
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
        let pool =
            pool_for(&module, &config, &source, directory.as_deref()).map_err(
                |error| match error {
                    PoolError::Rejected(answer) => StartError::Rejected {
                        path: config.policy.display().to_string(),
                        answer,
                    },
                    PoolError::Host(error) => StartError::Host(error),
                },
            )?;
        let log = config
            .decision_log
            .clone()
            .map(DecisionLog::open)
            .transpose()?;
        Ok(Arc::new(Service {
            module,
            config,
            current: RwLock::new(Arc::new(pool)),
            seen: Mutex::new(stamp),
            ids: DecisionIds::new(),
            log,
            metrics: Metrics::new(),
        }))
    }

    /// The service's metrics.
    pub fn metrics(&self) -> &Metrics {
        &self.metrics
    }

    /// The exposition of `GET /metrics`, with the gauges read now.
    pub fn metrics_text(&self) -> String {
        let pool = self.current();
        let queued = self.log.as_ref().map_or(0, DecisionLog::queue_depth);
        self.metrics.encode(pool.live(), pool.size(), queued)
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
        let reload = self.look_and_reload();
        let result = match reload {
            Reload::Unchanged => None,
            Reload::Reloaded { .. } => Some("reloaded"),
            Reload::Rejected { .. } => Some("rejected"),
            Reload::Unreadable { .. } => Some("unreadable"),
            Reload::Failed { .. } => Some("failed"),
        };
        if let Some(result) = result {
            self.metrics.reload(result);
        }
        reload
    }

    fn look_and_reload(&self) -> Reload {
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
        let pool = pool_for(&self.module, &self.config, &source, directory.as_deref());
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

/// A pool of `config`'s settings with `policy` (source or artifact) compiled or loaded in;
/// refused with `E0704` (a failure answer, like a policy that does not compile) when
/// [`Config::expect_hash`] names another hash.
fn pool_for(
    module: &CoreModule,
    config: &Config,
    policy: &[u8],
    directory: Option<&[u8]>,
) -> Result<Pool, PoolError> {
    let pool = Pool::with_trust(
        module,
        config.limits,
        config.instances,
        policy,
        directory,
        config.trust_inline_profiles,
    )?;
    match &config.expect_hash {
        Some(expected) if *expected != pool.version().hash => {
            Err(PoolError::Rejected(failure_json(
                errors::policy_hash_not_pinned(),
                &format!(
                    "the policy hash `{}` is not the pinned `{expected}`",
                    pool.version().hash
                ),
                Some("serve the policy built from the pinned source, or pin its hash with `--expect-hash`"),
            )))
        }
        _ => Ok(pool),
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

/// The routes, on `service` (behind the bearer-token check when it has tokens).
pub fn router(service: Arc<Service>) -> Router {
    let mut router = Router::new();
    for query in Query::ALL {
        router = router.route(
            &format!("/v1/{}", query.route()),
            post(move |state, headers, body| decide(state, query, headers, body)),
        );
    }
    router
        .route("/v1/policy", get(policy))
        .route("/metrics", get(metrics))
        .route("/healthz", get(healthz))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(axum::middleware::from_fn_with_state(
            Arc::clone(&service),
            authenticate,
        ))
        .with_state(service)
}

/// The token of an `Authorization: Bearer <token>` header (the scheme in any case).
fn bearer(value: &HeaderValue) -> Option<&str> {
    let (scheme, token) = value.to_str().ok()?.trim().split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}

/// With tokens configured, lets through only requests with one of them (and `/healthz`);
/// the others get 401 (`E0516`), logged without the token they sent.
async fn authenticate(
    State(service): State<Arc<Service>>,
    request: axum::extract::Request,
    next: Next,
) -> Response {
    let Some(tokens) = &service.config.tokens else {
        return next.run(request).await;
    };
    let path = request.uri().path();
    if path == "/healthz" || (path == "/metrics" && service.config.metrics_public) {
        return next.run(request).await;
    }
    let (reason, challenge) = match request.headers().get(header::AUTHORIZATION) {
        None => ("no Authorization header", "Bearer"),
        Some(value) => match bearer(value) {
            None => ("the Authorization header is not a bearer token", "Bearer"),
            Some(token) if tokens.accepts(token) => return next.run(request).await,
            Some(_) => (
                "the bearer token is not accepted",
                r#"Bearer error="invalid_token""#,
            ),
        },
    };
    tracing::warn!(method = %request.method(), path = %request.uri().path(), reason, status = 401, "request refused");
    service.metrics.error(errors::UNAUTHORIZED);
    json_response(
        StatusCode::UNAUTHORIZED,
        failure_json(
            errors::UNAUTHORIZED,
            &format!("unauthorized: {reason}"),
            Some("send the header `Authorization: Bearer <token>` with a token of the service's token file"),
        ),
        &[("www-authenticate", challenge)],
    )
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

/// The first error code of a failure answer; `None` for a success.
fn failure_code(answer: &str) -> Option<String> {
    if answer.starts_with(r#"{"type":"success""#) {
        return None;
    }
    let code = serde_json::from_str::<FailureHead>(answer)
        .ok()
        .and_then(|head| head.errors.into_iter().next())
        .map(|first| first.code)
        .unwrap_or_default();
    Some(code)
}

/// The HTTP status of an answer: 200 for a success; for a failure, by its first code:
/// `E0102` 413, other `E01xx` (malformed input) 400, `E0514` and `E0515` (an unreadable
/// body, an inline profile not trusted) 400, `E0516` 401, `E0517` 408, `E0504` 500, `E0519`
/// (the decision could not be logged) 503, anything else (the request names unknown things,
/// has invalid values, exceeds the budget or memory) 422.
pub fn status_of(answer: &str) -> StatusCode {
    let Some(code) = failure_code(answer) else {
        return StatusCode::OK;
    };
    match code.as_str() {
        errors::BODY_TOO_LARGE => StatusCode::PAYLOAD_TOO_LARGE,
        errors::ENGINE_FAILED => StatusCode::INTERNAL_SERVER_ERROR,
        errors::DECISION_NOT_LOGGED => StatusCode::SERVICE_UNAVAILABLE,
        errors::BAD_BODY | errors::INLINE_PROFILE_NOT_TRUSTED => StatusCode::BAD_REQUEST,
        errors::UNAUTHORIZED => StatusCode::UNAUTHORIZED,
        errors::BODY_TIMEOUT => StatusCode::REQUEST_TIMEOUT,
        code if code.starts_with("E01") => StatusCode::BAD_REQUEST,
        _ => StatusCode::UNPROCESSABLE_ENTITY,
    }
}

/// Why a request body could not be had.
enum BodyError {
    TooLarge,
    TimedOut,
    Unreadable(String),
}

/// Reads a whole body of at most `limit` bytes within `timeout`.
async fn read_body(body: Body, limit: usize, timeout: Duration) -> Result<Bytes, BodyError> {
    use http_body_util::BodyExt;
    // A declared Content-Length over the limit is refused before a byte of it is read.
    let declared = axum::body::HttpBody::size_hint(&body).lower();
    if usize::try_from(declared).map_or(true, |declared| declared > limit) {
        return Err(BodyError::TooLarge);
    }
    let limited = http_body_util::Limited::new(body, limit);
    match tokio::time::timeout(timeout, limited.collect()).await {
        Err(_) => Err(BodyError::TimedOut),
        Ok(Ok(collected)) => Ok(collected.to_bytes()),
        Ok(Err(error)) if error.is::<http_body_util::LengthLimitError>() => {
            Err(BodyError::TooLarge)
        }
        Ok(Err(error)) => Err(BodyError::Unreadable(error.to_string())),
    }
}

/// The answer to a decision request, and the fuel it used (`None` when it never reached
/// an instance).
async fn answer_of(
    query: Query,
    headers: &HeaderMap,
    body: &Result<Bytes, BodyError>,
    pool: &Arc<Pool>,
    config: &Config,
) -> (String, Option<u64>) {
    if !is_json(headers) {
        let answer = failure_json(
            errors::UNSUPPORTED_MEDIA_TYPE,
            "the request's Content-Type must be application/json",
            Some("send the header `Content-Type: application/json`"),
        );
        return (answer, None);
    }
    let answer = match body {
        Err(BodyError::TooLarge) => failure_json(
            errors::BODY_TOO_LARGE,
            &format!(
                "the request body is larger than the limit of {} bytes",
                config.body_limit
            ),
            Some("split the request"),
        ),
        Err(BodyError::TimedOut) => failure_json(
            errors::BODY_TIMEOUT,
            &format!(
                "the request body did not arrive within {} ms",
                config.body_timeout.as_millis()
            ),
            Some("send the whole body right after the head"),
        ),
        Err(BodyError::Unreadable(error)) => failure_json(
            errors::BAD_BODY,
            &format!("the request body could not be read: {error}"),
            None,
        ),
        Ok(body) => {
            let (pool, body) = (Arc::clone(pool), body.clone());
            return tokio::task::spawn_blocking(move || pool.call_metered(query, &body))
                .await
                .unwrap_or_else(|error| {
                    let failed = HostError::Trap(format!("the evaluation task failed: {error}"));
                    (failed.answer_json(), None)
                });
        }
    };
    (answer, None)
}

async fn decide(
    State(service): State<Arc<Service>>,
    query: Query,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let started = Instant::now();
    let id = service.ids.next();
    let pool = service.current();
    let version = Arc::clone(pool.version());
    // The body is read even when it will not be used, so that the connection can carry the
    // next request.
    let config = &service.config;
    let body = read_body(body, config.body_limit, config.body_timeout).await;
    let (mut answer, fuel) = answer_of(query, &headers, &body, &pool, config).await;
    let mut status = if is_json(&headers) {
        status_of(&answer)
    } else {
        StatusCode::UNSUPPORTED_MEDIA_TYPE
    };
    let mut logged = true;
    if let Some(log) = &service.log {
        let line = log.line(&Record {
            decision_id: &id,
            time: jiff::Timestamp::now(),
            endpoint: query.route(),
            status: status.as_u16(),
            policy_name: &version.name,
            policy_hash: &version.hash,
            request: body.as_ref().ok().map(|bytes| &bytes[..]),
            answer: &answer,
        });
        match log.write(line).await {
            Ok(waited) => service.metrics.logged(waited),
            Err(error) => {
                // The decision is withheld: a client never sees one the log does not have.
                logged = false;
                answer = failure_json(
                    errors::DECISION_NOT_LOGGED,
                    &error.to_string(),
                    Some("the decision was not made available; retry, and tell the operator: the decision log cannot be written"),
                );
                status = StatusCode::SERVICE_UNAVAILABLE;
            }
        }
    }
    let elapsed = started.elapsed();
    let code = (!status.is_success()).then(|| failure_code(&answer).unwrap_or_default());
    service
        .metrics
        .decision(query.route(), &answer, code.as_deref(), elapsed, fuel);
    let micros = u64::try_from(elapsed.as_micros()).unwrap_or(u64::MAX);
    let hash = version.hash.as_str();
    if status.is_success() {
        tracing::info!(decision_id = %id, route = %query.route(), status = status.as_u16(), policy = %hash, micros, "decision");
    } else {
        tracing::warn!(decision_id = %id, route = %query.route(), status = status.as_u16(), policy = %hash, micros, answer = %truncate(&answer, 300), "decision failed");
    }
    let with_id = [(DECISION_ID, id.as_str()), (POLICY_HASH, hash)];
    let headers_out = if logged { &with_id[..] } else { &with_id[1..] };
    respond(query, status, &headers, answer, headers_out)
}

/// The response of a decision request: JSON, or the bare CSV of a `report-csv` answer.
fn respond(
    query: Query,
    status: StatusCode,
    headers: &HeaderMap,
    answer: String,
    headers_out: &[(&'static str, &str)],
) -> Response {
    let mut response = match csv_text(query, status, headers, &answer) {
        Some(csv) => {
            let mut response = json_response(status, csv, headers_out);
            response.headers_mut().insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/csv; charset=utf-8"),
            );
            response
        }
        None => json_response(status, answer, headers_out),
    };
    if status == StatusCode::REQUEST_TIMEOUT {
        // The rest of the body is not read: the connection cannot carry another request.
        response
            .headers_mut()
            .insert(header::CONNECTION, HeaderValue::from_static("close"));
    }
    response
}

/// The CSV text of a successful `report-csv` answer, when the client asked for it with
/// `Accept: text/csv`; `None` for any other answer (a failure stays JSON).
fn csv_text(query: Query, status: StatusCode, headers: &HeaderMap, answer: &str) -> Option<String> {
    #[derive(Deserialize)]
    struct Success {
        result: String,
    }
    if query != Query::ReportCsv || status != StatusCode::OK || !accepts_csv(headers) {
        return None;
    }
    serde_json::from_str::<Success>(answer)
        .ok()
        .map(|success| success.result)
}

/// Whether an `Accept` header names `text/csv` (parameters and case ignored).
fn accepts_csv(headers: &HeaderMap) -> bool {
    headers
        .get_all(header::ACCEPT)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .filter_map(|media| media.split(';').next())
        .any(|media| media.trim().eq_ignore_ascii_case("text/csv"))
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
    /// `source` or `artifact`: what the policy file held.
    kind: &'static str,
    loaded_at: String,
    warnings: &'a serde_json::Value,
}

async fn policy(State(service): State<Arc<Service>>) -> Response {
    let version = service.version();
    let info = PolicyInfo {
        name: &version.name,
        hash: &version.hash,
        kind: version.kind.as_str(),
        loaded_at: version.loaded_at.to_string(),
        warnings: &version.warnings,
    };
    let body = serde_json::to_string(&info).unwrap_or_default();
    json_response(StatusCode::OK, body, &[(POLICY_HASH, &version.hash)])
}

async fn metrics(State(service): State<Arc<Service>>) -> Response {
    let mut response = (StatusCode::OK, Body::from(service.metrics_text())).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(crate::metrics::CONTENT_TYPE),
    );
    response
}

async fn healthz() -> Response {
    json_response(StatusCode::OK, r#"{"status":"ok"}"#.to_owned(), &[])
}

/// Reads and drops the body of a request answered with an error, so that the client's
/// keep-alive connection can carry its next request (an unread body closes it).
async fn drain(service: &Service, body: Body) {
    let config = &service.config;
    let _ = read_body(body, config.body_limit, config.body_timeout).await;
}

async fn not_found(State(service): State<Arc<Service>>, body: Body) -> Response {
    drain(&service, body).await;
    service.metrics.error(errors::NOT_FOUND);
    json_response(
        StatusCode::NOT_FOUND,
        failure_json(
            errors::NOT_FOUND,
            "no such route",
            Some("POST /v1/evaluate, /v1/authorize, /v1/badges, /v1/progress, /v1/invoice-run, /v1/report-csv; GET /v1/policy, /metrics, /healthz"),
        ),
        &[],
    )
}

async fn method_not_allowed(State(service): State<Arc<Service>>, body: Body) -> Response {
    drain(&service, body).await;
    service.metrics.error(errors::METHOD_NOT_ALLOWED);
    json_response(
        StatusCode::METHOD_NOT_ALLOWED,
        failure_json(
            errors::METHOD_NOT_ALLOWED,
            "this route does not take this method",
            Some("decisions are POST, /v1/policy, /metrics and /healthz are GET"),
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
                tracing::error!(answer = %truncate(&answer, 2000), "policy change rejected: it does not compile or load, or its hash is not the pinned one; the old version keeps serving");
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
/// its config running alongside. At most [`Config::max_connections`] connections are
/// accepted at once (the others wait in the listen backlog), each bounded by the config's
/// header and idle timeouts. After `shutdown`, idle connections are closed, requests in
/// flight finish, and this returns once every connection is closed.
pub async fn serve(
    listener: TcpListener,
    service: Arc<Service>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), StartError> {
    let watcher = service
        .config
        .poll
        .map(|poll| tokio::spawn(watch(Arc::clone(&service), poll)));
    let timeouts = Timeouts {
        header: service.config.header_timeout,
        idle: service.config.idle_timeout,
    };
    let cap = service
        .config
        .max_connections
        .clamp(1, Semaphore::MAX_PERMITS.min(u32::MAX as usize));
    let app = router(service);
    let slots = Arc::new(Semaphore::new(cap));
    let (stop, stopping) = watch::channel(false);
    tokio::pin!(shutdown);
    loop {
        let slot = tokio::select! {
            () = &mut shutdown => break,
            slot = Arc::clone(&slots).acquire_owned() => match slot {
                Ok(slot) => slot,
                Err(_) => break,
            },
        };
        let (stream, peer) = tokio::select! {
            () = &mut shutdown => break,
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(error) => {
                    // E.g. out of file descriptors: wait a little rather than spin.
                    tracing::warn!(%error, "accept failed");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
        };
        tokio::spawn(connection(
            stream,
            peer,
            app.clone(),
            timeouts,
            stopping.clone(),
            slot,
        ));
    }
    drop(listener);
    let _ = stop.send(true);
    // Every connection holds a slot until it closes.
    let _ = slots
        .acquire_many(u32::try_from(cap).unwrap_or(u32::MAX))
        .await;
    if let Some(watcher) = watcher {
        watcher.abort();
    }
    Ok(())
}

/// The watchdog's timeouts of a connection.
#[derive(Debug, Clone, Copy)]
struct Timeouts {
    header: Duration,
    idle: Duration,
}

/// Where a connection stands, for its watchdog.
#[derive(Debug, Clone, Copy)]
enum Phase {
    /// Waiting for a request head since then: the header timeout runs.
    Head(tokio::time::Instant),
    /// Idle since then (between requests, or the answer is being written): the idle timeout
    /// runs; the next byte read starts a head.
    Idle(tokio::time::Instant),
    /// A request is being handled: its body has the body timeout, its evaluation the fuel.
    Handling,
}

/// A connection's stream, telling its watchdog when bytes arrive after an idle spell.
struct Watched {
    stream: TcpStream,
    phase: Arc<watch::Sender<Phase>>,
}

impl AsyncRead for Watched {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        let this = self.get_mut();
        let before = buf.filled().len();
        let polled = Pin::new(&mut this.stream).poll_read(cx, buf);
        if matches!(polled, Poll::Ready(Ok(()))) && buf.filled().len() > before {
            this.phase.send_if_modified(|phase| match phase {
                Phase::Idle(_) => {
                    *phase = Phase::Head(tokio::time::Instant::now());
                    true
                }
                Phase::Head(_) | Phase::Handling => false,
            });
        }
        polled
    }
}

impl AsyncWrite for Watched {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.get_mut().stream).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.get_mut().stream).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.stream.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.get_mut().stream).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.get_mut().stream).poll_shutdown(cx)
    }
}

/// Completes when the connection has overstayed its phase: which timeout ran out.
async fn watchdog(mut phase: watch::Receiver<Phase>, timeouts: Timeouts) -> &'static str {
    loop {
        let now = *phase.borrow_and_update();
        let (deadline, why) = match now {
            Phase::Head(since) => (since + timeouts.header, "header timeout"),
            Phase::Idle(since) => (since + timeouts.idle, "idle timeout"),
            Phase::Handling => {
                if phase.changed().await.is_err() {
                    std::future::pending::<()>().await;
                }
                continue;
            }
        };
        tokio::select! {
            () = tokio::time::sleep_until(deadline) => return why,
            changed = phase.changed() => {
                if changed.is_err() {
                    std::future::pending::<()>().await;
                }
            }
        }
    }
}

/// Serves one connection (HTTP/1.1, keep-alive) until the client closes it, a timeout runs
/// out, or the service stops; `_slot` is its place under the connection cap.
async fn connection(
    stream: TcpStream,
    peer: SocketAddr,
    app: Router,
    timeouts: Timeouts,
    mut stopping: watch::Receiver<bool>,
    _slot: OwnedSemaphorePermit,
) {
    let (phase, watched) = watch::channel(Phase::Head(tokio::time::Instant::now()));
    let phase = Arc::new(phase);
    let io = hyper_util::rt::TokioIo::new(Watched {
        stream,
        phase: Arc::clone(&phase),
    });
    let app = hyper_util::service::TowerToHyperService::new(app);
    let service =
        hyper::service::service_fn(move |request: hyper::Request<hyper::body::Incoming>| {
            let phase = Arc::clone(&phase);
            let answer = hyper::service::Service::call(&app, request);
            phase.send_replace(Phase::Handling);
            async move {
                let response = answer.await;
                phase.send_replace(Phase::Idle(tokio::time::Instant::now()));
                response
            }
        });
    // hyper's own header timeout would also run while the connection is idle: the
    // watchdog keeps the two apart instead.
    let served = hyper::server::conn::http1::Builder::new()
        .keep_alive(true)
        .header_read_timeout(None)
        .serve_connection(io, service);
    tokio::pin!(served);
    let mut draining = false;
    loop {
        tokio::select! {
            result = served.as_mut() => {
                if let Err(error) = result {
                    tracing::debug!(%peer, %error, "connection ended with an error");
                }
                return;
            }
            why = watchdog(watched.clone(), timeouts) => {
                tracing::info!(%peer, reason = why, "connection closed");
                return;
            }
            _ = stopping.changed(), if !draining => {
                draining = true;
                served.as_mut().graceful_shutdown();
            }
        }
    }
}

/// Binds `addr` and serves until Ctrl-C (or SIGTERM): the body of `procura serve`.
pub async fn run(service: Arc<Service>, addr: SocketAddr) -> Result<(), StartError> {
    let listener = TcpListener::bind(addr)
        .await
        .map_err(|error| StartError::Bind { addr, error })?;
    let local = listener.local_addr().unwrap_or(addr);
    let version = service.version();
    let config = &service.config;
    let tokens = config.tokens.as_ref().map_or(0, Tokens::len);
    tracing::info!(addr = %local, policy = %version.name, hash = %version.hash, kind = version.kind.as_str(), instances = config.instances, trust_inline_profiles = config.trust_inline_profiles, tokens, max_connections = config.max_connections, "serving");
    if config.trust_inline_profiles && config.tokens.is_none() {
        tracing::warn!(addr = %local, "inline profiles are trusted and no token is required: anyone who can reach this address can claim any role (docs/servers.md)");
    }
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
