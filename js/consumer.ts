// A TypeScript consumer of the npm package, type-checked (never run) by scripts/test.sh with
// `tsc --strict --noEmit -p js` against pkg/: Node resolves `procura` to pkg/node through
// the package's `exports`. It compiles a policy, evaluates, and narrows every tagged union;
// the `@ts-expect-error` lines prove the types are precise, not `any`.
import {
  check,
  compile,
  format,
  version,
  type AuthorizeAnswer,
  type CheckoutRequest,
  type CompileResult,
  type Decision,
  type DecisionAnswer,
  type Diagnostic,
  type Directory,
  type EvalError,
  type Policy,
  type TestReport,
} from "procura";

declare const source: string;

const directory: Directory = {
  users: [{ id: "ana@maple.example", manager: "paul@maple.example", roles: [{ role: "requester", group: "north" }] }],
};

// Money is a decimal string; instants are RFC 3339 strings with an offset.
const request: CheckoutRequest = {
  buyer: "ana@maple.example",
  group: "north",
  locale: "en-CA",
  order: {
    id: "ORD-1",
    currency: "CAD",
    lines: [{ id: "L1", product: "B00PAPER01", category: "office/paper/copier", unitPrice: "42.00", quantity: 2 }],
    tax: "10.92",
  },
  context: { now: "2026-11-28T10:30:00-05:00", budgets: [], rates: [], recentOrders: [] },
};

function describe(answer: DecisionAnswer): string {
  switch (answer.type) {
    case "success": {
      const decision: Decision = answer.result;
      const total: string = decision.totals.total;
      const approvers = decision.approval.levels.flatMap((level) => level.approvers);
      const lines = decision.lines.map((line) => `${line.id}: ${line.verdict} ${line.amount}`);
      return `${decision.outcome} ${total} ${decision.totals.currency} ${approvers.join(",")} ${lines.join("; ")}`;
    }
    case "failure":
      return answer.errors.map((e: EvalError) => `${e.code} at ${e.path ?? "?"}: ${e.message}`).join("\n");
    default: {
      const unreachable: never = answer;
      return unreachable;
    }
  }
}

function permission(answer: AuthorizeAnswer): boolean {
  return answer.type === "success" && answer.result.decision === "allow";
}

const compiled: CompileResult = compile(source, directory);
if (compiled.type === "success") {
  const policy: Policy = compiled.policy;
  const warnings: Diagnostic[] = compiled.warnings;
  console.log(policy.name, policy.hash, warnings.length, describe(policy.evaluate(request)));
  console.log(permission(policy.authorize({ user: "ana@maple.example", action: "view_reports", resource: { group: "north" } })));
  const badges = policy.badges({
    buyer: "ana@maple.example",
    group: "north",
    currency: "CAD",
    products: [{ id: "B00PAPER09", category: "office/paper/copier", unitPrice: "49.90" }],
  });
  if (badges.type === "success") console.log(badges.result.badges.map((b) => `${b.product}: ${b.verdict}`));
  const report: TestReport = policy.runTests();
  console.log(`${report.passed} passed, ${report.failed} failed`);
  const text: string = policy.evaluateJson(JSON.stringify(request));
  console.log(text);
  // @ts-expect-error: `errors` exists only on failures.
  console.log(compiled.errors);
  policy.free();
} else {
  const first = compiled.errors[0];
  console.log(first?.code, first?.span?.line, first?.span?.column);
  // @ts-expect-error: `policy` exists only on success.
  console.log(compiled.policy);
}

compile(source); // the directory is optional
const formatted = format(source);
console.log(formatted.type === "success" ? formatted.result : formatted.errors.length);
for (const d of check(source)) {
  const where: number = d.span.line;
  console.log(d.severity === "error" ? "error" : "warning", d.code, where, d.span.column, d.span.start, d.span.end);
}
const v: string = version();
console.log(v);

// @ts-expect-error: money is a decimal string, never a number.
const floatMoney: CheckoutRequest = { ...request, order: { ...request.order, tax: 10.92 } };
// @ts-expect-error: requests reject unknown fields, and so do their types.
const misspelt: CheckoutRequest = { ...request, byer: "ana@maple.example" };
// @ts-expect-error: `outcome` is a closed set of strings.
const outcome: Decision["outcome"] = "maybe";
console.log(floatMoney, misspelt, outcome);
