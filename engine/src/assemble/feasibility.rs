//! Before any paper is made: can this bank satisfy this spec? Either a quota
//! table that meets every weight within tolerance, or every reason it cannot,
//! naming the module, the type and how many items are missing.

use super::paper::{type_index, AssembleError, TYPES};
use super::quota::{QuotaProblem, Quotas};
use super::stream::CellItems;
use crate::bank::{Bank, ItemType};
use crate::spec::PaperSpec;

/// Assigns every enemy group to one cell (where most of its items are), so
/// that counting a group once in that cell never counts it twice.
pub(crate) fn home_cells(cells: &[CellItems], group: &[u32], groups: usize) -> Vec<u32> {
    let mut counts: Vec<Vec<(u32, u32)>> = vec![Vec::new(); groups + 1];
    for (c, cell) in cells.iter().enumerate() {
        for &item in cell.points.iter().flat_map(|(_, v)| v) {
            let g = group[item as usize] as usize;
            if g == 0 {
                continue;
            }
            match counts[g].iter_mut().find(|(cc, _)| *cc == c as u32) {
                Some(entry) => entry.1 += 1,
                None => counts[g].push((c as u32, 1)),
            }
        }
    }
    counts
        .into_iter()
        .map(|v| v.into_iter().max_by(|a, b| a.1.cmp(&b.1).then(b.0.cmp(&a.0))).map_or(u32::MAX, |(c, _)| c))
        .collect()
}

/// Items of a cell that can share one paper: ungrouped items plus one per
/// enemy group at home in the cell.
fn units(cells: &[CellItems], group: &[u32], home: &[u32]) -> Vec<u32> {
    cells
        .iter()
        .enumerate()
        .map(|(c, cell)| {
            let mut seen = Vec::new();
            let mut n = 0;
            for &item in cell.points.iter().flat_map(|(_, v)| v) {
                let g = group[item as usize];
                if g == 0 {
                    n += 1;
                } else if home[g as usize] == c as u32 && !seen.contains(&g) {
                    seen.push(g);
                    n += 1;
                }
            }
            n
        })
        .collect()
}

fn type_of(t: usize) -> ItemType {
    ItemType::ALL[t]
}

