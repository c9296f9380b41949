//! The core module on wasmtime: [`CoreModule`] (compiled once) and [`Instance`] (one store
//! and instance, with its fuel budget and memory cap), speaking the ABI of `docs/abi.md`.

use std::path::Path;

use wasmtime::{Config, Engine, Memory, Module, ResourceLimiter, Store, Trap, TypedFunc};

use crate::errors::HostError;

// The ABI's version and questions: one definition, shared with the module (issue 16).
pub use procura::contract::abi::{Query, ABI_VERSION};
use procura::contract::abi::{COMPILE_EXPORT, LOAD_EXPORT};

/// The wasmtime engine every core module runs on: Cranelift, fuel metering on.
fn engine() -> Result<Engine, HostError> {
    let mut config = Config::new();
    config.consume_fuel(true);
    Engine::new(&config).map_err(HostError::wasm)
}

/// What one instance may use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Fuel (about one unit per WebAssembly instruction) for one request, including copying
    /// it in and the answer out. Exhausted: the request fails with `E0501`.
    pub fuel_per_call: u64,
    /// Fuel for compiling one policy into an instance.
    pub fuel_per_compile: u64,
    /// The most linear memory one instance may grow to, in bytes. Exceeded: `E0503`.
    pub memory_bytes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            fuel_per_call: 2_000_000_000,
            fuel_per_compile: 10_000_000_000,
            memory_bytes: 256 * 1024 * 1024,
        }
    }
}

/// The compiled core module: compile it once, then make any number of [`Instance`]s.
#[derive(Clone)]
pub struct CoreModule {
    engine: Engine,
    module: Module,
}

impl std::fmt::Debug for CoreModule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CoreModule").finish_non_exhaustive()
    }
}

impl CoreModule {
    /// Reads and compiles the module at `path` (typically `pkg/core/procura.wasm`).
    pub fn load(path: impl AsRef<Path>) -> Result<CoreModule, HostError> {
        let path = path.as_ref();
        let bytes = std::fs::read(path).map_err(|error| HostError::Read {
            path: path.display().to_string(),
            error: error.to_string(),
        })?;
        CoreModule::from_bytes(&bytes)
    }

