//! The canonical formatter: it is a fixpoint, it never changes meaning, it keeps every
//! comment, and it lays policies out exactly as `examples/maple.procura` does.
//!
//! "Meaning" is the parsed tree printed with `{:#?}` with every span left out, so two
//! sources mean the same when they parse to the same tree; comments compare by text.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::path::PathBuf;

use crate::syntax::ast::Policy;
use proptest::prelude::*;

// ─── helpers ─────────────────────────────────────────────────────────────────────────

fn parse(source: &str) -> Result<Policy, String> {
    crate::syntax::parse(source)
        .map_err(|reports| format!("does not parse: {reports:#?}\n--- source ---\n{source}"))
}

/// Formats source that must parse.
fn fmt(source: &str) -> String {
    let policy = parse(source).unwrap_or_else(|e| panic!("{e}"));
    crate::syntax::fmt::print(&policy, source)
}

/// The tree printed without spans: `Span { start: N, end: N }` values and the `span: …`
/// fields they leave behind are removed.
fn strip_spans(debug: &str) -> String {
    let mut out = String::with_capacity(debug.len());
    let mut rest = debug;
    // `{:#?}` prints a span as `Span {\n start: N,\n end: N,\n }`; a newline never occurs
    // inside a printed string, so this cannot match text inside a string value.
    while let Some(at) = rest.find("Span {\n") {
        out.push_str(&rest[..at]);
        let after = &rest[at..];
        let close = after.find('}').expect("a span closes");
        rest = &after[close + 1..];
    }
    out.push_str(rest);
    out.lines()
        .filter(|line| {
            let line = line.trim();
            line != "," && !line.ends_with("span: ,")
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn meaning(policy: &Policy) -> String {
    strip_spans(&format!("{policy:#?}"))
}

/// Checks that formatting `source` is a fixpoint, keeps its meaning and comments, and is
/// laid out cleanly; returns the formatted text.
fn check(source: &str) -> Result<String, String> {
    let before = parse(source)?;
    let once = crate::syntax::fmt::print(&before, source);
    let after = parse(&once).map_err(|e| format!("formatted text {e}"))?;
    if meaning(&before) != meaning(&after) {
        return Err(format!(
            "formatting changed the meaning\n--- source ---\n{source}\n--- formatted ---\n{once}\n\
             --- tree before ---\n{}\n--- tree after ---\n{}",
            meaning(&before),
            meaning(&after)
        ));
    }
    let twice = crate::syntax::fmt::print(&after, &once);
    if once != twice {
        return Err(format!(
            "formatting is not a fixpoint\n--- source ---\n{source}\n--- once ---\n{once}\n\
             --- twice ---\n{twice}"
        ));
    }
    if !once.ends_with('\n') || once.ends_with("\n\n") {
        return Err(format!(
            "output must end with exactly one newline:\n{once:?}"
        ));
    }
    if let Some(line) = once.lines().find(|l| l.ends_with([' ', '\t'])) {
        return Err(format!("trailing whitespace on {line:?}\n{once}"));
    }
    if once.contains("\n\n\n") {
        return Err(format!("more than one blank line in a row:\n{once}"));
    }
    Ok(once)
}

#[track_caller]
fn assert_stable(source: &str) -> String {
    check(source).unwrap_or_else(|e| panic!("{e}"))
}

/// `source` is already canonical: formatting leaves it byte for byte as it is.
#[track_caller]
fn assert_canonical(source: &str) {
    let formatted = assert_stable(source);
    assert_eq!(
        formatted, source,
        "\n--- expected ---\n{source}\n--- formatted ---\n{formatted}"
    );
}

fn examples() -> Vec<(PathBuf, String)> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("examples");
    let mut found: Vec<(PathBuf, String)> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "procura"))
        .map(|path| {
            let text = std::fs::read_to_string(&path).unwrap();
            (path, text)
        })
        .collect();
    found.sort();
    found
}

// ─── examples ────────────────────────────────────────────────────────────────────────

#[test]
fn every_example_formats_stably_and_keeps_its_meaning() {
    let examples = examples();
    assert!(!examples.is_empty(), "no examples/*.procura");
    for (path, source) in &examples {
        if let Err(e) = check(source) {
            panic!("{}: {e}", path.display());
        }
    }
}

#[test]
fn maple_is_the_reference_layout() {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("examples/maple.procura");
    let source = std::fs::read_to_string(path).unwrap();
    assert_canonical(&source);
}

#[test]
fn library_format_reports_syntax_errors_with_lines() {
    let diagnostics = crate::format("policy \"x\" {\n  currency\n}\n").unwrap_err();
    assert!(!diagnostics.is_empty());
    assert!(diagnostics.iter().all(|d| d.is_error()));
    assert_eq!(diagnostics[0].code, "P0005");
    assert!(diagnostics[0].span.line >= 2);
    let formatted = crate::format("policy \"x\" {currency CAD}").unwrap();
    assert_eq!(formatted, "policy \"x\" {\n  currency CAD\n}\n");
}

// ─── every construct, written canonically ────────────────────────────────────────────

#[test]
fn header_with_every_setting() {
    assert_canonical(
        r#"policy "Every setting" {
  currency CAD
  rounding half_up
  tier premium
  locale fr-CA
  blocked_line drops_line
  approval_hold 48 hours
  reapprove_on any_increase
}
"#,
    );
    assert_canonical(
        r#"policy "Other values" {
  currency EUR
  rounding half_down
  tier standard
  locale de
  blocked_line blocks_order
  approval_hold 1 hour
  reapprove_on threshold
}

policy "More values" {
  rounding up
  approval_hold 1 day
}

policy "Still more" {
  rounding down
  approval_hold 2 weeks
}

policy "Last" {
  rounding half_even
  approval_hold 1 week
}
"#,
    );
    assert_canonical("policy \"Empty\" {}\n");
}

#[test]
fn people_declarations() {
    assert_canonical(
        r#"actions approve_capex, view_contracts
actions manage_budgets

role buyer { can view_reports }
role buyer_plus extends buyer { can manage_budgets, approve_capex }

group district "Maple District" {
  group schools {
    group north "North"
    group south
    group east {}
  }
  group it "IT"
}

group solo

group empty {}

category laptops = "electronics/computers/laptops" "Laptops"
category paper = "office/paper"
"#,
    );
}

#[test]
fn rules() {
    assert_canonical(
        r#"rule no_alcohol "No alcohol" {
  block lines in category alcohol, "food/wine"
  for all except events, staff_room
  message "Alcohol cannot be bought"
    fr "L'alcool ne peut pas être acheté"
    fr-CA "L'alcool ne peut pas être acheté au Québec"
}

rule bulk {
  warn lines where line.quantity > 100
  for schools and subgroups, it only, north
}

rule everything {
  restrict lines
  approve any of manager
}

rule sized {
  restrict lines in category laptops where line.unit_price >= 2000.00 CAD
  for district
  approve level 2: 2 of role finance in district, user "cfo@x.example", manager
  message "Two approvals are needed"
}

rule personal_cards {
  block order when order.payment_method == "personal_card"
}
"#,
    );
}

#[test]
fn preferences() {
    assert_canonical(
        r#"prefer district_paper "District copier paper" {
  in category copier_paper, "office/paper"
  for schools
  products "B00PAPER01" at 42.00 CAD, "B00PAPER02", "B00PAPER03" at 1000.5 CAD
  suppliers "Grand & Toy", "Staples"
  message "Preferred by the district"
    fr "Recommandé par le district"
  otherwise restrict approve level 1: any of role procurement in district
    "Please choose the preferred paper"
      fr "Veuillez choisir le papier recommandé"
  when price >= 15% above "B00PAPER01": block "Far too expensive"
}

prefer bare {
  in category paper
  otherwise warn
}

prefer priced {
  in category paper
  otherwise warn "Choose the preferred paper"
    de "Bitte das bevorzugte Papier wählen"
  when price > 10.5% above "P1": restrict approve any of role procurement in order.group
}
"#,
    );
    for op in ["==", "!=", "<", "<=", ">", ">="] {
        assert_canonical(&format!(
            "prefer p {{\n  in category paper\n  otherwise warn\n  when price {op} 5% above \"P\": warn\n}}\n"
        ));
    }
}

