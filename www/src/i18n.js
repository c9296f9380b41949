// The message catalogue of both pages, and the page's language: every string people read
// comes from here, in English (en-CA) and French (fr-CA). `t(key, params)` looks a message
// up in the current language (a missing key shows as `⟦missing:key⟧`, which the tests look
// for); money, numbers and dates are formatted with `Intl` for the language.

const plural = (n, one, other) => (Math.abs(Number(String(n).replace(/[^\d.-]/g, ""))) === 1 ? one : other);
const pluralFr = (n, one, other) => (Math.abs(Number(String(n).replace(/[^\d.-]/g, ""))) < 2 ? one : other);

export const en = {
  "lang.label": "Language",
  help: "help:",
  times: "×{count}",
  showMore: (p) => `Show ${p.count} more (${p.shown} of ${p.total} shown)`,

  // the playground's static text
  "pg.title": "Procura playground",
  "pg.skip": "Skip to the policy editor",
  "pg.sub": "playground",
  "pg.example": "Example",
  "pg.format": "Format",
  "pg.formatTitle": "Format the policy (Ctrl+Shift+F)",
  "pg.share": "Share",
  "pg.shareTitle": "Put the policy, directory and request in the link",
  "pg.shareLink": "Share link",
  "pg.toCheckout": "Checkout demo →",
  "pg.policy": "Policy",
  "pg.problems": "Problems",
  "pg.inputs": "Inputs",
  "pg.directory": "Directory",
  "pg.directoryHint": "users, roles, managers, limits",
  "pg.directoryProblems": "Directory problems",
  "pg.request": "Request",
  "pg.requestHint": "the checkout to decide",
  "pg.requestProblems": "Request problems",
  "pg.results": "Results",
  "tab.decision": "Decision",
  "tab.tests": "Tests",
  "tab.approvals": "Approvals",
  "tab.invoices": "Invoices",
  "policy.aria": "Policy source",
  "directory.aria": "Directory (JSON)",
  "request.aria": "Checkout request (JSON)",
  "policy.doesNotCompile": "does not compile",

  // the status line
  "status.loading": "Loading the engine…",
  "status.checking": "Checking…",
  "status.engineError": "Engine error: {message}",
  "status.counts": (p) => `${p.errors} ${plural(p.errors, "error", "errors")}, ${p.warnings} ${plural(p.warnings, "warning", "warnings")}`,
  "status.timing": "Checked and evaluated in {ms} ms",
  "status.cannotFormat": "Cannot format: the policy has syntax errors (see Problems).",
  "status.alreadyFormatted": "Already formatted.",
  "status.formatted": "Formatted.",
  "status.restored": "Your saved work is back; the shared draft was closed.",
  "status.draftKept": "The draft is now your saved work.",
  "status.openedDraft": "Opened a shared policy as a draft: your saved work is kept.",
  "status.openedShared": "Opened a shared policy.",

  // drafts, share links, storage
  "draft.text": "You opened a shared link: it is a separate draft. Your saved work is kept as it was.",
  "draft.restore": "Restore my saved work",
  "draft.keep": "Keep this draft instead…",
  "draft.confirm": "Replace your saved work with this draft?",
  "draft.replace": "Replace saved work",
  "draft.cancel": "Cancel",
  "share.copied": "Link copied ({length} characters).",
  "share.ready": "Share link ready ({length} characters): copy it from the field.",
  "share.tooLongToMake": "Too big to share as a link ({length} characters; the limit is {limit}).",
  "share.tooLong": "This share link is too long ({length} characters; the limit is {limit}): it was not opened.",
  "share.tooBig": "This share link holds more than {limit} MB once unpacked: it was not opened.",
  "share.damaged": "This share link is damaged or incomplete: it was not opened.",
  "storage.full": "Autosave is paused: the browser's storage is full (the inputs are too big to keep). Your work is still in the page.",
  "storage.off": "Autosave is unavailable: this browser does not allow storage for the page.",

  // problems and errors
  "problems.none": "No problems.",
  "problems.more": "{count} more problems not listed.",
  "severity.error": "error",
  "severity.warning": "warning",
  "severity.block": "block",
  "severity.restrict": "restrict",
  "severity.warn": "warn",
  "severity.info": "info",
  "error.at": "at",
  "error.line": "line {line}:{column}",
  "json.invalid": "not valid JSON: {message}",
  "json.unknownKey": "unknown key `{key}`",
  "json.required": "the key `{key}` is missing",
  "json.type": "must be {type}",
  "json.type.string": "a string",
  "json.type.integer": "a whole number",
  "json.type.number": "a number",
  "json.type.object": "an object",
  "json.type.array": "an array",
  "json.type.boolean": "true or false",
  "json.type.null": "null",
  "json.schema": "does not match the schema",
  "json.minimum": "must be at least {limit}",
  "json.maximum": "must be at most {limit}",
  "json.exclusiveMinimum": "must be more than {limit}",
  "json.exclusiveMaximum": "must be less than {limit}",
  "json.minLength": "must have at least {limit} characters",
  "json.maxLength": "must have at most {limit} characters",
  "json.minItems": "must have at least {limit} items",
  "json.maxItems": "must have at most {limit} items",
  "json.enum": "must be one of {values}",
  "json.const": "must be {value}",
  "json.pattern": "does not have the expected form",
  "json.document": "(document)",
  "json.theDocument": "the document",
  "json.goTo": "Go to {path}: {message}",
  "json.moreErrors": "{count} more problems not listed.",

  // the decision
  "decision.evaluating": "Evaluating…",
  "decision.notEvaluated": "The request was not evaluated",
  "decision.directoryInvalid": "The directory is not valid JSON: fix it to see the decision.",
  "decision.requestInvalid": "The request is not valid JSON: fix it to see the decision.",
  "decision.doesNotCompile": "The policy does not compile",
  "decision.seeDirectory": "See the directory's problems.",
  "decision.fixProblems": "Fix the problems listed under the editor to see the decision.",
  "decision.summary": "order {order} in {group} · total {total}",
  "decision.problems": "Evaluation problems",
  "decision.lines": (p) => `Lines (${p.count})`,
  "decision.approval": "Approval",
  "decision.budgets": "Budgets",
  "decision.invoice": "Invoice",
  "decision.payment": "Payment",
  "decision.split": "Split detection",
  "decision.totals": "Totals",
  "decision.why": "Why",
  "decision.policy": "Policy {name} · {hash}",
  "word.allowed": "Allowed",
  "word.approvalRequired": "Approval required",
  "word.blocked": "Blocked",
  "word.preferred": "Preferred",
  "word.warned": "Warned",
  "word.restricted": "Needs approval",
  "word.pending": "Pending",
  "word.escalated": "Escalated",
  "word.approved": "Approved",
  "word.rejected": "Rejected",
  "word.partiallyRejected": "Partly rejected",
  "word.expired": "Expired",
  "word.waiting": "Waiting",
  "message.line": "line {line}",
  "message.lines": "{count} lines",
  "line.dropped": "dropped",
  "line.instead": "Instead:",
  "line.at": "at {price}",
  "quorum.any": "any of",
  "quorum.all": "all of",
  "quorum.count": "{count} of",
  level: "Level {level}",
  "plan.autoApproved": "Approved automatically: under the requester's self-approval limit.",
  "plan.none": "No approval needed.",
  "plan.blockedNote": "No approval can release a blocked order; once unblocked, it would need:",
  "plan.noApprover": "No eligible approver",
  "plan.requiredBy": "required by",
  "plan.fellBack": "fell back to {fallback}",
  "plan.escalates": "escalates after {hours} h to",
  "plan.shared": "is named at levels {levels}: one approval counts at each.",
  "split.poNumber": "PO number",
  "split.group": "group",
  "split.and": " and ",
  "split.text": "Orders {orders} together come to {combined}",
  "budget.overBlock": "over: blocks",
  "budget.overRestrict": "over: needs approval",
  "budget.aria": "{spent} spent and {order} for this order, of {amount}",
  "budget.left": "{spent} spent + {order} this order of {amount} → {remaining} left",
  "budget.over": "{spent} spent + {order} this order of {amount} → over by {remaining}",
  "period.monthly": "monthly",
  "period.quarterly": "quarterly",
  "period.yearly": "yearly",
  "period.weekly": "weekly",
  "invoice.none": "No invoice rule applies.",
  "invoice.template": "Template",
  "invoice.billTo": "Bill to",
  "invoice.sendTo": "Send to",
  "invoice.cadence": "Cadence",
  "invoice.splitBy": ", one invoice per {keys}",
  "invoice.terms": "Terms",
  "invoice.net": "net {days} days",
  "invoice.invoiceDate": "Invoice date",
  "invoice.dueDate": "Due date",
  "cadence.perOrder": "one per order",
  "cadence.weekly": "weekly",
  "cadence.biweekly": "every two weeks",
  "cadence.monthly": "monthly",
  "totals.subtotal": "Subtotal",
  "totals.tax": "Tax",
  "totals.shipping": "Shipping",
  "totals.total": "Total",
  "payment.text": "Method: {method} · allowed: {allowed}",
  "payment.default": " · default: {method}",
  "payment.none": "none",
  "trace.none": "No rule applied.",
  "trace.order": "order",
  "trace.title": "Show this rule in the editor",
  "raw.show": "Show raw JSON",
  "raw.hide": "Hide raw JSON",
  "raw.aria": "Raw JSON of the answer",
  "raw.cut": "{count} more characters not shown",

  // tests
  "tests.run": "Run tests",
  "tests.running": "Running…",
  "tests.doesNotCompile": "The policy does not compile: fix its problems to run the tests.",
  "tests.summary": "{passed} passed, {failed} failed",
  "tests.none": "This policy has no test blocks.",
  "tests.passedAria": "passed: {name}, line {line}",
  "tests.failedAria": "failed: {name}, line {line}",
  "tests.expected": "expected",
  "tests.got": "got",

  // approvals
  "approvals.intro": "Record approvals, rejections and delegations, then replay them to see the workflow state after each event.",
  "approvals.sample": "Sample events",
  "approvals.order": "Order under approval (checkout request JSON)",
  "approvals.orderAria": "Order under approval (JSON)",
  "approvals.orderProblems": "Order problems",
  "approvals.useRequest": "Use the request panel's order",
  "approvals.submittedAt": "Submitted at",
  "approvals.now": "Now",
  "approvals.events": "Events",
  "approvals.addApprove": "+ Approve",
  "approvals.addReject": "+ Reject",
  "approvals.addDelegate": "+ Delegate",
  "approvals.addComment": "+ Comment",
  "approvals.replay": "Replay",
  "approvals.position": "Replay position",
  "approvals.prev": "← Previous",
  "approvals.next": "Next →",
  "approvals.noEvents": "No events recorded yet.",
  "approvals.noEventsSample": "no events",
  "approvals.orderInvalid": "The order under approval is not valid JSON.",
  "approvals.directoryInvalid": "Fix the directory JSON first.",
  "approvals.failed": "The workflow could not be computed:",
  "event.typeAria": "Event {n} type",
  "event.fieldAria": "Event {n} {label}",
  "event.remove": "Remove",
  "event.removeAria": "Remove event {n}",
  "event.type.approved": "approved",
  "event.type.rejected": "rejected",
  "event.type.delegated": "delegated",
  "event.type.comment": "comment",
  "event.field.by": "By",
  "event.field.at": "At",
  "event.field.lines": "Lines (blank: whole order)",
  "event.field.reason": "Reason",
  "event.field.from": "From",
  "event.field.to": "To",
  "event.field.validFrom": "Valid from",
  "event.field.validUntil": "Valid until",
  "event.field.text": "Text",
  "event.emptyComment": "A comment needs text: this event is not recorded until it has some.",
  "step.recorded": "Recorded",
  "step.level": "(level {level})",
  "step.refused": "refused:",
  "step.invalid": "invalid",
  "replay.valuetext": "after {k} of {max} events",
  "replay.submitted": "Submitted (0 of {max} events)",
  "replay.after": "After event {n} of {max}: {type} by {who}",
  "replay.noState": "No state for this step.",
  "state.atLevel": "at level {level}",
  "state.expires": "expires",
  "state.noApproval": "No approval is required for this order.",
  "state.mayAct": "May act now",
  "state.for": "for",
  "state.levels": "Levels",
  "state.level": "Level",
  "state.status": "Status",
  "state.needed": "Needed",
  "state.approvals": "Approvals",
  "state.carriedFrom": "(counted from level {level})",
  "state.escalatedTo": "escalated to",
  "state.rejectedLines": "Rejected lines: {lines}",
  "state.comments": "Comments",
  "state.plan": "Approval plan",
  "action.approve": "approve",
  "action.reject": "reject",
  "action.delegate": "delegate",
  "action.comment": "comment",

  // invoices
  "invoices.intro": "A period's orders, with their status, consolidated into invoices by the policy's invoice rules.",
  "invoices.orders": "Orders (invoice run request JSON)",
  "invoices.aria": "Orders of the invoice run (JSON)",
  "invoices.problems": "Invoice run problems",
  "invoices.run": "Run invoices",
  "invoices.reports": "CSV reports",
  "invoices.columns.orders": "Orders report columns",
  "invoices.columns.invoices": "Invoices report columns",
  "invoices.download.orders": "Download orders CSV",
  "invoices.download.invoices": "Download invoices CSV",
  "invoices.invalid": "The orders are not valid JSON.",
  "invoices.failed": "The invoice run failed:",
  "invoices.csvRows": (p) => `${p.file}: ${p.count} ${plural(p.count, "row", "rows")}`,
  "invoices.summary": (p) => `Period ${p.period}: ${p.count} ${plural(p.count, "document", "documents")}, run on`,
  "invoices.due": "due {amounts}",
  "invoices.invoice": "Invoice",
  "invoices.creditNote": "Credit note",
  "invoices.split": "Split",
  "invoices.po": "PO",
  "invoices.amountDue": "Amount due",
  "invoices.col.order": "Order",
  "invoices.col.status": "Status",
  "invoices.col.po": "PO",
  "invoices.col.line": "Line",
  "invoices.col.description": "Description",
  "invoices.col.amount": "Amount",
  "invoices.creditListed": "(credit, listed)",
  "invoices.leftOut": "Left out of the run",

  // the checkout demo
  "co.title": "Maple School District supplies — checkout demo",
  "co.skip": "Skip to the products",
  "co.brand": "Maple supplies",
  "co.sub": "checkout demo",
  "co.buyer": "Buyer",
  "co.group": "Buying group",
  "co.toPlayground": "Playground →",
  "co.products": "Products",
  "co.productsHint": "badges from the district's purchasing policy, for the buyer and group above",
  "co.cart": "Cart",
  "co.cartLink": (p) => `Cart: ${p.count} ${plural(p.count, "item", "items")}`,
  "co.po": "PO number",
  "co.summary": "Checkout summary",
  "co.addProducts": "Add products to the cart.",
  "co.footer1": "Every badge and check above is computed in this page by the Procura engine (WebAssembly, in a Web Worker), from",
  "co.footerAnd": "and",
  "co.footer2": "The server's answer is the one that counts; this one is for guidance.",
  "co.status.ready": "Prices in CAD. The policy is checked in this page.",
  "co.status.added": "Added {name} to the cart.",
  "co.status.switched": "Switched to {name}.",
  "co.status.demo": "Demo only: order {order} was not sent anywhere.",
  "co.badge.preferred": "Preferred",
  "co.badge.warned": "Not preferred",
  "co.badge.restricted": "Needs approval",
  "co.badge.blocked": "Blocked",
  "co.preferredInstead": "Preferred instead: {names}",
  "co.quantityOf": "Quantity of {name}",
  "co.add": "Add to cart",
  "co.addAria": "Add {name} to the cart",
  "co.cartEmpty": "The cart is empty.",
  "co.remove": "Remove",
  "co.removeAria": "Remove {name} from the cart",
  "co.removeLine": "Remove this line",
  "co.outcome.allowed": "Ready to order",
  "co.outcome.approvalRequired": "Needs approval before it is placed",
  "co.outcome.blocked": "Cannot be ordered as it is",
  "co.switch": "Switch to {name}",
  "co.switchAt": "Switch to {name} at {price}",
  "co.needsApproval": "This order needs approval:",
  "co.wouldNeedApproval": "Once nothing blocks it, this order will need approval:",
  "co.levelLabel": "Level {level}: ",
  "co.because": "because of",
  "co.invoiceLands": "Lands on the {template} invoice ({cadence}{split}), terms net {days} days.",
  "co.sentTo": "Sent to",
  "co.noInvoice": "No invoice rule applies to this group.",
  "co.budget": "Budget",
  "co.budgetLeft": "{budget}: {remaining} left of {amount} this month after this order",
  "co.budgetOver": "{budget}: over by {remaining} of {amount} this month after this order",
  "co.submit": "Submit for approval",
  "co.place": "Place order",
  "co.cannotCheck": "The cart could not be checked:",
  "co.noGroup": "{buyer} may not place orders for any buying group.",
  "co.notAuthorized": "{buyer} may not place orders for {group}: choose another buying group.",
  "product.B00PAPER01": "Copier paper, letter, 10 reams",
  "product.B00PAPER02": "Recycled copier paper, 10 reams",
  "product.B00PAPER05": "Economy copier paper, 10 reams",
  "product.B00PAPER09": "Premium bright copier paper, 10 reams",
  "product.B0LAPTOP": "Laptop 14\", 16 GB",
  "product.B0PROJECTOR": "Classroom projector",
  "product.B0MARKERS": "Whiteboard markers, pack of 12",
  "product.B0CHAIR": "Stackable student chair",

  // custom fields the policy declares (the request form, the checkout)
  "fields.heading": "Fields",
  "fields.hintText": "the custom fields the policy declares",
  "fields.order": "Order",
  "fields.line": "Line {line}",
  "fields.none": "This policy declares no custom fields.",
  "fields.noLines": "The request has no lines for the line fields.",
  "fields.requestInvalid": "Fix the request JSON to fill in the fields here.",
  "fields.requestLarge": "The request is too large for the form: edit its JSON.",
  "fields.required": "required",
  "fields.choose": "— choose —",
  "fields.pattern": "Format: {pattern}{symbols}",
  "fields.mask.digit": "# a digit",
  "fields.mask.letter": "@ a letter",
  "fields.mask.any": "? any character",
  "fields.mask.run": "* any text",
  "fields.hint.number": "A number, e.g. 12 or 3.5",
  "fields.hint.money": "An amount, e.g. 125.50",
  "fields.hint.date": "A date",
  "co.fields": "Order information",
};

