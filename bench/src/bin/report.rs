//! Regenerates the tables of BENCHMARKS.md from the results of a `scripts/bench.sh` run:
//! criterion's medians (target/criterion/**/new/estimates.json), the Node and wasmtime
//! runners' JSON and the callgrind profiles (target/bench-results/), the package sizes
//! (pkg/), and the peer comparison (every peer configuration and the hand-indexed reference
//! of bench/benches/peers.rs, with issue 18's targets against the fastest of them).
//! Everything between `<!-- BEGIN GENERATED -->` and `<!-- END GENERATED -->` is
//! replaced; the prose around it is kept.
//!
//! ```text
//! report [--results target/bench-results] [--criterion target/criterion] [--out BENCHMARKS.md]
//! ```

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use serde_json::Value;

const BEGIN: &str = "<!-- BEGIN GENERATED -->";
const END: &str = "<!-- END GENERATED -->";

/// Median nanoseconds by full criterion id, e.g. `checkout/1000/50`.
fn criterion_medians(dir: &Path) -> BTreeMap<String, f64> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(path) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&path) else {
            continue;
        };
        for entry in entries.flatten() {
            let p = entry.path();
            if p.is_dir() {
                if p.file_name().is_some_and(|n| n == "new") {
                    let benchmark = std::fs::read_to_string(p.join("benchmark.json"));
                    let estimates = std::fs::read_to_string(p.join("estimates.json"));
                    if let (Ok(b), Ok(e)) = (benchmark, estimates) {
                        let b: Value = serde_json::from_str(&b).unwrap_or_default();
                        let e: Value = serde_json::from_str(&e).unwrap_or_default();
                        if let (Some(id), Some(median)) = (
                            b["full_id"].as_str(),
                            e["median"]["point_estimate"].as_f64(),
                        ) {
                            out.insert(id.to_owned(), median);
                        }
                    }
                } else {
                    stack.push(p);
                }
            }
        }
    }
    out
}

/// `(case, api)` → median ns, from a runner's JSON.
fn runner(path: &Path) -> (BTreeMap<(String, String), f64>, Value) {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let value: Value = serde_json::from_str(&text).unwrap_or_default();
    let mut out = BTreeMap::new();
    for r in value["results"].as_array().into_iter().flatten() {
        if let (Some(case), Some(api), Some(median)) = (
            r["case"].as_str(),
            r["api"].as_str(),
            r["medianNs"].as_f64(),
        ) {
            out.insert((case.to_owned(), api.to_owned()), median);
        }
    }
    (out, value)
}

/// A duration in the unit that reads best: `850 ns`, `12.3 µs`, `4.56 ms`, `1.23 s`.
fn time(ns: f64) -> String {
    if ns < 1_000.0 {
        format!("{ns:.0} ns")
    } else if ns < 1_000_000.0 {
        format!("{:.1} µs", ns / 1_000.0)
    } else if ns < 1_000_000_000.0 {
        format!("{:.2} ms", ns / 1_000_000.0)
    } else {
        format!("{:.2} s", ns / 1_000_000_000.0)
    }
}

fn opt(ns: Option<f64>) -> String {
    ns.map_or_else(|| "—".to_owned(), time)
}

fn ratio(a: Option<f64>, b: Option<f64>) -> Option<f64> {
    match (a, b) {
        (Some(a), Some(b)) if b > 0.0 => Some(a / b),
        _ => None,
    }
}

fn x(r: Option<f64>) -> String {
    r.map_or_else(|| "—".to_owned(), |r| format!("{r:.2}×"))
}

fn gzip_len(path: &Path) -> Option<u64> {
    let out = std::process::Command::new("gzip")
        .args(["-9", "-c"])
        .arg(path)
        .output()
        .ok()?;
    Some(out.stdout.len() as u64)
}

fn kib(bytes: u64) -> String {
    format!("{:.1} KiB", bytes as f64 / 1024.0)
}

const SIZES: [u64; 3] = [100, 1_000, 10_000];

/// The peer configurations: criterion name and label (bench/benches/peers.rs).
const PEERS: [(&str, &str); 4] = [
    ("cedar", "cedar-policy, one policy set (default)"),
    ("cedar_sliced", "cedar-policy, sliced per action / category"),
    ("regorus", "regorus, interpreter (default)"),
    ("regorus_rvm", "regorus, compiled to its RVM"),
];
/// The hand-indexed plain-Rust reference (bench/src/reference.rs).
const REFERENCE: (&str, &str) = ("reference", "reference: hand-indexed Rust");
const LINES: [u64; 4] = [1, 10, 50, 200];

