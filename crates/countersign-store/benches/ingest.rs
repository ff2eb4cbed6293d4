//! Criterion: ingest → guard → plan → proposal persisted, beside its floor.

use criterion::{criterion_group, criterion_main, Criterion};

#[path = "common/mod.rs"]
mod common;

fn ingest(c: &mut Criterion) {
    let mut b = common::setup();
    let mut i = 0;
    c.bench_function("pipeline_ingest", |bench| {
        bench.iter(|| {
            common::pipeline(&mut b, i);
            i += 1;
        })
    });
    let mut i = 0;
    c.bench_function("floor_parse_and_commit", |bench| {
        bench.iter(|| {
            common::floor(&mut b, i);
            i += 1;
        })
    });
}

criterion_group!(benches, ingest);
criterion_main!(benches);
