"""A typed consumer of the package: checked by ``mypy --strict`` (scripts/test.sh).

    python python/examples/consumer.py   # from the repository's root
"""

from __future__ import annotations

from pathlib import Path

import procura
from procura.types import CheckoutRequest, Decision, DecisionAnswer, EvalError

ROOT = Path(__file__).resolve().parents[2]


def summary(decision: Decision) -> str:
    lines = ", ".join(f"{line['id']}: {line['verdict']}" for line in decision["lines"])
    return f"{decision['outcome']} ({decision['totals']['currency']} {decision['totals']['total']}; {lines})"


def describe(answer: DecisionAnswer) -> str:
    if answer["type"] == "success":
        return summary(answer["result"])
    errors: list[EvalError] = answer["errors"]
    return "; ".join(f"{e['code']} at {e.get('path')}: {e['message']}" for e in errors)


def main() -> None:
    source = (ROOT / "examples" / "maple.procura").read_text(encoding="utf-8")
    directory = (ROOT / "examples" / "maple.directory.json").read_text(encoding="utf-8")
    request: CheckoutRequest = {
        "buyer": "ana@maple.example",
        "group": "north",
        "order": {
            "id": "ORD-1",
            "currency": "CAD",
            "lines": [{"id": "L1", "product": "B00PAPER09", "category": "office/paper/copier",
                       "supplier": "Paper Depot", "quantity": 10, "unitPrice": "49.90"}],
        },
    }
    try:
        policy = procura.compile(source, directory, limits=procura.Limits(fuel_per_call=100_000_000))
    except procura.PolicyError as error:
        raise SystemExit(f"{error}: {[e['code'] for e in error.errors]}") from error
    with policy:
        print(policy.name, policy.hash)
        print(describe(policy.evaluate(request)))
        print(describe(policy.evaluate({"buyer": 1})))
        text: str = policy.evaluate_json('{"buyer": "ana@maple.example"}')
        print(text)
        if procura.supports("invoice_run"):
            run = policy.invoice_run({"period": "2026-11", "orders": []})
            print(run["type"])


if __name__ == "__main__":
    main()
