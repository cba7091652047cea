//! Batch archives (kaoshi-archive, version 1): one JSON Lines file holding a
//! batch's plan, sealed bank, roster and seat states, papers, every saved
//! answer with its time, marks, publication and the event-log segment, closed
//! by a manifest of hashes. Kept ≥ 5 years; `verify` re-checks every hash,
//! the event chain, and re-grades from the archive.
//!
//! Layout: line 1 is the header `{"format":"kaoshi-archive","version":1,…}`;
//! then one record per line `{"section": S, "data": …}` with sections in the
//! order of [`SECTIONS`]; the last line is `{"manifest": {"sections": {S:
//! {"count","hash"}}, "lines", "archive_hash"}}` where each section hash is
//! BLAKE3 over its lines (each with its newline) and `archive_hash` covers
//! every line before the manifest.

use crate::api_seat::SavedAnswer;
use crate::batch::Batch;
use crate::events::{body_hash, chain_hash, event_hash, raw_chain, Checkpoint, Event};
use crate::marking_api::MarkingRecord;
use crate::results::Publication;
use crate::seat::{SeatRecord, Status};
use crate::store::{tree, Store};
use anyhow::{anyhow, bail, Context, Result};
use kaoshi_engine::assemble::{Paper, PaperItem};
use kaoshi_engine::bank::ItemBody;
use kaoshi_engine::grade::{encode_response, Grader};
use kaoshi_engine::seal::{self, Unlock};
use serde_json::{json, Value};
use std::collections::{BTreeMap, HashMap};

/// The format name in the header.
pub const FORMAT: &str = "kaoshi-archive";
/// The version this build writes; it reads this and every earlier one.
pub const VERSION: u32 = 1;
/// Sections, in file order.
pub const SECTIONS: [&str; 9] =
    ["batch", "bank", "seat", "paper", "answer", "marking", "publication", "event", "checkpoint"];

/// Writes the archive of batch `id` from `store`.
pub fn export(store: &Store, id: &str, now: i64) -> Result<Vec<u8>> {
    let batch: Batch = store.get(tree::BATCHES, id)?.ok_or_else(|| anyhow!("no batch {id}"))?;
    let sealed = store
        .get_raw(tree::BANKS, batch.bank_hash.as_bytes())?
        .ok_or_else(|| anyhow!("batch {id}: its sealed bank is missing"))?;
    let mut records: Vec<(&str, Value)> = vec![
        ("batch", serde_json::to_value(&batch)?),
        ("bank", json!({"bank_hash": batch.bank_hash, "kbank_hex": hex::encode(&sealed)})),
    ];
    seal::read_header(&sealed).context("the stored bank is not a sealed bank")?;
    for (_, seat) in store.scan::<SeatRecord>(tree::SEATS, &format!("{id}/"))? {
        let mut v = serde_json::to_value(&seat)?;
        if let Some(o) = v.as_object_mut() {
            o.remove("session");
        }
        records.push(("seat", v));
    }
    for (_, paper) in store.scan::<Paper>(tree::PAPERS, &format!("{id}/"))? {
        records.push(("paper", serde_json::to_value(&paper)?));
    }
    for (key, a) in store.scan::<SavedAnswer>(tree::ANSWERS, &format!("{id}/"))? {
        let mut parts = key.rsplitn(2, '/');
        let pos: usize = parts.next().and_then(|p| p.parse().ok()).unwrap_or_default();
        let ticket = parts.next().and_then(|t| t.split_once('/')).map(|(_, t)| t.to_string()).unwrap_or_default();
        records
            .push(("answer", json!({"ticket": ticket, "pos": pos, "response": a.response, "seq": a.seq, "at": a.at})));
    }
    for (_, r) in store.scan::<MarkingRecord>(tree::MARKING, &format!("{id}/"))? {
        records.push(("marking", serde_json::to_value(&r)?));
    }
    if let Some(p) = store.get::<Publication>(tree::META, &format!("publication/{id}"))? {
        records.push(("publication", serde_json::to_value(&p)?));
    }
    // The event segment: every event from this batch's first to its last;
    // other batches' events inside the range as stubs.
    let chain: Vec<Event> =
        raw_chain(store)?.into_iter().map(|(_, raw)| serde_json::from_slice(&raw)).collect::<Result<_, _>>()?;
    let mine: Vec<usize> =
        chain.iter().enumerate().filter(|(_, e)| e.batch.as_deref() == Some(id)).map(|(i, _)| i).collect();
    if let (Some(&first), Some(&last)) = (mine.first(), mine.last()) {
        for e in &chain[first..=last] {
            if e.batch.as_deref() == Some(id) {
                records.push(("event", serde_json::to_value(e)?));
            } else {
                records.push((
                    "event",
                    json!({"seq": e.seq, "prev": e.prev, "body_hash": body_hash(e), "hash": e.hash, "stub": true}),
                ));
            }
        }
    }
    if let Some(c) = store.get::<Checkpoint>(tree::META, "checkpoint/last")? {
        records.push(("checkpoint", serde_json::to_value(&c)?));
    }

    let header =
        json!({"format": FORMAT, "version": VERSION, "batch": id, "created": now, "kaoshi": env!("CARGO_PKG_VERSION")})
            .to_string();
    let mut out = Vec::new();
    let mut all = blake3::Hasher::new_derive_key("kaoshi archive v1");
    let mut line = |out: &mut Vec<u8>, text: &str| {
        out.extend_from_slice(text.as_bytes());
        out.push(b'\n');
        all.update(text.as_bytes());
        all.update(b"\n");
    };
    line(&mut out, &header);
    let mut sections: BTreeMap<&str, (usize, blake3::Hasher)> = BTreeMap::new();
    let mut lines = 1;
    for s in SECTIONS {
        for (section, data) in records.iter().filter(|(n, _)| *n == s) {
            let text = json!({"section": section, "data": data}).to_string();
            let entry = sections.entry(s).or_insert_with(|| (0, blake3::Hasher::new_derive_key("kaoshi archive v1")));
            entry.0 += 1;
            entry.1.update(text.as_bytes());
            entry.1.update(b"\n");
            line(&mut out, &text);
            lines += 1;
        }
    }
    let manifest: BTreeMap<&str, Value> = sections
        .into_iter()
        .map(|(s, (count, h))| (s, json!({"count": count, "hash": h.finalize().to_hex().to_string()})))
        .collect();
    let archive_hash = all.finalize().to_hex().to_string();
    let m = json!({"manifest": {"sections": manifest, "lines": lines, "archive_hash": archive_hash}}).to_string();
    out.extend_from_slice(m.as_bytes());
    out.push(b'\n');
    Ok(out)
}

