//! `abi_entry`: the core ABI's entry points (`src/bind/abi.rs`) with arbitrary buffers.
//!
//! Natively there is no linear memory: the input's tail is lent to the exports as their
//! memory (`procura::abi::test_memory`), and the head picks an entry point and a
//! `(ptr, len)` pair inside, across the edges of, or far from that memory (null, before,
//! past, huge lengths). The oracle: every answer is a coded answer; a buffer outside the
//! lent memory (with a length) is always E0518; one inside never is; and nothing is read
//! outside it (run with `FUZZ_SANITIZER=address`, which turns such a read into a crash).

use std::sync::OnceLock;

use procura::abi::{self, test_memory, Query};

use crate::oracle::assert_answer;

const QUERIES: [Query; 6] = [
    Query::Evaluate,
    Query::Authorize,
    Query::Badges,
    Query::Progress,
    Query::InvoiceRun,
    Query::ReportCsv,
];

/// A policy compiled once through the ABI itself, so queries have a handle to ask.
fn handle() -> u32 {
    static HANDLE: OnceLock<u32> = OnceLock::new();
    *HANDLE.get_or_init(|| {
        let answer = abi::compile(
            include_str!("../../examples/maple.procura").as_bytes(),
            Some(include_str!("../../examples/maple.directory.json").as_bytes()),
        );
        let value: serde_json::Value = serde_json::from_str(&answer).unwrap_or_default();
        value["result"]["handle"]
            .as_u64()
            .and_then(|h| u32::try_from(h).ok())
            .unwrap_or(0)
    })
}

fn word(data: &[u8], at: usize) -> u32 {
    let mut bytes = [0u8; 4];
    for (i, b) in bytes.iter_mut().enumerate() {
        *b = data.get(at + i).copied().unwrap_or(0);
    }
    u32::from_le_bytes(bytes)
}

/// `(ptr, len)` from the mode byte: inside the memory at an offset, null, before it, past
/// its end, or an arbitrary address; lengths are taken as given (up to `u32::MAX`).
fn buffer(memory: &[u8], mode: u8, offset: u32, len: u32) -> (*const u8, usize) {
    let base = memory.as_ptr();
    let offset = offset as usize;
    let len = len as usize;
    let ptr = match mode % 5 {
        0 => base.wrapping_add(offset % (memory.len() + 1)),
        1 => std::ptr::null(),
        2 => base.wrapping_sub(offset.max(1)),
        3 => base.wrapping_add(memory.len()).wrapping_add(offset),
        _ => offset as *const u8,
    };
    (ptr, len)
}

fn inside(memory: &[u8], ptr: *const u8, len: usize) -> bool {
    let start = memory.as_ptr() as usize;
    let end = start + memory.len();
    let from = ptr as usize;
    !ptr.is_null() && from >= start && from.checked_add(len).is_some_and(|to| to <= end)
}

fn code(answer: &str) -> String {
    let value: serde_json::Value = serde_json::from_str(answer).unwrap_or_default();
    value["errors"][0]["code"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

/// The oracle of `abi_entry`; see the module header.
#[allow(unsafe_code)]
pub fn abi_entry(data: &[u8]) {
    let Some((head, memory)) = data.split_at_checked(10) else {
        return;
    };
    let memory = memory.to_vec();
    let which = head.first().copied().unwrap_or(0);
    let mode = head.get(1).copied().unwrap_or(0);
    let (ptr, len) = buffer(&memory, mode, word(head, 2), word(head, 6));
    let handle = handle();
    test_memory::lend(&memory);
    // SAFETY: the exports check `(ptr, len)` against the lent memory before reading it,
    // and the lent memory is alive for the call; that check is what is being fuzzed.
    let answer = unsafe {
        match QUERIES.get(usize::from(which % 8)) {
            Some(query) => abi::query_buffer(handle, *query, ptr, len),
            None if which % 8 == 6 => abi::compile_buffers(ptr, len, std::ptr::null(), 0),
            None => abi::compile_buffers(std::ptr::null(), 0, ptr, len),
        }
    };
    test_memory::lend(&[]);
    assert_answer(&answer, "abi_entry");
    let outside = len > 0 && !inside(&memory, ptr, len);
    let refused = code(&answer) == abi::BUFFER_OUTSIDE_MEMORY;
    assert_eq!(
        outside, refused,
        "abi_entry: buffer ({ptr:?}, {len}) of memory ({:?}, {}) answered {answer}",
        memory.as_ptr(),
        memory.len()
    );
}