export const fr = {
  "lang.label": "Langue",
  help: "aide :",
  times: "×{count}",
  showMore: (p) => `Afficher ${p.count} de plus (${p.shown} sur ${p.total} affichés)`,

  "pg.title": "Bac à sable Procura",
  "pg.skip": "Aller à l'éditeur de politique",
  "pg.sub": "bac à sable",
  "pg.example": "Exemple",
  "pg.format": "Mettre en forme",
  "pg.formatTitle": "Mettre la politique en forme (Ctrl+Maj+F)",
  "pg.share": "Partager",
  "pg.shareTitle": "Mettre la politique, l'annuaire et la demande dans le lien",
  "pg.shareLink": "Lien de partage",
  "pg.toCheckout": "Démo de paiement →",
  "pg.policy": "Politique",
  "pg.problems": "Problèmes",
  "pg.inputs": "Entrées",
  "pg.directory": "Annuaire",
  "pg.directoryHint": "utilisateurs, rôles, gestionnaires, limites",
  "pg.directoryProblems": "Problèmes de l'annuaire",
  "pg.request": "Demande",
  "pg.requestHint": "la commande à évaluer",
  "pg.requestProblems": "Problèmes de la demande",
  "pg.results": "Résultats",
  "tab.decision": "Décision",
  "tab.tests": "Tests",
  "tab.approvals": "Approbations",
  "tab.invoices": "Factures",
  "policy.aria": "Source de la politique",
  "directory.aria": "Annuaire (JSON)",
  "request.aria": "Demande de commande (JSON)",
  "policy.doesNotCompile": "ne compile pas",

  "status.loading": "Chargement du moteur…",
  "status.checking": "Vérification…",
  "status.engineError": "Erreur du moteur : {message}",
  "status.counts": (p) => `${p.errors} ${pluralFr(p.errors, "erreur", "erreurs")}, ${p.warnings} ${pluralFr(p.warnings, "avertissement", "avertissements")}`,
  "status.timing": "Vérifiée et évaluée en {ms} ms",
  "status.cannotFormat": "Mise en forme impossible : la politique a des erreurs de syntaxe (voir Problèmes).",
  "status.alreadyFormatted": "Déjà mise en forme.",
  "status.formatted": "Mise en forme faite.",
  "status.restored": "Votre travail enregistré est revenu; le brouillon partagé a été fermé.",
  "status.draftKept": "Le brouillon est maintenant votre travail enregistré.",
  "status.openedDraft": "Politique partagée ouverte comme brouillon : votre travail enregistré est conservé.",
  "status.openedShared": "Politique partagée ouverte.",

  "draft.text": "Vous avez ouvert un lien partagé : c'est un brouillon à part. Votre travail enregistré est conservé tel quel.",
  "draft.restore": "Revenir à mon travail enregistré",
  "draft.keep": "Garder ce brouillon à la place…",
  "draft.confirm": "Remplacer votre travail enregistré par ce brouillon?",
  "draft.replace": "Remplacer le travail enregistré",
  "draft.cancel": "Annuler",
  "share.copied": "Lien copié ({length} caractères).",
  "share.ready": "Lien de partage prêt ({length} caractères) : copiez-le depuis le champ.",
  "share.tooLongToMake": "Trop volumineux pour un lien ({length} caractères; la limite est de {limit}).",
  "share.tooLong": "Ce lien de partage est trop long ({length} caractères; la limite est de {limit}) : il n'a pas été ouvert.",
  "share.tooBig": "Ce lien de partage contient plus de {limit} Mo une fois décompressé : il n'a pas été ouvert.",
  "share.damaged": "Ce lien de partage est endommagé ou incomplet : il n'a pas été ouvert.",
  "storage.full": "L'enregistrement automatique est suspendu : le stockage du navigateur est plein (les entrées sont trop volumineuses). Votre travail est toujours dans la page.",
  "storage.off": "L'enregistrement automatique est indisponible : ce navigateur n'autorise pas le stockage pour la page.",

  "problems.none": "Aucun problème.",
  "problems.more": "{count} autres problèmes non affichés.",
  "severity.error": "erreur",
  "severity.warning": "avertissement",
  "severity.block": "blocage",
  "severity.restrict": "restriction",
  "severity.warn": "avertissement",
  "severity.info": "info",
  "error.at": "à",
  "error.line": "ligne {line}:{column}",
  "json.invalid": "JSON non valide : {message}",
  "json.unknownKey": "clé inconnue `{key}`",
  "json.required": "la clé `{key}` est manquante",
  "json.type": "doit être {type}",
  "json.type.string": "une chaîne",
  "json.type.integer": "un nombre entier",
  "json.type.number": "un nombre",
  "json.type.object": "un objet",
  "json.type.array": "un tableau",
  "json.type.boolean": "true ou false",
  "json.type.null": "null",
  "json.schema": "ne correspond pas au schéma",
  "json.minimum": "doit être au moins {limit}",
  "json.maximum": "doit être au plus {limit}",
  "json.exclusiveMinimum": "doit être plus que {limit}",
  "json.exclusiveMaximum": "doit être moins que {limit}",
  "json.minLength": "doit avoir au moins {limit} caractères",
  "json.maxLength": "doit avoir au plus {limit} caractères",
  "json.minItems": "doit avoir au moins {limit} éléments",
  "json.maxItems": "doit avoir au plus {limit} éléments",
  "json.enum": "doit être l'une des valeurs {values}",
  "json.const": "doit être {value}",
  "json.pattern": "n'a pas la forme attendue",
  "json.document": "(document)",
  "json.theDocument": "le document",
  "json.goTo": "Aller à {path} : {message}",
  "json.moreErrors": "{count} autres problèmes non affichés.",

  "decision.evaluating": "Évaluation…",
  "decision.notEvaluated": "La demande n'a pas été évaluée",
  "decision.directoryInvalid": "L'annuaire n'est pas du JSON valide : corrigez-le pour voir la décision.",
  "decision.requestInvalid": "La demande n'est pas du JSON valide : corrigez-la pour voir la décision.",
  "decision.doesNotCompile": "La politique ne compile pas",
  "decision.seeDirectory": "Voir les problèmes de l'annuaire.",
  "decision.fixProblems": "Corrigez les problèmes listés sous l'éditeur pour voir la décision.",
  "decision.summary": "commande {order} dans {group} · total {total}",
  "decision.problems": "Problèmes d'évaluation",
  "decision.lines": (p) => `Lignes (${p.count})`,
  "decision.approval": "Approbation",
  "decision.budgets": "Budgets",
  "decision.invoice": "Facture",
  "decision.payment": "Paiement",
  "decision.split": "Détection de fractionnement",
  "decision.totals": "Totaux",
  "decision.why": "Pourquoi",
  "decision.policy": "Politique {name} · {hash}",
  "word.allowed": "Permise",
  "word.approvalRequired": "Approbation requise",
  "word.blocked": "Bloquée",
  "word.preferred": "Recommandé",
  "word.warned": "Avertissement",
  "word.restricted": "Approbation requise",
  "word.pending": "En attente",
  "word.escalated": "Transmise",
  "word.approved": "Approuvée",
  "word.rejected": "Refusée",
  "word.partiallyRejected": "Refusée en partie",
  "word.expired": "Expirée",
  "word.waiting": "En attente",
  "message.line": "ligne {line}",
  "message.lines": "{count} lignes",
  "line.dropped": "retirée",
  "line.instead": "Plutôt :",
  "line.at": "à {price}",
  "quorum.any": "l'une de ces personnes :",
  "quorum.all": "toutes ces personnes :",
  "quorum.count": "{count} de ces personnes :",
  level: "Niveau {level}",
  "plan.autoApproved": "Approuvée automatiquement : sous la limite d'auto-approbation du demandeur.",
  "plan.none": "Aucune approbation requise.",
  "plan.blockedNote": "Aucune approbation ne peut débloquer une commande bloquée; une fois débloquée, il faudrait :",
  "plan.noApprover": "Aucun approbateur admissible",
  "plan.requiredBy": "exigé par",
  "plan.fellBack": "remplacé par {fallback}",
  "plan.escalates": "transmis après {hours} h à",
  "plan.shared": "figure aux niveaux {levels} : une seule approbation compte pour chacun.",
  "split.poNumber": "numéro de bon de commande",
  "split.group": "groupe",
  "split.and": " et ",
  "split.text": "Les commandes {orders} totalisent ensemble {combined}",
  "budget.overBlock": "dépassé : bloque",
  "budget.overRestrict": "dépassé : approbation requise",
  "budget.aria": "{spent} dépensés et {order} pour cette commande, sur {amount}",
  "budget.left": "{spent} dépensés + {order} pour cette commande sur {amount} → reste {remaining}",
  "budget.over": "{spent} dépensés + {order} pour cette commande sur {amount} → dépassement de {remaining}",
  "period.monthly": "mensuel",
  "period.quarterly": "trimestriel",
  "period.yearly": "annuel",
  "period.weekly": "hebdomadaire",
  "invoice.none": "Aucune règle de facturation ne s'applique.",
  "invoice.template": "Modèle",
  "invoice.billTo": "Facturer à",
  "invoice.sendTo": "Envoyer à",
  "invoice.cadence": "Fréquence",
  "invoice.splitBy": ", une facture par {keys}",
  "invoice.terms": "Conditions",
  "invoice.net": "net {days} jours",
  "invoice.invoiceDate": "Date de facture",
  "invoice.dueDate": "Date d'échéance",
  "cadence.perOrder": "une par commande",
  "cadence.weekly": "hebdomadaire",
  "cadence.biweekly": "aux deux semaines",
  "cadence.monthly": "mensuelle",
  "totals.subtotal": "Sous-total",
  "totals.tax": "Taxes",
  "totals.shipping": "Livraison",
  "totals.total": "Total",
  "payment.text": "Mode : {method} · permis : {allowed}",
  "payment.default": " · par défaut : {method}",
  "payment.none": "aucun",
  "trace.none": "Aucune règle ne s'est appliquée.",
  "trace.order": "commande",
  "trace.title": "Montrer cette règle dans l'éditeur",
  "raw.show": "Afficher le JSON brut",
  "raw.hide": "Masquer le JSON brut",
  "raw.aria": "JSON brut de la réponse",
  "raw.cut": "{count} caractères de plus non affichés",

  "tests.run": "Lancer les tests",
  "tests.running": "En cours…",
  "tests.doesNotCompile": "La politique ne compile pas : corrigez ses problèmes pour lancer les tests.",
  "tests.summary": (p) => `${p.passed} ${pluralFr(p.passed, "réussi", "réussis")}, ${p.failed} ${pluralFr(p.failed, "échoué", "échoués")}`,
  "tests.none": "Cette politique n'a aucun bloc de test.",
  "tests.passedAria": "réussi : {name}, ligne {line}",
  "tests.failedAria": "échoué : {name}, ligne {line}",
  "tests.expected": "attendu",
  "tests.got": "obtenu",

  "approvals.intro": "Consignez les approbations, les refus et les délégations, puis rejouez-les pour voir l'état du processus après chaque événement.",
  "approvals.sample": "Événements d'exemple",
  "approvals.order": "Commande à approuver (JSON de la demande)",
  "approvals.orderAria": "Commande à approuver (JSON)",
  "approvals.orderProblems": "Problèmes de la commande",
  "approvals.useRequest": "Utiliser la commande du panneau Demande",
  "approvals.submittedAt": "Soumise le",
  "approvals.now": "Maintenant",
  "approvals.events": "Événements",
  "approvals.addApprove": "+ Approuver",
  "approvals.addReject": "+ Refuser",
  "approvals.addDelegate": "+ Déléguer",
  "approvals.addComment": "+ Commenter",
  "approvals.replay": "Relecture",
  "approvals.position": "Position dans la relecture",
  "approvals.prev": "← Précédent",
  "approvals.next": "Suivant →",
  "approvals.noEvents": "Aucun événement consigné pour l'instant.",
  "approvals.noEventsSample": "aucun événement",
  "approvals.orderInvalid": "La commande à approuver n'est pas du JSON valide.",
  "approvals.directoryInvalid": "Corrigez d'abord le JSON de l'annuaire.",
  "approvals.failed": "Le processus n'a pas pu être calculé :",
  "event.typeAria": "Type de l'événement {n}",
  "event.fieldAria": "Événement {n} : {label}",
  "event.remove": "Retirer",
  "event.removeAria": "Retirer l'événement {n}",
  "event.type.approved": "approbation",
  "event.type.rejected": "refus",
  "event.type.delegated": "délégation",
  "event.type.comment": "commentaire",
  "event.field.by": "Par",
  "event.field.at": "Le",
  "event.field.lines": "Lignes (vide : toute la commande)",
  "event.field.reason": "Motif",
  "event.field.from": "De",
  "event.field.to": "À",
  "event.field.validFrom": "Valide à partir du",
  "event.field.validUntil": "Valide jusqu'au",
  "event.field.text": "Texte",
  "event.emptyComment": "Un commentaire doit avoir du texte : cet événement n'est pas consigné tant qu'il est vide.",
  "step.recorded": "Consigné",
  "step.level": "(niveau {level})",
  "step.refused": "refusé :",
  "step.invalid": "non valide",
  "replay.valuetext": "après {k} événements sur {max}",
  "replay.submitted": "Soumise (0 événement sur {max})",
  "replay.after": "Après l'événement {n} sur {max} : {type} par {who}",
  "replay.noState": "Aucun état pour cette étape.",
  "state.atLevel": "au niveau {level}",
  "state.expires": "expire le",
  "state.noApproval": "Aucune approbation n'est requise pour cette commande.",
  "state.mayAct": "Peuvent agir maintenant",
  "state.for": "pour",
  "state.levels": "Niveaux",
  "state.level": "Niveau",
  "state.status": "État",
  "state.needed": "Requises",
  "state.approvals": "Approbations",
  "state.carriedFrom": "(comptée depuis le niveau {level})",
  "state.escalatedTo": "transmis à",
  "state.rejectedLines": "Lignes refusées : {lines}",
  "state.comments": "Commentaires",
  "state.plan": "Plan d'approbation",
  "action.approve": "approuver",
  "action.reject": "refuser",
  "action.delegate": "déléguer",
  "action.comment": "commenter",

  "invoices.intro": "Les commandes d'une période, avec leur état, regroupées en factures par les règles de facturation de la politique.",
  "invoices.orders": "Commandes (JSON de la facturation)",
  "invoices.aria": "Commandes de la facturation (JSON)",
  "invoices.problems": "Problèmes de la facturation",
  "invoices.run": "Lancer la facturation",
  "invoices.reports": "Rapports CSV",
  "invoices.columns.orders": "Colonnes du rapport des commandes",
  "invoices.columns.invoices": "Colonnes du rapport des factures",
  "invoices.download.orders": "Télécharger le CSV des commandes",
  "invoices.download.invoices": "Télécharger le CSV des factures",
  "invoices.invalid": "Les commandes ne sont pas du JSON valide.",
  "invoices.failed": "La facturation a échoué :",
  "invoices.csvRows": (p) => `${p.file} : ${p.count} ${pluralFr(p.count, "ligne", "lignes")}`,
  "invoices.summary": (p) => `Période ${p.period} : ${p.count} ${pluralFr(p.count, "document", "documents")}, facturation du`,
  "invoices.due": "à payer {amounts}",
  "invoices.invoice": "Facture",
  "invoices.creditNote": "Note de crédit",
  "invoices.split": "Répartition",
  "invoices.po": "BC",
  "invoices.amountDue": "Montant dû",
  "invoices.col.order": "Commande",
  "invoices.col.status": "État",
  "invoices.col.po": "BC",
  "invoices.col.line": "Ligne",
  "invoices.col.description": "Description",
  "invoices.col.amount": "Montant",
  "invoices.creditListed": "(crédit, listé)",
  "invoices.leftOut": "Exclues de la facturation",

  "co.title": "Fournitures du district scolaire Maple — démo de paiement",
  "co.skip": "Aller aux produits",
  "co.brand": "Fournitures Maple",
  "co.sub": "démo de paiement",
  "co.buyer": "Acheteur",
  "co.group": "Groupe d'achat",
  "co.toPlayground": "Bac à sable →",
  "co.products": "Produits",
  "co.productsHint": "badges selon la politique d'achat du district, pour l'acheteur et le groupe ci-dessus",
  "co.cart": "Panier",
  "co.cartLink": (p) => `Panier : ${p.count} ${pluralFr(p.count, "article", "articles")}`,
  "co.po": "Numéro de bon de commande",
  "co.summary": "Récapitulatif de la commande",
  "co.addProducts": "Ajoutez des produits au panier.",
  "co.footer1": "Chaque badge et chaque vérification ci-dessus sont calculés dans cette page par le moteur Procura (WebAssembly, dans un Web Worker), à partir de",
  "co.footerAnd": "et de",
  "co.footer2": "La réponse du serveur fait foi; celle-ci est indicative.",
  "co.status.ready": "Prix en dollars canadiens. La politique est vérifiée dans cette page.",
  "co.status.added": "{name} ajouté au panier.",
  "co.status.switched": "Remplacé par {name}.",
  "co.status.demo": "Démo seulement : la commande {order} n'a été envoyée nulle part.",
  "co.badge.preferred": "Recommandé",
  "co.badge.warned": "Non recommandé",
  "co.badge.restricted": "Approbation requise",
  "co.badge.blocked": "Bloqué",
  "co.preferredInstead": "Recommandé à la place : {names}",
  "co.quantityOf": "Quantité de {name}",
  "co.add": "Ajouter au panier",
  "co.addAria": "Ajouter {name} au panier",
  "co.cartEmpty": "Le panier est vide.",
  "co.remove": "Retirer",
  "co.removeAria": "Retirer {name} du panier",
  "co.removeLine": "Retirer cette ligne",
  "co.outcome.allowed": "Prête à commander",
  "co.outcome.approvalRequired": "Doit être approuvée avant d'être passée",
  "co.outcome.blocked": "Ne peut pas être commandée telle quelle",
  "co.switch": "Remplacer par {name}",
  "co.switchAt": "Remplacer par {name} à {price}",
  "co.needsApproval": "Cette commande doit être approuvée :",
  "co.wouldNeedApproval": "Une fois débloquée, cette commande devra être approuvée :",
  "co.levelLabel": "Niveau {level} : ",
  "co.because": "en raison de",
  "co.invoiceLands": "Sera portée sur la facture {template} ({cadence}{split}), conditions net {days} jours.",
  "co.sentTo": "Envoyée à",
  "co.noInvoice": "Aucune règle de facturation ne s'applique à ce groupe.",
  "co.budget": "Budget",
  "co.budgetLeft": "{budget} : il reste {remaining} sur {amount} ce mois-ci après cette commande",
  "co.budgetOver": "{budget} : dépassement de {remaining} sur {amount} ce mois-ci après cette commande",
  "co.submit": "Soumettre pour approbation",
  "co.place": "Passer la commande",
  "co.cannotCheck": "Le panier n'a pas pu être vérifié :",
  "co.noGroup": "{buyer} ne peut passer de commandes pour aucun groupe d'achat.",
  "co.notAuthorized": "{buyer} ne peut pas passer de commandes pour {group} : choisissez un autre groupe d'achat.",
  "product.B00PAPER01": "Papier pour photocopieur, format lettre, 10 rames",
  "product.B00PAPER02": "Papier recyclé pour photocopieur, 10 rames",
  "product.B00PAPER05": "Papier économique pour photocopieur, 10 rames",
  "product.B00PAPER09": "Papier extra-blanc de qualité supérieure, 10 rames",
  "product.B0LAPTOP": "Ordinateur portable 14 po, 16 Go",
  "product.B0PROJECTOR": "Projecteur de classe",
  "product.B0MARKERS": "Marqueurs pour tableau blanc, paquet de 12",
  "product.B0CHAIR": "Chaise d'élève empilable",

  // champs personnalisés déclarés par la politique (formulaire de la requête, caisse)
  "fields.heading": "Champs",
  "fields.hintText": "les champs personnalisés déclarés par la politique",
  "fields.order": "Commande",
  "fields.line": "Ligne {line}",
  "fields.none": "Cette politique ne déclare aucun champ personnalisé.",
  "fields.noLines": "La requête n'a aucune ligne pour les champs de ligne.",
  "fields.requestInvalid": "Corrigez le JSON de la requête pour remplir les champs ici.",
  "fields.requestLarge": "La requête est trop volumineuse pour le formulaire : modifiez son JSON.",
  "fields.required": "obligatoire",
  "fields.choose": "— choisir —",
  "fields.pattern": "Format : {pattern}{symbols}",
  "fields.mask.digit": "# un chiffre",
  "fields.mask.letter": "@ une lettre",
  "fields.mask.any": "? un caractère",
  "fields.mask.run": "* n'importe quel texte",
  "fields.hint.number": "Un nombre, par exemple 12 ou 3.5 (avec un point)",
  "fields.hint.money": "Un montant, par exemple 125.50 (avec un point)",
  "fields.hint.date": "Une date",
  "co.fields": "Renseignements sur la commande",
};

