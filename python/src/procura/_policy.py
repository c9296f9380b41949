"""Compiled or loaded policies: :func:`compile`, :func:`load` and :class:`Policy`."""

from __future__ import annotations

import json
import threading
from types import TracebackType
from typing import Any, Dict, List, Mapping, Optional, Type, Union, cast

import wasmtime

from . import _core
from ._core import HostError, Instance, Limits, ProcuraError
from .types import (
    AuthorizeAnswer,
    BadgeAnswer,
    CompileWarning,
    DecisionAnswer,
    InvoiceRunAnswer,
    ReportCsvAnswer,
    WorkflowAnswer,
)

#: What a request or directory may be: JSON text (``str`` or UTF-8 ``bytes``, passed
#: through unchanged), or a JSON-serialisable value (serialised compactly).
JsonInput = Union[str, bytes, bytearray, Mapping[str, Any], List[Any], int, float, bool, None]


class PolicyError(ProcuraError):
    """A policy (or its directory) that does not compile, or an artifact that does not load.

    ``errors`` lists every coded error (dicts with ``code``, ``message``, and ``span``
    for policy errors or ``path`` for directory errors; ``E0701``–``E0703`` for an
    artifact that is damaged, of another format version, or inconsistent); ``answer`` is
    the module's compile or load answer as JSON text, byte for byte.
    """

    def __init__(self, errors: List[Dict[str, Any]], answer: str, *, artifact: bool = False) -> None:
        self.errors = errors
        self.answer = answer
        codes = ", ".join(str(e.get("code")) for e in errors) or "no code"
        first = errors[0].get("message", "") if errors else ""
        what = "the artifact does not load" if artifact else "the policy does not compile"
        super().__init__(f"{what} ({codes}): {first}")


class UnsupportedError(ProcuraError):
    """The bundled core module lacks an export this call needs (an older ABI version)."""


class ClosedError(ProcuraError, ValueError):
    """A call on a policy after :meth:`Policy.close`."""


def _text(value: JsonInput) -> bytes:
    """JSON text as bytes: ``str``/``bytes`` unchanged, anything else serialised compactly."""
    if isinstance(value, str):
        # Lone surrogates go through as the (invalid) bytes they are: the engine answers
        # E0101 for text that is not UTF-8, never this wrapper.
        return value.encode("utf-8", "surrogatepass")
    if isinstance(value, (bytes, bytearray)):
        return bytes(value)
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode("utf-8", "surrogatepass")


_EXPORTS = {
    "evaluate": "procura_evaluate",
    "authorize": "procura_authorize",
    "badges": "procura_badges",
    "progress": "procura_progress",
    "invoice_run": "procura_invoice_run",
    "report_csv": "procura_report_csv",
}


