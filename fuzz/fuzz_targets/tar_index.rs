//! Fuzzes the tar indexer (`layer::index`) on raw, uncompressed bytes: it must never panic, and
//! every path it returns must be clean (relative, no `.`/`..`/empty components).
#![no_main]

use libfuzzer_sys::fuzz_target;
use plummet::layer::{self, Budget, EntryKind, Limits};

fuzz_target!(|data: &[u8]| {
    let budget = Budget::new(Limits::default());
    let Ok((index, _)) = layer::index(data, &budget, plummet::analysis::capture_rule) else {
        return;
    };
    for entry in index.entries() {
        let path = index.path(entry);
        assert!(!path.starts_with(b"/"), "absolute path survived cleaning");
        if !path.is_empty() {
            for part in path.split(|&b| b == b'/') {
                assert!(!matches!(part, b"" | b"." | b".."), "unclean path {path:?}");
            }
        } else {
            // Only an opaque marker at the root yields the empty path (the root itself).
            assert_eq!(entry.kind, EntryKind::Opaque);
        }
        if entry.kind != EntryKind::File {
            assert_eq!(entry.size, 0);
        }
    }
    let captured: usize = index.captures().iter().map(|c| c.content.len()).sum();
    assert!(captured as u64 <= index.captures().len() as u64 * layer::MAX_CAPTURE);
});
