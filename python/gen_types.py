#!/usr/bin/env python3
"""Generates ``src/procura/types.py``: TypedDicts of the JSON contract from ``schema/*.json``.

    python3 python/gen_types.py [--check]

Like ``js/gen-types.mjs``: each schema file is one top-level type (its ``title``, e.g.
``CheckoutRequest``, ``DecisionAnswer``) with its own copy of the shared ``$defs``
(``Amount``, ``EvalError``, …); they are merged so that each type is declared once, and
two different definitions under one name are an error. Objects become ``TypedDict``s
(keys not in ``required`` are ``NotRequired``), ``enum``/``const`` strings ``Literal``s,
``oneOf``/``anyOf`` ``Union``s; an object inside a union is named after its parent and
its ``const`` tag (``DecisionAnswerSuccess``). ``--check`` fails when the committed file
differs from what the schemas give (scripts/test.sh runs it).
"""

from __future__ import annotations

import json
import keyword
import sys
from pathlib import Path
from typing import Any, Dict, List

HERE = Path(__file__).resolve().parent
SCHEMAS = HERE.parent / "schema"
OUT = HERE / "src" / "procura" / "types.py"

PRIMITIVES = {"string": "str", "integer": "int", "number": "float", "boolean": "bool", "null": "None"}


def canonical(value: Any) -> str:
    def strip(v: Any) -> Any:
        if isinstance(v, dict):
            return {k: strip(v[k]) for k in sorted(v) if k != "title"}
        if isinstance(v, list):
            return [strip(x) for x in v]
        return v

    return json.dumps(strip(value), sort_keys=True)


def pascal(text: str) -> str:
    return "".join(part[:1].upper() + part[1:] for part in text.replace("-", "_").split("_") if part)


class Generator:
    def __init__(self, defs: Dict[str, Any]) -> None:
        self.defs = defs
        self.blocks: List[str] = []
        self.emitted: set[str] = set()

    def doc(self, schema: Dict[str, Any], indent: str) -> str:
        text = schema.get("description")
        if not text:
            return ""
        text = text.replace("\\", "\\\\").replace('"""', '\\"\\"\\"').strip()
        if text.endswith('"'):
            text = text[:-1] + '\\"'
        lines = text.splitlines()
        body = ("\n" + indent).join(lines)
        return f'{indent}"""{body}"""\n'

    def ty(self, schema: Any, hint: str) -> str:
        if schema is True or schema == {}:
            return "Any"
        if "$ref" in schema:
            name = schema["$ref"].rsplit("/", 1)[-1]
            self.define(name)
            return f'"{name}"'
        if "const" in schema:
            return f"Literal[{json.dumps(schema['const'])}]"
        if "enum" in schema:
            return "Literal[" + ", ".join(json.dumps(v) for v in schema["enum"]) + "]"
        for key in ("oneOf", "anyOf"):
            if key in schema:
                parts = [self.ty(part, self.variant_name(part, hint, i)) for i, part in enumerate(schema[key])]
                return self.union(parts)
        kind = schema.get("type")
        if isinstance(kind, list):
            return self.union([self.ty({**schema, "type": k}, hint) for k in kind])
        if kind == "array":
            return f"List[{self.ty(schema.get('items', {}), hint + 'Item')}]"
        if kind == "object":
            if schema.get("properties"):
                self.typed_dict(hint, schema)
                return f'"{hint}"'
            extra = schema.get("additionalProperties")
            if isinstance(extra, dict):
                return f"Dict[str, {self.ty(extra, hint + 'Value')}]"
            return "Dict[str, Any]"
        if kind in PRIMITIVES:
            return PRIMITIVES[kind]
        return "Any"

    @staticmethod
    def union(parts: List[str]) -> str:
        unique = list(dict.fromkeys(parts))
        if len(unique) == 1:
            return unique[0]
        if "None" in unique and len(unique) == 2:
            other = next(p for p in unique if p != "None")
            return f"Optional[{other}]"
        return "Union[" + ", ".join(unique) + "]"

    @staticmethod
    def variant_name(part: Any, hint: str, index: int) -> str:
        if isinstance(part, dict):
            for prop in part.get("properties", {}).values():
                if isinstance(prop, dict) and isinstance(prop.get("const"), str):
                    return hint + pascal(prop["const"])
        return f"{hint}{index + 1}"

    def define(self, name: str) -> None:
        if name in self.emitted:
            return
        self.emitted.add(name)
        schema = self.defs[name]
        if schema.get("type") == "object" and schema.get("properties"):
            self.typed_dict(name, schema, defined=True)
            return
        expression = self.ty(schema, name)
        doc = self.doc(schema, "")
        self.blocks.append(f"{name} = {expression}\n" + (doc if doc else ""))

    def typed_dict(self, name: str, schema: Dict[str, Any], defined: bool = False) -> None:
        if not defined:
            if name in self.emitted:
                return
            self.emitted.add(name)
        required = set(schema.get("required", []))
        fields = []
        for key, prop in schema["properties"].items():
            expression = self.ty(prop, name + pascal(key))
            if key not in required:
                expression = f"NotRequired[{expression}]"
            fields.append((key, expression, prop))
        if any(keyword.iskeyword(k) or not k.isidentifier() for k, _, _ in fields):
            body = ",\n".join(f"        {json.dumps(k)}: {e}" for k, e, _ in fields)
            block = f'{name} = TypedDict(\n    "{name}",\n    {{\n{body},\n    }},\n)\n'
            doc = self.doc(schema, "")
            self.blocks.append(block + (doc if doc else ""))
            return
        lines = [f"class {name}(TypedDict):\n"]
        doc = self.doc(schema, "    ")
        if doc:
            lines.append(doc)
        for key, expression, prop in fields:
            lines.append(f"    {key}: {expression}\n")
            field_doc = self.doc(prop, "    ")
            if field_doc:
                lines.append(field_doc)
        if len(lines) == 1:
            lines.append("    pass\n")
        self.blocks.append("".join(lines))


