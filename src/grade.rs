//! `kaoshi grade`: papers.jsonl + responses.jsonl → results.jsonl, on the
//! engine's byte path: lines are parsed in parallel without copying their
//! strings, each sheet is encoded one byte per position and scored through
//! the same tally the server's results use, and results are written in
//! parallel chunks kept in line order.

use crate::bank_files::{load_bank, read_parallel};
use crate::jsonl::Scan;
use crate::keys::KeyArgs;
use crate::papers;
use anyhow::{anyhow, Context, Result};
use kaoshi_engine::assemble::Paper;
use kaoshi_engine::bank::Bank;
use kaoshi_engine::grade::{encode_response, Grader};
use kaoshi_engine::spec::PaperSpec;
use kaoshi_exam::durable_file::write_atomic;
use rayon::prelude::*;
use rustc_hash::FxHashMap;
use serde::ser::SerializeMap;
use serde::{Deserialize, Serialize};
use std::borrow::Cow;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// `kaoshi grade`.
#[derive(Debug, clap::Args)]
pub struct GradeArgs {
    /// A source directory or a sealed .kbank file.
    #[arg(long)]
    bank: PathBuf,
    #[command(flatten)]
    key: KeyArgs,
    /// Paper spec instead of the bank's paper.toml.
    #[arg(long, value_name = "paper.toml")]
    spec: Option<PathBuf>,
    /// papers.jsonl from `kaoshi assemble`.
    #[arg(long)]
    papers: PathBuf,
    /// responses.jsonl: {"index", "responses": [...]} per line.
    #[arg(long)]
    responses: PathBuf,
    /// Where to write results.jsonl.
    #[arg(short = 'o', value_name = "results.jsonl")]
    output: PathBuf,
}

#[derive(Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
struct ResponseLine<'a> {
    index: u64,
    #[serde(borrow)]
    responses: Vec<Option<Cow<'a, str>>>,
}

#[derive(Serialize)]
struct ResultLine<'a> {
    index: u64,
    score: f64,
    passed: Option<bool>,
    modules: Modules<'a>,
    items: &'a [Option<f64>],
}

/// Module subtotals as a JSON object `{"A": 4.0, …}`, in code order.
struct Modules<'a>(&'a [String], &'a [f64]);

impl Serialize for Modules<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut pairs: Vec<(&String, &f64)> = self.0.iter().zip(self.1).collect();
        pairs.sort_by(|a, b| a.0.cmp(b.0));
        let mut map = s.serialize_map(Some(pairs.len()))?;
        for (code, score) in pairs {
            map.serialize_entry(code, score)?;
        }
        map.end()
    }
}

/// A responses.jsonl line in the plain form most tools write (`index` then
/// `responses`, strings without escapes, any JSON spacing); `None` for
/// anything else, which serde_json then reads.
fn scan_response(line: &[u8]) -> Option<ResponseLine<'_>> {
    let mut s = Scan::new(line)?;
    let token = |s: &mut Scan<'_>, t: &[u8]| {
        s.ws();
        s.lit(t)
    };
    token(&mut s, b"{")?;
    token(&mut s, b"\"index\"")?;
    token(&mut s, b":")?;
    s.ws();
    let index = s.uint(u64::MAX)?;
    token(&mut s, b",")?;
    token(&mut s, b"\"responses\"")?;
    token(&mut s, b":")?;
    token(&mut s, b"[")?;
    s.ws();
    let mut responses = Vec::with_capacity(128);
    if s.peek() != Some(b']') {
        loop {
            if s.lit(b"null").is_some() {
                responses.push(None);
            } else {
                s.lit(b"\"")?;
                responses.push(Some(Cow::Borrowed(s.string()?)));
            }
            s.ws();
            if !s.comma() {
                break;
            }
            s.ws();
        }
    }
    token(&mut s, b"]")?;
    token(&mut s, b"}")?;
    s.end()?;
    Some(ResponseLine { index, responses })
}

/// Scores one responses.jsonl line and appends its results.jsonl line to `out`.
fn grade_line(
    grader: &Grader<'_>,
    bank: &Bank,
    by_index: &FxHashMap<u64, &Paper>,
    line: &[u8],
    out: &mut Vec<u8>,
) -> Result<(), String> {
    let r = match scan_response(line) {
        Some(r) => r,
        None => serde_json::from_slice::<ResponseLine<'_>>(line).map_err(|e| e.to_string())?,
    };
    let paper = by_index.get(&r.index).ok_or_else(|| format!("no paper with index {}", r.index))?;
    if r.responses.len() != paper.items.len() {
        let position = r.responses.len().min(paper.items.len());
        return Err(format!(
            "position {position}: {} responses for a paper of {} items",
            r.responses.len(),
            paper.items.len()
        ));
    }
    let sheet = paper
        .items
        .iter()
        .zip(&r.responses)
        .enumerate()
        .map(|(pos, (it, resp))| encode_response(bank, it, pos, resp.as_deref()))
        .collect::<Result<Vec<u8>, _>>()
        .map_err(|e| e.to_string())?;
    let items = grader.objective(paper, &sheet);
    let t = grader.tally(paper, &items);
    let modules = Modules(grader.module_codes(), &t.modules);
    let line = ResultLine { index: r.index, score: t.score, passed: t.passed, modules, items: &items };
    serde_json::to_writer(&mut *out, &line).map_err(|e| e.to_string())?;
    out.push(b'\n');
    Ok(())
}

