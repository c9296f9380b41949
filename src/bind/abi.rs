//! The plain ABI of the zero-import core WebAssembly module (`pkg/core/procura.wasm`).
//!
//! Built for `wasm32-unknown-unknown` by `scripts/build-core.sh` twice: with `--no-default-features
//! --features abi,authoring` the full module (`procura_compile` and `procura_load`), with
//! `--no-default-features --features abi` the runtime-only `pkg/core/procura-runtime.wasm`
//! (`procura_load` only: no parser inside). The version, the questions and the `E05xx` codes
//! are [`crate::contract::abi`], which the hosts read too. Every export takes and returns plain integers: byte buffers are
//! `(ptr, len)` pairs in the module's linear memory, and every result is a JSON document in
//! a buffer the module allocated, returned packed as `(ptr << 32) | len` in a `u64`. The
//! host frees it with [`procura_free`]. `docs/abi.md` is the specification for host
//! authors; this file is the implementation.
//!
//! Compiled or loaded policies live in a table owned by the module and are named by handles (`u32`,
//! never 0, never reused while the instance lives). The module imports nothing.
//!
//! Every `(ptr, len)` an export receives is checked against the current size of the
//! module's memory before a slice is formed: a buffer outside it is the failure `E0518`,
//! never a trap; `len` 0 is the empty input. An order of more than `MAX_LINES` lines is
//! refused (`E0102`) by counting before parsing, so the limit holds under any fuel budget.
//!
//! All `unsafe` of the crate is here: reading the host's input buffers and handing out and
//! taking back raw allocations. Each block says why it is sound.

#![expect(
    unsafe_code,
    reason = "the plain ABI is the FFI boundary: exported `no_mangle` functions exchange raw (pointer, length) buffers with the host; each unsafe block says why it is sound"
)]

use std::alloc::{alloc, dealloc, Layout};
use std::collections::BTreeMap;
use std::sync::{Mutex, PoisonError};

use serde::Serialize;

use crate::base::diagnostic::Diagnostic;
use crate::contract::errors::{request_error, ErrorCode};
#[cfg(feature = "authoring")]
use crate::contract::json::diagnostic_error;
use crate::contract::json::{to_json, MAX_JSON_BYTES};
use crate::contract::{Answer, EvalError, PolicyRef};
use crate::engine::Engine;
use crate::eval::MAX_LINES;

pub use crate::contract::abi::{
    Query, ABI_VERSION, BUFFER_OUTSIDE_MEMORY, INLINE_PROFILE_NOT_TRUSTED, UNKNOWN_HANDLE,
};

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

/// The result of `procura_compile` and `procura_load` on success.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Compiled<'a> {
    handle: u32,
    policy: PolicyRef,
    warnings: &'a [Diagnostic],
}

fn failure(errors: Vec<EvalError>) -> String {
    to_json(&Answer::<()>::Failure { errors })
}

/// Compiles policy source (bytes) with an optional directory (JSON bytes) and stores it:
/// the answer JSON, `{"type":"success","result":{"handle":…,"policy":…,"warnings":[…]}}`
/// or `{"type":"failure","errors":[…]}`. The safe core of [`procura_compile`].
#[cfg(feature = "authoring")]
pub fn compile(source: &[u8], directory: Option<&[u8]>) -> String {
    let source = match std::str::from_utf8(source) {
        Ok(text) => text,
        Err(_) => {
            let diagnostics = crate::check_bytes(source).diagnostics;
            return failure(diagnostics.into_iter().map(diagnostic_error).collect());
        }
    };
    let directory = match directory_text(directory) {
        Ok(directory) => directory,
        Err(answer) => return answer,
    };
    match Engine::from_json(source, directory) {
        Ok(engine) => store(engine),
        Err(errors) => failure(errors),
    }
}

/// Loads a policy artifact (`procura build`) with an optional directory (JSON bytes) and
/// stores it: the same answer as [`compile`] (its `warnings` are always empty: an artifact
/// keeps none), or a failure with `E0701`–`E0703` for bytes that are not a whole, intact
/// artifact of this engine's format. The safe core of [`procura_load`].
pub fn load(artifact: &[u8], directory: Option<&[u8]>) -> String {
    let directory = match directory_text(directory) {
        Ok(directory) => directory,
        Err(answer) => return answer,
    };
    match Engine::load_json(artifact, directory) {
        Ok(engine) => store(engine),
        Err(errors) => failure(errors),
    }
}

