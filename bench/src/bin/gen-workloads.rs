//! Writes the benchmark workloads to `target/bench-workloads/` (or the folder given).
use std::path::PathBuf;
use std::process::ExitCode;

fn main() -> ExitCode {
    let dir = std::env::args()
        .nth(1)
        .map_or_else(|| PathBuf::from("target/bench-workloads"), PathBuf::from);
    match procura_bench::files::write_all(&dir) {
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
