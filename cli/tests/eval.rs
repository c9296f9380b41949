#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]
//! End-to-end tests of `procura eval`, `authorize`, `badges` and `test` on the Maple
//! School District example (`examples/maple.*`).
//!
//! Exit codes: 0 a success answer (whatever it decided) or all tests pass, 1 a failure
//! answer, a failing test or a policy that does not compile, 2 usage or I/O.

mod common;

use common::{example, procura, write, Run};
use serde_json::{json, Value};

fn policy() -> String {
    example("maple.procura")
}

fn directory() -> String {
    example("maple.directory.json")
}

/// `procura eval` on the Maple policy and directory.
fn eval(request: &str, extra: &[&str], stdin: Option<&[u8]>) -> Run {
    let (policy, directory) = (policy(), directory());
    let mut args = vec![
        "eval",
        "--policy",
        &policy,
        "--directory",
        &directory,
        "--request",
        request,
    ];
    args.extend_from_slice(extra);
    procura(&args, stdin)
}

/// Evaluates a request given as JSON, through a temporary file.
fn eval_value(request: &Value) -> Value {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "request.json", request.to_string());
    let run = eval(&path, &[], None);
    assert_eq!(
        run.code, 0,
        "stdout:\n{}\nstderr:\n{}",
        run.stdout, run.stderr
    );
    let answer = run.json();
    assert_eq!(answer["type"], "success", "{answer:#}");
    answer["result"].clone()
}

fn line<'a>(decision: &'a Value, id: &str) -> &'a Value {
    decision["lines"]
        .as_array()
        .unwrap()
        .iter()
        .find(|line| line["id"] == id)
        .unwrap_or_else(|| panic!("no line {id} in {decision:#}"))
}

fn approvers(decision: &Value) -> Vec<String> {
    decision["approval"]["levels"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|level| level["approvers"].as_array().unwrap().iter())
        .map(|approver| approver.as_str().unwrap().to_owned())
        .collect()
}

fn laptop(id: &str, quantity: u64) -> Value {
    json!({
        "id": id, "product": "B0LAPTOP", "category": "electronics/computers/laptops",
        "supplier": "Dell", "unitPrice": "1299.00", "quantity": quantity
    })
}

fn request(buyer: &str, group: &str, lines: Vec<Value>) -> Value {
    json!({
        "buyer": buyer,
        "group": group,
        "locale": "en-CA",
        "order": { "id": "ORD-TEST", "currency": "CAD", "poNumber": "PO-1", "lines": lines },
        "context": {
            "now": "2026-11-28T10:30:00-05:00",
            "budgets": [{ "budget": "north_supplies", "spent": { "amount": "4200.00", "currency": "CAD" } }]
        }
    })
}

/// The `line:col` where `needle` starts in `text` (1-based, columns in characters).
fn line_col(text: &str, needle: &str) -> String {
    let at = text
        .find(needle)
        .unwrap_or_else(|| panic!("`{needle}` not found"));
    let before = &text[..at];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().unwrap_or(before).chars().count() + 1;
    format!("{line}:{column}")
}

// ---- eval ----

#[test]
fn maple_request_is_blocked_because_of_the_laptop() {
    let run = eval(&example("maple.request.json"), &[], None);
    assert_eq!(run.code, 0, "stderr:\n{}", run.stderr);
    let answer = run.json();
    assert_eq!(answer["type"], "success");
    let decision = &answer["result"];
    assert_eq!(decision["outcome"], "blocked", "{decision:#}");
    assert_eq!(line(decision, "L1")["verdict"], "blocked");
    assert_eq!(
        line(decision, "L1")["messages"][0]["rule"],
        "laptops_it_only"
    );
    // Pretty-printed with keys in the contract's order, not sorted.
    assert!(
        run.stdout
            .starts_with("{\n  \"type\": \"success\",\n  \"result\": {\n    \"outcome\": "),
        "{}",
        run.stdout
    );
    assert!(run.stdout.ends_with("}\n"));
}

#[test]
fn maple_request_is_invoiced_to_north_campus() {
    let run = eval(&example("maple.request.json"), &[], None);
    assert_eq!(run.code, 0, "stderr:\n{}", run.stderr);
    let invoice = &run.json()["result"]["invoice"];
    assert_eq!(invoice["template"], "North campus", "{invoice:#}");
    assert_eq!(invoice["invoiceDate"], "2026-12-01");
    assert_eq!(invoice["dueDate"], "2026-12-31");
    assert_eq!(invoice["termsDays"], 30);
}

