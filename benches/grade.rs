//! Objective grading: 1,000,000 answer sheets of 100 items on 2 threads,
//! against the string-parsing path (`grade`) as the baseline.
//!
//! Run: `cargo bench --bench grade`.

#[path = "common.rs"]
mod common;

use common::{spec, two_threads};
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use kaoshi_engine::assemble::{Assembler, Paper};
use kaoshi_engine::grade::{grade_with, Grader, JUDGE_FALSE, JUDGE_TRUE};
use kaoshi_engine::synth::{synth, SynthParams};
use std::hint::black_box;

const SHEETS: usize = 1_000_000;
const PAPERS: usize = 10_000;
const ITEMS: usize = 100;

fn grading(c: &mut Criterion) {
    let bank = synth(SynthParams { items: 5000, modules: 8, seed: 1 }).expect("synth").bank;
    let s = spec(ITEMS as u32);
    let papers: Vec<Paper> = Assembler::new(&bank, &s, 7).and_then(|a| a.batch(PAPERS as u64)).expect("papers");
    // Random but valid responses, one byte per item (xorshift, fixed seed).
    let mut x = 0x2545_F491_4F6C_DD1Du64;
    let mut next = || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    let paper_of: Vec<usize> = (0..SHEETS).map(|k| k % PAPERS).collect();
    let mut sheets = vec![0u8; SHEETS * ITEMS];
    for (k, sheet) in sheets.chunks_mut(ITEMS).enumerate() {
        for (r, it) in sheet.iter_mut().zip(&papers[paper_of[k]].items) {
            let n = it.option_order.as_slice().len();
            let v = next();
            *r = match n {
                0 => [JUDGE_TRUE, JUDGE_FALSE][(v & 1) as usize],
                _ if it.section == 1 => 1 << (v % n as u64),
                _ => (v % ((1u64 << n) - 1) + 1) as u8,
            };
        }
    }
    let grader = Grader::new(&bank, &s);
    let pool = two_threads();

    let mut g = c.benchmark_group("grade");
    g.sample_size(10);
    g.throughput(Throughput::Elements((SHEETS * ITEMS) as u64));
    g.bench_function("1M sheets x 100 items, 2 threads", |b| {
        b.iter(|| pool.install(|| black_box(grader.score_all(&papers, &paper_of, &sheets, ITEMS))))
    });
    g.finish();

    // Baseline: the same sheets as response strings through `grade_with` (the
    // path the CLI and server use per sheet: parse letters, per-item results,
    // module map), 10,000 sheets on one thread, grader shared.
    let letters = |r: u8, judge: bool| -> Option<String> {
        if judge {
            Some((if r == JUDGE_TRUE { "T" } else { "F" }).to_string())
        } else {
            Some((0..8).filter(|k| r & (1 << k) != 0).map(|k| char::from(b'A' + k as u8)).collect())
        }
    };
    let strings: Vec<Vec<Option<String>>> = (0..PAPERS)
        .map(|k| {
            papers[k]
                .items
                .iter()
                .zip(&sheets[k * ITEMS..(k + 1) * ITEMS])
                .map(|(it, &r)| letters(r, it.option_order.as_slice().is_empty()))
                .collect()
        })
        .collect();
    let mut g = c.benchmark_group("grade_baseline");
    g.sample_size(10);
    g.throughput(Throughput::Elements((PAPERS * ITEMS) as u64));
    g.bench_function("10k sheets x 100 items as strings via grade_with(), 1 thread", |b| {
        b.iter(|| {
            for (paper, responses) in papers.iter().zip(&strings) {
                black_box(grade_with(&grader, &bank, paper, responses).expect("grade"));
            }
        })
    });
    g.finish();
}

criterion_group!(benches, grading);
criterion_main!(benches);
