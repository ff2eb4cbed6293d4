//! The input guard, measured and retrained: `guard eval` and `guard train`.

use std::path::{Path, PathBuf};

use countersign_evals::guard_eval::{evaluate, read_rows, GuardEvalError};
use countersign_evals::guard_train::{train as train_model, TrainPaths};
use countersign_pipeline::guard::MODEL;

use crate::error::bad;
use crate::output::{json_out, out};

fn input_error(e: GuardEvalError) -> anyhow::Error {
    bad(e.code(), &e)
}

/// `guard eval FILE`: every row screened as a message body; catch and false-positive rates.
pub fn eval(file: &Path, by_source: bool, json: bool) -> anyhow::Result<()> {
    let rows = read_rows(file).map_err(input_error)?;
    let report = evaluate(&rows, &MODEL, by_source);
    if json {
        return json_out(&report);
    }
    let (i, b) = (&report.injection, &report.benign);
    out(format!(
        "{} rows · injections {} caught {:.3} ({} blocked, {} flagged) · benign {} false positives {:.3} ({} blocked, {} flagged) · p50 {} µs p99 {} µs",
        report.rows, i.n, i.caught_rate, i.blocked, i.flagged, b.n, b.false_positive_rate,
        b.blocked, b.flagged, report.latency_us.p50, report.latency_us.p99
    ))?;
    if let Some(sources) = &report.by_source {
        for (source, r) in sources {
            out(format!(
                "  {source}: injections {} caught {:.3} · benign {} false positives {:.3}",
                r.injection.n, r.injection.caught_rate, r.benign.n, r.benign.false_positive_rate
            ))?;
        }
    }
    Ok(())
}

/// `guard train`: fits the classifier on the permitted data and writes the model and its
/// report (default: `crates/countersign-pipeline/guard/`, to be committed).
pub fn train(out_dir: Option<PathBuf>, json: bool) -> anyhow::Result<()> {
    let mut paths = TrainPaths::default();
    if let Some(dir) = out_dir {
        paths.out_dir = dir;
    }
    let report = train_model(&paths).map_err(input_error)?;
    if json {
        return json_out(&report);
    }
    out(format!(
        "trained on {} S-Labs train + {} own rows · flag ≥ {:.4} · block ≥ {:.4} · validation recall {:.3} at {:.3} false positives · wrote {}",
        report.train_rows.s_labs_train,
        report.train_rows.own_examples,
        report.flag_threshold,
        report.block_threshold,
        report.validation.recall_at_flag,
        report.validation.false_positive_at_flag,
        paths.out_dir.display()
    ))
}
