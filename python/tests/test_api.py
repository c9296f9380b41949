"""The package's API: Maple like `procura eval`, coded failures for bad input and limits,
inline profiles, lifetime, threads, ABI 3 exports, and the bundled module's hash."""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
import threading
from importlib import resources
from pathlib import Path
from typing import Any, Dict, List

import pytest

import procura
from conftest import REPO, native_entry, procura_bin, read

BUDGET = '{"type":"failure","errors":[{"code":"E0501","message":"evaluation exceeded its budget"}]}'
MEMORY = '{"type":"failure","errors":[{"code":"E0503","message":"evaluation exceeded its memory limit"}]}'


def codes(answer: Dict[str, Any]) -> List[str]:
    assert answer["type"] == "failure", answer
    return [e["code"] for e in answer["errors"]]


def big_request(lines: int) -> str:
    request = json.loads(read("examples/maple.request.json"))
    template = request["order"]["lines"]
    request["order"]["lines"] = [dict(template[i % len(template)], id=f"L{i}") for i in range(lines)]
    return json.dumps(request, separators=(",", ":"))


@pytest.fixture()
def maple(maple_source: str, maple_directory: str) -> Any:
    with procura.compile(maple_source, maple_directory) as policy:
        yield policy


# -- Maple --------------------------------------------------------------------------------


def test_the_bundled_module_is_the_built_one() -> None:
    built = REPO / "pkg" / "core" / "procura.wasm"
    if not built.is_file():
        pytest.skip("no pkg/core/procura.wasm in this checkout to compare with")
    digest = hashlib.sha256(built.read_bytes()).hexdigest()
    assert procura.MODULE_SHA256 == digest, (
        "the installed package bundles another module than pkg/core/procura.wasm: "
        "reinstall it (pip install ./python)"
    )


def test_maple_evaluates_to_the_native_answer(maple: procura.Policy, maple_request: str) -> None:
    native = native_entry("examples/maple.request")
    # The native answer was computed from the compact request; the text API passes the
    # file's own text, the dict API a dict: all three agree.
    assert maple.evaluate_json(native["request"]) == native["answer"]
    assert maple.evaluate_json(maple_request) == native["answer"]
    assert maple.evaluate(json.loads(maple_request)) == json.loads(native["answer"])
    assert maple.name == "Maple School District"
    assert maple.hash.startswith("sha256:")
    assert json.loads(native["answer"])["result"]["policy"]["hash"] == maple.hash


def test_maple_evaluates_like_the_cli(maple: procura.Policy) -> None:
    binary = procura_bin()
    if binary is None or not binary.is_file():
        pytest.skip("no procura CLI binary (set PROCURA_BIN or run `cargo build -p procura-cli`)")
    out = subprocess.run(
        [str(binary), "eval", "--policy", "examples/maple.procura",
         "--directory", "examples/maple.directory.json", "--request", "examples/maple.request.json"],
        cwd=REPO, capture_output=True, text=True, check=False,
    )
    assert out.returncode == 0, out.stderr
    assert maple.evaluate(json.loads(read("examples/maple.request.json"))) == json.loads(out.stdout)


def test_the_four_questions_and_versions(maple: procura.Policy) -> None:
    authorize = maple.authorize({"user": "ana@maple.example", "action": "place_orders",
                                 "resource": {"kind": "order", "group": "north"}})
    assert authorize["type"] == "success", authorize
    assert authorize["result"]["decision"] == "allow"
    unknown = maple.authorize({"user": "ana@maple.example", "action": "order.submit",
                               "resource": {"kind": "order", "group": "north"}})
    assert codes(unknown) == ["E0206"]
    badges = maple.badges({"buyer": "ana@maple.example", "group": "north", "currency": "CAD", "products": []})
    assert badges["type"] == "success", badges
    progress = maple.progress({"checkout": json.loads(read("examples/maple.large-order.json")),
                               **{k: v for k, v in json.loads(read("examples/maple.approvals.json")).items()
                                  if k in ("submittedAt", "events")},
                               "now": "2026-11-25T09:00:00-05:00"})
    assert progress["type"] == "success", progress
    assert procura.abi_version() in procura.ABI_VERSIONS
    assert procura.engine_version() == "0.1.0"


