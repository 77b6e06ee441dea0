//! Content fingerprints of regular files, taken while a layer streams past the indexer, so that
//! `plummet diff` can tell a same-size rewrite from an untouched file.
//!
//! A fingerprint is the 64-bit XXH3 hash of a file's bytes: a fast change detector, not a security
//! digest. Two different files have the same fingerprint with probability about 2^-64 by
//! accident, but someone who wants a collision can craft one.

use std::collections::HashMap;
use std::io;
use std::num::NonZeroU64;

use xxhash_rust::xxh3::Xxh3Default;

use super::{EntryKind, LayerIndex};

/// The XXH3-64 hash of a regular file's content (a hash of 0 is stored as 1, so that
/// `Option<Fingerprint>` takes 8 bytes).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Fingerprint(NonZeroU64);

impl Fingerprint {
    fn from_hash(hash: u64) -> Fingerprint {
        Fingerprint(NonZeroU64::new(hash).unwrap_or(NonZeroU64::MIN))
    }

    /// The fingerprint of `content`, as [`index`](super::index) computes it while streaming.
    pub fn of(content: &[u8]) -> Fingerprint {
        Fingerprint::from_hash(xxhash_rust::xxh3::xxh3_64(content))
    }

    /// The fingerprint [`get`](Fingerprint::get) returned (the layer-index cache's stored
    /// form); `None` for 0, which no fingerprint is.
    pub fn from_stored(value: u64) -> Option<Fingerprint> {
        NonZeroU64::new(value).map(Fingerprint)
    }

    pub fn get(self) -> u64 {
        self.0.get()
    }
}

/// Hashes one file at a time, reusing its state (XXH3's streaming state is a few hundred bytes).
#[derive(Default)]
pub(super) struct Hasher {
    state: Xxh3Default,
}

impl Hasher {
    /// Hashes `head` (content already read, e.g. captured) and then the rest of `content`.
    pub(super) fn fingerprint(
        &mut self,
        head: &[u8],
        content: &mut impl io::Read,
    ) -> io::Result<Fingerprint> {
        self.state.reset();
        self.state.update(head);
        io::copy(content, &mut self.state)?;
        Ok(Fingerprint::from_hash(self.state.digest()))
    }
}

/// Gives each hardlink entry the fingerprint of the file it links to: the latest entry of this
/// layer at the target path before it (a tar hardlink names an earlier member of the same
/// archive). A target that is missing or is not a regular file leaves it unknown.
pub(super) fn resolve_hardlinks(layer: &mut LayerIndex) {
    if layer.fingerprints.is_empty() || !layer.entries.iter().any(|e| e.kind == EntryKind::Hardlink)
    {
        return;
    }
    let mut by_path: HashMap<&[u8], Fingerprint> = HashMap::new();
    for (entry, fingerprint) in layer.entries.iter().zip(layer.fingerprints.iter_mut()) {
        let path = span(&layer.names, entry.path);
        if entry.kind == EntryKind::Hardlink {
            *fingerprint = by_path.get(span(&layer.names, entry.link)).copied();
        }
        match *fingerprint {
            Some(f) => by_path.insert(path, f),
            None => by_path.remove(path),
        };
    }
}

fn span(names: &[u8], span: super::Span) -> &[u8] {
    let start = span.offset as usize;
    names
        .get(start..start + span.len as usize)
        .unwrap_or_default()
}
