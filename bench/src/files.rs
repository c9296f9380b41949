//! The workload files that the Node runner (`bench/node/run.mjs`) and the wasmtime runner
//! (`procura-host`'s `procura-bench-wasmtime`) read: policies, the directory, requests, and
//! `manifest.json` listing every case. `gen-workloads` writes them to
//! `target/bench-workloads/`.

use std::path::Path;

use serde::Serialize;

use crate::workload::{self, Org, PolicySpec, CART_SIZES, SIZES};

/// One measured case: what to call, on which policy, with which request file.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Case {
    /// E.g. `checkout/1000/50`.
    pub name: String,
    /// `compile`, `evaluate`, `authorize`, `badges` or `progress`.
    pub op: &'static str,
    /// The policy's rule count (a key of [`Manifest::policies`]).
    pub policy: usize,
    /// The request file; for `authorize` a JSON array of requests, timed as one batch.
    pub request: Option<String>,
    /// How many questions one call (or batch) answers.
    pub items: usize,
    /// Part of the quick smoke run (smallest size only).
    pub quick: bool,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Manifest {
    /// Rule count → policy file.
    pub policies: Vec<(usize, String)>,
    pub directory: String,
    pub cases: Vec<Case>,
}

/// Every case, in report order.
pub fn cases() -> Vec<Case> {
    let mut cases = Vec::new();
    let smallest = SIZES[0];
    for &rules in &SIZES {
        cases.push(Case {
            name: format!("compile/{rules}"),
            op: "compile",
            policy: rules,
            request: None,
            items: 1,
            quick: rules == smallest,
        });
    }
    for &rules in &SIZES {
        for &lines in &CART_SIZES {
            cases.push(Case {
                name: format!("checkout/{rules}/{lines}"),
                op: "evaluate",
                policy: rules,
                request: Some(format!("checkout-{rules}-{lines}.json")),
                items: 1,
                quick: rules == smallest && lines == CART_SIZES[0],
            });
        }
    }
    for &rules in &SIZES {
        cases.push(Case {
            name: format!("badges/{rules}/{}", workload::BADGE_PRODUCTS),
            op: "badges",
            policy: rules,
            request: Some(format!("badges-{rules}.json")),
            items: 1,
            quick: rules == smallest,
        });
        cases.push(Case {
            name: format!("approval/{rules}"),
            op: "evaluate",
            policy: rules,
            request: Some(format!("approval-{rules}.json")),
            items: 1,
            quick: rules == smallest,
        });
        cases.push(Case {
            name: format!("progress/{rules}"),
            op: "progress",
            policy: rules,
            request: Some(format!("progress-{rules}.json")),
            items: 1,
            quick: rules == smallest,
        });
    }
    cases.push(Case {
        name: format!("authorize/{}", workload::AUTHORIZE_CHECKS),
        op: "authorize",
        policy: 1_000,
        request: Some("authorize.json".into()),
        items: workload::AUTHORIZE_CHECKS,
        quick: true,
    });
    cases
}

/// The approval plan of the approval-heavy order, from the native engine (the workflow's
/// events name its approvers).
pub fn plan(
    engine: &procura::Engine,
    org: &Org,
    spec: &PolicySpec,
) -> procura::contract::ApprovalPlan {
    match engine.evaluate(&workload::approval_request(org, spec)) {
        procura::contract::Answer::Success { result } => result.approval,
        procura::contract::Answer::Failure { .. } => Default::default(),
    }
}

fn write(dir: &Path, name: &str, text: &str) -> std::io::Result<()> {
    std::fs::write(dir.join(name), text)
}

fn json<T: Serialize>(value: &T) -> std::io::Result<String> {
    serde_json::to_string(value).map_err(std::io::Error::other)
}

/// Writes every workload file and the manifest into `dir`; with `quick`, only the smallest
/// size's (the smoke test's) files and cases.
pub fn write_all(dir: &Path, quick: bool) -> std::io::Result<Manifest> {
    std::fs::create_dir_all(dir)?;
    let org = workload::org();
    write(dir, "directory.json", &json(&org.directory)?)?;
    let mut policies = Vec::new();
    for &rules in SIZES.iter().take(if quick { 1 } else { SIZES.len() }) {
        let spec = workload::policy(&org, rules);
        let file = format!("policy-{rules}.procura");
        write(dir, &file, &spec.source)?;
        policies.push((rules, file));
        for &lines in CART_SIZES
            .iter()
            .take(if quick { 1 } else { CART_SIZES.len() })
        {
            let request = workload::checkout_request(&org, &spec, lines);
            write(
                dir,
                &format!("checkout-{rules}-{lines}.json"),
                &json(&request)?,
            )?;
        }
        write(
            dir,
            &format!("badges-{rules}.json"),
            &json(&workload::badge_request(&org))?,
        )?;
        write(
            dir,
            &format!("approval-{rules}.json"),
            &json(&workload::approval_request(&org, &spec))?,
        )?;
        let engine = procura::Engine::new(&spec.source, &org.directory).map_err(|errors| {
            std::io::Error::other(format!(
                "the {rules}-rule policy does not compile: {errors:?}"
            ))
        })?;
        let plan = plan(&engine, &org, &spec);
        write(
            dir,
            &format!("progress-{rules}.json"),
            &json(&workload::progress_request(&org, &spec, &plan))?,
        )?;
    }
    write(
        dir,
        "authorize.json",
        &json(&workload::authorize_requests(&org))?,
    )?;
    let manifest = Manifest {
        policies,
        directory: "directory.json".into(),
        cases: cases()
            .into_iter()
            .filter(|c| !quick || c.quick)
            // Permission checks need roles and groups only: any policy will do.
            .map(|c| Case {
                policy: if quick {
                    SIZES.first().copied().unwrap_or(c.policy)
                } else {
                    c.policy
                },
                ..c
            })
            .collect(),
    };
    write(dir, "manifest.json", &json(&manifest)?)?;
    Ok(manifest)
}
