//! Paper assembly: every paper meets every hard rule, exposure stays within
//! the cyclic bound, neighbours differ, output is deterministic, and an
//! unsatisfiable spec is refused up front with the reason.

use kaoshi_engine::assemble::{batch_stats, AssembleError, Assembler, Paper};
use kaoshi_engine::bank::{Bank, ItemType, Status};
use kaoshi_engine::spec::{DifficultyTarget, PaperSpec, Scoring, Section};
use kaoshi_engine::synth::{synth, SynthParams};
use kaoshi_engine::BankSource;
use proptest::prelude::*;
use std::collections::HashSet;

/// Checks one paper against every hard rule of the spec.
pub fn verify(bank: &Bank, spec: &PaperSpec, paper: &Paper) -> Result<(), String> {
    let point_module = bank.point_modules();
    let mut pos = 0;
    for (s, section) in spec.sections.iter().enumerate() {
        for _ in 0..section.count {
            let it = paper.items.get(pos).ok_or(format!("paper {} ends at {pos}", paper.index))?;
            let item = &bank.items[it.item as usize];
            if usize::from(it.section) != s || item.item_type() != section.item_type {
                return Err(format!(
                    "position {pos}: {} item {} in section {s} ({})",
                    item.item_type(),
                    item.id,
                    section.item_type
                ));
            }
            pos += 1;
        }
    }
    if pos != paper.items.len() {
        return Err(format!("{} items, spec has {pos}", paper.items.len()));
    }
    let mut ids = HashSet::new();
    let mut groups = HashSet::new();
    let mut scores = vec![0.0; bank.modules.len()];
    let mut difficulty = 0.0;
    for it in &paper.items {
        let item = &bank.items[it.item as usize];
        if !ids.insert(it.item) {
            return Err(format!("item {} twice", item.id));
        }
        if item.status == Status::Retired {
            return Err(format!("retired item {}", item.id));
        }
        if let Some(g) = &item.enemy_group {
            if !groups.insert(g.clone()) {
                return Err(format!("two items of enemy group {g}"));
            }
        }
        scores[point_module[item.point.as_str()]] += spec.sections[usize::from(it.section)].score;
        difficulty += f64::from(item.difficulty);
        let mut order: Vec<u8> = it.option_order.as_slice().to_vec();
        order.sort_unstable();
        let expected: Vec<u8> = (0..item.options().len() as u8).collect();
        if order != expected {
            return Err(format!(
                "item {}: option order {:?} is not a permutation of its options",
                item.id, it.option_order
            ));
        }
    }
    for (m, module) in bank.modules.iter().enumerate() {
        let share = scores[m] / spec.total_score * 100.0;
        if module.weight > 0.0 && scores[m] == 0.0 {
            return Err(format!("module {} missing", module.code));
        }
        if (share - module.weight).abs() > spec.weight_tolerance + 1e-9 {
            return Err(format!("module {}: share {share} vs weight {}", module.code, module.weight));
        }
    }
    if let Some(d) = &spec.difficulty {
        let mean = difficulty / paper.items.len() as f64;
        if (mean - d.target).abs() > d.tolerance + 1e-9 {
            return Err(format!("mean difficulty {mean} outside {} ± {}", d.target, d.tolerance));
        }
    }
    Ok(())
}

fn sample(name: &str) -> BankSource {
    super::parse_dir(&super::sample(name)).expect("sample bank")
}

/// Every paper verifies and every cell stays within the cyclic exposure bound.
fn check_batch(source: &BankSource, spec: &PaperSpec, n: u64, seed: u64) -> Vec<Paper> {
    let a = Assembler::new(&source.bank, spec, seed).expect("feasible");
    let papers = a.batch(n).expect("batch");
    assert_eq!(papers.len() as u64, n);
    for p in &papers {
        if let Err(e) = verify(&source.bank, spec, p) {
            panic!("paper {}: {e}", p.index);
        }
    }
    let stats = batch_stats(source.bank.items.len(), &papers);
    for (items, bound) in a.exposure_bounds(n).into_iter().flatten() {
        let max = items.iter().map(|&i| stats.exposure[i as usize]).max().unwrap_or(0);
        assert!(f64::from(max) <= bound, "a cell's most-used item is used {max} times, bound {bound}");
    }
    papers
}

#[test]
fn sample_banks_every_paper_meets_the_spec_within_the_exposure_bound() {
    for name in ["electrician-4", "chinese-cook-5"] {
        let source = sample(name);
        let spec = source.spec.clone().expect("spec");
        for seed in [1, 2] {
            check_batch(&source, &spec, 1500, seed);
        }
    }
}

#[test]
fn neighbours_share_no_item_when_cells_are_large() {
    let source = synth(SynthParams { items: 5000, modules: 6, seed: 4 }).expect("synth");
    let spec = source.spec.clone().expect("spec");
    let papers = check_batch(&source, &spec, 1000, 9);
    let stats = batch_stats(source.bank.items.len(), &papers);
    assert_eq!(stats.max_neighbour_overlap, 0, "{stats:?}");
}

#[test]
fn electrician_neighbours_share_almost_nothing() {
    let source = sample("electrician-4");
    let spec = source.spec.clone().expect("spec");
    let a = Assembler::new(&source.bank, &spec, 3).expect("feasible");
    let stats = batch_stats(source.bank.items.len(), &a.batch(1000).expect("batch"));
    // Random papers of 90 from 322 items would share ~27 items; neighbours share almost none.
    assert!(stats.mean_neighbour_overlap < 0.5, "{stats:?}");
    assert!(stats.mean_overlap > 20.0, "{stats:?}");
}