    /// Like [`CoreModule::load`], with wasmtime's compiled code cached in `cache` (a folder
    /// made if missing), keyed by the module's bytes and the engine's configuration. A
    /// cache hit skips compiling (a minute in a debug build, seconds in release).
    ///
    /// The cache holds native code that is loaded without checks: keep it in a folder only
    /// the service's owner can write, like the binary itself (the tests use `target/`).
    pub fn load_cached(path: impl AsRef<Path>, cache: &Path) -> Result<CoreModule, HostError> {
        let path = path.as_ref();
        let bytes = std::fs::read(path).map_err(|error| HostError::Read {
            path: path.display().to_string(),
            error: error.to_string(),
        })?;
        let engine = engine()?;
        let key = {
            use std::hash::{Hash, Hasher};
            let mut hasher = std::hash::DefaultHasher::new();
            bytes.hash(&mut hasher);
            engine.precompile_compatibility_hash().hash(&mut hasher);
            hasher.finish()
        };
        let cached = cache.join(format!("procura-core-{key:016x}.cwasm"));
        // SAFETY: `deserialize_file` trusts the file to be wasmtime's own output: this cache
        // is written only by the `serialize` below (atomically, by rename), in a folder the
        // caller vouches for. An incompatible or damaged header is still rejected, and then
        // the module is compiled afresh.
        #[expect(
            unsafe_code,
            reason = "wasmtime can only load its own cached compilation unsafely; the SAFETY note says why it holds"
        )]
        let hit = cached
            .is_file()
            .then(|| unsafe { Module::deserialize_file(&engine, &cached) }.ok())
            .flatten();
        let module = match hit {
            Some(module) => module,
            None => {
                let module = Module::new(&engine, &bytes).map_err(HostError::wasm)?;
                if let Ok(serialized) = module.serialize() {
                    let temp = cache.join(format!(
                        "procura-core-{key:016x}.{}.tmp",
                        std::process::id()
                    ));
                    let written = std::fs::create_dir_all(cache)
                        .and_then(|()| std::fs::write(&temp, serialized))
                        .and_then(|()| std::fs::rename(&temp, &cached));
                    if written.is_err() {
                        let _ = std::fs::remove_file(&temp);
                    }
                }
                module
            }
        };
        CoreModule::checked(engine, module)
    }

    /// Compiles a module from its bytes and checks that it imports nothing and speaks
    /// [`ABI_VERSION`].
    pub fn from_bytes(bytes: &[u8]) -> Result<CoreModule, HostError> {
        let engine = engine()?;
        let module = Module::new(&engine, bytes).map_err(HostError::wasm)?;
        CoreModule::checked(engine, module)
    }

    fn checked(engine: Engine, module: Module) -> Result<CoreModule, HostError> {
        let core = CoreModule { engine, module };
        let imports = core.imports();
        if !imports.is_empty() {
            return Err(HostError::Abi(format!(
                "the module imports {}; a core module must import nothing",
                imports.join(", ")
            )));
        }
        let mut instance = core.instance(Limits::default())?;
        let version = instance.abi_version()?;
        if version != ABI_VERSION {
            return Err(HostError::Abi(format!(
                "the module speaks ABI version {version}; this host speaks {ABI_VERSION}"
            )));
        }
        Ok(core)
    }

    /// The module's imports as `module::name`: empty for a core module.
    pub fn imports(&self) -> Vec<String> {
        self.module
            .imports()
            .map(|import| format!("{}::{}", import.module(), import.name()))
            .collect()
    }

    /// Whether the module compiles policy source (`procura_compile`): the full module does,
    /// the runtime-only one (`pkg/core/procura-runtime.wasm`) loads artifacts only.
    pub fn can_compile(&self) -> bool {
        self.module.get_export(COMPILE_EXPORT).is_some()
    }

    /// The module's exported names.
    pub fn exports(&self) -> Vec<String> {
        self.module
            .exports()
            .map(|export| export.name().to_owned())
            .collect()
    }

    /// A fresh instance with its own memory and limits.
    pub fn instance(&self, limits: Limits) -> Result<Instance, HostError> {
        let mut store = Store::new(
            &self.engine,
            MemoryCap {
                bytes: limits.memory_bytes,
                hit: false,
            },
        );
        store.limiter(|cap| cap as &mut dyn ResourceLimiter);
        store
            .set_fuel(limits.fuel_per_compile)
            .map_err(HostError::wasm)?;
        let instance =
            wasmtime::Instance::new(&mut store, &self.module, &[]).map_err(HostError::wasm)?;
        let exports = Exports::find(&instance, &mut store)?;
        Ok(Instance {
            store,
            exports,
            limits,
            broken: false,
        })
    }
}

/// Records whether a memory growth was refused, so that the trap it leads to (the module
/// aborts when an allocation fails) can be reported as the memory cap.
struct MemoryCap {
    bytes: usize,
    hit: bool,
}

impl ResourceLimiter for MemoryCap {
    fn memory_growing(
        &mut self,
        _current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        let allowed = desired <= self.bytes;
        self.hit |= !allowed;
        Ok(allowed)
    }

    fn table_growing(
        &mut self,
        _current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        Ok(desired <= 100_000)
    }
}

struct Exports {
    memory: Memory,
    alloc: TypedFunc<u32, u32>,
    free: TypedFunc<(u32, u32), ()>,
    /// `None` in the runtime-only module, which loads artifacts only.
    compile: Option<TypedFunc<(u32, u32, u32, u32), u64>>,
    load: TypedFunc<(u32, u32, u32, u32), u64>,
    queries: [TypedFunc<(u32, u32, u32), u64>; 6],
    release: TypedFunc<u32, u32>,
    trust: TypedFunc<(u32, u32), u32>,
    abi_version: TypedFunc<(), u32>,
    engine_version: TypedFunc<(), u64>,
}

