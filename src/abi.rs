//! The plain ABI of the zero-import core WebAssembly module (`pkg/core/procura.wasm`).
//!
//! Built with `--no-default-features --features abi` for `wasm32-unknown-unknown` by
//! `scripts/build-core.sh`. Every export takes and returns plain integers: byte buffers are
//! `(ptr, len)` pairs in the module's linear memory, and every result is a JSON document in
//! a buffer the module allocated, returned packed as `(ptr << 32) | len` in a `u64`. The
//! host frees it with [`procura_free`]. `docs/abi.md` is the specification for host
//! authors; this file is the implementation.
//!
//! Compiled policies live in a table owned by the module and are named by handles (`u32`,
//! never 0, never reused while the instance lives). The module imports nothing.
//!
//! All `unsafe` of the crate is here: reading the host's input buffers and handing out and
//! taking back raw allocations. Each block says why it is sound.

use std::alloc::{alloc, dealloc, Layout};
use std::collections::BTreeMap;
use std::sync::{Mutex, PoisonError};

use serde::Serialize;

use crate::contract::{Answer, EvalError, PolicyRef};
use crate::diagnostic::Diagnostic;
use crate::engine::{diagnostic_error, to_json, Engine};
use crate::errors::{request_error, ErrorCode};

/// The version of this ABI: bumped whenever an export's signature or meaning changes.
/// Version 2 added `procura_set_trust_inline_profiles` and refuses inline profiles by default.
pub const ABI_VERSION: u32 = 2;

/// Code of the failure answered for a handle that does not name a compiled policy.
pub const UNKNOWN_HANDLE: &str = "E0502";

/// Code of the failure answered for a request that carries an inline profile
/// (`buyerProfile`, `userProfile`) to a policy whose host does not trust them.
pub const INLINE_PROFILE_NOT_TRUSTED: &str = "E0515";

/// A compiled policy and whether its host vouches for the inline profiles of requests.
struct Stored {
    engine: Engine,
    trust_inline_profiles: bool,
}

/// The compiled policies of this instance, by handle.
struct Table {
    next: u32,
    engines: BTreeMap<u32, Stored>,
}

static TABLE: Mutex<Table> = Mutex::new(Table {
    next: 1,
    engines: BTreeMap::new(),
});

fn with_table<R>(f: impl FnOnce(&mut Table) -> R) -> R {
    let mut table = TABLE.lock().unwrap_or_else(PoisonError::into_inner);
    f(&mut table)
}

/// The result of `procura_compile` on success.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Compiled<'a> {
    handle: u32,
    policy: PolicyRef,
    warnings: &'a [Diagnostic],
}

/// Which question a request asks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Query {
    Evaluate,
    Authorize,
    Badges,
    Progress,
}

fn failure(errors: Vec<EvalError>) -> String {
    to_json(&Answer::<()>::Failure { errors })
}

/// Compiles policy source (bytes) with an optional directory (JSON bytes) and stores it:
/// the answer JSON, `{"type":"success","result":{"handle":…,"policy":…,"warnings":[…]}}`
/// or `{"type":"failure","errors":[…]}`. The safe core of [`procura_compile`].
pub fn compile(source: &[u8], directory: Option<&[u8]>) -> String {
    let source = match std::str::from_utf8(source) {
        Ok(text) => text,
        Err(_) => {
            let diagnostics = crate::check_bytes(source).diagnostics;
            return failure(diagnostics.into_iter().map(diagnostic_error).collect());
        }
    };
    let directory = match directory.map(std::str::from_utf8) {
        None => None,
        Some(Ok(text)) => Some(text),
        Some(Err(_)) => {
            return failure(vec![request_error(
                ErrorCode::MalformedJson,
                "the directory is not valid UTF-8",
                "directory",
            )])
        }
    };
    let engine = match Engine::from_json(source, directory) {
        Ok(engine) => engine,
        Err(errors) => return failure(errors),
    };
    let stored = engine.clone();
    let handle = with_table(|table| {
        let handle = table.next;
        table.next = table.next.checked_add(1)?;
        table.engines.insert(
            handle,
            Stored {
                engine: stored,
                trust_inline_profiles: false,
            },
        );
        Some(handle)
    });
    let Some(handle) = handle else {
        return failure(vec![request_error(
            ErrorCode::InputTooLarge,
            "this instance has compiled 4294967294 policies; start a new instance",
            "",
        )]);
    };
    to_json(&Answer::Success {
        result: Compiled {
            handle,
            policy: engine.policy(),
            warnings: engine.warnings(),
        },
    })
}

