//! Deterministic synthetic banks for scale tests and benchmarks: realistic
//! type and difficulty mixes, evaluation points of every importance, enemy
//! groups and a few retired items. Same parameters ⇒ same bank.

use crate::bank::ItemType;
use crate::bank::{Bank, BankMeta, BankSource, Importance, Item, ItemBody, Level, Module, Point, RubricPoint, Status};
use crate::spec::{DifficultyTarget, PaperSpec, Scoring, Section};
use rand_chacha::rand_core::{RngCore, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// Smallest bank `synth` makes: its paper spec needs 40 items with room to vary.
pub const MIN_ITEMS: usize = 200;
/// Most modules (codes A–Z).
pub const MAX_MODULES: usize = 26;

/// What to synthesise.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SynthParams {
    /// Number of items.
    pub items: usize,
    /// Number of modules.
    pub modules: usize,
    /// Seed; the bank is a pure function of the parameters.
    pub seed: u64,
}

/// Why parameters were refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SynthError {
    /// Too few items.
    #[error("--items must be at least {MIN_ITEMS}, got {0}")]
    TooFewItems(usize),
    /// Module count out of range.
    #[error("--modules must be between 1 and {MAX_MODULES}, got {0}")]
    Modules(usize),
}

const MODULE_NAMES: [&str; 12] = [
    "职业道德",
    "基础知识",
    "安全生产与环境保护",
    "工具与设备使用",
    "工艺操作",
    "质量检验",
    "设备维护保养",
    "故障诊断与排除",
    "技术管理",
    "培训指导",
    "相关法律法规",
    "新技术应用",
];
const SUBJECTS: [&str; 16] = [
    "接地装置",
    "绝缘电阻",
    "安全电压",
    "熔断器",
    "交流接触器",
    "热继电器",
    "万用表",
    "兆欧表",
    "三相异步电动机",
    "变压器",
    "漏电保护器",
    "可编程控制器",
    "变频器",
    "电缆线路",
    "照明线路",
    "保护接零",
];
const CLAIMS: [&str; 12] = [
    "应定期检查并做好记录",
    "可以在带电状态下直接更换",
    "必须由持证人员操作",
    "应按额定值选用",
    "安装前应测量其绝缘性能",
    "可不经验收直接投入运行",
    "使用前应进行外观检查",
    "应与负载特性相匹配",
    "发现异常应立即停止使用",
    "其金属外壳应可靠接地",
    "应远离易燃易爆物品",
    "可超过铭牌规定长期运行",
];
const FACTS: [&str; 16] = [
    "过载保护",
    "短路保护",
    "失压保护",
    "测量绝缘",
    "隔离电源",
    "降低电压",
    "提高功率因数",
    "限制电流",
    "消除静电",
    "防止触电",
    "改变转向",
    "调节转速",
    "记录数据",
    "指示状态",
    "平衡负载",
    "抑制干扰",
];

struct Gen(ChaCha8Rng);

impl Gen {
    fn below(&mut self, n: usize) -> usize {
        (self.0.next_u64() % n as u64) as usize
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.0.next_u64() % 100 < percent
    }

    /// `k` distinct indices below `n`.
    fn distinct(&mut self, n: usize, k: usize) -> Vec<usize> {
        let mut all: Vec<usize> = (0..n).collect();
        for i in 0..k {
            let j = i + self.below(n - i);
            all.swap(i, j);
        }
        all.truncate(k);
        all
    }
}

