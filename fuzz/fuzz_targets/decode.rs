//! Any bytes through the decoding path: a panic, a hang or a giant allocation is a finding
//! (libFuzzer reports it and keeps the input); audio or a specific error is fine.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // At most 10 s of audio per input, as in CI.
    let _ = callrec_core::player::decode_untrusted(data.to_vec(), 10.0);
});
