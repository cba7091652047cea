//! Bank coverage audit: does a bank cover its standard, point by point and
//! cell by cell, and how long does it last before items repeat?

use crate::assemble::{batch_stats, AssembleError, Assembler};
use crate::bank::{Bank, Importance, ItemType, Status};
use crate::hash::BankHash;
use crate::spec::PaperSpec;
use serde::Serialize;

/// Audit settings.
#[derive(Debug, Clone, Copy)]
pub struct CoverageOptions {
    /// A cell is thin when it holds fewer than this many times what one paper draws.
    pub thin_factor: f64,
    /// Papers to assemble to report exposure after a batch (0: none).
    pub papers: u64,
    /// Seed of that trial batch.
    pub seed: u64,
}

impl Default for CoverageOptions {
    fn default() -> Self {
        CoverageOptions { thin_factor: 5.0, papers: 1000, seed: 1 }
    }
}

/// Counts by item type: judge, single, multiple, short.
pub type TypeCounts = [usize; 4];

/// The whole report (the `--json` output).
#[derive(Debug, Clone, Serialize)]
pub struct Coverage {
    /// The bank audited.
    pub bank: BankSummary,
    /// Per module.
    pub modules: Vec<ModuleCoverage>,
    /// Active items per difficulty 1–5.
    pub difficulty: [usize; 5],
    /// The spec, if one was given.
    pub spec: Option<SpecSummary>,
    /// Findings, worst first.
    pub verdicts: Vec<Verdict>,
    /// Exposure after a trial batch, if the spec is feasible.
    pub exposure: Option<Exposure>,
}

/// Identity of the audited bank.
#[derive(Debug, Clone, Serialize)]
pub struct BankSummary {
    /// Id.
    pub id: String,
    /// Title.
    pub title: String,
    /// Occupation.
    pub occupation: String,
    /// Occupation code.
    pub occupation_code: String,
    /// Level code.
    pub level: String,
    /// Version.
    pub version: u32,
    /// Content hash.
    pub content_hash: String,
    /// All items.
    pub items: usize,
    /// Active items.
    pub active: usize,
}

/// One module.
#[derive(Debug, Clone, Serialize)]
pub struct ModuleCoverage {
    /// Code.
    pub code: String,
    /// Name.
    pub name: String,
    /// Weight in the standard (%).
    pub weight: f64,
    /// Active items.
    pub active: usize,
    /// Share of the bank's active items (%).
    pub bank_share: f64,
    /// Active items by type.
    pub by_type: TypeCounts,
    /// Active items by difficulty 1–5.
    pub by_difficulty: [usize; 5],
    /// Evaluation points.
    pub points: Vec<PointCoverage>,
    /// Cells a paper draws from.
    pub cells: Vec<CellCoverage>,
}

/// One evaluation point.
#[derive(Debug, Clone, Serialize)]
pub struct PointCoverage {
    /// Code.
    pub code: String,
    /// Name.
    pub name: String,
    /// X, Y or Z.
    pub importance: String,
    /// Active items.
    pub active: usize,
    /// Active items by type.
    pub by_type: TypeCounts,
}

/// One module × type cell that papers draw from.
#[derive(Debug, Clone, Serialize)]
pub struct CellCoverage {
    /// Item type.
    pub item_type: String,
    /// Active items.
    pub items: usize,
    /// Items one paper draws.
    pub draws_per_paper: u32,
    /// Papers before an item must repeat (items ÷ draws).
    pub papers_before_repeat: f64,
    /// `ok` or `thin`.
    pub verdict: String,
}

/// The spec the bank was audited against.
#[derive(Debug, Clone, Serialize)]
pub struct SpecSummary {
    /// Title.
    pub title: String,
    /// Whether papers can be assembled.
    pub feasible: bool,
    /// Why not, if not.
    pub problems: Vec<String>,
}

/// A finding.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Verdict {
    /// `fail`, `thin` or `warn`.
    pub level: String,
    /// What it is about.
    pub subject: String,
    /// The finding in words.
    pub message: String,
}

/// Exposure after a trial batch.
#[derive(Debug, Clone, Serialize)]
pub struct Exposure {
    /// Papers assembled.
    pub papers: u64,
    /// Most uses of one item.
    pub max: u32,
    /// Mean uses of the items drawn.
    pub mean: f64,
    /// Items drawn at least once.
    pub items_used: usize,
    /// Mean items shared by two papers.
    pub mean_overlap: f64,
    /// Histogram of uses: `histogram[k]` items were used in bucket `k` (width `bucket`).
    pub histogram: Vec<usize>,
    /// Bucket width.
    pub bucket: u32,
}

fn type_index(t: ItemType) -> usize {
    ItemType::ALL.iter().position(|x| *x == t).unwrap_or(0)
}