def test_a_policy_that_does_not_compile_lists_every_error() -> None:
    with pytest.raises(procura.PolicyError) as raised:
        procura.compile('policy "x" { currency XXX }\nnonsense')
    assert raised.value.errors
    assert all(e["code"].startswith("P") for e in raised.value.errors)
    assert raised.value.answer.startswith('{"type":"failure","errors":[')
    assert json.loads(raised.value.answer)["errors"] == raised.value.errors


def test_a_policy_that_is_not_utf8_is_p0001() -> None:
    with pytest.raises(procura.PolicyError) as raised:
        procura.compile(b'policy "x" \xff')
    assert [e["code"] for e in raised.value.errors] == ["P0001"]


@pytest.mark.parametrize("directory, path", [(b"\xff\xfe", "directory"), ("{", "directory.?"), ({"users": 1}, "directory.users")])
def test_a_bad_directory_is_e0101_with_its_path(maple_source: str, directory: Any, path: str) -> None:
    with pytest.raises(procura.PolicyError) as raised:
        procura.compile(maple_source, directory)
    assert raised.value.errors[0]["code"] == "E0101"
    assert raised.value.errors[0]["path"] == path


# -- bad input is an answer ------------------------------------------------------------------


@pytest.mark.parametrize("request_", [b"", b"\xff", "[]", '{"buyer": 1}', "null", "\ud800", None, 1, [1], {"buyer": 1}])
@pytest.mark.parametrize("method", ["evaluate", "authorize", "badges", "progress"])
def test_wrong_types_are_e0101(maple: procura.Policy, method: str, request_: Any) -> None:
    answer = getattr(maple, method)(request_)
    assert codes(answer) == ["E0101"], answer


def test_a_wrong_field_type_names_its_path(maple: procura.Policy) -> None:
    answer = maple.evaluate({"buyer": 1})
    assert answer["type"] == "failure"
    assert answer["errors"][0]["path"] == "buyer"


def test_a_huge_request_is_e0102(maple: procura.Policy) -> None:
    huge = '{"buyer":"' + "x" * (17 * 1024 * 1024) + '"}'
    answer = maple.evaluate(huge)
    assert codes(answer) == ["E0102"]
    # and the policy still answers
    assert maple.evaluate(read("examples/maple.request.json"))["type"] == "success"


def test_a_non_json_value_is_a_type_error(maple: procura.Policy) -> None:
    with pytest.raises(TypeError):
        maple.evaluate({"buyer": {1, 2}})  # type: ignore[dict-item]


# -- limits ------------------------------------------------------------------------------------


def test_a_request_over_budget_is_e0501_and_the_policy_recovers(maple_source: str, maple_directory: str) -> None:
    small, big = read("examples/maple.request.json"), big_request(2_000)
    with procura.compile(maple_source, maple_directory) as probe:
        native_small = probe.evaluate_json(small)
        small_cost = probe.last_fuel_used
        assert probe.evaluate_json(big).startswith('{"type":"success"')
        big_cost = probe.last_fuel_used
    assert big_cost > 4 * small_cost
    limits = procura.Limits(fuel_per_call=2 * small_cost)
    with procura.compile(maple_source, maple_directory, limits=limits) as policy:
        assert policy.limits == limits
        assert policy.evaluate_json(small) == native_small
        assert policy.evaluate_json(big) == BUDGET
        assert policy.evaluate(big) == json.loads(BUDGET)
        # The trapped instance was dropped: the next call runs in a fresh one.
        assert policy.evaluate_json(small) == native_small


def test_a_tiny_budget_answers_e0501(maple_source: str, maple_directory: str) -> None:
    with procura.compile(maple_source, maple_directory, limits=procura.Limits(fuel_per_call=1_000)) as policy:
        assert policy.evaluate_json(read("examples/maple.request.json")) == BUDGET