#[test]
fn it_may_buy_laptops() {
    let decision = eval_value(&request("tom@maple.example", "it", vec![laptop("L1", 1)]));
    let verdict = &line(&decision, "L1")["verdict"];
    assert_ne!(verdict, "blocked", "{decision:#}");
    assert_ne!(decision["outcome"], "blocked", "{decision:#}");
}

#[test]
fn orders_over_ten_thousand_need_the_cfo() {
    // 300 packs of the preferred paper: 12,600.00 CAD, within the north budget.
    let paper = json!({
        "id": "L1", "product": "B00PAPER01", "category": "office/paper/copier",
        "supplier": "Grand & Toy", "unitPrice": "42.00", "quantity": 300
    });
    let decision = eval_value(&request("ana@maple.example", "north", vec![paper]));
    assert_eq!(decision["totals"]["subtotal"], "12600.00");
    assert_eq!(decision["outcome"], "approvalRequired", "{decision:#}");
    assert_eq!(decision["approval"]["required"], true);
    let everyone = approvers(&decision);
    assert!(
        everyone.iter().any(|a| a == "cfo@maple.example"),
        "{everyone:?}"
    );
    assert!(
        everyone.iter().any(|a| a == "paul@maple.example"),
        "{everyone:?}"
    );

    // The Maple request's subtotal (13,893.99 CAD) is over the threshold too.
    let run = eval(&example("maple.request.json"), &[], None);
    let everyone = approvers(&run.json()["result"]);
    assert!(
        everyone.iter().any(|a| a == "cfo@maple.example"),
        "{everyone:?}"
    );
}

#[test]
fn small_orders_need_no_cfo() {
    let paper = json!({
        "id": "L1", "product": "B00PAPER01", "category": "office/paper/copier",
        "unitPrice": "42.00", "quantity": 10
    });
    let decision = eval_value(&request("ana@maple.example", "north", vec![paper]));
    assert_eq!(decision["outcome"], "allowed", "{decision:#}");
    assert!(approvers(&decision).is_empty(), "{decision:#}");
}

#[test]
fn explain_says_which_rule_blocked_and_where() {
    let run = eval(&example("maple.request.json"), &["--explain"], None);
    assert_eq!(run.code, 0, "stderr:\n{}", run.stderr);
    let source = std::fs::read_to_string(policy()).unwrap();
    let location = line_col(&source, "rule laptops_it_only");
    let why = format!("laptops_it_only ({location}) block → L1");
    assert!(run.stdout.contains(&why), "no `{why}` in:\n{}", run.stdout);
    for section in [
        "outcome: blocked",
        "lines:",
        "approval: would be required, but the order is blocked",
        "budgets:",
        "invoice: template \"North campus\"",
        "invoice date 2026-12-01, due date 2026-12-31",
        "totals: subtotal",
        "why:",
        "cfo@maple.example",
    ] {
        assert!(
            run.stdout.contains(section),
            "no `{section}` in:\n{}",
            run.stdout
        );
    }
    // The JSON comes first, unchanged.
    let plain = eval(&example("maple.request.json"), &[], None);
    assert!(run.stdout.starts_with(&plain.stdout));
}

#[test]
fn same_request_twice_gives_identical_output() {
    let first = eval(&example("maple.request.json"), &["--explain"], None);
    let second = eval(&example("maple.request.json"), &["--explain"], None);
    assert_eq!(first.code, 0);
    assert_eq!(first.stdout, second.stdout);
}

#[test]
fn request_from_stdin() {
    let bytes = std::fs::read(example("maple.request.json")).unwrap();
    let from_stdin = eval("-", &[], Some(&bytes));
    let from_file = eval(&example("maple.request.json"), &[], None);
    assert_eq!(from_stdin.code, 0, "stderr:\n{}", from_stdin.stderr);
    assert_eq!(from_stdin.stdout, from_file.stdout);
}

#[test]
fn malformed_request_is_a_failure_answer() {
    let run = eval("-", &["--explain"], Some(b"{\"buyer\": 3,"));
    assert_eq!(run.code, 1, "stderr:\n{}", run.stderr);
    let answer = run.json();
    assert_eq!(answer["type"], "failure", "{answer:#}");
    assert_eq!(answer["errors"][0]["code"], "E0101", "{answer:#}");

    let run = eval("-", &[], Some(b"{\"buyer\": \"ana@maple.example\"}"));
    assert_eq!(run.code, 1);
    assert_eq!(run.json()["errors"][0]["code"], "E0101");

    let run = eval("-", &[], Some(b"\xff\xfe"));
    assert_eq!(run.code, 1);
    assert_eq!(run.json()["errors"][0]["code"], "E0101");
}