HEADER = '''"""The JSON contract of the Procura engine as TypedDicts.

Generated from schema/*.json by python/gen_types.py. Do not edit.
"""

from __future__ import annotations

from typing import Any, Dict, List, Literal, NotRequired, Optional, TypedDict, Union

'''

# Answers that have no schema file of their own.
TAIL = '''

class ReportCsvSuccess(TypedDict):
    """A CSV report (``Policy.report_csv``): the CSV text, CRLF line ends, RFC 4180 quoting."""
    type: Literal["success"]
    result: str


class ReportCsvFailure(TypedDict):
    type: Literal["failure"]
    errors: List["EvalError"]


ReportCsvAnswer = Union[ReportCsvSuccess, ReportCsvFailure]
"""What ``Policy.report_csv`` answers."""

CompileWarning = Dict[str, Any]
"""A compiler warning: ``severity``, ``code``, ``message``, ``help``, ``span``."""
'''


def generate() -> str:
    defs: Dict[str, Any] = {}
    roots: List[str] = []

    def put(name: str, schema: Any, file: str) -> None:
        if name in defs and canonical(defs[name]) != canonical(schema):
            raise SystemExit(f"gen_types: {file}: `{name}` differs from its definition in another schema")
        if name not in defs or schema.get("title"):
            defs[name] = schema

    files = sorted(SCHEMAS.glob("*.json"))
    if not files:
        raise SystemExit(f"gen_types: no JSON Schemas in {SCHEMAS}")
    for file in files:
        schema = json.loads(file.read_text(encoding="utf-8"))
        schema.pop("$schema", None)
        local = schema.pop("$defs", {})
        title = schema.get("title")
        if not title:
            raise SystemExit(f"gen_types: {file.name}: no `title`")
        for name, definition in local.items():
            put(name, definition, file.name)
        put(title, schema, file.name)
        roots.append(title)
    generator = Generator(defs)
    for name in roots + sorted(defs):
        generator.define(name)
    return HEADER + "\n\n".join(generator.blocks) + TAIL


def main() -> None:
    text = generate()
    if "--check" in sys.argv[1:]:
        if OUT.read_text(encoding="utf-8") != text:
            raise SystemExit(f"gen_types: {OUT} is stale: run python3 python/gen_types.py")
        print(f"gen_types: {OUT.name} is up to date")
        return
    OUT.write_text(text, encoding="utf-8")
    print(f"gen_types: wrote {OUT}")


if __name__ == "__main__":
    main()
