//! Paper assembly: one paper, a 10,000-paper batch on 2 threads, scaling with
//! bank size and paper length, and a plain uniform sampler as the baseline
//! (its constraint-satisfaction rate is printed).
//!
//! Run: `cargo bench --bench assemble`.

#[path = "common.rs"]
mod common;

use common::{spec, two_threads};
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use kaoshi_engine::assemble::Assembler;
use kaoshi_engine::bank::{Bank, ItemType, Status};
use kaoshi_engine::spec::PaperSpec;
use kaoshi_engine::synth::{synth, SynthParams};
use rand::seq::SliceRandom;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use std::hint::black_box;

fn bank(items: usize) -> Bank {
    synth(SynthParams { items, modules: 8, seed: 1 }).expect("synth").bank
}

/// The baseline peers use: draw each section uniformly from the active items of its type.
fn uniform_papers(bank: &Bank, spec: &PaperSpec, n: usize, seed: u64) -> Vec<Vec<u32>> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let by_type: Vec<Vec<u32>> = ItemType::ALL
        .iter()
        .map(|t| {
            (0..bank.items.len() as u32)
                .filter(|&i| {
                    bank.items[i as usize].item_type() == *t && bank.items[i as usize].status == Status::Active
                })
                .collect()
        })
        .collect();
    (0..n)
        .map(|_| {
            spec.sections
                .iter()
                .flat_map(|s| {
                    let pool = &by_type[ItemType::ALL.iter().position(|t| *t == s.item_type).unwrap_or(0)];
                    pool.choose_multiple(&mut rng, s.count as usize).copied().collect::<Vec<_>>()
                })
                .collect()
        })
        .collect()
}

/// Whether a uniform paper meets the weight table (all modules, shares within tolerance).
fn meets_weights(bank: &Bank, spec: &PaperSpec, paper: &[u32]) -> bool {
    let modules = bank.point_modules();
    let mut score = vec![0.0; bank.modules.len()];
    let mut at = 0;
    for s in &spec.sections {
        for &i in &paper[at..at + s.count as usize] {
            score[modules[bank.items[i as usize].point.as_str()]] += s.score;
        }
        at += s.count as usize;
    }
    bank.modules.iter().zip(&score).all(|(m, &sc)| {
        (m.weight == 0.0 || sc > 0.0) && (sc / spec.total_score * 100.0 - m.weight).abs() <= spec.weight_tolerance
    })
}

fn assembly(c: &mut Criterion) {
    let pool = two_threads();
    let b5k = bank(5000);
    let s100 = spec(100);

    let mut g = c.benchmark_group("assemble");
    g.sample_size(20);
    g.bench_function("one paper, 100 items, 5k bank (setup included)", |b| {
        b.iter(|| black_box(Assembler::new(&b5k, &s100, 7).and_then(|a| a.paper(0)).expect("paper")))
    });
    g.throughput(Throughput::Elements(10_000));
    g.bench_function("10k papers, 100 items, 5k bank, 2 threads", |b| {
        b.iter(|| {
            pool.install(|| black_box(Assembler::new(&b5k, &s100, 7).and_then(|a| a.batch(10_000)).expect("batch")))
        })
    });
    g.bench_function("baseline: uniform sampler, 10k papers, 1 thread", |b| {
        b.iter(|| black_box(uniform_papers(&b5k, &s100, 10_000, 7)))
    });
    g.finish();

    let uniform = uniform_papers(&b5k, &s100, 10_000, 7);
    let ok = uniform.iter().filter(|p| meets_weights(&b5k, &s100, p)).count();
    eprintln!("baseline uniform sampler: {ok} of 10000 papers meet the weight table ({:.1}%)", ok as f64 / 100.0);

    let mut g = c.benchmark_group("assemble_scaling_bank");
    g.sample_size(10);
    g.throughput(Throughput::Elements(1000));
    for items in [1_000, 5_000, 20_000, 100_000] {
        let b = bank(items);
        g.bench_with_input(BenchmarkId::from_parameter(items), &b, |bench, b| {
            bench.iter(|| {
                pool.install(|| black_box(Assembler::new(b, &s100, 7).and_then(|a| a.batch(1000)).expect("batch")))
            })
        });
    }
    g.finish();

    let mut g = c.benchmark_group("assemble_scaling_length");
    g.sample_size(10);
    g.throughput(Throughput::Elements(1000));
    for n in [50, 100, 200] {
        let s = spec(n);
        g.bench_with_input(BenchmarkId::from_parameter(n), &s, |bench, s| {
            bench.iter(|| {
                pool.install(|| black_box(Assembler::new(&b5k, s, 7).and_then(|a| a.batch(1000)).expect("batch")))
            })
        });
    }
    g.finish();
}

criterion_group!(benches, assembly);
criterion_main!(benches);
