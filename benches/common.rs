//! Helpers shared by the benches.

use kaoshi_engine::bank::ItemType;
use kaoshi_engine::spec::{DifficultyTarget, PaperSpec, Scoring, Section};

/// A paper of `n` items in three sections (20% judge, 70% single, 10% multiple), 100 points.
pub fn spec(n: u32) -> PaperSpec {
    let (j, m) = (n / 5, n / 10);
    let s = n - j - m;
    let score = 100.0 / f64::from(n);
    let section = |item_type, count| Section { item_type, count, score, scoring: Scoring::Exact };
    PaperSpec {
        title: "bench".into(),
        duration_minutes: 90,
        total_score: 100.0,
        pass_score: 60.0,
        weight_tolerance: 2.0,
        sections: vec![section(ItemType::Judge, j), section(ItemType::Single, s), section(ItemType::Multiple, m)],
        difficulty: Some(DifficultyTarget { target: 2.95, tolerance: 0.3 }),
    }
}

/// A rayon pool of two threads (the project's machine).
pub fn two_threads() -> rayon::ThreadPool {
    rayon::ThreadPoolBuilder::new().num_threads(2).build().expect("pool")
}