def test_a_compile_over_budget_is_e0501(maple_source: str) -> None:
    with pytest.raises(procura.PolicyError) as raised:
        procura.compile(maple_source, limits=procura.Limits(fuel_per_compile=10_000))
    assert raised.value.answer == BUDGET


def test_an_instance_never_grows_past_its_memory_cap(maple_source: str, maple_directory: str) -> None:
    with procura.compile(maple_source, maple_directory) as probe:
        base = probe.instance_memory_bytes
    cap = base + 4 * 1024 * 1024
    small = read("examples/maple.request.json")
    with procura.compile(maple_source, maple_directory, limits=procura.Limits(memory_bytes=cap)) as policy:
        native_small = policy.evaluate_json(small)
        assert native_small.startswith('{"type":"success"')
        # Larger than the cap: it cannot even be copied in.
        assert policy.evaluate_json(b" " * cap) == MEMORY
        assert policy.evaluate_json(small) == native_small
        # Fits, but the engine's copy of its 3 MiB string does not: the module aborts.
        request = json.loads(small)
        request["order"]["shipTo"] = "x" * (3 * 1024 * 1024)
        assert policy.evaluate(request) == json.loads(MEMORY)
        assert policy.instance_memory_bytes <= cap
        assert policy.evaluate_json(small) == native_small


def test_a_memory_cap_below_the_modules_initial_memory_is_e0503(maple_source: str) -> None:
    with pytest.raises(procura.PolicyError) as raised:
        procura.compile(maple_source, limits=procura.Limits(memory_bytes=64 * 1024))
    assert [e["code"] for e in raised.value.errors] == ["E0503"]


# -- inline profiles -------------------------------------------------------------------------


def inline_request() -> Dict[str, Any]:
    request = json.loads(read("examples/maple.request.json"))
    request["buyerProfile"] = {"id": request["buyer"], "roles": [{"role": "buyer", "group": "north"}]}
    return request


def test_inline_profiles_are_refused_unless_trusted(maple_source: str, maple_directory: str) -> None:
    request = inline_request()
    with procura.compile(maple_source, maple_directory) as policy:
        assert not policy.trust_inline_profiles
        refused = policy.evaluate(request)
        assert refused["type"] == "failure"
        assert refused["errors"][0]["code"] == "E0515"
        assert refused["errors"][0]["path"] == "buyerProfile"
        policy.trust_inline_profiles = True
        assert "E0515" not in policy.evaluate_json(json.dumps(request))
        policy.trust_inline_profiles = False
        assert codes(policy.evaluate(request)) == ["E0515"]
    with procura.compile(maple_source, maple_directory, trust_inline_profiles=True) as trusted:
        assert "E0515" not in trusted.evaluate_json(json.dumps(request))


def test_trust_survives_a_fresh_instance(maple_source: str, maple_directory: str) -> None:
    request = json.dumps(inline_request())
    with procura.compile(maple_source, maple_directory, trust_inline_profiles=True) as policy:
        trusted = policy.evaluate_json(request)
        assert policy.evaluate_json(b" " * (300 * 1024 * 1024)) == MEMORY  # drops the instance
        assert policy.evaluate_json(request) == trusted


# -- lifetime and threads -----------------------------------------------------------------------


def test_close_releases_and_is_idempotent(maple_source: str) -> None:
    policy = procura.compile(maple_source)
    assert not policy.closed
    policy.close()
    policy.close()
    assert policy.closed
    with pytest.raises(procura.ClosedError):
        policy.evaluate("{}")
    with procura.compile(maple_source) as inside:
        pass
    assert inside.closed
    assert "closed" in repr(inside)


