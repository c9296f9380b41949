#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| procura_fuzz::oracle::artifact_load(data));
