//! The engine: a compiled policy and its directory, ready to answer requests.
//!
//! This is the one entry point every binding uses (CLI, WebAssembly, plain ABI, HTTP):
//! typed methods for Rust callers and `*_json` methods that take and return JSON text.
//! Every answer is a tagged union, `{"type": "success", "result": …}` or
//! `{"type": "failure", "errors": […]}`; nothing a caller sends can make it panic.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde::Serialize;

use crate::base::diagnostic::Diagnostic;
use crate::compile::CompiledPolicy;
use crate::contract::errors::{request_error, ErrorCode};
use crate::contract::json::{parse_json, to_json, MAX_JSON_BYTES};
use crate::contract::*;
use crate::eval::people::People;

/// A compiled policy with its directory; cheap to clone and share across threads.
#[derive(Debug, Clone)]
pub struct Engine {
    policy: Arc<CompiledPolicy>,
    /// The directory as given, for the policy's tests.
    #[cfg_attr(
        not(feature = "authoring"),
        expect(dead_code, reason = "only the policy's tests read it")
    )]
    directory: Arc<Directory>,
    people: Arc<People>,
    warnings: Arc<Vec<Diagnostic>>,
}

impl Engine {
    /// Compiles `source` with `directory`, e.g. `Engine::new(src, &Directory::default())`.
    #[cfg(feature = "authoring")]
    pub fn new(source: &str, directory: &Directory) -> Result<Engine, Vec<EvalError>> {
        let (compiled, warnings) = compile_source(source)?;
        Engine::with_directory(compiled, warnings, directory)
    }

    /// An engine over an already compiled policy: the runtime's entry point.
    pub(crate) fn with_directory(
        compiled: CompiledPolicy,
        warnings: Vec<Diagnostic>,
        directory: &Directory,
    ) -> Result<Engine, Vec<EvalError>> {
        let people = People::new(directory, &compiled)
            .map_err(|errors| crate::contract::errors::under("directory", errors))?;
        Ok(Engine {
            policy: Arc::new(compiled),
            directory: Arc::new(directory.clone()),
            people: Arc::new(people),
            warnings: Arc::new(warnings),
        })
    }

    /// Loads a policy artifact (`procura build`) with `directory`: the runtime's way in,
    /// e.g. `Engine::load(&std::fs::read("maple.pcy")?, &directory)`. Truncated, corrupted
    /// or hostile bytes are refused with a coded error (`E0701`–`E0703`), never guessed at.
    pub fn load(artifact: &[u8], directory: &Directory) -> Result<Engine, Vec<EvalError>> {
        let policy = crate::compile::artifact::decode(artifact).map_err(|error| {
            vec![EvalError {
                code: error.code.code().to_owned(),
                message: error.message,
                help: error.code.help().map(str::to_owned),
                path: None,
                rule: None,
                span: None,
            }]
        })?;
        Engine::with_directory(policy, Vec::new(), directory)
    }

    /// [`Engine::load`] with the directory as JSON text; `None` means an empty directory.
    pub fn load_json(artifact: &[u8], directory: Option<&str>) -> Result<Engine, Vec<EvalError>> {
        Engine::load(artifact, &directory_from_json(directory)?)
    }

    /// An artifact (by its magic) or policy source, with the directory as JSON text: what
    /// hosts that accept either call.
    #[cfg(feature = "authoring")]
    pub fn open(policy: &[u8], directory: Option<&str>) -> Result<Engine, Vec<EvalError>> {
        if crate::compile::artifact::is_artifact(policy) {
            return Engine::load_json(policy, directory);
        }
        match std::str::from_utf8(policy) {
            Ok(source) => Engine::from_json(source, directory),
            Err(_) => Err(crate::check_bytes(policy)
                .diagnostics
                .into_iter()
                .map(crate::contract::json::diagnostic_error)
                .collect()),
        }
    }

    /// The policy as an artifact for `Engine::load`; the source is kept only `with_source`.
    pub fn artifact(&self, with_source: bool) -> Vec<u8> {
        crate::compile::artifact::encode(&self.policy, with_source)
    }

    /// Compiles from JSON directory text; `None` means an empty directory.
    #[cfg(feature = "authoring")]
    pub fn from_json(source: &str, directory: Option<&str>) -> Result<Engine, Vec<EvalError>> {
        Engine::new(source, &directory_from_json(directory)?)
    }

    /// The policy's name and content hash.
    pub fn policy(&self) -> PolicyRef {
        PolicyRef {
            name: self.policy.name.clone(),
            hash: self.policy.hash.clone(),
        }
    }

    #[cfg(any(all(test, feature = "authoring"), feature = "internals"))]
    pub(crate) fn compiled(&self) -> &CompiledPolicy {
        &self.policy
    }

