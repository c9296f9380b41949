"""The JSON contract of the Procura engine as TypedDicts.

Generated from schema/*.json by python/gen_types.py. Do not edit.
"""

from __future__ import annotations

from typing import Any, Dict, List, Literal, NotRequired, Optional, TypedDict, Union

class RoleAssignment(TypedDict):
    """A role granted in a group; it covers the group and its subgroups."""
    group: str
    role: str


Permission = Literal["allow", "deny"]


class PolicyRef(TypedDict):
    """The policy that decided: its name and the SHA-256 of its source."""
    hash: str
    name: str


class AuthorizeDecision(TypedDict):
    assignment: NotRequired[Optional["RoleAssignment"]]
    """The role assignment that granted the action; absent on deny."""
    decision: "Permission"
    policy: "PolicyRef"
    reason: str


class AuthorizeAnswerSuccess(TypedDict):
    result: "AuthorizeDecision"
    type: Literal["success"]


class SourceSpan(TypedDict):
    """A located span: byte offsets plus 1-based line and column (columns count characters)."""
    column: int
    end: int
    endColumn: int
    endLine: int
    line: int
    start: int


class EvalError(TypedDict):
    """An evaluation problem. Request problems carry a JSON `path`; rule problems a `rule`
    and its `span`."""
    code: str
    help: NotRequired[Optional[str]]
    message: str
    path: NotRequired[Optional[str]]
    rule: NotRequired[Optional[str]]
    span: NotRequired[Optional["SourceSpan"]]


class AuthorizeAnswerFailure(TypedDict):
    errors: List["EvalError"]
    type: Literal["failure"]


AuthorizeAnswer = Union["AuthorizeAnswerSuccess", "AuthorizeAnswerFailure"]
"""What every entry point returns: `{"type": "success", …}` or `{"type": "failure", errors}`."""


class Resource(TypedDict):
    group: str
    """The group that owns the resource."""
    id: NotRequired[Optional[str]]
    kind: NotRequired[Optional[str]]


Amount = str
"""An exact decimal amount of at most 28 digits, e.g. "1299.00\""""


class MoneyValue(TypedDict):
    """An amount with its currency, e.g. `{"amount": "5000.00", "currency": "CAD"}`."""
    amount: "Amount"
    currency: str


class User(TypedDict):
    """One person, e.g. `{"id": "ana@maple.example", "roles": [{"role": "requester", "group": "north"}]}`."""
    approvalLimit: NotRequired[Optional["MoneyValue"]]
    """The largest order total this user may approve."""
    id: str
    locale: NotRequired[Optional[str]]
    manager: NotRequired[Optional[str]]
    """The user id of this user's manager."""
    name: NotRequired[Optional[str]]
    roles: NotRequired[List["RoleAssignment"]]
    selfApprovalLimit: NotRequired[Optional["MoneyValue"]]
    """Orders under this amount placed by this user approve themselves where the policy
    allows self-approval."""


class AuthorizeRequest(TypedDict):
    action: str
    resource: "Resource"
    user: str
    userProfile: NotRequired[Optional["User"]]


class Message(TypedDict):
    """A message shown to the buyer, chosen for their locale, with the rule that produced it."""
    locale: str
    """The locale of the text: the exact locale asked for, its language, or the default."""
    rule: str
    severity: str
    """`block`, `restrict`, `warn` or `info`."""
    text: str


class Suggestion(TypedDict):
    """A preferred alternative to a line's product."""
    price: NotRequired[Optional["MoneyValue"]]
    product: str
    rule: str


Verdict = Literal["allowed", "preferred", "warned", "restricted", "blocked"]
"""A line's verdict, strictest last."""


class Badge(TypedDict):
    message: NotRequired[Optional["Message"]]
    """The most important message for the product, if any."""
    product: str
    suggestions: List["Suggestion"]
    verdict: "Verdict"


class BadgeDecision(TypedDict):
    badges: List["Badge"]
    errors: List["EvalError"]
    policy: "PolicyRef"


class BadgeAnswerSuccess(TypedDict):
    result: "BadgeDecision"
    type: Literal["success"]