impl Exports {
    fn find(
        instance: &wasmtime::Instance,
        store: &mut Store<MemoryCap>,
    ) -> Result<Exports, HostError> {
        let missing = |name: &str, error: wasmtime::Error| {
            HostError::Abi(format!(
                "the export `{name}` is missing or mistyped: {error}"
            ))
        };
        macro_rules! func {
            ($name:expr) => {
                instance
                    .get_typed_func(&mut *store, $name)
                    .map_err(|e| missing($name, e))?
            };
        }
        let memory = instance
            .get_memory(&mut *store, "memory")
            .ok_or_else(|| HostError::Abi("the module exports no `memory`".into()))?;
        Ok(Exports {
            memory,
            alloc: func!("procura_alloc"),
            free: func!("procura_free"),
            compile: match instance.get_export(&mut *store, COMPILE_EXPORT) {
                None => None,
                Some(_) => Some(func!(COMPILE_EXPORT)),
            },
            load: func!(LOAD_EXPORT),
            queries: [
                func!(Query::Evaluate.export()),
                func!(Query::Authorize.export()),
                func!(Query::Badges.export()),
                func!(Query::Progress.export()),
                func!(Query::InvoiceRun.export()),
                func!(Query::ReportCsv.export()),
            ],
            release: func!("procura_release"),
            trust: func!("procura_set_trust_inline_profiles"),
            abi_version: func!("procura_abi_version"),
            engine_version: func!("procura_engine_version"),
        })
    }

    fn query(&self, query: Query) -> &TypedFunc<(u32, u32, u32), u64> {
        let [evaluate, authorize, badges, progress, invoice_run, report_csv] = &self.queries;
        match query {
            Query::Evaluate => evaluate,
            Query::Authorize => authorize,
            Query::Badges => badges,
            Query::Progress => progress,
            Query::InvoiceRun => invoice_run,
            Query::ReportCsv => report_csv,
        }
    }
}

/// One instance of the core module: its own store, memory, policy handles and limits.
/// Not thread-safe by itself (`&mut self`); [`crate::Pool`] shares a set of them.
///
/// After a trap (budget, memory cap) the instance is broken: every later call fails with
/// [`HostError::Broken`], and the owner must make a new one.
pub struct Instance {
    store: Store<MemoryCap>,
    exports: Exports,
    limits: Limits,
    broken: bool,
}

impl std::fmt::Debug for Instance {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Instance")
            .field("limits", &self.limits)
            .field("broken", &self.broken)
            .finish_non_exhaustive()
    }
}

impl Instance {
    /// Whether a trap has made this instance unusable.
    pub fn is_broken(&self) -> bool {
        self.broken
    }

    /// The size of the instance's linear memory, in bytes.
    pub fn memory_bytes(&self) -> usize {
        self.exports.memory.data_size(&self.store)
    }

    /// Runs `f` with `fuel`; a trap breaks the instance and becomes the matching error.
    fn guarded<R>(
        &mut self,
        fuel: u64,
        f: impl FnOnce(&mut Self) -> Result<R, HostError>,
    ) -> Result<R, HostError> {
        if self.broken {
            return Err(HostError::Broken);
        }
        self.store.data_mut().hit = false;
        self.store.set_fuel(fuel).map_err(HostError::wasm)?;
        let result = f(self);
        match result {
            Err(HostError::Trap(_) | HostError::BudgetExceeded | HostError::MemoryExceeded) => {
                self.broken = true;
                match result {
                    Err(HostError::Trap(_)) if self.store.data().hit => {
                        Err(HostError::MemoryExceeded)
                    }
                    other => other,
                }
            }
            other => other,
        }
    }

    fn trap(error: wasmtime::Error) -> HostError {
        match error.downcast_ref::<Trap>() {
            Some(Trap::OutOfFuel) => HostError::BudgetExceeded,
            Some(trap) => HostError::Trap(trap.to_string()),
            None => HostError::Trap(format!("{error:#}")),
        }
    }

    /// Copies `bytes` into a fresh module buffer: `(ptr, len)`.
    fn put(&mut self, bytes: &[u8]) -> Result<(u32, u32), HostError> {
        let len = u32::try_from(bytes.len()).map_err(|_| HostError::MemoryExceeded)?;
        let ptr = self
            .exports
            .alloc
            .call(&mut self.store, len)
            .map_err(Self::trap)?;
        if ptr == 0 {
            return Err(HostError::MemoryExceeded);
        }
        self.exports
            .memory
            .write(&mut self.store, ptr as usize, bytes)
            .map_err(|e| HostError::Abi(format!("procura_alloc gave a bad buffer: {e}")))?;
        Ok((ptr, len))
    }

