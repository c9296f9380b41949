"""The core module (``procura.wasm``, ABI in ``docs/abi.md``) on wasmtime.

One wasmtime ``Engine`` and compiled ``Module`` per process (made on first use); each
:class:`Instance` is one ``Store`` with its own memory, fuel and memory cap, like
``host/src/module.rs``. Nothing here is thread-safe by itself: :class:`procura.Policy`
serialises calls to its instance with a lock.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
from dataclasses import dataclass
from importlib import resources
from typing import Callable, Optional, Tuple, TypeVar

import ctypes

import wasmtime

try:
    from ._module_hash import MODULE_SHA256
except ImportError as error:  # pragma: no cover - a package built without its module
    raise ImportError(
        "procura: the package was built without its core module (_module_hash.py is "
        "missing): build pkg/core/procura.wasm (scripts/build-core.sh), then reinstall "
        "(pip install ./python)"
    ) from error

#: The ABI versions this host speaks (``procura_abi_version``). Version 3 adds
#: ``procura_invoice_run`` and ``procura_report_csv``; version 4 adds ``procura_load``
#: (policy artifacts); everything else is version 2.
ABI_VERSIONS = (2, 3, 4)

#: Host codes (docs/abi.md), answered as failures like the engine's own.
BUDGET_EXCEEDED = "E0501"
UNKNOWN_HANDLE = "E0502"
MEMORY_EXCEEDED = "E0503"
ENGINE_FAILED = "E0504"
INLINE_PROFILE_NOT_TRUSTED = "E0515"

_BUDGET_MESSAGE = "evaluation exceeded its budget"
_MEMORY_MESSAGE = "evaluation exceeded its memory limit"

T = TypeVar("T")


@dataclass(frozen=True)
class Limits:
    """What one instance may use; the defaults are the Rust host's (``Limits::default``).

    ``fuel_per_call``: fuel (about one unit per WebAssembly instruction) for one request,
    copying it in and the answer out included; exhausted, the answer is ``E0501``.
    ``fuel_per_compile``: fuel for compiling the policy into an instance.
    ``memory_bytes``: the most linear memory an instance may grow to; reached, ``E0503``.
    """

    fuel_per_call: int = 2_000_000_000
    fuel_per_compile: int = 10_000_000_000
    memory_bytes: int = 256 * 1024 * 1024


def failure_json(code: str, message: str) -> str:
    """``{"type":"failure","errors":[{"code":…,"message":…}]}``, as the Rust host writes it."""
    return json.dumps(
        {"type": "failure", "errors": [{"code": code, "message": message}]},
        separators=(",", ":"),
        ensure_ascii=False,
    )


class ProcuraError(Exception):
    """The base of this package's errors."""


class HostError(ProcuraError):
    """A limit the host imposes was reached, or the module trapped: a coded failure.

    The question methods answer it as a failure (``{"type":"failure","errors":[{"code":
    "E0501",…}]}``); it is raised only where there is no answer to give (e.g. setting
    :attr:`procura.Policy.trust_inline_profiles` when the policy cannot be compiled again).
    """

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message

    def answer_json(self) -> str:
        return failure_json(self.code, self.message)


def _read_module() -> bytes:
    data = resources.files(__package__).joinpath("procura.wasm").read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    if digest != MODULE_SHA256:
        raise ImportError(
            f"procura: the bundled procura.wasm has SHA-256 {digest}, but the package was "
            f"built with {MODULE_SHA256}: the installation is damaged or was edited; "
            "reinstall the package (pip install --force-reinstall ./python)"
        )
    return data


# Checked at import: a damaged or replaced module is an ImportError, not a surprise later.
_MODULE_BYTES = _read_module()


class Runtime:
    """The wasmtime engine (fuel metering on) and the compiled module: one per process."""

    def __init__(self, wasm: bytes) -> None:
        config = wasmtime.Config()
        config.consume_fuel = True
        cache = os.environ.get("PROCURA_WASMTIME_CACHE")
        if cache:
            # wasmtime's own code cache: "1" for its default location, or a path to a
            # cache config TOML. Keep the cache in a folder only you can write.
            config.cache = True if cache == "1" else cache
        self.engine = wasmtime.Engine(config)
        self.module = wasmtime.Module(self.engine, wasm)
        imports = [f"{i.module}::{i.name}" for i in self.module.imports]
        if imports:
            raise ImportError(f"procura: the module imports {', '.join(imports)}; a core module imports nothing")
        self.exports = frozenset(e.name for e in self.module.exports)
        probe = Instance(self, Limits())
        self.abi_version = probe.abi_version()
        if self.abi_version not in ABI_VERSIONS:
            raise ImportError(
                f"procura: the module speaks ABI version {self.abi_version}; "
                f"this package speaks {', '.join(map(str, ABI_VERSIONS))}"
            )
        self.engine_version = probe.engine_version()