class BadgeAnswerFailure(TypedDict):
    errors: List["EvalError"]
    type: Literal["failure"]


BadgeAnswer = Union["BadgeAnswerSuccess", "BadgeAnswerFailure"]
"""What every entry point returns: `{"type": "success", …}` or `{"type": "failure", errors}`."""


class Product(TypedDict):
    category: str
    id: str
    supplier: NotRequired[Optional[str]]
    unitPrice: "Amount"


class BadgeRequest(TypedDict):
    buyer: str
    buyerProfile: NotRequired[Optional["User"]]
    currency: str
    """Currency of the listed prices."""
    group: str
    locale: NotRequired[Optional[str]]
    products: List["Product"]


class BudgetSpend(TypedDict):
    """Consumption of a budget so far in the current period."""
    budget: str
    spent: "MoneyValue"
    user: NotRequired[Optional[str]]
    """For per-user budgets: whose consumption this is."""


Rate = TypedDict(
    "Rate",
    {
        "from": str,
        "rate": "Amount",
        "to": str,
    },
)
"""`1 from = rate to`, e.g. `{"from": "USD", "to": "EUR", "rate": "0.92"}`."""


class RecentOrder(TypedDict):
    """An order the buyer placed recently, for split detection."""
    buyer: str
    category: NotRequired[Optional[str]]
    currency: str
    id: str
    placedAt: str
    shipping: NotRequired[Optional["Amount"]]
    subtotal: "Amount"
    supplier: NotRequired[Optional[str]]
    tax: NotRequired[Optional["Amount"]]


class Context(TypedDict):
    """What the engine cannot know by itself: the time, consumption, rates, recent orders."""
    budgets: NotRequired[List["BudgetSpend"]]
    now: NotRequired[Optional[str]]
    """The time of the checkout, RFC 3339 with an offset."""
    rates: NotRequired[List["Rate"]]
    recentOrders: NotRequired[List["RecentOrder"]]


class OrderLine(TypedDict):
    category: str
    description: NotRequired[Optional[str]]
    fields: NotRequired[Dict[str, str]]
    """The custom line fields the policy declares (`field gl_code { on lines }`), by name;
    strings as in `order.fields`."""
    id: str
    product: str
    quantity: int
    supplier: NotRequired[Optional[str]]
    unitPrice: "Amount"
    """May be finer than the currency's minor unit (at most 6 decimals); the line amount
    is rounded."""


class Order(TypedDict):
    costCentre: NotRequired[Optional[str]]
    currency: str
    """ISO 4217 code of every amount in the order."""
    fields: NotRequired[Dict[str, str]]
    """The custom order fields the policy declares (`field project { … }`), by name; every
    value is a string: numbers and amounts as decimals, dates as `YYYY-MM-DD`."""
    id: str
    lines: List["OrderLine"]
    paymentMethod: NotRequired[Optional[str]]
    poNumber: NotRequired[Optional[str]]
    shipTo: NotRequired[Optional[str]]
    shipping: NotRequired[Optional["Amount"]]
    tax: NotRequired[Optional["Amount"]]
    """Tax on the whole order, in the order currency's minor unit."""


class CheckoutRequest(TypedDict):
    """A checkout question: may this buyer place this order under this group, and how?"""
    buyer: str
    """The buyer's user id, looked up in the directory unless `buyerProfile` is given."""
    buyerProfile: NotRequired[Optional["User"]]
    """The buyer inline, as a storefront knows its signed-in user; replaces the lookup."""
    context: NotRequired["Context"]
    group: str
    """The buying group chosen at checkout."""
    locale: NotRequired[Optional[str]]
    """The buyer's locale for messages, e.g. `fr-CA`."""
    order: "Order"


class EscalationSpec(TypedDict):
    afterHours: int
    to: List[str]


class QuorumSpecAny(TypedDict):
    type: Literal["any"]


class QuorumSpecAll(TypedDict):
    type: Literal["all"]


class QuorumSpecCount(TypedDict):
    count: int
    type: Literal["count"]


