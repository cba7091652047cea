//! Entry points shared by the cargo-fuzz targets (`fuzz/`) and the corpus
//! regression test (`tests/it/fuzz_corpus.rs`): whatever the fuzzer finds is
//! replayed by `cargo test` from then on. Each takes arbitrary bytes and must
//! return without panicking. Kept out of the production crates.
#![warn(missing_docs)]

use kaoshi_engine::assemble::{Assembler, Paper};
use kaoshi_engine::grade::encode_response;
use kaoshi_engine::seal::{self, Kek, Unlock};
use kaoshi_engine::{parse_source, BankSource, SourceFiles};
use std::sync::OnceLock;

mod forge;
pub use forge::forge_archive;

/// The bank parser: `bank.toml`, `paper.toml` and `items.jsonl` split at NUL
/// bytes. A bank that parses must export to text that parses to itself.
pub fn bank_source(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let mut parts = text.splitn(3, '\0');
    let bank = parts.next().unwrap_or_default();
    let paper = parts.next();
    let items = parts.next().unwrap_or_default();
    if let Ok(source) = parse_source(SourceFiles { bank_toml: bank, paper_toml: paper, items_jsonl: items }) {
        let text = kaoshi_engine::bank::export(&source);
        let again = parse_source(SourceFiles {
            bank_toml: &text.bank_toml,
            paper_toml: text.paper_toml.as_deref(),
            items_jsonl: &text.items_jsonl,
        });
        assert_eq!(again.ok(), Some(source), "export of a parsed bank must parse to the same bank");
    }
}

/// The fuzz key: 32 bytes of 7 (the corpus's sealed banks use it).
pub fn fuzz_key() -> Kek {
    Kek::from_bytes([7; 32])
}

/// The sealed-file reader, with and without a key.
pub fn sealed_bank(data: &[u8]) {
    let _ = seal::read_header(data);
    let _ = seal::open(data, &Unlock::Key(&fuzz_key()));
    // A cheap passphrase attempt: the file's own KDF costs are bounded by the reader.
    if data.len() < 4096 {
        let _ = seal::open(data, &Unlock::Passphrase(b"fuzz"));
    }
}

fn fixture() -> &'static (BankSource, Paper) {
    static F: OnceLock<(BankSource, Paper)> = OnceLock::new();
    F.get_or_init(|| {
        let source = kaoshi_exam::demo::sample_bank().unwrap_or_else(|e| panic!("embedded sample bank: {e}"));
        let spec = source.spec.clone().unwrap_or_else(|| panic!("sample bank has a spec"));
        let paper = Assembler::new(&source.bank, &spec, 1)
            .and_then(|a| a.paper(0))
            .unwrap_or_else(|e| panic!("sample paper: {e}"));
        (source, paper)
    })
}

/// Seat API request bodies as the server decodes them; a decoded response is
/// checked against every item of a real paper.
pub fn seat_bodies(data: &[u8]) {
    let _ = serde_json::from_slice::<kaoshi_http::routes::seat::LoginBody>(data);
    if let Ok(body) = serde_json::from_slice::<kaoshi_http::routes::seat::SaveBody>(data) {
        let (source, paper) = fixture();
        for (pos, it) in paper.items.iter().enumerate() {
            let _ = encode_response(&source.bank, it, pos, body.response.as_deref());
        }
    }
}

/// Bank import: the first byte picks the format (`--from` order: xlsx, csv,
/// qti, moodle-xml, gift), the rest is the file. Whatever imports must come
/// back unchanged through a QTI 3.0 package.
pub fn bank_import(data: &[u8]) {
    use kaoshi_interop::{build, qti_export, read, Format, Input, Options};
    let Some((&pick, bytes)) = data.split_first() else { return };
    let format = Format::ALL[usize::from(pick) % Format::ALL.len()];
    let input = Input::File { name: "fuzz".into(), bytes: bytes.to_vec() };
    let Ok(harvest) = read(format, &input) else { return };
    let options = Options { bank_id: "fuzz".into(), source_name: "fuzz".into(), ..Options::default() };
    let Ok(imported) = build(harvest, &options) else { return };
    let zip = qti_export::package_zip(&imported.source).unwrap_or_else(|e| panic!("export: {e}"));
    let again = read(Format::Qti, &Input::File { name: "again.zip".into(), bytes: zip })
        .unwrap_or_else(|e| panic!("re-read of an exported package: {e}"));
    assert!(again.skipped.is_empty(), "an exported item was skipped on re-import: {:?}", again.skipped);
    let again = build(again, &options).unwrap_or_else(|e| panic!("re-import: {e}"));
    assert_eq!(again.source, imported.source, "import → export → import must give the same bank");
}

/// The key the golden archive's bank is sealed with
/// (`tests/fixtures/archive/golden.key`, the archive corpus's seed).
pub fn archive_key() -> Kek {
    let bytes: [u8; 32] = *include_bytes!("../../../tests/fixtures/archive/golden.key");
    Kek::from_bytes(bytes)
}

/// The archive reader: the bytes as they are, then with every hash made
/// to agree (as a forger would), so that mutations reach the records, the
/// cross-checks and the re-grading. Must return an error, never panic.
pub fn archive_verify(data: &[u8]) {
    use kaoshi_exam::archive::{verify, Expect};
    let key = archive_key();
    let unlock = Unlock::Key(&key);
    let _ = verify(data, Some(&unlock), Expect::default());
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Some(forged) = forge_archive(text, |_, _| {}) {
        let _ = verify(forged.as_bytes(), Some(&unlock), Expect::default());
    }
}
