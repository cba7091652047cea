//! Batch archives (kaoshi-archive): one JSON Lines file holding a batch's
//! plan, sealed bank, roster and seat states, papers, every saved answer
//! with its time, marks, publication and the event-log segment, closed by a
//! manifest of hashes. Kept ≥ 5 years; [`verify`] re-checks every hash, the
//! event chain, and re-grades from the archive.
//!
//! Layout: line 1 is the header `{"format":"kaoshi-archive","version":1,…}`;
//! then one record per line `{"section": S, "data": …}` with sections in the
//! order of [`SECTIONS`] and records of the types in [`v2`] (version 1:
//! [`v1`]); the last line is
//! `{"manifest": {"sections": {S: {"count","hash"}}, "lines", "archive_hash"}}`
//! where each section hash is BLAKE3 (derive-key `kaoshi archive v1`) over
//! its lines (each with its newline) and `archive_hash` covers every line
//! before the manifest. A signed archive's manifest adds
//! `"signature": {"algorithm":"ed25519","key_id","public_key","signature"}`,
//! the organisation's signature over [`signed_message`].
//!
//! Version 3 (this build) writes version 2's records; its event segment
//! runs on to the first checkpoint at or after the batch's last event, and
//! every checkpoint inside the segment is archived, so each can be checked
//! against the chain.

mod convert;
mod cross;
mod error;
pub mod v1;
pub mod v2;

pub use error::ArchiveError;
use error::{invalid, Result};

use crate::events::{body_hash, body_hash_of, chain_hash, Event};
use crate::results::{differences, sheet_scores};
use crate::signing::{PublicKey, SigningKey};
use crate::store::Store;
use kaoshi_engine::grade::Grader;
use kaoshi_engine::seal::{self, Unlock};
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::{json, Value};
use std::collections::{BTreeMap, HashMap};

/// The format name in the header.
pub const FORMAT: &str = "kaoshi-archive";
/// The version this build writes; it reads this and every earlier one.
pub const VERSION: u32 = 3;
/// Sections, in file order.
pub const SECTIONS: [&str; 9] =
    ["batch", "bank", "seat", "paper", "answer", "marking", "publication", "event", "checkpoint"];

fn record<T: Serialize>(section: &'static str, data: &T) -> Result<(&'static str, Value)> {
    Ok((section, serde_json::to_value(data).map_err(|e| invalid(format!("cannot encode a {section} record: {e}")))?))
}

/// What a signature covers: the format, the batch and the archive hash.
pub fn signed_message(batch: &str, archive_hash: &str) -> Vec<u8> {
    format!("kaoshi-archive signature v1\n{batch}\n{archive_hash}").into_bytes()
}

