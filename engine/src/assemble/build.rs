//! Building papers, in three passes:
//!
//! 1. windows (parallel): paper `i` reads `[i·q, (i+1)·q)` of every cell's
//!    stream — pure cyclic drawing;
//! 2. repairs (in paper order): a second item of an enemy group is dropped and
//!    replaced; a paper whose mean difficulty is out of band swaps items.
//!    Every item carries its deviation from the cyclic schedule (+1 per extra
//!    use, −1 per dropped use); drops take the most-used side and
//!    replacements the least-used item, so deviations stay within one or two
//!    and exposure stays at the cyclic bound. Only papers that need a repair
//!    do work here;
//! 3. composition (parallel): section order and option order per candidate.
//!
//! Paper `i` depends on papers `0..i` only through pass 2, so it remains a
//! pure function of (bank hash, spec, seed, i), whatever the batch size.

use super::assembler::Assembler;
use super::paper::{type_index, AssembleError, OptionOrder, Paper, PaperItem, TYPES};
use super::rng::{below, keyed_rng, shuffle};
use super::stream::{self, OnDemand, Precomputed, Streams};
use rayon::prelude::*;
use std::collections::HashMap;

const HOLE: u32 = u32::MAX;

/// The drawn items of one paper, cell by cell (`cell_start` gives the offsets).
pub(crate) type Slots = Vec<u32>;

/// State of pass 2.
pub(crate) struct Repairs {
    deviation: Vec<i32>,
    seen: Vec<u32>,
    group_seen: Vec<u32>,
    stamp: u32,
    log: Vec<(u32, i32)>,
    /// Items of papers `i − 1` and `i + 1` (sorted) while paper `i` is repaired.
    neighbours: Vec<u32>,
}

impl Repairs {
    pub(crate) fn new(items: usize, groups: usize) -> Repairs {
        Repairs {
            deviation: vec![0; items],
            seen: vec![0; items],
            group_seen: vec![0; groups + 1],
            stamp: 0,
            log: Vec::new(),
            neighbours: Vec::new(),
        }
    }

    fn next_stamp(&mut self) {
        self.stamp = self.stamp.wrapping_add(1);
        if self.stamp == 0 {
            self.seen.fill(0);
            self.group_seen.fill(0);
            self.stamp = 1;
        }
    }

    fn shift(&mut self, item: u32, delta: i32) {
        self.deviation[item as usize] += delta;
        self.log.push((item, delta));
    }

    fn rollback(&mut self) {
        while let Some((item, delta)) = self.log.pop() {
            self.deviation[item as usize] -= delta;
        }
    }
}

