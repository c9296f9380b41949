//! Runs one workload in a loop, for profilers (`valgrind --tool=callgrind`, `perf`):
//!
//! ```text
//! profile checkout 1000 50 200     # workload, rules, cart lines (or items), iterations
//! profile checkout-json 1000 50 200 # the same through JSON text in and out
//! profile compile 1000 - 5
//! profile load 1000 - 20           # loading the policy's artifact (procura build)
//! profile badges 1000 - 20
//! profile authorize 1000 - 20
//! profile category 1000 - 20       # the peer comparison's 20 pages of 25 products
//! profile authorize-reference 1000 - 20   # the hand-indexed reference, both questions
//! profile category-reference 1000 - 20
//! ```
//!
//! With `--features peers`, the peer configurations on the same two questions:
//! `authorize-` or `category-` followed by `cedar`, `cedar-sliced`, `regorus` or `rvm`
//! (bench/benches/peers.rs times the same calls).
//!
//! Setup (generating the workload, compiling the policy) happens before the loop; with
//! callgrind, `--toggle-collect=procura_bench_profile_loop` counts only the loop.
use std::hint::black_box;
use std::process::ExitCode;

use procura::contract::Directory;
use procura::Engine;
use procura_bench::reference::Reference;
use procura_bench::workload;

/// The peer configurations of the peer comparison, one question and engine per run.
#[cfg(feature = "peers")]
mod peers {
    use std::hint::black_box;

    use procura_bench::peers::{check_actions, page_categories, Cedar, CedarSliced, Rego, RegoRvm};
    use procura_bench::workload::{self, BlockSpec, Org};

    use super::procura_bench_profile_loop;

    pub fn run(
        what: &str,
        org: &Org,
        blocks: &[BlockSpec],
        iterations: usize,
    ) -> Result<(), String> {
        let checks = workload::authorize_requests(org);
        let pages = workload::category_requests(org);
        match what {
            "authorize-cedar"
            | "authorize-cedar-sliced"
            | "category-cedar"
            | "category-cedar-sliced" => {
                let cedar = Cedar::new(org, blocks)?;
                let sliced = CedarSliced::new(&cedar, org, blocks)?;
                let actions = check_actions(&checks);
                let categories = page_categories(&pages);
                let permission = cedar.permission_requests(&checks)?;
                let category = cedar.category_requests(&pages)?;
                procura_bench_profile_loop(iterations, &mut || match what {
                    "authorize-cedar" => permission.iter().for_each(|r| {
                        black_box(cedar.allowed(black_box(r)));
                    }),
                    "authorize-cedar-sliced" => {
                        actions.iter().zip(&permission).for_each(|(a, r)| {
                            black_box(sliced.allowed(black_box(a), black_box(r)));
                        })
                    }
                    "category-cedar" => category.iter().for_each(|r| {
                        black_box(cedar.blocked(black_box(r)));
                    }),
                    _ => categories.iter().zip(&category).for_each(|(c, r)| {
                        black_box(sliced.blocked(black_box(c), black_box(r)));
                    }),
                });
            }
            "authorize-regorus" | "category-regorus" => {
                let mut rego = Rego::new(org, blocks)?;
                let permission = Rego::permission_inputs(&checks)?;
                let category = Rego::category_inputs(&pages)?;
                let mut failed = None;
                procura_bench_profile_loop(iterations, &mut || {
                    let result = if what == "authorize-regorus" {
                        permission
                            .iter()
                            .try_for_each(|i| rego.allowed(black_box(i)).map(drop))
                    } else {
                        category
                            .iter()
                            .try_for_each(|i| rego.blocked_count(black_box(i)).map(drop))
                    };
                    failed = failed.take().or(result.err());
                });
                failed.map_or(Ok(()), Err)?;
            }
            "authorize-rvm" | "category-rvm" => {
                let mut rvm = RegoRvm::new(org, blocks)?;
                let permission = Rego::permission_inputs(&checks)?;
                let category = Rego::category_inputs(&pages)?;
                let mut failed = None;
                procura_bench_profile_loop(iterations, &mut || {
                    let result = if what == "authorize-rvm" {
                        permission
                            .iter()
                            .try_for_each(|i| rvm.allowed(black_box(i)).map(drop))
                    } else {
                        category
                            .iter()
                            .try_for_each(|i| rvm.blocked_count(black_box(i)).map(drop))
                    };
                    failed = failed.take().or(result.err());
                });
                failed.map_or(Ok(()), Err)?;
            }
            other => return Err(format!("unknown peer workload `{other}`")),
        }
        Ok(())
    }
}

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
        "load" => {
            let artifact = engine.artifact(false);
            procura_bench_profile_loop(iterations, &mut || {
                let _ = black_box(Engine::load(black_box(&artifact), &Directory::default()));
            });
        }
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
        "category" => {
            let pages = workload::category_requests(&org);
            procura_bench_profile_loop(iterations, &mut || {
                for page in &pages {
                    black_box(engine.badges(black_box(page)));
                }
            });
        }
        "authorize-reference" => {
            let checks = workload::authorize_requests(&org);
            let reference = Reference::new(&org, &spec.blocks);
            procura_bench_profile_loop(iterations, &mut || {
                for c in &checks {
                    let c = black_box(c);
                    black_box(reference.allowed(&c.user, &c.action, &c.resource.group));
                }
            });
        }
        "category-reference" => {
            let pages = workload::category_requests(&org);
            let reference = Reference::new(&org, &spec.blocks);
            procura_bench_profile_loop(iterations, &mut || {
                for page in &pages {
                    let page = black_box(page);
                    for p in &page.products {
                        black_box(reference.blocked(&page.group, &p.category));
                    }
                }
            });
        }
        #[cfg(feature = "peers")]
        peer if peer.starts_with("authorize-") || peer.starts_with("category-") => {
            if let Err(error) = peers::run(peer, &org, &spec.blocks, iterations) {
                eprintln!("{peer}: {error}");
                return ExitCode::FAILURE;
            }
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