# -- calls into the module -------------------------------------------------------------------
#
# wasmtime-py's ``Func.__call__`` looks the function's type up and converts every argument
# through ``Val`` objects on each call: about 40 µs per call on the development machine,
# ten times the engine's own time for a permission check. The ABI's functions take only
# i32s and answer one i32 or i64, so :class:`_Call` calls ``wasmtime_func_call`` directly
# with preallocated argument arrays (wasmtime-py 50's own ``_ffi`` bindings, the ones
# ``Func.__call__`` uses), raising the same ``Trap``/``WasmtimeError``. If those internals
# are not there (another wasmtime-py), every call takes the public path.
try:
    from wasmtime import _ffi as _wffi

    _FAST = all(
        hasattr(_wffi, name)
        for name in ("wasmtime_func_call", "wasmtime_val_t", "wasm_trap_t", "WASMTIME_I32", "WASMTIME_I64",
                     "wasmtime_memory_data", "wasmtime_memory_data_size")
    ) and os.environ.get("PROCURA_WASMTIME_SLOW_CALLS") != "1"
except ImportError:  # pragma: no cover
    _FAST = False


class _Call:
    """One export ``(i32, …) -> i32 | i64 | ()`` of one instance, called without ``Val``s."""

    def __init__(self, store: wasmtime.Store, func: wasmtime.Func, name: str) -> None:
        self.store = store
        self.func = func
        ty = func.type(store)
        i32, i64 = wasmtime.ValType.i32(), wasmtime.ValType.i64()
        params, results = list(ty.params), list(ty.results)
        self.arity = len(params)
        self.fast = (
            _FAST
            and all(p == i32 for p in params)
            and (results == [] or results == [i32] or results == [i64])
        )
        if not self.fast:
            return
        self.context = store._context()
        self.ref = ctypes.byref(func._func)
        self.params = (_wffi.wasmtime_val_t * max(1, self.arity))()
        for i in range(self.arity):
            self.params[i].kind = _wffi.WASMTIME_I32.value  # type: ignore[assignment]
        self.nresults = len(results)
        self.results = (_wffi.wasmtime_val_t * max(1, self.nresults))()
        self.wide = results == [i64]

    def __call__(self, *args: int) -> int:
        if not self.fast:
            value = self.func(self.store, *args)
            return 0 if value is None else int(value)
        if len(args) != self.arity:
            raise TypeError(f"expected {self.arity} arguments, got {len(args)}")
        params = self.params
        for i, arg in enumerate(args):
            params[i].of.i32 = arg  # ctypes wraps to 32 bits, like wasmtime-py
        trap = ctypes.POINTER(_wffi.wasm_trap_t)()
        error = _wffi.wasmtime_func_call(
            self.context, self.ref, params, self.arity, self.results, self.nresults, ctypes.byref(trap)
        )
        if error:
            raise wasmtime.WasmtimeError._from_ptr(error)
        if trap:
            raise wasmtime.Trap._from_ptr(trap)
        if not self.nresults:
            return 0
        result = self.results[0].of
        return int(result.i64 if self.wide else result.i32)


class _Memory:
    """The instance's memory: bounds-checked copies in and out."""

    def __init__(self, store: wasmtime.Store, memory: wasmtime.Memory) -> None:
        self.store = store
        self.memory = memory
        if _FAST:
            self.context = store._context()
            self.ref = ctypes.byref(memory._memory)

    def size(self) -> int:
        if _FAST:
            return int(_wffi.wasmtime_memory_data_size(self.context, self.ref))
        return int(self.memory.data_len(self.store))

    def _base(self) -> int:
        # The data pointer moves when the memory grows: asked for on every copy.
        return ctypes.addressof(_wffi.wasmtime_memory_data(self.context, self.ref).contents)

    def write(self, ptr: int, data: bytes) -> None:
        if ptr + len(data) > self.size():
            raise IndexError("outside memory")
        if _FAST:
            ctypes.memmove(self._base() + ptr, data, len(data))
        else:
            self.memory.write(self.store, data, ptr)

    def read(self, ptr: int, length: int) -> bytes:
        if ptr + length > self.size():
            raise IndexError("outside memory")
        if not length:
            return b""
        if _FAST:
            return ctypes.string_at(self._base() + ptr, length)
        return bytes(self.memory.read(self.store, ptr, ptr + length))


