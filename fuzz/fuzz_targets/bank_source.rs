//! cargo-fuzz target: see `kaoshi_fuzzing::bank_source`.
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| kaoshi_fuzzing::bank_source(data));
