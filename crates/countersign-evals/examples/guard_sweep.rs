//! Development aid: trains the guard in memory (exactly as `guard train` would, nothing
//! written) and prints `guard eval`'s summary line for each public set, so a change to the
//! training data or the features can be measured without rebuilding around a new model file.
//!
//! `COUNTERSIGN_DATASETS=… cargo run --release -p countersign-evals --example guard_sweep`
//! (`-- committed` measures the committed model instead; other `.jsonl` arguments are measured
//! too, and `only` leaves the public sets out; `explain` counts the reasons that fired;
//! `slowest` times each row three times and names the slowest, by their best time).

// A report for a person at a terminal, like the CLI's own output.
#![allow(clippy::print_stdout)]

use countersign_evals::datasets::datasets_dir;
use countersign_evals::guard_eval::{evaluate, read_rows};
use countersign_evals::guard_train::{build, TrainPaths};
use countersign_pipeline::guard::MODEL;

const FILES: &[&str] = &[
    "injection/deepset_prompt_injections.jsonl",
    "injection/bipia_email.jsonl",
    "injection/s-labs/s_labs_test.jsonl",
    "support-messages/bitext_customer_service.jsonl",
    "support-messages/dstc11_natcs_utterances.jsonl",
    "injection/llmail_benign_emails.jsonl",
    "injection/notinject_benign.jsonl",
];

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let model = if std::env::args().any(|a| a == "committed") {
        MODEL.clone()
    } else {
        let (model, report) = build(&TrainPaths::default())?;
        println!(
            "flag {:.4} block {:.4} · validation recall {:.3} at {:.4} FP, block recall {:.3}",
            report.flag_threshold,
            report.block_threshold,
            report.validation.recall_at_flag,
            report.validation.false_positive_at_flag,
            report.validation.recall_at_block
        );
        model
    };
    let extra: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| a.ends_with(".jsonl"))
        .collect();
    let only = std::env::args().any(|a| a == "only");
    let files = FILES
        .iter()
        .filter(|_| !only)
        .map(|f| datasets_dir().join(f))
        .chain(extra.iter().map(Into::into));
    let explain = std::env::args().any(|a| a == "explain");
    for path in files {
        let rows = read_rows(&path)?;
        let r = evaluate(&rows, &model, false);
        if std::env::args().any(|a| a == "slowest") {
            // The rows that take longest, each the best of three timings.
            let mut times: Vec<(u128, &str)> = rows
                .iter()
                .map(|row| {
                    let request = countersign_pipeline::Request {
                        body: row.text.clone(),
                        ..Default::default()
                    };
                    let best = (0..3)
                        .map(|_| {
                            let t = std::time::Instant::now();
                            let _ = countersign_pipeline::guard::screen_with(&request, &model);
                            t.elapsed().as_micros()
                        })
                        .min()
                        .unwrap_or_default();
                    (best, row.id.as_str())
                })
                .collect();
            times.sort_unstable_by(|a, b| b.cmp(a));
            println!("    slowest: {:?}", &times[..times.len().min(4)]);
        }
        if explain {
            // Which reasons fire, by label: counts only, so the test rows are not read.
            let mut counts: std::collections::BTreeMap<String, usize> = Default::default();
            for row in &r.results {
                if row.verdict == countersign_pipeline::Verdict::Allow {
                    continue;
                }
                for reason in &row.reasons {
                    let key = reason.split(" (").next().unwrap_or(reason).to_owned();
                    *counts.entry(format!("{:?}: {key}", row.label)).or_default() += 1;
                }
            }
            for (k, n) in counts {
                println!("    {n:>4} {k}");
            }
        }
        let (i, b) = (&r.injection, &r.benign);
        println!(
            "{:<48} inj {:>4} caught {:.3} ({} b, {} f) · benign {:>4} FP {:.3} ({} b, {} f) · p50 {} p99 {} µs",
            path.file_name().unwrap_or_default().to_string_lossy(),
            i.n,
            i.caught_rate,
            i.blocked,
            i.flagged,
            b.n,
            b.false_positive_rate,
            b.blocked,
            b.flagged,
            r.latency_us.p50,
            r.latency_us.p99
        );
    }
    Ok(())
}
