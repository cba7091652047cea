//! Face matching at the seat: find and describe the face in one 640×480
//! webcam capture (dlib HOG detector upsampled once, 5-point landmarks,
//! ResNet descriptor) on one engine, i.e. one core. The budget is
//! 300 ms. Baseline: the same on a 910×1137 enrolment photo as uploaded.
//!
//! Needs `.ci/fetch-face-models` and libdlib-dev. Run: `cargo bench --bench face`.

#[path = "../tests/support/faces.rs"]
mod faces;

use criterion::{criterion_group, criterion_main, Criterion};
use kaoshi_face::Models;
use std::hint::black_box;

fn describing(c: &mut Criterion) {
    let Some(dir) = faces::models("bench face") else { return };
    let models = Models::open(&dir, 1).expect("models");
    let capture = faces::capture("obama2.jpg");
    let enrolment = faces::photo("obama.jpg");
    let mut group = c.benchmark_group("face");
    group.sample_size(20);
    group.bench_function("capture_640x480", |b| b.iter(|| models.face(black_box(&capture)).expect("one face")));
    group.bench_function("enrolment_910x1137", |b| b.iter(|| models.face(black_box(&enrolment)).expect("one face")));
    group.finish();
}

criterion_group!(benches, describing);
criterion_main!(benches);