#[test]
fn bad_directory_is_a_failure_answer_naming_the_path() {
    let dir = tempfile::tempdir().unwrap();
    let bad = write(dir.path(), "directory.json", r#"{"users": [{"id": 1}]}"#);
    let policy = policy();
    let request = example("maple.request.json");
    let run = procura(
        &[
            "eval",
            "--policy",
            &policy,
            "--directory",
            &bad,
            "--request",
            &request,
        ],
        None,
    );
    assert_eq!(run.code, 1, "stderr:\n{}", run.stderr);
    let answer = run.json();
    assert_eq!(answer["type"], "failure");
    assert_eq!(answer["errors"][0]["path"], "directory.users[0].id");
}

#[test]
fn policy_that_does_not_compile_is_rendered_like_check() {
    let dir = tempfile::tempdir().unwrap();
    let bad = write(dir.path(), "bad.procura", "policy \"x\" { currency }\n");
    let request = example("maple.request.json");
    let run = procura(&["eval", "--policy", &bad, "--request", &request], None);
    assert_eq!(run.code, 1);
    assert!(run.stdout.is_empty(), "{}", run.stdout);
    let check = procura(&["check", &bad], None);
    assert_eq!(check.code, 1);
    assert_eq!(run.stderr, check.stdout);
    assert!(run.stderr.contains(&format!("{bad}:1:")), "{}", run.stderr);
}

#[test]
fn usage_and_io_problems_exit_2() {
    let policy = policy();
    let missing = procura(&["eval", "--policy", &policy], None);
    assert_eq!(missing.code, 2, "{}", missing.stderr);

    let run = eval("/nonexistent/request.json", &[], None);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("cannot read"), "{}", run.stderr);

    let twice = procura(
        &["eval", "--policy", "-", "--request", "-"],
        Some(b"policy"),
    );
    assert_eq!(twice.code, 2, "{}", twice.stderr);
}

// ---- authorize ----

fn authorize(request: &Value) -> Run {
    let (policy, directory) = (policy(), directory());
    let text = request.to_string();
    procura(
        &[
            "authorize",
            "--policy",
            &policy,
            "--directory",
            &directory,
            "--request",
            "-",
        ],
        Some(text.as_bytes()),
    )
}

#[test]
fn ana_may_place_orders_in_north() {
    let run = authorize(&json!({
        "user": "ana@maple.example", "action": "place_orders", "resource": { "group": "north" }
    }));
    assert_eq!(run.code, 0, "stderr:\n{}", run.stderr);
    let answer = run.json();
    let result = &answer["result"];
    assert_eq!(result["decision"], "allow", "{answer:#}");
    assert_eq!(
        result["assignment"],
        json!({ "role": "requester", "group": "north" })
    );
}

#[test]
fn ana_may_not_manage_budgets() {
    let run = authorize(&json!({
        "user": "ana@maple.example", "action": "manage_budgets", "resource": { "group": "north" }
    }));
    assert_eq!(run.code, 0, "stderr:\n{}", run.stderr);
    let answer = run.json();
    assert_eq!(answer["result"]["decision"], "deny", "{answer:#}");
    assert!(answer["result"]["assignment"].is_null());
}

#[test]
fn malformed_authorize_request_is_a_failure() {
    let run = authorize(&json!({ "user": "ana@maple.example" }));
    assert_eq!(run.code, 1);
    assert_eq!(run.json()["errors"][0]["code"], "E0101");
}

// ---- badges ----