/// Writes the archive of batch `id` from `store`, signed when a key is
/// given. Take a checkpoint first ([`crate::log::EventLog::checkpoint`]):
/// the segment runs to the first checkpoint after the batch's last event.
pub fn export(store: &Store, id: &str, now: i64, signer: Option<&SigningKey>) -> Result<Vec<u8>> {
    let batch = store.batch(id)?.ok_or_else(|| ArchiveError::Missing(format!("no batch {id}")))?;
    let sealed = store
        .sealed_bank(&batch.bank_hash)?
        .ok_or_else(|| ArchiveError::Missing(format!("batch {id}: its sealed bank is missing")))?;
    seal::read_header(&sealed).map_err(|e| invalid(format!("the stored bank is not a sealed bank: {e}")))?;
    let mut records: Vec<(&str, Value)> = vec![
        record("batch", &convert::batch(&batch))?,
        record("bank", &v1::Bank { bank_hash: batch.bank_hash.clone(), kbank_hex: hex::encode(&sealed) })?,
    ];
    for seat in store.seats(id)? {
        records.push(record("seat", &convert::seat(&seat))?);
    }
    for paper in store.papers(id)? {
        records.push(record("paper", &convert::paper(&paper))?);
    }
    for (ticket, pos, a) in store.answers(id)? {
        records.push(record("answer", &v2::Answer { ticket, pos, response: a.response, seq: a.seq, at: a.at })?);
    }
    for r in store.markings(id)? {
        records.push(record("marking", &convert::marking(&r))?);
    }
    if let Some(p) = store.publication(id)? {
        records.push(record("publication", &v2::Publication { at: p.at, by: p.by, notice_until: p.notice_until })?);
    }
    // The event segment: every event from this batch's first to its last;
    // other batches' events inside the range as stubs.
    let chain: Vec<Event> = store
        .events_raw()?
        .into_iter()
        .map(|(seq, raw)| {
            serde_json::from_slice(&raw).map_err(|e| invalid(format!("event {seq} does not decode: {e}")))
        })
        .collect::<Result<_>>()?;
    let mine: Vec<usize> =
        chain.iter().enumerate().filter(|(_, e)| e.batch.as_deref() == Some(id)).map(|(i, _)| i).collect();
    let checkpoints = store.checkpoints()?;
    let mut kept = Vec::new();
    if let (Some(&first), Some(&last)) = (mine.first(), mine.last()) {
        // Run on to the first checkpoint at or after the batch's last event
        // (a minute of other batches' events at most), so that it can be
        // checked against the chain.
        let (first_seq, last_seq) = (chain[first].seq, chain[last].seq);
        let end_seq = checkpoints.iter().map(|c| c.seq).find(|&s| s >= last_seq).unwrap_or(last_seq);
        let end = chain.iter().position(|e| e.seq == end_seq).unwrap_or(last).max(last);
        kept = checkpoints.iter().filter(|c| (first_seq..=end_seq).contains(&c.seq)).cloned().collect();
        for e in &chain[first..=end] {
            let archived = if e.batch.as_deref() == Some(id) {
                v2::Event::Full(convert::event(e))
            } else {
                v2::Event::Stub(v2::Stub {
                    seq: e.seq,
                    prev: e.prev.clone(),
                    body_hash: body_hash(e),
                    hash: e.hash.clone(),
                    stub: true,
                })
            };
            records.push(record("event", &archived)?);
        }
    }
    for c in kept {
        records.push(record("checkpoint", &v2::Checkpoint { seq: c.seq, hash: c.hash, at: c.at })?);
    }
    Ok(write(id, now, &records, signer))
}

fn section_hasher() -> blake3::Hasher {
    blake3::Hasher::new_derive_key("kaoshi archive v1")
}

fn write(id: &str, now: i64, records: &[(&str, Value)], signer: Option<&SigningKey>) -> Vec<u8> {
    let header =
        json!({"format": FORMAT, "version": VERSION, "batch": id, "created": now, "kaoshi": env!("CARGO_PKG_VERSION")})
            .to_string();
    let mut out = Vec::new();
    let mut all = section_hasher();
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
            let entry = sections.entry(s).or_insert_with(|| (0, section_hasher()));
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
    let mut m = json!({"sections": manifest, "lines": lines, "archive_hash": archive_hash});
    if let Some(key) = signer {
        let public = key.public();
        m["signature"] = json!({
            "algorithm": "ed25519",
            "key_id": public.key_id(),
            "public_key": public.to_hex(),
            "signature": key.sign(&signed_message(id, &archive_hash)),
        });
    }
    let m = json!({ "manifest": m }).to_string();
    out.extend_from_slice(m.as_bytes());
    out.push(b'\n');
    out
}

/// What `verify` checks beyond the archive itself.
#[derive(Debug, Default, Clone, Copy)]
pub struct Expect<'a> {
    /// The organisation's public key: the archive must carry its signature.
    pub signer: Option<&'a PublicKey>,
    /// A head hash held outside (a printed room record, an outside
    /// checkpoint file): the archived chain must reach it.
    pub head: Option<&'a str>,
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
    /// Answers found to be their last logged save.
    pub answers_logged: usize,
    /// Marks, arbitrations and rechecks found on the log.
    pub marks_logged: usize,
    /// Checkpoints found in the chain.
    pub checkpoints: usize,
    /// The key id of a valid signature, if signed.
    pub signed_by: Option<String>,
    /// The event an outside head names, if one was given.
    pub head_at: Option<u64>,
}

