//! Seek maps ([`crate::image::seek`]) in the layer-index cache directory: one file per blob,
//! `s<FORMAT>-<algorithm>-<hex>.idx`, written and evicted like the layer indexes (a temporary
//! file renamed into place; least recently used first, counted in `--cache-max-size`).

use std::fs::{self, File};
use std::io::{self, Read};
use std::path::PathBuf;
use std::sync::atomic::Ordering;
use std::time::SystemTime;

use super::{DiskCache, TEMP_SEQUENCE};
use crate::image::Digest;
use crate::image::seek::SeekMap;
use crate::image::seek::format::{self, MAX_FILE};

/// What looking a seek map up found.
#[derive(Debug)]
pub enum SeekLookup {
    Hit(Box<SeekMap>),
    Miss,
    /// A file was there but could not be trusted; it was deleted (and is recorded again).
    Discarded {
        path: PathBuf,
        why: String,
    },
}

impl DiskCache {
    /// The file the seek map of blob `key` lives in (hex digits and fixed text only).
    pub fn seek_path(&self, key: &Digest) -> PathBuf {
        let algorithm = key.to_string();
        let algorithm = algorithm.split(':').next().unwrap_or("sha256");
        self.dir
            .join(format!("s{}-{algorithm}-{}.idx", format::FORMAT, key.hex()))
    }

    /// Whether a seek map of blob `key` is there (not whether it is intact: a corrupt one is
    /// deleted when loaded, and recorded again by the next full read).
    pub fn has_seek(&self, key: &Digest) -> bool {
        fs::symlink_metadata(self.seek_path(key)).is_ok_and(|m| m.is_file())
    }

    pub fn load_seek(&self, key: &Digest) -> SeekLookup {
        let path = self.seek_path(key);
        let discard = |why: String| {
            let _ = fs::remove_file(&path);
            SeekLookup::Discarded {
                path: path.clone(),
                why,
            }
        };
        match fs::symlink_metadata(&path) {
            Ok(meta) if meta.is_file() && meta.len() <= MAX_FILE => {}
            Ok(meta) if meta.is_file() => return discard("larger than any seek map".into()),
            Ok(_) => return discard("not a regular file".into()),
            Err(e) if e.kind() == io::ErrorKind::NotFound => return SeekLookup::Miss,
            Err(e) => return discard(e.to_string()),
        }
        let mut bytes = Vec::new();
        let read = File::open(&path).and_then(|f| {
            let _ = f.set_modified(SystemTime::now());
            f.take(MAX_FILE + 1).read_to_end(&mut bytes)
        });
        match read {
            Ok(_) => {}
            Err(e) if e.kind() == io::ErrorKind::NotFound => return SeekLookup::Miss,
            Err(e) => return discard(e.to_string()),
        }
        match format::decode(&bytes) {
            Ok(map) => SeekLookup::Hit(Box::new(map)),
            Err(e) => discard(e.to_string()),
        }
    }

    /// Writes the seek map of a verified blob; errors leave the cache as it was.
    pub fn store_seek(&self, key: &Digest, map: &SeekMap) -> io::Result<()> {
        fs::create_dir_all(&self.dir)?;
        let target = self.seek_path(key);
        let temp = self.dir.join(format!(
            ".tmp-{}-{}-{}",
            std::process::id(),
            SystemTime::now()
                .duration_since(SystemTime::UNIX_EPOCH)
                .map_or(0, |d| d.as_nanos()),
            TEMP_SEQUENCE.fetch_add(1, Ordering::Relaxed)
        ));
        let written = File::create_new(&temp).and_then(|mut file| {
            format::encode(map, &mut file)?;
            fs::rename(&temp, &target)
        });
        if let Err(e) = written {
            let _ = fs::remove_file(&temp);
            return Err(e);
        }
        let size = fs::metadata(&target).map_or(0, |m| m.len());
        let over = {
            let mut estimate = self
                .estimate
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            let total = estimate.map_or(u64::MAX, |t| t.saturating_add(size));
            *estimate = Some(total);
            total > self.max_bytes
        };
        if over {
            let total = self.evict()?;
            *self
                .estimate
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(total);
        }
        Ok(())
    }
}
