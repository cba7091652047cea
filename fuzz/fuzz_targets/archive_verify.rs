//! cargo-fuzz target: see `kaoshi_fuzzing::archive_verify`.
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| kaoshi_fuzzing::archive_verify(data));