QuorumSpec = Union["QuorumSpecAny", "QuorumSpecAll", "QuorumSpecCount"]


class ApprovalLevel(TypedDict):
    approvers: List[str]
    """Eligible approvers, user ids in a stable order."""
    escalation: NotRequired[Optional["EscalationSpec"]]
    """Hours after which the level escalates, and to whom."""
    fallback: NotRequired[Optional[str]]
    """Set when the listed approvers left the level empty and it escalated."""
    level: int
    """1-based position in the plan."""
    quorum: "QuorumSpec"
    rules: List[str]
    """The rules that required this level."""


class SharedApprover(TypedDict):
    """One person named at several levels of a plan, e.g. `{"user": "cfo@x", "levels": [1, 3]}`."""
    levels: List[int]
    """The levels whose approvers list them, ascending."""
    user: str


class ApprovalPlan(TypedDict):
    """Who must approve, level by level."""
    autoApproved: bool
    """Set when the requester's self-approval limit covered the order."""
    levels: List["ApprovalLevel"]
    required: bool
    sharedApprovers: NotRequired[List["SharedApprover"]]
    """People the policy names at several levels: each acts once, and that one approval
    counts at every level listed here. Omitted when nobody is named twice."""


Effect = Literal["none", "warn", "restrict", "block"]


class BudgetEffect(TypedDict):
    amount: "Amount"
    budget: str
    currency: str
    effect: "Effect"
    group: str
    order: "Amount"
    """This order's draw on the budget, in the budget's currency."""
    over: bool
    period: str
    remaining: "Amount"
    """What is left after this order; negative when over."""
    spent: "Amount"
    user: NotRequired[Optional[str]]


class InvoiceRouting(TypedDict):
    billTo: str
    cadence: str
    """`perOrder`, `weekly`, `biweekly` or `monthly`."""
    dueDate: NotRequired[Optional[str]]
    invoiceDate: NotRequired[Optional[str]]
    recipients: List[str]
    rule: str
    splitBy: List[str]
    template: str
    termsDays: int


class LineDecision(TypedDict):
    amount: "Amount"
    dropped: bool
    """True when the line is blocked and the policy drops blocked lines."""
    id: str
    messages: List["Message"]
    product: str
    suggestions: List["Suggestion"]
    verdict: "Verdict"


Outcome = Literal["allowed", "approvalRequired", "blocked"]


class PaymentCheck(TypedDict):
    allowed: List[str]
    default: NotRequired[Optional[str]]
    method: NotRequired[Optional[str]]
    """The method the order will use: the one requested, or the default."""
    rule: str


class SplitFlag(TypedDict):
    combined: "Amount"
    currency: str
    orders: List[str]
    """This order and the recent orders it was combined with."""
    rule: str


class Totals(TypedDict):
    currency: str
    shipping: "Amount"
    subtotal: "Amount"
    tax: "Amount"
    total: "Amount"


class TraceEntry(TypedDict):
    """A located rule: its id and where it is written."""
    detail: str
    effect: str
    """What the rule did, e.g. `block`, `restrict`, `warn`, `prefer`, `approve`, `budget`."""
    lines: List[str]
    rule: str
    span: "SourceSpan"


class Decision(TypedDict):
    """The answer to a checkout request."""
    approval: "ApprovalPlan"
    budgets: List["BudgetEffect"]
    errors: List["EvalError"]
    group: str
    invoice: NotRequired[Optional["InvoiceRouting"]]
    lines: List["LineDecision"]
    messages: List["Message"]
    """Order-level messages (blocks, restrictions, warnings) in the buyer's language."""
    order: str
    outcome: "Outcome"
    payment: NotRequired[Optional["PaymentCheck"]]
    policy: "PolicyRef"
    split: NotRequired[Optional["SplitFlag"]]
    totals: "Totals"
    trace: List["TraceEntry"]


class DecisionAnswerSuccess(TypedDict):
    result: "Decision"
    type: Literal["success"]


class DecisionAnswerFailure(TypedDict):
    errors: List["EvalError"]
    type: Literal["failure"]


