#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]
//! End-to-end tests of `procura approvals` on the Maple example: the large order
//! (`examples/maple.large-order.json`: 2,100.00 CAD of paper and 10,799.88 CAD of
//! projectors, subtotal 12,899.88 CAD, placed by ana in north) needs `large_orders` level 1
//! (a principal of north: paul) and level 2 (subtotal ≥ 10,000.00 CAD: the CFO).
//!
//! Exit codes: 0 a success answer (whatever the state), 1 a failure answer or a policy that
//! does not compile, 2 usage or I/O.

mod common;

use common::{example, procura, write, Run};
use serde_json::{json, Value};

/// `procura approvals` on the Maple policy, directory and large order.
fn approvals(events: &str, extra: &[&str], stdin: Option<&[u8]>) -> Run {
    let (policy, directory, request) = (
        example("maple.procura"),
        example("maple.directory.json"),
        example("maple.large-order.json"),
    );
    let mut args = vec![
        "approvals",
        "--policy",
        &policy,
        "--directory",
        &directory,
        "--request",
        &request,
        "--events",
        events,
    ];
    args.extend_from_slice(extra);
    procura(&args, stdin)
}

fn ok(run: &Run) {
    assert_eq!(
        run.code, 0,
        "stdout:\n{}\nstderr:\n{}",
        run.stdout, run.stderr
    );
}

/// The state of a successful JSON answer.
fn state(run: &Run) -> Value {
    ok(run);
    let answer = run.json();
    assert_eq!(answer["type"], "success", "{answer:#}");
    answer["result"].clone()
}

/// `(accepted, status, level)` of every step.
fn steps(state: &Value) -> Vec<(bool, String, Value)> {
    state["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|step| {
            (
                step["accepted"].as_bool().unwrap(),
                step["status"].as_str().unwrap().to_owned(),
                step["level"].clone(),
            )
        })
        .collect()
}

#[test]
fn maple_order_walks_from_pending_through_both_levels_to_approved() {
    let run = approvals(
        &example("maple.approvals.json"),
        &["--steps", "--format", "text"],
        None,
    );
    ok(&run);
    assert_eq!(
        run.stdout,
        concat!(
            "2026-11-23T09:05:00-05:00 comment by ana@maple.example: \"Projectors for the new science wing\" → pending at level 1\n",
            "2026-11-23T14:10:00-05:00 approved by paul@maple.example → pending at level 2\n",
            "2026-11-24T08:30:00-05:00 approved by cfo@maple.example → approved\n",
            "state at 2026-11-24T08:30:00-05:00: approved (every level approved)\n",
            "levels:\n",
            "  level 1, any of paul@maple.example: approved by paul@maple.example\n",
            "  level 2, any of cfo@maple.example: approved by cfo@maple.example\n",
            "may act now: nobody\n",
            "rejected lines: none\n",
            // Submitted 2026-11-23 09:00 at -05:00, plus the 7-day hold.
            "expires at: 2026-11-30T14:00:00Z\n",
        )
    );

    let state = state(&approvals(&example("maple.approvals.json"), &[], None));
    assert_eq!(state["status"], "approved", "{state:#}");
    assert!(state["level"].is_null());
    assert_eq!(
        steps(&state),
        [
            (true, "pending".to_owned(), json!(1)),
            (true, "pending".to_owned(), json!(2)),
            (true, "approved".to_owned(), Value::Null),
        ]
    );
    assert_eq!(
        state["comments"][0]["text"],
        "Projectors for the new science wing"
    );
    assert_eq!(
        state["levels"][0]["approvals"][0]["by"],
        "paul@maple.example"
    );
    assert_eq!(
        state["levels"][1]["approvals"][0]["by"],
        "cfo@maple.example"
    );
    assert_eq!(state["rejectedLines"], json!([]));
}

