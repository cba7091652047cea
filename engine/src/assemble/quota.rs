//! How many items each module draws in each section: one quota table per
//! batch, so every candidate's paper has the same blueprint (双向细目表)
//! and only the items differ. Solved by apportioning each section by weight,
//! then local search minimising the worst gap between a module's score and
//! its weight.

/// Quotas `q[module][section]`.
pub(crate) type Quotas = Vec<Vec<u32>>;

/// A move of the local search: `(module, section, change)` triples.
type Move = Vec<(usize, usize, i32)>;

/// The problem: module weights, sections and what each module can supply.
pub(crate) struct QuotaProblem<'a> {
    /// Target score of each module (weight × total / 100).
    pub targets: &'a [f64],
    /// Whether each module must appear (weight > 0).
    pub required: &'a [bool],
    /// `(count, score, type index)` of each section.
    pub sections: &'a [(u32, f64, usize)],
    /// Items a module can supply per type on one paper; `None` = unlimited.
    pub capacity: Option<&'a [Vec<u32>]>,
}

impl QuotaProblem<'_> {
    fn cap(&self, m: usize, t: usize) -> u32 {
        self.capacity.map_or(u32::MAX, |c| c[m][t])
    }

    fn used(&self, q: &Quotas, m: usize, t: usize) -> u32 {
        self.sections.iter().enumerate().filter(|(_, s)| s.2 == t).map(|(s, _)| q[m][s]).sum()
    }

    fn score(&self, q: &Quotas, m: usize) -> f64 {
        self.sections.iter().enumerate().map(|(s, sec)| f64::from(q[m][s]) * sec.1).sum()
    }

    /// Worst absolute gap and sum of squared gaps; smaller is better.
    fn objective(&self, q: &Quotas) -> (f64, f64) {
        let mut worst: f64 = 0.0;
        let mut sum = 0.0;
        for m in 0..self.targets.len() {
            let gap = self.score(q, m) - self.targets[m];
            worst = worst.max(gap.abs());
            sum += gap * gap;
        }
        (worst, sum)
    }

    /// Solves; `None` when the capacities cannot hold the sections' counts.
    pub(crate) fn solve(&self) -> Option<Quotas> {
        let modules = self.targets.len();
        let mut q = vec![vec![0u32; self.sections.len()]; modules];
        let total_target: f64 = self.targets.iter().sum::<f64>().max(f64::MIN_POSITIVE);
        for (s, &(count, _, t)) in self.sections.iter().enumerate() {
            let shares: Vec<f64> = self.targets.iter().map(|w| f64::from(count) * w / total_target).collect();
            let mut given: Vec<u32> = shares.iter().map(|x| x.floor() as u32).collect();
            let mut order: Vec<usize> = (0..modules).collect();
            order.sort_by(|&a, &b| {
                (shares[b] - shares[b].floor()).total_cmp(&(shares[a] - shares[a].floor())).then(a.cmp(&b))
            });
            let mut left = count - given.iter().sum::<u32>();
            for &m in order.iter().cycle().take(modules * 2) {
                if left == 0 {
                    break;
                }
                given[m] += 1;
                left -= 1;
            }
            for (m, g) in given.into_iter().enumerate() {
                q[m][s] = g;
            }
            // Move what exceeds a module's capacity to modules with room, neediest first.
            for m in 0..modules {
                while self.used(&q, m, t) > self.cap(m, t) && q[m][s] > 0 {
                    let to =
                        (0..modules).filter(|&b| b != m && self.used(&q, b, t) < self.cap(b, t)).min_by(|&a, &b| {
                            (self.score(&q, a) - self.targets[a]).total_cmp(&(self.score(&q, b) - self.targets[b]))
                        })?;
                    q[m][s] -= 1;
                    q[to][s] += 1;
                }
            }
        }
        if (0..modules).any(|m| {
            (0..self.sections.len()).any(|s| self.used(&q, m, self.sections[s].2) > self.cap(m, self.sections[s].2))
        }) {
            return None;
        }
        self.ensure_required(&mut q);
        self.improve(&mut q);
        Some(q)
    }

    /// Gives one item to each required module that has none, if it can take one.
    fn ensure_required(&self, q: &mut Quotas) {
        for m in 0..self.targets.len() {
            if !self.required[m] || q[m].iter().any(|&n| n > 0) {
                continue;
            }
            let donor = (0..self.sections.len())
                .filter(|&s| self.used(q, m, self.sections[s].2) < self.cap(m, self.sections[s].2))
                .flat_map(|s| (0..self.targets.len()).map(move |d| (s, d)))
                .filter(|&(s, d)| d != m && q[d][s] > 0 && (!self.required[d] || q[d].iter().sum::<u32>() > 1))
                .max_by(|&(_, a), &(_, b)| {
                    (self.score(q, a) - self.targets[a]).total_cmp(&(self.score(q, b) - self.targets[b]))
                });
            if let Some((s, d)) = donor {
                q[d][s] -= 1;
                q[m][s] += 1;
            }
        }
    }

    fn can_lose(&self, q: &Quotas, m: usize, s: usize) -> bool {
        q[m][s] > 0 && (!self.required[m] || q[m].iter().sum::<u32>() > 1)
    }

    fn can_gain(&self, q: &Quotas, m: usize, s: usize) -> bool {
        self.used(q, m, self.sections[s].2) < self.cap(m, self.sections[s].2)
    }

    /// Best-improvement local search over single moves and two-section swaps.
    fn improve(&self, q: &mut Quotas) {
        let modules = self.targets.len();
        let sections = self.sections.len();
        let better = |a: (f64, f64), b: (f64, f64)| a.0 < b.0 - 1e-9 || (a.0 <= b.0 + 1e-9 && a.1 < b.1 - 1e-9);
        for _ in 0..10_000 {
            let current = self.objective(q);
            let mut best: Option<((f64, f64), Move)> = None;
            let mut consider = |q: &mut Quotas, changes: Move| {
                for &(m, s, d) in &changes {
                    q[m][s] = q[m][s].wrapping_add_signed(d);
                }
                let value = self.objective(q);
                for &(m, s, d) in &changes {
                    q[m][s] = q[m][s].wrapping_add_signed(-d);
                }
                if better(value, best.as_ref().map_or(current, |b| b.0)) {
                    best = Some((value, changes));
                }
            };
            for s in 0..sections {
                for a in 0..modules {
                    if !self.can_lose(q, a, s) {
                        continue;
                    }
                    for b in 0..modules {
                        if b != a && self.can_gain(q, b, s) {
                            consider(q, vec![(a, s, -1), (b, s, 1)]);
                        }
                    }
                }
            }
            for s1 in 0..sections {
                for s2 in 0..sections {
                    if s1 == s2 || self.sections[s1].1 == self.sections[s2].1 {
                        continue;
                    }
                    for a in 0..modules {
                        for b in 0..modules {
                            // a takes one more s1 and one fewer s2; b the reverse.
                            if a == b || q[a][s2] == 0 || q[b][s1] == 0 {
                                continue;
                            }
                            let (t1, t2) = (self.sections[s1].2, self.sections[s2].2);
                            let a_ok = t1 == t2 || self.used(q, a, t1) < self.cap(a, t1);
                            let b_ok = t1 == t2 || self.used(q, b, t2) < self.cap(b, t2);
                            if a_ok && b_ok {
                                consider(q, vec![(a, s1, 1), (a, s2, -1), (b, s1, -1), (b, s2, 1)]);
                            }
                        }
                    }
                }
            }
            match best {
                Some((_, changes)) => {
                    for (m, s, d) in changes {
                        q[m][s] = q[m][s].wrapping_add_signed(d);
                    }
                }
                None => return,
            }
        }
    }

    /// Score of each module under `q`.
    pub(crate) fn scores(&self, q: &Quotas) -> Vec<f64> {
        (0..self.targets.len()).map(|m| self.score(q, m)).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn electrician_like_weights_are_met_exactly() {
        let targets = [5.0, 25.0, 25.0, 15.0, 20.0, 10.0];
        let required = [true; 6];
        let sections = [(20, 1.0, 0), (60, 1.0, 1), (10, 2.0, 2)];
        let p = QuotaProblem { targets: &targets, required: &required, sections: &sections, capacity: None };
        let q = p.solve().expect("solvable");
        for (s, sec) in sections.iter().enumerate() {
            assert_eq!(q.iter().map(|row| row[s]).sum::<u32>(), sec.0);
        }
        assert_eq!(p.scores(&q), targets.to_vec());
    }

    #[test]
    fn capacity_is_respected_and_required_modules_appear() {
        let targets = [1.0, 49.0, 50.0];
        let required = [true; 3];
        let sections = [(10, 5.0, 0), (25, 2.0, 1)];
        let cap = vec![vec![0, 3], vec![4, 25], vec![10, 25]];
        let p = QuotaProblem { targets: &targets, required: &required, sections: &sections, capacity: Some(&cap) };
        let q = p.solve().expect("solvable");
        assert!(q[0][0] == 0 && q[0][1] >= 1, "{q:?}");
        assert!(q[1][0] <= 4, "{q:?}");
    }
}
