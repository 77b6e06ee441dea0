//! Fuzzes the tar indexer (`layer::index`) on raw, uncompressed bytes: it must never panic, and
//! every path it returns must be clean (relative, no `.`/`..`/empty components), and only regular
//! files and hardlinks may carry a content fingerprint.
#![no_main]

use libfuzzer_sys::fuzz_target;
use plummet::layer::{self, Budget, EntryKind, Keep, Limits};

fuzz_target!(|data: &[u8]| {
    let budget = Budget::new(Limits::default());
    let keep = Keep {
        capture: plummet::analysis::CAPTURE,
        fingerprints: true,
    };
    let Ok((index, _)) = layer::index(data, &budget, keep) else {
        return;
    };
    for (i, entry) in index.entries().iter().enumerate() {
        if index.fingerprint(i).is_some() {
            assert!(matches!(entry.kind, EntryKind::File | EntryKind::Hardlink));
        }
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