#[test]
fn approvals() {
    assert_canonical(
        r#"approval large_orders "Large orders" {
  for district
  when order.subtotal >= 1000.00 CAD
  level 1: any of role principal in order.group fallback manager
  level 2 when order.subtotal >= 10000.00 CAD: all of user "cfo@maple.example", role finance in district escalate after 48 hours to user "ceo@maple.example"
  level 3: 2 of manager, management chain until limit covers order.total max 6, user "a@x" fallback user "b@x" escalate after 1 day to manager
  self approval not allowed
}

approval small {
  level 1: any of management chain until limit covers order.total
  self approval allowed when order.total < 250.00 CAD
}

approval anyone {
  level 1: any of manager
  self approval allowed
}
"#,
    );
}

#[test]
fn budgets() {
    assert_canonical(
        r#"budget north_supplies "North campus supplies" {
  for north
  monthly 20000.00 CAD
  over by at most 10%: restrict approve any of role procurement in district
    "The monthly supplies budget is nearly spent"
      fr "Le budget est presque épuisé"
  over by at most 25.5%: warn "Over by a quarter"
  over: block "The monthly supplies budget is spent"
    fr "Le budget mensuel de fournitures est épuisé"
}

budget per_person {
  for district per user
  quarterly 500 CAD
  in category laptops, "office/paper"
}

budget weekly_one {
  for it
  weekly 1.00 CAD
  over: restrict approve any of manager
}

budget yearly_one {
  for it
  yearly -5.00 EUR
}
"#,
    );
}

#[test]
fn order_checks() {
    assert_canonical(
        r#"split splitting "Split orders" {
  for district except it
  within 7 days
  same supplier, category
  when combined total >= 5000.00 EUR: restrict approve any of role finance in district
    "Split orders need approval"
      fr "Les commandes fractionnées doivent être approuvées"
}

split plain {
  within 1 week
  when combined subtotal > 100 CAD
}

split taxed {
  within 12 hours
  same category
  when combined tax != 0.00 CAD: block "No"
}

split shipped {
  within 1 hour
  when combined shipping < 5 CAD: warn
}

payment munich {
  for plant_munich
  allow invoice, card
  default invoice
  message "Pay by invoice or card"
    de "Per Rechnung oder Karte bezahlen"
}

payment open {
  allow card
}

ship_to japan {
  for japan
  allow "JP-TOKYO-1", "JP-OSAKA-2"
  message "Ship to a Japanese site"
}

ship_to anywhere {
  allow "HQ"
}

po_number munich_po {
  for plant_munich
  required prefix "45"
  message "PO numbers start with 45"
}

po_number any_po {
  required
}
"#,
    );
}

#[test]
fn custom_fields() {
    assert_canonical(
        r#"field project "Project" fr "Projet" {
  on order
  type text
  required
  pattern "P-##"
  for north, south only
  help "The project the order is charged to"
    fr "Le projet auquel la commande est imputée"
}

field spend_type {
  type one of "capex", "opex"
}

field gl_code "GL code" {
  on lines
  optional
}

field note {}
"#,
    );
    let messy = "field  project\n\"Project\"  fr \"Projet\"{type   text required\npattern \"P-##\" help \"Why\"}\ntest \"t\" { buyer \"a\" in north order  field project \"P-17\" line \"L1\" product \"P\" category \"c\" price 1.00 CAD qty 2  field gl_code \"6100\" expect allowed }";
    assert_eq!(
        fmt(messy),
        r#"field project "Project" fr "Projet" {
  type text
  required
  pattern "P-##"
  help "Why"
}

test "t" {
  buyer "a" in north
  order field project "P-17"
  line "L1" product "P" category "c" price 1.00 CAD qty 2 field gl_code "6100"
  expect allowed
}
"#
    );
}

#[test]
fn invoices() {
    assert_canonical(
        r#"invoice north_campus {
  for north
  template "North campus"
  bill to "North campus, 12 Lake Rd, Maple ON"
  send to "ap-north@maple.example", "it@maple.example"
  every month
  split by group, po_number
  terms net 30
  credits as credit_note
}

invoice per_order {
  template "T"
  bill to "B"
  send to "S"
  per order
  terms net 0
  credits as adjustment
}

invoice weekly {
  template "T"
  bill to "B"
  send to "S"
  every week
  terms net 15
  credits as listed
}

invoice weekly_from {
  template "T"
  bill to "B"
  send to "S"
  every week from 2026-01-05
  split by po_number
  terms net 60
}

invoice fortnightly {
  for district only
  template "T"
  bill to "B"
  send to "S"
  every 2 weeks from 2026-01-05
  terms net 45
}

invoice four_weekly {
  template "T"
  bill to "B"
  send to "S"
  every 4 weeks
  terms net 30
}
"#,
    );
}

#[test]
fn test_blocks() {
    assert_canonical(
        r#"test "everything a test can say" {
  user "ines@x" manager "bo@x" limit 500.00 CAD role principal in it role finance in district
  user "bo@x"
  user "al@x" limit 10 CAD
  buyer "tom@x" in it locale fr-CA
  order po "45-1" payment invoice ship_to "HQ" tax 13.00 CAD shipping 5.00 CAD currency CAD
  line "L1" product "B0LAPTOP" category "electronics/computers/laptops" supplier "Dell" price 1299.00 CAD qty 2
  line "L2" product "PAPER" category "office/paper" price 4.20 CAD
  spent north_supplies 19500.00 CAD
  spent south_supplies 0 CAD
  expect allowed
  expect approval_required
  expect blocked
  expect line "L1" allowed
  expect line "L1" preferred
  expect line "L1" warned
  expect line "L1" restricted
  expect line "L2" blocked
  expect levels 2
  expect approver "ines@x"
  expect total 2602.20 CAD
  expect invoice "North campus"
}

test "minimal" {
  buyer "a@x" in north
  expect allowed
}
"#,
    );
}

#[test]
fn strings_are_reescaped() {
    assert_canonical(
        r#"policy "Quote \" backslash \\ newline \n tab \t return \r done" {
  currency CAD
}

category quoted = "a/\"b\"" "« Guillemets » et émojis 🎉🙂 — 日本語"
"#,
    );
    // `\u{…}` escapes are written as the characters they stand for.
    let formatted = fmt(r#"category c = "caf\u{e9} \u{1F600} \u{2014}""#);
    assert_eq!(formatted, "category c = \"café 😀 —\"\n");
    // A control character other than newline, tab and return stays literal.
    let formatted = fmt("category c = \"bell\u{7}\"");
    assert_eq!(formatted, "category c = \"bell\u{7}\"\n");
    assert_stable("category c = \"bell\u{7}\"");
}

#[test]
fn money_keeps_its_scale_and_numbers_lose_underscores() {
    let formatted = fmt("budget b { for x monthly 1_000.00   CAD }");
    assert_eq!(formatted, "budget b {\n  for x\n  monthly 1000.00 CAD\n}\n");
    let formatted = fmt("rule r { block order when order.total > 1_000.5000 CAD and x.y == 0.10 }");
    assert!(
        formatted.contains("when order.total > 1000.5000 CAD and x.y == 0.10\n"),
        "{formatted}"
    );
}

// ─── expressions ─────────────────────────────────────────────────────────────────────

/// Formats `expr` as a rule condition and returns the condition as printed.
fn fmt_expr(expr: &str) -> String {
    let source = format!("rule r {{ block order when {expr} }}");
    let formatted = assert_stable(&source);
    let line = formatted.lines().nth(1).unwrap();
    line.strip_prefix("  block order when ").unwrap().to_owned()
}

