//! Reading a file through the seek map kept in a cache directory: the first read records it, the
//! next one jumps (asking the source for the blob from an offset), a corrupted blob is an error
//! with no output, a corrupt map file is discarded and recorded again.

use std::io::{Cursor, Read};
use std::sync::{Arc, Mutex};

use crate::content::{ContentError, ReadOptions, Spool, read_file};
use crate::image::Image;
use crate::image::index::store::DiskCache;
use crate::testutil::{TarBuilder, gzip_default as gzip, image_of_blobs};

/// Layer blobs in memory that can start at an offset, noting where each read started.
#[derive(Debug)]
struct Ranged {
    blobs: Mutex<Vec<Vec<u8>>>,
    starts: Mutex<Vec<u64>>,
}

impl crate::image::Reopen for Ranged {
    fn blob(&self, position: usize) -> std::io::Result<Box<dyn Read + Send>> {
        self.starts.lock().unwrap().push(0);
        Ok(Box::new(Cursor::new(
            self.blobs.lock().unwrap()[position].clone(),
        )))
    }

    fn blob_from(
        &self,
        position: usize,
        offset: u64,
    ) -> std::io::Result<Option<Box<dyn Read + Send>>> {
        self.starts.lock().unwrap().push(offset);
        let blob = self.blobs.lock().unwrap()[position].clone();
        Ok(Some(Box::new(Cursor::new(
            blob[offset as usize..].to_vec(),
        ))))
    }
}

/// About 12 MiB of text that gzip makes many blocks of.
fn text(lines: usize) -> Vec<u8> {
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut out = Vec::new();
    for i in 0..lines {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        out.extend_from_slice(format!("{i:09} {:012x} row\n", x & 0xffff_ffff_ffff).as_bytes());
    }
    out
}

fn setup(cache: &std::path::Path) -> (Image, Arc<Ranged>, Vec<u8>) {
    let big = text(400_000);
    let blob = gzip(
        &TarBuilder::new()
            .file_owned("etc/first", b"first\n", 0, 0)
            .file_owned("data/big", &big, 0, 0)
            .file_owned("etc/last", b"the last file\n", 0, 0)
            .finish(),
    );
    let mut image = image_of_blobs(vec![blob.clone()]);
    let ranged = Arc::new(Ranged {
        blobs: Mutex::new(vec![blob]),
        starts: Mutex::new(Vec::new()),
    });
    image.reopen = Some(ranged.clone());
    image.seek_cache = Some(Arc::new(DiskCache::new(cache.to_path_buf(), 1 << 30)));
    (image, ranged, big)
}

fn cat(image: &Image, path: &str) -> Result<Vec<u8>, ContentError> {
    let mut spool = Spool::unbounded();
    read_file(
        image,
        None,
        path.as_bytes(),
        &mut spool,
        ReadOptions::default(),
    )?;
    let mut out = Vec::new();
    spool.copy_to(&mut out).unwrap();
    Ok(out)
}

fn seek_files(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    std::fs::read_dir(dir)
        .map(|d| {
            d.filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| {
                    p.file_name()
                        .is_some_and(|n| n.to_string_lossy().starts_with('s'))
                })
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn the_first_read_records_a_map_and_the_next_jumps_near_the_file() {
    let tmp = tempfile::tempdir().unwrap();
    let (image, ranged, big) = setup(tmp.path());
    assert_eq!(cat(&image, "/etc/last").unwrap(), b"the last file\n");
    assert_eq!(seek_files(tmp.path()).len(), 1, "no seek map written");
    ranged.starts.lock().unwrap().clear();
    assert_eq!(cat(&image, "/etc/last").unwrap(), b"the last file\n");
    let starts = ranged.starts.lock().unwrap().clone();
    assert_eq!(starts.len(), 1);
    assert!(starts[0] > 0, "the second read started at the blob's start");
    // A file spanning several checkpoints comes out whole.
    assert_eq!(cat(&image, "/data/big").unwrap(), big);
    assert_eq!(cat(&image, "/etc/first").unwrap(), b"first\n");
}

#[test]
fn a_blob_that_changed_since_its_map_is_an_error_and_no_output() {
    let tmp = tempfile::tempdir().unwrap();
    let (image, ranged, _) = setup(tmp.path());
    cat(&image, "/etc/last").unwrap();
    {
        let mut blobs = ranged.blobs.lock().unwrap();
        let len = blobs[0].len();
        blobs[0][len - 100] ^= 0x10;
    }
    let err = cat(&image, "/etc/last").unwrap_err().to_string();
    assert!(err.contains("failed to read layer 0 (sha256:"), "{err}");
    assert!(err.contains("SHA-256"), "{err}");
}

#[test]
fn a_corrupt_map_file_is_discarded_and_recorded_again() {
    let tmp = tempfile::tempdir().unwrap();
    let (image, ranged, _) = setup(tmp.path());
    cat(&image, "/etc/last").unwrap();
    let file = seek_files(tmp.path()).remove(0);
    let good = std::fs::read(&file).unwrap();
    let mut bad = good.clone();
    let at = bad.len() / 2;
    bad[at] ^= 0xff;
    std::fs::write(&file, &bad).unwrap();
    ranged.starts.lock().unwrap().clear();
    assert_eq!(cat(&image, "/etc/last").unwrap(), b"the last file\n");
    assert_eq!(
        *ranged.starts.lock().unwrap(),
        vec![0],
        "not read from the start"
    );
    assert_eq!(std::fs::read(&file).unwrap(), good, "not recorded again");
    // Truncated: the same.
    std::fs::write(&file, &good[..good.len() / 3]).unwrap();
    assert_eq!(cat(&image, "/etc/last").unwrap(), b"the last file\n");
    assert_eq!(std::fs::read(&file).unwrap(), good);
}