/// Audits `bank` (against `spec` when given).
pub fn coverage(bank: &Bank, spec: Option<&PaperSpec>, opts: CoverageOptions) -> Coverage {
    let point_module = bank.point_modules();
    let active: Vec<_> = bank.items.iter().filter(|i| i.status == Status::Active).collect();
    let mut difficulty = [0usize; 5];
    let mut cells = vec![[0usize; 4]; bank.modules.len()];
    let mut module_difficulty = vec![[0usize; 5]; bank.modules.len()];
    let mut points: std::collections::HashMap<&str, TypeCounts> = std::collections::HashMap::new();
    for item in &active {
        difficulty[usize::from(item.difficulty.clamp(1, 5)) - 1] += 1;
        let t = type_index(item.item_type());
        if let Some(&m) = point_module.get(item.point.as_str()) {
            cells[m][t] += 1;
            module_difficulty[m][usize::from(item.difficulty.clamp(1, 5)) - 1] += 1;
        }
        points.entry(item.point.as_str()).or_default()[t] += 1;
    }
    let mut verdicts = Vec::new();
    let (assembler, spec_summary) = match spec {
        None => (None, None),
        Some(s) => match Assembler::new(bank, s, opts.seed) {
            Ok(a) => (Some(a), Some(SpecSummary { title: s.title.clone(), feasible: true, problems: vec![] })),
            Err(e) => {
                let problems = match e {
                    AssembleError::Infeasible(p) => p,
                    other => vec![other.to_string()],
                };
                for p in &problems {
                    verdicts.push(Verdict { level: "fail".into(), subject: "paper spec".into(), message: p.clone() });
                }
                (None, Some(SpecSummary { title: s.title.clone(), feasible: false, problems }))
            }
        },
    };
    let total_active = active.len().max(1) as f64;
    let modules: Vec<ModuleCoverage> = bank
        .modules
        .iter()
        .enumerate()
        .map(|(m, module)| {
            let pts: Vec<PointCoverage> = module
                .points
                .iter()
                .map(|p| {
                    let by_type = points.get(p.code.as_str()).copied().unwrap_or_default();
                    PointCoverage { code: p.code.clone(), name: p.name.clone(), importance: p.importance.letter().into(), active: by_type.iter().sum(), by_type }
                })
                .collect();
            for p in pts.iter().filter(|p| p.active == 0) {
                let level = if p.importance == Importance::X.letter() { "fail" } else { "warn" };
                verdicts.push(Verdict {
                    level: level.into(),
                    subject: format!("point {}", p.code),
                    message: format!("evaluation point {} ({}, importance {}) of module {} has no active items", p.code, p.name, p.importance, module.code),
                });
            }
            let mut cell_list = Vec::new();
            if let (Some(a), Some(s)) = (&assembler, spec) {
                for t in ItemType::ALL {
                    let draws: u32 = s.sections.iter().enumerate().filter(|(_, sec)| sec.item_type == t).map(|(i, _)| a.section_quota()[m][i]).sum();
                    if draws == 0 {
                        continue;
                    }
                    let items = cells[m][type_index(t)];
                    let papers = items as f64 / f64::from(draws);
                    let thin = papers < opts.thin_factor;
                    if thin {
                        verdicts.push(Verdict {
                            level: "thin".into(),
                            subject: format!("module {} {t}", module.code),
                            message: format!(
                                "module {} ({}): {items} {t} items, a paper draws {draws} → an item repeats every {} papers: thin (want ≥ {}× per paper)",
                                module.code,
                                module.name,
                                papers.floor(),
                                opts.thin_factor
                            ),
                        });
                    }
                    cell_list.push(CellCoverage {
                        item_type: t.code().into(),
                        items,
                        draws_per_paper: draws,
                        papers_before_repeat: papers,
                        verdict: if thin { "thin" } else { "ok" }.into(),
                    });
                }
            }
            let active_m: usize = cells[m].iter().sum();
            if module.weight > 0.0 && active_m == 0 {
                verdicts.push(Verdict { level: "fail".into(), subject: format!("module {}", module.code), message: format!("module {} ({}) has weight {} but no active items", module.code, module.name, module.weight) });
            }
            ModuleCoverage {
                code: module.code.clone(),
                name: module.name.clone(),
                weight: module.weight,
                active: active_m,
                bank_share: active_m as f64 / total_active * 100.0,
                by_type: cells[m],
                by_difficulty: module_difficulty[m],
                points: pts,
                cells: cell_list,
            }
        })
        .collect();
    let exposure =
        assembler.as_ref().filter(|_| opts.papers > 0).and_then(|a| a.batch(opts.papers).ok()).map(|papers| {
            let s = batch_stats(bank.items.len(), &papers);
            let bucket = (s.max_exposure / 20).max(1);
            let mut histogram = vec![0usize; (s.max_exposure / bucket + 1) as usize];
            for &e in s.exposure.iter().filter(|&&e| e > 0) {
                histogram[(e / bucket) as usize] += 1;
            }
            Exposure {
                papers: opts.papers,
                max: s.max_exposure,
                mean: s.mean_exposure,
                items_used: s.items_used,
                mean_overlap: s.mean_overlap,
                histogram,
                bucket,
            }
        });
    let rank = |v: &Verdict| match v.level.as_str() {
        "fail" => 0,
        "thin" => 1,
        _ => 2,
    };
    verdicts.sort_by_key(rank);
    Coverage {
        bank: BankSummary {
            id: bank.meta.id.clone(),
            title: bank.meta.title.clone(),
            occupation: bank.meta.occupation.clone(),
            occupation_code: bank.meta.occupation_code.clone(),
            level: bank.meta.level.code().into(),
            version: bank.meta.version,
            content_hash: BankHash::of(bank).to_hex(),
            items: bank.items.len(),
            active: active.len(),
        },
        modules,
        difficulty,
        spec: spec_summary,
        verdicts,
        exposure,
    }
}
