#!/usr/bin/env python3
"""Writes the seed corpora of the fuzz targets to fuzz/corpus/<target>/ (docs/fuzzing.md).

Sources: examples/*.procura, examples/*.json, tests/conformance/policies/**/*.procura and
the requests inside tests/conformance/cases/**/*.json. An input of the request targets is
one selector byte (which policy of the target's table in fuzz/src/oracle.rs, in `pair!`
order) followed by the request text. Files are named by the SHA-1 of their content, as
libFuzzer names them, so reseeding an existing corpus adds nothing twice.

Usage: fuzz/seed.py [TARGET...]   (default: every target)
"""

import glob
import hashlib
import json
import os
import subprocess
import tempfile
import re
import sys

FUZZ = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(FUZZ)
CONFORMANCE = os.path.join(ROOT, "tests", "conformance")


def read(path):
    with open(path, "rb") as f:
        return f.read()


def tables():
    """The `pair!` tables of oracle.rs: table name -> [(policy, directory or None)]."""
    text = read(os.path.join(FUZZ, "src", "oracle.rs")).decode()
    result = {}
    for name, body in re.findall(r"pub static (\w+_PAIRS): &\[Pair\] = &\[(.*?)\];", text, re.S):
        result[name] = re.findall(r'pair!\(\s*"([^"]+)"(?:,\s*"([^"]+)")?,?\s*\)', body)
        result[name] = [(p, d or None) for p, d in result[name]]
    return result


def cases():
    for path in sorted(glob.glob(os.path.join(CONFORMANCE, "cases", "**", "*.json"), recursive=True)):
        case = json.loads(read(path))
        if "requestText" in case:
            request = case["requestText"].encode()
        elif "request" in case:
            request = json.dumps(case["request"], ensure_ascii=False).encode()
        else:
            request = None
        directory = case.get("directory")
        directory = "tests/conformance/" + directory if isinstance(directory, str) else None
        yield case["kind"], "tests/conformance/" + case["policy"], directory, request


def selector(table, policy, directory):
    for i, pair in enumerate(table):
        if pair == (policy, directory):
            return i
    for i, (p, _) in enumerate(table):
        if p == policy:
            return i
    return 0


def example(name):
    return read(os.path.join(ROOT, "examples", name))


def seeds():
    t = tables()
    policies = sorted(glob.glob(os.path.join(ROOT, "examples", "*.procura")))
    policies += sorted(glob.glob(os.path.join(CONFORMANCE, "policies", "**", "*.procura"), recursive=True))
    out = {name: [] for name in ("parse_check_format", "policy_compile", "evaluate_json", "workflow", "invoice_run", "abi_entry", "artifact_load")}
    for path in policies:
        out["parse_check_format"].append(read(path))
        out["policy_compile"].append(read(path))

    def add(target, table, policy, directory, request):
        out[target].append(bytes([selector(t[table], policy, directory)]) + request)

    for kind, policy, directory, request in cases():
        if request is None:
            continue
        if kind in ("checkout", "badges", "authorize"):
            add("evaluate_json", "CHECKOUT_PAIRS", policy, directory, request)
        elif kind == "progress":
            add("workflow", "WORKFLOW_PAIRS", policy, directory, request)
        elif kind == "invoiceRun":
            add("invoice_run", "INVOICE_PAIRS", policy, directory, request)
        elif kind == "reportCsv":
            run = json.loads(request).get("run") if request.strip().startswith(b"{") else None
            if run is not None:
                add("invoice_run", "INVOICE_PAIRS", policy, directory, json.dumps(run).encode())

    maple = ("examples/maple.procura", "examples/maple.directory.json")
    for name in ("maple.request.json", "maple.large-order.json"):
        add("evaluate_json", "CHECKOUT_PAIRS", *maple, example(name))
    request = json.loads(example("maple.request.json"))
    for name in ("maple.approvals.json", "maple.approvals-delegated.json"):
        progress = dict(request, **json.loads(example(name)))
        add("workflow", "WORKFLOW_PAIRS", *maple, json.dumps(progress).encode())
    add("invoice_run", "INVOICE_PAIRS", *maple, example("maple.orders-2026-11.json"))
    # abi_entry: byte 0 the export, byte 1 the pointer mode, then offset and length (u32
    # little-endian), then the memory lent to the exports (fuzz/src/abi_oracle.rs).
    memory = example("maple.request.json")
    for export in range(8):
        for mode, offset, length in ((0, 0, len(memory)), (0, 5, 10), (1, 0, 5), (2, 1, 1), (3, 0, 2), (4, 12345, 3), (0, 0, 0)):
            head = bytes([export, mode]) + offset.to_bytes(4, "little") + length.to_bytes(4, "little")
            out["abi_entry"].append(head + memory)
    # artifact_load: the examples built with `procura build` (the CLI must be built).
    procura = os.environ.get("PROCURA_BIN") or os.path.join(ROOT, "target", "debug", "procura")
    if os.path.exists(procura):
        with tempfile.TemporaryDirectory() as scratch:
            for path in sorted(glob.glob(os.path.join(ROOT, "examples", "*.procura"))):
                built = os.path.join(scratch, "policy.pcy")
                if subprocess.run([procura, "build", path, "--out", built], capture_output=True).returncode == 0:
                    out["artifact_load"].append(read(built))
    return out


def main():
    wanted = sys.argv[1:]
    for target, inputs in seeds().items():
        if wanted and target not in wanted:
            continue
        directory = os.path.join(FUZZ, "corpus", target)
        os.makedirs(directory, exist_ok=True)
        for data in inputs:
            with open(os.path.join(directory, hashlib.sha1(data).hexdigest()), "wb") as f:
                f.write(data)
        print(f"{target}: {len(set(inputs))} seeds in {os.path.relpath(directory, ROOT)}")


if __name__ == "__main__":
    main()