/// Answers a request (JSON bytes) with the policy of `handle`: the engine's answer JSON,
/// byte for byte what `Engine::*_json` returns. The safe core of the query exports.
///
/// Unless the host trusts inline profiles for this policy ([`set_trust_inline_profiles`]), a
/// request that carries one (`buyerProfile`, `userProfile`, also under `checkout`, with any
/// value but `null`) is refused with [`INLINE_PROFILE_NOT_TRUSTED`] before the engine sees it.
pub fn query(handle: u32, query: Query, request: &[u8]) -> String {
    let found = with_table(|table| {
        table
            .engines
            .get(&handle)
            .map(|stored| (stored.engine.clone(), stored.trust_inline_profiles))
    });
    let Some((engine, trusted)) = found else {
        return failure(vec![EvalError {
            code: UNKNOWN_HANDLE.to_owned(),
            message: format!("no compiled policy has the handle {handle}"),
            help: Some("compile the policy first; handles die with `procura_release`".into()),
            path: None,
            rule: None,
            span: None,
        }]);
    };
    let Ok(request) = std::str::from_utf8(request) else {
        return failure(vec![request_error(
            ErrorCode::MalformedJson,
            "the request is not valid UTF-8",
            "",
        )]);
    };
    if !trusted {
        if let Some(path) = inline_profile(request) {
            return failure(vec![EvalError {
                code: INLINE_PROFILE_NOT_TRUSTED.to_owned(),
                message: format!(
                    "the request carries an inline profile at `{path}`; this service does not trust inline profiles"
                ),
                help: Some(
                    "name the user by id and let the directory describe them; only a host whose caller built the profile itself may trust inline profiles"
                        .into(),
                ),
                path: Some(path.to_owned()),
                rule: None,
                span: None,
            }]);
        }
    }
    match query {
        Query::Evaluate => engine.evaluate_json(request),
        Query::Authorize => engine.authorize_json(request),
        Query::Badges => engine.badges_json(request),
        Query::Progress => engine.progress_json(request),
    }
}

/// Drops the policy of `handle`; returns whether there was one.
pub fn release(handle: u32) -> bool {
    with_table(|table| table.engines.remove(&handle).is_some())
}

/// Whether requests to the policy of `handle` may carry inline profiles (they are refused
/// by default); returns whether `handle` names a policy.
pub fn set_trust_inline_profiles(handle: u32, trust: bool) -> bool {
    with_table(|table| match table.engines.get_mut(&handle) {
        Some(stored) => {
            stored.trust_inline_profiles = trust;
            true
        }
        None => false,
    })
}

/// The keys of the request contract that carry a user inline.
const PROFILE_KEYS: [&str; 2] = ["buyerProfile", "userProfile"];

/// Where `request` carries an inline profile: a top-level `buyerProfile` or `userProfile`
/// with any value but `null`, or one under a top-level `checkout` (progress requests), as
/// its JSON path. `None` also for input that is not JSON (or too large): the engine, which
/// reads the same grammar with the same limits, refuses that anyway.
fn inline_profile(request: &str) -> Option<&'static str> {
    use serde::de::DeserializeSeed;
    if request.len() > crate::engine::MAX_JSON_BYTES {
        return None;
    }
    // A key that reads `buyerProfile` or `userProfile` is written with `Profile` in it, or
    // with a `\u` escape: with neither `Profile` nor a backslash, no need to parse (most
    // requests, at a fraction of the cost).
    if !might_name_a_profile(request) {
        return None;
    }
    let mut deserializer = serde_json::Deserializer::from_str(request);
    let found = Scan { in_checkout: false }
        .deserialize(&mut deserializer)
        .ok()?;
    deserializer.end().ok()?;
    found
}

/// Whether `text` has a backslash (an escape could spell any key) or `Profile` in it.
fn might_name_a_profile(text: &str) -> bool {
    text.as_bytes().contains(&b'\\')
        || text.match_indices('P').any(|(at, _)| {
            text.get(at + 1..)
                .is_some_and(|rest| rest.starts_with("rofile"))
        })
}

/// Looks through one JSON value for inline profiles without building it; see
/// [`inline_profile`].
#[derive(Clone, Copy)]
struct Scan {
    in_checkout: bool,
}

impl Scan {
    fn path(self, key: &str) -> &'static str {
        match (self.in_checkout, key) {
            (false, "buyerProfile") => "buyerProfile",
            (false, _) => "userProfile",
            (true, "buyerProfile") => "checkout.buyerProfile",
            (true, _) => "checkout.userProfile",
        }
    }
}