DecisionAnswer = Union["DecisionAnswerSuccess", "DecisionAnswerFailure"]
"""What every entry point returns: `{"type": "success", …}` or `{"type": "failure", errors}`."""


class Directory(TypedDict):
    """The people: users, their role assignments, managers and approval limits."""
    users: NotRequired[List["User"]]


class Sides(TypedDict):
    """The same thing in the base and in the draft."""
    base: int
    draft: int


class ApprovalImpact(TypedDict):
    added: List[str]
    """Approvers the draft asks and the base did not, by id."""
    levels: "Sides"
    removed: List[str]
    """Approvers the base asked and the draft does not."""


class Sides2(TypedDict):
    """The same thing in the base and in the draft."""
    base: str
    draft: str


class Sides3(TypedDict):
    """The same thing in the base and in the draft."""
    base: NotRequired[Optional["Amount"]]
    draft: NotRequired[Optional["Amount"]]


class BudgetImpact(TypedDict):
    budget: str
    effect: "Sides2"
    """`none`, `warn`, `restrict`, `block`, or `absent` when the budget does not apply."""
    remaining: "Sides3"


class Sides5(TypedDict):
    """The same thing in the base and in the draft."""
    base: List[str]
    draft: List[str]


class Sides4(TypedDict):
    """The same thing in the base and in the draft."""
    base: NotRequired[Optional[str]]
    draft: NotRequired[Optional[str]]


class LineImpact(TypedDict):
    base: "Verdict"
    draft: "Verdict"
    id: str
    product: str


class RuleRef(TypedDict):
    """A rule named by a trace entry, e.g. `laptops_it_only` (`block`) at 29:1."""
    column: int
    effect: str
    line: int
    rule: str


class Sides6(TypedDict):
    """The same thing in the base and in the draft."""
    base: List["RuleRef"]
    draft: List["RuleRef"]


class OrderImpact(TypedDict):
    """One order the draft decides differently."""
    approvals: "ApprovalImpact"
    baseOutcome: str
    """`allowed`, `approvalRequired`, `blocked`, or `failure` (the request was refused)."""
    budgets: List["BudgetImpact"]
    buyer: str
    draftOutcome: str
    errors: "Sides5"
    """Error codes only one side reports."""
    group: str
    invoice: NotRequired[Optional["Sides4"]]
    """The invoice template on each side, when it changed."""
    kinds: List[str]
    """The kinds of change, e.g. `["outcome", "lines"]`."""
    lines: List["LineImpact"]
    messages: "Sides5"
    """Message texts only one side shows."""
    order: str
    request: int
    """Position of the request in the input."""
    rules: "Sides6"
    """The rules responsible: trace entries only one side has."""
    total: NotRequired[Optional["MoneyValue"]]
    """The order's total as the draft computes it (the base's when the draft fails)."""


class ImpactSummary(TypedDict):
    byKind: Dict[str, int]
    """Changed orders by kind of change (`outcome`, `lines`, `approvals`, `budgets`,
    `invoice`, `messages`, `errors`); an order may count under several kinds."""
    changed: int
    newlyAllowed: List["MoneyValue"]
    """Totals of orders the draft allows and the base did not."""
    newlyApprovalRequired: List["MoneyValue"]
    """Totals of orders that newly need approval (they were allowed or blocked)."""
    newlyBlocked: List["MoneyValue"]
    """Totals of orders the draft blocks and the base did not, per currency."""
    orders: int
    """Requests evaluated."""


class ImpactReport(TypedDict):
    """What a draft changes, over a set of checkout requests."""
    base: "PolicyRef"
    changes: List["OrderImpact"]
    """The changed orders, in request order."""
    draft: "PolicyRef"
    summary: "ImpactSummary"


class InvoiceLineInput(TypedDict):
    amount: "Amount"
    """Negative for a credit (a return or a discount)."""
    description: NotRequired[Optional[str]]
    id: str


OrderStatus = Union[Literal["approved", "shipped", "delivered", "cancelled"], Literal["refunded"]]