/// The directory as text; the failure answer (`E0101` at `directory`) when it is not UTF-8.
fn directory_text(directory: Option<&[u8]>) -> Result<Option<&str>, String> {
    match directory.map(std::str::from_utf8) {
        None => Ok(None),
        Some(Ok(text)) => Ok(Some(text)),
        Some(Err(_)) => Err(failure(vec![request_error(
            ErrorCode::MalformedJson,
            "the directory is not valid UTF-8",
            "directory",
        )])),
    }
}

/// Puts `engine` in the table under a fresh handle: the success answer of [`compile`] and
/// [`load`].
fn store(engine: Engine) -> String {
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
            "this instance has stored 4294967294 policies; start a new instance",
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
    if let Some(error) = too_many_lines(query, request) {
        return failure(vec![error]);
    }
    let carries_profiles = matches!(
        query,
        Query::Evaluate | Query::Authorize | Query::Badges | Query::Progress
    );
    if !trusted && carries_profiles {
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
        Query::InvoiceRun => engine.invoice_run_json(request),
        Query::ReportCsv => engine.report_csv_json(request),
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

/// Where the orders of a request of `query` keep their lines, as keys from the root: the
/// arrays [`too_many_lines`] counts before the request is parsed.
fn order_lines(query: Query) -> &'static [&'static [&'static str]] {
    match query {
        Query::Evaluate => &[&["order", "lines"]],
        Query::Progress => &[
            &["checkout", "order", "lines"],
            &["change", "previousOrder", "lines"],
        ],
        Query::Authorize | Query::Badges | Query::InvoiceRun | Query::ReportCsv => &[],
    }
}

/// The `E0102` of an order with more than [`MAX_LINES`] lines, found by counting before
/// parsing (one pass, no allocation), so that the limit holds whatever the host's fuel
/// budget: parsing and checking 72,000 lines costs more than a default budget. Its path and
/// message are the engine's (`order.lines`, `checkout.order.lines`,
/// `change.previousOrder.lines`). `None` for input over [`MAX_JSON_BYTES`] (the engine
/// refuses it whole) and input that is not JSON (the engine says why).
fn too_many_lines(query: Query, request: &str) -> Option<EvalError> {
    if request.len() > MAX_JSON_BYTES {
        return None;
    }
    let path = order_lines(query)
        .iter()
        .find(|path| count_elements(request.as_bytes(), path, MAX_LINES) > MAX_LINES)?;
    Some(request_error(
        ErrorCode::InputTooLarge,
        format!("the order has more than {MAX_LINES} lines"),
        path.join("."),
    ))
}

/// How many elements the array at `path` (keys from the root object) has: one pass over
/// `json`, no allocation, stopping as soon as the count passes `limit`. Every array found at
/// `path` counts (a key given twice); keys are compared with their escapes decoded. Input
/// that is not JSON counts what can be read of it.
fn count_elements(json: &[u8], path: &[&str], limit: usize) -> usize {
    // `depth`: open containers; the first `matched` keys of `path` lead to the container at
    // depth `matched + 1` (the tip), which is the array counted once `matched` is the whole
    // path. `expect_key`: the next string in the tip object is a key; `pending`: the last
    // key in the tip was the next key of `path`.
    let (mut depth, mut matched, mut count) = (0_usize, 0_usize, 0_usize);
    let (mut expect_key, mut pending) = (false, false);
    let mut i = 0;
    while let Some(&byte) = json.get(i) {
        let tip = matched + 1;
        let in_array = matched == path.len();
        i += 1;
        match byte {
            b' ' | b'\t' | b'\n' | b'\r' => {}
            b'"' => {
                let start = i;
                loop {
                    match json.get(i) {
                        None => return count,
                        Some(b'\\') => i += 2,
                        Some(b'"') => break,
                        Some(_) => i += 1,
                    }
                }
                let raw = json.get(start..i).unwrap_or_default();
                i += 1;
                if depth == tip && !in_array && expect_key {
                    pending = path.get(matched).is_some_and(|key| key_is(raw, key));
                    expect_key = false;
                } else {
                    count += usize::from(depth == tip && in_array);
                    pending = false;
                }
            }
            b'{' | b'[' => {
                if depth == 0 {
                    if byte != b'{' {
                        return 0;
                    }
                    depth = 1;
                    expect_key = true;
                    continue;
                }
                count += usize::from(depth == tip && in_array);
                if count > limit {
                    return count;
                }
                let want = if tip == path.len() { b'[' } else { b'{' };
                depth += 1;
                if pending && byte == want {
                    matched += 1;
                    expect_key = byte == b'{';
                }
                pending = false;
            }
            b'}' | b']' => {
                if depth == tip && matched > 0 {
                    matched -= 1;
                    expect_key = false;
                }
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    return count;
                }
            }
            b',' => {
                if depth == tip && !in_array {
                    expect_key = true;
                }
            }
            b':' => {}
            _ => {
                // A number or literal: one value, up to the next delimiter.
                while json.get(i).is_some_and(|b| {
                    !matches!(
                        b,
                        b',' | b':'
                            | b'['
                            | b']'
                            | b'{'
                            | b'}'
                            | b'"'
                            | b' '
                            | b'\t'
                            | b'\n'
                            | b'\r'
                    )
                }) {
                    i += 1;
                }
                count += usize::from(depth == tip && in_array);
                pending = false;
            }
        }
        if count > limit {
            return count;
        }
    }
    count
}

/// Whether the raw text of a JSON string (between its quotes, escapes as written) is `key`,
/// an ASCII key.
fn key_is(raw: &[u8], key: &str) -> bool {
    let mut want = key.bytes();
    let mut i = 0;
    while let Some(&byte) = raw.get(i) {
        let (decoded, used) = if byte == b'\\' {
            match raw.get(i + 1) {
                Some(b'u') => {
                    let Some(hex) = raw.get(i + 2..i + 6) else {
                        return false;
                    };
                    let mut unit = 0_u32;
                    for digit in hex {
                        let Some(value) = char::from(*digit).to_digit(16) else {
                            return false;
                        };
                        unit = unit * 16 + value;
                    }
                    match u8::try_from(unit) {
                        Ok(ascii) if ascii.is_ascii() => (ascii, 6),
                        _ => return false,
                    }
                }
                Some(b'b') => (0x08, 2),
                Some(b'f') => (0x0c, 2),
                Some(b'n') => (b'\n', 2),
                Some(b'r') => (b'\r', 2),
                Some(b't') => (b'\t', 2),
                Some(&other) => (other, 2),
                None => return false,
            }
        } else {
            (byte, 1)
        };
        if want.next() != Some(decoded) {
            return false;
        }
        i += used;
    }
    want.next().is_none()
}

/// The keys of the request contract that carry a user inline.
const PROFILE_KEYS: [&str; 2] = ["buyerProfile", "userProfile"];

/// Where `request` carries an inline profile: a top-level `buyerProfile` or `userProfile`
/// with any value but `null`, or one under a top-level `checkout` (progress requests), as
/// its JSON path. `None` also for input that is not JSON (or too large): the engine, which
/// reads the same grammar with the same limits, refuses that anyway.
fn inline_profile(request: &str) -> Option<&'static str> {
    use serde::de::DeserializeSeed;
    if request.len() > MAX_JSON_BYTES {
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
            drop(unsafe { Box::from_raw(std::ptr::slice_from_raw_parts_mut(ptr, len)) });
            0
        }
    }
}