impl<'de> serde::de::DeserializeSeed<'de> for Scan {
    type Value = Option<&'static str>;

    fn deserialize<D: serde::Deserializer<'de>>(
        self,
        deserializer: D,
    ) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> serde::de::Visitor<'de> for Scan {
    type Value = Option<&'static str>;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E>(self, _: bool) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_i64<E>(self, _: i64) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_i128<E>(self, _: i128) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_u64<E>(self, _: u64) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_u128<E>(self, _: u128) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_f64<E>(self, _: f64) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_str<E>(self, _: &str) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_none<E>(self) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        while seq.next_element::<serde::de::IgnoredAny>()?.is_some() {}
        Ok(None)
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut found = None;
        while let Some(key) = map.next_key::<String>()? {
            if PROFILE_KEYS.contains(&key.as_str()) {
                let value = map.next_value::<Option<serde::de::IgnoredAny>>()?;
                if value.is_some() {
                    found = found.or(Some(self.path(&key)));
                }
            } else if key == "checkout" && !self.in_checkout {
                let nested = map.next_value_seed(Scan { in_checkout: true })?;
                found = found.or(nested);
            } else {
                map.next_value::<serde::de::IgnoredAny>()?;
            }
        }
        Ok(found)
    }
}

// ─── the exports ─────────────────────────────────────────────────────────────────────

/// Hands `text` to the host: a buffer of exactly `text.len()` bytes, allocated with the
/// layout [`procura_free`] expects, packed as `(ptr << 32) | len`. 0 when the pointer does
/// not fit in 32 bits (only on a 64-bit target, where the ABI is not meant to be used).
fn hand_over(text: String) -> u64 {
    let bytes: Box<[u8]> = text.into_bytes().into_boxed_slice();
    let len = bytes.len();
    let ptr = Box::into_raw(bytes).cast::<u8>();
    match (u32::try_from(ptr as usize), u32::try_from(len)) {
        (Ok(p), Ok(l)) => (u64::from(p) << 32) | u64::from(l),
        _ => {
            // SAFETY: `ptr` and `len` come from the `Box<[u8]>` leaked just above.
            #[allow(unsafe_code)]
            drop(unsafe { Box::from_raw(std::ptr::slice_from_raw_parts_mut(ptr, len)) });
            0
        }
    }
}

/// Borrows `len` bytes at `ptr` of the host's input.
///
/// # Safety
///
/// `ptr..ptr + len` must be readable, initialised memory the host does not change during
/// the call; `ptr` may be anything when `len` is 0.
unsafe fn input<'a>(ptr: *const u8, len: usize) -> &'a [u8] {
    if len == 0 || ptr.is_null() {
        return &[];
    }
    // SAFETY: the caller guarantees `ptr..ptr + len` is readable and stable for the call;
    // `u8` has alignment 1.
    #[allow(unsafe_code)]
    unsafe {
        std::slice::from_raw_parts(ptr, len)
    }
}

/// Allocates `len` bytes for the host to write input into; 0 when memory is exhausted.
/// Free with `procura_free(ptr, len)`, the same `len`. `len` 0 gives a non-null pointer that
/// must not be read or written.
#[no_mangle]
pub extern "C" fn procura_alloc(len: usize) -> *mut u8 {
    if len == 0 {
        return std::ptr::NonNull::<u8>::dangling().as_ptr();
    }
    match Layout::array::<u8>(len) {
        // SAFETY: the layout has a non-zero size.
        #[allow(unsafe_code)]
        Ok(layout) => unsafe { alloc(layout) },
        Err(_) => std::ptr::null_mut(),
    }
}

/// Frees a buffer from [`procura_alloc`] or a result buffer of any export.
///
/// # Safety
///
/// `ptr` and `len` must be exactly those of one live buffer from `procura_alloc(len)` or
/// of one result (`ptr = packed >> 32`, `len = packed & 0xffff_ffff`), freed once.
#[no_mangle]
#[allow(unsafe_code)]
pub unsafe extern "C" fn procura_free(ptr: *mut u8, len: usize) {
    if len == 0 || ptr.is_null() {
        return;
    }
    if let Ok(layout) = Layout::array::<u8>(len) {
        // SAFETY: the caller guarantees the buffer came from `alloc` with this layout
        // (results are `Box<[u8]>` of exactly `len` bytes: the same layout) and is live.
        unsafe { dealloc(ptr, layout) }
    }
}