/// Makes a synthetic bank with a paper spec it satisfies.
pub fn synth(params: SynthParams) -> Result<BankSource, SynthError> {
    if params.items < MIN_ITEMS {
        return Err(SynthError::TooFewItems(params.items));
    }
    if !(1..=MAX_MODULES).contains(&params.modules) {
        return Err(SynthError::Modules(params.modules));
    }
    let mut g = Gen(ChaCha8Rng::seed_from_u64(params.seed));
    let modules = make_modules(&mut g, params.modules);
    let counts = apportion(params.items, &modules.iter().map(|m| m.weight).collect::<Vec<_>>());
    let mut items = Vec::with_capacity(params.items);
    let mut group = 0usize;
    for (m, module) in modules.iter().enumerate() {
        for k in 0..counts[m] {
            let id = format!("S-{}-{:06}", module.code, k + 1);
            let mut item = make_item(&mut g, id, module);
            // About 6% of items form enemy pairs with the previous item of the module.
            if k > 0 && g.chance(6) {
                group += 1;
                let name = format!("G{group}");
                if let Some(prev) = items.last_mut() {
                    let prev: &mut Item = prev;
                    prev.enemy_group = Some(name.clone());
                }
                item.enemy_group = Some(name);
            }
            items.push(item);
        }
    }
    let meta = BankMeta {
        id: format!("synth-{}-{}", params.items, params.seed),
        title: format!("合成题库 {} 题 (seed {})", params.items, params.seed),
        occupation_code: "9-99-99-99".to_string(),
        occupation: "合成职业".to_string(),
        level: Level::Four,
        version: 1,
        standard: "合成标准（测试用）".to_string(),
    };
    let spec = if params.items >= 1000 { standard_spec() } else { small_spec() };
    Ok(BankSource { bank: Bank { meta, modules, items }, spec: Some(spec) })
}

fn make_modules(g: &mut Gen, n: usize) -> Vec<Module> {
    let base = (100 / n).min(5);
    let mut weights = vec![base; n];
    let mut factors: Vec<usize> = (0..n).map(|_| 1 + g.below(4)).collect();
    if n >= 3 {
        factors[0] = 0; // 职业道德 keeps the small weight it has in every standard.
    }
    let total_factor: usize = factors.iter().sum::<usize>().max(1);
    for _ in 0..(100 - base * n) {
        let mut pick = g.below(total_factor);
        let mut i = 0;
        while pick >= factors[i] {
            pick -= factors[i];
            i += 1;
        }
        weights[i] += 1;
    }
    weights
        .iter()
        .enumerate()
        .map(|(i, &w)| {
            let code = ((b'A' + i as u8) as char).to_string();
            let name = match MODULE_NAMES.get(i) {
                Some(name) => (*name).to_string(),
                None => format!("专业模块{}", i + 1),
            };
            let npoints = 3 + g.below(6);
            let points = (0..npoints)
                .map(|p| Point {
                    code: format!("{code}{:02}", p + 1),
                    name: format!("{name}要点{}", p + 1),
                    importance: match p * 10 / npoints {
                        0..=3 => Importance::X,
                        4..=7 => Importance::Y,
                        _ => Importance::Z,
                    },
                })
                .collect();
            Module { code, name, weight: w as f64, points }
        })
        .collect()
}

/// Splits `total` in proportion to `weights` (largest remainder).
fn apportion(total: usize, weights: &[f64]) -> Vec<usize> {
    let sum: f64 = weights.iter().sum();
    let exact: Vec<f64> = weights.iter().map(|w| total as f64 * w / sum).collect();
    let mut counts: Vec<usize> = exact.iter().map(|x| x.floor() as usize).collect();
    let mut order: Vec<usize> = (0..weights.len()).collect();
    order.sort_by(|&a, &b| (exact[b] - exact[b].floor()).total_cmp(&(exact[a] - exact[a].floor())).then(a.cmp(&b)));
    let short = total - counts.iter().sum::<usize>();
    for &i in order.iter().take(short) {
        counts[i] += 1;
    }
    counts
}