    fn free(&mut self, ptr: u32, len: u32) -> Result<(), HostError> {
        self.exports
            .free
            .call(&mut self.store, (ptr, len))
            .map_err(Self::trap)
    }

    /// Reads and frees a packed `(ptr << 32) | len` result.
    fn take(&mut self, packed: u64) -> Result<String, HostError> {
        if packed == 0 {
            return Err(HostError::MemoryExceeded);
        }
        let ptr = u32::try_from(packed >> 32).unwrap_or(u32::MAX);
        let len = u32::try_from(packed & 0xffff_ffff).unwrap_or(u32::MAX);
        let mut bytes = vec![0; len as usize];
        self.exports
            .memory
            .read(&self.store, ptr as usize, &mut bytes)
            .map_err(|e| HostError::Abi(format!("a result points outside memory: {e}")))?;
        self.free(ptr, len)?;
        String::from_utf8(bytes).map_err(|_| HostError::Abi("a result is not UTF-8".into()))
    }

    /// `procura_abi_version`.
    pub fn abi_version(&mut self) -> Result<u32, HostError> {
        let fuel = self.limits.fuel_per_call;
        self.guarded(fuel, |this| {
            this.exports
                .abi_version
                .call(&mut this.store, ())
                .map_err(Self::trap)
        })
    }

    /// `procura_engine_version`, e.g. `0.1.0`.
    pub fn engine_version(&mut self) -> Result<String, HostError> {
        let fuel = self.limits.fuel_per_call;
        self.guarded(fuel, |this| {
            let packed = this
                .exports
                .engine_version
                .call(&mut this.store, ())
                .map_err(Self::trap)?;
            this.take(packed)
        })
    }

    /// `procura_compile`: the compile answer JSON, exactly as the module wrote it
    /// (`{"type":"success","result":{"handle":…,"policy":…,"warnings":[…]}}` or a failure).
    /// [`HostError::NoCompiler`] from the runtime-only module.
    pub fn compile(
        &mut self,
        source: &[u8],
        directory: Option<&[u8]>,
    ) -> Result<String, HostError> {
        let func = self.exports.compile.clone().ok_or(HostError::NoCompiler)?;
        self.store_policy(&func, source, directory)
    }

    /// `procura_load`: loads a policy artifact (`procura build`); the same answer as
    /// [`Instance::compile`] (no warnings), or a failure coded `E0701`–`E0703`.
    pub fn load(&mut self, artifact: &[u8], directory: Option<&[u8]>) -> Result<String, HostError> {
        let func = self.exports.load.clone();
        self.store_policy(&func, artifact, directory)
    }

    /// [`Instance::load`] for an artifact (by its magic), else [`Instance::compile`].
    pub fn open(&mut self, policy: &[u8], directory: Option<&[u8]>) -> Result<String, HostError> {
        if procura::is_artifact(policy) {
            self.load(policy, directory)
        } else {
            self.compile(policy, directory)
        }
    }

    /// Copies the policy and directory in, calls `func` (`procura_compile` or `procura_load`)
    /// and frees them: its answer.
    fn store_policy(
        &mut self,
        func: &TypedFunc<(u32, u32, u32, u32), u64>,
        policy: &[u8],
        directory: Option<&[u8]>,
    ) -> Result<String, HostError> {
        let fuel = self.limits.fuel_per_compile;
        self.guarded(fuel, |this| {
            let (ptr, len) = this.put(policy)?;
            let (dir_ptr, dir_len) = match directory {
                Some(bytes) => this.put(bytes)?,
                None => (0, 0),
            };
            let packed = func
                .call(&mut this.store, (ptr, len, dir_ptr, dir_len))
                .map_err(Self::trap)?;
            this.free(ptr, len)?;
            if dir_ptr != 0 {
                this.free(dir_ptr, dir_len)?;
            }
            this.take(packed)
        })
    }

