//! Sealing, opening and validating a 100,000-item synthetic bank.
//!
//! Run: `cargo bench --bench seal`. Numbers for the README come from here.

use criterion::{criterion_group, criterion_main, Criterion};
use kaoshi_engine::bank::{export, parse_source, SourceFiles};
use kaoshi_engine::seal::{self, Kek, Lock, Unlock};
use kaoshi_engine::synth::{synth, SynthParams};
use rand_chacha::rand_core::SeedableRng;
use rand_chacha::ChaCha20Rng;
use std::hint::black_box;

fn bank_100k(c: &mut Criterion) {
    let source = synth(SynthParams { items: 100_000, modules: 8, seed: 1 }).expect("synth");
    let text = export(&source);
    let kek = Kek::from_bytes([7; 32]);
    let mut rng = ChaCha20Rng::seed_from_u64(1);
    let sealed = seal::seal(&source, &Lock::Key(&kek), &mut rng).expect("seal");

    let mut group = c.benchmark_group("bank_100k");
    group.sample_size(10);
    group.bench_function("check (parse + validate source text)", |b| {
        b.iter(|| {
            let files = SourceFiles {
                bank_toml: &text.bank_toml,
                paper_toml: text.paper_toml.as_deref(),
                items_jsonl: &text.items_jsonl,
            };
            black_box(parse_source(files).expect("valid"))
        })
    });
    group.bench_function("seal", |b| {
        b.iter(|| black_box(seal::seal(&source, &Lock::Key(&kek), &mut rng).expect("seal")))
    });
    group.bench_function("open", |b| b.iter(|| black_box(seal::open(&sealed, &Unlock::Key(&kek)).expect("open"))));
    // Baseline: the same body encoded as JSON instead of postcard, decode only
    // (no decryption), to show what the binary canonical encoding buys.
    let json = serde_json::to_vec(&source).expect("json");
    group.bench_function("baseline: decode JSON body (no crypto)", |b| {
        b.iter(|| black_box(serde_json::from_slice::<kaoshi_engine::BankSource>(&json).expect("json")))
    });
    group.finish();
}

criterion_group!(benches, bank_100k);
criterion_main!(benches);