#[test]
fn expressions_get_the_fewest_parentheses() {
    let cases = [
        // Precedence: needed parentheses stay, others go.
        ("a.b + c.d * e.f", "a.b + c.d * e.f"),
        ("a.b + (c.d * e.f)", "a.b + c.d * e.f"),
        ("(a.b + c.d) * e.f", "(a.b + c.d) * e.f"),
        ("((((a.b))))", "a.b"),
        ("(a.b) == (c.d)", "a.b == c.d"),
        // Left associativity: a right operand of equal precedence keeps its parentheses.
        ("(a.b - c.d) - e.f", "a.b - c.d - e.f"),
        ("a.b - (c.d - e.f)", "a.b - (c.d - e.f)"),
        ("a.b - (c.d + e.f)", "a.b - (c.d + e.f)"),
        ("a.b + (c.d - e.f)", "a.b + (c.d - e.f)"),
        ("a.b * (c.d * e.f)", "a.b * (c.d * e.f)"),
        ("(a.b * c.d) of e.f", "a.b * c.d of e.f"),
        ("a.b * (15% of e.f)", "a.b * (15% of e.f)"),
        ("15% of order.subtotal", "15% of order.subtotal"),
        ("a.b or (c.d or e.f)", "a.b or (c.d or e.f)"),
        ("(a.b or c.d) or e.f", "a.b or c.d or e.f"),
        ("a.b or c.d and e.f", "a.b or c.d and e.f"),
        ("(a.b or c.d) and e.f", "(a.b or c.d) and e.f"),
        ("a.b and (c.d or e.f)", "a.b and (c.d or e.f)"),
        (
            "a.b > 1 and c.d < 2 or e.f >= 3",
            "a.b > 1 and c.d < 2 or e.f >= 3",
        ),
        // Comparisons do not chain: nested ones keep parentheses on either side.
        ("a.b == c.d == e.f", "(a.b == c.d) == e.f"),
        ("(a.b == c.d) == e.f", "(a.b == c.d) == e.f"),
        ("a.b == (c.d != e.f)", "a.b == (c.d != e.f)"),
        ("(a.b in [1, 2]) == true", "(a.b in [1, 2]) == true"),
        (
            "a.b starts_with \"x\" != (c.d ends_with \"y\")",
            "(a.b starts_with \"x\") != (c.d ends_with \"y\")",
        ),
        ("a.b + 1 <= c.d * 2", "a.b + 1 <= c.d * 2"),
        // `not` binds looser than comparisons and tighter than `and`.
        ("not a.b", "not a.b"),
        ("not a.b and c.d", "not a.b and c.d"),
        ("not (a.b and c.d)", "not (a.b and c.d)"),
        ("not (a.b or c.d)", "not (a.b or c.d)"),
        ("not a.b == c.d", "not a.b == c.d"),
        ("not (a.b == c.d)", "not a.b == c.d"),
        ("(not a.b) == c.d", "(not a.b) == c.d"),
        ("a.b == not c.d", "a.b == (not c.d)"),
        ("a.b * not c.d + e.f", "a.b * (not c.d + e.f)"),
        ("a.b + (not c.d)", "a.b + (not c.d)"),
        ("a.b and not c.d", "a.b and not c.d"),
        ("a.b or not c.d and e.f", "a.b or not c.d and e.f"),
        ("not not a.b", "not not a.b"),
        ("not -a.b", "not -a.b"),
        // Negation binds tightest.
        ("-a.b * c.d", "-a.b * c.d"),
        ("-(a.b * c.d)", "-(a.b * c.d)"),
        ("- - a.b", "--a.b"),
        ("-(-a.b)", "--a.b"),
        ("-(not a.b)", "-(not a.b)"),
        ("a.b - -5", "a.b - -5"),
        ("-5.00 CAD", "-5.00 CAD"),
        ("-(a.b) + -(1)", "-a.b + -1"),
        // Literals, lists, aggregates, sets.
        (
            "[1, 2.50, \"x\", true, false, 5.00 CAD, 10%, [], [a.b]]",
            "[1, 2.50, \"x\", true, false, 5.00 CAD, 10%, [], [a.b]]",
        ),
        ("[ ]", "[]"),
        (
            "sum(lines in category laptops, \"a/b\" where line.quantity > 2) >= 1000.00 CAD",
            "sum(lines in category laptops, \"a/b\" where line.quantity > 2) >= 1000.00 CAD",
        ),
        ("count(lines) > 3", "count(lines) > 3"),
        (
            "any(lines where (line.price > 5 CAD))",
            "any(lines where line.price > 5 CAD)",
        ),
        ("all(lines in category a)", "all(lines in category a)"),
        (
            "line.category in category \"a/b\", laptops",
            "line.category in category \"a/b\", laptops",
        ),
        (
            "line.category in (category \"a/b\", laptops)",
            "line.category in category \"a/b\", laptops",
        ),
        (
            "order.group in group north, south and x.y",
            "order.group in group north, south and x.y",
        ),
        ("(category a) in x.y", "category a in x.y"),
        // A set that a comma follows keeps (or gets) its parentheses.
        ("[(category a), b.c]", "[(category a), b.c]"),
        (
            "[(group a, b), (category \"c\")]",
            "[(group a, b), category \"c\"]",
        ),
        ("[x.y in (category a), 1]", "[x.y in (category a), 1]"),
        ("[x.y in category a]", "[x.y in category a]"),
        ("[x.y in category a, b]", "[x.y in category a, b]"),
        (
            "[x.y in (category a, b), [category c]]",
            "[x.y in (category a, b), [category c]]",
        ),
        ("[not (category a), 1]", "[not (category a), 1]"),
        (
            "[x.y in (category a) == true, 1]",
            "[(x.y in category a) == true, 1]",
        ),
        (
            "[sum(lines where x.y in category a), 1]",
            "[sum(lines where x.y in category a), 1]",
        ),
        (
            "[(x.y in category a) + 1, 1]",
            "[(x.y in category a) + 1, 1]",
        ),
        ("[x.y + (category a), 1]", "[x.y + (category a), 1]"),
    ];
    let mut failures = Vec::new();
    for (input, expected) in cases {
        let printed = fmt_expr(input);
        if printed != expected {
            failures.push(format!(
                "{input}\n  expected {expected}\n  printed  {printed}"
            ));
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

#[test]
fn a_set_before_another_approver_is_bracketed() {
    assert_canonical(
        r#"approval chains {
  level 1: any of management chain until limit covers x.y in (category a), user "u@x"
  level 2: any of user "u@x", management chain until limit covers x.y in category a
  level 3: any of management chain until limit covers x.y in category a max 3, manager
}
"#,
    );
}

// ─── comments ────────────────────────────────────────────────────────────────────────

#[test]
fn comments_in_every_position_are_kept_in_order() {
    assert_canonical(
        r#"// The file starts with a comment.
// And another.
policy "Commented" {
  // before a setting
  currency CAD
  // after the last setting
}

// before a declaration
actions a
// between adjacent declarations
actions b

group district {
  // before a group
  group north {
    // inside an otherwise empty group
  }
  group south
  // after the last group
}

rule r {
  // before the effect
  block lines
  // before the scope
  for all
  // before approve
  approve any of manager
  // before the message
  message "m"
  // before the closing brace
}

approval a {
  // before the condition
  when x.y > 1
  // before a level
  level 1: any of manager
  // before self approval
  self approval not allowed
}

budget b {
  // before for
  for x
  // before the amount
  monthly 1 CAD
  // before categories
  in category c
  // before a band
  over: block
}

po_number p {
  // before required
  required
}

test "t" {
  // before a user
  user "u"
  // before the buyer
  buyer "b" in x
  // before the order
  order po "1"
  // before a line
  line "L" product "P" category "c" price 1 CAD
  // before spent
  spent b 1 CAD
  // before an expectation
  expect allowed
}

// At the end of the file.
// Really the end.
"#,
    );
}

#[test]
fn comments_inside_blocks_of_every_kind() {
    assert_canonical(
        r#"prefer p {
  // before categories
  in category c
  // before the scope
  for all
  // before products
  products "P"
  // before suppliers
  suppliers "S"
  // before otherwise
  otherwise warn
  // before the price rule
  when price > 5% above "P": warn
}

split s {
  // before within
  within 1 day
  // before same
  same supplier
  // before when
  when combined total > 1 CAD
}

payment pay {
  // before allow
  allow card
  // before default
  default card
  // before the message
  message "m"
}

ship_to st {
  // before allow
  allow "A"
}

invoice i {
  // before template
  template "T"
  // before bill to
  bill to "B"
  // before send to
  send to "S"
  // before the cadence
  every month
  // before split by
  split by group
  // before terms
  terms net 30
  // before credits
  credits as listed
}

policy "Empty" {
  // only a comment
}
"#,
    );
}

#[test]
fn trailing_and_inner_comments_move_to_their_own_line() {
    let source = r#"policy "x" { currency CAD // trailing after a setting
}
group g { group a // trailing after a group
  group b }
rule r { block lines where a.b > // inside an expression
  1 message "m" // inside a message
    fr "f" }
role r1 { can a } // after a one-line declaration
role r2 { // inside a one-line declaration
  can b }
po_number p { for x // after the scope
required }
category c = "c" // the very last thing"#;
    let expected = r#"policy "x" {
  currency CAD
  // trailing after a setting
}