def test_one_policy_answers_many_threads_with_the_native_bytes(maple: procura.Policy) -> None:
    requests = [read("examples/maple.request.json"), read("examples/maple.large-order.json")]
    expected = [maple.evaluate_json(r) for r in requests]
    problems: List[str] = []

    def work(t: int) -> None:
        for i in range(25):
            k = (t + i) % 2
            if maple.evaluate_json(requests[k]) != expected[k]:
                problems.append(f"thread {t} call {i}")

    threads = [threading.Thread(target=work, args=(t,)) for t in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert problems == []


# -- ABI 3: invoice runs and CSV reports -------------------------------------------------------


def invoice_case(name: str) -> Dict[str, Any]:
    from conftest import native_answers
    return next(e for e in native_answers()["entries"] if e["kind"] == name and e["answer"].startswith('{"type":"success"'))


@pytest.mark.parametrize("method, kind", [("invoice_run", "invoiceRun"), ("report_csv", "reportCsv")])
def test_abi3_exports(method: str, kind: str) -> None:
    entry = invoice_case(kind)
    with procura.compile(entry["source"], entry["directory"]) as policy:
        if not procura.supports(method):
            assert procura.abi_version() == 2
            with pytest.raises(procura.UnsupportedError, match=f"procura_{method}"):
                getattr(policy, method)(json.loads(entry["request"]))
            pytest.skip(f"the bundled core module (ABI 2) has no procura_{method}: UnsupportedError checked; "
                        "rebuild pkg/core/procura.wasm with ABI 3 to run it")
        assert procura.abi_version() >= 3
        assert getattr(policy, f"{method}_json")(entry["request"]) == entry["answer"]
        answer = getattr(policy, method)(json.loads(entry["request"]))
        assert answer == json.loads(entry["answer"])
        if method == "report_csv":
            assert isinstance(answer["result"], str) and "\r\n" in answer["result"]


# -- the bundled module's hash ------------------------------------------------------------------


def test_a_changed_module_is_an_import_error(tmp_path: Path) -> None:
    installed = Path(str(resources.files("procura")))
    copy = tmp_path / "procura"
    shutil.copytree(installed, copy, ignore=shutil.ignore_patterns("__pycache__"))
    wasm = copy / "procura.wasm"
    data = bytearray(wasm.read_bytes())
    data[-1] ^= 0xFF
    wasm.write_bytes(bytes(data))
    out = subprocess.run([sys.executable, "-c", "import procura"], cwd=tmp_path,
                         capture_output=True, text=True, check=False)
    assert out.returncode != 0
    assert "ImportError" in out.stderr and "SHA-256" in out.stderr, out.stderr


def test_the_public_wasmtime_call_path_answers_the_same(tmp_path: Path) -> None:
    """PROCURA_WASMTIME_SLOW_CALLS=1: every call through wasmtime-py's public Func.__call__."""
    native = native_entry("examples/maple.request")
    script = tmp_path / "slow.py"
    script.write_text(
        "import json, sys, procura\n"
        "e = json.load(sys.stdin)\n"
        "with procura.compile(e['source'], e['directory']) as p:\n"
        "    assert procura._core._FAST is False\n"
        "    sys.stdout.write(p.evaluate_json(e['request']) + '\\n')\n"
        "    tiny = procura.compile(e['source'], e['directory'], limits=procura.Limits(fuel_per_call=1000))\n"
        "    sys.stdout.write(tiny.evaluate_json(e['request']))\n",
        encoding="utf-8",
    )
    import os
    out = subprocess.run([sys.executable, str(script)], input=json.dumps(native), capture_output=True, text=True,
                         env={**os.environ, "PROCURA_WASMTIME_SLOW_CALLS": "1"}, cwd=tmp_path, check=False)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split("\n") == [native["answer"], BUDGET]


def test_the_readme_example_prints_what_procura_eval_prints() -> None:
    """The `python -c` example of the root README's Python section, run as written."""
    readme = read("README.md")
    section = readme[readme.index("### Python"):]
    code = section[section.index('python -c "') + len('python -c "'):]
    code = code[: code.index('\n"\n')]
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=False)
    assert out.returncode == 0, out.stderr
    native = native_entry("examples/maple.request")
    assert json.loads(out.stdout) == json.loads(native["answer"])
    binary = procura_bin()
    if binary is not None and binary.is_file():
        cli = subprocess.run(
            [str(binary), "eval", "--policy", "examples/maple.procura",
             "--directory", "examples/maple.directory.json", "--request", "examples/maple.request.json"],
            cwd=REPO, capture_output=True, text=True, check=False,
        )
        assert json.loads(out.stdout) == json.loads(cli.stdout)