/// What `verify` found.
#[derive(Debug)]
pub struct Verified {
    /// Batch id.
    pub batch: String,
    /// Records per section.
    pub counts: BTreeMap<String, usize>,
    /// Events checked (full, stubs).
    pub events: (usize, usize),
    /// Sheets re-graded, if a key was given.
    pub regraded: Option<usize>,
}

/// Checks an archive: format, every hash, the event chain, and — with the
/// bank's key — re-grades every sheet and compares with the stored results.
pub fn verify(bytes: &[u8], unlock: Option<&Unlock<'_>>) -> Result<Verified> {
    let text = std::str::from_utf8(bytes).map_err(|e| anyhow!("not UTF-8 at byte {}", e.valid_up_to()))?;
    let lines: Vec<&str> = text.lines().collect();
    let (Some(first), Some(last)) = (lines.first(), lines.last()) else { bail!("empty archive") };
    let header: Value = serde_json::from_str(first).context("line 1: header is not JSON")?;
    if header["format"] != FORMAT {
        bail!("line 1: not a kaoshi archive");
    }
    let version = header["version"].as_u64().unwrap_or(0);
    if version == 0 || version > u64::from(VERSION) {
        bail!("archive format version {version} is not supported (this kaoshi reads 1 to {VERSION})");
    }
    let manifest: Value =
        serde_json::from_str(last).with_context(|| format!("line {}: manifest is not JSON", lines.len()))?;
    let manifest = &manifest["manifest"];
    let mut all = blake3::Hasher::new_derive_key("kaoshi archive v1");
    let mut sections: BTreeMap<String, (usize, blake3::Hasher)> = BTreeMap::new();
    let mut data: HashMap<String, Vec<Value>> = HashMap::new();
    for (n, line) in lines[..lines.len() - 1].iter().enumerate() {
        all.update(line.as_bytes());
        all.update(b"\n");
        if n == 0 {
            continue;
        }
        let v: Value = serde_json::from_str(line).with_context(|| format!("line {}: not JSON", n + 1))?;
        let s = v["section"].as_str().ok_or_else(|| anyhow!("line {}: no section", n + 1))?.to_string();
        let entry =
            sections.entry(s.clone()).or_insert_with(|| (0, blake3::Hasher::new_derive_key("kaoshi archive v1")));
        entry.0 += 1;
        entry.1.update(line.as_bytes());
        entry.1.update(b"\n");
        data.entry(s).or_default().push(v["data"].clone());
    }
    if manifest["archive_hash"].as_str() != Some(all.finalize().to_hex().as_str()) {
        bail!("the archive hash does not match its manifest: the file was changed");
    }
    if manifest["lines"].as_u64() != Some((lines.len() - 1) as u64) {
        bail!("the manifest counts {} lines, the file has {}", manifest["lines"], lines.len() - 1);
    }
    let mut counts = BTreeMap::new();
    for (s, (count, h)) in sections {
        let m = &manifest["sections"][&s];
        if m["count"].as_u64() != Some(count as u64) || m["hash"].as_str() != Some(h.finalize().to_hex().as_str()) {
            bail!("section {s} does not match the manifest");
        }
        counts.insert(s, count);
    }
    let batch: Batch = serde_json::from_value(
        data.get("batch").and_then(|b| b.first()).cloned().ok_or_else(|| anyhow!("no batch record"))?,
    )?;

    // The event segment is a contiguous piece of the chain.
    let mut full = 0;
    let mut stubs = 0;
    let mut prev: Option<(u64, String)> = None;
    for v in data.get("event").map(Vec::as_slice).unwrap_or_default() {
        let (seq, prev_hash, hash) = if v["stub"] == true {
            stubs += 1;
            let (seq, p, b, h) = (v["seq"].as_u64(), v["prev"].as_str(), v["body_hash"].as_str(), v["hash"].as_str());
            let (Some(seq), Some(p), Some(b), Some(h)) = (seq, p, b, h) else { bail!("a malformed event stub") };
            if chain_hash(p, b) != h {
                bail!("event {seq} (stub) does not match its hash");
            }
            (seq, p.to_string(), h.to_string())
        } else {
            full += 1;
            let e: Event = serde_json::from_value(v.clone()).context("an event does not decode")?;
            if event_hash(&e) != e.hash {
                bail!("event {} does not match its hash (edited)", e.seq);
            }
            (e.seq, e.prev, e.hash)
        };
        if let Some((ps, ph)) = &prev {
            if seq != ps + 1 || &prev_hash != ph {
                bail!("event {seq} does not follow event {ps}: the segment is broken");
            }
        }
        prev = Some((seq, hash));
    }

    let regraded = match unlock {
        None => None,
        Some(unlock) => Some(regrade(&batch, &data, unlock)?),
    };
    Ok(Verified { batch: batch.id, counts, events: (full, stubs), regraded })
}

