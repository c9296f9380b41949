//! The wasmtime runner of the benchmarks (BENCHMARKS.md): the workloads that `procura-bench`'s
//! `gen-workloads` writes (target/bench-workloads/manifest.json) through the zero-import
//! core module `pkg/core/procura.wasm` on this crate's host ([`CoreModule`], [`Instance`]:
//! Cranelift, fuel metering on, as `procura serve` runs it). Prints JSON: per case, the
//! median of N timed calls after a warm-up, request bytes in and answer bytes out
//! included.
//!
//! ```text
//! cargo run --release -p procura-host --bin procura-bench-wasmtime -- \
//!     [--quick] [--workloads DIR] [--module FILE] [--out FILE]
//! ```
//!
//! `--quick` runs the smallest size only, a few calls each (the smoke test in
//! scripts/test.sh). Every case checks that its first answer is a success.
#![expect(
    clippy::indexing_slicing,
    reason = "indexing a serde_json::Value by key yields Null when absent; it never panics"
)]

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use procura_host::{CoreModule, Instance, Limits, Query};
use serde_json::{json, Value};

struct Options {
    quick: bool,
    workloads: PathBuf,
    module: PathBuf,
    out: Option<PathBuf>,
}

fn options() -> Result<Options, String> {
    let mut options = Options {
        quick: false,
        workloads: PathBuf::from("target/bench-workloads"),
        module: procura_host::default_module_path(),
        out: None,
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = |name: &str| args.next().ok_or_else(|| format!("{name} needs a value"));
        match arg.as_str() {
            "--quick" => options.quick = true,
            "--workloads" => options.workloads = PathBuf::from(value("--workloads")?),
            "--module" => options.module = PathBuf::from(value("--module")?),
            "--out" => options.out = Some(PathBuf::from(value("--out")?)),
            other => return Err(format!("unknown argument `{other}`")),
        }
    }
    Ok(options)
}

fn read(dir: &Path, file: &str) -> Result<String, String> {
    std::fs::read_to_string(dir.join(file))
        .map_err(|e| format!("{}: {e}", dir.join(file).display()))
}

/// Times `call`: a warm-up, then individually timed calls; `(median, calls)`.
fn measure(
    quick: bool,
    mut call: impl FnMut() -> Result<(), String>,
) -> Result<(Duration, usize), String> {
    let budget = if quick {
        Duration::ZERO
    } else {
        Duration::from_millis(1500)
    };
    let warm_start = Instant::now();
    let mut warm = 0u32;
    while warm < if quick { 1 } else { 5 } || (warm_start.elapsed() < budget / 5 && warm < 2000) {
        call()?;
        warm += 1;
    }
    let estimate = warm_start.elapsed() / warm.max(1);
    let calls = if quick {
        3
    } else {
        let fit = budget.as_nanos() / estimate.as_nanos().max(1);
        usize::try_from(fit).unwrap_or(usize::MAX).clamp(10, 5000)
    };
    let mut times = Vec::with_capacity(calls);
    for _ in 0..calls {
        let start = Instant::now();
        call()?;
        times.push(start.elapsed());
    }
    times.sort();
    let median = match times.len() {
        0 => Duration::ZERO,
        n if n % 2 == 1 => times.get(n / 2).copied().unwrap_or_default(),
        n => {
            let (a, b) = (times.get(n / 2 - 1), times.get(n / 2));
            (a.copied().unwrap_or_default() + b.copied().unwrap_or_default()) / 2
        }
    };
    Ok((median, calls))
}

fn success(answer: &str, what: &str) -> Result<Value, String> {
    let value: Value = serde_json::from_str(answer).map_err(|e| format!("{what}: {e}"))?;
    if value.get("type").and_then(Value::as_str) == Some("success") {
        Ok(value)
    } else {
        Err(format!(
            "{what}: {}",
            answer.chars().take(500).collect::<String>()
        ))
    }
}

fn compile(instance: &mut Instance, source: &str, directory: Option<&str>) -> Result<u32, String> {
    let answer = instance
        .compile(source.as_bytes(), directory.map(str::as_bytes))
        .map_err(|e| format!("compile: {e}"))?;
    let value = success(&answer, "compile")?;
    value
        .pointer("/result/handle")
        .and_then(Value::as_u64)
        .and_then(|h| u32::try_from(h).ok())
        .ok_or_else(|| "compile: no handle".to_owned())
}

