//! Cases per second through `countersign eval`'s runner with the rules planner: our three case
//! files repeated to 1,000 cases (fresh ids), on scratch workspaces in parallel, on one thread,
//! and — for comparison — the earlier way, a SQLite file per case, one after another.
//! `cargo bench -p countersign-evals --bench eval_throughput` (BENCH_CASES to change the count).

use std::io::Write;
use std::path::PathBuf;
use std::time::Instant;

use countersign_agent::Agent;
use countersign_evals::case::LoadedCase;
use countersign_evals::eval::{load_files, run_with, RunOptions};
use countersign_pipeline::Caps;
use countersign_store::ShopSeed;

fn main() {
    let n: usize = std::env::var("BENCH_CASES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1000);
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../evals");
    let base = load_files(&[
        &dir.join("cases.jsonl"),
        &dir.join("messy.jsonl"),
        &dir.join("holdout.jsonl"),
    ])
    .expect("the eval sets load");
    let cases: Vec<LoadedCase> = (0..n)
        .map(|i| {
            let mut c = base[i % base.len()].clone();
            c.case.id = format!("{}#{i}", c.case.id);
            c
        })
        .collect();
    let agent = Agent::rules_only(Caps::default());
    let jobs = RunOptions::default().jobs;
    let mut out = std::io::stdout().lock();
    let _ = writeln!(
        out,
        "{n} cases ({} distinct, rules planner, demo shop)",
        base.len()
    );
    let mut time = |label: &str, cases: &[LoadedCase], options: RunOptions| {
        let t = Instant::now();
        let report = run_with(cases, &ShopSeed::Demo, &agent, options).expect("cases run");
        let secs = t.elapsed().as_secs_f64();
        let _ = writeln!(
            out,
            "{label:<40} {:>5} cases  {secs:>7.3} s  {:>8.0} cases/s  {}/{} passed",
            cases.len(),
            cases.len() as f64 / secs,
            report.overall.passed,
            report.overall.cases
        );
    };
    time(
        &format!("scratch, {jobs} jobs"),
        &cases,
        RunOptions {
            jobs,
            durable: false,
        },
    );
    time(
        "scratch, 1 job",
        &cases,
        RunOptions {
            jobs: 1,
            durable: false,
        },
    );
    // The earlier runner: a fresh file per case. A tenth of the cases is enough to see it.
    time(
        "durable file per case, 1 job (before)",
        &cases[..(n / 10).max(1)],
        RunOptions {
            jobs: 1,
            durable: true,
        },
    );
}
