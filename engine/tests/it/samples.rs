//! The sample banks are valid, cover their blueprints and hold enough items.

use kaoshi_engine::bank::{ItemType, Status};
use std::collections::HashSet;

#[test]
fn electrician_4_is_a_full_bank() {
    let source = super::parse_dir(&super::sample("electrician-4")).expect("valid");
    let bank = &source.bank;
    assert_eq!(bank.meta.occupation_code, "6-31-01-03");
    assert!(bank.items.len() >= 300, "{} items", bank.items.len());
    let spec = source.spec.expect("paper.toml");
    assert_eq!(spec.item_count(), 90);
    let point_module = bank.point_modules();
    // Every module holds every type its paper draws, and every point has items.
    for (m, module) in bank.modules.iter().enumerate() {
        for section in &spec.sections {
            let n = bank
                .active_items()
                .filter(|i| point_module[i.point.as_str()] == m && i.item_type() == section.item_type)
                .count();
            assert!(n >= 3, "module {} has {n} {} items", module.code, section.item_type);
        }
    }
    let used: HashSet<&str> = bank.items.iter().map(|i| i.point.as_str()).collect();
    for p in bank.modules.iter().flat_map(|m| &m.points) {
        assert!(used.contains(p.code.as_str()), "point {} has no items", p.code);
    }
}

#[test]
fn chinese_cook_5_has_a_different_structure_with_short_items() {
    let source = super::parse_dir(&super::sample("chinese-cook-5")).expect("valid");
    let spec = source.spec.expect("paper.toml");
    let types: Vec<ItemType> = spec.sections.iter().map(|s| s.item_type).collect();
    assert_eq!(types, vec![ItemType::Judge, ItemType::Single, ItemType::Short]);
    let shorts =
        source.bank.items.iter().filter(|i| i.item_type() == ItemType::Short && i.status == Status::Active).count();
    assert!(shorts >= 4 * spec.sections[2].count as usize, "{shorts} short items");
}
