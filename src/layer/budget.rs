//! The limits that stop hostile images (entries, path-name bytes, uncompressed bytes) and the
//! counters, shared by every layer of one image, that are charged against them.

use std::sync::atomic::{AtomicU64, Ordering};

use super::IndexError;

/// Limits that stop hostile images before they exhaust the machine.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Entries over the whole image.
    pub max_entries: u64,
    /// Bytes of path names over the whole image (the bulk of the index's memory).
    pub max_name_bytes: u64,
    /// Length of one path.
    pub max_path_len: usize,
    /// Uncompressed bytes over the whole image, and separately the bytes its files claim (a
    /// sparse file can claim far more than it stores).
    pub max_total_bytes: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_entries: 5_000_000,
            max_name_bytes: 2 << 30,
            max_path_len: 64 * 1024,
            max_total_bytes: 1 << 40,
        }
    }
}

/// Counters shared by all layers of one image, checked against [`Limits`].
#[derive(Debug, Default)]
pub struct Budget {
    pub limits: Limits,
    entries: AtomicU64,
    name_bytes: AtomicU64,
    stream_bytes: AtomicU64,
    file_bytes: AtomicU64,
}

impl Budget {
    pub fn new(limits: Limits) -> Budget {
        Budget {
            limits,
            ..Budget::default()
        }
    }

    pub(super) fn charge(&self, name_bytes: u64) -> Result<(), IndexError> {
        let entries = self.entries.fetch_add(1, Ordering::Relaxed) + 1;
        if entries > self.limits.max_entries {
            return Err(IndexError::Limit(format!(
                "more than {} entries in the image (--max-entries)",
                self.limits.max_entries
            )));
        }
        let names = self.name_bytes.fetch_add(name_bytes, Ordering::Relaxed) + name_bytes;
        if names > self.limits.max_name_bytes {
            return Err(IndexError::Limit(format!(
                "more than {} bytes of path names in the image (--max-index-bytes)",
                self.limits.max_name_bytes
            )));
        }
        Ok(())
    }

    /// Charges the content of a captured file to the same memory limit as path names: both
    /// are held until the analysis ends.
    pub(super) fn charge_capture(&self, bytes: u64) -> Result<(), IndexError> {
        if add_within(&self.name_bytes, bytes, self.limits.max_name_bytes) {
            Ok(())
        } else {
            Err(IndexError::Limit(format!(
                "more than {} bytes of path names and captured package databases in the image (--max-index-bytes)",
                self.limits.max_name_bytes
            )))
        }
    }

    /// Charges uncompressed bytes read from a layer stream against `max_total_bytes`.
    pub fn charge_stream(&self, bytes: u64) -> Result<(), IndexError> {
        if add_within(&self.stream_bytes, bytes, self.limits.max_total_bytes) {
            Ok(())
        } else {
            Err(IndexError::Limit(format!(
                "the image's layers expand past {} bytes in total (--max-total-bytes)",
                self.limits.max_total_bytes
            )))
        }
    }

    /// Charges the size a file entry claims. Every size the analysis adds up was charged here,
    /// so no sum over the tree can overflow.
    pub(super) fn charge_file(&self, size: u64) -> Result<(), IndexError> {
        if add_within(&self.file_bytes, size, self.limits.max_total_bytes) {
            Ok(())
        } else {
            Err(IndexError::Limit(format!(
                "the image's files claim more than {} bytes in total (--max-total-bytes)",
                self.limits.max_total_bytes
            )))
        }
    }
}

impl Budget {
    /// Charges a whole index made earlier (the layer-index cache's entries) as if its layer had
    /// been read now, so that the limits hold for cached layers too.
    pub fn charge_index(
        &self,
        index: &super::LayerIndex,
        uncompressed: u64,
    ) -> Result<(), IndexError> {
        self.charge_stream(uncompressed)?;
        for e in index.entries() {
            if e.path.len as usize > self.limits.max_path_len {
                return Err(IndexError::Limit(format!(
                    "a path of {} bytes is longer than the limit of {}",
                    e.path.len, self.limits.max_path_len
                )));
            }
            self.charge(u64::from(e.path.len) + u64::from(e.link.len))?;
            self.charge_file(e.size)?;
        }
        for c in index.captures() {
            self.charge_capture(c.content.len() as u64)?;
        }
        Ok(())
    }
}

/// Adds `amount` to `counter` unless the sum would pass `limit` (or overflow).
fn add_within(counter: &AtomicU64, amount: u64, limit: u64) -> bool {
    counter
        .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |v| {
            v.checked_add(amount).filter(|&sum| sum <= limit)
        })
        .is_ok()
}
