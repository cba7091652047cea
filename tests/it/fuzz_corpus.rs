//! Replays every fuzz corpus entry and every crash the fuzzers ever found
//! (`fuzz/corpus/<target>/`, `fuzz/regressions/<target>/`) through the same
//! entry points the cargo-fuzz targets call.

fn replay(target: &str, run: fn(&[u8])) -> usize {
    let mut n = 0;
    for dir in ["corpus", "regressions"] {
        let d = super::root().join("fuzz").join(dir).join(target);
        let Ok(entries) = std::fs::read_dir(&d) else { continue };
        for e in entries.flatten() {
            let p = e.path();
            if p.file_name().is_some_and(|f| f.to_string_lossy().starts_with('.')) {
                continue;
            }
            run(&std::fs::read(&p).unwrap_or_else(|err| panic!("{}: {err}", p.display())));
            n += 1;
        }
    }
    n
}

#[test]
fn every_corpus_entry_and_past_crash_replays_cleanly() {
    assert!(replay("bank_source", kaoshi_fuzzing::bank_source) >= 2);
    assert!(replay("sealed_bank", kaoshi_fuzzing::sealed_bank) >= 1);
    assert!(replay("seat_bodies", kaoshi_fuzzing::seat_bodies) >= 5);
    assert!(replay("bank_import", kaoshi_fuzzing::bank_import) >= 6);
    assert!(replay("archive_verify", kaoshi_fuzzing::archive_verify) >= 1);
}

#[test]
fn the_corpus_bank_source_entries_are_real_banks() {
    for name in ["electrician-4", "chinese-cook-5"] {
        let bytes = std::fs::read(super::root().join("fuzz/corpus/bank_source").join(name)).expect("corpus");
        let text = String::from_utf8(bytes).expect("utf8");
        let mut parts = text.splitn(3, '\0');
        let files = kaoshi_engine::SourceFiles {
            bank_toml: parts.next().expect("bank"),
            paper_toml: parts.next(),
            items_jsonl: parts.next().expect("items"),
        };
        assert!(kaoshi_engine::parse_source(files).is_ok(), "{name}: the seed corpus should start from valid banks");
    }
    let sealed = std::fs::read(super::root().join("fuzz/corpus/sealed_bank/tiny.kbank")).expect("kbank");
    assert!(kaoshi_engine::seal::open(&sealed, &kaoshi_engine::seal::Unlock::Key(&kaoshi_fuzzing::fuzz_key())).is_ok());
}