/// The records of an archive, by section, as written, and its version.
struct Sections(HashMap<String, Vec<Value>>, u64);

impl Sections {
    /// The seats, as version-2 records whatever the archive's version.
    fn seats(&self) -> Result<Vec<v2::Seat>> {
        Ok(match self.1 {
            1 => self.all::<v1::Seat>("seat")?.into_iter().map(v2::Seat::from).collect(),
            _ => self.all("seat")?,
        })
    }

    /// The marking records, as version-2 records whatever the archive's version.
    fn markings(&self) -> Result<Vec<v2::Marking>> {
        Ok(match self.1 {
            1 => self.all::<v1::Marking>("marking")?.into_iter().map(v2::Marking::from).collect(),
            _ => self.all("marking")?,
        })
    }

    fn all<T: DeserializeOwned>(&self, section: &str) -> Result<Vec<T>> {
        self.0
            .get(section)
            .map(Vec::as_slice)
            .unwrap_or_default()
            .iter()
            .enumerate()
            .map(|(i, v)| {
                T::deserialize(v).map_err(|e| invalid(format!("{section} record {}: does not decode: {e}", i + 1)))
            })
            .collect()
    }

    fn one<T: DeserializeOwned>(&self, section: &str) -> Result<T> {
        self.all(section)?.into_iter().next().ok_or_else(|| invalid(format!("no {section} record")))
    }
}

/// Checks an archive: format, every hash, the event chain, the records
/// against the events, the checkpoints against the chain, the signature;
/// with the bank's key it re-grades every sheet and compares with the
/// stored results; `expect` adds the organisation's key and an outside head.
pub fn verify(bytes: &[u8], unlock: Option<&Unlock<'_>>, expect: Expect<'_>) -> Result<Verified> {
    let text = std::str::from_utf8(bytes).map_err(|e| invalid(format!("not UTF-8 at byte {}", e.valid_up_to())))?;
    let lines: Vec<&str> = text.lines().collect();
    let (Some(first), Some(last)) = (lines.first(), lines.last()) else { return Err(invalid("empty archive")) };
    let header: Value = serde_json::from_str(first).map_err(|_| invalid("line 1: header is not JSON"))?;
    if header["format"] != FORMAT {
        return Err(invalid("line 1: not a kaoshi archive"));
    }
    let version = header["version"].as_u64().unwrap_or(0);
    if version == 0 || version > u64::from(VERSION) {
        return Err(invalid(format!(
            "archive format version {version} is not supported (this kaoshi reads 1 to {VERSION})"
        )));
    }
    let manifest: Value =
        serde_json::from_str(last).map_err(|_| invalid(format!("line {}: manifest is not JSON", lines.len())))?;
    let manifest = &manifest["manifest"];
    let mut all = section_hasher();
    let mut sections: BTreeMap<String, (usize, blake3::Hasher)> = BTreeMap::new();
    let mut data: HashMap<String, Vec<Value>> = HashMap::new();
    for (n, line) in lines[..lines.len() - 1].iter().enumerate() {
        all.update(line.as_bytes());
        all.update(b"\n");
        if n == 0 {
            continue;
        }
        let v: Value = serde_json::from_str(line).map_err(|_| invalid(format!("line {}: not JSON", n + 1)))?;
        let s = v["section"].as_str().ok_or_else(|| invalid(format!("line {}: no section", n + 1)))?.to_string();
        let entry = sections.entry(s.clone()).or_insert_with(|| (0, section_hasher()));
        entry.0 += 1;
        entry.1.update(line.as_bytes());
        entry.1.update(b"\n");
        data.entry(s).or_default().push(v["data"].clone());
    }
    if manifest["archive_hash"].as_str() != Some(all.finalize().to_hex().as_str()) {
        return Err(invalid("the archive hash does not match its manifest: the file was changed"));
    }
    if manifest["lines"].as_u64() != Some((lines.len() - 1) as u64) {
        return Err(invalid(format!(
            "the manifest counts {} lines, the file has {}",
            manifest["lines"],
            lines.len() - 1
        )));
    }
    let mut counts = BTreeMap::new();
    for (s, (count, h)) in sections {
        let m = &manifest["sections"][&s];
        if m["count"].as_u64() != Some(count as u64) || m["hash"].as_str() != Some(h.finalize().to_hex().as_str()) {
            return Err(invalid(format!("section {s} does not match the manifest")));
        }
        counts.insert(s, count);
    }
    let data = Sections(data, version);
    let batch: v2::Batch = data.one("batch")?;
    let signed_by =
        signature(&manifest["signature"], &batch.id, manifest["archive_hash"].as_str().unwrap_or(""), expect.signer)?;
    let event_records: Vec<v2::Event> = data.all("event")?;
    let events = verify_segment(&event_records)?;
    let checkpoints = cross::checkpoints(&data.all("checkpoint")?, &event_records, version)?;
    let head_at = match expect.head {
        None => None,
        Some(head) => Some(cross::find_head(&event_records, head.trim()).ok_or_else(|| {
            invalid(format!(
                "the outside head {head} is not in this archive's event chain: the archive's history is not the one that head was taken from"
            ))
        })?),
    };
    let answers_logged = cross::answers(&data.all("answer")?, &event_records)?;
    let marks_logged = cross::marks(&data.markings()?, &event_records)?;
    let regraded = match unlock {
        None => None,
        Some(unlock) => Some(regrade(&batch, &data, unlock)?),
    };
    Ok(Verified {
        batch: batch.id,
        counts,
        events,
        regraded,
        answers_logged,
        marks_logged,
        checkpoints,
        signed_by,
        head_at,
    })
}

