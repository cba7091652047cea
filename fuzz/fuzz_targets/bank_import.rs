//! cargo-fuzz target: see `kaoshi_fuzzing::bank_import`.
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| kaoshi_fuzzing::bank_import(data));