/// Where the module's memory ends, in bytes: a buffer must lie below it. On wasm32 the
/// exact size of memory 0 (`memory.size` pages of 64 KiB), taken at each call since memory
/// only grows.
#[cfg(target_arch = "wasm32")]
fn memory_range() -> (u64, u64) {
    let pages = u64::try_from(core::arch::wasm32::memory_size(0)).unwrap_or(0);
    (0, pages.saturating_mul(65_536))
}

// Natively (the unit tests) there is no linear memory: the buffers a test lends the
// exports, registered with `test_memory::lend`, stand in for it.
#[cfg(not(target_arch = "wasm32"))]
fn memory_range() -> (u64, u64) {
    test_memory::range()
}

/// The memory the native unit tests lend the exports: one range of addresses per thread,
/// empty unless lent, so the bounds check of [`input`] can be tested off wasm32.
#[cfg(not(target_arch = "wasm32"))]
pub mod test_memory {
    use std::cell::Cell;

    thread_local! {
        static RANGE: Cell<(u64, u64)> = const { Cell::new((0, 0)) };
    }

    /// Makes `bytes` this thread's memory (until the next call): buffers inside it pass the
    /// bounds check, others fail it.
    pub fn lend(bytes: &[u8]) {
        let start = u64::try_from(bytes.as_ptr() as usize).unwrap_or(u64::MAX);
        let len = u64::try_from(bytes.len()).unwrap_or(0);
        RANGE.with(|range| range.set((start, start.saturating_add(len))));
    }

    pub(super) fn range() -> (u64, u64) {
        RANGE.with(Cell::get)
    }
}