// ─── the language of the page ────────────────────────────────────────────────────────

export const LOCALES = [
  { id: "en-CA", label: "English" },
  { id: "fr-CA", label: "Français" },
];
const STORAGE_KEY = "procura.locale";
const TABLES = { en, fr };

/** What a missing key renders as; the tests scan the page for it. */
export const MISSING_MARK = "⟦missing:";

function storage() {
  try {
    return typeof localStorage === "undefined" ? null : localStorage;
  } catch {
    return null;
  }
}

/** The remembered language, else the browser's (French for any `fr`), else en-CA. */
function initialLocale() {
  const saved = storage()?.getItem(STORAGE_KEY);
  if (saved && LOCALES.some((l) => l.id === saved)) return saved;
  const wanted = typeof navigator === "undefined" ? [] : (navigator.languages ?? [navigator.language]);
  for (const tag of wanted) {
    if (/^fr\b/i.test(tag ?? "")) return "fr-CA";
    if (/^en\b/i.test(tag ?? "")) return "en-CA";
  }
  return "en-CA";
}

let current = initialLocale();
const listeners = new Set();

export function locale() {
  return current;
}

/** Switches the language, remembers it, sets `<html lang>` and tells the listeners. */
export function setLocale(id) {
  if (!LOCALES.some((l) => l.id === id)) return;
  const changed = id !== current;
  current = id;
  try {
    storage()?.setItem(STORAGE_KEY, id);
  } catch {
    /* storage disabled: the choice lasts for this page */
  }
  if (typeof document !== "undefined") {
    document.documentElement.lang = id;
    translatePage(document);
  }
  if (changed) for (const fn of listeners) fn(id);
}

