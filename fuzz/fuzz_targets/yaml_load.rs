#![no_main]
// The property lives in the library (paunch::fuzz), so that
// tests/fuzz_corpus.rs replays this target's corpus on stable.
libfuzzer_sys::fuzz_target!(|data: &[u8]| paunch::fuzz::yaml_load(data));
