//! The engine: a compiled policy and its directory, ready to answer requests.
//!
//! This is the one entry point every binding uses (CLI, WebAssembly, plain ABI, HTTP):
//! typed methods for Rust callers and `*_json` methods that take and return JSON text.
//! Every answer is a tagged union, `{"type": "success", "result": …}` or
//! `{"type": "failure", "errors": […]}`; nothing a caller sends can make it panic.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::compile::{compile, CompiledPolicy};
use crate::contract::*;
use crate::diagnostic::{Diagnostic, LineIndex};
use crate::errors::{request_error, ErrorCode};
use crate::people::People;

/// The largest JSON input accepted, in bytes.
pub const MAX_JSON_BYTES: usize = 16 * 1024 * 1024;

/// A compiled policy with its directory; cheap to clone and share across threads.
#[derive(Debug, Clone)]
pub struct Engine {
    policy: Arc<CompiledPolicy>,
    directory: Arc<Directory>,
    people: Arc<People>,
    warnings: Arc<Vec<Diagnostic>>,
}

impl Engine {
    /// Compiles `source` with `directory`, e.g. `Engine::new(src, &Directory::default())`.
    pub fn new(source: &str, directory: &Directory) -> Result<Engine, Vec<EvalError>> {
        let parsed = crate::syntax::parse(source);
        let index = LineIndex::new(source);
        let policy = match parsed {
            Ok(policy) => policy,
            Err(reports) => {
                return Err(reports
                    .into_iter()
                    .map(|r| diagnostic_error(r.locate(&index)))
                    .collect())
            }
        };
        let (model, reports) = crate::check::check(&policy);
        let diagnostics: Vec<Diagnostic> = reports.into_iter().map(|r| r.locate(&index)).collect();
        if diagnostics.iter().any(Diagnostic::is_error) {
            return Err(diagnostics
                .into_iter()
                .filter(Diagnostic::is_error)
                .map(diagnostic_error)
                .collect());
        }
        let compiled = compile(source, &policy, &model);
        let people = People::new(directory, &compiled)
            .map_err(|errors| crate::errors::under("directory", errors))?;
        Ok(Engine {
            policy: Arc::new(compiled),
            directory: Arc::new(directory.clone()),
            people: Arc::new(people),
            warnings: Arc::new(diagnostics),
        })
    }

    /// Compiles from JSON directory text; `None` means an empty directory.
    pub fn from_json(source: &str, directory: Option<&str>) -> Result<Engine, Vec<EvalError>> {
        let directory = match directory {
            Some(json) => parse_json::<Directory>(json)
                .map_err(|errors| crate::errors::under("directory", errors))?,
            None => Directory::default(),
        };
        Engine::new(source, &directory)
    }

    /// The policy's name and content hash.
    pub fn policy(&self) -> PolicyRef {
        PolicyRef {
            name: self.policy.name.clone(),
            hash: self.policy.hash.clone(),
        }
    }

    pub fn compiled(&self) -> &CompiledPolicy {
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
        crate::authorize::permissions(&self.policy, &self.people, request)
    }

    pub fn permissions_json(&self, request: &str) -> String {
        answer_json(parse_json(request).map(|r| self.permissions(&r)))
    }

    pub fn evaluate(&self, request: &CheckoutRequest) -> Answer<Decision> {
        crate::eval::checkout(&self.policy, &self.people, request)
    }

    pub fn authorize(&self, request: &AuthorizeRequest) -> Answer<AuthorizeDecision> {
        crate::authorize::authorize(&self.policy, &self.people, request)
    }

    pub fn badges(&self, request: &BadgeRequest) -> Answer<BadgeDecision> {
        crate::eval::badges(&self.policy, &self.people, request)
    }

    pub fn progress(&self, request: &ProgressRequest) -> Answer<WorkflowState> {
        crate::workflow::progress(&self.policy, &self.people, request)
    }

    pub fn invoice_run(&self, request: &InvoiceRunRequest) -> Answer<InvoiceRun> {
        crate::invoicing::run(&self.policy, request)
    }

    pub fn run_tests(&self) -> TestReport {
        crate::testing::run_tests(&self.policy, &self.directory)
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
        use crate::contract::{InvoiceRunRequest, ReportDefinition, ReportRows};
        use crate::engine::parse_json;
        use serde_json::Value;
        let malformed = |message: String, path: &str| {
            failure(vec![request_error(ErrorCode::MalformedJson, message, path)])
        };
        let under = |prefix: &str, errors| failure(crate::errors::under(prefix, errors));
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
            None | Some(Value::Null) => crate::reports::default_report(ReportRows::Orders),
            Some(report) => match parse_json(&report.to_string()) {
                Ok(report) => report,
                Err(errors) => return under("report", errors),
            },
        };
        match self.invoice_run(&run) {
            Answer::Success { result } => to_json(&crate::reports::csv(&result, &definition)),
            Answer::Failure { errors } => failure(errors),
        }
    }

    pub fn badges_json(&self, request: &str) -> String {
        answer_json(parse_json(request).map(|r| self.badges(&r)))
    }
}

