//! A bounded pool of instances sharing one policy version, for concurrent requests.
//!
//! Every instance compiles the same policy (source + directory) into its own handle, or
//! loads it when it is an artifact (`procura build`, told apart by its magic). A
//! request borrows an idle instance, or makes one while fewer than `size` exist, or waits
//! for one to come back. An instance broken by a trap (budget, memory cap) is dropped and
//! replaced by a fresh one on demand, so one bad request never poisons the next.

use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};

use serde::Deserialize;

use crate::errors::HostError;
use crate::module::{CoreModule, Instance, Limits, Query};

/// What a policy file held.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PolicyKind {
    /// Policy source, compiled in each instance (`procura_compile`).
    Source,
    /// A policy artifact, loaded in each instance (`procura_load`).
    Artifact,
}

impl PolicyKind {
    /// `source` or `artifact`, as `GET /v1/policy` says it.
    pub fn as_str(self) -> &'static str {
        match self {
            PolicyKind::Source => "source",
            PolicyKind::Artifact => "artifact",
        }
    }

    /// The kind of `policy`'s bytes, by the artifact magic.
    pub fn of(policy: &[u8]) -> PolicyKind {
        if procura::is_artifact(policy) {
            PolicyKind::Artifact
        } else {
            PolicyKind::Source
        }
    }
}

/// One version of the policy: what was compiled or loaded, and what it became.
#[derive(Debug, Clone)]
pub struct PolicyVersion {
    /// The policy's name, from its source.
    pub name: String,
    /// The SHA-256 of its source (an artifact carries its source's): every decision names it.
    pub hash: String,
    /// Whether it came as source or as an artifact.
    pub kind: PolicyKind,
    /// The compile warnings (diagnostics JSON).
    pub warnings: serde_json::Value,
    /// When this version was compiled and put in service.
    pub loaded_at: jiff::Timestamp,
    source: Arc<[u8]>,
    directory: Option<Arc<[u8]>>,
}

impl PolicyVersion {
    /// Whether this version was compiled from exactly these inputs.
    pub fn is_from(&self, source: &[u8], directory: Option<&[u8]>) -> bool {
        *self.source == *source && self.directory.as_deref() == directory
    }
}

/// Why a pool could not be made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PoolError {
    /// The policy does not compile (or the artifact does not load): the module's failure
    /// answer JSON.
    #[error("the policy is refused: {0}")]
    Rejected(String),
    #[error(transparent)]
    Host(#[from] HostError),
}

#[derive(Deserialize)]
#[serde(tag = "type", rename_all = "camelCase")]
enum CompileAnswer {
    Success { result: Compiled },
    Failure {},
}

#[derive(Deserialize)]
struct Compiled {
    handle: u32,
    policy: PolicyName,
    warnings: serde_json::Value,
}

#[derive(Deserialize)]
struct PolicyName {
    name: String,
    hash: String,
}

struct Worker {
    instance: Instance,
    handle: u32,
}

struct State {
    idle: Vec<Worker>,
    live: usize,
}

/// Instances of the core module, all with the same compiled policy.
pub struct Pool {
    module: CoreModule,
    limits: Limits,
    size: usize,
    trust_inline_profiles: bool,
    version: Arc<PolicyVersion>,
    state: Mutex<State>,
    returned: Condvar,
}

impl std::fmt::Debug for Pool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pool")
            .field("version", &self.version)
            .field("size", &self.size)
            .finish_non_exhaustive()
    }
}

impl Pool {
    /// Compiles the policy (or loads the artifact) in a first instance; at most `size` (at least 1) instances will
    /// ever exist at once. A policy that does not compile is [`PoolError::Rejected`] with the
    /// module's answer, which lists every error. Requests carrying inline profiles are
    /// refused (`E0515`); see [`Pool::with_trust`].
    pub fn new(
        module: &CoreModule,
        limits: Limits,
        size: usize,
        source: &[u8],
        directory: Option<&[u8]>,
    ) -> Result<Pool, PoolError> {
        Pool::with_trust(module, limits, size, source, directory, false)
    }

    /// Like [`Pool::new`]; with `trust_inline_profiles`, requests may carry the user inline
    /// (`buyerProfile`, `userProfile`) instead of naming one of the directory. Only for a
    /// caller that built the profile itself: never forward a profile a client sent.
    pub fn with_trust(
        module: &CoreModule,
        limits: Limits,
        size: usize,
        source: &[u8],
        directory: Option<&[u8]>,
        trust_inline_profiles: bool,
    ) -> Result<Pool, PoolError> {
        let mut instance = module.instance(limits)?;
        let answer = instance.open(source, directory)?;
        let compiled = match serde_json::from_str::<CompileAnswer>(&answer) {
            Ok(CompileAnswer::Success { result }) => result,
            Ok(CompileAnswer::Failure {}) => return Err(PoolError::Rejected(answer)),
            Err(error) => {
                return Err(HostError::Abi(format!(
                    "procura_compile or procura_load answered {answer}: {error}"
                ))
                .into())
            }
        };
        if trust_inline_profiles {
            trust(&mut instance, compiled.handle)?;
        }
        let version = PolicyVersion {
            name: compiled.policy.name,
            hash: compiled.policy.hash,
            kind: PolicyKind::of(source),
            warnings: compiled.warnings,
            loaded_at: jiff::Timestamp::now(),
            source: source.into(),
            directory: directory.map(Into::into),
        };
        Ok(Pool {
            module: module.clone(),
            limits,
            size: size.max(1),
            trust_inline_profiles,
            version: Arc::new(version),
            state: Mutex::new(State {
                idle: vec![Worker {
                    instance,
                    handle: compiled.handle,
                }],
                live: 1,
            }),
            returned: Condvar::new(),
        })
    }

