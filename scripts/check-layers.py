#!/usr/bin/env python3
"""Fails when a module of the core crate imports from a later stage of the pipeline.

The stages, in order (src/lib.rs): each may use `crate::` paths of its own stage and of
the stages before it, never after. A back-edge is what ties modules into a cycle, so this
also proves the top-level modules acyclic. Run from the repository root.
"""
import pathlib
import re
import sys

STAGES = ["base", "contract", "syntax", "check", "compile", "eval", "office",
          "engine", "bind"]
# Top-level files that are not stages sit at the rank of the stage they serve.
FILES = {"authoring": "engine", "internals": "engine", "engine": "engine", "impact": "engine"}
RANK = {name: rank for rank, name in enumerate(STAGES)}

PATH = re.compile(r"\bcrate::(\{[^}]*\}|[a-z_]+)")


def stage_of(path: pathlib.Path) -> str | None:
    parts = path.relative_to("src").parts
    if len(parts) > 1:
        return parts[0]
    name = path.stem
    return None if name == "lib" else FILES.get(name, name)


def targets(text: str):
    for match in PATH.finditer(text):
        found = match.group(1)
        if found.startswith("{"):
            for item in found.strip("{}").split(","):
                head = item.strip().split("::")[0].strip()
                if head:
                    yield head, match.start()
        else:
            yield found, match.start()


def main() -> int:
    problems = []
    for path in sorted(pathlib.Path("src").rglob("*.rs")):
        stage = stage_of(path)
        if stage is None:
            continue
        if stage not in RANK:
            problems.append(f"{path}: `{stage}` is not a stage of scripts/check-layers.py")
            continue
        text = path.read_text()
        for target, at in targets(text):
            target_stage = FILES.get(target, target)
            if target_stage not in RANK:
                continue  # an item of lib.rs's facade, e.g. `crate::Engine`
            if RANK[target_stage] > RANK[stage]:
                line = text.count("\n", 0, at) + 1
                problems.append(
                    f"{path}:{line}: `{stage}` imports `crate::{target}`, a later stage")
    for problem in problems:
        print(problem, file=sys.stderr)
    if problems:
        print(f"check-layers: {len(problems)} import(s) against the pipeline order "
              f"({' <- '.join(STAGES)})", file=sys.stderr)
        return 1
    print(f"check-layers: every import follows {' <- '.join(STAGES)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