impl Assembler<'_> {
    /// Paper `i`. It depends on (bank hash, spec, seed, i) only; computing
    /// it replays the repairs of papers `0..i` (cheap: only papers that need
    /// a repair do work).
    pub fn paper(&self, i: u64) -> Result<Paper, AssembleError> {
        let mut streams = OnDemand { key: &self.key, cells: &self.cells, cycles: HashMap::new() };
        let mut repairs = Repairs::new(self.bank.items.len(), self.group_home.len());
        let mut previous: Option<Vec<u32>> = None;
        for j in 0..=i {
            let mut slots = self.window(j, &mut streams);
            self.repair(j, &mut slots, previous.as_deref(), &mut streams, &mut repairs)?;
            previous = Some(slots);
        }
        Ok(self.compose(i, previous.as_deref().unwrap_or_default(), &self.cell_start()))
    }

    /// Papers `0..n`: windows and composition in parallel, repairs in paper
    /// order. Identical to calling [`Assembler::paper`] for each index.
    pub fn batch(&self, n: u64) -> Result<Vec<Paper>, AssembleError> {
        let lens: Vec<u64> = self
            .cells
            .iter()
            .zip(&self.cell_quota)
            .map(|(cell, &q)| if q == 0 { 0 } else { (n + 3) * u64::from(q) + 3 * cell.len as u64 })
            .collect();
        let flat = stream::precompute(&self.key, &self.cells, &lens);
        let mut windows: Vec<Vec<u32>> =
            (0..n).into_par_iter().map(|i| self.window(i, &mut Precomputed { flat: &flat })).collect();
        let mut repairs = Repairs::new(self.bank.items.len(), self.group_home.len());
        for i in 0..windows.len() {
            let (done, rest) = windows.split_at_mut(i);
            let previous = done.last().map(Vec::as_slice);
            self.repair(i as u64, &mut rest[0], previous, &mut Precomputed { flat: &flat }, &mut repairs)?;
        }
        let starts = self.cell_start();
        Ok(windows.par_iter().enumerate().map(|(i, slots)| self.compose(i as u64, slots, &starts)).collect())
    }

    /// Offsets of each cell's items in a paper's slots.
    pub(crate) fn cell_start(&self) -> Vec<usize> {
        let mut start = Vec::with_capacity(self.cell_quota.len() + 1);
        let mut at = 0;
        for &q in &self.cell_quota {
            start.push(at);
            at += q as usize;
        }
        start.push(at);
        start
    }

    /// Pass 1: the cyclic windows of paper `i`.
    pub(crate) fn window(&self, i: u64, streams: &mut impl Streams) -> Slots {
        let mut slots = Vec::with_capacity(self.spec.item_count());
        for (c, &q) in self.cell_quota.iter().enumerate() {
            let start = i * u64::from(q);
            slots.extend((start..start + u64::from(q)).map(|p| streams.item_at(c, p)));
        }
        slots
    }

    /// Pass 2 for paper `i`: enemy groups, then difficulty.
    /// `previous` is paper `i − 1` as finally built, if any.
    pub(crate) fn repair(
        &self,
        i: u64,
        slots: &mut Slots,
        previous: Option<&[u32]>,
        streams: &mut impl Streams,
        r: &mut Repairs,
    ) -> Result<(), AssembleError> {
        let original = slots.clone();
        for strict in [false, true] {
            r.log.clear();
            if self.try_repair(i, slots, previous, streams, r, strict) {
                return Ok(());
            }
            r.rollback();
            slots.copy_from_slice(&original);
        }
        Err(AssembleError::Stuck {
            index: i,
            reason: "no combination of items met the enemy-group and difficulty rules".into(),
        })
    }

    fn usable(&self, item: u32, c: usize, r: &Repairs, strict: bool) -> bool {
        let g = self.group[item as usize];
        r.seen[item as usize] != r.stamp
            && (g == 0 || r.group_seen[g as usize] != r.stamp)
            && (!strict || g == 0 || self.group_home[g as usize] == c as u32)
    }

    fn mark(&self, item: u32, r: &mut Repairs, on: bool) {
        let stamp = if on { r.stamp } else { 0 };
        r.seen[item as usize] = stamp;
        let g = self.group[item as usize];
        if g != 0 {
            r.group_seen[g as usize] = stamp;
        }
    }

    /// Replacement candidates in cell `c` for paper `i`: every item of the
    /// cell, in stream order from beyond the next paper's window.
    fn candidates<'s, S: Streams>(&self, c: usize, i: u64, streams: &'s mut S) -> impl Iterator<Item = u32> + 's {
        let q = u64::from(self.cell_quota[c]);
        let m = self.cells[c].len as u64;
        let from = (i + 2) * q;
        (0..2 * m).map(move |j| streams.item_at(c, from + j))
    }

    fn try_repair(
        &self,
        i: u64,
        slots: &mut Slots,
        previous: Option<&[u32]>,
        streams: &mut impl Streams,
        r: &mut Repairs,
        strict: bool,
    ) -> bool {
        let needs_work = strict || self.has_conflict(slots) || !self.difficulty_ok(slots);
        if !needs_work {
            return true;
        }
        r.next_stamp();
        // Items on the neighbouring papers are replacements of last resort.
        let mut neighbours: Vec<u32> = previous.map(<[u32]>::to_vec).unwrap_or_default();
        neighbours.extend(self.window(i + 1, streams));
        neighbours.sort_unstable();
        r.neighbours = neighbours;
        let starts = self.cell_start();
        let cell_of = |pos: usize| starts.partition_point(|&s| s <= pos) - 1;
        // Strict mode draws each enemy group only in its home cell.
        for (pos, slot) in slots.iter_mut().enumerate() {
            let g = self.group[*slot as usize];
            if strict && g != 0 && self.group_home[g as usize] != cell_of(pos) as u32 {
                r.shift(*slot, -1);
                *slot = HOLE;
            }
        }
        for &item in slots.iter().filter(|&&s| s != HOLE) {
            r.seen[item as usize] = r.stamp;
        }
        // Enemy groups: keep the least-used member.
        let mut grouped: Vec<(u32, i32, usize)> = slots
            .iter()
            .enumerate()
            .filter(|(_, &s)| s != HOLE && self.group[s as usize] != 0)
            .map(|(pos, &s)| (self.group[s as usize], r.deviation[s as usize], pos))
            .collect();
        grouped.sort_unstable();
        for members in grouped.chunk_by(|a, b| a.0 == b.0) {
            r.group_seen[members[0].0 as usize] = r.stamp;
            for &(_, _, pos) in &members[1..] {
                let item = slots[pos];
                r.seen[item as usize] = 0;
                r.shift(item, -1);
                slots[pos] = HOLE;
            }
        }
        // Fill holes with the least-used usable item of the cell.
        for (pos, slot) in slots.iter_mut().enumerate() {
            if *slot != HOLE {
                continue;
            }
            let Some(alt) = self.least_used(cell_of(pos), i, streams, r, strict, |_| true) else { return false };
            self.mark(alt, r, true);
            r.shift(alt, 1);
            *slot = alt;
        }
        self.fit_difficulty(i, slots, streams, r, strict, &cell_of)
    }

    fn least_used(
        &self,
        c: usize,
        i: u64,
        streams: &mut impl Streams,
        r: &Repairs,
        strict: bool,
        accept: impl Fn(u32) -> bool,
    ) -> Option<u32> {
        // Rank: not on a neighbouring paper first, then least used.
        let rank = |item: u32| (r.neighbours.binary_search(&item).is_ok(), r.deviation[item as usize]);
        let mut best: Option<u32> = None;
        for item in self.candidates(c, i, streams) {
            if self.usable(item, c, r, strict) && accept(item) && best.is_none_or(|b| rank(item) < rank(b)) {
                best = Some(item);
            }
        }
        best
    }

    fn has_conflict(&self, slots: &[u32]) -> bool {
        let mut groups: Vec<u32> = slots.iter().map(|&s| self.group[s as usize]).filter(|&g| g != 0).collect();
        let n = groups.len();
        groups.sort_unstable();
        groups.dedup();
        groups.len() != n
    }

    fn band(&self) -> Option<(f64, f64)> {
        let d = self.spec.difficulty.as_ref()?;
        let n = self.spec.item_count() as f64;
        Some(((d.target - d.tolerance) * n - 1e-6, (d.target + d.tolerance) * n + 1e-6))
    }

    fn difficulty_ok(&self, slots: &[u32]) -> bool {
        self.band().is_none_or(|(lo, hi)| {
            let sum: f64 = slots.iter().map(|&s| f64::from(self.difficulty[s as usize])).sum();
            (lo..=hi).contains(&sum)
        })
    }

    /// The best replacement of each difficulty level (1–5) in cell `c`.
    fn buckets(&self, c: usize, i: u64, streams: &mut impl Streams, r: &Repairs, strict: bool) -> [Option<u32>; 6] {
        let rank = |item: u32| (r.neighbours.binary_search(&item).is_ok(), r.deviation[item as usize]);
        let mut best: [Option<u32>; 6] = [None; 6];
        for item in self.candidates(c, i, streams) {
            let level = usize::from(self.difficulty[item as usize]).min(5);
            if self.usable(item, c, r, strict) && best[level].is_none_or(|b| rank(item) < rank(b)) {
                best[level] = Some(item);
            }
        }
        best
    }

    /// Swaps items, least-used replacement first, until the mean difficulty is in band.
    fn fit_difficulty(
        &self,
        i: u64,
        slots: &mut Slots,
        streams: &mut impl Streams,
        r: &mut Repairs,
        strict: bool,
        cell_of: &impl Fn(usize) -> usize,
    ) -> bool {
        let Some((lo, hi)) = self.band() else { return true };
        let dist = |s: f64| (lo - s).max(s - hi).max(0.0);
        let d = |item: u32| f64::from(self.difficulty[item as usize]);
        let mut sum: f64 = slots.iter().map(|&it| d(it)).sum();
        if dist(sum) == 0.0 {
            return true;
        }
        let mut buckets: Vec<[Option<u32>; 6]> = (0..self.cells.len())
            .map(|c| if self.cell_quota[c] == 0 { [None; 6] } else { self.buckets(c, i, streams, r, strict) })
            .collect();
        let mut rng = keyed_rng(&self.key, b"difficulty", i, u64::from(strict));
        for _ in 0..(4 * slots.len() + 16) {
            if dist(sum) == 0.0 {
                return true;
            }
            let first = below(&mut rng, slots.len());
            let rank = |alt: u32, cur: u32| {
                (r.neighbours.binary_search(&alt).is_ok(), r.deviation[alt as usize] - r.deviation[cur as usize])
            };
            let mut best: Option<(usize, u32)> = None;
            for k in 0..slots.len() {
                let pos = (first + k) % slots.len();
                let cur = slots[pos];
                for alt in buckets[cell_of(pos)].iter().flatten().copied() {
                    // Buckets are from before earlier swaps: recheck that `alt`
                    // is still free (its group may have entered the paper since).
                    let g = self.group[alt as usize];
                    let free = r.seen[alt as usize] != r.stamp
                        && (g == 0 || r.group_seen[g as usize] != r.stamp || g == self.group[cur as usize]);
                    let improves = dist(sum - d(cur) + d(alt)) < dist(sum);
                    if free && improves && best.is_none_or(|(bpos, b)| rank(alt, cur) < rank(b, slots[bpos])) {
                        best = Some((pos, alt));
                    }
                }
            }
            let Some((pos, alt)) = best else { return false };
            let cur = slots[pos];
            self.mark(cur, r, false);
            self.mark(alt, r, true);
            r.shift(cur, -1);
            r.shift(alt, 1);
            sum += d(alt) - d(cur);
            slots[pos] = alt;
            let c = cell_of(pos);
            buckets[c] = self.buckets(c, i, streams, r, strict);
        }
        dist(sum) == 0.0
    }

    /// Pass 3: section order and option order of paper `i`.
    pub(crate) fn compose(&self, i: u64, slots: &[u32], starts: &[usize]) -> Paper {
        let mut rng = keyed_rng(&self.key, b"paper", i, 0);
        let modules = self.section_quota.len();
        let mut taken = starts.to_vec();
        let mut items = Vec::with_capacity(self.spec.item_count());
        for (s, section) in self.spec.sections.iter().enumerate() {
            let start = items.len();
            let t = type_index(section.item_type);
            for m in 0..modules {
                let c = m * TYPES + t;
                let q = self.section_quota[m][s] as usize;
                for &item in &slots[taken[c]..taken[c] + q] {
                    items.push(PaperItem { item, section: s as u16, option_order: OptionOrder::default() });
                }
                taken[c] += q;
            }
            shuffle(&mut rng, &mut items[start..]);
        }
        for it in &mut items {
            let n = self.option_count[it.item as usize];
            if n > 0 {
                let mut order = [0u8, 1, 2, 3, 4, 5, 6, 7];
                shuffle(&mut rng, &mut order[..usize::from(n)]);
                it.option_order = OptionOrder { len: n, order };
            }
        }
        Paper { index: i, items }
    }
}