/// The failure for a buffer `(ptr, len)`, named `what`, that is not inside the module's
/// memory.
fn outside_memory(what: &str, ptr: usize, len: usize, end: u64) -> EvalError {
    EvalError {
        code: BUFFER_OUTSIDE_MEMORY.to_owned(),
        message: format!(
            "the {what} buffer (pointer {ptr}, length {len}) is not inside the module's memory of {end} bytes"
        ),
        help: Some(
            "pass a buffer from `procura_alloc` with its length; `(ptr, 0)` is the empty input"
                .into(),
        ),
        path: None,
        rule: None,
        span: None,
    }
}

/// Whether `address..address + len` (`len` > 0) lies inside the module's memory, with
/// `address` not 0 and `len` within `isize`; the sum is computed in 64 bits, checked.
fn inside_memory(address: usize, len: usize) -> bool {
    let (start, end) = memory_range();
    match (u64::try_from(address), u64::try_from(len)) {
        (Ok(from), Ok(count)) => {
            address != 0
                && from >= start
                && from.checked_add(count).is_some_and(|to| to <= end)
                && isize::try_from(len).is_ok()
        }
        _ => false,
    }
}

/// Borrows `len` bytes at `ptr` of the host's input, `what` naming it in the failure answer
/// (the `Err`).
///
/// `len` 0 is the empty input, whatever `ptr`. Otherwise `ptr..ptr + len` must lie inside
/// the module's memory and `ptr` must not be 0: checked before the slice is formed, so a
/// wrong pointer is the failure [`BUFFER_OUTSIDE_MEMORY`], never a read outside memory.
///
/// # Safety
///
/// Inside memory, the bytes must be the host's input: a buffer the module does not use
/// otherwise during the call (one from `procura_alloc`, not yet freed). Any bytes of the
/// linear memory are initialised and readable, so a buffer that breaks this rule gives a
/// wrong answer, not an out-of-bounds access.
unsafe fn input<'a>(ptr: *const u8, len: usize, what: &str) -> Result<&'a [u8], String> {
    if len == 0 {
        return Ok(&[]);
    }
    let address = ptr as usize;
    if !inside_memory(address, len) {
        let (start, end) = memory_range();
        return Err(failure(vec![outside_memory(
            what,
            address,
            len,
            end.saturating_sub(start),
        )]));
    }
    // SAFETY: `ptr..ptr + len` was just checked to lie inside the module's memory (natively:
    // inside the buffer a test lent), which is readable and initialised, `ptr` is not null,
    // `len` fits in `isize`, and `u8` has alignment 1; the caller guarantees nothing else
    // writes these bytes during the call.
    let bytes = unsafe { std::slice::from_raw_parts(ptr, len) };
    Ok(bytes)
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
        Ok(layout) => unsafe { alloc(layout) },
        Err(_) => std::ptr::null_mut(),
    }
}

/// Frees a buffer from [`procura_alloc`] or a result buffer of any export. A buffer that is
/// not inside memory is left alone (a no-op, like `len` 0).
///
/// # Safety
///
/// `ptr` and `len` must be exactly those of one live buffer from `procura_alloc(len)` or
/// of one result (`ptr = packed >> 32`, `len = packed & 0xffff_ffff`), freed once.
#[no_mangle]
pub unsafe extern "C" fn procura_free(ptr: *mut u8, len: usize) {
    if len == 0 || ptr.is_null() {
        return;
    }
    // A buffer that is not inside memory was never allocated: nothing to free (there is no
    // answer to carry an error).
    if !inside_memory(ptr as usize, len) {
        return;
    }
    if let Ok(layout) = Layout::array::<u8>(len) {
        // SAFETY: the caller guarantees the buffer came from `alloc` with this layout
        // (results are `Box<[u8]>` of exactly `len` bytes: the same layout) and is live.
        unsafe { dealloc(ptr, layout) }
    }
}

/// Compiles a policy; see [`compile`]. `(dir_ptr, dir_len)` `(0, 0)` means no directory (an
/// empty one); `(0, len > 0)` is a buffer outside memory like any other.
/// A buffer outside memory is the failure [`BUFFER_OUTSIDE_MEMORY`] (the source's first).
/// Only in the full module: the runtime-only one has no compiler.
///
/// # Safety
///
/// The buffers must be the host's input, as [`input`] says (typically from `procura_alloc`);
/// their bounds are checked.
#[cfg(feature = "authoring")]
#[no_mangle]
pub unsafe extern "C" fn procura_compile(
    src_ptr: *const u8,
    src_len: usize,
    dir_ptr: *const u8,
    dir_len: usize,
) -> u64 {
    // SAFETY: forwarded from this function's contract.
    hand_over(unsafe { compile_buffers(src_ptr, src_len, dir_ptr, dir_len) })
}

