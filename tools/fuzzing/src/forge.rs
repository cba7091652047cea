//! Rewrites a kaoshi archive as someone holding the file (and no key)
//! can: records edited, the event chain re-hashed from the first changed
//! event on, checkpoint records following the new hashes, and the
//! manifest's unkeyed hashes recomputed. The old signature is kept (a forger
//! cannot make a new one). The forgery tests use it to show what each check
//! catches; the archive fuzz target uses it to get its mutations past the
//! hashes and into the records.

use kaoshi_exam::events::{body_hash_of, chain_hash};
use serde_json::{json, Value};
use std::collections::{BTreeMap, HashMap};

/// The archive `text` with `edit(section, data)` applied to every record
/// and every hash made to agree again. `None` if `text` is not an archive
/// whose lines are JSON records between a header and a manifest.
pub fn forge_archive(text: &str, mut edit: impl FnMut(&str, &mut Value)) -> Option<String> {
    let lines: Vec<&str> = text.lines().collect();
    let (&header, rest) = lines.split_first()?;
    let (&manifest, body) = rest.split_last()?;
    let mut records = Vec::with_capacity(body.len());
    for line in body {
        let v: Value = serde_json::from_str(line).ok()?;
        records.push((v["section"].as_str()?.to_string(), v["data"].clone()));
    }
    for (section, data) in &mut records {
        edit(section, data);
    }
    rechain(&mut records);
    let hasher = || blake3::Hasher::new_derive_key("kaoshi archive v1");
    let mut all = hasher();
    let mut sections: BTreeMap<String, (usize, blake3::Hasher)> = BTreeMap::new();
    let mut out = String::new();
    let mut line = |out: &mut String, text: &str| {
        all.update(text.as_bytes());
        all.update(b"\n");
        out.push_str(text);
        out.push('\n');
    };
    line(&mut out, header);
    for (section, data) in &records {
        let text = json!({"section": section, "data": data}).to_string();
        let entry = sections.entry(section.clone()).or_insert_with(|| (0, hasher()));
        entry.0 += 1;
        entry.1.update(text.as_bytes());
        entry.1.update(b"\n");
        line(&mut out, &text);
    }
    let sections: BTreeMap<String, Value> = sections
        .into_iter()
        .map(|(s, (count, h))| (s, json!({"count": count, "hash": h.finalize().to_hex().to_string()})))
        .collect();
    let mut m =
        json!({"sections": sections, "lines": records.len() + 1, "archive_hash": all.finalize().to_hex().to_string()});
    let old: Value = serde_json::from_str(manifest).unwrap_or(Value::Null);
    if !old["manifest"]["signature"].is_null() {
        m["signature"] = old["manifest"]["signature"].clone();
    }
    out.push_str(&json!({ "manifest": m }).to_string());
    out.push('\n');
    Some(out)
}

/// Re-hashes the event records in order (each names its predecessor's new
/// hash) and points checkpoint records at the new hashes.
fn rechain(records: &mut [(String, Value)]) {
    let mut renamed: HashMap<String, String> = HashMap::new();
    let mut prev: Option<String> = None;
    for (_, e) in records.iter_mut().filter(|(s, _)| s == "event") {
        if let Some(p) = &prev {
            e["prev"] = json!(p);
        }
        let body = if e["stub"] == json!(true) {
            e["body_hash"].as_str().unwrap_or_default().to_string()
        } else {
            body_hash_of(
                e["seq"].as_u64().unwrap_or_default(),
                e["at"].as_i64().unwrap_or_default(),
                e["actor"].as_str().unwrap_or_default(),
                e["kind"].as_str().unwrap_or_default(),
                e["batch"].as_str(),
                e["ticket"].as_str(),
                &e["detail"],
            )
        };
        let hash = chain_hash(e["prev"].as_str().unwrap_or_default(), &body);
        if let Some(old) = e["hash"].as_str() {
            renamed.insert(old.to_string(), hash.clone());
        }
        e["hash"] = json!(hash);
        prev = Some(hash);
    }
    for (_, c) in records.iter_mut().filter(|(s, _)| s == "checkpoint") {
        if let Some(new) = c["hash"].as_str().and_then(|h| renamed.get(h)) {
            c["hash"] = json!(new);
        }
    }
}
