//! The persistent layer-index cache (`--cache-dir`): one file per indexed layer, named by the
//! digest it was verified against, so that a later analysis of any image with that layer skips
//! reading its blob.
//!
//! Trust: an entry is written only after its blob was read in full and matched the digest that
//! names it (and its diff_id); on a hit the manifest and config are still fetched and checked by
//! the source, only the blob is skipped. Every entry carries a checksum, and an entry that is
//! corrupt, truncated, of another format or made for another digest is deleted and the layer read
//! again. Writers write a temporary file in the same directory and rename it into place, so
//! readers never see half an entry and no lock is held while a layer is indexed. Size is bounded
//! by evicting the least recently used entries (a hit touches its file's modification time).

pub mod format;
pub mod seek;

use std::fs::{self, File};
use std::io::{self, BufReader, BufWriter};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, SystemTime};

pub use self::format::Profile;
use super::{IndexOptions, IndexedLayer};
use crate::image::blob::{Expected, READ_BUFFER};
use crate::image::{Digest, LayerError};
use crate::layer::{Budget, IndexError};

/// The default bound on the cache's size.
pub const DEFAULT_MAX_BYTES: u64 = 2 << 30;
/// Numbers this process's temporary files, so that two threads never pick the same name.
static TEMP_SEQUENCE: AtomicU64 = AtomicU64::new(0);
/// Temporary files older than this were left by a process that died while writing.
const STALE_TEMP: Duration = Duration::from_secs(3600);

/// A cache directory and its size bound.
#[derive(Debug)]
pub struct DiskCache {
    dir: PathBuf,
    max_bytes: u64,
    /// What this process believes the directory holds; `None` until first measured.
    estimate: Mutex<Option<u64>>,
    hits: AtomicU64,
    writes: AtomicU64,
}

/// What a lookup found.
#[derive(Debug)]
pub enum Lookup {
    Hit(Box<IndexedLayer>),
    Miss,
    /// An entry was there but could not be trusted; it was deleted.
    Discarded {
        path: PathBuf,
        why: String,
    },
}

