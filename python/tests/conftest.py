"""Shared fixtures: the repository, the native answers (tests/native_answers.rs), Maple."""

from __future__ import annotations

import json
import os
import subprocess
from functools import lru_cache
from pathlib import Path
from typing import Any, Dict, Optional

import pytest

REPO = Path(os.environ.get("PROCURA_REPO", Path(__file__).resolve().parents[2]))


def read(path: str) -> str:
    return (REPO / path).read_text(encoding="utf-8")


@lru_cache(maxsize=1)
def target_dir() -> Path:
    """Cargo's target folder: $CARGO_TARGET_DIR, else `cargo metadata`'s."""
    if os.environ.get("CARGO_TARGET_DIR"):
        return Path(os.environ["CARGO_TARGET_DIR"])
    out = subprocess.run(
        ["cargo", "metadata", "--format-version", "1", "--no-deps", "--offline"],
        cwd=REPO, check=True, capture_output=True, text=True,
    ).stdout
    return Path(json.loads(out)["target_directory"])


def count_cases(folder: Path) -> int:
    return sum(1 for _ in folder.rglob("*.json"))


@lru_cache(maxsize=1)
def native_answers() -> Dict[str, Any]:
    """The native engine's answer to every corpus case and example (`cargo test --test
    native_answers` writes them); a missing or stale file fails, it never skips."""
    file = Path(os.environ.get("PROCURA_NATIVE_ANSWERS") or target_dir() / "tmp" / "conformance-native.json")
    if not file.is_file():
        pytest.fail(f"no {file}: run `cargo test --test native_answers` first")
    document: Dict[str, Any] = json.loads(file.read_text(encoding="utf-8"))
    cases = count_cases(REPO / "tests" / "conformance" / "cases")
    if document["cases"] != cases:
        pytest.fail(
            f"{file} has {document['cases']} cases, tests/conformance/cases has {cases}: "
            "run `cargo test --test native_answers`"
        )
    return document


def native_entry(name: str) -> Dict[str, Any]:
    for entry in native_answers()["entries"]:
        if entry["name"] == name:
            return dict(entry)
    raise KeyError(name)


@pytest.fixture(scope="session")
def maple_source() -> str:
    return read("examples/maple.procura")


@pytest.fixture(scope="session")
def maple_directory() -> str:
    return read("examples/maple.directory.json")


@pytest.fixture(scope="session")
def maple_request() -> str:
    return read("examples/maple.request.json")


def procura_bin() -> Optional[Path]:
    """The CLI binary: $PROCURA_BIN, else the debug build in the target folder."""
    if os.environ.get("PROCURA_BIN"):
        return Path(os.environ["PROCURA_BIN"])
    candidate = target_dir() / "debug" / "procura"
    return candidate if candidate.is_file() else None