group g {
  group a
  // trailing after a group
  group b
}

rule r {
  block lines where a.b > 1
  // inside an expression
  message "m"
    fr "f"
  // inside a message
}

role r1 { can a }
// after a one-line declaration
role r2 { can b }

// inside a one-line declaration
po_number p {
  for x
  // after the scope
  required
}

category c = "c"

// the very last thing
"#;
    assert_eq!(assert_stable(source), expected);
}

#[test]
fn comment_text_is_kept_as_written() {
    let source = "// «ünïcödé» 🎉 \"quoted\" { braces } // twice\t\n//\n//no space\ngroup g\n";
    let formatted = assert_stable(source);
    assert_eq!(
        formatted,
        "// «ünïcödé» 🎉 \"quoted\" { braces } // twice\n//\n//no space\ngroup g\n"
    );
    // A `//` inside a string is not a comment.
    assert_canonical("category c = \"http://example.com\"\n");
    assert!(parse("category c = \"http://example.com\"")
        .unwrap()
        .comments
        .is_empty());
}

#[test]
fn only_comments_or_nothing() {
    assert_eq!(assert_stable(""), "\n");
    assert_eq!(assert_stable("\n\n  \n"), "\n");
    assert_eq!(
        assert_stable("  // one\n\n\n   // two  "),
        "// one\n// two\n"
    );
}

/// A brace-less group followed by a comment that ends in `}` stays brace-less: the
/// lowering looks for a `{` after the name, not at the end of the group's span.
#[test]
fn comment_ending_in_brace_after_group_keeps_it_braceless() {
    let policy = parse(
        "group a
// ends with }
group b {
  group c // }
}
",
    )
    .unwrap();
    let crate::syntax::ast::Declaration::Group(a) = &policy.declarations[0] else {
        panic!()
    };
    assert_eq!(a.children, None, "`group a` has no braces");
    let crate::syntax::ast::Declaration::Group(b) = &policy.declarations[1] else {
        panic!()
    };
    assert_eq!(
        b.children.as_ref().unwrap()[0].children,
        None,
        "`group c` has no braces"
    );
    assert_stable("group n {\n  group k\n  // { braces }\n}\n");
}

// ─── golden ──────────────────────────────────────────────────────────────────────────

#[test]
fn golden_badly_laid_out_policy() {
    let source = r#"   // Header first.
policy    "Golden"{currency   CAD rounding
half_even approval_hold 7   days}
role a{can x,y}   role b extends a {
can z
}
category c1="a/b""A B"
category c2 = "c/d"
group top "Top"{group mid{group leaf "Leaf" group leaf2{}}}
rule r "R" {restrict lines in category c1,"x/y" where (line.quantity>10) and not(line.price<=5.00 CAD) for top only,mid and   subgroups except leaf approve level 2 : 2 of role a in order.group,user "u@x" message "Too many"fr"Trop"}
prefer p{in category c1 otherwise restrict approve any of manager "Pick another"de "Anders" when price>15%above "P1":warn}
approval ap{for all when(order.subtotal)>=(1000.00 CAD) level 1:any of manager fallback user "f@x" escalate after 2 days to role a in top
level 2 when -order.subtotal*2<x.y:all of management chain until limit covers((order.total))max 4 self approval allowed when order.total < 10 CAD}
budget bu{for mid per   user yearly 5 EUR over by at most 5%:warn"Close"over:block}
split sp{within 1 days same supplier when combined total>=1 CAD}
invoice inv{template"T"bill to"B"send to"S1","S2"every 1 weeks from 2026-01-05 terms net 30}
test "T"{buyer"b@x"in top expect levels 1} // done
"#;
    let expected = r#"// Header first.
policy "Golden" {
  currency CAD
  rounding half_even
  approval_hold 7 days
}

role a { can x, y }
role b extends a { can z }

category c1 = "a/b" "A B"
category c2 = "c/d"

group top "Top" {
  group mid {
    group leaf "Leaf"
    group leaf2 {}
  }
}

rule r "R" {
  restrict lines in category c1, "x/y" where line.quantity > 10 and not line.price <= 5.00 CAD
  for top only, mid and subgroups except leaf
  approve level 2: 2 of role a in order.group, user "u@x"
  message "Too many"
    fr "Trop"
}

prefer p {
  in category c1
  otherwise restrict approve any of manager
    "Pick another"
      de "Anders"
  when price > 15% above "P1": warn
}

approval ap {
  for all
  when order.subtotal >= 1000.00 CAD
  level 1: any of manager fallback user "f@x" escalate after 2 days to role a in top
  level 2 when -order.subtotal * 2 < x.y: all of management chain until limit covers order.total max 4
  self approval allowed when order.total < 10 CAD
}

budget bu {
  for mid per user
  yearly 5 EUR
  over by at most 5%: warn "Close"
  over: block
}

split sp {
  within 1 day
  same supplier
  when combined total >= 1 CAD
}

invoice inv {
  template "T"
  bill to "B"
  send to "S1", "S2"
  every week from 2026-01-05
  terms net 30
}

test "T" {
  buyer "b@x" in top
  expect levels 1
}

// done
"#;
    let formatted = assert_stable(source);
    assert_eq!(formatted, expected, "\n--- formatted ---\n{formatted}");
}

// ─── properties ──────────────────────────────────────────────────────────────────────

/// Strategies that build policy *source text* as tokens, to be joined by random blanks
/// and comments.
mod generate {
    use proptest::prelude::*;
    use proptest::sample::select;

    pub type Tokens = Vec<String>;

    /// Every word of the grammar: generated names avoid them so that the source parses.
    const KEYWORDS: &[&str] = &[
        "policy",
        "currency",
        "rounding",
        "half_even",
        "half_up",
        "half_down",
        "up",
        "down",
        "tier",
        "standard",
        "plus",
        "premium",
        "locale",
        "blocked_line",
        "blocks_order",
        "drops_line",
        "approval_hold",
        "reapprove_on",
        "any_increase",
        "threshold",
        "actions",
        "role",
        "extends",
        "can",
        "group",
        "category",
        "for",
        "all",
        "only",
        "and",
        "subgroups",
        "except",
        "rule",
        "block",
        "restrict",
        "warn",
        "lines",
        "in",
        "where",
        "order",
        "when",
        "prefer",
        "products",
        "at",
        "suppliers",
        "otherwise",
        "price",
        "above",
        "message",
        "approval",
        "level",
        "approve",
        "any",
        "of",
        "user",
        "management",
        "chain",
        "until",
        "limit",
        "covers",
        "max",
        "manager",
        "fallback",
        "escalate",
        "after",
        "to",
        "self",
        "allowed",
        "not",
        "budget",
        "per",
        "weekly",
        "monthly",
        "quarterly",
        "yearly",
        "over",
        "by",
        "most",
        "split",
        "within",
        "same",
        "combined",
        "supplier",
        "subtotal",
        "total",
        "tax",
        "shipping",
        "payment",
        "allow",
        "default",
        "ship_to",
        "po_number",
        "required",
        "prefix",
        "invoice",
        "template",
        "bill",
        "send",
        "every",
        "month",
        "week",
        "weeks",
        "from",
        "credits",
        "as",
        "credit_note",
        "adjustment",
        "listed",
        "terms",
        "net",
        "test",
        "buyer",
        "line",
        "product",
        "qty",
        "spent",
        "expect",
        "approval_required",
        "blocked",
        "levels",
        "approver",
        "preferred",
        "warned",
        "restricted",
        "sum",
        "count",
        "true",
        "false",
        "or",
        "starts_with",
        "date",
        "money",
        "number",
        "text",
        "optional",
        "help",
        "pattern",
        "one",
        "type",
        "on",
        "field",
        "ends_with",
        "hour",
        "hours",
        "day",
        "days",
    ];

    fn t(s: &str) -> String {
        s.to_owned()
    }

    fn cat(parts: Vec<Tokens>) -> Tokens {
        parts.into_iter().flatten().collect()
    }

    fn opt(part: Option<Tokens>) -> Tokens {
        part.unwrap_or_default()
    }

    /// `a, b, c` from items.
    fn comma_list(items: Vec<Tokens>) -> Tokens {
        let mut out = Vec::new();
        for (i, item) in items.into_iter().enumerate() {
            if i > 0 {
                out.push(t(","));
            }
            out.extend(item);
        }
        out
    }