#[test]
fn paper_i_is_the_same_alone_in_a_batch_and_on_any_thread_count() {
    let source = sample("electrician-4");
    let spec = source.spec.clone().expect("spec");
    let a = Assembler::new(&source.bank, &spec, 77).expect("feasible");
    let one =
        rayon::ThreadPoolBuilder::new().num_threads(1).build().expect("pool").install(|| a.batch(300).expect("batch"));
    let four =
        rayon::ThreadPoolBuilder::new().num_threads(4).build().expect("pool").install(|| a.batch(300).expect("batch"));
    assert_eq!(one, four);
    let longer = a.batch(400).expect("batch");
    assert_eq!(&longer[..300], &one[..], "paper i must not depend on the batch size");
    for i in [0u64, 1, 57, 299] {
        assert_eq!(a.paper(i).expect("paper"), one[i as usize]);
    }
    let other = Assembler::new(&source.bank, &spec, 78).expect("feasible").batch(1).expect("batch");
    assert_ne!(other[0], one[0], "another seed gives other papers");
}

fn retire(source: &mut BankSource, mut keep: impl FnMut(&kaoshi_engine::bank::Item) -> bool) {
    for item in &mut source.bank.items {
        if !keep(item) {
            item.status = Status::Retired;
        }
    }
}

fn infeasible(source: &BankSource, spec: &PaperSpec) -> Vec<String> {
    match Assembler::new(&source.bank, spec, 1) {
        Err(AssembleError::Infeasible(reasons)) => reasons,
        Err(other) => panic!("expected Infeasible, got {other}"),
        Ok(_) => panic!("expected the spec to be refused"),
    }
}

fn assert_reason(reasons: &[String], needle: &str) {
    assert!(reasons.iter().any(|r| r.contains(needle)), "no reason mentions `{needle}`: {reasons:#?}");
}

#[test]
fn infeasible_empty_module() {
    let mut source = sample("electrician-4");
    retire(&mut source, |i| !i.point.starts_with('F'));
    let spec = source.spec.clone().expect("spec");
    assert_reason(
        &infeasible(&source, &spec),
        "module F (应用电子电路调试维修) has weight 10 but no active items of the paper's types (judge, single, multiple)",
    );
}

#[test]
fn infeasible_short_type() {
    let source = sample("chinese-cook-5");
    let spec = sample("electrician-4").spec.expect("spec");
    assert_reason(&infeasible(&source, &spec), "type multiple: a paper needs 10 items, the bank has 0 active");
}

#[test]
fn infeasible_module_lacks_items_of_a_type() {
    let mut source = sample("electrician-4");
    let mut kept = 0;
    retire(&mut source, |i| {
        let f_multiple = i.point.starts_with('F') && i.item_type() == ItemType::Multiple;
        if f_multiple {
            kept += 1;
        }
        !f_multiple || kept <= 2
    });
    let spec = PaperSpec {
        title: "多选".into(),
        duration_minutes: 60,
        total_score: 100.0,
        pass_score: 60.0,
        weight_tolerance: 2.0,
        sections: vec![Section { item_type: ItemType::Multiple, count: 50, score: 2.0, scoring: Scoring::Exact }],
        difficulty: None,
    };
    let reasons = infeasible(&source, &spec);
    assert_reason(&reasons, "module F (应用电子电路调试维修): needs ≥");
    assert_reason(&reasons, "multiple items, bank has 2 active");
}

#[test]
fn infeasible_weights_with_these_scores() {
    let source = sample("electrician-4");
    let spec = PaperSpec {
        title: "两题".into(),
        duration_minutes: 60,
        total_score: 100.0,
        pass_score: 60.0,
        weight_tolerance: 2.0,
        sections: vec![Section { item_type: ItemType::Single, count: 4, score: 25.0, scoring: Scoring::Exact }],
        difficulty: None,
    };
    assert_reason(&infeasible(&source, &spec), "the nearest a paper can come with these section scores is");
}

#[test]
fn infeasible_difficulty() {
    let source = sample("electrician-4");
    let mut spec = source.spec.clone().expect("spec");
    spec.difficulty = Some(DifficultyTarget { target: 4.8, tolerance: 0.1 });
    assert_reason(&infeasible(&source, &spec), "difficulty target 4.8 ± 0.1 cannot be met");
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    /// Random banks, tight ones included (up to 90% of items retired): either
    /// refused up front, or every paper meets the spec.
    #[test]
    fn every_assembled_paper_satisfies_the_spec(
        items in 200usize..1500,
        modules in 1usize..9,
        seed in any::<u64>(),
        retire_percent in 0u64..90,
        tolerance in 1u32..6,
        target in prop::option::of(20u32..40),
    ) {
        let mut source = synth(SynthParams { items, modules, seed }).expect("synth");
        let mut spec = source.spec.clone().expect("spec");
        spec.weight_tolerance = f64::from(tolerance);
        spec.difficulty = target.map(|t| DifficultyTarget { target: f64::from(t) / 10.0, tolerance: 0.3 });
        let mut k = seed;
        retire(&mut source, |_| {
            k = k.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            (k >> 33) % 100 >= retire_percent
        });
        match Assembler::new(&source.bank, &spec, seed) {
            Err(AssembleError::Infeasible(reasons)) => prop_assert!(!reasons.is_empty()),
            Err(other) => prop_assert!(false, "feasible bank got stuck: {other}"),
            Ok(a) => {
                for p in a.batch(60).expect("a feasible spec never gets stuck") {
                    prop_assert_eq!(verify(&source.bank, &spec, &p), Ok(()));
                }
            }
        }
    }
}