    /// Warnings found while checking the policy.
    pub fn warnings(&self) -> &[Diagnostic] {
        &self.warnings
    }

    /// The custom fields the policy declares, in source order, for a request form.
    pub fn fields(&self) -> Vec<DeclaredField> {
        let policy = &self.policy;
        policy
            .fields
            .iter()
            .map(|field| {
                let (kind, values) = match &field.ty {
                    crate::compile::FieldType::Text => ("text", Vec::new()),
                    crate::compile::FieldType::Number => ("number", Vec::new()),
                    crate::compile::FieldType::Money => ("money", Vec::new()),
                    crate::compile::FieldType::Date => ("date", Vec::new()),
                    crate::compile::FieldType::OneOf(values) => ("oneOf", values.clone()),
                };
                let translations = |text: &crate::compile::Text| -> BTreeMap<String, String> {
                    text.translations.iter().cloned().collect()
                };
                DeclaredField {
                    name: field.info.id.clone(),
                    title: field.title.default.clone(),
                    titles: translations(&field.title),
                    help: field.help.as_ref().map(|h| h.default.clone()),
                    helps: field.help.as_ref().map(translations).unwrap_or_default(),
                    on: if field.on_lines { "lines" } else { "order" }.to_owned(),
                    kind: kind.to_owned(),
                    values,
                    pattern: field.pattern.clone(),
                    required_in: if field.required {
                        (0..policy.groups.len())
                            .filter(|&g| field.scope.contains(g))
                            .map(|g| policy.group_name(g).to_owned())
                            .collect()
                    } else {
                        Vec::new()
                    },
                }
            })
            .collect()
    }

    /// What a storefront lists about the policy: groups with titles, roles and their
    /// actions, categories, custom fields and named rules.
    pub fn outline(&self) -> PolicyOutline {
        let policy = &self.policy;
        let groups = policy
            .groups
            .iter()
            .map(|g| GroupOutline {
                id: g.name.clone(),
                title: g.title.clone().unwrap_or_else(|| g.name.clone()),
                parent: g.parent.map(|p| policy.group_name(p).to_owned()),
            })
            .collect();
        let roles = policy
            .roles
            .iter()
            .map(|(id, actions)| RoleOutline {
                id: id.clone(),
                actions: actions.iter().cloned().collect(),
            })
            .collect();
        let categories = policy
            .categories
            .iter()
            .map(|(alias, id, title)| CategoryOutline {
                alias: alias.clone(),
                id: id.clone(),
                title: title.clone(),
            })
            .collect();
        let rules = policy
            .declared
            .iter()
            .map(|d| RuleOutline {
                id: d.id.clone(),
                kind: d.kind.to_owned(),
                title: d.title.clone().unwrap_or_else(|| d.id.clone()),
                span: d.span,
            })
            .collect();
        PolicyOutline {
            policy: self.policy(),
            currency: policy.currency.code.clone(),
            default_locale: policy.default_locale.clone(),
            groups,
            roles,
            actions: policy.actions.iter().cloned().collect(),
            categories,
            fields: self.fields(),
            rules,
        }
    }

    /// Every action a user may take in a group, with the assignment granting each.
    pub fn permissions(&self, request: &PermissionsRequest) -> Answer<Permissions> {
        crate::eval::authorize::permissions(&self.policy, &self.people, request)
    }

    pub fn permissions_json(&self, request: &str) -> String {
        answer_json(parse_json(request).map(|r| self.permissions(&r)))
    }

    pub fn evaluate(&self, request: &CheckoutRequest) -> Answer<Decision> {
        crate::eval::checkout(&self.policy, &self.people, request)
    }

    pub fn authorize(&self, request: &AuthorizeRequest) -> Answer<AuthorizeDecision> {
        crate::eval::authorize::authorize(&self.policy, &self.people, request)
    }

    pub fn badges(&self, request: &BadgeRequest) -> Answer<BadgeDecision> {
        crate::eval::badges(&self.policy, &self.people, request)
    }

    pub fn progress(&self, request: &ProgressRequest) -> Answer<WorkflowState> {
        crate::office::workflow::progress(&self.policy, &self.people, request)
    }

    pub fn invoice_run(&self, request: &InvoiceRunRequest) -> Answer<InvoiceRun> {
        crate::office::invoicing::run(&self.policy, request)
    }

    #[cfg(feature = "authoring")]
    pub fn run_tests(&self) -> TestReport {
        crate::office::testing::run_tests(&self.policy, &self.directory)
    }

    /// `evaluate` on JSON text: the answer as JSON text.
    pub fn evaluate_json(&self, request: &str) -> String {
        answer_json(parse_json(request).map(|r| self.evaluate(&r)))
    }

    pub fn authorize_json(&self, request: &str) -> String {
        answer_json(parse_json(request).map(|r| self.authorize(&r)))
    }