    pub fn name() -> impl Strategy<Value = String> {
        "[a-z][a-z0-9_]{0,6}".prop_filter("a keyword", |s| !KEYWORDS.contains(&s.as_str()))
    }

    fn names(max: usize) -> impl Strategy<Value = Tokens> {
        prop::collection::vec(name(), 1..=max)
            .prop_map(|names| comma_list(names.into_iter().map(|n| vec![n]).collect()))
    }

    /// A string literal as written, with escapes chosen at random.
    pub fn string() -> impl Strategy<Value = String> {
        let piece = prop_oneof![
            6 => "[a-zA-Z0-9 ./@&-]{1,6}".prop_map(|s| s),
            1 => Just("\\\"".to_owned()),
            1 => Just("\\\\".to_owned()),
            1 => Just("\\n".to_owned()),
            1 => Just("\\t".to_owned()),
            1 => Just("\\r".to_owned()),
            1 => select(vec!["\\u{e9}", "\\u{1F600}", "\\u{AB}", "\\u{0}"]).prop_map(t),
            2 => select(vec!["«", "»", "é", "🎉", "日本", "—", "//", "{", "}", "'"]).prop_map(t),
        ];
        prop::collection::vec(piece, 0..4).prop_map(|pieces| format!("\"{}\"", pieces.concat()))
    }

    fn strings(max: usize) -> impl Strategy<Value = Tokens> {
        prop::collection::vec(string(), 1..=max)
            .prop_map(|items| comma_list(items.into_iter().map(|s| vec![s]).collect()))
    }

    fn number() -> impl Strategy<Value = String> {
        prop_oneof![
            "[0-9]{1,4}",
            "[0-9]{1,4}\\.[0-9]{1,3}",
            Just("1_000".to_owned()),
            Just("12_345.50".to_owned()),
        ]
    }

    fn integer() -> impl Strategy<Value = String> {
        "[0-9]{1,3}"
    }

    /// Money as one token: the grammar allows only spaces inside it.
    pub fn money() -> impl Strategy<Value = String> {
        (
            number(),
            select(vec![" ", "  "]),
            select(vec!["CAD", "EUR", "USD", "JPY"]),
        )
            .prop_map(|(n, gap, c)| format!("{n}{gap}{c}"))
    }

    /// Money outside expressions, where a sign is part of the number.
    fn signed_money() -> impl Strategy<Value = String> {
        (any::<bool>(), money()).prop_map(|(neg, m)| if neg { format!("-{m}") } else { m })
    }

    fn percent() -> impl Strategy<Value = String> {
        number().prop_map(|n| format!("{n}%"))
    }

    fn duration() -> impl Strategy<Value = String> {
        (
            integer(),
            select(vec!["hour", "hours", "day", "days", "week", "weeks"]),
        )
            .prop_map(|(n, unit)| format!("{n} {unit}"))
    }

    fn locale() -> impl Strategy<Value = String> {
        select(vec!["fr", "de", "fr-CA", "es-419", "ja", "pt-BR"]).prop_map(t)
    }

    fn text() -> impl Strategy<Value = Tokens> {
        (string(), prop::collection::vec((locale(), string()), 0..3)).prop_map(|(s, trs)| {
            let mut out = vec![s];
            for (l, s) in trs {
                out.push(l);
                out.push(s);
            }
            out
        })
    }

    fn message() -> impl Strategy<Value = Tokens> {
        text().prop_map(|text| cat(vec![vec![t("message")], text]))
    }

    fn category_ref() -> impl Strategy<Value = String> {
        prop_oneof![name(), string()]
    }

    fn category_list() -> impl Strategy<Value = Tokens> {
        prop::collection::vec(category_ref(), 1..4)
            .prop_map(|items| comma_list(items.into_iter().map(|s| vec![s]).collect()))
    }

    fn path() -> impl Strategy<Value = String> {
        let root = prop_oneof![
            select(vec!["order", "line", "buyer", "context"]).prop_map(t),
            name()
        ];
        (root, prop::collection::vec(name(), 1..3))
            .prop_map(|(root, rest)| format!("{root}.{}", rest.join(".")))
    }

    pub fn expr() -> impl Strategy<Value = Tokens> {
        let leaf = prop_oneof![
            3 => path().prop_map(|p| vec![p]),
            2 => money().prop_map(|m| vec![m]),
            1 => percent().prop_map(|p| vec![p]),
            2 => number().prop_map(|n| vec![n]),
            1 => string().prop_map(|s| vec![s]),
            1 => select(vec!["true", "false"]).prop_map(|b| vec![t(b)]),
            1 => Just(vec![t("count"), t("("), t("lines"), t(")")]),
            // Sets are bracketed here: a bare set before a comma would swallow what follows.
            1 => category_list().prop_map(|l| cat(vec![vec![t("("), t("category")], l, vec![t(")")]])),
            1 => names(3).prop_map(|l| cat(vec![vec![t("("), t("group")], l, vec![t(")")]])),
        ];
        leaf.prop_recursive(4, 48, 4, |inner| {
            let op = select(vec![
                "or",
                "and",
                "==",
                "!=",
                "<",
                "<=",
                ">",
                ">=",
                "in",
                "starts_with",
                "ends_with",
                "+",
                "-",
                "*",
                "of",
            ]);
            prop_oneof![
                6 => (inner.clone(), op, inner.clone())
                    .prop_map(|(l, op, r)| cat(vec![l, vec![t(op)], r])),
                2 => (select(vec!["not", "-"]), inner.clone())
                    .prop_map(|(op, x)| cat(vec![vec![t(op)], x])),
                2 => inner.clone().prop_map(|x| cat(vec![vec![t("(")], x, vec![t(")")]])),
                1 => prop::collection::vec(inner.clone(), 0..3).prop_map(|items| {
                    cat(vec![vec![t("[")], comma_list(items), vec![t("]")]])
                }),
                1 => (
                    select(vec!["sum", "count", "any", "all"]),
                    proptest::option::of(category_list()),
                    proptest::option::of(inner.clone()),
                )
                    .prop_map(|(f, cats, cond)| {
                        cat(vec![
                            vec![t(f), t("("), t("lines")],
                            opt(cats.map(|c| cat(vec![vec![t("in"), t("category")], c]))),
                            opt(cond.map(|c| cat(vec![vec![t("where")], c]))),
                            vec![t(")")],
                        ])
                    }),
            ]
        })
    }

    fn scope() -> impl Strategy<Value = Tokens> {
        let target = prop_oneof![
            1 => Just(vec![t("all")]),
            4 => (name(), select(vec!["", "only", "and subgroups", "and \n subgroups"])).prop_map(
                |(n, mode)| if mode.is_empty() { vec![n] } else { vec![n, t(mode)] }
            ),
        ];
        (
            prop::collection::vec(target, 1..4),
            proptest::option::of(names(3)),
        )
            .prop_map(|(targets, except)| {
                cat(vec![
                    vec![t("for")],
                    comma_list(targets),
                    opt(except.map(|e| cat(vec![vec![t("except")], e]))),
                ])
            })
    }

    fn approver() -> impl Strategy<Value = Tokens> {
        prop_oneof![
            string().prop_map(|s| vec![t("user"), s]),
            (name(), prop_oneof![name(), Just(t("order.group"))]).prop_map(|(r, g)| vec![
                t("role"),
                r,
                t("in"),
                g
            ]),
            Just(vec![t("manager")]),
            (expr(), proptest::option::of(integer())).prop_map(|(e, max)| {
                cat(vec![
                    vec![
                        t("management"),
                        t("chain"),
                        t("until"),
                        t("limit"),
                        t("covers"),
                    ],
                    e,
                    opt(max.map(|m| vec![t("max"), m])),
                ])
            }),
        ]
    }

    fn approver_set() -> impl Strategy<Value = Tokens> {
        let quorum = prop_oneof![
            Just(vec![t("any"), t("of")]),
            Just(vec![t("all"), t("of")]),
            integer().prop_map(|n| vec![n, t("of")]),
        ];
        (quorum, prop::collection::vec(approver(), 1..4))
            .prop_map(|(q, approvers)| cat(vec![q, comma_list(approvers)]))
    }

