//! p50 / p99 of one message through the pipeline and through the floor, interleaved so both
//! see the same machine state. `cargo bench -p countersign-store --bench ingest_percentiles`.

use std::time::Instant;

#[path = "common/mod.rs"]
mod common;

fn percentile(sorted: &[f64], p: f64) -> f64 {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

fn main() {
    let iterations: usize = std::env::var("BENCH_ITERATIONS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(2000);
    let mut b = common::setup();
    // Warm up caches and the WAL.
    for i in 0..100 {
        common::pipeline(&mut b, i);
        common::floor(&mut b, i);
    }
    let (mut pipe, mut floor) = (
        Vec::with_capacity(iterations),
        Vec::with_capacity(iterations),
    );
    for i in 0..iterations {
        let t = Instant::now();
        common::pipeline(&mut b, i);
        pipe.push(t.elapsed().as_secs_f64() * 1e3);
        let t = Instant::now();
        common::floor(&mut b, i);
        floor.push(t.elapsed().as_secs_f64() * 1e3);
    }
    pipe.sort_by(f64::total_cmp);
    floor.sort_by(f64::total_cmp);
    let (p50, p99, f50, f99) = (
        percentile(&pipe, 0.5),
        percentile(&pipe, 0.99),
        percentile(&floor, 0.5),
        percentile(&floor, 0.99),
    );
    let mut out = std::io::stdout().lock();
    use std::io::Write;
    let _ = writeln!(
        out,
        "messages: {iterations} (demo inbox, {} kinds, round robin)",
        b.inbox.len()
    );
    let _ = writeln!(out, "pipeline: p50 {p50:.3} ms  p99 {p99:.3} ms");
    let _ = writeln!(out, "floor:    p50 {f50:.3} ms  p99 {f99:.3} ms");
    let _ = writeln!(
        out,
        "ratio:    p50 {:.2}x  p99 {:.2}x",
        p50 / f50,
        p99 / f99
    );
}
