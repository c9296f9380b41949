#!/usr/bin/env python3
"""The Python runner of the benchmarks (BENCHMARKS.md): the workloads that ``procura-bench``'s
``gen-workloads`` writes (``manifest.json``), through the installed ``procura`` package
(the core module on wasmtime-py, fuel metering on), like ``bench/node/run.mjs`` and
``procura-bench-wasmtime``. Prints the median of N timed calls after a warm-up per case and
API, and writes JSON with ``--out``.

    cargo run --release -p procura-bench --bin gen-workloads -- target/bench-workloads
    python python/bench.py [--quick] [--workloads DIR] [--ops evaluate,authorize] [--out FILE]

``--ops`` picks the operations (default ``evaluate,authorize``: the checkout and permission
workloads; also ``badges``, ``progress``, ``compile``). ``--quick`` runs the smallest size
only, a few calls each. Every case checks its first answer is a success.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path
from typing import Any, Callable, Dict, List, Tuple

import procura

# Generous limits: the benchmark measures time, not the service's budgets.
LIMITS = procura.Limits(fuel_per_call=2**62, fuel_per_compile=2**62, memory_bytes=2 << 30)


def measure(quick: bool, call: Callable[[], object]) -> Tuple[float, int]:
    """A warm-up, then individually timed calls: (median ns, calls)."""
    budget_ns = 0 if quick else 1_500_000_000
    warm, start = 0, time.perf_counter_ns()
    while warm < (1 if quick else 5) or (time.perf_counter_ns() - start < budget_ns / 5 and warm < 2000):
        call()
        warm += 1
    estimate = (time.perf_counter_ns() - start) / warm
    calls = 3 if quick else max(10, min(5000, int(budget_ns / max(estimate, 1))))
    times: List[int] = []
    for _ in range(calls):
        begin = time.perf_counter_ns()
        call()
        times.append(time.perf_counter_ns() - begin)
    return float(statistics.median(times)), calls


def success(answer: Any, what: str) -> None:
    value = json.loads(answer) if isinstance(answer, str) else answer
    if not isinstance(value, dict) or value.get("type") != "success":
        raise SystemExit(f"bench: {what}: {json.dumps(value)[:500]}")


def human(ns: float) -> str:
    if ns >= 1e9:
        return f"{ns / 1e9:.2f} s"
    if ns >= 1e6:
        return f"{ns / 1e6:.2f} ms"
    return f"{ns / 1e3:.1f} µs"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--workloads", default="target/bench-workloads")
    parser.add_argument("--ops", default="evaluate,authorize")
    parser.add_argument("--out")
    options = parser.parse_args()
    folder = Path(options.workloads)
    ops = set(options.ops.split(","))
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    text = lambda name: (folder / name).read_text(encoding="utf-8")  # noqa: E731
    sources = {rules: text(file) for rules, file in manifest["policies"]}
    directory = text(manifest["directory"])

    load_start = time.perf_counter()
    procura.engine_version()  # compiles the module (Cranelift) once per process
    load_ms = (time.perf_counter() - load_start) * 1000
    print(f"python: loading the core module took {load_ms:.0f} ms", file=sys.stderr)

    policies: Dict[int, procura.Policy] = {}
    results: List[Dict[str, Any]] = []

    def record(name: str, api: str, items: int, timing: Tuple[float, int]) -> None:
        median, calls = timing
        results.append({"case": name, "api": api, "items": items, "medianNs": median,
                        "iterations": calls, "perItemNs": median / items})
        print(f"{name} [{api}]: {human(median)} median ({calls} calls)", file=sys.stderr)

    for case in manifest["cases"]:
        if options.quick and not case.get("quick"):
            continue
        if case["op"] not in ops:
            continue
        name, op, rules, items = case["name"], case["op"], case["policy"], max(1, case.get("items", 1))
        if op == "compile":
            source = sources[rules]
            record(name, "compile(source)", 1,
                   measure(options.quick, lambda: procura.compile(source, limits=LIMITS).close()))
            record(f"{name}+directory", "compile(source, directory)", 1,
                   measure(options.quick, lambda: procura.compile(source, directory, limits=LIMITS).close()))
            continue
        if rules not in policies:
            policies[rules] = procura.compile(sources[rules], directory, limits=LIMITS)
        policy = policies[rules]
        request_text = text(case["request"])
        request = json.loads(request_text)
        if op == "authorize":
            checks = [json.dumps(r, separators=(",", ":"), ensure_ascii=False) for r in request]
            for check in checks:
                success(policy.authorize_json(check), name)

            def dicts() -> None:
                for r in request:
                    policy.authorize(r)

            def texts() -> None:
                for t in checks:
                    policy.authorize_json(t)

            record(name, "authorize(dict)", items, measure(options.quick, dicts))
            record(name, "authorize_json(text)", items, measure(options.quick, texts))
            continue
        method = {"evaluate": "evaluate", "badges": "badges", "progress": "progress"}[op]
        as_dict, as_text = getattr(policy, method), getattr(policy, f"{method}_json")
        success(as_text(request_text), name)
        record(name, f"{method}(dict)", items, measure(options.quick, lambda: as_dict(request)))
        record(name, f"{method}_json(text)", items, measure(options.quick, lambda: as_text(request_text)))
    for policy in policies.values():
        policy.close()

    report = {"runtime": "python", "python": sys.version.split()[0], "wasmtime": _wasmtime_version(),
              "moduleLoadMs": load_ms, "quick": options.quick, "results": results}
    data = json.dumps(report, indent=2) + "\n"
    if options.out:
        Path(options.out).write_text(data, encoding="utf-8")
    else:
        sys.stdout.write(data)


def _wasmtime_version() -> str:
    from importlib.metadata import version

    return version("wasmtime")


if __name__ == "__main__":
    main()