    fn approve() -> impl Strategy<Value = Tokens> {
        (proptest::option::of(integer()), approver_set()).prop_map(|(level, set)| {
            cat(vec![
                vec![t("approve")],
                opt(level.map(|l| vec![t("level"), l, t(":")])),
                set,
            ])
        })
    }

    fn severity() -> impl Strategy<Value = String> {
        select(vec!["block", "restrict", "warn"]).prop_map(t)
    }

    fn action() -> impl Strategy<Value = Tokens> {
        (
            severity(),
            proptest::option::of(approve()),
            proptest::option::of(text()),
        )
            .prop_map(|(s, a, m)| cat(vec![vec![s], opt(a), opt(m)]))
    }

    fn compare() -> impl Strategy<Value = String> {
        select(vec!["==", "!=", "<", "<=", ">", ">="]).prop_map(t)
    }

    fn braced(head: Tokens, body: Tokens) -> Tokens {
        cat(vec![head, vec![t("{")], body, vec![t("}")]])
    }

    fn header() -> BoxedStrategy<Tokens> {
        let setting = prop_oneof![
            select(vec!["CAD", "EUR"]).prop_map(|c| vec![t("currency"), t(c)]),
            select(vec!["half_even", "half_up", "half_down", "up", "down"])
                .prop_map(|m| vec![t("rounding"), t(m)]),
            select(vec!["standard", "plus", "premium"]).prop_map(|m| vec![t("tier"), t(m)]),
            locale().prop_map(|l| vec![t("locale"), l]),
            select(vec!["blocks_order", "drops_line"]).prop_map(|m| vec![t("blocked_line"), t(m)]),
            duration().prop_map(|d| vec![t("approval_hold"), d]),
            select(vec!["any_increase", "threshold"]).prop_map(|m| vec![t("reapprove_on"), t(m)]),
        ];
        (string(), prop::collection::vec(setting, 0..5))
            .prop_map(|(n, settings)| braced(vec![t("policy"), n], cat(settings)))
            .boxed()
    }

    fn people() -> BoxedStrategy<Tokens> {
        let group =
            (name(), proptest::option::of(string()), 0..3u8).prop_map(|(n, title, braces)| {
                let mut out = vec![t("group"), n];
                out.extend(title);
                if braces == 0 {
                    out.extend([t("{"), t("}")]);
                }
                out
            });
        let group = group.prop_recursive(3, 12, 3, |inner| {
            (
                name(),
                proptest::option::of(string()),
                prop::collection::vec(inner, 0..3),
            )
                .prop_map(|(n, title, children)| {
                    let mut head = vec![t("group"), n];
                    head.extend(title);
                    braced(head, cat(children))
                })
        });
        prop_oneof![
            names(3).prop_map(|l| cat(vec![vec![t("actions")], l])),
            (name(), proptest::option::of(name()), names(3)).prop_map(|(n, base, can)| {
                let mut head = vec![t("role"), n];
                if let Some(base) = base {
                    head.extend([t("extends"), base]);
                }
                braced(head, cat(vec![vec![t("can")], can]))
            }),
            group,
            (name(), string(), proptest::option::of(string())).prop_map(|(n, id, title)| cat(
                vec![
                    vec![t("category"), n, t("="), id],
                    opt(title.map(|s| vec![s]))
                ]
            )),
        ]
        .boxed()
    }

    fn rule() -> BoxedStrategy<Tokens> {
        let target = prop_oneof![
            (
                proptest::option::of(category_list()),
                proptest::option::of(expr())
            )
                .prop_map(|(cats, cond)| {
                    cat(vec![
                        vec![t("lines")],
                        opt(cats.map(|c| cat(vec![vec![t("in"), t("category")], c]))),
                        opt(cond.map(|c| cat(vec![vec![t("where")], c]))),
                    ])
                }),
            expr().prop_map(|e| cat(vec![vec![t("order"), t("when")], e])),
        ];
        (
            name(),
            proptest::option::of(string()),
            severity(),
            target,
            proptest::option::of(scope()),
            proptest::option::of(approve()),
            proptest::option::of(message()),
        )
            .prop_map(|(n, title, sev, target, scope, approve, message)| {
                let mut head = vec![t("rule"), n];
                head.extend(title);
                braced(
                    head,
                    cat(vec![
                        vec![sev],
                        target,
                        opt(scope),
                        opt(approve),
                        opt(message),
                    ]),
                )
            })
            .boxed()
    }

    fn prefer() -> BoxedStrategy<Tokens> {
        let product = (string(), proptest::option::of(money()))
            .prop_map(|(id, price)| cat(vec![vec![id], opt(price.map(|p| vec![t("at"), p]))]));
        let price_rule = (compare(), percent(), string(), action()).prop_map(|(op, pct, r, a)| {
            cat(vec![
                vec![t("when"), t("price"), op, pct, t("above"), r, t(":")],
                a,
            ])
        });
        (
            (
                name(),
                proptest::option::of(string()),
                category_list(),
                proptest::option::of(scope()),
            ),
            proptest::option::of(prop::collection::vec(product, 1..3)),
            proptest::option::of(strings(2)),
            proptest::option::of(message()),
            action(),
            proptest::option::of(price_rule),
        )
            .prop_map(
                |((n, title, cats, scope), products, suppliers, message, otherwise, rule)| {
                    let mut head = vec![t("prefer"), n];
                    head.extend(title);
                    braced(
                        head,
                        cat(vec![
                            vec![t("in"), t("category")],
                            cats,
                            opt(scope),
                            opt(products.map(|p| cat(vec![vec![t("products")], comma_list(p)]))),
                            opt(suppliers.map(|s| cat(vec![vec![t("suppliers")], s]))),
                            opt(message),
                            vec![t("otherwise")],
                            otherwise,
                            opt(rule),
                        ]),
                    )
                },
            )
            .boxed()
    }

    fn approval() -> BoxedStrategy<Tokens> {
        let level = (
            integer(),
            proptest::option::of(expr()),
            approver_set(),
            proptest::option::of(approver()),
            proptest::option::of((duration(), approver())),
        )
            .prop_map(|(n, cond, set, fallback, escalate)| {
                cat(vec![
                    vec![t("level"), n],
                    opt(cond.map(|c| cat(vec![vec![t("when")], c]))),
                    vec![t(":")],
                    set,
                    opt(fallback.map(|f| cat(vec![vec![t("fallback")], f]))),
                    opt(escalate
                        .map(|(d, a)| cat(vec![vec![t("escalate"), t("after"), d, t("to")], a]))),
                ])
            });
        let self_approval = prop_oneof![
            Just(vec![t("self"), t("approval"), t("not"), t("allowed")]),
            proptest::option::of(expr()).prop_map(|condition| {
                cat(vec![
                    vec![t("self"), t("approval"), t("allowed")],
                    opt(condition.map(|c| cat(vec![vec![t("when")], c]))),
                ])
            }),
        ];
        (
            name(),
            proptest::option::of(string()),
            proptest::option::of(scope()),
            proptest::option::of(expr()),
            prop::collection::vec(level, 1..4),
            proptest::option::of(self_approval),
        )
            .prop_map(|(n, title, scope, cond, levels, sa)| {
                let mut head = vec![t("approval"), n];
                head.extend(title);
                braced(
                    head,
                    cat(vec![
                        opt(scope),
                        opt(cond.map(|c| cat(vec![vec![t("when")], c]))),
                        cat(levels),
                        opt(sa),
                    ]),
                )
            })
            .boxed()
    }

    fn budget() -> BoxedStrategy<Tokens> {
        let band = (proptest::option::of(percent()), action()).prop_map(|(pct, a)| {
            cat(vec![
                vec![t("over")],
                opt(pct.map(|p| vec![t("by"), t("at"), t("most"), p])),
                vec![t(":")],
                a,
            ])
        });
        (
            name(),
            proptest::option::of(string()),
            name(),
            select(vec!["", "per user", "per\n\tuser"]),
            select(vec!["weekly", "monthly", "quarterly", "yearly"]),
            signed_money(),
            proptest::option::of(category_list()),
            prop::collection::vec(band, 0..3),
        )
            .prop_map(|(n, title, group, per_user, period, amount, cats, bands)| {
                let mut head = vec![t("budget"), n];
                head.extend(title);
                let mut body = vec![t("for"), group];
                if !per_user.is_empty() {
                    body.push(t(per_user));
                }
                body.extend([t(period), amount]);
                body.extend(opt(cats.map(|c| cat(vec![vec![t("in"), t("category")], c]))));
                body.extend(cat(bands));
                braced(head, body)
            })
            .boxed()
    }