class InvoiceOrder(TypedDict):
    """An order as invoicing sees it: placed, with its status and line amounts."""
    currency: str
    fields: NotRequired[Dict[str, str]]
    """The order's custom fields, as at checkout (`{"project": "P-17"}`): invoice rules
    may split by them and reports show them."""
    group: str
    id: str
    lines: List["InvoiceLineInput"]
    placedAt: str
    """RFC 3339 with an offset; the order's date is the date in that offset."""
    poNumber: NotRequired[Optional[str]]
    status: "OrderStatus"


class InvoiceRunRequest(TypedDict):
    """A period's orders to invoice. Orders are kept as raw JSON so that one malformed order is
    reported by path and left out, instead of failing the whole run."""
    orders: List["InvoiceOrder"]
    period: str
    """The month whose orders are invoiced, `YYYY-MM`."""
    runDate: NotRequired[Optional[str]]
    """The day the run happens (`YYYY-MM-DD`). Defaults to the 1st of the next month, or
    to the latest invoice date among the period's orders when that is later (a weekly
    invoice can fall in the first days of the next month), so that the default run
    invoices every order of the period and dates no document after itself."""


class InvoiceLine(TypedDict):
    amount: "Amount"
    description: NotRequired[Optional[str]]
    fields: NotRequired[Dict[str, str]]
    """The order's custom fields, for reports; omitted when it has none."""
    line: str
    order: str
    orderStatus: "OrderStatus"
    poNumber: NotRequired[Optional[str]]


class Invoice(TypedDict):
    amountDue: "Amount"
    billTo: str
    cadence: str
    charges: "Amount"
    credits: List["InvoiceLine"]
    """Credits listed for information (`credits as listed`); not netted."""
    creditsTotal: "Amount"
    currency: str
    dueDate: str
    fields: NotRequired[Dict[str, Optional[str]]]
    """The custom fields the rule splits by, with this document's value (`null` groups the
    orders without one); omitted when the rule splits by none."""
    group: NotRequired[Optional[str]]
    """Set when the rule splits by group."""
    id: str
    invoiceDate: str
    kind: str
    """`invoice` or `creditNote`."""
    lines: List["InvoiceLine"]
    poNumber: NotRequired[Optional[str]]
    """Set when the rule splits by PO number (`null` groups the orders without one)."""
    recipients: List[str]
    rule: str
    template: str
    termsDays: int


class RejectedOrder(TypedDict):
    code: str
    index: int
    """Position in the request's `orders`."""
    message: str
    order: NotRequired[Optional[str]]
    path: str
    poNumber: NotRequired[Optional[str]]
    status: NotRequired[Optional["OrderStatus"]]


class CurrencyTotal(TypedDict):
    amountDue: "Amount"
    currency: str


class InvoiceRun(TypedDict):
    invoices: List["Invoice"]
    period: str
    policy: "PolicyRef"
    rejected: List["RejectedOrder"]
    """Orders left out of the run, each with why."""
    runDate: str
    totals: List["CurrencyTotal"]
    """Amount due per currency over every invoice (credit notes subtract)."""


class InvoiceRunAnswerSuccess(TypedDict):
    result: "InvoiceRun"
    type: Literal["success"]


class InvoiceRunAnswerFailure(TypedDict):
    errors: List["EvalError"]
    type: Literal["failure"]


InvoiceRunAnswer = Union["InvoiceRunAnswerSuccess", "InvoiceRunAnswerFailure"]
"""What every entry point returns: `{"type": "success", …}` or `{"type": "failure", errors}`."""


class PermissionsRequest(TypedDict):
    """Every action a user may take in a group, each with the assignment that grants it
    (`Engine::permissions`): `authorize` for all actions at once."""
    group: str
    user: str
    userProfile: NotRequired[Optional["User"]]


class GrantedAction(TypedDict):
    action: str
    assignment: "RoleAssignment"


class Permissions(TypedDict):
    allowed: List["GrantedAction"]
    """The actions allowed, by name, each with the first assignment granting it."""
    group: str
    policy: "PolicyRef"
    user: str