struct Target {
    what: &'static str,
    limit: String,
    measured: String,
    pass: Option<bool>,
    margin: String,
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let option = |name: &str, fallback: &str| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
            .map_or_else(|| PathBuf::from(fallback), PathBuf::from)
    };
    let results = option("--results", "target/bench-results");
    let criterion = criterion_medians(&option("--criterion", "target/criterion"));
    let out = option("--out", "BENCHMARKS.md");
    let pkg = option("--pkg", "pkg");
    let (mut node, node_raw) = runner(&results.join("node.json"));
    // The workflow through the back-office build of the package.
    let (back_office, _) = runner(&results.join("node-back-office.json"));
    node.extend(back_office);
    let (wasmtime, wasmtime_raw) = runner(&results.join("wasmtime.json"));
    let c = |id: &str| criterion.get(id).copied();
    let n = |case: &str, api: &str| node.get(&(case.to_owned(), api.to_owned())).copied();
    let w = |case: &str, api: &str| wasmtime.get(&(case.to_owned(), api.to_owned())).copied();

    let mut md = String::new();
    let machine = std::fs::read_to_string(results.join("machine.txt")).unwrap_or_default();
    let _ = writeln!(md, "### Machine\n\n```text\n{}```\n", machine);

    // ── native ──
    let _ = writeln!(md, "### Native (criterion, medians)\n");
    let _ = writeln!(
        md,
        "Checkout, one call (`Engine::evaluate`, typed request; per line in brackets):\n"
    );
    let _ = writeln!(
        md,
        "| rules \\ cart lines | {} |",
        LINES.map(|l| l.to_string()).join(" | ")
    );
    let _ = writeln!(md, "| ---: |{}", " ---: |".repeat(LINES.len()));
    for rules in SIZES {
        let cells: Vec<String> = LINES
            .iter()
            .map(|&lines| {
                let v = c(&format!("checkout/{rules}/{lines}"));
                match v {
                    Some(v) => format!("{} ({})", time(v), time(v / lines as f64)),
                    None => "—".into(),
                }
            })
            .collect();
        let _ = writeln!(md, "| {rules} | {} |", cells.join(" | "));
    }
    let _ = writeln!(md, "\nHow checkout cost grows with rules (same cart):\n");
    let _ = writeln!(
        md,
        "| cart lines | 100 → 1,000 rules | 1,000 → 10,000 rules |"
    );
    let _ = writeln!(md, "| ---: | ---: | ---: |");
    for lines in LINES {
        let at = |rules: u64| c(&format!("checkout/{rules}/{lines}"));
        let _ = writeln!(
            md,
            "| {lines} | {} | {} |",
            x(ratio(at(1_000), at(100))),
            x(ratio(at(10_000), at(1_000)))
        );
    }
    let _ = writeln!(
        md,
        "\nHow checkout cost grows with cart lines (same policy):\n"
    );
    let _ = writeln!(
        md,
        "| rules | 1 → 10 lines | 10 → 50 lines | 50 → 200 lines |"
    );
    let _ = writeln!(md, "| ---: | ---: | ---: | ---: |");
    for rules in SIZES {
        let at = |lines: u64| c(&format!("checkout/{rules}/{lines}"));
        let _ = writeln!(
            md,
            "| {rules} | {} | {} | {} |",
            x(ratio(at(10), at(1))),
            x(ratio(at(50), at(10))),
            x(ratio(at(200), at(50)))
        );
    }
    let _ = writeln!(md, "\nThe other workloads:\n");
    let _ = writeln!(md, "| workload | 100 rules | 1,000 rules | 10,000 rules |");
    let _ = writeln!(md, "| --- | ---: | ---: | ---: |");
    let row = |md: &mut String, label: &str, id: &dyn Fn(u64) -> String| {
        let cells: Vec<String> = SIZES.iter().map(|&r| opt(c(&id(r)))).collect();
        let _ = writeln!(md, "| {label} | {} |", cells.join(" | "));
    };
    row(&mut md, "compile (source → compiled policy)", &|r| {
        format!("compile/policy/{r}")
    });
    row(&mut md, "compile with the 10,000-user directory", &|r| {
        format!("compile/policy+directory/{r}")
    });
    row(
        &mut md,
        "checkout, JSON in and out (`evaluate_json`), 50 lines",
        &|r| format!("checkout_json/{r}/50"),
    );
    row(
        &mut md,
        "checkout, 50 lines, a tenth of the rules in play (`policy_beside`)",
        &|r| format!("checkout_beside/{r}/50"),
    );
    row(&mut md, "badges, 1,000 products", &|r| {
        format!("badges/{r}/1000")
    });
    let plan_ids: BTreeMap<u64, String> = SIZES
        .iter()
        .filter_map(|&r| {
            let prefix = format!("approval/plan/{r}/");
            criterion
                .keys()
                .find(|k| k.starts_with(&prefix))
                .map(|k| (r, k.clone()))
        })
        .collect();
    {
        let cells: Vec<String> = SIZES
            .iter()
            .map(|r| match plan_ids.get(r) {
                Some(id) => format!(
                    "{} ({} levels)",
                    opt(c(id)),
                    id.rsplit('/').next().unwrap_or("?")
                ),
                None => "—".into(),
            })
            .collect();
        let _ = writeln!(
            md,
            "| approval plan alone (every level in scope merged, approvers resolved) | {} |",
            cells.join(" | ")
        );
    }
    row(&mut md, "approval-heavy checkout (10 lines)", &|r| {
        format!("approval/checkout/{r}")
    });
    row(&mut md, "workflow progress, 10 events", &|r| {
        format!("progress/{r}/10")
    });
    let auth = c("authorize/checks/1000");
    let _ = writeln!(
        md,
        "\nPermission checks: 1,000 checks in {} ({} per check).\n",
        opt(auth),
        opt(auth.map(|a| a / 1000.0))
    );

    // ── runtimes ──
    let _ = writeln!(md, "### Native, wasmtime and Node side by side (medians)\n");
    let _ = writeln!(
        md,
        "Native is criterion's median of the typed call (`*_json` in brackets where measured); \
         wasmtime is `procura-host` on `pkg/core/procura.wasm` (JSON bytes in and out, fuel \
         metering on); Node is `pkg/node` with plain objects (`policy.evaluate(request)`) and \
         with JSON text (`evaluateJson`).\n"
    );
    let _ = writeln!(
        md,
        "| case | native | wasmtime | Node (objects) | Node (JSON text) |"
    );
    let _ = writeln!(md, "| --- | ---: | ---: | ---: | ---: |");
    let mut side =
        |label: String, native: Option<f64>, wt: Option<f64>, no: Option<f64>, nj: Option<f64>| {
            let _ = writeln!(
                md,
                "| {label} | {} | {} | {} | {} |",
                opt(native),
                opt(wt),
                opt(no),
                opt(nj)
            );
        };
    for rules in SIZES {
        side(
            format!("compile {rules} rules"),
            c(&format!("compile/policy/{rules}")),
            w(&format!("compile/{rules}"), "procura_compile(source)"),
            n(&format!("compile/{rules}"), "compile(source)"),
            None,
        );
    }
    for rules in SIZES {
        side(
            format!("compile {rules} rules + 10,000 users"),
            c(&format!("compile/policy+directory/{rules}")),
            w(
                &format!("compile/{rules}+directory"),
                "procura_compile(source, directory)",
            ),
            n(
                &format!("compile/{rules}+directory"),
                "compile(source, directory)",
            ),
            None,
        );
    }
    for rules in SIZES {
        for lines in LINES {
            let case = format!("checkout/{rules}/{lines}");
            side(
                format!("checkout {rules} rules, {lines}-line cart"),
                c(&case),
                w(&case, "procura_evaluate"),
                n(&case, "evaluate(object)"),
                n(&case, "evaluateJson(text)"),
            );
        }
    }
    for rules in SIZES {
        let case = format!("badges/{rules}/1000");
        side(
            format!("badges {rules} rules, 1,000 products"),
            c(&case),
            w(&case, "procura_badges"),
            n(&case, "badges(object)"),
            n(&case, "badgesJson(text)"),
        );
    }
    for rules in SIZES {
        let case = format!("approval/{rules}");
        side(
            format!("approval-heavy checkout {rules} rules"),
            c(&format!("approval/checkout/{rules}")),
            w(&case, "procura_evaluate"),
            n(&case, "evaluate(object)"),
            n(&case, "evaluateJson(text)"),
        );
    }
    for rules in SIZES {
        let case = format!("progress/{rules}");
        side(
            format!("workflow progress {rules} rules, 10 events"),
            c(&format!("progress/{rules}/10")),
            w(&case, "procura_progress"),
            n(&case, "progress(object)"),
            None,
        );
    }
    side(
        "1,000 permission checks".into(),
        auth,
        w("authorize/1000", "procura_authorize"),
        n("authorize/1000", "authorize(object)"),
        n("authorize/1000", "authorizeJson(text)"),
    );
    if let Some(load) = wasmtime_raw["moduleLoadMs"].as_f64() {
        let _ = writeln!(md, "\nwasmtime: loading the core module took {load:.0} ms (cached native code in target/wasmtime-cache when present).");
    }
    if let Some(version) = node_raw["node"].as_str() {
        let _ = writeln!(md, "Node {version}.");
    }

    // ── peers ──
    let perm_at = |engine: &str| c(&format!("peers_permission/{engine}/1000"));
    let _ = writeln!(
        md,
        "\n### Peers: the same questions in cedar-policy and regorus, at their defaults and at their best\n"
    );
    // The workloads: criterion id of an engine's run, and the column title.
    let peer_workloads: Vec<(String, String)> = std::iter::once((
        "peers_permission/{}/1000".to_owned(),
        "1,000 permission checks".to_owned(),
    ))
    .chain(SIZES.iter().map(|&rules| {
        let count = match rules {
            100 => "100",
            1_000 => "1,000",
            _ => "10,000",
        };
        let title = if rules == SIZES[0] {
            format!("category restriction (500 products), {count} rules")
        } else {
            format!("{count} rules")
        };
        (format!("peers_category/{{}}/{rules}/500"), title)
    }))
    .collect();
    let at = |workload: &str, engine: &str| c(&workload.replace("{}", engine));
    let fastest = |workload: &str| -> Option<(&'static str, f64)> {
        PEERS
            .iter()
            .filter_map(|(engine, label)| at(workload, engine).map(|v| (*label, v)))
            .min_by(|a, b| a.1.total_cmp(&b.1))
    };
    let _ = writeln!(
        md,
        "Medians of the whole batch (1,000 checks; 20 pages of 25 products):\n"
    );
    let _ = writeln!(
        md,
        "| configuration | {} |",
        peer_workloads
            .iter()
            .map(|(_, t)| t.as_str())
            .collect::<Vec<_>>()
            .join(" | ")
    );
    let _ = writeln!(md, "| --- |{}", " ---: |".repeat(peer_workloads.len()));
    for (engine, label) in std::iter::once(&("procura", "**Procura**"))
        .chain(PEERS.iter())
        .chain(std::iter::once(&REFERENCE))
    {
        let cells: Vec<String> = peer_workloads
            .iter()
            .map(|(w, _)| opt(at(w, engine)))
            .collect();
        let _ = writeln!(md, "| {label} | {} |", cells.join(" | "));
    }
    let _ = writeln!(md, "\nEach configuration's time ÷ Procura's (above 1: Procura is faster), and Procura's ÷ the reference's:\n");
    let _ = writeln!(
        md,
        "| | {} |",
        peer_workloads
            .iter()
            .map(|(_, t)| t.as_str())
            .collect::<Vec<_>>()
            .join(" | ")
    );
    let _ = writeln!(md, "| --- |{}", " ---: |".repeat(peer_workloads.len()));
    for (engine, label) in PEERS.iter() {
        let cells: Vec<String> = peer_workloads
            .iter()
            .map(|(w, _)| x(ratio(at(w, engine), at(w, "procura"))))
            .collect();
        let _ = writeln!(md, "| {label} ÷ Procura | {} |", cells.join(" | "));
    }
    let cells: Vec<String> = peer_workloads
        .iter()
        .map(|(w, _)| match fastest(w) {
            Some((label, v)) => format!("{} ({label})", x(ratio(Some(v), at(w, "procura")))),
            None => "—".into(),
        })
        .collect();
    let _ = writeln!(
        md,
        "| fastest peer configuration ÷ Procura | {} |",
        cells.join(" | ")
    );
    let cells: Vec<String> = peer_workloads
        .iter()
        .map(|(w, _)| x(ratio(at(w, "procura"), at(w, REFERENCE.0))))
        .collect();
    let _ = writeln!(md, "| Procura ÷ reference | {} |", cells.join(" | "));
    let _ = writeln!(
        md,
        "\nPer permission check: Procura {}, the fastest peer configuration {}, the reference {}.",
        opt(perm_at("procura").map(|v| v / 1000.0)),
        opt(fastest(&peer_workloads[0].0).map(|(_, v)| v / 1000.0)),
        opt(perm_at(REFERENCE.0).map(|v| v / 1000.0))
    );
    // Issue 18's targets: against the fastest peer configuration and the reference.
    let perm_vs_peer =
        fastest(&peer_workloads[0].0).and_then(|(_, v)| ratio(Some(v), perm_at("procura")));
    let perm_vs_reference = ratio(perm_at("procura"), perm_at(REFERENCE.0));
    let category_vs_peer: Vec<Option<f64>> = peer_workloads[1..]
        .iter()
        .map(|(w, _)| fastest(w).and_then(|(_, v)| ratio(Some(v), at(w, "procura"))))
        .collect();
    let category_vs_reference: Vec<Option<f64>> = peer_workloads[1..]
        .iter()
        .map(|(w, _)| ratio(at(w, "procura"), at(w, REFERENCE.0)))
        .collect();

    // ── sizes ──
    let _ = writeln!(md, "\n### Sizes\n");
    // The checkout build is the published package; the back-office build adds the
    // workflow and invoicing (scripts/build-pkg.sh --back-office).
    let flavour = match std::fs::read_to_string(pkg.join("node/procura.js")) {
        Ok(js) if js.contains("progress") => "back-office build",
        Ok(_) => "checkout build",
        Err(_) => "not built",
    };
    let _ = writeln!(md, "Package measured: the {flavour} of `pkg/`.\n");
    let _ = writeln!(md, "| file | raw | gzip -9 |");
    let _ = writeln!(md, "| --- | ---: | ---: |");
    let mut package_raw = 0;
    let mut package_gz = 0;
    for file in [
        "web/procura_bg.wasm",
        "web/procura.js",
        "node/procura_bg.wasm",
        "node/procura.js",
        "core/procura.wasm",
    ] {
        let path = pkg.join(file);
        if let Ok(meta) = std::fs::metadata(&path) {
            let gz = gzip_len(&path).unwrap_or(0);
            let _ = writeln!(md, "| `pkg/{file}` | {} | {} |", kib(meta.len()), kib(gz));
        }
    }
    for dir in ["web", "node"] {
        for entry in std::fs::read_dir(pkg.join(dir))
            .into_iter()
            .flatten()
            .flatten()
        {
            if let Ok(meta) = entry.metadata() {
                package_raw += meta.len();
                package_gz += gzip_len(&entry.path()).unwrap_or(0);
            }
        }
    }
    if package_raw > 0 {
        let _ = writeln!(
            md,
            "| npm package `pkg/` (web + node builds, every file) | {} | {} (files gzipped one by one) |",
            kib(package_raw),
            kib(package_gz)
        );
    }
    if let Ok(pack) = std::fs::read_to_string(results.join("npm-pack.json")) {
        let v: Value = serde_json::from_str(&pack).unwrap_or_default();
        if let (Some(size), Some(unpacked)) = (v[0]["size"].as_u64(), v[0]["unpackedSize"].as_u64())
        {
            let _ = writeln!(
                md,
                "| `npm pack` tarball (what `npm install` downloads) | {} unpacked | {} tarball |",
                kib(unpacked),
                kib(size)
            );
        }
    }

    // ── targets ──
    let checkout = c("checkout/1000/50");
    let node_checkout = n("checkout/1000/50", "evaluate(object)");
    let node_checkout_json = n("checkout/1000/50", "evaluateJson(text)");
    let growth: Vec<Option<f64>> = LINES
        .iter()
        .map(|l| {
            ratio(
                c(&format!("checkout/10000/{l}")),
                c(&format!("checkout/1000/{l}")),
            )
        })
        .collect();
    let growth50 = ratio(c("checkout/10000/50"), c("checkout/1000/50"));
    let beside50 = ratio(c("checkout_beside/10000/50"), c("checkout/1000/50"));
    let growth_margin = |growth: Option<f64>| -> String {
        match growth {
            Some(g) if g <= 1.5 => "holds".into(),
            Some(g) => format!("missed by {:.2}×", g - 1.5),
            None => "not measured".into(),
        }
    };
    let cedar_ratio = ratio(perm_at("cedar"), perm_at("procura"));
    let rego_ratio = ratio(perm_at("regorus"), perm_at("procura"));
    let wasm_compile = n("compile/1000", "compile(source)");
    let badges = c("badges/1000/1000");
    let at_most = |v: Option<f64>, limit: f64| v.map(|v| v <= limit);
    let margin = |v: Option<f64>, limit: f64| match v {
        Some(v) if v <= limit => format!("{:.0}% under", (1.0 - v / limit) * 100.0),
        Some(v) => format!(
            "missed by {} ({:.1}× the limit)",
            time(v - limit),
            v / limit
        ),
        None => "not measured".into(),
    };
    // `≥ limit×` and `≤ limit×` targets: "holds", or how far off (`sizes`: at which size).
    let at_least = |r: Option<f64>, limit: f64, sizes: &str| match r {
        Some(r) if r >= limit => "holds".to_owned(),
        Some(r) => format!("{r:.2}× of the {limit:.0}× asked{sizes}"),
        None => "not measured".into(),
    };
    let at_most_ratio = |r: Option<f64>, limit: f64, sizes: &str| match r {
        Some(r) if r <= limit => "holds".to_owned(),
        Some(r) => format!("{r:.2}×, {:.1}× the {limit:.0}× allowed{sizes}", r / limit),
        None => "not measured".into(),
    };
    // The worst of several sizes; `None` when any is not measured.
    let worst = |rs: &[Option<f64>], pick: fn(f64, f64) -> f64| -> Option<f64> {
        rs.iter()
            .copied()
            .collect::<Option<Vec<f64>>>()
            .and_then(|v| v.into_iter().reduce(pick))
    };
    let targets = [
        Target {
            what: "checkout, 50 lines, 1,000 rules, native",
            limit: "≤ 10 µs".into(),
            measured: opt(checkout),
            pass: at_most(checkout, 10_000.0),
            margin: margin(checkout, 10_000.0),
        },
        Target {
            what: "checkout, 50 lines, 1,000 rules, Node package",
            limit: "≤ 25 µs".into(),
            measured: format!(
                "{} (objects), {} (JSON text)",
                opt(node_checkout),
                opt(node_checkout_json)
            ),
            pass: at_most(
                node_checkout.zip(node_checkout_json).map(|(a, b)| a.min(b)),
                25_000.0,
            ),
            margin: margin(
                node_checkout.zip(node_checkout_json).map(|(a, b)| a.min(b)),
                25_000.0,
            ),
        },
        Target {
            what: "checkout, 1,000 → 10,000 rules of which 10% can apply (as many in play as at 1,000)",
            limit: "≤ 1.5×".into(),
            measured: format!("{} at 50 lines", x(beside50)),
            pass: beside50.map(|g| g <= 1.5),
            margin: growth_margin(beside50),
        },
        Target {
            what: "checkout, 1,000 → 10,000 rules of the same mix (ten times as many apply)",
            limit: "≤ 1.5×".into(),
            measured: format!(
                "{} at 50 lines ({} at 1 / 10 / 50 / 200 lines)",
                x(growth50),
                growth.iter().map(|g| x(*g)).collect::<Vec<_>>().join(" / ")
            ),
            pass: growth50.map(|g| g <= 1.5),
            margin: growth_margin(growth50),
        },
        Target {
            what: "permission checks vs cedar-policy",
            limit: "≥ 10× faster".into(),
            measured: x(cedar_ratio),
            pass: cedar_ratio.map(|r| r >= 10.0),
            margin: cedar_ratio.map_or("not measured".into(), |r| {
                if r >= 10.0 {
                    "holds".into()
                } else {
                    format!("{r:.1}× of the 10× asked")
                }
            }),
        },
        Target {
            what: "permission checks vs regorus",
            limit: "≥ 10× faster".into(),
            measured: x(rego_ratio),
            pass: rego_ratio.map(|r| r >= 10.0),
            margin: rego_ratio.map_or("not measured".into(), |r| {
                if r >= 10.0 {
                    "holds".into()
                } else {
                    format!("{r:.1}× of the 10× asked")
                }
            }),
        },
        Target {
            what: "permission checks vs the fastest peer configuration",
            limit: "≥ 20× faster".into(),
            measured: x(perm_vs_peer),
            pass: perm_vs_peer.map(|r| r >= 20.0),
            margin: at_least(perm_vs_peer, 20.0, ""),
        },
        Target {
            what: "permission checks, Procura ÷ hand-indexed reference",
            limit: "≤ 3×".into(),
            measured: x(perm_vs_reference),
            pass: perm_vs_reference.map(|r| r <= 3.0),
            margin: at_most_ratio(perm_vs_reference, 3.0, ""),
        },
        Target {
            what: "category restriction vs the fastest peer configuration (500 products; 100 / 1,000 / 10,000 rules)",
            limit: "≥ 20× faster".into(),
            measured: category_vs_peer.iter().map(|r| x(*r)).collect::<Vec<_>>().join(" / "),
            pass: worst(&category_vs_peer, f64::min).map(|r| r >= 20.0),
            margin: at_least(worst(&category_vs_peer, f64::min), 20.0, " at the worst size"),
        },
        Target {
            what: "category restriction, Procura ÷ hand-indexed reference (100 / 1,000 / 10,000 rules)",
            limit: "≤ 3×".into(),
            measured: category_vs_reference.iter().map(|r| x(*r)).collect::<Vec<_>>().join(" / "),
            pass: worst(&category_vs_reference, f64::max).map(|r| r <= 3.0),
            margin: at_most_ratio(worst(&category_vs_reference, f64::max), 3.0, " at the worst size"),
        },
        Target {
            what: "compile, 1,000 rules, wasm (Node `compile(source)`)",
            limit: "≤ 10 ms".into(),
            measured: opt(wasm_compile),
            pass: at_most(wasm_compile, 10_000_000.0),
            margin: margin(wasm_compile, 10_000_000.0),
        },
        Target {
            what: "badges, 1,000 products (1,000 rules), native",
            limit: "≤ 1 ms".into(),
            measured: opt(badges),
            pass: at_most(badges, 1_000_000.0),
            margin: margin(badges, 1_000_000.0),
        },
    ];
    let mut targets_md =
        String::from("| target | limit | measured | | margin |\n| --- | --- | --- | --- | --- |\n");
    for t in &targets {
        let verdict = match t.pass {
            Some(true) => "**pass**",
            Some(false) => "**miss**",
            None => "not measured",
        };
        let _ = writeln!(
            targets_md,
            "| {} | {} | {} | {verdict} | {} |",
            t.what, t.limit, t.measured, t.margin
        );
    }
    md = format!("### Targets\n\n{targets_md}\n{md}");

    // ── profiles ──
    let mut profiles: Vec<PathBuf> = std::fs::read_dir(&results)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("profile-") && n.ends_with(".txt"))
        })
        .collect();
    profiles.sort();
    if !profiles.is_empty() {
        let _ = writeln!(md, "\n### Profiles (callgrind, instruction counts)\n");
        for p in profiles {
            let text = std::fs::read_to_string(&p).unwrap_or_default();
            let name = p.file_stem().and_then(|s| s.to_str()).unwrap_or("?");
            let _ = writeln!(md, "`{name}`:\n\n```text\n{}\n```\n", text.trim_end());
        }
    }

    let existing = std::fs::read_to_string(&out).unwrap_or_default();
    let document = match (existing.find(BEGIN), existing.find(END)) {
        (Some(b), Some(e)) if b < e => {
            format!("{}{BEGIN}\n\n{md}\n{}", &existing[..b], &existing[e..])
        }
        _ => format!("# Benchmarks\n\n{BEGIN}\n\n{md}\n{END}\n"),
    };
    if let Err(error) = std::fs::write(&out, document) {
        eprintln!("report: {}: {error}", out.display());
        return ExitCode::FAILURE;
    }
    println!("report: wrote {}", out.display());
    ExitCode::SUCCESS
}