/// Compiles a policy; see [`compile`]. `dir_ptr` 0 means no directory (an empty one).
///
/// # Safety
///
/// `src_ptr..+src_len` and, unless `dir_ptr` is 0, `dir_ptr..+dir_len` must be readable
/// memory of the module (typically buffers from `procura_alloc`).
#[no_mangle]
#[allow(unsafe_code)]
pub unsafe extern "C" fn procura_compile(
    src_ptr: *const u8,
    src_len: usize,
    dir_ptr: *const u8,
    dir_len: usize,
) -> u64 {
    // SAFETY: forwarded from this function's contract.
    let source = unsafe { input(src_ptr, src_len) };
    let directory = if dir_ptr.is_null() {
        None
    } else {
        // SAFETY: forwarded from this function's contract.
        Some(unsafe { input(dir_ptr, dir_len) })
    };
    hand_over(compile(source, directory))
}

/// The shared body of the four query exports.
///
/// # Safety
///
/// `req_ptr..+req_len` must be readable memory of the module.
#[allow(unsafe_code)]
unsafe fn query_export(handle: u32, which: Query, req_ptr: *const u8, req_len: usize) -> u64 {
    // SAFETY: forwarded from the caller's contract.
    let request = unsafe { input(req_ptr, req_len) };
    hand_over(query(handle, which, request))
}

/// Answers a checkout request (`Engine::evaluate_json`).
///
/// # Safety
///
/// `req_ptr..+req_len` must be readable memory of the module.
#[no_mangle]
#[allow(unsafe_code)]
pub unsafe extern "C" fn procura_evaluate(handle: u32, req_ptr: *const u8, req_len: usize) -> u64 {
    // SAFETY: forwarded from this function's contract.
    unsafe { query_export(handle, Query::Evaluate, req_ptr, req_len) }
}

/// Answers a permission question (`Engine::authorize_json`).
///
/// # Safety
///
/// `req_ptr..+req_len` must be readable memory of the module.
#[no_mangle]
#[allow(unsafe_code)]
pub unsafe extern "C" fn procura_authorize(handle: u32, req_ptr: *const u8, req_len: usize) -> u64 {
    // SAFETY: forwarded from this function's contract.
    unsafe { query_export(handle, Query::Authorize, req_ptr, req_len) }
}

/// Badges a product listing (`Engine::badges_json`).
///
/// # Safety
///
/// `req_ptr..+req_len` must be readable memory of the module.
#[no_mangle]
#[allow(unsafe_code)]
pub unsafe extern "C" fn procura_badges(handle: u32, req_ptr: *const u8, req_len: usize) -> u64 {
    // SAFETY: forwarded from this function's contract.
    unsafe { query_export(handle, Query::Badges, req_ptr, req_len) }
}

/// Advances an approval workflow (`Engine::progress_json`).
///
/// # Safety
///
/// `req_ptr..+req_len` must be readable memory of the module.
#[no_mangle]
#[allow(unsafe_code)]
pub unsafe extern "C" fn procura_progress(handle: u32, req_ptr: *const u8, req_len: usize) -> u64 {
    // SAFETY: forwarded from this function's contract.
    unsafe { query_export(handle, Query::Progress, req_ptr, req_len) }
}

/// Frees the compiled policy of `handle`: 1 if there was one, 0 if not.
#[no_mangle]
pub extern "C" fn procura_release(handle: u32) -> u32 {
    u32::from(release(handle))
}

/// Whether requests to the policy of `handle` may carry inline profiles: `trust` 1 allows
/// them, 0 refuses them with `E0515` (the default for every new handle). Answers 1 if
/// `handle` names a policy, 0 if not.
#[no_mangle]
pub extern "C" fn procura_set_trust_inline_profiles(handle: u32, trust: u32) -> u32 {
    u32::from(set_trust_inline_profiles(handle, trust != 0))
}

/// [`ABI_VERSION`].
#[no_mangle]
pub extern "C" fn procura_abi_version() -> u32 {
    ABI_VERSION
}