fn read_spec(path: Option<&Path>, source: &kaoshi_engine::BankSource, bank_path: &Path) -> Result<PaperSpec> {
    match path {
        Some(p) => kaoshi_engine::bank::parse_spec_file(
            &std::fs::read_to_string(p).with_context(|| format!("cannot read {}", p.display()))?,
        )
        .map_err(|e| anyhow!("{}: {e}", p.display())),
        None => source.spec.clone().ok_or_else(|| anyhow!("{} has no paper.toml: give --spec", bank_path.display())),
    }
}

/// `kaoshi grade --bank BANK [--key-file] [--spec] --papers papers.jsonl --responses responses.jsonl -o results.jsonl`.
pub fn run(args: GradeArgs) -> Result<()> {
    let started = Instant::now();
    let source = load_bank(&args.bank, &args.key)?;
    let spec = read_spec(args.spec.as_deref(), &source, &args.bank)?;
    let bank = &source.bank;
    let (papers_text, responses_text) = rayon::join(|| read_parallel(&args.papers), || read_parallel(&args.responses));
    let papers = papers::read(&papers_text?, &args.papers.display().to_string(), bank, &spec)?;
    let by_index: FxHashMap<u64, &Paper> = papers.iter().map(|p| (p.index, p)).collect();
    let file = args.responses.display().to_string();
    let responses_text = responses_text?;
    let lines = crate::jsonl::numbered(&responses_text);
    let grader = Grader::new(bank, &spec);
    // Chunks of lines are graded in parallel, each into one buffer; the
    // buffers are joined in line order, and the first error in line order wins.
    let chunks: Vec<Vec<u8>> = lines
        .par_chunks(256)
        .map(|chunk| {
            let mut out = Vec::with_capacity(chunk.len() * 600);
            for &(line_no, line) in chunk {
                grade_line(&grader, bank, &by_index, line, &mut out).map_err(|e| {
                    if e.starts_with("position ") {
                        anyhow!("{file} line {line_no}, {e}")
                    } else {
                        anyhow!("{file} line {line_no}: {e}")
                    }
                })?;
            }
            Ok(out)
        })
        .collect::<Result<_>>()?;
    write_atomic(&args.output, &chunks.concat())?;
    println!(
        "graded {} answer sheets in {:.1} ms → {}",
        lines.len(),
        started.elapsed().as_secs_f64() * 1000.0,
        args.output.display()
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn plain_response_lines_are_scanned_and_others_go_to_serde() {
        let line = r#"{"index": 3, "responses": ["T", null, "AC", "生熟分开"]}"#.as_bytes();
        let r = scan_response(line).expect("plain");
        assert_eq!(Some(&r), serde_json::from_slice::<ResponseLine<'_>>(line).ok().as_ref());
        for other in [
            &br#"{"responses": ["T"], "index": 3}"#[..],
            br#"{"index": 3, "responses": ["\u0054"]}"#,
            br#"{"index": 3, "responses": [nullx]}"#,
            br#"{"index": 3, "responses": ["T"], "x": 1}"#,
            br#"{"index": 3, "responses": ["T",]}"#,
        ] {
            assert_eq!(scan_response(other), None, "{}", String::from_utf8_lossy(other));
        }
    }

    proptest! {
        #[test]
        fn the_response_scanner_agrees_with_serde(
            index in any::<u64>(),
            responses in proptest::collection::vec(proptest::option::of("[A-H]{0,4}|[^\\\"]{0,6}"), 0..8),
            spaced in any::<bool>(), cut in 0usize..200, flip in any::<u8>(),
        ) {
            let value = serde_json::json!({"index": index, "responses": responses});
            let line = if spaced { serde_json::to_string_pretty(&value) } else { serde_json::to_string(&value) }
                .expect("json")
                .replace('\n', " ");
            let fast = scan_response(line.as_bytes());
            let slow = serde_json::from_slice::<ResponseLine<'_>>(line.as_bytes()).ok();
            if let Some(f) = &fast {
                prop_assert_eq!(Some(f), slow.as_ref());
            }
            let mut damaged = line.clone().into_bytes();
            let at = cut % damaged.len();
            damaged[at] = flip;
            if let Some(f) = scan_response(&damaged) {
                prop_assert_eq!(Some(f), serde_json::from_slice::<ResponseLine<'_>>(&damaged).ok());
            }
        }
    }
}
