//! cargo-fuzz target: see `kaoshi_fuzzing::seat_bodies`.
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| kaoshi_fuzzing::seat_bodies(data));