class PermissionsAnswerSuccess(TypedDict):
    result: "Permissions"
    type: Literal["success"]


class PermissionsAnswerFailure(TypedDict):
    errors: List["EvalError"]
    type: Literal["failure"]


PermissionsAnswer = Union["PermissionsAnswerSuccess", "PermissionsAnswerFailure"]
"""What every entry point returns: `{"type": "success", …}` or `{"type": "failure", errors}`."""


class CategoryOutline(TypedDict):
    alias: str
    """The alias the policy declares, e.g. `laptops`."""
    id: str
    """The category id, e.g. `electronics/computers/laptops`."""
    title: NotRequired[Optional[str]]


class DeclaredField(TypedDict):
    """A custom field a policy declares, as a form shows it (`Engine::fields`), e.g. the
    `project` field: `{"name": "project", "title": "Project", "titles": {"fr": "Projet"},
    "on": "order", "type": "text", "requiredIn": ["north"], …}`."""
    help: NotRequired[Optional[str]]
    helps: Dict[str, str]
    name: str
    on: str
    """`order` or `lines`."""
    pattern: NotRequired[Optional[str]]
    """The mask a text value must match (`#` digit, `@` letter, `?` any, `*` any run)."""
    requiredIn: List[str]
    """The buying groups where the field is required; empty when it is optional."""
    title: str
    """The title in the policy's default language, and its translations by locale."""
    titles: Dict[str, str]
    type: str
    """`text`, `number`, `money` (in the policy currency), `date` or `oneOf`."""
    values: List[str]
    """The allowed values of a `oneOf` field."""


class GroupOutline(TypedDict):
    id: str
    parent: NotRequired[Optional[str]]
    title: str
    """The title, or the id when the policy gives none."""


class RoleOutline(TypedDict):
    actions: List[str]
    """Every action the role grants, `extends` included, by name."""
    id: str


class RuleOutline(TypedDict):
    id: str
    kind: str
    """`rule`, `prefer`, `approval`, `budget`, `split`, `payment`, `shipTo`, `poNumber`,
    `invoice` or `field`."""
    span: "SourceSpan"
    title: str
    """The title (an invoice rule's template), or the id when the policy gives none."""


class PolicyOutline(TypedDict):
    """What a storefront lists about a policy (`Engine::outline`): its groups, roles, actions,
    categories, custom fields and named rules, with their titles."""
    actions: List[str]
    """Every action of the vocabulary, by name."""
    categories: List["CategoryOutline"]
    currency: str
    defaultLocale: str
    fields: List["DeclaredField"]
    groups: List["GroupOutline"]
    """The group tree, parents before children."""
    policy: "PolicyRef"
    roles: List["RoleOutline"]
    rules: List["RuleOutline"]
    """Named declarations in source order (rules, preferences, approvals, budgets, …)."""


class OrderChange(TypedDict):
    """The order as it was approved, and when it changed."""
    changedAt: str
    previousOrder: "Order"


class WorkflowEventApproved(TypedDict):
    at: str
    by: str
    type: Literal["approved"]


class WorkflowEventRejected(TypedDict):
    """A rejection of the whole order (no `lines`) or of some lines; rejecting lines
    approves the rest at that level."""
    at: str
    by: str
    lines: NotRequired[List[str]]
    reason: NotRequired[str]
    type: Literal["rejected"]


WorkflowEventDelegated = TypedDict(
    "WorkflowEventDelegated",
    {
        "at": str,
        "from": str,
        "to": str,
        "type": Literal["delegated"],
        "validFrom": str,
        "validUntil": str,
    },
)
"""`from` lets `to` act for them between `valid_from` and `valid_until`."""


class WorkflowEventComment(TypedDict):
    at: str
    by: str
    text: str
    type: Literal["comment"]


WorkflowEvent = Union["WorkflowEventApproved", "WorkflowEventRejected", "WorkflowEventDelegated", "WorkflowEventComment"]
"""Something that happened to the order, e.g. `{"type": "approved", "by": "x", "at": "…"}`."""