/// The answer of [`procura_compile`], before it is handed over.
///
/// # Safety
///
/// As [`procura_compile`].
#[cfg(feature = "authoring")]
pub unsafe fn compile_buffers(
    src_ptr: *const u8,
    src_len: usize,
    dir_ptr: *const u8,
    dir_len: usize,
) -> String {
    // SAFETY: forwarded from the caller's contract.
    match unsafe { policy_inputs((src_ptr, src_len), "source", (dir_ptr, dir_len)) } {
        Ok((source, directory)) => compile(source, directory),
        Err(answer) => answer,
    }
}

/// Loads a policy artifact; see [`load`]. The buffers as for [`procura_compile`]: `(0, 0)`
/// for no directory, a buffer outside memory is [`BUFFER_OUTSIDE_MEMORY`] (the artifact's
/// first).
///
/// # Safety
///
/// The buffers must be the host's input, as [`input`] says (typically from `procura_alloc`);
/// their bounds are checked.
#[no_mangle]
pub unsafe extern "C" fn procura_load(
    art_ptr: *const u8,
    art_len: usize,
    dir_ptr: *const u8,
    dir_len: usize,
) -> u64 {
    // SAFETY: forwarded from this function's contract.
    hand_over(unsafe { load_buffers(art_ptr, art_len, dir_ptr, dir_len) })
}

/// The answer of [`procura_load`], before it is handed over.
///
/// # Safety
///
/// As [`procura_load`].
pub unsafe fn load_buffers(
    art_ptr: *const u8,
    art_len: usize,
    dir_ptr: *const u8,
    dir_len: usize,
) -> String {
    // SAFETY: forwarded from the caller's contract.
    match unsafe { policy_inputs((art_ptr, art_len), "artifact", (dir_ptr, dir_len)) } {
        Ok((artifact, directory)) => load(artifact, directory),
        Err(answer) => answer,
    }
}

/// The policy buffer (named `what` in a failure) and the optional directory buffer of
/// `procura_compile` and `procura_load`, checked in that order; the failure answer
/// [`BUFFER_OUTSIDE_MEMORY`] for the first that is not inside memory.
///
/// # Safety
///
/// As [`input`], for both buffers.
unsafe fn policy_inputs<'a>(
    policy: (*const u8, usize),
    what: &str,
    directory: (*const u8, usize),
) -> Result<(&'a [u8], Option<&'a [u8]>), String> {
    // SAFETY: forwarded from the caller's contract; `input` checks the bounds.
    let bytes = unsafe { input(policy.0, policy.1, what) }?;
    let (dir_ptr, dir_len) = directory;
    if dir_ptr.is_null() && dir_len == 0 {
        return Ok((bytes, None));
    }
    // SAFETY: forwarded from the caller's contract; `input` checks the bounds.
    let directory = unsafe { input(dir_ptr, dir_len, "directory") }?;
    Ok((bytes, Some(directory)))
}

/// The shared body of the query exports: the buffer is checked first (a buffer outside
/// memory is [`BUFFER_OUTSIDE_MEMORY`], whatever the handle), then [`query`].
///
/// # Safety
///
/// `req_ptr..+req_len` must be the host's input, as [`input`] says; its bounds are checked.
unsafe fn query_export(handle: u32, which: Query, req_ptr: *const u8, req_len: usize) -> u64 {
    // SAFETY: forwarded from the caller's contract.
    hand_over(unsafe { query_buffer(handle, which, req_ptr, req_len) })
}

/// The answer of a query export, before it is handed over.
///
/// # Safety
///
/// As [`query_export`].
pub unsafe fn query_buffer(
    handle: u32,
    which: Query,
    req_ptr: *const u8,
    req_len: usize,
) -> String {
    // SAFETY: forwarded from the caller's contract; `input` checks the bounds.
    match unsafe { input(req_ptr, req_len, "request") } {
        Ok(request) => query(handle, which, request),
        Err(answer) => answer,
    }
}

/// Answers a checkout request (`Engine::evaluate_json`).
///
/// # Safety
///
/// `req_ptr..+req_len` must be the host's input (from `procura_alloc`); its bounds are checked.
#[no_mangle]
pub unsafe extern "C" fn procura_evaluate(handle: u32, req_ptr: *const u8, req_len: usize) -> u64 {
    // SAFETY: forwarded from this function's contract.
    unsafe { query_export(handle, Query::Evaluate, req_ptr, req_len) }
}

/// Answers a permission question (`Engine::authorize_json`).
///
/// # Safety
///
/// `req_ptr..+req_len` must be the host's input (from `procura_alloc`); its bounds are checked.
#[no_mangle]
pub unsafe extern "C" fn procura_authorize(handle: u32, req_ptr: *const u8, req_len: usize) -> u64 {
    // SAFETY: forwarded from this function's contract.
    unsafe { query_export(handle, Query::Authorize, req_ptr, req_len) }
}

