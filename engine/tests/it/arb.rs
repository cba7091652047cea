//! Proptest strategies for valid banks with arbitrary text.

use kaoshi_engine::bank::ItemType;
use kaoshi_engine::bank::{
    Bank, BankMeta, BankSource, Importance, Item, ItemBody, Level, Module, Point, RubricPoint, Status,
};
use kaoshi_engine::spec::{DifficultyTarget, PaperSpec, Scoring, Section};
use proptest::prelude::*;

/// Any text that is not blank: unicode, quotes, backslashes, newlines.
pub fn text() -> impl Strategy<Value = String> {
    "[\\PC\"\\\\\n\t ]{0,12}[a-z一-龥]{1,3}[\\PC\"\\\\ ]{0,12}"
}

fn item(index: usize, points: Vec<String>) -> impl Strategy<Value = Item> {
    let body = prop_oneof![
        any::<bool>().prop_map(|answer| ItemBody::Judge { answer }),
        (2usize..=8)
            .prop_flat_map(|n| (prop::collection::btree_set("[a-z]{1,6}", n), 0..n as u8))
            .prop_map(|(opts, answer)| { ItemBody::Single { options: opts.into_iter().collect(), answer } }),
        (3usize..=8)
            .prop_flat_map(|n| (prop::collection::btree_set("[a-z]{1,6}", n), 0..(1u16 << n)))
            .prop_filter("two or more correct", |(_, mask)| mask.count_ones() >= 2)
            .prop_map(|(opts, mask)| ItemBody::Multiple { options: opts.into_iter().collect(), answer: mask as u8 }),
        (text(), prop::collection::vec((text(), 1u32..=10), 1..4)).prop_map(|(reference, rubric)| {
            let rubric: Vec<RubricPoint> =
                rubric.into_iter().map(|(point, s)| RubricPoint { point, score: f64::from(s) / 2.0 }).collect();
            let max_score = rubric.iter().map(|r| r.score).sum();
            ItemBody::Short { reference, rubric, max_score }
        }),
    ];
    (prop::sample::select(points), 1u8..=5, text(), prop::option::of("[A-Z][0-9]"), any::<bool>(), body).prop_map(
        move |(point, difficulty, stem, enemy_group, retired, body)| Item {
            id: format!("I-{index}"),
            point,
            difficulty,
            stem,
            enemy_group,
            status: if retired { Status::Retired } else { Status::Active },
            body,
        },
    )
}

fn modules() -> impl Strategy<Value = Vec<Module>> {
    // Weights in tenths that add up to exactly 100.
    prop::collection::vec((text(), 1u32..50, prop::collection::vec((text(), 0u8..3), 1..4)), 1..5).prop_map(|raw| {
        let total: u32 = raw.iter().map(|r| r.1).sum();
        let mut left = 1000u32;
        let n = raw.len();
        raw.into_iter()
            .enumerate()
            .map(|(i, (name, w, points))| {
                let tenths = if i + 1 == n { left } else { (w * 1000 / total).min(left) };
                left -= tenths;
                let code = format!("M{i}");
                let points = points
                    .into_iter()
                    .enumerate()
                    .map(|(j, (pname, imp))| Point {
                        code: format!("{code}P{j}"),
                        name: pname,
                        importance: [Importance::X, Importance::Y, Importance::Z][usize::from(imp)],
                    })
                    .collect();
                Module { code, name, weight: f64::from(tenths) / 10.0, points }
            })
            .collect()
    })
}

fn spec() -> impl Strategy<Value = Option<PaperSpec>> {
    prop::option::of((text(), 1u32..300, any::<bool>(), prop::option::of((10u32..50, 1u32..10))).prop_map(
        |(title, duration_minutes, partial, difficulty)| {
            PaperSpec {
                title,
                duration_minutes,
                total_score: 100.0,
                pass_score: 60.0,
                weight_tolerance: 2.5,
                sections: vec![
                    Section { item_type: ItemType::Judge, count: 20, score: 1.5, scoring: Scoring::Exact },
                    Section {
                        item_type: ItemType::Multiple,
                        count: 10,
                        score: 7.0,
                        scoring: if partial { Scoring::Partial } else { Scoring::Exact },
                    },
                ],
                difficulty: difficulty
                    .map(|(t, tol)| DifficultyTarget { target: f64::from(t) / 10.0, tolerance: f64::from(tol) / 10.0 }),
            }
        },
    ))
}

/// A valid bank source of up to `max_items` items.
pub fn source(max_items: usize) -> impl Strategy<Value = BankSource> {
    (modules(), "[a-z0-9-]{1,12}", text(), text(), prop::sample::select(Level::ALL.to_vec()), 1u32..100, text(), spec())
        .prop_flat_map(move |(modules, id, title, occupation, level, version, standard, spec)| {
            let points: Vec<String> = modules.iter().flat_map(|m| m.points.iter().map(|p| p.code.clone())).collect();
            let meta =
                BankMeta { id, title, occupation_code: "6-31-01-03".to_string(), occupation, level, version, standard };
            let items = (0..max_items).map(|i| item(i, points.clone())).collect::<Vec<_>>();
            (Just(meta), Just(modules), items, 0..=max_items, Just(spec))
        })
        .prop_map(|(meta, modules, mut items, n, spec)| {
            items.truncate(n);
            BankSource { bank: Bank { meta, modules, items }, spec }
        })
}
