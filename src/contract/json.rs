//! JSON in and out of the contract: parsing with the path of every error, error messages
//! in plain words instead of serde's, short excerpts of bad values, and compact output.

use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::base::diagnostic::Diagnostic;
use crate::contract::errors::{request_error, ErrorCode};
use crate::contract::EvalError;

/// The largest JSON input accepted, in bytes.
pub const MAX_JSON_BYTES: usize = 16 * 1024 * 1024;

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
    #[cfg(not(target_arch = "wasm32"))]
    if let Some(value) = read_plainly(json) {
        return Ok(value);
    }
    let mut deserializer = serde_json::Deserializer::from_str(json);
    let parsed: Result<T, _> =
        serde_path_to_error::deserialize(crate::contract::strict::Strict(&mut deserializer));
    // A repeated key is reported at its own path, whether the typed read refused it (a
    // struct field: serde names no path) or kept the last value (a map).
    let repeated = || {
        crate::contract::strict::first_duplicate_key(json).map(|path| {
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

/// The happy path of [`parse_json`]: the same strict read without tracking the JSON path,
/// which only an error needs (natively it costs a fifth of a checkout's JSON call). `None`
/// on any problem, and then the tracked read reports it exactly as before. Not in wasm,
/// where the second copy of every contract type's reader would cost module size.
#[cfg(not(target_arch = "wasm32"))]
fn read_plainly<T: DeserializeOwned>(json: &str) -> Option<T> {
    let mut deserializer = serde_json::Deserializer::from_str(json);
    let value = T::deserialize(crate::contract::strict::Strict(&mut deserializer)).ok()?;
    deserializer.end().ok()?;
    crate::contract::strict::first_duplicate_key(json)
        .is_none()
        .then_some(value)
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

#[cfg(test)]
mod tests {
    use serde::de::DeserializeOwned;

    use super::*;
    use crate::contract::{CheckoutRequest, Directory};

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