    /// One of the questions ([`Query`]: the four decisions, an invoice run, a CSV report),
    /// against the policy of `handle`: the answer JSON, byte for byte what the module wrote
    /// (and what the native engine writes).
    pub fn query(
        &mut self,
        handle: u32,
        query: Query,
        request: &[u8],
    ) -> Result<String, HostError> {
        let fuel = self.limits.fuel_per_call;
        self.guarded(fuel, |this| {
            let (ptr, len) = this.put(request)?;
            let func = this.exports.query(query).clone();
            let packed = func
                .call(&mut this.store, (handle, ptr, len))
                .map_err(Self::trap)?;
            this.free(ptr, len)?;
            this.take(packed)
        })
    }

    /// `procura_invoice_run`: an invoice run (`InvoiceRunRequest` JSON), answered with the
    /// `InvoiceRun` answer JSON.
    pub fn invoice_run(&mut self, handle: u32, request: &[u8]) -> Result<String, HostError> {
        self.query(handle, Query::InvoiceRun, request)
    }

    /// `procura_report_csv`: `{"run": <InvoiceRunRequest>, "report": <ReportDefinition or
    /// null>}`, answered with `{"type":"success","result":"<csv text>"}` or a failure.
    pub fn report_csv(&mut self, handle: u32, request: &[u8]) -> Result<String, HostError> {
        self.query(handle, Query::ReportCsv, request)
    }

    /// Calls the export of `query` with `(handle, ptr, len)` exactly as given, copying
    /// nothing in: for testing what the module answers a host that passes a wrong buffer
    /// (`E0518` when it is not inside memory). The answer is read and freed as usual.
    pub fn query_raw(
        &mut self,
        handle: u32,
        query: Query,
        ptr: u32,
        len: u32,
    ) -> Result<String, HostError> {
        let fuel = self.limits.fuel_per_call;
        self.guarded(fuel, |this| {
            let func = this.exports.query(query).clone();
            let packed = func
                .call(&mut this.store, (handle, ptr, len))
                .map_err(Self::trap)?;
            this.take(packed)
        })
    }

    /// Calls `procura_compile` with the buffers exactly as given, like [`Instance::query_raw`].
    pub fn compile_raw(
        &mut self,
        source: (u32, u32),
        directory: (u32, u32),
    ) -> Result<String, HostError> {
        let func = self.exports.compile.clone().ok_or(HostError::NoCompiler)?;
        self.store_raw(&func, source, directory)
    }

    /// Calls `procura_load` with the buffers exactly as given, like [`Instance::query_raw`].
    pub fn load_raw(
        &mut self,
        artifact: (u32, u32),
        directory: (u32, u32),
    ) -> Result<String, HostError> {
        let func = self.exports.load.clone();
        self.store_raw(&func, artifact, directory)
    }

    fn store_raw(
        &mut self,
        func: &TypedFunc<(u32, u32, u32, u32), u64>,
        policy: (u32, u32),
        directory: (u32, u32),
    ) -> Result<String, HostError> {
        let fuel = self.limits.fuel_per_compile;
        self.guarded(fuel, |this| {
            let packed = func
                .call(
                    &mut this.store,
                    (policy.0, policy.1, directory.0, directory.1),
                )
                .map_err(Self::trap)?;
            this.take(packed)
        })
    }

    /// `procura_release`: whether `handle` named a policy.
    pub fn release(&mut self, handle: u32) -> Result<bool, HostError> {
        let fuel = self.limits.fuel_per_call;
        self.guarded(fuel, |this| {
            this.exports
                .release
                .call(&mut this.store, handle)
                .map(|released| released != 0)
                .map_err(Self::trap)
        })
    }

    /// `procura_set_trust_inline_profiles`: whether requests to the policy of `handle` may
    /// carry inline profiles (`buyerProfile`, `userProfile`); refused with `E0515` unless set.
    /// Answers whether `handle` named a policy.
    pub fn set_trust_inline_profiles(
        &mut self,
        handle: u32,
        trust: bool,
    ) -> Result<bool, HostError> {
        let fuel = self.limits.fuel_per_call;
        self.guarded(fuel, |this| {
            this.exports
                .trust
                .call(&mut this.store, (handle, u32::from(trust)))
                .map(|known| known != 0)
                .map_err(Self::trap)
        })
    }

    /// Fuel left after the last call: how much a call used is `limit - remaining`.
    pub fn fuel_left(&self) -> u64 {
        self.store.get_fuel().unwrap_or(0)
    }
}