/// Badges a product listing (`Engine::badges_json`).
///
/// # Safety
///
/// `req_ptr..+req_len` must be the host's input (from `procura_alloc`); its bounds are checked.
#[no_mangle]
pub unsafe extern "C" fn procura_badges(handle: u32, req_ptr: *const u8, req_len: usize) -> u64 {
    // SAFETY: forwarded from this function's contract.
    unsafe { query_export(handle, Query::Badges, req_ptr, req_len) }
}

/// Advances an approval workflow (`Engine::progress_json`).
///
/// # Safety
///
/// `req_ptr..+req_len` must be the host's input (from `procura_alloc`); its bounds are checked.
#[no_mangle]
pub unsafe extern "C" fn procura_progress(handle: u32, req_ptr: *const u8, req_len: usize) -> u64 {
    // SAFETY: forwarded from this function's contract.
    unsafe { query_export(handle, Query::Progress, req_ptr, req_len) }
}

/// Runs an invoice run (`Engine::invoice_run_json`): an `InvoiceRunRequest` in, the answer
/// out.
///
/// # Safety
///
/// `req_ptr..+req_len` must be the host's input (from `procura_alloc`); its bounds are checked.
#[no_mangle]
pub unsafe extern "C" fn procura_invoice_run(
    handle: u32,
    req_ptr: *const u8,
    req_len: usize,
) -> u64 {
    // SAFETY: forwarded from this function's contract.
    unsafe { query_export(handle, Query::InvoiceRun, req_ptr, req_len) }
}