    fn order_checks() -> BoxedStrategy<Tokens> {
        let keys = prop::collection::vec(select(vec!["supplier", "category"]).prop_map(t), 1..3)
            .prop_map(|k| comma_list(k.into_iter().map(|k| vec![k]).collect()));
        let split = (
            (
                name(),
                proptest::option::of(string()),
                proptest::option::of(scope()),
                duration(),
            ),
            proptest::option::of(keys),
            select(vec!["subtotal", "total", "tax", "shipping"]),
            compare(),
            signed_money(),
            proptest::option::of(action()),
        )
            .prop_map(|((n, title, scope, window), same, basis, op, m, action)| {
                let mut head = vec![t("split"), n];
                head.extend(title);
                braced(
                    head,
                    cat(vec![
                        opt(scope),
                        vec![t("within"), window],
                        opt(same.map(|k| cat(vec![vec![t("same")], k]))),
                        vec![t("when"), t("combined"), t(basis), op, m],
                        opt(action.map(|a| cat(vec![vec![t(":")], a]))),
                    ]),
                )
            });
        let payment = (
            name(),
            proptest::option::of(scope()),
            names(3),
            proptest::option::of(name()),
            proptest::option::of(message()),
        )
            .prop_map(|(n, scope, allow, default, message)| {
                braced(
                    vec![t("payment"), n],
                    cat(vec![
                        opt(scope),
                        vec![t("allow")],
                        allow,
                        opt(default.map(|d| vec![t("default"), d])),
                        opt(message),
                    ]),
                )
            });
        let ship_to = (
            name(),
            proptest::option::of(scope()),
            strings(3),
            proptest::option::of(message()),
        )
            .prop_map(|(n, scope, allow, message)| {
                braced(
                    vec![t("ship_to"), n],
                    cat(vec![opt(scope), vec![t("allow")], allow, opt(message)]),
                )
            });
        let po = (
            name(),
            proptest::option::of(scope()),
            proptest::option::of(string()),
            proptest::option::of(message()),
        )
            .prop_map(|(n, scope, prefix, message)| {
                braced(
                    vec![t("po_number"), n],
                    cat(vec![
                        opt(scope),
                        vec![t("required")],
                        opt(prefix.map(|p| vec![t("prefix"), p])),
                        opt(message),
                    ]),
                )
            });
        let kind = prop_oneof![
            select(vec!["text", "number", "money", "date"]).prop_map(|k| vec![t(k)]),
            prop::collection::vec(string(), 0..3).prop_map(|values| {
                let list = comma_list(values.into_iter().map(|v| vec![v]).collect());
                cat(vec![vec![t("one"), t("of")], list])
            }),
        ];
        let field = (
            (name(), proptest::option::of(text())),
            proptest::option::of(select(vec!["order", "lines"])),
            proptest::option::of(kind),
            proptest::option::of(select(vec!["required", "optional"])),
            proptest::option::of(string()),
            proptest::option::of(scope()),
            proptest::option::of(text()),
        )
            .prop_map(|((n, title), on, kind, presence, pattern, scope, help)| {
                braced(
                    cat(vec![vec![t("field"), n], opt(title)]),
                    cat(vec![
                        opt(on.map(|o| vec![t("on"), t(o)])),
                        opt(kind.map(|k| cat(vec![vec![t("type")], k]))),
                        opt(presence.map(|p| vec![t(p)])),
                        opt(pattern.map(|p| vec![t("pattern"), p])),
                        opt(scope),
                        opt(help.map(|h| cat(vec![vec![t("help")], h]))),
                    ]),
                )
            });
        prop_oneof![split, payment, ship_to, po, field].boxed()
    }

    fn invoice() -> BoxedStrategy<Tokens> {
        let date = (2000..2100u16, 1..=12u8, 1..=28u8)
            .prop_map(|(y, m, d)| format!("{y:04}-{m:02}-{d:02}"));
        let cadence = prop_oneof![
            Just(vec![t("per"), t("order")]),
            Just(vec![t("every"), t("month")]),
            (
                prop_oneof![
                    Just(vec![t("week")]),
                    integer().prop_map(|n| vec![n, t("weeks")])
                ],
                proptest::option::of(date)
            )
                .prop_map(|(w, from)| cat(vec![
                    vec![t("every")],
                    w,
                    opt(from.map(|d| vec![t("from"), d]))
                ])),
        ];
        let keys = prop::collection::vec(select(vec!["group", "po_number"]).prop_map(t), 1..3)
            .prop_map(|k| comma_list(k.into_iter().map(|k| vec![k]).collect()));
        (
            (
                name(),
                proptest::option::of(scope()),
                string(),
                string(),
                strings(3),
            ),
            cadence,
            proptest::option::of(keys),
            integer(),
            proptest::option::of(select(vec!["credit_note", "adjustment", "listed"])),
        )
            .prop_map(
                |((n, scope, template, bill, send), cadence, keys, net, credits)| {
                    braced(
                        vec![t("invoice"), n],
                        cat(vec![
                            opt(scope),
                            vec![
                                t("template"),
                                template,
                                t("bill"),
                                t("to"),
                                bill,
                                t("send"),
                                t("to"),
                            ],
                            send,
                            cadence,
                            opt(keys.map(|k| cat(vec![vec![t("split"), t("by")], k]))),
                            vec![t("terms"), t("net"), net],
                            opt(credits.map(|c| vec![t("credits"), t("as"), t(c)])),
                        ]),
                    )
                },
            )
            .boxed()
    }

    fn test_decl() -> BoxedStrategy<Tokens> {
        let user = (
            string(),
            proptest::option::of(string()),
            proptest::option::of(signed_money()),
            prop::collection::vec((name(), name()), 0..3),
        )
            .prop_map(|(id, manager, limit, roles)| {
                let mut out = vec![t("user"), id];
                out.extend(manager.map(|m| vec![t("manager"), m]).unwrap_or_default());
                out.extend(limit.map(|l| vec![t("limit"), l]).unwrap_or_default());
                for (r, g) in roles {
                    out.extend([t("role"), r, t("in"), g]);
                }
                out
            });
        let buyer = (string(), name(), proptest::option::of(locale())).prop_map(|(id, g, l)| {
            cat(vec![
                vec![t("buyer"), id, t("in"), g],
                opt(l.map(|l| vec![t("locale"), l])),
            ])
        });
        let field = prop_oneof![
            string().prop_map(|s| vec![t("po"), s]),
            name().prop_map(|n| vec![t("payment"), n]),
            string().prop_map(|s| vec![t("ship_to"), s]),
            signed_money().prop_map(|m| vec![t("tax"), m]),
            signed_money().prop_map(|m| vec![t("shipping"), m]),
            select(vec!["CAD", "EUR"]).prop_map(|c| vec![t("currency"), t(c)]),
            (name(), string()).prop_map(|(n, v)| vec![t("field"), n, v]),
        ];
        let order =
            prop::collection::vec(field, 1..4).prop_map(|f| cat(vec![vec![t("order")], cat(f)]));
        let line = (
            (string(), string(), string()),
            proptest::option::of(string()),
            signed_money(),
            proptest::option::of(integer()),
            prop::collection::vec((name(), string()), 0..3),
        )
            .prop_map(|((id, product, category), supplier, price, qty, fields)| {
                cat(vec![
                    vec![
                        t("line"),
                        id,
                        t("product"),
                        product,
                        t("category"),
                        category,
                    ],
                    opt(supplier.map(|s| vec![t("supplier"), s])),
                    vec![t("price"), price],
                    opt(qty.map(|q| vec![t("qty"), q])),
                    cat(fields
                        .into_iter()
                        .map(|(n, v)| vec![t("field"), n, v])
                        .collect()),
                ])
            });
        let spent = (name(), signed_money()).prop_map(|(n, m)| vec![t("spent"), n, m]);
        let expect = prop_oneof![
            select(vec!["allowed", "approval_required", "blocked"])
                .prop_map(t)
                .prop_map(|o| vec![o]),
            (
                string(),
                select(vec![
                    "allowed",
                    "preferred",
                    "warned",
                    "restricted",
                    "blocked"
                ])
            )
                .prop_map(|(s, v)| vec![t("line"), s, t(v)]),
            integer().prop_map(|n| vec![t("levels"), n]),
            string().prop_map(|s| vec![t("approver"), s]),
            signed_money().prop_map(|m| vec![t("total"), m]),
            string().prop_map(|s| vec![t("invoice"), s]),
        ]
        .prop_map(|e| cat(vec![vec![t("expect")], e]));
        (
            string(),
            prop::collection::vec(user, 0..3),
            buyer,
            proptest::option::of(order),
            prop::collection::vec(line, 0..3),
            prop::collection::vec(spent, 0..2),
            prop::collection::vec(expect, 1..4),
        )
            .prop_map(|(n, users, buyer, order, lines, spent, expects)| {
                braced(
                    vec![t("test"), n],
                    cat(vec![
                        cat(users),
                        buyer,
                        opt(order),
                        cat(lines),
                        cat(spent),
                        cat(expects),
                    ]),
                )
            })
            .boxed()
    }