/// Checks a manifest's signature; the signer's key id if it is valid.
fn signature(sig: &Value, batch: &str, archive_hash: &str, expected: Option<&PublicKey>) -> Result<Option<String>> {
    if sig.is_null() {
        return match expected {
            Some(key) => {
                Err(invalid(format!("the archive is not signed (expected a signature by key {})", key.key_id())))
            }
            None => Ok(None),
        };
    }
    if sig["algorithm"] != "ed25519" {
        return Err(invalid(format!("signature: unknown algorithm {}", sig["algorithm"])));
    }
    let public = PublicKey::from_hex(sig["public_key"].as_str().unwrap_or(""))
        .map_err(|e| invalid(format!("signature: the public key is not usable: {e}")))?;
    if sig["key_id"].as_str() != Some(public.key_id().as_str()) {
        return Err(invalid("signature: the key id does not belong to the public key"));
    }
    if let Some(key) = expected {
        if *key != public {
            return Err(invalid(format!(
                "signed by key {}, not by the organisation's key {}",
                public.key_id(),
                key.key_id()
            )));
        }
    }
    if !public.verifies(&signed_message(batch, archive_hash), sig["signature"].as_str().unwrap_or("")) {
        return Err(invalid("the signature does not match the archive: the file was changed after signing"));
    }
    Ok(Some(public.key_id()))
}