/// Runs an invoice run and writes its CSV report ([`report_csv`]): `{"run": …, "report": …}`
/// in, `{"type":"success","result":"<csv text>"}` or a failure out.
///
/// # Safety
///
/// `req_ptr..+req_len` must be the host's input (from `procura_alloc`); its bounds are checked.
#[no_mangle]
pub unsafe extern "C" fn procura_report_csv(
    handle: u32,
    req_ptr: *const u8,
    req_len: usize,
) -> u64 {
    // SAFETY: forwarded from this function's contract.
    unsafe { query_export(handle, Query::ReportCsv, req_ptr, req_len) }
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

#[cfg(all(test, feature = "authoring"))]
mod tests {
    use super::*;

    const POLICY: &str = include_str!("../../examples/maple.procura");
    const DIRECTORY: &str = include_str!("../../examples/maple.directory.json");
    const REQUEST: &str = include_str!("../../examples/maple.request.json");

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
    fn a_loaded_artifact_answers_as_the_compiled_source() {
        let native = Engine::from_json(POLICY, Some(DIRECTORY)).unwrap();
        let artifact = native.artifact(false);
        let loaded: serde_json::Value =
            serde_json::from_str(&load(&artifact, Some(DIRECTORY.as_bytes()))).unwrap();
        assert_eq!(loaded["type"], "success", "{loaded}");
        assert_eq!(loaded["result"]["policy"]["hash"], native.policy().hash);
        assert_eq!(loaded["result"]["warnings"], serde_json::json!([]));
        let handle = u32::try_from(loaded["result"]["handle"].as_u64().unwrap()).unwrap();
        assert_eq!(
            query(handle, Query::Evaluate, REQUEST.as_bytes()),
            native.evaluate_json(REQUEST)
        );
        assert!(release(handle));
        let mut flipped = artifact.clone();
        if let Some(byte) = flipped.last_mut() {
            *byte ^= 1;
        }
        for (bytes, expected) in [
            (&b"policy \"x\" {}"[..], "E0701"),
            (&artifact[..artifact.len() - 1], "E0701"),
            (&flipped[..], "E0701"),
        ] {
            assert_eq!(code(&load(bytes, None)), expected);
        }
        let mut newer = artifact.clone();
        newer[8] = 9;
        assert_eq!(code(&load(&newer, None)), "E0702");
        assert_eq!(code(&load(&artifact, Some(b"\xff"))), "E0101");
        let memory = artifact.clone();
        test_memory::lend(&memory);
        // SAFETY: the buffers are checked; the lent memory is live.
        unsafe {
            let whole = load_buffers(memory.as_ptr(), memory.len(), std::ptr::null(), 0);
            assert!(whole.starts_with(r#"{"type":"success""#), "{whole}");
            let past = load_buffers(
                memory.as_ptr().wrapping_add(1),
                memory.len(),
                std::ptr::null(),
                0,
            );
            assert_eq!(code(&past), BUFFER_OUTSIDE_MEMORY, "{past}");
            assert!(past.contains("the artifact buffer"), "{past}");
            let directory = load_buffers(memory.as_ptr(), memory.len(), std::ptr::null(), 3);
            assert!(directory.contains("the directory buffer"), "{directory}");
        }
        test_memory::lend(&[]);
    }

    #[test]
    fn invalid_utf8_is_a_failure() {
        let answer = compile(b"policy \xff", None);
        assert!(answer.starts_with(r#"{"type":"failure""#), "{answer}");
        assert!(answer.contains(r#""code":"P0001""#), "{answer}");
        let answer = compile(POLICY.as_bytes(), Some(b"\xff"));
        assert!(answer.contains("E0101"), "{answer}");
    }

    /// The code of an answer's first error; empty for a success or text that is not JSON.
    fn code(answer: &str) -> String {
        let value: serde_json::Value = serde_json::from_str(answer).unwrap_or_default();
        value
            .pointer("/errors/0/code")
            .and_then(serde_json::Value::as_str)
            .unwrap_or_default()
            .to_owned()
    }

    #[test]
    fn buffers_outside_memory_are_a_coded_failure() {
        let compiled: serde_json::Value =
            serde_json::from_str(&compile(POLICY.as_bytes(), Some(DIRECTORY.as_bytes()))).unwrap();
        let handle = u32::try_from(compiled["result"]["handle"].as_u64().unwrap()).unwrap();
        let memory = REQUEST.as_bytes().to_vec();
        test_memory::lend(&memory);
        let (ptr, len) = (memory.as_ptr(), memory.len());
        let native = Engine::from_json(POLICY, Some(DIRECTORY)).unwrap();
        // SAFETY (all calls below): the buffers are checked; the lent memory is live.
        unsafe {
            assert_eq!(
                query_buffer(handle, Query::Evaluate, ptr, len),
                native.evaluate_json(REQUEST)
            );
            let past = ptr.wrapping_add(1);
            let before = ptr.wrapping_sub(1);
            let far = usize::MAX as *const u8;
            for which in [
                Query::Evaluate,
                Query::Authorize,
                Query::Badges,
                Query::Progress,
                Query::InvoiceRun,
                Query::ReportCsv,
            ] {
                for (p, l) in [
                    (past, len),
                    (before, 1),
                    (std::ptr::null(), 5),
                    (far, 2),
                    (ptr, usize::MAX),
                ] {
                    let answer = query_buffer(handle, which, p, l);
                    assert_eq!(code(&answer), BUFFER_OUTSIDE_MEMORY, "{which:?} {answer}");
                    // Checked before the handle.
                    let answer = query_buffer(0, which, p, l);
                    assert_eq!(code(&answer), BUFFER_OUTSIDE_MEMORY, "{which:?} {answer}");
                }
                // Length 0 is the empty input, whatever the pointer.
                for p in [std::ptr::null(), far, past] {
                    let answer = query_buffer(handle, which, p, 0);
                    assert_eq!(code(&answer), "E0101", "{which:?} {answer}");
                }
            }
            let bad = compile_buffers(past, len, std::ptr::null(), 0);
            assert_eq!(code(&bad), BUFFER_OUTSIDE_MEMORY, "{bad}");
            assert!(bad.contains("the source buffer"), "{bad}");
            for (p, l) in [(far, 3), (std::ptr::null(), 3)] {
                let bad = compile_buffers(ptr, 0, p, l);
                assert_eq!(code(&bad), BUFFER_OUTSIDE_MEMORY, "{bad}");
                assert!(bad.contains("the directory buffer"), "{bad}");
            }
        }
        // Freeing a buffer outside memory does nothing.
        // SAFETY: the buffer is outside the lent memory: `procura_free` leaves it alone.
        unsafe { procura_free(usize::MAX as *mut u8, 5) };
        test_memory::lend(&[]);
        assert!(release(handle));
    }

    #[test]
    fn orders_over_the_line_limit_are_refused_before_parsing() {
        let limit = 3;
        for (json, expected) in [
            (r#"{"order":{"lines":[1,2,3]}}"#, 3),
            (
                r#"{"order":{"lines":[{"a":[1,2]},"x,y",[3],null,true]}}"#,
                4,
            ),
            (r#"{"order":{"lines":[]}}"#, 0),
            (
                r#"{"o":{"lines":[1,2,3,4]},"order":{"id":"lines","lines":[1]}}"#,
                1,
            ),
            (r#"{"x":{"order":{"lines":[1,2,3,4]}}}"#, 0),
            (r#"{"order":[{"lines":[1,2,3,4]}]}"#, 0),
            (r#"{"order":{"x":{"lines":[1,2,3,4]}}}"#, 0),
            (r#"{"ord\u0065r":{"lin\u0065s":[1,2,3,4,5]}}"#, 4),
            (r#"{"order\"":{"lines":[1,2,3,4]}}"#, 0),
            (r#"{"order":{"lines":{"a":1,"b":2,"c":3,"d":4}}}"#, 0),
            (r#"{"a":"}","order":{"lines":[1,2,3,4]}}"#, 4),
            (r#"[{"order":{"lines":[1,2,3,4]}}]"#, 0),
            (r#"{"order":{"lines":[1,2"#, 2),
            (r#"{"order":{"lines":["#, 0),
            ("", 0),
        ] {
            assert_eq!(
                count_elements(json.as_bytes(), &["order", "lines"], limit),
                expected,
                "{json}"
            );
        }
        let progress = r#"{"checkout":{"order":{"lines":[1,2,3,4]}}}"#;
        assert_eq!(
            count_elements(progress.as_bytes(), &["checkout", "order", "lines"], limit),
            4
        );
        assert!(key_is(br"lines", "lines"));
        assert!(key_is(br"\u006cines", "lines"));
        assert!(!key_is(br"line", "lines"));
        assert!(!key_is(br"liness", "lines"));
        assert!(!key_is(br"\u00e9", "lines"));
        assert!(key_is(br"\/x", "/x"));

        let request = |lines: usize| {
            let mut request: serde_json::Value = serde_json::from_str(REQUEST).unwrap();
            let line = request["order"]["lines"][0].clone();
            request["order"]["lines"] = serde_json::Value::Array(vec![line; lines]);
            request
        };
        let over = request(MAX_LINES + 1).to_string();
        let error = too_many_lines(Query::Evaluate, &over).unwrap();
        assert_eq!(error.code, "E0102");
        assert_eq!(error.path.as_deref(), Some("order.lines"));
        assert!(too_many_lines(Query::Evaluate, &request(MAX_LINES).to_string()).is_none());
        assert!(too_many_lines(Query::Badges, &over).is_none());
        let progress = serde_json::json!({"checkout": request(MAX_LINES + 1)}).to_string();
        let error = too_many_lines(Query::Progress, &progress).unwrap();
        assert_eq!(error.path.as_deref(), Some("checkout.order.lines"));
        let previous =
            serde_json::json!({"change": {"previousOrder": request(MAX_LINES + 1)["order"]}})
                .to_string();
        let error = too_many_lines(Query::Progress, &previous).unwrap();
        assert_eq!(error.path.as_deref(), Some("change.previousOrder.lines"));
        // Through `query`: the engine's own code, path and message.
        let compiled: serde_json::Value =
            serde_json::from_str(&compile(POLICY.as_bytes(), Some(DIRECTORY.as_bytes()))).unwrap();
        let handle = u32::try_from(compiled["result"]["handle"].as_u64().unwrap()).unwrap();
        let answer = query(handle, Query::Evaluate, over.as_bytes());
        let native = Engine::from_json(POLICY, Some(DIRECTORY)).unwrap();
        let value: serde_json::Value = serde_json::from_str(&answer).unwrap();
        let expected: serde_json::Value =
            serde_json::from_str(&native.evaluate_json(&over)).unwrap();
        assert_eq!(value["errors"][0], expected["errors"][0], "{answer}");
        assert!(release(handle));
    }

    #[test]
    fn report_csv_mirrors_the_conformance_kind() {
        let engine = Engine::from_json(POLICY, Some(DIRECTORY)).unwrap();
        for (request, code_and_path) in [
            ("{", ("E0101", "")),
            ("[]", ("E0101", "")),
            (r#"{"report":null}"#, ("E0101", "run")),
            (r#"{"run":{},"x":1}"#, ("E0101", "x")),
            (r#"{"run":{"orders":[]}}"#, ("E0101", "run.period")),
        ] {
            let answer = engine.report_csv_json(request);
            let value: serde_json::Value = serde_json::from_str(&answer).unwrap();
            assert_eq!(value["errors"][0]["code"], code_and_path.0, "{answer}");
            assert_eq!(value["errors"][0]["path"], code_and_path.1, "{answer}");
        }
        let answer = engine.report_csv_json(r#"{"run":{"period":"2026-11","orders":[]}}"#);
        let value: serde_json::Value = serde_json::from_str(&answer).unwrap();
        assert_eq!(value["type"], "success", "{answer}");
        assert!(
            value["result"].as_str().unwrap().starts_with("poNumber,"),
            "{answer}"
        );
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