    pub fn progress_json(&self, request: &str) -> String {
        answer_json(parse_json(request).map(|r| self.progress(&r)))
    }

    pub fn invoice_run_json(&self, request: &str) -> String {
        answer_json(parse_json(request).map(|r| self.invoice_run(&r)))
    }

    /// An invoice run written as a CSV report, like the `reportCsv` kind of the
    /// conformance corpus: `request` is `{"run": <InvoiceRunRequest>, "report":
    /// <ReportDefinition>}`, no other keys; without `report` (or with `null`) the default
    /// orders report applies. The answer is `{"type":"success","result":"<csv text>"}`, the
    /// run's failure, or the report's (an unknown column is `E0605`). A `run` or `report`
    /// that does not parse is `E0101` with its path under `run` or `report`; a missing `run`
    /// or an unknown key is `E0101` at that key. One copy for the ABI, servers and tests.
    pub fn report_csv_json(&self, request: &str) -> String {
        let failure = |errors: Vec<EvalError>| to_json(&Answer::<String>::Failure { errors });
        use crate::contract::json::parse_json;
        use crate::contract::{InvoiceRunRequest, ReportDefinition, ReportRows};
        use serde_json::Value;
        let malformed = |message: String, path: &str| {
            failure(vec![request_error(ErrorCode::MalformedJson, message, path)])
        };
        let under = |prefix: &str, errors| failure(crate::contract::errors::under(prefix, errors));
        if request.len() > MAX_JSON_BYTES {
            return failure(vec![request_error(
                ErrorCode::InputTooLarge,
                format!(
                    "input is {} bytes, more than the limit of {MAX_JSON_BYTES}",
                    request.len()
                ),
                "",
            )]);
        }
        let value: Value = match serde_json::from_str(request) {
            Ok(value) => value,
            Err(e) => return malformed(e.to_string(), ""),
        };
        let Some(object) = value.as_object() else {
            return malformed("a reportCsv request is an object".into(), "");
        };
        if let Some(key) = object.keys().find(|k| *k != "run" && *k != "report") {
            return malformed(format!("unknown field `{key}`"), key);
        }
        let Some(run) = object.get("run") else {
            return malformed("missing field `run`".into(), "run");
        };
        let run: InvoiceRunRequest = match parse_json(&run.to_string()) {
            Ok(run) => run,
            Err(errors) => return under("run", errors),
        };
        let definition: ReportDefinition = match object.get("report") {
            None | Some(Value::Null) => crate::office::reports::default_report(ReportRows::Orders),
            Some(report) => match parse_json(&report.to_string()) {
                Ok(report) => report,
                Err(errors) => return under("report", errors),
            },
        };
        match self.invoice_run(&run) {
            Answer::Success { result } => {
                to_json(&crate::office::reports::csv(&result, &definition))
            }
            Answer::Failure { errors } => failure(errors),
        }
    }

    pub fn badges_json(&self, request: &str) -> String {
        answer_json(parse_json(request).map(|r| self.badges(&r)))
    }
}

/// Parses, checks and compiles policy source: the compiled policy and its warnings, or
/// every error found.
#[cfg(feature = "authoring")]
fn compile_source(source: &str) -> Result<(CompiledPolicy, Vec<Diagnostic>), Vec<EvalError>> {
    use crate::base::diagnostic::LineIndex;
    use crate::contract::json::diagnostic_error;
    let index = LineIndex::new(source);
    let policy = crate::syntax::parse(source).map_err(|reports| {
        reports
            .into_iter()
            .map(|r| diagnostic_error(r.locate(&index)))
            .collect::<Vec<_>>()
    })?;
    let (model, reports) = crate::check::check(&policy);
    let diagnostics: Vec<Diagnostic> = reports.into_iter().map(|r| r.locate(&index)).collect();
    if diagnostics.iter().any(Diagnostic::is_error) {
        return Err(diagnostics
            .into_iter()
            .filter(Diagnostic::is_error)
            .map(diagnostic_error)
            .collect());
    }
    Ok((
        crate::compile::compile(source, &policy, &model),
        diagnostics,
    ))
}

/// The directory of JSON text, its errors under `directory`; `None` is an empty one.
fn directory_from_json(directory: Option<&str>) -> Result<Directory, Vec<EvalError>> {
    match directory {
        Some(json) => parse_json::<Directory>(json)
            .map_err(|errors| crate::contract::errors::under("directory", errors)),
        None => Ok(Directory::default()),
    }
}

fn answer_json<T: Serialize>(answer: Result<Answer<T>, Vec<EvalError>>) -> String {
    match answer {
        Ok(answer) => to_json(&answer),
        Err(errors) => to_json(&Answer::<T>::Failure { errors }),
    }
}
