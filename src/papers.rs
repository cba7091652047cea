//! papers.jsonl, one paper per line: written by `kaoshi assemble`, read by
//! `kaoshi grade`. The layout is the documented one
//! (`{"index","bank","bank_hash","seed","items":[{"id","section","option_order"}]}`).
//!
//! Reading is the grader's hot path: a 20,000-paper file is ~90 MB of JSON.
//! Lines exactly as kaoshi writes them (compact, keys in this order, no
//! escapes) are read by a byte scanner; any other line — other spacing, key
//! order, escapes, extra fields — goes through serde_json, so every valid
//! line is read and every invalid one is refused with serde's message. The
//! two readers agree on every line the scanner accepts (tested).

use anyhow::{anyhow, bail, Result};
use kaoshi_engine::assemble::{OptionOrder, Paper, PaperItem};
use kaoshi_engine::bank::Bank;
use kaoshi_engine::spec::PaperSpec;
use kaoshi_engine::BankHash;
use rayon::prelude::*;
use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};
use std::borrow::Cow;

/// One line as written.
#[derive(Serialize)]
struct Line<'a> {
    index: u64,
    bank: &'a str,
    bank_hash: &'a str,
    seed: u64,
    items: Vec<ItemOut<'a>>,
}

#[derive(Serialize)]
struct ItemOut<'a> {
    id: &'a str,
    section: u16,
    #[serde(skip_serializing_if = "Option::is_none")]
    option_order: Option<&'a [u8]>,
}

/// Renders one paper as a papers.jsonl line (without the newline).
pub fn render(bank: &Bank, hash: &str, seed: u64, paper: &Paper) -> String {
    let items = paper
        .items
        .iter()
        .map(|it| {
            let order = it.option_order.as_slice();
            ItemOut {
                id: &bank.items[it.item as usize].id,
                section: it.section,
                option_order: (!order.is_empty()).then_some(order),
            }
        })
        .collect();
    let line = Line { index: paper.index, bank: &bank.meta.id, bank_hash: hash, seed, items };
    // Plain strings and numbers always serialise.
    serde_json::to_string(&line).unwrap_or_default()
}

/// A line as read, before it is checked against the bank.
#[derive(Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
struct Parsed<'a> {
    index: u64,
    #[serde(borrow)]
    bank: Cow<'a, str>,
    #[serde(borrow)]
    bank_hash: Cow<'a, str>,
    #[allow(dead_code)]
    seed: u64,
    #[serde(borrow)]
    items: Vec<ParsedItem<'a>>,
}

#[derive(Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
struct ParsedItem<'a> {
    #[serde(borrow)]
    id: Cow<'a, str>,
    section: u16,
    #[serde(default)]
    option_order: Option<Order>,
}

/// An option order of at most 8 entries as given.
#[derive(Debug, PartialEq, Clone, Copy)]
struct Order {
    order: [u8; 8],
    len: usize,
}

impl Order {
    fn as_slice(&self) -> &[u8] {
        &self.order[..self.len]
    }
}

impl<'de> Deserialize<'de> for Order {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = Order;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("an option order: at most 8 option indices")
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Order, A::Error> {
                let mut o = Order { order: [0; 8], len: 0 };
                while let Some(k) = seq.next_element::<u8>()? {
                    if o.len == o.order.len() {
                        return Err(serde::de::Error::custom("more than 8 options"));
                    }
                    o.order[o.len] = k;
                    o.len += 1;
                }
                Ok(o)
            }
        }
        d.deserialize_seq(V)
    }
}

/// The scanner for lines exactly as kaoshi writes them; `None` for anything else.
mod canonical {
    use crate::jsonl::Scan;
    use crate::papers::{Order, Parsed, ParsedItem};
    use std::borrow::Cow;