fn run(options: &Options) -> Result<Value, String> {
    let dir = &options.workloads;
    let manifest: Value =
        serde_json::from_str(&read(dir, "manifest.json")?).map_err(|e| format!("manifest: {e}"))?;
    let directory = read(dir, "directory.json")?;
    let load_start = Instant::now();
    let module = CoreModule::load_cached(&options.module, Path::new("target/wasmtime-cache"))
        .map_err(|e| format!("{}: {e}", options.module.display()))?;
    let load = load_start.elapsed();
    // Generous limits: the benchmark measures time, not the service's budgets.
    let limits = Limits {
        fuel_per_call: u64::MAX / 4,
        fuel_per_compile: u64::MAX / 4,
        memory_bytes: 2 << 30,
    };
    let mut instance = module
        .instance(limits)
        .map_err(|e| format!("instance: {e}"))?;
    let policy_file = |rules: u64| -> Result<String, String> {
        let file = manifest["policies"]
            .as_array()
            .and_then(|list| {
                list.iter()
                    .find(|p| p.get(0).and_then(Value::as_u64) == Some(rules))
            })
            .and_then(|p| p.get(1).and_then(Value::as_str))
            .ok_or_else(|| format!("no policy of {rules} rules"))?;
        read(dir, file)
    };
    let mut handles: Vec<(u64, u32)> = Vec::new();
    let mut results = Vec::new();
    let empty = Vec::new();
    for case in manifest["cases"].as_array().unwrap_or(&empty) {
        if options.quick && case["quick"] != Value::Bool(true) {
            continue;
        }
        let name = case["name"].as_str().unwrap_or("?");
        let op = case["op"].as_str().unwrap_or("?");
        let rules = case["policy"].as_u64().unwrap_or(0);
        let items = case["items"].as_u64().unwrap_or(1).max(1);
        let source = policy_file(rules)?;
        let mut record = |api: &str, (median, calls): (Duration, usize)| {
            let median_ns = median.as_nanos() as f64;
            eprintln!(
                "{name} [{api}]: {:.1} µs median ({calls} calls)",
                median_ns / 1000.0
            );
            results.push(json!({
                "case": name, "api": api, "items": items, "medianNs": median_ns,
                "iterations": calls, "perItemNs": median_ns / items as f64,
            }));
        };
        if op == "compile" {
            let timing = measure(options.quick, || {
                let handle = compile(&mut instance, &source, None)?;
                instance
                    .release(handle)
                    .map(|_| ())
                    .map_err(|e| e.to_string())
            })?;
            record("procura_compile(source)", timing);
            let timing = measure(options.quick, || {
                let handle = compile(&mut instance, &source, Some(&directory))?;
                instance
                    .release(handle)
                    .map(|_| ())
                    .map_err(|e| e.to_string())
            })?;
            let name_with = format!("{name}+directory");
            let median_ns = timing.0.as_nanos() as f64;
            eprintln!("{name_with}: {:.1} µs median", median_ns / 1000.0);
            results.push(json!({
                "case": name_with, "api": "procura_compile(source, directory)", "items": 1,
                "medianNs": median_ns, "iterations": timing.1, "perItemNs": median_ns,
            }));
            continue;
        }
        let handle = match handles.iter().find(|(r, _)| *r == rules) {
            Some((_, h)) => *h,
            None => {
                let h = compile(&mut instance, &source, Some(&directory))?;
                handles.push((rules, h));
                h
            }
        };
        let request = read(dir, case["request"].as_str().unwrap_or(""))?;
        let query = match op {
            "evaluate" => Query::Evaluate,
            "badges" => Query::Badges,
            "progress" => Query::Progress,
            "authorize" => Query::Authorize,
            other => return Err(format!("unknown op `{other}`")),
        };
        if query == Query::Authorize {
            let checks: Vec<String> = serde_json::from_str::<Vec<Value>>(&request)
                .map_err(|e| format!("{name}: {e}"))?
                .iter()
                .map(Value::to_string)
                .collect();
            for check in &checks {
                let answer = instance
                    .query(handle, query, check.as_bytes())
                    .map_err(|e| e.to_string())?;
                success(&answer, name)?;
            }
            let timing = measure(options.quick, || {
                for check in &checks {
                    instance
                        .query(handle, query, check.as_bytes())
                        .map_err(|e| e.to_string())?;
                }
                Ok(())
            })?;
            record(query.export(), timing);
            continue;
        }
        let answer = instance
            .query(handle, query, request.as_bytes())
            .map_err(|e| e.to_string())?;
        success(&answer, name)?;
        let timing = measure(options.quick, || {
            instance
                .query(handle, query, request.as_bytes())
                .map(|_| ())
                .map_err(|e| e.to_string())
        })?;
        record(query.export(), timing);
    }
    Ok(json!({
        "runtime": "wasmtime",
        "module": options.module.display().to_string(),
        "moduleLoadMs": load.as_secs_f64() * 1000.0,
        "quick": options.quick,
        "results": results,
    }))
}

fn main() -> ExitCode {
    let options = match options() {
        Ok(options) => options,
        Err(error) => {
            eprintln!("procura-bench-wasmtime: {error}");
            return ExitCode::from(2);
        }
    };
    match run(&options) {
        Ok(report) => {
            let text = serde_json::to_string_pretty(&report).unwrap_or_default();
            match &options.out {
                Some(path) => {
                    if let Err(error) = std::fs::write(path, text + "\n") {
                        eprintln!("procura-bench-wasmtime: {}: {error}", path.display());
                        return ExitCode::FAILURE;
                    }
                }
                None => println!("{text}"),
            }
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("procura-bench-wasmtime: {error}");
            ExitCode::FAILURE
        }
    }
}
