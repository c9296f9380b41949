"""Procura purchasing policies in Python.

The engine is Procura's zero-import core WebAssembly module (``procura.wasm``, the ABI of
``docs/abi.md``), bundled with this package and run on wasmtime: answers are byte for byte
those of the native engine and of ``procura serve``.

    import procura

    with procura.compile(source, directory) as policy:
        answer = policy.evaluate({"buyer": "ana@maple.example", "order": {...}})
        if answer["type"] == "success":
            print(answer["result"]["outcome"])

A policy built into an artifact (``procura build policy.procura`` writes ``policy.pcy``)
loads without the compiler: ``procura.load(open("policy.pcy", "rb").read(), directory)``
gives the same :class:`Policy`.

See :func:`compile`, :func:`load` and :class:`Policy`. The bundled module is checked against the
SHA-256 recorded when the package was built: a mismatch is an ``ImportError``.
"""

from ._core import (
    ABI_VERSIONS,
    BUDGET_EXCEEDED,
    ENGINE_FAILED,
    INLINE_PROFILE_NOT_TRUSTED,
    MEMORY_EXCEEDED,
    UNKNOWN_HANDLE,
    HostError,
    Limits,
    ProcuraError,
)
from ._module_hash import MODULE_SHA256
from ._policy import (
    ClosedError,
    JsonInput,
    Policy,
    PolicyError,
    UnsupportedError,
    abi_version,
    compile,
    engine_version,
    load,
    supports,
)

__version__ = "0.1.0"

__all__ = [
    "ABI_VERSIONS",
    "BUDGET_EXCEEDED",
    "ClosedError",
    "ENGINE_FAILED",
    "INLINE_PROFILE_NOT_TRUSTED",
    "HostError",
    "JsonInput",
    "Limits",
    "MEMORY_EXCEEDED",
    "MODULE_SHA256",
    "Policy",
    "PolicyError",
    "ProcuraError",
    "UNKNOWN_HANDLE",
    "UnsupportedError",
    "abi_version",
    "compile",
    "engine_version",
    "load",
    "supports",
]
