"""The whole conformance corpus (and the examples) through the package, byte for byte.

Each entry of the native answers (tests/native_answers.rs) is replayed: the request text
goes through unchanged (`Policy.*_json`), and the answer text must equal the native answer
text. Requests whose compact JSON serialisation is their text also go through the dict API,
which must give the same value. A request carrying an inline profile must first be refused
(E0515) by a policy that does not trust them, then answered once trusted.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import tempfile
from functools import lru_cache
from pathlib import Path
from typing import Any, Dict, List

import pytest

import procura
from conftest import native_answers, procura_bin

TEXT_METHODS = {
    "checkout": "evaluate",
    "authorize": "authorize",
    "badges": "badges",
    "progress": "progress",
    "invoiceRun": "invoice_run",
    "reportCsv": "report_csv",
}


def entries() -> List[Dict[str, Any]]:
    return list(native_answers()["entries"])


def has_inline_profile(text: str) -> bool:
    """As docs/abi.md: a top-level `buyerProfile`/`userProfile`, or one inside `checkout`,
    with any value but null."""
    try:
        value = json.loads(text)
    except ValueError:
        return False
    if not isinstance(value, dict):
        return False
    places = [value]
    if isinstance(value.get("checkout"), dict):
        places.append(value["checkout"])
    return any(p.get(k) is not None for p in places for k in ("buyerProfile", "userProfile"))


def compile_entry(entry: Dict[str, Any], **options: Any) -> procura.Policy:
    directory = entry["directory"]
    return procura.compile(entry["source"], directory, **options)


@pytest.mark.parametrize("entry", entries(), ids=lambda e: e["name"])
def test_byte_identical_to_native(entry: Dict[str, Any]) -> None:
    native: str = entry["answer"]
    kind = entry["kind"]
    if kind in ("invoiceRun", "reportCsv"):
        method = TEXT_METHODS[kind]
        if not procura.supports(method):
            pytest.skip(
                f"the bundled core module (ABI version {procura.abi_version()}) has no "
                f"procura_{method}: it arrives with ABI 3; rebuild pkg/core/procura.wasm"
            )
    try:
        policy = compile_entry(entry)
    except procura.PolicyError as error:
        # A policy that does not compile: the module's failure is the native one.
        assert error.answer == native
        assert native.startswith('{"type":"failure"')
        return
    with policy:
        if kind == "compile":
            # The native answer adds the policy's tests (not in the ABI); the policy and
            # warnings must be the same bytes.
            prefix = '{"type":"success","result":{"handle":'
            assert policy.compile_json.startswith(prefix)
            rest = policy.compile_json[len(prefix):]
            shared = rest[rest.index(","):-2]  # ,"policy":…,"warnings":[…]
            assert native.startswith('{"type":"success"' + shared + ',"tests":'), (
                f"\n  python: {policy.compile_json}\n  native: {native}"
            )
            return
        request: str = entry["request"]
        method = TEXT_METHODS[kind]
        ask = getattr(policy, f"{method}_json")
        if has_inline_profile(request):
            refused = ask(request)
            assert f'"code":"{procura.INLINE_PROFILE_NOT_TRUSTED}"' in refused, refused
            policy.trust_inline_profiles = True
        answer = ask(request)
        assert answer == native, f"\n  python: {answer}\n  native: {native}"
        assert ask(request) == answer, "a second call answered differently"
        if not entry["raw"]:
            value = json.loads(request)
            if json.dumps(value, separators=(",", ":"), ensure_ascii=False) == request:
                assert getattr(policy, method)(value) == json.loads(native)


def test_the_corpus_is_all_there() -> None:
    document = native_answers()
    assert document["cases"] >= 400
    kinds = {e["kind"] for e in document["entries"]}
    assert kinds >= {"compile", "checkout", "authorize", "badges", "progress", "invoiceRun", "reportCsv"}
    assert sum(has_inline_profile(e.get("request") or "") for e in document["entries"]) >= 4


@lru_cache(maxsize=None)
def artifact_of(source: str) -> bytes:
    """The artifact `procura build` writes for `source` (the native compiler)."""
    binary = procura_bin()
    if binary is None or not binary.is_file():
        pytest.skip("no procura CLI binary to build artifacts (set PROCURA_BIN or run `cargo build -p procura-cli`)")
    with tempfile.TemporaryDirectory() as folder:
        policy = Path(folder) / "policy.procura"
        policy.write_text(source, encoding="utf-8")
        out = subprocess.run(
            [str(binary), "build", str(policy)], capture_output=True, text=True, check=False
        )
        assert out.returncode == 0, out.stderr
        return (Path(folder) / "policy.pcy").read_bytes()


def query_entries() -> List[Dict[str, Any]]:
    """One query entry per (policy, directory, kind): enough to cover every policy."""
    seen = set()
    chosen = []
    for entry in entries():
        if entry["kind"] == "compile" or not entry["answer"]:
            continue
        key = (entry["source"], json.dumps(entry["directory"]), entry["kind"])
        if key not in seen:
            seen.add(key)
            chosen.append(entry)
    return chosen


@pytest.mark.parametrize("entry", query_entries(), ids=lambda e: e["name"])
def test_a_loaded_artifact_answers_like_the_compiled_source(entry: Dict[str, Any]) -> None:
    try:
        compiled = compile_entry(entry, trust_inline_profiles=True)
    except procura.PolicyError:
        return  # a policy that does not compile has no artifact
    with compiled, procura.load(
        artifact_of(entry["source"]), entry["directory"], trust_inline_profiles=True
    ) as loaded:
        assert loaded.kind == "artifact" and compiled.kind == "source"
        assert (loaded.name, loaded.hash) == (compiled.name, compiled.hash)
        assert loaded.warnings == []
        method = f"{TEXT_METHODS[entry['kind']]}_json"
        request: str = entry["request"]
        answer = getattr(loaded, method)(request)
        assert answer == getattr(compiled, method)(request)
        assert answer == entry["answer"]


def test_artifacts_cover_every_corpus_policy() -> None:
    sources = {e["source"] for e in entries() if e["kind"] != "compile"}
    covered = {e["source"] for e in query_entries()}
    assert covered == sources


def test_damaged_artifacts_are_refused_with_their_code(maple_source: str, maple_directory: str) -> None:
    artifact = artifact_of(maple_source)
    with procura.load(artifact, maple_directory) as policy:
        assert policy.hash == f"sha256:{hashlib.sha256(maple_source.encode()).hexdigest()}"
    newer = bytearray(artifact)
    newer[8] = 99  # the format version
    flagged = bytearray(artifact)
    flagged[10] |= 1  # says it holds the source, which it does not: intact but inconsistent
    flipped = bytearray(artifact)
    flipped[-1] ^= 1
    for damaged, code in [
        (maple_source.encode(), "E0701"),  # source is not an artifact
        (artifact[:-1], "E0701"),  # cut short
        (artifact + b"\0", "E0701"),  # bytes appended
        (bytes(flipped), "E0701"),  # integrity hash mismatch
        (bytes(newer), "E0702"),
        (bytes(flagged), "E0703"),
    ]:
        with pytest.raises(procura.PolicyError) as raised:
            procura.load(damaged, maple_directory)
        assert [e["code"] for e in raised.value.errors] == [code], raised.value.answer
        assert str(raised.value).startswith(f"the artifact does not load ({code})")
        assert raised.value.answer.startswith('{"type":"failure"')
