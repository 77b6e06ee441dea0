//! Fuzzes the image reference parser: any text gives a reference or a one-line error naming it,
//! and a parsed reference prints back to text that parses to the same reference.
#![no_main]

use libfuzzer_sys::fuzz_target;
use plummet::source::reference::Reference;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    match Reference::parse(text) {
        Ok(reference) => {
            let printed = reference.to_string();
            let again = Reference::parse(&printed).expect("a printed reference parses");
            assert_eq!(again, reference, "{text:?} -> {printed:?}");
            let _ = (reference.api_host(), reference.manifest_reference(), reference.hostname());
        }
        Err(e) => assert!(!e.to_string().contains('\n')),
    }
});
