//! `procura-host`: runs Procura's zero-import core WebAssembly module
//! (`pkg/core/procura.wasm`, or the runtime-only `pkg/core/procura-runtime.wasm` that loads
//! artifacts only; built by `scripts/build-core.sh`, ABI in `docs/abi.md`) on wasmtime, and the HTTP decision service of `procura serve`.
//!
//! - [`CoreModule`]: the module, compiled once; [`Instance`]: a store + instance with a fuel
//!   budget per call and a memory cap, speaking the ABI.
//! - [`Pool`]: a bounded set of instances with one policy version compiled in each.
//! - [`server`]: the HTTP service (axum routes on hyper: hot reload, decision ids, coded
//!   errors, inline-profile trust, bearer tokens, timeouts and a connection cap), with its
//!   [`decision_log`] (group commit, rotation, redaction) and [`metrics`] (`GET /metrics`).
//! - [`client`] and [`load`]: a minimal HTTP/1.1 client and the load generator used by the
//!   tests and `procura-load`.
//!
//! wasmtime lives here only: the core crate `procura` never depends on it.

pub mod client;
pub mod decision_log;
pub mod errors;
pub mod load;
pub mod metrics;
pub mod module;
pub mod pool;
pub mod server;

pub use errors::HostError;
pub use module::{CoreModule, Instance, Limits, Query, ABI_VERSION};
pub use pool::{PolicyKind, PolicyVersion, Pool, PoolError};

use std::path::{Path, PathBuf};

/// Where `procura serve` looks for the core module when not told: `$PROCURA_CORE_WASM`,
/// then `pkg/core/procura.wasm` under the current folder and under each ancestor of the
/// running executable (so `target/debug/procura` finds the repository's build).
pub fn default_module_path() -> PathBuf {
    if let Some(path) = std::env::var_os("PROCURA_CORE_WASM") {
        return PathBuf::from(path);
    }
    let relative = Path::new("pkg/core/procura.wasm");
    let mut candidates = vec![relative.to_path_buf()];
    if let Ok(exe) = std::env::current_exe() {
        candidates.extend(exe.ancestors().skip(1).map(|dir| dir.join(relative)));
    }
    candidates
        .iter()
        .find(|path| path.is_file())
        .cloned()
        .unwrap_or_else(|| relative.to_path_buf())
}

/// The inputs of the core module's build whose change makes `pkg/core/procura.wasm` stale.
pub const STAMPED: [&str; 4] = ["src", "grammar", "Cargo.toml", "Cargo.lock"];

/// A digest of the core crate's sources under `repo` ([`STAMPED`]): what
/// `scripts/build-core.sh` writes to `pkg/core/procura.wasm.stamp`, computed the same way as
/// `find src grammar Cargo.toml Cargo.lock -type f | LC_ALL=C sort | xargs sha256sum | sha256sum`.
/// Tests compare the two to tell a stale module from a wrong one.
pub fn source_stamp(repo: &Path) -> std::io::Result<String> {
    use sha2::{Digest, Sha256};
    fn walk(repo: &Path, relative: &Path, found: &mut Vec<String>) -> std::io::Result<()> {
        let path = repo.join(relative);
        if path.is_dir() {
            for entry in std::fs::read_dir(&path)? {
                walk(repo, &relative.join(entry?.file_name()), found)?;
            }
        } else if path.is_file() {
            found.push(relative.to_string_lossy().into_owned());
        }
        Ok(())
    }
    let hex = |bytes: &[u8]| bytes.iter().map(|b| format!("{b:02x}")).collect::<String>();
    let mut files = Vec::new();
    for root in STAMPED {
        walk(repo, Path::new(root), &mut files)?;
    }
    files.sort();
    let mut listing = String::new();
    for file in &files {
        let digest = Sha256::digest(std::fs::read(repo.join(file))?);
        listing.push_str(&format!("{}  {file}\n", hex(&digest)));
    }
    Ok(hex(&Sha256::digest(listing.as_bytes())))
}

/// Whether `pkg/core/procura.wasm` under `repo` is missing or older than the sources:
/// `Some(why)`, or `None` when its stamp matches [`source_stamp`].
pub fn stale_core(repo: &Path) -> Option<String> {
    stale_module(repo, Path::new("pkg/core/procura.wasm"))
}

/// [`stale_core`] for any module `scripts/build-core.sh` builds (`relative` to `repo`, e.g.
/// `pkg/core/procura-runtime.wasm`), by its `.stamp` beside it.
pub fn stale_module(repo: &Path, relative: &Path) -> Option<String> {
    let module = repo.join(relative);
    if !module.is_file() {
        return Some(format!("{} is not built", module.display()));
    }
    let mut stamp_path = module.clone().into_os_string();
    stamp_path.push(".stamp");
    let stamp = std::fs::read_to_string(stamp_path).unwrap_or_default();
    match source_stamp(repo) {
        Ok(now) if now == stamp.trim() => None,
        Ok(_) => Some(format!("{} is older than the sources", module.display())),
        Err(error) => Some(format!("cannot read the sources: {error}")),
    }
}