export function onLocaleChange(fn) {
  listeners.add(fn);
}

function table() {
  return current.startsWith("fr") ? fr : en;
}

/** The message `key` with its `{name}` parameters filled in, or a marker when missing. */
export function t(key, params = {}) {
  let value = table()[key];
  if (value === undefined) return `${MISSING_MARK}${key}⟧`;
  if (typeof value === "function") value = value(params);
  return value.replace(/\{(\w+)\}/g, (whole, name) => (params[name] === undefined ? whole : String(params[name])));
}

/** The message `key`, or `fallback` (e.g. an engine value without a translation). */
export function tOr(key, fallback, params) {
  const text = t(key, params);
  return isMissing(text) ? fallback : text;
}

export function isMissing(text) {
  return typeof text === "string" && text.startsWith(MISSING_MARK);
}

/** Both tables' keys, for the tests. */
export function catalogueKeys() {
  return Object.fromEntries(Object.entries(TABLES).map(([id, tbl]) => [id, Object.keys(tbl).sort()]));
}

// ─── numbers, money and dates ────────────────────────────────────────────────────────

const formatters = new Map();
function formatter(kind, options) {
  const key = `${current}|${kind}|${JSON.stringify(options)}`;
  let f = formatters.get(key);
  if (!f) {
    f = kind === "number" ? new Intl.NumberFormat(current, options) : new Intl.DateTimeFormat(current, options);
    formatters.set(key, f);
  }
  return f;
}