    pub(super) fn parse(line: &[u8]) -> Option<Parsed<'_>> {
        let mut s = Scan::new(line)?;
        s.lit(b"{\"index\":")?;
        let index = s.uint(u64::MAX)?;
        s.lit(b",\"bank\":\"")?;
        let bank = s.string()?;
        s.lit(b",\"bank_hash\":\"")?;
        let bank_hash = s.string()?;
        s.lit(b",\"seed\":")?;
        let seed = s.uint(u64::MAX)?;
        s.lit(b",\"items\":[")?;
        let mut items = Vec::with_capacity(128);
        if s.peek() != Some(b']') {
            loop {
                s.lit(b"{\"id\":\"")?;
                let id = s.string()?;
                s.lit(b",\"section\":")?;
                let section = s.uint(u64::from(u16::MAX))? as u16;
                let option_order = if s.peek() == Some(b',') {
                    s.lit(b",\"option_order\":[")?;
                    let mut o = Order { order: [0; 8], len: 0 };
                    if s.peek() != Some(b']') {
                        loop {
                            if o.len == 8 {
                                return None;
                            }
                            o.order[o.len] = s.uint(u64::from(u8::MAX))? as u8;
                            o.len += 1;
                            if !s.comma() {
                                break;
                            }
                        }
                    }
                    s.lit(b"]")?;
                    Some(o)
                } else {
                    None
                };
                s.lit(b"}")?;
                items.push(ParsedItem { id: Cow::Borrowed(id), section, option_order });
                if !s.comma() {
                    break;
                }
            }
        }
        s.lit(b"]}")?;
        s.end()?;
        Some(Parsed { index, bank: Cow::Borrowed(bank), bank_hash: Cow::Borrowed(bank_hash), seed, items })
    }
}

/// A line, by the scanner when it is in kaoshi's own form, else by serde_json.
fn parse(line: &[u8]) -> Result<Parsed<'_>, serde_json::Error> {
    match canonical::parse(line) {
        Some(p) => Ok(p),
        None => serde_json::from_slice(line),
    }
}