/// The event segment is a contiguous piece of the chain: every full event
/// hashes to what it says, every stub's hash follows from its parts, and
/// each record names its predecessor's hash. Returns (full, stubs).
fn verify_segment(events: &[v2::Event]) -> Result<(usize, usize)> {
    let (mut full, mut stubs) = (0, 0);
    let mut prev: Option<(u64, &str)> = None;
    for e in events {
        let (seq, prev_hash, hash) = match e {
            v2::Event::Stub(s) => {
                stubs += 1;
                if !s.stub || chain_hash(&s.prev, &s.body_hash) != s.hash {
                    return Err(invalid(format!("event {} (stub) does not match its hash", s.seq)));
                }
                (s.seq, s.prev.as_str(), s.hash.as_str())
            }
            v2::Event::Full(e) => {
                full += 1;
                let body =
                    body_hash_of(e.seq, e.at, &e.actor, &e.kind, e.batch.as_deref(), e.ticket.as_deref(), &e.detail);
                if chain_hash(&e.prev, &body) != e.hash {
                    return Err(invalid(format!("event {} does not match its hash (edited)", e.seq)));
                }
                (e.seq, e.prev.as_str(), e.hash.as_str())
            }
        };
        if let Some((ps, ph)) = prev {
            if Some(seq) != ps.checked_add(1) || prev_hash != ph {
                return Err(invalid(format!("event {seq} does not follow event {ps}: the segment is broken")));
            }
        }
        prev = Some((seq, hash));
    }
    Ok((full, stubs))
}

/// Re-grades every handed-in sheet from the archived answers and marks
/// through the same result function as the server, and requires the stored
/// results to be reproduced exactly.
fn regrade(batch: &v2::Batch, data: &Sections, unlock: &Unlock<'_>) -> Result<usize> {
    let bank_rec: v2::Bank = data.one("bank")?;
    let sealed = hex::decode(&bank_rec.kbank_hex).map_err(|_| invalid("bank record is not hex"))?;
    let source = seal::open(&sealed, unlock).map_err(|e| invalid(format!("cannot open the archived bank: {e}")))?;
    let bank = &source.bank;
    let spec = convert::spec_from(&batch.spec)?;
    let grader = Grader::new(bank, &spec);
    let mut papers = HashMap::new();
    for p in data.all::<v2::Paper>("paper")? {
        let paper = convert::paper_from(&p, bank, &spec)?;
        papers.insert(p.index, paper);
    }
    let mut answers: HashMap<String, Vec<(usize, Option<String>)>> = HashMap::new();
    for a in data.all::<v2::Answer>("answer")? {
        answers.entry(a.ticket).or_default().push((a.pos, a.response));
    }
    let mut marks: HashMap<(String, usize), Option<f64>> = HashMap::new();
    for m in data.markings()? {
        marks.insert((m.ticket.clone(), m.pos), convert::paper_score(&m));
    }
    let mut sheets = 0;
    for seat in data.seats()? {
        if seat.status != "submitted" {
            continue;
        }
        let paper = papers
            .get(&seat.paper)
            .ok_or_else(|| invalid(format!("seat {}: its paper {} is not in the archive", seat.ticket, seat.paper)))?;
        let stored =
            seat.result.as_ref().ok_or_else(|| invalid(format!("seat {}: handed in without a result", seat.ticket)))?;
        let mut responses = vec![None; paper.items.len()];
        for (pos, r) in answers.remove(&seat.ticket).unwrap_or_default() {
            if let Some(slot) = responses.get_mut(pos) {
                *slot = r;
            }
        }
        let short = |pos: usize| marks.get(&(seat.ticket.clone(), pos)).copied().flatten();
        let items = sheet_scores(&grader, bank, paper, &responses, short)
            .map_err(|e| invalid(format!("seat {}: {e}", seat.ticket)))?;
        let recount = grader.result(paper, items);
        if let Some(d) = differences(&seat.ticket, Some(&convert::graded_from(stored)), &recount).first() {
            return Err(invalid(match d.position {
                Some(pos) => format!(
                    "seat {} position {pos}: the stored result is {:?}, re-grading gives {:?}",
                    seat.ticket, d.stored, d.recounted
                ),
                None => format!(
                    "seat {}: the stored total is {:?}, re-grading gives {:?}",
                    seat.ticket, d.stored, d.recounted
                ),
            }));
        }
        sheets += 1;
    }
    Ok(sheets)
}
