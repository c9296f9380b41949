//! Runs one workload in a loop, for profilers (`valgrind --tool=callgrind`, `perf`):
//!
//! ```text
//! profile checkout 1000 50 200     # workload, rules, cart lines (or items), iterations
//! profile checkout-json 1000 50 200 # the same through JSON text in and out
//! profile compile 1000 - 5
//! profile badges 1000 - 20
//! profile authorize 1000 - 20
//! ```
//!
//! Setup (generating the workload, compiling the policy) happens before the loop; with
//! callgrind, `--toggle-collect=procura_bench_profile_loop` counts only the loop.
use std::hint::black_box;
use std::process::ExitCode;

use procura::contract::Directory;
use procura::Engine;
use procura_bench::workload;

/// The measured loop; callgrind's `--toggle-collect` names it.
#[inline(never)]
#[no_mangle]
pub fn procura_bench_profile_loop(iterations: usize, step: &mut dyn FnMut()) {
    let started = std::time::Instant::now();
    for _ in 0..iterations {
        step();
    }
    // A rough mean for a quick look while profiling; BENCHMARKS.md's figures are criterion's.
    let mean = started.elapsed().as_secs_f64() / iterations.max(1) as f64;
    eprintln!(
        "profile: {iterations} iterations, mean {:.1} µs",
        mean * 1e6
    );
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let arg = |i: usize| args.get(i).map(String::as_str);
    let (Some(what), Some(rules)) = (arg(0), arg(1).and_then(|r| r.parse::<usize>().ok())) else {
        eprintln!("usage: profile compile|checkout|badges|authorize|approval|progress RULES [LINES|-] [ITERATIONS]");
        return ExitCode::from(2);
    };
    let lines = arg(2).and_then(|l| l.parse::<usize>().ok()).unwrap_or(50);
    let iterations = arg(3).and_then(|n| n.parse::<usize>().ok()).unwrap_or(100);
    let org = workload::org();
    // `beside` instead of `checkout`: the 10%-applicable policy of `workload::policy_beside`.
    let spec = if what == "beside" {
        workload::policy_beside(&org, rules, 10)
    } else {
        workload::policy(&org, rules)
    };
    let engine = match Engine::new(&spec.source, &org.directory) {
        Ok(engine) => engine,
        Err(errors) => {
            eprintln!("the policy does not compile: {errors:?}");
            return ExitCode::FAILURE;
        }
    };
    match what {
        "compile" => procura_bench_profile_loop(iterations, &mut || {
            let _ = black_box(Engine::new(black_box(&spec.source), &Directory::default()));
        }),
        "checkout" | "beside" => {
            let request = workload::checkout_request(&org, &spec, lines);
            // PROCURA_PROFILE_DUMP=FILE writes one decision there, to see what was measured.
            if let Some(path) = std::env::var_os("PROCURA_PROFILE_DUMP") {
                let decision = serde_json::to_string_pretty(&engine.evaluate(&request));
                let _ = std::fs::write(path, decision.unwrap_or_default());
            }
            procura_bench_profile_loop(iterations, &mut || {
                black_box(engine.evaluate(black_box(&request)));
            });
        }
        "checkout-json" => {
            let request = workload::checkout_request(&org, &spec, lines);
            let text = serde_json::to_string(&request).unwrap_or_default();
            procura_bench_profile_loop(iterations, &mut || {
                black_box(engine.evaluate_json(black_box(&text)));
            });
        }
        "badges" => {
            let request = workload::badge_request(&org);
            procura_bench_profile_loop(iterations, &mut || {
                black_box(engine.badges(black_box(&request)));
            });
        }
        "authorize" => {
            let checks = workload::authorize_requests(&org);
            procura_bench_profile_loop(iterations, &mut || {
                for check in &checks {
                    black_box(engine.authorize(black_box(check)));
                }
            });
        }
        "approval" => {
            let request = workload::approval_request(&org, &spec);
            procura_bench_profile_loop(iterations, &mut || {
                black_box(engine.evaluate(black_box(&request)));
            });
        }
        "progress" => {
            let plan = procura_bench::files::plan(&engine, &org, &spec);
            let request = workload::progress_request(&org, &spec, &plan);
            procura_bench_profile_loop(iterations, &mut || {
                black_box(engine.progress(black_box(&request)));
            });
        }
        other => {
            eprintln!("unknown workload `{other}`");
            return ExitCode::from(2);
        }
    }
    ExitCode::SUCCESS
}