/** `42.00 CAD` → `$42.00` (en-CA) or `42,00 $` (fr-CA); exact (the amount is a decimal string). */
export function formatMoney(amount, currency) {
  if (amount === undefined || amount === null || amount === "") return "";
  if (!currency) return formatNumber(amount);
  try {
    return formatter("number", { style: "currency", currency }).format(String(amount));
  } catch {
    return `${amount} ${currency}`;
  }
}

export function formatNumber(value, options = {}) {
  try {
    return formatter("number", options).format(typeof value === "string" ? value : Number(value));
  } catch {
    return String(value);
  }
}

/** `2026-12-31` → `Dec. 31, 2026` or `31 déc. 2026`. */
export function formatDate(date) {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date ?? "");
  if (!m) return date ?? "";
  return formatter("date", { dateStyle: "medium", timeZone: "UTC" }).format(new Date(Date.UTC(+m[1], +m[2] - 1, +m[3])));
}

/** An RFC 3339 instant, in the page's time zone: `Nov. 23, 2026, 9:00 a.m.`. */
export function formatDateTime(instant) {
  const time = Date.parse(instant ?? "");
  if (!Number.isFinite(time)) return instant ?? "";
  return formatter("date", { dateStyle: "medium", timeStyle: "short" }).format(new Date(time));
}