fn make_item(g: &mut Gen, id: String, module: &Module) -> Item {
    // Importance X points draw twice as many items as the others.
    let weights: Vec<usize> = module.points.iter().map(|p| if p.importance == Importance::X { 2 } else { 1 }).collect();
    let mut pick = g.below(weights.iter().sum());
    let mut p = 0;
    while pick >= weights[p] {
        pick -= weights[p];
        p += 1;
    }
    let point = module.points[p].code.clone();
    let difficulty = match g.below(100) {
        0..=9 => 1,
        10..=34 => 2,
        35..=69 => 3,
        70..=89 => 4,
        _ => 5,
    };
    let subject = SUBJECTS[g.below(SUBJECTS.len())];
    let kind = match g.below(100) {
        0..=24 => ItemType::Judge,
        25..=74 => ItemType::Single,
        75..=94 => ItemType::Multiple,
        _ => ItemType::Short,
    };
    let (stem, body) = match kind {
        ItemType::Judge => {
            let claim = CLAIMS[g.below(CLAIMS.len())];
            (format!("{}中，{subject}{claim}。", module.name), ItemBody::Judge { answer: g.chance(60) })
        }
        ItemType::Single => {
            let n = 4;
            let options: Vec<String> = g.distinct(FACTS.len(), n).into_iter().map(|i| FACTS[i].to_string()).collect();
            let answer = g.below(n) as u8;
            (format!("在{}工作中，{subject}的主要作用是（　）。", module.name), ItemBody::Single { options, answer })
        }
        ItemType::Multiple => {
            let n = 4 + g.below(2);
            let options: Vec<String> = g.distinct(FACTS.len(), n).into_iter().map(|i| FACTS[i].to_string()).collect();
            let correct = 2 + g.below(n - 2);
            let answer = g.distinct(n, correct).into_iter().fold(0u8, |m, i| m | (1 << i));
            (
                format!("关于{}中{subject}的作用，下列说法正确的有（　）。", module.name),
                ItemBody::Multiple { options, answer },
            )
        }
        ItemType::Short => {
            let rubric = vec![
                RubricPoint { point: format!("说明{subject}的用途"), score: 2.0 },
                RubricPoint { point: "列出操作步骤".to_string(), score: 2.0 },
                RubricPoint { point: "指出安全注意事项".to_string(), score: 1.0 },
            ];
            let body = ItemBody::Short {
                reference: format!("{subject}用于{}；操作前检查，按规程操作；注意安全。", FACTS[g.below(FACTS.len())]),
                rubric,
                max_score: 5.0,
            };
            (format!("简述{}中{subject}的使用要点。", module.name), body)
        }
    };
    let status = if g.chance(2) { Status::Retired } else { Status::Active };
    Item { id, point, difficulty, stem, enemy_group: None, status, body }
}

fn section(item_type: ItemType, count: u32, score: f64) -> Section {
    Section { item_type, count, score, scoring: Scoring::Exact }
}

fn standard_spec() -> PaperSpec {
    PaperSpec {
        title: "合成题库理论知识考试".to_string(),
        duration_minutes: 90,
        total_score: 100.0,
        pass_score: 60.0,
        weight_tolerance: 2.0,
        sections: vec![
            section(ItemType::Judge, 20, 1.0),
            section(ItemType::Single, 60, 1.0),
            section(ItemType::Multiple, 10, 2.0),
        ],
        difficulty: Some(DifficultyTarget { target: 2.9, tolerance: 0.3 }),
    }
}

fn small_spec() -> PaperSpec {
    PaperSpec {
        title: "合成题库理论知识考试（小）".to_string(),
        duration_minutes: 60,
        total_score: 100.0,
        pass_score: 60.0,
        weight_tolerance: 3.0,
        sections: vec![
            section(ItemType::Judge, 10, 2.0),
            section(ItemType::Single, 20, 2.0),
            section(ItemType::Multiple, 10, 4.0),
        ],
        difficulty: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn apportion_keeps_the_total() {
        assert_eq!(apportion(10, &[1.0, 1.0, 1.0]), vec![4, 3, 3]);
        assert_eq!(apportion(100, &[5.0, 95.0]), vec![5, 95]);
    }

    #[test]
    fn synth_is_deterministic_and_weights_sum_to_100() {
        let p = SynthParams { items: 500, modules: 7, seed: 9 };
        let a = synth(p).expect("synth");
        let b = synth(p).expect("synth");
        assert_eq!(a, b);
        assert_eq!(a.bank.items.len(), 500);
        let sum: f64 = a.bank.modules.iter().map(|m| m.weight).sum();
        assert_eq!(sum, 100.0);
        let c = synth(SynthParams { seed: 10, ..p }).expect("synth");
        assert_ne!(a.bank.items, c.bank.items);
    }

    #[test]
    fn synth_refuses_bad_parameters() {
        assert_eq!(synth(SynthParams { items: 10, modules: 3, seed: 0 }), Err(SynthError::TooFewItems(10)));
        assert_eq!(synth(SynthParams { items: 300, modules: 0, seed: 0 }), Err(SynthError::Modules(0)));
    }
}