#[test]
fn badges_for_three_products() {
    let dir = tempfile::tempdir().unwrap();
    let request = json!({
        "buyer": "ana@maple.example",
        "group": "north",
        "locale": "en-CA",
        "currency": "CAD",
        "products": [
            { "id": "B0LAPTOP", "category": "electronics/computers/laptops", "unitPrice": "1299.00" },
            { "id": "B00PAPER01", "category": "office/paper/copier", "supplier": "Grand & Toy", "unitPrice": "42.00" },
            { "id": "B00PAPER09", "category": "office/paper/copier", "supplier": "Paper Depot", "unitPrice": "49.90" }
        ]
    });
    let path = write(dir.path(), "badges.json", request.to_string());
    let (policy, directory) = (policy(), directory());
    let run = procura(
        &[
            "badges",
            "--policy",
            &policy,
            "--directory",
            &directory,
            "--request",
            &path,
        ],
        None,
    );
    assert_eq!(run.code, 0, "stderr:\n{}", run.stderr);
    let answer = run.json();
    let badges = answer["result"]["badges"].as_array().unwrap();
    let verdicts: Vec<(&str, &str)> = badges
        .iter()
        .map(|b| {
            (
                b["product"].as_str().unwrap(),
                b["verdict"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        verdicts,
        [
            ("B0LAPTOP", "blocked"),
            ("B00PAPER01", "preferred"),
            ("B00PAPER09", "restricted"),
        ],
        "{answer:#}"
    );
    assert_eq!(badges[0]["message"]["rule"], "laptops_it_only");
}

// ---- test ----

#[test]
fn maple_tests_pass() {
    let policy = policy();
    let source = std::fs::read_to_string(&policy).unwrap();
    let count = source
        .lines()
        .filter(|line| line.starts_with("test \""))
        .count();
    assert!(count >= 3, "the Maple example has {count} tests");
    let run = procura(&["test", &policy], None);
    assert_eq!(
        run.code, 0,
        "stdout:\n{}\nstderr:\n{}",
        run.stdout, run.stderr
    );
    assert_eq!(
        run.stdout.lines().last(),
        Some(format!("{count} passed, 0 failed").as_str()),
        "{}",
        run.stdout
    );
    assert_eq!(run.stdout.matches(" ... ok\n").count(), count);
    let first = line_col(&source, "\"a laptop outside IT is blocked\"");
    assert!(
        run.stdout.contains(&format!(
            "{policy}:{first}: test \"a laptop outside IT is blocked\" ... ok"
        )),
        "{}",
        run.stdout
    );
}

#[test]
fn failing_test_says_expected_and_got() {
    let dir = tempfile::tempdir().unwrap();
    let mut source = std::fs::read_to_string(policy()).unwrap();
    source.push_str(concat!(
        "\n",
        "test \"laptops for everyone\" {\n",
        "  buyer \"ana@maple.example\" in north\n",
        "  line \"L1\" product \"B0LAPTOP\" category \"electronics/computers/laptops\" price 1299.00 CAD qty 1\n",
        "  expect allowed\n",
        "}\n",
    ));
    let path = write(dir.path(), "failing.procura", &source);
    let run = procura(&["test", &path], None);
    assert_eq!(
        run.code, 1,
        "stdout:\n{}\nstderr:\n{}",
        run.stdout, run.stderr
    );
    assert!(
        run.stdout
            .contains("test \"laptops for everyone\" ... FAILED"),
        "{}",
        run.stdout
    );
    // Located at the expectation: its line, and a column within it.
    let at = line_col(&source, "expect allowed\n}");
    let (line, _) = at.split_once(':').unwrap();
    let prefix = format!("  {path}:{line}:");
    let failure = run
        .stdout
        .lines()
        .find(|l| l.starts_with(&prefix))
        .unwrap_or_else(|| panic!("no failure at line {line} in:\n{}", run.stdout));
    assert!(
        failure.ends_with(": expected allowed, got blocked"),
        "{failure}"
    );
    assert!(
        run.stdout.ends_with(" passed, 1 failed\n"),
        "{}",
        run.stdout
    );
}

#[test]
fn test_json_report() {
    let policy = policy();
    let directory = directory();
    let run = procura(
        &[
            "test",
            &policy,
            "--directory",
            &directory,
            "--format",
            "json",
        ],
        None,
    );
    assert_eq!(run.code, 0, "stderr:\n{}", run.stderr);
    let report = run.json();
    assert_eq!(report["failed"], 0);
    assert_eq!(report["files"][0]["path"], policy.as_str());
    assert_eq!(report["files"][0]["passed"], report["passed"]);
    assert!(report["files"][0]["tests"].as_array().unwrap().len() >= 3);
}

#[test]
fn test_of_a_policy_that_does_not_compile_fails() {
    let dir = tempfile::tempdir().unwrap();
    let bad = write(dir.path(), "bad.procura", "policy \"x\" { currency }\n");
    let run = procura(&["test", &bad], None);
    assert_eq!(run.code, 1);
    assert!(run.stderr.contains("error[P"), "{}", run.stderr);
    assert_eq!(run.stdout, "0 passed, 0 failed\n");

    let missing = procura(&["test", "/nonexistent.procura"], None);
    assert_eq!(missing.code, 2);
}