/// Reads papers.jsonl against `bank`, naming the line (and item) of the first problem.
pub fn read(text: &[u8], file: &str, bank: &Bank, spec: &PaperSpec) -> Result<Vec<Paper>> {
    let ids: FxHashMap<&str, u32> = bank.items.iter().enumerate().map(|(i, it)| (it.id.as_str(), i as u32)).collect();
    let hash = BankHash::of(bank).to_hex();
    crate::jsonl::numbered(text)
        .par_iter()
        .map(|&(line_no, line)| {
            let p = parse(line).map_err(|e| anyhow!("{file} line {line_no}: {e}"))?;
            if p.bank != bank.meta.id || p.bank_hash != hash {
                bail!(
                    "{file} line {line_no}: paper {} was assembled from bank {} ({}), not this bank {} ({hash})",
                    p.index,
                    p.bank,
                    p.bank_hash,
                    bank.meta.id
                );
            }
            if p.items.len() != spec.item_count() {
                bail!("{file} line {line_no}: {} items, the spec has {}", p.items.len(), spec.item_count());
            }
            let mut items = Vec::with_capacity(p.items.len());
            for (pos, it) in p.items.iter().enumerate() {
                let item = *ids
                    .get(it.id.as_ref())
                    .ok_or_else(|| anyhow!("{file} line {line_no}, item {pos}: unknown item id `{}`", it.id))?;
                let section = spec
                    .sections
                    .get(usize::from(it.section))
                    .ok_or_else(|| anyhow!("{file} line {line_no}, item {pos}: no section {}", it.section))?;
                let b = &bank.items[item as usize];
                if b.item_type() != section.item_type {
                    bail!(
                        "{file} line {line_no}, item {pos}: {} is a {} item in a {} section",
                        it.id,
                        b.item_type(),
                        section.item_type
                    );
                }
                let order = it.option_order.as_ref().map(Order::as_slice).unwrap_or_default();
                let options = b.options().len();
                if order.len() != options || !(0..options as u8).all(|k| order.contains(&k)) {
                    bail!(
                        "{file} line {line_no}, item {pos}: option_order {order:?} is not a permutation of {}'s {} options",
                        it.id,
                        options
                    );
                }
                let option_order = OptionOrder::from_slice(order).unwrap_or_default();
                items.push(PaperItem { item, section: it.section, option_order });
            }
            Ok(Paper { index: p.index, items })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn serde(line: &str) -> Option<Parsed<'_>> {
        serde_json::from_str(line).ok()
    }

    #[test]
    fn kaoshi_lines_take_the_scanner_and_read_as_serde_reads_them() {
        let line = r#"{"index":7,"bank":"e4","bank_hash":"ab12","seed":42,"items":[{"id":"E4-1","section":0},{"id":"E4-2","section":1,"option_order":[2,0,3,1]}]}"#;
        let fast = canonical::parse(line.as_bytes()).expect("canonical");
        assert_eq!(Some(&fast), serde(line).as_ref());
        assert_eq!(fast.items[1].option_order.map(|o| o.as_slice().to_vec()), Some(vec![2, 0, 3, 1]));
        let empty = r#"{"index":0,"bank":"b","bank_hash":"h","seed":0,"items":[]}"#;
        assert_eq!(canonical::parse(empty.as_bytes()), serde(empty));
    }

    #[test]
    fn anything_else_goes_to_serde() {
        for line in [
            r#"{"index": 7, "bank":"e4","bank_hash":"ab","seed":1,"items":[]}"#,
            r#"{"bank":"e4","index":7,"bank_hash":"ab","seed":1,"items":[]}"#,
            r#"{"index":7,"bank":"e\u0034","bank_hash":"ab","seed":1,"items":[]}"#,
            r#"{"index":07,"bank":"e4","bank_hash":"ab","seed":1,"items":[]}"#,
            r#"{"index":7.0,"bank":"e4","bank_hash":"ab","seed":1,"items":[]}"#,
            r#"{"index":-7,"bank":"e4","bank_hash":"ab","seed":1,"items":[]}"#,
            r#"{"index":7,"bank":"e4","bank_hash":"ab","seed":1,"items":[{"id":"x","section":70000}]}"#,
            r#"{"index":7,"bank":"e4","bank_hash":"ab","seed":1,"items":[{"id":"x","section":0,"option_order":[1,2,3,4,5,6,7,8,9]}]}"#,
            r#"{"index":7,"bank":"e4","bank_hash":"ab","seed":1,"items":[],"extra":1}"#,
            r#"{"index":7,"bank":"e4","bank_hash":"ab","seed":1,"items":[]} x"#,
        ] {
            assert_eq!(canonical::parse(line.as_bytes()), None, "{line}");
        }
        let spaced = r#"{"index": 7, "bank": "e4", "bank_hash": "ab", "seed": 1, "items": []}"#;
        assert_eq!(parse(spaced.as_bytes()).expect("serde reads it").index, 7);
    }

    fn item() -> impl Strategy<Value = (String, u16, Option<Vec<u8>>)> {
        ("[A-Za-z0-9_-]{1,12}", 0u16..5, proptest::option::of(proptest::collection::vec(0u8..8, 0..8)))
    }

    proptest! {
        #[test]
        fn the_scanner_agrees_with_serde_on_whatever_it_accepts(
            index in any::<u64>(), seed in any::<u64>(), bank in "[a-z0-9-]{1,10}",
            items in proptest::collection::vec(item(), 0..6), cut in 0usize..400, flip in any::<u8>(),
        ) {
            let items: Vec<ItemOut<'_>> = items
                .iter()
                .map(|(id, section, order)| ItemOut { id, section: *section, option_order: order.as_deref() })
                .collect();
            let line = serde_json::to_string(&Line { index, bank: &bank, bank_hash: "00ff", seed, items }).expect("json");
            prop_assert_eq!(canonical::parse(line.as_bytes()), serde(&line));
            prop_assert!(canonical::parse(line.as_bytes()).is_some());
            // Damaged lines: the scanner accepts only what serde reads the same.
            let mut damaged = line.clone().into_bytes();
            let at = cut % damaged.len();
            damaged[at] = flip;
            if let Some(p) = canonical::parse(&damaged) {
                prop_assert_eq!(Some(p), serde_json::from_slice::<Parsed<'_>>(&damaged).ok());
            }
            let truncated = &line.as_bytes()[..cut.min(line.len())];
            if let Some(p) = canonical::parse(truncated) {
                prop_assert_eq!(Some(p), serde_json::from_slice::<Parsed<'_>>(truncated).ok());
            }
        }
    }
}