class Policy:
    """A compiled policy with its directory, in its own instance of the core module.

    Make one with :func:`compile`. Each question has a text form (``evaluate_json``: JSON
    text in, the engine's answer text out, byte for byte the native engine's) and a value
    form (``evaluate``: a dict or JSON text in, the parsed answer out). Answers are the
    engine's tagged union, ``{"type": "success", "result": …}`` or ``{"type": "failure",
    "errors": [{"code": …, "message": …, …}]}``: bad input is an answer, never an exception.

    Limits: a call that runs out of fuel answers ``E0501``, one that reaches the memory cap
    ``E0503``, any other trap ``E0504``; the instance is then discarded and the next call
    runs in a fresh one with the policy compiled again.

    Thread safety: a ``Policy`` may be shared between threads; calls on it are serialised
    by a lock (one instance runs one call at a time). wasmtime runs without the GIL, so for
    parallel evaluation give each thread its own ``Policy`` (compiled from the same source).

    Close it (``close()``, or ``with procura.compile(…) as policy:``) to free its instance
    at once; otherwise it is freed when garbage-collected.
    """

    def __init__(
        self,
        source: bytes,
        directory: Optional[bytes],
        *,
        trust_inline_profiles: bool = False,
        limits: Optional[Limits] = None,
        artifact: bool = False,
    ) -> None:
        """Use :func:`compile` or :func:`load`."""
        self._artifact = artifact
        self._source = source
        self._directory = directory
        self._limits = limits or Limits()
        self._trust = trust_inline_profiles
        self._lock = threading.Lock()
        self._closed = False
        self._runtime = _core.runtime()
        self._instance: Optional[Instance] = None
        self._handle = 0
        self.last_fuel_used: int = 0
        """The fuel the last successful call used (about one unit per WebAssembly instruction)."""
        instance, answer = self._fresh()
        if instance is None:
            parsed = json.loads(answer)
            raise PolicyError(list(parsed.get("errors", [])), answer, artifact=artifact)
        self._instance = instance
        self.kind: str = "artifact" if artifact else "source"
        """What the policy came as: ``"source"`` (:func:`compile`) or ``"artifact"`` (:func:`load`)."""
        self.compile_json: str = answer
        """The module's compile (or load) answer, ``{"type":"success","result":{"handle":…,"policy":…,"warnings":[…]}}``."""
        result = json.loads(answer)["result"]
        self.name: str = result["policy"]["name"]
        """The policy's name, e.g. ``"Maple School District"``."""
        self.hash: str = result["policy"]["hash"]
        """The policy's content hash, ``"sha256:…"``: every decision names it."""
        self.warnings: List[CompileWarning] = result["warnings"]
        """The compiler's warnings (diagnostics with ``code``, ``message``, ``span``)."""

    def _fresh(self) -> "tuple[Optional[Instance], str]":
        """A new instance with the policy compiled (or loaded) in: (instance, answer), or
        (None, failure)."""
        try:
            instance = Instance(self._runtime, self._limits)
        except (wasmtime.WasmtimeError, wasmtime.Trap) as error:
            # e.g. a memory cap below the module's initial memory
            message = f"the module cannot be instantiated within these limits: {str(error).strip()}"
            return None, _core.failure_json(_core.MEMORY_EXCEEDED, message)
        try:
            store = instance.load if self._artifact else instance.compile
            answer = store(self._source, self._directory)
        except HostError as error:
            return None, error.answer_json()
        parsed = json.loads(answer)
        if parsed.get("type") != "success":
            return None, answer
        self._handle = int(parsed["result"]["handle"])
        if self._trust:
            try:
                instance.set_trust_inline_profiles(self._handle, True)
            except HostError as error:
                return None, error.answer_json()
        return instance, answer

    # -- properties -------------------------------------------------------------------

    @property
    def limits(self) -> Limits:
        """The fuel and memory limits of this policy's instance."""
        return self._limits

    @property
    def trust_inline_profiles(self) -> bool:
        """Whether requests may carry the user inline (``buyerProfile``, ``userProfile``).

        ``False`` (the default): such requests are refused with ``E0515``, as servers do.
        Set it only when this backend built the profiles itself from its own user store,
        never for a profile a browser or another client sent.
        """
        return self._trust

    @trust_inline_profiles.setter
    def trust_inline_profiles(self, trust: bool) -> None:
        with self._lock:
            if self._closed:
                raise ClosedError("this policy is closed")
            self._trust = bool(trust)
            try:
                self._live().set_trust_inline_profiles(self._handle, self._trust)
            except HostError:
                self._instance = None  # made again, with the setting, on the next call

    @property
    def closed(self) -> bool:
        return self._closed

    @property
    def instance_memory_bytes(self) -> int:
        """The current size of this policy's instance memory (after the last call)."""
        with self._lock:
            return self._live().memory_bytes()

    # -- calls ------------------------------------------------------------------------

    def _live(self) -> Instance:
        if self._closed:
            raise ClosedError("this policy is closed")
        if self._instance is None or self._instance.broken:
            instance, answer = self._fresh()
            if instance is None:
                raise HostError(_core.ENGINE_FAILED, f"the policy no longer compiles in a fresh instance: {answer}")
            self._instance = instance
        return self._instance

    def _ask(self, name: str, request: JsonInput) -> str:
        export = _EXPORTS[name]
        data = _text(request)
        with self._lock:
            if self._closed:
                raise ClosedError("this policy is closed")
            if export not in self._runtime.exports:
                raise UnsupportedError(
                    f"the bundled core module (ABI version {self._runtime.abi_version}) has no "
                    f"`{export}`: {name} needs ABI version 3; rebuild pkg/core/procura.wasm "
                    "(scripts/build-core.sh) and reinstall the package"
                )
            try:
                instance = self._live()
                answer = instance.query(export, self._handle, data)
                self.last_fuel_used = self._limits.fuel_per_call - instance.fuel_left()
                return answer
            except HostError as error:
                # The instance trapped (or could not be made): drop it, answer the code.
                self._instance = None
                return error.answer_json()

    def evaluate_json(self, request: Union[str, bytes]) -> str:
        """A checkout decision (like ``procura eval``): the answer JSON text, byte for byte."""
        return self._ask("evaluate", request)

    def authorize_json(self, request: Union[str, bytes]) -> str:
        """A permission check: the answer JSON text."""
        return self._ask("authorize", request)

    def badges_json(self, request: Union[str, bytes]) -> str:
        """Product badges for a listing: the answer JSON text."""
        return self._ask("badges", request)

    def progress_json(self, request: Union[str, bytes]) -> str:
        """The approval workflow's state: the answer JSON text."""
        return self._ask("progress", request)

    def invoice_run_json(self, request: Union[str, bytes]) -> str:
        """An invoice run (ABI 3, ``procura_invoice_run``): the answer JSON text.

        Raises :class:`UnsupportedError` when the bundled module does not export it.
        """
        return self._ask("invoice_run", request)

    def report_csv_json(self, request: Union[str, bytes]) -> str:
        """A CSV report of an invoice run (ABI 3, ``procura_report_csv``): the answer text.

        The request is ``{"run": <InvoiceRunRequest>, "report": <ReportDefinition or null>}``;
        a success's ``result`` is the CSV text. Raises :class:`UnsupportedError` when the
        bundled module does not export it.
        """
        return self._ask("report_csv", request)

    def evaluate(self, request: JsonInput) -> DecisionAnswer:
        """A checkout decision: ``{"type":"success","result":<Decision>}`` or a failure."""
        return cast(DecisionAnswer, json.loads(self._ask("evaluate", request)))

    def authorize(self, request: JsonInput) -> AuthorizeAnswer:
        """A permission check: ``{"type":"success","result":<AuthorizeDecision>}`` or a failure."""
        return cast(AuthorizeAnswer, json.loads(self._ask("authorize", request)))

    def badges(self, request: JsonInput) -> BadgeAnswer:
        """Product badges: ``{"type":"success","result":<BadgeDecision>}`` or a failure."""
        return cast(BadgeAnswer, json.loads(self._ask("badges", request)))

    def progress(self, request: JsonInput) -> WorkflowAnswer:
        """The approval workflow: ``{"type":"success","result":<WorkflowState>}`` or a failure."""
        return cast(WorkflowAnswer, json.loads(self._ask("progress", request)))

    def invoice_run(self, request: JsonInput) -> InvoiceRunAnswer:
        """An invoice run: ``{"type":"success","result":<InvoiceRun>}`` or a failure (ABI 3)."""
        return cast(InvoiceRunAnswer, json.loads(self._ask("invoice_run", request)))

    def report_csv(self, request: JsonInput) -> ReportCsvAnswer:
        """A CSV report: ``{"type":"success","result":"<csv>"}`` or a failure (ABI 3)."""
        return cast(ReportCsvAnswer, json.loads(self._ask("report_csv", request)))

    # -- lifetime ---------------------------------------------------------------------

    def close(self) -> None:
        """Releases the policy and frees its instance. Idempotent."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            instance, self._instance = self._instance, None
            if instance is not None and not instance.broken:
                try:
                    instance.release(self._handle)
                except HostError:
                    pass

    def __enter__(self) -> "Policy":
        return self

    def __exit__(
        self,
        exc_type: Optional[Type[BaseException]],
        exc: Optional[BaseException],
        tb: Optional[TracebackType],
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        state = " closed" if self._closed else ""
        return f"<procura.Policy {self.name!r} {self.hash}{state}>"


def compile(
    source: Union[str, bytes],
    directory: JsonInput = None,
    *,
    trust_inline_profiles: bool = False,
    limits: Optional[Limits] = None,
) -> Policy:
    """Compiles a policy with its directory; raises :class:`PolicyError` with every error.

    ``source`` is the policy text (``str``, or ``bytes`` that should be UTF-8: otherwise
    ``P0001``). ``directory`` is the directory as JSON text or a dict; ``None`` is an empty
    one. ``trust_inline_profiles`` lets requests carry the user inline (refused with
    ``E0515`` by default, see :attr:`Policy.trust_inline_profiles`). ``limits`` sets the
    fuel and memory limits (default: the Rust host's).
    """
    src = source.encode("utf-8", "surrogatepass") if isinstance(source, str) else bytes(source)
    dir_bytes = None if directory is None else _text(directory)
    return Policy(src, dir_bytes, trust_inline_profiles=trust_inline_profiles, limits=limits)


def load(
    artifact: Union[bytes, bytearray, memoryview],
    directory: JsonInput = None,
    *,
    trust_inline_profiles: bool = False,
    limits: Optional[Limits] = None,
) -> Policy:
    """Loads a policy artifact (the bytes ``procura build`` writes) with its directory.

    The same :class:`Policy` as :func:`compile` of the artifact's source gives, answering
    the same bytes (its ``warnings`` are empty: an artifact keeps none). Bytes that are not
    a whole, intact artifact of this engine's format raise :class:`PolicyError` with
    ``E0701`` (not an artifact, truncated, damaged), ``E0702`` (another format version: the
    message says which engine to use) or ``E0703`` (intact but inconsistent). ``directory``,
    ``trust_inline_profiles`` and ``limits`` as for :func:`compile`. Needs a module of ABI 4
    (:class:`UnsupportedError` otherwise).
    """
    if "procura_load" not in _core.runtime().exports:
        raise UnsupportedError(
            f"the bundled core module (ABI version {_core.runtime().abi_version}) has no "
            "`procura_load`: loading artifacts needs ABI version 4; rebuild pkg/core/procura.wasm "
            "(scripts/build-core.sh) and reinstall"
        )
    dir_bytes = None if directory is None else _text(directory)
    return Policy(
        bytes(artifact), dir_bytes, trust_inline_profiles=trust_inline_profiles, limits=limits, artifact=True
    )


def abi_version() -> int:
    """The bundled core module's ABI version (2; 3 with invoice runs and reports; 4 with
    :func:`load`)."""
    return _core.runtime().abi_version


def engine_version() -> str:
    """The engine's version, e.g. ``"0.1.0"``."""
    return _core.runtime().engine_version


def supports(name: str) -> bool:
    """Whether the bundled module answers ``name`` (``"invoice_run"``, ``"report_csv"``, …)."""
    export = _EXPORTS.get(name)
    return export is not None and export in _core.runtime().exports