class ProgressRequest(TypedDict):
    """Where an order's approval stands: the order, when it was submitted, what happened since."""
    change: NotRequired[Optional["OrderChange"]]
    """Set when the order changed after approvals were recorded."""
    checkout: "CheckoutRequest"
    """The order as it stands now, evaluated afresh."""
    events: NotRequired[List["WorkflowEvent"]]
    now: str
    """The time the state is computed for (RFC 3339)."""
    submittedAt: str
    """When the order was submitted for approval (RFC 3339)."""


ReportRows = Literal["orders", "invoices"]


class ReportDefinition(TypedDict):
    """A saved CSV report: which rows and which columns, in order."""
    bom: NotRequired[bool]
    """Starts the CSV text with a UTF-8 byte order mark (for spreadsheets that otherwise
    guess another encoding). Off unless `true`."""
    columns: List[str]
    name: str
    neutralizeFormulas: NotRequired[bool]
    """Text cells starting with `=`, `+`, `-`, `@`, a tab or a carriage return get a
    leading `'` so that spreadsheets do not run them as formulas (OWASP's CSV-injection
    guidance); amount cells are numbers and stay as they are. On unless `false`."""
    rows: "ReportRows"


class TestFailure(TypedDict):
    """One expectation that did not hold: what the test expected and what the engine said."""
    actual: str
    expected: str
    span: "SourceSpan"


class TestResult(TypedDict):
    failures: List["TestFailure"]
    name: str
    passed: bool
    span: "SourceSpan"


class TestReport(TypedDict):
    """The outcome of a policy's `test` blocks."""
    failed: int
    passed: int
    tests: List["TestResult"]


class Comment(TypedDict):
    at: str
    by: str
    text: str


class ApprovalRecord(TypedDict):
    at: str
    by: str
    carriedFrom: NotRequired[Optional[int]]
    """Set when this is an approval given at an earlier level (the one named here) that
    counts again because the policy lists the same person at this level too."""
    onBehalfOf: NotRequired[Optional[str]]


class LevelProgress(TypedDict):
    approvals: List["ApprovalRecord"]
    escalatedTo: List[str]
    """Escalation targets once the level's timeout passed."""
    level: int
    needed: int
    status: str
    """`approved`, `pending`, `escalated`, `waiting` or `rejected`."""


class Actor(TypedDict):
    actions: List[str]
    """`approve`, `reject`, `rejectLines`."""
    onBehalfOf: NotRequired[Optional[str]]
    """Set when the user acts as a delegate."""
    user: str


WorkflowStatus = Union[Literal["pending", "escalated", "approved", "rejected", "partiallyRejected", "expired"], Literal["blocked"]]


class Step(TypedDict):
    """What one event did: accepted (and the status after it) or refused with a reason."""
    accepted: bool
    event: int
    """Position of the event in the request's `events`."""
    level: NotRequired[Optional[int]]
    reason: NotRequired[Optional[str]]
    status: "WorkflowStatus"


class WorkflowState(TypedDict):
    comments: List["Comment"]
    errors: List["EvalError"]
    expiresAt: str
    """When the approval hold runs out, unless decided before."""
    level: NotRequired[Optional[int]]
    """The level waiting for approval, while pending or escalated."""
    levels: List["LevelProgress"]
    mayAct: List["Actor"]
    """Who may act now, and what each may do."""
    plan: "ApprovalPlan"
    policy: "PolicyRef"
    reason: NotRequired[Optional[str]]
    rejectedLines: List[str]
    status: "WorkflowStatus"
    steps: List["Step"]
    """The outcome of each event, in the order they were applied (by time)."""


class WorkflowAnswerSuccess(TypedDict):
    result: "WorkflowState"
    type: Literal["success"]


class WorkflowAnswerFailure(TypedDict):
    errors: List["EvalError"]
    type: Literal["failure"]


WorkflowAnswer = Union["WorkflowAnswerSuccess", "WorkflowAnswerFailure"]
"""What every entry point returns: `{"type": "success", …}` or `{"type": "failure", errors}`."""


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