/// A compile diagnostic as an error of the JSON contract.
pub fn diagnostic_error(diagnostic: Diagnostic) -> EvalError {
    EvalError {
        code: diagnostic.code.to_owned(),
        message: diagnostic.message,
        help: diagnostic.help,
        path: None,
        rule: None,
        span: Some(diagnostic.span),
    }
}

/// Parses JSON into a contract type; errors name the JSON path, e.g. `order.lines[2].quantity`.
pub fn parse_json<T: DeserializeOwned>(json: &str) -> Result<T, Vec<EvalError>> {
    if json.len() > MAX_JSON_BYTES {
        return Err(vec![request_error(
            ErrorCode::InputTooLarge,
            format!(
                "input is {} bytes, more than the limit of {MAX_JSON_BYTES}",
                json.len()
            ),
            "",
        )]);
    }
    let mut deserializer = serde_json::Deserializer::from_str(json);
    let parsed: Result<T, _> =
        serde_path_to_error::deserialize(crate::strict::Strict(&mut deserializer));
    // A repeated key is reported at its own path, whether the typed read refused it (a
    // struct field: serde names no path) or kept the last value (a map).
    let repeated = || {
        crate::strict::first_duplicate_key(json).map(|path| {
            let key = path
                .rsplit(['.', ']'])
                .next()
                .unwrap_or_default()
                .to_owned();
            vec![request_error(
                ErrorCode::MalformedJson,
                format!("key `{key}` appears more than once"),
                path,
            )]
        })
    };
    let value = match parsed {
        Ok(value) => value,
        Err(error) => return Err(repeated().unwrap_or_else(|| vec![json_error(&error, "")])),
    };
    if let Some(errors) = repeated() {
        return Err(errors);
    }
    deserializer.end().map_err(|error| {
        vec![request_error(
            ErrorCode::MalformedJson,
            describe_json_error(&error),
            "",
        )]
    })?;
    Ok(value)
}

/// A deserialisation error at its JSON path under `prefix`; serde reports a missing field
/// at its parent, so the field itself is named.
pub fn json_error(
    error: &serde_path_to_error::Error<serde_json::Error>,
    prefix: &str,
) -> EvalError {
    let found = error.path().to_string();
    let mut path = if found == "." { String::new() } else { found };
    let message = error.inner().to_string();
    if let Some(field) = message
        .strip_prefix("missing field `")
        .and_then(|r| r.split('`').next())
    {
        path = if path.is_empty() {
            field.to_owned()
        } else {
            format!("{path}.{field}")
        };
    }
    let path = match (prefix.is_empty(), path.is_empty()) {
        (true, _) => path,
        (false, true) => prefix.to_owned(),
        (false, false) => format!("{prefix}.{path}"),
    };
    request_error(
        ErrorCode::MalformedJson,
        describe_json_error(error.inner()),
        path,
    )
}

/// The longest user value an error message quotes, in characters.
pub const EXCERPT_CHARS: usize = 80;

/// A user value as an error message quotes it: at most [`EXCERPT_CHARS`] characters, the
/// rest replaced by `…` and the number of characters left out, so that a megabyte string
/// never comes back inside an error.
pub fn excerpt(value: &str) -> String {
    let count = value.chars().count();
    if count <= EXCERPT_CHARS {
        return value.to_owned();
    }
    let kept: String = value.chars().take(EXCERPT_CHARS - 1).collect();
    format!("{kept}… ({} more characters)", count - (EXCERPT_CHARS - 1))
}

/// serde's message in plain words: what was expected and what was found, with JSON's words
/// (object, array, string, number) instead of Rust type names, user values quoted as short
/// excerpts, and no position (the JSON path names the place).
fn describe_json_error(error: &serde_json::Error) -> String {
    let text = error.to_string();
    let text = match text.rfind(" at line ") {
        Some(i) if text[i..].contains(" column ") => &text[..i],
        _ => text.as_str(),
    };
    plain_json_message(text)
}