fn regrade(batch: &Batch, data: &HashMap<String, Vec<Value>>, unlock: &Unlock<'_>) -> Result<usize> {
    let bank_rec = data.get("bank").and_then(|b| b.first()).ok_or_else(|| anyhow!("no bank record"))?;
    let sealed = hex::decode(bank_rec["kbank_hex"].as_str().unwrap_or_default()).context("bank record is not hex")?;
    let source = seal::open(&sealed, unlock).context("cannot open the archived bank")?;
    let bank = &source.bank;
    let grader = Grader::new(bank, &batch.spec);
    let papers: HashMap<u64, Paper> = data
        .get("paper")
        .map(Vec::as_slice)
        .unwrap_or_default()
        .iter()
        .map(|v| serde_json::from_value::<Paper>(v.clone()).map(|p| (p.index, p)))
        .collect::<Result<_, _>>()?;
    let mut answers: HashMap<(String, usize), Option<String>> = HashMap::new();
    for a in data.get("answer").map(Vec::as_slice).unwrap_or_default() {
        answers.insert(
            (a["ticket"].as_str().unwrap_or_default().to_string(), a["pos"].as_u64().unwrap_or_default() as usize),
            a["response"].as_str().map(str::to_string),
        );
    }
    let marks: HashMap<(String, usize), MarkingRecord> = data
        .get("marking")
        .map(Vec::as_slice)
        .unwrap_or_default()
        .iter()
        .map(|v| serde_json::from_value::<MarkingRecord>(v.clone()).map(|r| ((r.ticket.clone(), r.pos), r)))
        .collect::<Result<_, _>>()?;
    let mut sheets = 0;
    for v in data.get("seat").map(Vec::as_slice).unwrap_or_default() {
        let seat: SeatRecord = serde_json::from_value(v.clone())?;
        if seat.status != Status::Submitted {
            continue;
        }
        let paper = papers
            .get(&seat.paper)
            .ok_or_else(|| anyhow!("seat {}: its paper {} is not in the archive", seat.ticket, seat.paper))?;
        let stored = seat.result.as_ref().ok_or_else(|| anyhow!("seat {}: handed in without a result", seat.ticket))?;
        for (pos, it) in paper.items.iter().enumerate() {
            let it: &PaperItem = it;
            let recount = match &bank.items[it.item as usize].body {
                ItemBody::Short { .. } => marks.get(&(seat.ticket.clone(), pos)).and_then(MarkingRecord::paper_score),
                _ => {
                    let response = answers.get(&(seat.ticket.clone(), pos)).cloned().flatten();
                    let byte = encode_response(bank, it, pos, response.as_deref())
                        .map_err(|e| anyhow!("seat {}: {e}", seat.ticket))?;
                    grader.item_score(it, byte)
                }
            };
            let kept = stored.items.get(pos).copied().flatten();
            let same = match (kept, recount) {
                (Some(a), Some(b)) => (a - b).abs() < 1e-6,
                (None, None) => true,
                _ => false,
            };
            if !same {
                bail!(
                    "seat {} position {pos}: the stored result is {kept:?}, re-grading gives {recount:?}",
                    seat.ticket
                );
            }
        }
        sheets += 1;
    }
    Ok(sheets)
}