#[test]
fn delegated_approval_then_a_line_rejection() {
    let run = approvals(
        &example("maple.approvals-delegated.json"),
        &["--steps", "--format", "text"],
        None,
    );
    ok(&run);
    assert_eq!(
        run.stdout,
        concat!(
            "2026-11-22T17:00:00-05:00 delegated by paul@maple.example to rita@maple.example from 2026-11-23T00:00:00-05:00 until 2026-11-28T00:00:00-05:00 → pending at level 1\n",
            "2026-11-23T09:30:00-05:00 approved by ana@maple.example → refused: the requester cannot approve their own order\n",
            "2026-11-23T11:00:00-05:00 approved by rita@maple.example for paul@maple.example → pending at level 2\n",
            "2026-11-24T10:00:00-05:00 rejected L2 by cfo@maple.example: \"Too many projectors this quarter\" → partially rejected\n",
            "state at 2026-11-24T10:00:00-05:00: partially rejected (some lines were rejected, the rest approved)\n",
            "levels:\n",
            "  level 1, any of paul@maple.example: approved by rita@maple.example for paul@maple.example\n",
            "  level 2, any of cfo@maple.example: approved by cfo@maple.example\n",
            "may act now: nobody\n",
            "rejected lines: L2\n",
            "expires at: 2026-11-30T14:00:00Z\n",
        )
    );

    let state = state(&approvals(
        &example("maple.approvals-delegated.json"),
        &[],
        None,
    ));
    assert_eq!(state["status"], "partiallyRejected", "{state:#}");
    assert_eq!(state["rejectedLines"], json!(["L2"]));
    assert_eq!(
        steps(&state),
        [
            (true, "pending".to_owned(), json!(1)),
            (false, "pending".to_owned(), json!(1)),
            (true, "pending".to_owned(), json!(2)),
            (true, "partiallyRejected".to_owned(), Value::Null),
        ]
    );
    assert_eq!(
        state["steps"][1]["reason"],
        "the requester cannot approve their own order"
    );
    assert_eq!(
        state["levels"][0]["approvals"][0],
        json!({ "by": "rita@maple.example", "onBehalfOf": "paul@maple.example", "at": "2026-11-23T16:00:00Z" })
    );
}