    /// The policy version every instance of this pool has compiled.
    pub fn version(&self) -> &Arc<PolicyVersion> {
        &self.version
    }

    /// The most instances this pool makes.
    pub fn size(&self) -> usize {
        self.size
    }

    /// Whether requests may carry inline profiles.
    pub fn trusts_inline_profiles(&self) -> bool {
        self.trust_inline_profiles
    }

    /// How many instances exist now (idle or busy).
    pub fn live(&self) -> usize {
        self.lock().live
    }

    /// Asks one question: the answer JSON, always. Host problems (budget, memory cap, a
    /// trap) become a coded failure answer (`E0501`, `E0503`, `E0504`).
    pub fn call(&self, query: Query, request: &[u8]) -> String {
        self.try_call(query, request)
            .unwrap_or_else(|error| error.answer_json())
    }

    /// An invoice run (`InvoiceRunRequest` JSON): the answer JSON, always.
    pub fn invoice_run(&self, request: &[u8]) -> String {
        self.call(Query::InvoiceRun, request)
    }

    /// An invoice run's CSV report (`{"run": …, "report": …}`): `{"type":"success","result":
    /// "<csv text>"}` or a failure, always JSON.
    pub fn report_csv(&self, request: &[u8]) -> String {
        self.call(Query::ReportCsv, request)
    }

    /// Asks one question; the host's problems as errors.
    pub fn try_call(&self, query: Query, request: &[u8]) -> Result<String, HostError> {
        self.try_call_metered(query, request).0
    }

    /// Like [`Pool::call`], with the fuel the call used (the whole budget when it ran out;
    /// `None` when no instance could be had).
    pub fn call_metered(&self, query: Query, request: &[u8]) -> (String, Option<u64>) {
        let (answer, fuel) = self.try_call_metered(query, request);
        (answer.unwrap_or_else(|error| error.answer_json()), fuel)
    }

    fn try_call_metered(
        &self,
        query: Query,
        request: &[u8],
    ) -> (Result<String, HostError>, Option<u64>) {
        let mut worker = match self.checkout() {
            Ok(worker) => worker,
            Err(error) => return (Err(error), None),
        };
        let answer = worker.instance.query(worker.handle, query, request);
        let used = self
            .limits
            .fuel_per_call
            .saturating_sub(worker.instance.fuel_left());
        self.checkin(worker);
        (answer, Some(used))
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn checkout(&self) -> Result<Worker, HostError> {
        let mut state = self.lock();
        loop {
            if let Some(worker) = state.idle.pop() {
                return Ok(worker);
            }
            if state.live < self.size {
                state.live += 1;
                drop(state);
                let made = self.make();
                if made.is_err() {
                    self.lock().live -= 1;
                    self.returned.notify_one();
                }
                return made;
            }
            state = self
                .returned
                .wait(state)
                .unwrap_or_else(PoisonError::into_inner);
        }
    }

    fn checkin(&self, worker: Worker) {
        let mut state = self.lock();
        if worker.instance.is_broken() {
            state.live -= 1;
        } else {
            state.idle.push(worker);
        }
        drop(state);
        self.returned.notify_one();
    }

    /// A fresh instance with this pool's policy compiled (or loaded) in.
    fn make(&self) -> Result<Worker, HostError> {
        let mut instance = self.module.instance(self.limits)?;
        let answer = instance.open(&self.version.source, self.version.directory.as_deref())?;
        match serde_json::from_str::<CompileAnswer>(&answer) {
            Ok(CompileAnswer::Success { result }) if result.policy.hash == self.version.hash => {
                if self.trust_inline_profiles {
                    trust(&mut instance, result.handle)?;
                }
                Ok(Worker {
                    instance,
                    handle: result.handle,
                })
            }
            _ => Err(HostError::Abi(format!(
                "the policy compiled or loaded before no longer does: {answer}"
            ))),
        }
    }
}

/// Lets the policy of `handle` take inline profiles.
fn trust(instance: &mut Instance, handle: u32) -> Result<(), HostError> {
    if instance.set_trust_inline_profiles(handle, true)? {
        Ok(())
    } else {
        Err(HostError::Abi(format!(
            "procura_set_trust_inline_profiles does not know the handle {handle} just compiled"
        )))
    }
}
