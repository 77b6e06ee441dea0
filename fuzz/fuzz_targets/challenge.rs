//! Fuzzes the registry's `WWW-Authenticate` parser: untrusted header text gives challenges or
//! nothing, never a panic or a hang, and every parsed piece is well formed.
#![no_main]

use libfuzzer_sys::fuzz_target;
use plummet::source::registry::auth::challenge::parse;

fuzz_target!(|data: &[u8]| {
    let Ok(header) = std::str::from_utf8(data) else { return };
    for challenge in parse(header) {
        assert!(!challenge.scheme.is_empty());
        assert_eq!(challenge.scheme, challenge.scheme.to_ascii_lowercase());
        for (name, _) in &challenge.params {
            assert!(!name.is_empty());
            assert!(challenge.param(name).is_some());
        }
    }
});