/// The rewrite behind [`describe_json_error`], on serde's message without its position.
fn plain_json_message(text: &str) -> String {
    if let Some(rest) = text.strip_prefix("invalid type: ") {
        if let Some((found, expected)) = split_expected(rest) {
            return format!(
                "expected {}, found {}",
                expected_words(expected),
                found_words(found)
            );
        }
    }
    if let Some(rest) = text.strip_prefix("invalid length ") {
        if let Some((length, expected)) = split_expected(rest) {
            let expected = expected_words(expected);
            return if expected == "an object" {
                "expected an object, found an array".to_owned()
            } else {
                format!("expected {expected}, found {length} items")
            };
        }
    }
    if let Some(rest) = text.strip_prefix("invalid value: ") {
        if let Some((found, expected)) = split_expected(rest) {
            return format!(
                "expected {}, found {}",
                expected_words(expected),
                found_words(found)
            );
        }
    }
    for (prefix, noun) in [
        ("unknown field ", "unknown key"),
        ("unknown variant ", "unknown value"),
    ] {
        if let Some(rest) = text.strip_prefix(prefix) {
            let (name, allowed) = match rest.split_once(", expected ") {
                Some((name, allowed)) => (name, Some(allowed)),
                None => (
                    rest.split_once(", there are no").map_or(rest, |(n, _)| n),
                    None,
                ),
            };
            let name = quoted(name.trim_matches('`'));
            return match allowed {
                Some(allowed) => format!(
                    "{noun} {name}; expected {}",
                    excerpt(&allowed.replace("one of ", "one of: "))
                ),
                None => format!("{noun} {name}"),
            };
        }
    }
    if let Some(rest) = text.strip_prefix("missing field ") {
        return format!("the key {} is missing", quoted(rest.trim_matches('`')));
    }
    if let Some(rest) = text.strip_prefix("duplicate field ") {
        return format!("the key {} appears twice", quoted(rest.trim_matches('`')));
    }
    if text.starts_with("data did not match any variant") {
        return "does not match any of the accepted forms".to_owned();
    }
    if text == "EOF while parsing a value" || text.starts_with("EOF while parsing") {
        return "the JSON ends too early".to_owned();
    }
    if text == "trailing characters" {
        return "unexpected text after the end of the JSON value".to_owned();
    }
    if text == "expected value" {
        return "not valid JSON: expected a value".to_owned();
    }
    // Anything else (the contract's own messages): Rust's integer names in words, long
    // quoted values shortened, the first letter lowercased.
    let text = shorten_quoted(
        &text
            .replace("u64", "a whole number")
            .replace("u32", "a whole number")
            .replace("struct ", "an object "),
    );
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_lowercase().chain(chars).collect(),
        None => text,
    }
}

/// `found, expected wanted` → (found, wanted), split at the last `, expected `.
fn split_expected(text: &str) -> Option<(&str, &str)> {
    text.rfind(", expected ")
        .map(|i| (&text[..i], &text[i + ", expected ".len()..]))
}

/// A user value in backticks, shortened.
fn quoted(value: &str) -> String {
    format!("`{}`", excerpt(value))
}

/// Shortens every backtick-quoted value of `text` longer than [`EXCERPT_CHARS`].
fn shorten_quoted(text: &str) -> String {
    let parts: Vec<&str> = text.split('`').collect();
    if parts.len() < 3 {
        return text.to_owned();
    }
    parts
        .iter()
        .enumerate()
        .map(|(i, part)| {
            if i % 2 == 1 {
                excerpt(part)
            } else {
                (*part).to_owned()
            }
        })
        .collect::<Vec<_>>()
        .join("`")
}

/// serde's `Unexpected` in JSON's words: `string "40"` → `the string "40"`.
fn found_words(found: &str) -> String {
    if let Some(value) = found.strip_prefix("string ") {
        let value = value
            .strip_prefix('"')
            .and_then(|v| v.strip_suffix('"'))
            .unwrap_or(value);
        return format!("the string \"{}\"", excerpt(value));
    }
    for prefix in ["integer ", "floating point "] {
        if let Some(value) = found.strip_prefix(prefix) {
            return format!("the number {}", value.trim_matches('`'));
        }
    }
    if let Some(value) = found.strip_prefix("boolean ") {
        return value.trim_matches('`').to_owned();
    }
    match found {
        "sequence" => "an array".to_owned(),
        "map" => "an object".to_owned(),
        "unit value" | "null" | "none" | "Option value" => "null".to_owned(),
        "string" => "a string".to_owned(),
        other => excerpt(other),
    }
}

