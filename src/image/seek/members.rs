//! Where each regular file's tar headers start in the uncompressed stream, noted as a full read
//! of the layer passes (the indexer's, or the first verified read of `cat` and the viewer), with
//! the same occurrence count the later reads of file contents use.

use std::collections::HashMap;

use super::{MemberAt, path_hash};

/// The members of one layer, in the making.
#[derive(Debug, Default)]
pub struct Members {
    next_start: u64,
    seen: HashMap<u64, u32>,
    at: Vec<MemberAt>,
    /// A sparse member: positions after it are not known the way the map needs them.
    broken: bool,
}

impl Members {
    /// Notes the member whose data starts at `data_start` and runs `size` bytes; `cleaned` is
    /// its path as [`crate::layer::clean_path`] gives it.
    pub fn note(&mut self, kind: tar::EntryType, cleaned: &[u8], data_start: u64, size: u64) {
        let start = self.next_start;
        self.next_start = (data_start + size).next_multiple_of(512);
        if kind == tar::EntryType::GNUSparse {
            self.broken = true;
        }
        if matches!(kind, tar::EntryType::XGlobalHeader) || self.broken {
            return;
        }
        let hash = path_hash(cleaned);
        let count = self.seen.entry(hash).or_insert(0);
        let occurrence = *count;
        *count += 1;
        let file_like = !matches!(
            kind,
            tar::EntryType::Directory
                | tar::EntryType::Symlink
                | tar::EntryType::Link
                | tar::EntryType::Char
                | tar::EntryType::Block
                | tar::EntryType::Fifo
        );
        if file_like {
            self.at.push(MemberAt {
                hash,
                occurrence,
                start,
            });
        }
    }

    /// The members, sorted for lookup; `None` when they cannot be trusted.
    pub fn done(mut self) -> Option<Vec<MemberAt>> {
        if self.broken {
            return None;
        }
        self.at.sort_unstable();
        // Two paths of one hash: their occurrences are counted together, still unique.
        self.at.dedup_by_key(|m| (m.hash, m.occurrence));
        Some(self.at)
    }
}