_runtime: Optional[Runtime] = None
_runtime_lock = threading.Lock()


def runtime() -> Runtime:
    """The process's runtime, compiled on first use (a few seconds: Cranelift)."""
    global _runtime
    if _runtime is None:
        with _runtime_lock:
            if _runtime is None:
                _runtime = Runtime(_MODULE_BYTES)
    return _runtime


class Instance:
    """One store and instance of the core module, with its fuel budget and memory cap.

    After a trap (fuel, memory cap, anything else) the instance is broken: every later
    call raises :class:`HostError` ``E0504`` and the owner must make a new one.
    """

    def __init__(self, rt: Runtime, limits: Limits) -> None:
        self.limits = limits
        self.store = wasmtime.Store(rt.engine)
        self.store.set_limits(memory_size=limits.memory_bytes)
        self.store.set_fuel(limits.fuel_per_compile)
        instance = wasmtime.Instance(self.store, rt.module, [])
        exports = instance.exports(self.store)
        self.broken = False

        def func(name: str) -> _Call:
            export = exports.get(name)
            if not isinstance(export, wasmtime.Func):
                raise HostError(ENGINE_FAILED, f"the module breaks the ABI: no export `{name}`")
            return _Call(self.store, export, name)

        memory = exports.get("memory")
        if not isinstance(memory, wasmtime.Memory):
            raise HostError(ENGINE_FAILED, "the module breaks the ABI: it exports no `memory`")
        self.memory = _Memory(self.store, memory)
        self._alloc = func("procura_alloc")
        self._free = func("procura_free")
        # The runtime-only module (pkg/core/procura-runtime.wasm) has no compiler; modules
        # before ABI 4 have no loader.
        self._compile = func("procura_compile") if isinstance(exports.get("procura_compile"), wasmtime.Func) else None
        self._load = func("procura_load") if isinstance(exports.get("procura_load"), wasmtime.Func) else None
        self._release = func("procura_release")
        self._trust = func("procura_set_trust_inline_profiles")
        self._abi_version = func("procura_abi_version")
        self._engine_version = func("procura_engine_version")
        self._queries = {name: func(name) for name in _QUERY_EXPORTS if isinstance(exports.get(name), wasmtime.Func)}

    # -- plumbing ---------------------------------------------------------------------

    def memory_bytes(self) -> int:
        """The size of the instance's linear memory, in bytes."""
        return self.memory.size()

    def fuel_left(self) -> int:
        """Fuel left after the last call: what a call used is ``limit - fuel_left()``."""
        return int(self.store.get_fuel())

    def _guarded(self, fuel: int, body: Callable[[], T]) -> T:
        if self.broken:
            raise HostError(ENGINE_FAILED, "the instance is unusable after an earlier trap")
        self.store.set_fuel(fuel)
        try:
            return body()
        except wasmtime.Trap as trap:
            self.broken = True
            raise self._classify(trap) from None
        except wasmtime.WasmtimeError as error:
            self.broken = True
            raise HostError(ENGINE_FAILED, f"the engine trapped: {_first_line(str(error))}") from None
        except HostError:
            self.broken = True
            raise

    def _classify(self, trap: wasmtime.Trap) -> HostError:
        code = trap.trap_code
        if code == wasmtime.TrapCode.OUT_OF_FUEL:
            return HostError(BUDGET_EXCEEDED, _BUDGET_MESSAGE)
        # wasmtime-py has no resource-limiter callback to tell us that a memory.grow was
        # refused (the Rust host records it). The module aborts with `unreachable` when an
        # allocation fails; it never traps otherwise on valid use of the ABI. So an
        # `unreachable` with the memory within 4x of the cap is the cap: a growth that did
        # not fit asks for at most about three times what the heap already holds.
        if code == wasmtime.TrapCode.UNREACHABLE and self.memory_bytes() * 4 >= self.limits.memory_bytes:
            return HostError(MEMORY_EXCEEDED, _MEMORY_MESSAGE)
        return HostError(ENGINE_FAILED, f"the engine trapped: {_trap_message(trap)}")

    def _put(self, data: bytes) -> Tuple[int, int]:
        length = len(data)
        if length > 0xFFFF_FFFF:
            raise HostError(MEMORY_EXCEEDED, _MEMORY_MESSAGE)
        ptr = _u32(self._alloc(length))
        if ptr == 0:
            raise HostError(MEMORY_EXCEEDED, _MEMORY_MESSAGE)
        if length:
            try:
                self.memory.write(ptr, data)
            except IndexError:
                raise HostError(ENGINE_FAILED, "the module breaks the ABI: procura_alloc gave a bad buffer") from None
        return ptr, length

    def _free_buffer(self, ptr: int, length: int) -> None:
        self._free(ptr, length)

    def _take(self, packed: int) -> str:
        bits = packed & 0xFFFF_FFFF_FFFF_FFFF
        if bits == 0:
            raise HostError(MEMORY_EXCEEDED, _MEMORY_MESSAGE)
        ptr, length = bits >> 32, bits & 0xFFFF_FFFF
        try:
            data = self.memory.read(ptr, length)
        except IndexError:
            raise HostError(ENGINE_FAILED, "the module breaks the ABI: a result points outside memory") from None
        self._free_buffer(ptr, length)
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError:
            raise HostError(ENGINE_FAILED, "the module breaks the ABI: a result is not UTF-8") from None

    # -- the ABI ----------------------------------------------------------------------

    def abi_version(self) -> int:
        return self._guarded(self.limits.fuel_per_call, lambda: self._abi_version())

    def engine_version(self) -> str:
        return self._guarded(self.limits.fuel_per_call, lambda: self._take(self._engine_version()))

    def compile(self, source: bytes, directory: Optional[bytes]) -> str:
        """``procura_compile``: the compile answer JSON text, as the module wrote it."""
        if self._compile is None:
            raise HostError(ENGINE_FAILED, "this module has no `procura_compile`: it loads artifacts only")
        return self._store(self._compile, source, directory)

    def load(self, artifact: bytes, directory: Optional[bytes]) -> str:
        """``procura_load`` (ABI 4): the same answer as :meth:`compile` for an artifact."""
        if self._load is None:
            raise HostError(ENGINE_FAILED, "this module has no `procura_load`: it predates ABI 4")
        return self._store(self._load, artifact, directory)

    def _store(self, func: _Call, policy: bytes, directory: Optional[bytes]) -> str:
        def body() -> str:
            ptr, length = self._put(policy)
            dir_ptr, dir_len = self._put(directory) if directory is not None else (0, 0)
            packed = func(ptr, length, dir_ptr, dir_len)
            self._free_buffer(ptr, length)
            if dir_ptr:
                self._free_buffer(dir_ptr, dir_len)
            return self._take(packed)

        return self._guarded(self.limits.fuel_per_compile, body)

    def has(self, export: str) -> bool:
        return export in self._queries

    def query(self, export: str, handle: int, request: bytes) -> str:
        """One ``(handle, ptr, len) -> packed`` export: the answer JSON text, byte for byte."""
        func = self._queries[export]

        def body() -> str:
            ptr, length = self._put(request)
            packed = func(handle, ptr, length)
            self._free_buffer(ptr, length)
            return self._take(packed)

        return self._guarded(self.limits.fuel_per_call, body)

    def release(self, handle: int) -> bool:
        return self._guarded(self.limits.fuel_per_call, lambda: _u32(self._release(handle)) != 0)

    def set_trust_inline_profiles(self, handle: int, trust: bool) -> bool:
        return self._guarded(
            self.limits.fuel_per_call,
            lambda: _u32(self._trust(handle, 1 if trust else 0)) != 0,
        )


_QUERY_EXPORTS = (
    "procura_evaluate",
    "procura_authorize",
    "procura_badges",
    "procura_progress",
    "procura_invoice_run",
    "procura_report_csv",
)


def _u32(value: int) -> int:
    return value & 0xFFFF_FFFF


def _first_line(text: str) -> str:
    return text.strip().splitlines()[0] if text.strip() else text


def _trap_message(trap: wasmtime.Trap) -> str:
    # wasmtime's message is a backtrace, then "Caused by:" and the trap itself.
    lines = [line.strip() for line in trap.message.splitlines() if line.strip()]
    return lines[-1] if lines else "unknown trap"