#[test]
fn while_pending_the_summary_says_who_may_act_and_for_whom() {
    // Before rita approves: paul, and rita for him inside the delegation's period.
    let run = approvals(
        &example("maple.approvals-delegated.json"),
        &["--now", "2026-11-23T10:00:00-05:00", "--format", "text"],
        None,
    );
    ok(&run);
    assert_eq!(
        run.stdout,
        concat!(
            "state at 2026-11-23T10:00:00-05:00: pending at level 1\n",
            "levels:\n",
            "  level 1, any of paul@maple.example: pending (0 of 1)\n",
            "  level 2, any of cfo@maple.example: waiting\n",
            "may act now:\n",
            "  rita@maple.example for paul@maple.example: approve, reject, rejectLines\n",
            "  paul@maple.example: approve, reject, rejectLines\n",
            "rejected lines: none\n",
            "expires at: 2026-11-30T14:00:00Z\n",
        )
    );

    // Events after `now` are refused and change nothing.
    let run = approvals(
        &example("maple.approvals.json"),
        &[
            "--now",
            "2026-11-23T15:00:00-05:00",
            "--steps",
            "--format",
            "text",
        ],
        None,
    );
    ok(&run);
    assert!(
        run.stdout.contains(
            "2026-11-24T08:30:00-05:00 approved by cfo@maple.example → refused: the event is recorded after `now`\n"
        ),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("state at 2026-11-23T15:00:00-05:00: pending at level 2\n"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("may act now:\n  cfo@maple.example: approve, reject, rejectLines\n"),
        "{}",
        run.stdout
    );
}

#[test]
fn after_the_hold_an_undecided_order_expires() {
    let dir = tempfile::tempdir().unwrap();
    let events = write(
        dir.path(),
        "events.json",
        r#"{"submittedAt": "2026-11-23T09:00:00-05:00", "events": []}"#,
    );
    let before = state(&approvals(
        &events,
        &["--now", "2026-11-30T08:59:59-05:00"],
        None,
    ));
    assert_eq!(before["status"], "pending");
    let at = state(&approvals(
        &events,
        &["--now", "2026-11-30T09:00:00-05:00"],
        None,
    ));
    assert_eq!(at["status"], "expired");

    let run = approvals(&events, &["--steps", "--format", "text"], None);
    ok(&run);
    assert!(
        run.stdout
            .starts_with("no events\nstate at 2026-11-23T09:00:00-05:00: pending at level 1\n"),
        "{}",
        run.stdout
    );
}

#[test]
fn now_defaults_to_the_latest_event() {
    let implicit = approvals(&example("maple.approvals-delegated.json"), &[], None);
    let explicit = approvals(
        &example("maple.approvals-delegated.json"),
        &["--now", "2026-11-24T10:00:00-05:00"],
        None,
    );
    ok(&implicit);
    assert_eq!(implicit.stdout, explicit.stdout);
}

#[test]
fn steps_come_before_the_json() {
    let plain = approvals(&example("maple.approvals.json"), &[], None);
    let stepped = approvals(&example("maple.approvals.json"), &["--steps"], None);
    let text = approvals(
        &example("maple.approvals.json"),
        &["--steps", "--format", "text"],
        None,
    );
    ok(&stepped);
    assert!(
        plain.stdout.starts_with(
            "{\n  \"type\": \"success\",\n  \"result\": {\n    \"status\": \"approved\","
        ),
        "{}",
        plain.stdout
    );
    assert_eq!(stepped.stdout, format!("{}\n{}", text.stdout, plain.stdout));
}

#[test]
fn events_from_stdin() {
    let bytes = std::fs::read(example("maple.approvals.json")).unwrap();
    let from_stdin = approvals("-", &[], Some(&bytes));
    let from_file = approvals(&example("maple.approvals.json"), &[], None);
    ok(&from_stdin);
    assert_eq!(from_stdin.stdout, from_file.stdout);
}

#[test]
fn malformed_events_are_a_failure_answer() {
    let run = approvals("-", &[], Some(b"{\"submittedAt\": "));
    assert_eq!(run.code, 1, "stderr:\n{}", run.stderr);
    let answer = run.json();
    assert_eq!(answer["type"], "failure", "{answer:#}");
    assert_eq!(answer["errors"][0]["code"], "E0101");

    let run = approvals(
        "-",
        &["--steps"],
        Some(br#"{"submittedAt": "2026-11-23T09:00:00-05:00", "events": [], "extra": 1}"#),
    );
    assert_eq!(run.code, 1);
    let answer = run.json();
    assert_eq!(answer["errors"][0]["code"], "E0101", "{answer:#}");
    assert_eq!(answer["errors"][0]["path"], "extra");

    let run = approvals("-", &[], Some(br#"{"events": []}"#));
    assert_eq!(run.code, 1);
    assert_eq!(run.json()["errors"][0]["path"], "submittedAt");

    // A timestamp that is not RFC 3339 is the engine's E0306, by path.
    let run = approvals(
        "-",
        &[],
        Some(br#"{"submittedAt": "2026-11-23T09:00:00-05:00", "events": [{"type": "approved", "by": "paul@maple.example", "at": "yesterday"}]}"#),
    );
    assert_eq!(run.code, 1);
    let answer = run.json();
    assert_eq!(answer["errors"][0]["code"], "E0306", "{answer:#}");
    assert_eq!(answer["errors"][0]["path"], "events[0].at");

    // As text, the errors go to stderr and stdout stays empty.
    let run = approvals("-", &["--format", "text"], Some(b"[]"));
    assert_eq!(run.code, 1);
    assert!(run.stdout.is_empty(), "{}", run.stdout);
    assert!(run.stderr.contains("error[E0101]"), "{}", run.stderr);
}

#[test]
fn request_errors_name_their_path_under_checkout() {
    let dir = tempfile::tempdir().unwrap();
    let request = write(dir.path(), "request.json", r#"{"buyer": 3}"#);
    let (policy, directory, events) = (
        example("maple.procura"),
        example("maple.directory.json"),
        example("maple.approvals.json"),
    );
    let run = procura(
        &[
            "approvals",
            "--policy",
            &policy,
            "--directory",
            &directory,
            "--request",
            &request,
            "--events",
            &events,
        ],
        None,
    );
    assert_eq!(run.code, 1);
    let answer = run.json();
    assert_eq!(answer["errors"][0]["code"], "E0101", "{answer:#}");
    assert_eq!(answer["errors"][0]["path"], "checkout.buyer");
}

#[test]
fn policy_that_does_not_compile_is_rendered_like_check() {
    let dir = tempfile::tempdir().unwrap();
    let bad = write(dir.path(), "bad.procura", "policy \"x\" { currency }\n");
    let (request, events) = (
        example("maple.large-order.json"),
        example("maple.approvals.json"),
    );
    let run = procura(
        &[
            "approvals",
            "--policy",
            &bad,
            "--request",
            &request,
            "--events",
            &events,
        ],
        None,
    );
    assert_eq!(run.code, 1);
    assert!(run.stdout.is_empty(), "{}", run.stdout);
    let check = procura(&["check", &bad], None);
    assert_eq!(run.stderr, check.stdout);
}

#[test]
fn usage_and_io_problems_exit_2() {
    let run = approvals("/nonexistent/events.json", &[], None);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("cannot read"), "{}", run.stderr);

    let policy = example("maple.procura");
    let events = example("maple.approvals.json");
    let run = procura(
        &[
            "approvals",
            "--policy",
            &policy,
            "--request",
            "/nonexistent/request.json",
            "--events",
            &events,
        ],
        None,
    );
    assert_eq!(run.code, 2);

    let missing = procura(&["approvals", "--policy", &policy], None);
    assert_eq!(missing.code, 2, "{}", missing.stderr);

    let twice = procura(
        &[
            "approvals",
            "--policy",
            &policy,
            "--request",
            "-",
            "--events",
            "-",
        ],
        Some(b"{}"),
    );
    assert_eq!(twice.code, 2, "{}", twice.stderr);
}
