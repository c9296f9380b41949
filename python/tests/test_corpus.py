"""The whole conformance corpus (and the examples) through the package, byte for byte.

Each entry of the native answers (tests/native_answers.rs) is replayed: the request text
goes through unchanged (`Policy.*_json`), and the answer text must equal the native answer
text. Requests whose compact JSON serialisation is their text also go through the dict API,
which must give the same value. A request carrying an inline profile must first be refused
(E0515) by a policy that does not trust them, then answered once trusted.
"""

from __future__ import annotations

import json
from typing import Any, Dict, List

import pytest

import procura
from conftest import native_answers

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