/// Checks feasibility and solves the quota table `q[module][section]`.
pub(crate) fn check(
    bank: &Bank,
    spec: &PaperSpec,
    cells: &[CellItems],
    group: &[u32],
    home: &[u32],
    difficulty: &[u8],
) -> Result<Quotas, AssembleError> {
    let modules = bank.modules.len();
    let units = units(cells, group, home);
    let unit = |m: usize, t: usize| units[m * TYPES + t];
    let active = |m: usize, t: usize| cells[m * TYPES + t].len as u32;
    let sections: Vec<(u32, f64, usize)> =
        spec.sections.iter().map(|s| (s.count, s.score, type_index(s.item_type))).collect();
    let mut spec_types: Vec<usize> = sections.iter().map(|s| s.2).collect();
    spec_types.sort_unstable();
    spec_types.dedup();
    let mut problems = Vec::new();

    for &t in &spec_types {
        let need: u32 = sections.iter().filter(|s| s.2 == t).map(|s| s.0).sum();
        let have: u32 = (0..modules).map(|m| unit(m, t)).sum();
        let act: u32 = (0..modules).map(|m| active(m, t)).sum();
        if need > have {
            let enemies =
                if have < act { format!(", of which {have} can share a paper (enemy groups)") } else { String::new() };
            problems
                .push(format!("type {}: a paper needs {need} items, the bank has {act} active{enemies}", type_of(t)));
        }
    }
    let names: Vec<&str> = spec_types.iter().map(|&t| type_of(t).code()).collect();
    for (m, module) in bank.modules.iter().enumerate() {
        if module.weight > 0.0 && spec_types.iter().all(|&t| unit(m, t) == 0) {
            problems.push(format!(
                "module {} ({}) has weight {} but no active items of the paper's types ({})",
                module.code,
                module.name,
                module.weight,
                names.join(", ")
            ));
        }
    }
    if !problems.is_empty() {
        return Err(AssembleError::Infeasible(problems));
    }

    let total = spec.total_score;
    let targets: Vec<f64> = bank.modules.iter().map(|m| m.weight * total / 100.0).collect();
    let required: Vec<bool> = bank.modules.iter().map(|m| m.weight > 0.0).collect();
    let capacity: Vec<Vec<u32>> = (0..modules).map(|m| (0..TYPES).map(|t| unit(m, t)).collect()).collect();
    let gaps = |p: &QuotaProblem<'_>, q: &Quotas| -> Vec<(usize, f64)> {
        p.scores(q)
            .into_iter()
            .enumerate()
            .filter_map(|(m, score)| {
                let share = score / total * 100.0;
                let missing = required[m] && q[m].iter().all(|&n| n == 0);
                ((share - bank.modules[m].weight).abs() > spec.weight_tolerance + 1e-9 || missing).then_some((m, score))
            })
            .collect()
    };
    let capped =
        QuotaProblem { targets: &targets, required: &required, sections: &sections, capacity: Some(&capacity) };
    let quotas = match capped.solve() {
        Some(q) if gaps(&capped, &q).is_empty() => q,
        capped_result => {
            let free = QuotaProblem { targets: &targets, required: &required, sections: &sections, capacity: None };
            match free.solve() {
                Some(u) if gaps(&free, &u).is_empty() => {
                    for (m, module) in bank.modules.iter().enumerate() {
                        for &t in &spec_types {
                            let need: u32 =
                                sections.iter().enumerate().filter(|(_, s)| s.2 == t).map(|(s, _)| u[m][s]).sum();
                            if need > unit(m, t) {
                                let enemies = if unit(m, t) < active(m, t) {
                                    format!(" ({} can share a paper: enemy groups)", unit(m, t))
                                } else {
                                    String::new()
                                };
                                problems.push(format!(
                                    "module {} ({}): needs ≥ {need} {} items, bank has {} active{enemies}",
                                    module.code,
                                    module.name,
                                    type_of(t),
                                    active(m, t)
                                ));
                            }
                        }
                    }
                    if problems.is_empty() {
                        problems.push("the module weights cannot be met within the weight tolerance with the items the bank holds".into());
                    }
                }
                free_result => {
                    let (p, q) = match (&free_result, &capped_result) {
                        (Some(u), _) => (&free, u),
                        (None, Some(c)) => (&capped, c),
                        (None, None) => {
                            return Err(AssembleError::Infeasible(vec!["the sections cannot be filled".into()]))
                        }
                    };
                    for (m, score) in gaps(p, q) {
                        let module = &bank.modules[m];
                        problems.push(format!(
                            "module {} ({}, weight {}): the nearest a paper can come with these section scores is {score} of {total} points, beyond the weight tolerance of {}",
                            module.code, module.name, module.weight, spec.weight_tolerance
                        ));
                    }
                }
            }
            return Err(AssembleError::Infeasible(problems));
        }
    };

    if let Some(d) = &spec.difficulty {
        let (mut lo, mut hi) = (0u64, 0u64);
        for (m, row) in quotas.iter().enumerate() {
            for &t in &spec_types {
                let q: usize =
                    sections.iter().enumerate().filter(|(_, s)| s.2 == t).map(|(s, _)| row[s] as usize).sum();
                let mut ds: Vec<u8> =
                    cells[m * TYPES + t].points.iter().flat_map(|(_, v)| v).map(|&i| difficulty[i as usize]).collect();
                ds.sort_unstable();
                lo += ds.iter().take(q).map(|&x| u64::from(x)).sum::<u64>();
                hi += ds.iter().rev().take(q).map(|&x| u64::from(x)).sum::<u64>();
            }
        }
        let n = spec.item_count() as f64;
        let (min, max) = (lo as f64 / n, hi as f64 / n);
        if d.target - d.tolerance > max + 1e-9 || d.target + d.tolerance < min - 1e-9 {
            return Err(AssembleError::Infeasible(vec![format!(
                "difficulty target {} ± {} cannot be met: a paper's mean difficulty can only lie between {min:.2} and {max:.2}",
                d.target, d.tolerance
            )]));
        }
    }
    Ok(quotas)
}