impl DiskCache {
    pub fn new(dir: PathBuf, max_bytes: u64) -> DiskCache {
        DiskCache {
            dir,
            max_bytes,
            estimate: Mutex::new(None),
            hits: AtomicU64::new(0),
            writes: AtomicU64::new(0),
        }
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Layers served from the cache by this process.
    pub fn hits(&self) -> u64 {
        self.hits.load(Ordering::Relaxed)
    }

    /// Entries written by this process.
    pub fn writes(&self) -> u64 {
        self.writes.load(Ordering::Relaxed)
    }

    /// The file an index of the blob `key` made with `profile` lives in. The name holds only
    /// hex digits and fixed text, so it never leaves the directory.
    pub fn path_for(&self, key: &Digest, profile: &Profile) -> PathBuf {
        let mut state = xxhash_rust::xxh3::Xxh3Default::new();
        state.update(profile.capture.as_bytes());
        state.update(&[u8::from(profile.fingerprints)]);
        let algorithm = key.to_string();
        let algorithm = algorithm.split(':').next().unwrap_or("sha256");
        self.dir.join(format!(
            "i{}-{:016x}-{algorithm}-{}.idx",
            format::FORMAT,
            state.digest(),
            key.hex()
        ))
    }

    /// Looks up the index of the blob `key` made with `profile`. A hit's digests agree with
    /// every digest `expected` knows.
    pub fn load(&self, key: &Digest, expected: &Expected, profile: &Profile) -> Lookup {
        let path = self.path_for(key, profile);
        let discard = |why: String| {
            // Another process may have replaced it already: its copy is checked when read.
            let _ = fs::remove_file(&path);
            Lookup::Discarded {
                path: path.clone(),
                why,
            }
        };
        match fs::symlink_metadata(&path) {
            Ok(meta) if meta.is_file() => {}
            Ok(_) => return discard("not a regular file".into()),
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Lookup::Miss,
            Err(e) => return discard(e.to_string()),
        }
        let file = match File::open(&path) {
            Ok(f) => f,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Lookup::Miss,
            Err(e) => return discard(e.to_string()),
        };
        let len = match file.metadata() {
            Ok(m) => m.len(),
            Err(e) => return discard(e.to_string()),
        };
        // The modification time orders entries for eviction: a hit makes this one the newest.
        let _ = file.set_modified(SystemTime::now());
        let decoded = match format::decode(BufReader::with_capacity(READ_BUFFER, &file), len) {
            Ok(d) => d,
            Err(e) => return discard(e.to_string()),
        };
        if decoded.profile != *profile {
            return discard("made with other indexing options than its name says".into());
        }
        let blob = &decoded.layer.blob;
        if blob.digest.as_ref() != Some(key) && blob.diff_id.as_ref() != Some(key) {
            return discard("the index of another layer than its name says".into());
        }
        let agrees = |want: &Option<Digest>, have: &Option<Digest>| {
            want.is_none() || want.as_ref() == have.as_ref()
        };
        if !agrees(&expected.digest, &blob.digest) || !agrees(&expected.diff_id, &blob.diff_id) {
            // The image's own metadata disagrees (a wrong diff_id in its config): reading the
            // blob reports that, naming the layer.
            return Lookup::Miss;
        }
        self.hits.fetch_add(1, Ordering::Relaxed);
        Lookup::Hit(Box::new(decoded.layer))
    }

    /// Writes the index of a verified blob under `key`, then keeps the directory within its
    /// bound. Errors leave the cache as it was: the analysis goes on without the entry.
    pub fn store(&self, key: &Digest, layer: &IndexedLayer, profile: &Profile) -> io::Result<()> {
        fs::create_dir_all(&self.dir)?;
        let target = self.path_for(key, profile);
        let temp = self.dir.join(format!(
            ".tmp-{}-{}-{}",
            std::process::id(),
            SystemTime::now()
                .duration_since(SystemTime::UNIX_EPOCH)
                .map_or(0, |d| d.as_nanos()),
            TEMP_SEQUENCE.fetch_add(1, Ordering::Relaxed)
        ));
        let written = File::create_new(&temp).and_then(|file| {
            let mut out = BufWriter::with_capacity(READ_BUFFER, file);
            format::encode(layer, profile, &mut out)?;
            out.into_inner().map_err(io::IntoInnerError::into_error)?;
            fs::rename(&temp, &target)
        });
        if let Err(e) = written {
            let _ = fs::remove_file(&temp);
            return Err(e);
        }
        self.writes.fetch_add(1, Ordering::Relaxed);
        let size = fs::metadata(&target).map_or(0, |m| m.len());
        let over = {
            let mut estimate = self.estimate.lock().unwrap_or_else(PoisonError::into_inner);
            let total = estimate.map_or(u64::MAX, |t| t.saturating_add(size));
            *estimate = Some(total);
            total > self.max_bytes
        };
        if over {
            let total = self.evict()?;
            *self.estimate.lock().unwrap_or_else(PoisonError::into_inner) = Some(total);
        }
        Ok(())
    }

    /// Deletes the least recently used entries until the directory is within its bound, and
    /// temporary files left by dead writers; returns the bytes that remain.
    pub fn evict(&self) -> io::Result<u64> {
        let now = SystemTime::now();
        let mut entries = Vec::new();
        for item in fs::read_dir(&self.dir)? {
            let Ok(item) = item else { continue };
            let Ok(meta) = item.metadata() else { continue };
            let name = item.file_name();
            let name = name.to_string_lossy();
            let modified = meta.modified().unwrap_or(SystemTime::UNIX_EPOCH);
            if name.starts_with(".tmp-") {
                if now
                    .duration_since(modified)
                    .is_ok_and(|age| age > STALE_TEMP)
                {
                    let _ = fs::remove_file(item.path());
                }
            } else if name.ends_with(".idx") && meta.is_file() {
                entries.push((modified, meta.len(), item.path()));
            }
        }
        let mut total: u64 = entries.iter().map(|e| e.1).sum();
        entries.sort();
        for (_, len, path) in entries {
            if total <= self.max_bytes {
                break;
            }
            // Gone already is as good: another process evicted it.
            let _ = fs::remove_file(&path);
            total -= len;
        }
        Ok(total)
    }
}

/// The persistent cache, the digest that names this layer's entry (the blob digest, else the
/// diff_id) and the profile of the index, when the layer can be cached at all: a rule that reads
/// files without naming itself (`CaptureRule::keep_all`) cannot.
pub(super) fn persistent_key<'o>(
    expected: &Expected,
    options: &'o IndexOptions,
) -> Option<(&'o DiskCache, Digest, Profile)> {
    let cache = options.disk_cache.as_deref()?;
    // `--estimate-zstd` recompresses the layer as it is read: a cached index has no blob to
    // recompress, so that run reads every layer (and writes nothing it could not also read).
    if options.estimate_zstd {
        return None;
    }
    let key = expected
        .digest
        .clone()
        .or_else(|| expected.diff_id.clone())?;
    if options.capture.id.is_empty() {
        return None;
    }
    let profile = Profile {
        capture: options.capture.id.to_owned(),
        fingerprints: options.content_digests,
    };
    Some((cache, key, profile))
}

/// Holds a cached layer to this load's limits, as if it had been read now.
pub(super) fn admit(
    layer: &IndexedLayer,
    options: &IndexOptions,
    budget: &Budget,
) -> Result<(), LayerError> {
    let size = layer.blob.uncompressed_bytes;
    if size > options.max_layer_bytes {
        return Err(LayerError::Index(IndexError::Limit(format!(
            "the layer expands to {size} bytes, past the limit of {} (--max-layer-bytes)",
            options.max_layer_bytes
        ))));
    }
    budget.charge_index(&layer.index, size)?;
    Ok(())
}

#[cfg(test)]
#[path = "store_tests.rs"]
mod tests;