    pub fn declaration() -> BoxedStrategy<Tokens> {
        prop_oneof![
            1 => header(),
            2 => people(),
            3 => rule(),
            2 => prefer(),
            3 => approval(),
            2 => budget(),
            3 => order_checks(),
            1 => invoice(),
            2 => test_decl(),
        ]
        .boxed()
    }

    /// What goes between two tokens: blanks, or a comment at the start of a line or
    /// trailing after code.
    fn gap() -> impl Strategy<Value = String> {
        let comment = select(vec![
            "note",
            "«quoted» 🎉",
            "has \"quotes\" and { braces } inside",
            "ends with a brace }",
            "// doubled",
            "",
            "trailing spaces   ",
        ]);
        prop_oneof![
            12 => select(vec![" ", "  ", "\n", "\n\n", "\t", " \n    ", "\r\n"]).prop_map(t),
            1 => comment.clone().prop_map(|c| format!("\n// {c}\n")),
            1 => comment.prop_map(|c| format!(" //{c}\n  ")),
        ]
    }

    /// A whole policy: declarations joined by random gaps.
    pub fn policy() -> impl Strategy<Value = String> {
        prop::collection::vec(declaration(), 0..5)
            .prop_map(cat)
            .prop_flat_map(|tokens| {
                let n = tokens.len() + 1;
                (Just(tokens), prop::collection::vec(gap(), n))
            })
            .prop_map(|(tokens, gaps)| {
                let mut out = String::new();
                for (gap, token) in gaps.iter().zip(&tokens) {
                    out.push_str(gap);
                    out.push_str(token);
                }
                out.push_str(gaps.last().map_or("", String::as_str));
                out
            })
    }
}

/// `cases` cases, or `PROPTEST_CASES` when set (for longer runs by hand); failures are
/// not persisted, as an integration test has no source file proptest could find.
fn config(cases: u32) -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(cases);
    ProptestConfig {
        cases,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

proptest! {
    #![proptest_config(config(128))]

    #[test]
    fn random_policies_format_stably_and_keep_their_meaning(source in generate::policy()) {
        if let Err(e) = check(&source) {
            return Err(TestCaseError::fail(e));
        }
    }

    #[test]
    fn random_expressions_format_stably_and_keep_their_meaning(
        tokens in generate::expr(),
        gaps in prop::collection::vec(prop::sample::select(vec![" ", "\n", "  \t"]), 64),
    ) {
        let mut expr = String::new();
        for (i, token) in tokens.iter().enumerate() {
            expr.push_str(gaps[i % gaps.len()]);
            expr.push_str(token);
        }
        let source = format!("rule r {{ block order when {expr} }}\napproval a {{ level 1: any of management chain until limit covers {expr}, manager }}");
        if let Err(e) = check(&source) {
            return Err(TestCaseError::fail(e));
        }
    }
}

// ─── whitespace mangling ─────────────────────────────────────────────────────────────

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    /// A word, number, operator or other run of non-blank characters.
    Word(String),
    Punct(char),
    Str(String),
    Comment(String),
}

fn lex(text: &str) -> Vec<(Tok, bool)> {
    // Each token with whether blanks preceded it.
    let chars: Vec<char> = text.chars().collect();
    let mut tokens = Vec::new();
    let mut i = 0;
    let mut blank = false;
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() {
            blank = true;
            i += 1;
            continue;
        }
        let start = i;
        let tok = if c == '"' {
            i += 1;
            while chars[i] != '"' {
                i += if chars[i] == '\\' { 2 } else { 1 };
            }
            i += 1;
            Tok::Str(chars[start..i].iter().collect())
        } else if c == '/' && chars.get(i + 1) == Some(&'/') {
            while i < chars.len() && chars[i] != '\n' {
                i += 1;
            }
            Tok::Comment(
                chars[start..i]
                    .iter()
                    .collect::<String>()
                    .trim_end()
                    .to_owned(),
            )
        } else if "{}()[],:".contains(c) {
            i += 1;
            Tok::Punct(c)
        } else {
            while i < chars.len() && !chars[i].is_whitespace() && !"{}()[],:\"".contains(chars[i]) {
                i += 1;
            }
            Tok::Word(chars[start..i].iter().collect())
        };
        tokens.push((tok, blank));
        blank = false;
    }
    tokens
}

/// Whether the blank between two words lies inside one token of the grammar (money,
/// durations), where only spaces are allowed.
fn spaces_only(previous: &Tok, next: &Tok) -> bool {
    let (Tok::Word(a), Tok::Word(b)) = (previous, next) else {
        return false;
    };
    let number = a
        .trim_start_matches('-')
        .starts_with(|c: char| c.is_ascii_digit());
    let currency = b.len() == 3 && b.chars().all(|c| c.is_ascii_uppercase());
    let unit = ["hour", "hours", "day", "days", "week", "weeks"].contains(&b.as_str());
    number && (currency || unit)
}

/// Rebuilds `text` with every blank between tokens replaced at random (from `seed`);
/// strings and comments are untouched, and a comment still ends its line.
fn mangle(text: &str, seed: u64) -> String {
    let mut state = seed | 1;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let tokens = lex(text);
    let mut out = String::new();
    let mut previous: Option<&Tok> = None;
    for (tok, blank_before) in &tokens {
        let pick = usize::try_from(next() % 64).unwrap();
        let gap: &str = match previous {
            None => ["", " ", "\n\n", "\t "][pick % 4],
            Some(Tok::Comment(_)) => ["\n", "\n\n", " \n\t", "\r\n  "][pick % 4],
            Some(prev) if spaces_only(prev, tok) => [" ", "  ", "    "][pick % 3],
            Some(_) if !blank_before => ["", "", " ", "\n", "\n\n   "][pick % 5],
            Some(_) => [" ", "  ", "\n", "\n\n", "\t", " \n  \n ", "\r\n"][pick % 7],
        };
        out.push_str(gap);
        match tok {
            Tok::Word(s) | Tok::Str(s) | Tok::Comment(s) => out.push_str(s),
            Tok::Punct(c) => out.push(*c),
        }
        previous = Some(tok);
    }
    out.push_str(["", "\n", "\n\n\n", "  "][usize::try_from(next() % 4).unwrap()]);
    out
}

#[test]
fn mangling_keeps_tokens() {
    let canonical = fmt(&std::fs::read_to_string(
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("examples/maple.procura"),
    )
    .unwrap());
    for seed in 0..8 {
        let mangled = mangle(&canonical, seed);
        let strip = |toks: Vec<(Tok, bool)>| toks.into_iter().map(|(t, _)| t).collect::<Vec<_>>();
        assert_eq!(strip(lex(&mangled)), strip(lex(&canonical)));
    }
}

proptest! {
    #![proptest_config(config(64))]

    /// Whatever the blanks, a formatted example formats back to itself.
    #[test]
    fn blanks_do_not_matter(index in 0usize..64, seed in any::<u64>()) {
        let examples = examples();
        let (path, source) = &examples[index % examples.len()];
        let canonical = fmt(source);
        let mangled = mangle(&canonical, seed);
        let formatted = match parse(&mangled) {
            Ok(policy) => crate::syntax::fmt::print(&policy, &mangled),
            Err(e) => return Err(TestCaseError::fail(format!("{}: mangled {e}", path.display()))),
        };
        prop_assert_eq!(formatted, canonical, "{}", path.display());
    }
}
