//! The plain ABI of the core WebAssembly module as data: its version, the questions and
//! their exports, and the `E05xx` codes of the module and of its hosts. One definition,
//! read by the module itself (`src/bind/abi.rs`) and by the wasmtime host (`host/`), so
//! the two cannot drift; `docs/abi.md` is the specification for host authors.
//!
//! Plain constants and one enum, behind no feature: a host needs them without the ABI's
//! exports (it links the module, not this crate's `abi` feature).

/// The version of the ABI (`procura_abi_version`): bumped whenever an export is added or
/// removed or its signature or meaning changes. Version 2 added
/// `procura_set_trust_inline_profiles` and refuses inline profiles by default; version 3
/// checks every buffer against the memory (`E0518`), refuses an order over the line limit
/// before parsing it, and added `procura_invoice_run` and `procura_report_csv`; version 4
/// added `procura_load` (policy artifacts) and made `procura_compile` absent from the
/// runtime-only module.
pub const ABI_VERSION: u32 = 4;

/// The export that compiles policy source into a handle (the full module only).
pub const COMPILE_EXPORT: &str = "procura_compile";

/// The export that loads a policy artifact into a handle (every module of ABI 4).
pub const LOAD_EXPORT: &str = "procura_load";

/// Which question a request asks: one export each, all `(handle, ptr, len) -> packed`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Query {
    /// A checkout decision (`Engine::evaluate_json`).
    Evaluate,
    /// A permission check (`Engine::authorize_json`).
    Authorize,
    /// Product badges (`Engine::badges_json`).
    Badges,
    /// Approval-workflow state (`Engine::progress_json`).
    Progress,
    /// An invoice run: an `InvoiceRunRequest` in, the `InvoiceRun` answer out.
    InvoiceRun,
    /// An invoice run's CSV report: `{"run": <InvoiceRunRequest>, "report":
    /// <ReportDefinition or null>}` in, `{"type":"success","result":"<csv text>"}` or a
    /// failure out.
    ReportCsv,
}

impl Query {
    /// Every question, in the order of `docs/abi.md`.
    pub const ALL: [Query; 6] = [
        Query::Evaluate,
        Query::Authorize,
        Query::Badges,
        Query::Progress,
        Query::InvoiceRun,
        Query::ReportCsv,
    ];

    /// The export's name, e.g. `procura_evaluate`.
    pub fn export(self) -> &'static str {
        match self {
            Query::Evaluate => "procura_evaluate",
            Query::Authorize => "procura_authorize",
            Query::Badges => "procura_badges",
            Query::Progress => "procura_progress",
            Query::InvoiceRun => "procura_invoice_run",
            Query::ReportCsv => "procura_report_csv",
        }
    }

    /// The last segment of the decision service's route, e.g. `evaluate` for
    /// `POST /v1/evaluate` (`procura serve`, `docs/servers.md`).
    pub fn route(self) -> &'static str {
        match self {
            Query::Evaluate => "evaluate",
            Query::Authorize => "authorize",
            Query::Badges => "badges",
            Query::Progress => "progress",
            Query::InvoiceRun => "invoice-run",
            Query::ReportCsv => "report-csv",
        }
    }
}

/// A request used up its fuel (a host's budget): `evaluation exceeded its budget`.
pub const BUDGET_EXCEEDED: &str = "E0501";
/// No policy has this handle (answered by the module).
pub const UNKNOWN_HANDLE: &str = "E0502";
/// A request made the instance reach its host's memory cap.
pub const MEMORY_EXCEEDED: &str = "E0503";
/// The module trapped or broke the ABI: a bug, reported as such by the host.
pub const ENGINE_FAILED: &str = "E0504";
/// The request's `Content-Type` is not `application/json` (the decision service).
pub const UNSUPPORTED_MEDIA_TYPE: &str = "E0511";
/// No such route (the decision service).
pub const NOT_FOUND: &str = "E0512";
/// The route exists, not with this method (the decision service).
pub const METHOD_NOT_ALLOWED: &str = "E0513";
/// The request body could not be read (the decision service).
pub const BAD_BODY: &str = "E0514";
/// The request carries an inline profile (`buyerProfile`, `userProfile`) and the host does
/// not trust them (answered by the module).
pub const INLINE_PROFILE_NOT_TRUSTED: &str = "E0515";
/// The service wants a bearer token and the request has none, or a wrong one.
pub const UNAUTHORIZED: &str = "E0516";
/// The request body did not arrive within the service's body timeout.
pub const BODY_TIMEOUT: &str = "E0517";
/// A `(ptr, len)` passed to an export is not inside the module's memory, or has `ptr` 0 and
/// `len` > 0 (answered by the module; a host that copies its input in with `procura_alloc`
/// never sees it).
pub const BUFFER_OUTSIDE_MEMORY: &str = "E0518";
/// The decision could not be written to the decision log: withheld rather than let out
/// unlogged (status 503).
pub const DECISION_NOT_LOGGED: &str = "E0519";
/// A decision log line is not JSON: cut short by a crash, or damaged.
pub const LOG_LINE_CORRUPT: &str = "E0520";
/// A decision log line is JSON but not a log entry, or its answer is not a checkout answer.
pub const LOG_LINE_NOT_ENTRY: &str = "E0521";