/// The engine's version (the crate version, e.g. `0.1.0`) as a packed UTF-8 string the host
/// frees.
#[no_mangle]
pub extern "C" fn procura_engine_version() -> u64 {
    hand_over(env!("CARGO_PKG_VERSION").to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    const POLICY: &str = include_str!("../examples/maple.procura");
    const DIRECTORY: &str = include_str!("../examples/maple.directory.json");
    const REQUEST: &str = include_str!("../examples/maple.request.json");

    #[test]
    fn compile_evaluate_release() {
        let compiled: serde_json::Value =
            serde_json::from_str(&compile(POLICY.as_bytes(), Some(DIRECTORY.as_bytes()))).unwrap();
        assert_eq!(compiled["type"], "success");
        let handle = u32::try_from(compiled["result"]["handle"].as_u64().unwrap()).unwrap();
        let native = Engine::from_json(POLICY, Some(DIRECTORY)).unwrap();
        assert_eq!(compiled["result"]["policy"]["hash"], native.policy().hash);
        assert_eq!(
            query(handle, Query::Evaluate, REQUEST.as_bytes()),
            native.evaluate_json(REQUEST)
        );
        assert!(release(handle));
        assert!(!set_trust_inline_profiles(handle, true));
        assert!(!release(handle));
        let gone = query(handle, Query::Evaluate, REQUEST.as_bytes());
        assert!(gone.contains(UNKNOWN_HANDLE), "{gone}");
    }

    #[test]
    fn invalid_utf8_is_a_failure() {
        let answer = compile(b"policy \xff", None);
        assert!(answer.starts_with(r#"{"type":"failure""#), "{answer}");
        let answer = compile(POLICY.as_bytes(), Some(b"\xff"));
        assert!(answer.contains("E0101"), "{answer}");
    }

    #[test]
    fn inline_profiles_are_found_wherever_the_engine_reads_them() {
        for (request, path) in [
            (
                r#"{"buyer":"a","buyerProfile":{"id":"a"}}"#,
                Some("buyerProfile"),
            ),
            (
                r#"{"user":"a","userProfile":{"id":"a","roles":[]}}"#,
                Some("userProfile"),
            ),
            (r#"{"buyerProfile":1}"#, Some("buyerProfile")),
            (r#"{"buyerProfile":false}"#, Some("buyerProfile")),
            (r#"{"buyer\u0050rofile":{}}"#, Some("buyerProfile")),
            (
                r#"{"user\u0050\u0072\u006f\u0066\u0069\u006c\u0065":{}}"#,
                Some("userProfile"),
            ),
            (r#"{"buyer":"a","note":"\u0041 Profile"}"#, None),
            (r#"{"buyer":"a","note":"buyerProfile"}"#, None),
            (
                r#"{"buyerProfile":null,"buyerProfile":{}}"#,
                Some("buyerProfile"),
            ),
            (
                r#"{"checkout":{"buyer":"a","buyerProfile":{"id":"a"}},"now":"x"}"#,
                Some("checkout.buyerProfile"),
            ),
            (r#"{"buyer":"a","buyerProfile":null}"#, None),
            (r#"{"buyer":"a","order":{"buyerProfile":{}}}"#, None),
            (r#"{"checkout":{"checkout":{"buyerProfile":{}}}}"#, None),
            (r#"{"checkout":"buyerProfile"}"#, None),
            (r#"["buyerProfile"]"#, None),
            (r#"{"buyerProfile":{}"#, None),
            ("", None),
        ] {
            assert_eq!(inline_profile(request), path, "{request}");
        }
    }

    #[test]
    fn inline_profiles_are_refused_unless_trusted() {
        let compiled: serde_json::Value =
            serde_json::from_str(&compile(POLICY.as_bytes(), Some(DIRECTORY.as_bytes()))).unwrap();
        let handle = u32::try_from(compiled["result"]["handle"].as_u64().unwrap()).unwrap();
        let mut request: serde_json::Value = serde_json::from_str(REQUEST).unwrap();
        request["buyerProfile"] = serde_json::json!({
            "id": "ana@maple.example",
            "roles": [{"role": "requester", "group": "north"}],
        });
        let request = request.to_string();
        let refused = query(handle, Query::Evaluate, request.as_bytes());
        assert!(refused.contains(INLINE_PROFILE_NOT_TRUSTED), "{refused}");
        assert!(refused.contains(r#""path":"buyerProfile""#), "{refused}");
        assert!(set_trust_inline_profiles(handle, true));
        let native = Engine::from_json(POLICY, Some(DIRECTORY)).unwrap();
        assert_eq!(
            query(handle, Query::Evaluate, request.as_bytes()),
            native.evaluate_json(&request)
        );
        assert!(set_trust_inline_profiles(handle, false));
        let refused = query(handle, Query::Evaluate, request.as_bytes());
        assert!(refused.contains(INLINE_PROFILE_NOT_TRUSTED), "{refused}");
        assert!(release(handle));
    }
}
