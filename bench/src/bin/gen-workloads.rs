//! Writes the benchmark workloads to `target/bench-workloads/` (or the folder given):
//! `gen-workloads [--quick] [DIR]`; `--quick` writes the smallest size only.
use std::path::PathBuf;
use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let quick = args.iter().any(|a| a == "--quick");
    let dir = args
        .iter()
        .find(|a| !a.starts_with("--"))
        .map_or_else(|| PathBuf::from("target/bench-workloads"), PathBuf::from);
    match procura_bench::files::write_all(&dir, quick) {
        Ok(manifest) => {
            println!(
                "gen-workloads: {} cases, {} policies in {}",
                manifest.cases.len(),
                manifest.policies.len(),
                dir.display()
            );
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("gen-workloads: {error}");
            ExitCode::FAILURE
        }
    }
}