// ─── the static text of the pages ────────────────────────────────────────────────────

/**
 * Translates the page's static text: `data-i18n="key"` sets an element's text,
 * `data-i18n-attr="title=key;aria-label=key"` its attributes.
 */
export function translatePage(root) {
  for (const el of root.querySelectorAll("[data-i18n]")) el.textContent = t(el.dataset.i18n);
  for (const el of root.querySelectorAll("[data-i18n-attr]")) {
    for (const pair of el.dataset.i18nAttr.split(";")) {
      const [attr, key] = pair.split("=").map((s) => s.trim());
      if (attr && key) el.setAttribute(attr, t(key));
    }
  }
  if (root.documentElement) root.documentElement.lang = current;
  const title = root.querySelector?.("meta[name=procura-title]")?.content;
  if (title) root.title = t(title);
}

/** Fills a language `<select>` and keeps it and the page's language in step. */
export function languageSwitch(select) {
  select.replaceChildren(...LOCALES.map((l) => {
    const option = select.ownerDocument.createElement("option");
    option.value = l.id;
    option.textContent = l.label;
    option.lang = l.id;
    return option;
  }));
  select.value = current;
  select.addEventListener("change", () => setLocale(select.value));
  onLocaleChange((id) => {
    select.value = id;
  });
  document.documentElement.lang = current;
  translatePage(document);
}
