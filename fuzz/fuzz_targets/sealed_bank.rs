//! cargo-fuzz target: see `kaoshi_server::fuzzing::sealed_bank`.
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| kaoshi_server::fuzzing::sealed_bank(data));
