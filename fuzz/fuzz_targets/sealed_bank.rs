//! cargo-fuzz target: see `kaoshi_fuzzing::sealed_bank`.
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| kaoshi_fuzzing::sealed_bank(data));