/// serde's `expected` text in JSON's words: `struct CheckoutRequest` → `an object`.
fn expected_words(expected: &str) -> String {
    let expected = expected.trim();
    if expected.starts_with("struct ") || expected.starts_with("a map") || expected == "map" {
        return "an object".to_owned();
    }
    if expected.starts_with("a sequence")
        || expected.starts_with("tuple")
        || expected.starts_with("an array")
    {
        return "an array".to_owned();
    }
    if expected.starts_with("enum ") || expected.starts_with("variant ") {
        return "one of the accepted values".to_owned();
    }
    if expected.starts_with("internally tagged enum")
        || expected.starts_with("adjacently tagged enum")
    {
        return "an object with a known `type`".to_owned();
    }
    match expected {
        "u8" | "u16" | "u32" | "u64" | "u128" | "usize" => "a whole number".to_owned(),
        "i8" | "i16" | "i32" | "i64" | "i128" | "isize" => "a whole number".to_owned(),
        "f32" | "f64" => "a number".to_owned(),
        "a boolean" | "bool" => "true or false".to_owned(),
        "a string" | "a borrowed string" | "string" | "char" | "a character" => {
            "a string".to_owned()
        }
        other => shorten_quoted(other),
    }
}

/// Serialises a result; serialisation of the contract types cannot fail, but if it ever
/// did the caller still gets a structured failure.
pub fn to_json<T: Serialize>(value: &T) -> String {
    serde_json::to_string(value).unwrap_or_else(|error| {
        format!(
            r#"{{"type":"failure","errors":[{{"code":"E0101","message":{}}}]}}"#,
            serde_json::Value::String(error.to_string())
        )
    })
}

fn answer_json<T: Serialize>(answer: Result<Answer<T>, Vec<EvalError>>) -> String {
    match answer {
        Ok(answer) => to_json(&answer),
        Err(errors) => to_json(&Answer::<T>::Failure { errors }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message<T: DeserializeOwned + std::fmt::Debug>(json: &str) -> String {
        parse_json::<T>(json).unwrap_err().remove(0).message
    }

    #[test]
    fn json_errors_name_json_types_not_rust_types() {
        let empty_array = message::<CheckoutRequest>("[]");
        assert_eq!(empty_array, "expected an object, found an array");
        let number = message::<CheckoutRequest>(r#"{"buyer": 5}"#);
        assert_eq!(number, "expected a string, found the number 5");
        let text = message::<Vec<u32>>(r#"["40"]"#);
        assert_eq!(text, r#"expected a whole number, found the string "40""#);
        let negative = message::<Vec<u32>>("[-1]");
        assert_eq!(negative, "expected a whole number, found the number -1");
        let object = message::<Vec<String>>("{}");
        assert_eq!(object, "expected an array, found an object");
        let null = message::<String>("null");
        assert_eq!(null, "expected a string, found null");
        for m in [empty_array, number, text, negative, object, null] {
            assert!(
                !m.contains("struct") && !m.contains("u32") && !m.contains("invalid"),
                "{m}"
            );
        }
    }

    #[test]
    fn json_errors_about_keys_are_plain() {
        let missing = message::<CheckoutRequest>("{}");
        assert!(missing.starts_with("the key `"), "{missing}");
        assert!(missing.ends_with("` is missing"), "{missing}");
        let unknown = message::<Directory>(r#"{"users": [], "colour": 1}"#);
        assert_eq!(unknown, "unknown key `colour`; expected `users`");
        let several = message::<CheckoutRequest>(r#"{"colour": 1}"#);
        assert!(
            several.starts_with("unknown key `colour`; expected one of: `"),
            "{several}"
        );
        let malformed = message::<CheckoutRequest>("{");
        assert_eq!(malformed, "the JSON ends too early");
        let trailing = message::<Vec<u32>>("[1] x");
        assert_eq!(trailing, "unexpected text after the end of the JSON value");
    }

    #[test]
    fn json_errors_quote_long_values_as_excerpts() {
        let long = "x".repeat(5000);
        let m = message::<Vec<u32>>(&format!(r#"["{long}"]"#));
        assert!(m.chars().count() < 200, "{m}");
        assert!(m.contains("… (4921 more characters)"), "{m}");
        let key = message::<Directory>(&format!(r#"{{"users": [], "{long}": 1}}"#));
        assert!(key.chars().count() < 400, "{key}");
        assert_eq!(excerpt("short"), "short");
        assert_eq!(excerpt(&"é".repeat(80)), "é".repeat(80));
        assert_eq!(
            excerpt(&"é".repeat(81)),
            format!("{}… (2 more characters)", "é".repeat(79))
        );
    }
}
