//! cargo-fuzz target: see `kaoshi_server::fuzzing::bank_import`.
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| kaoshi_server::fuzzing::bank_import(data));
