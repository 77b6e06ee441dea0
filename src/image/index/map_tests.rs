//! Seek maps recorded by the indexing pass itself (with a disk cache): each file's member is
//! found through the map, a blob that fails its digest leaves no map, and layers a map does not
//! apply to (zstd, gzip of several members) or loads without a cache record none.
use std::io::{Cursor, Read};
use std::sync::Arc;

use super::store::seek::SeekLookup;
use super::store::{DEFAULT_MAX_BYTES, DiskCache};
use super::*;
use crate::image::{Digest, Expected};
use crate::testutil::{TarBuilder, gzip, gzip_default, zstd};

/// A layer of ~6 MB of text (more than one checkpoint interval) and a few files after it.
fn tar() -> Vec<u8> {
    let mut text = Vec::new();
    for i in 0..400_000u32 {
        text.extend_from_slice(
            format!("{i:09} {:08x}\n", i.wrapping_mul(2_654_435_761)).as_bytes(),
        );
    }
    TarBuilder::new()
        .dir("data")
        .file_owned("data/big.txt", &text, 0, 0)
        .file_owned("data/after", b"after\n", 0, 0)
        .symlink("data/link", "after")
        .file_owned("data/after", b"again\n", 0, 0)
        .finish()
}

fn cache() -> (tempfile::TempDir, Arc<DiskCache>) {
    let dir = tempfile::tempdir().unwrap();
    let cache = Arc::new(DiskCache::new(dir.path().join("cache"), DEFAULT_MAX_BYTES));
    (dir, cache)
}

fn options(cache: Option<Arc<DiskCache>>) -> IndexOptions {
    IndexOptions {
        capture: crate::analysis::CAPTURE,
        disk_cache: cache,
        ..IndexOptions::default()
    }
}

fn index(
    blob: Vec<u8>,
    expected: Expected,
    options: &IndexOptions,
) -> Result<IndexedLayer, ImageError> {
    let job = LayerJob {
        position: 0,
        name: "layer0".into(),
        size_hint: blob.len() as u64,
        expected,
        origin: None,
        open: Box::new(move || Ok(Box::new(Cursor::new(blob)) as Box<dyn Read + Send>)),
    };
    index_layers(vec![job], options, &Progress::default()).map(|mut l| l.remove(0))
}

fn expected(blob: &[u8], tar: &[u8]) -> Expected {
    Expected {
        digest: Some(Digest::sha256_of(blob)),
        diff_id: Some(Digest::sha256_of(tar)),
    }
}

/// The member `path` (its `occurrence`-th) read through the map: its tar header and content.
fn through(map: &SeekMap, blob: &[u8], path: &[u8], occurrence: u32) -> (Vec<u8>, Vec<u8>) {
    let start = map.member(path, occurrence).unwrap();
    let blob = blob.to_vec();
    let open = move |offset: u64| {
        Ok(Box::new(Cursor::new(blob[offset as usize..].to_vec())) as Box<dyn Read + Send>)
    };
    let (from, mut reader) = map.open_at(start, open).unwrap();
    crate::image::seek::skip(&mut reader, start - from).unwrap();
    let mut archive = tar::Archive::new(reader);
    let mut entry = archive.entries().unwrap().next().unwrap().unwrap();
    let name = entry.path_bytes().into_owned();
    let mut content = Vec::new();
    entry.read_to_end(&mut content).unwrap();
    (name, content)
}

#[test]
fn indexing_with_a_cache_records_a_map_that_finds_every_file() {
    let tar = tar();
    for blob in [gzip_default(&tar), gzip(&tar), tar.clone()] {
        let (_dir, cache) = cache();
        let expected = expected(&blob, &tar);
        let key = expected.digest.clone().unwrap();
        index(blob.clone(), expected, &options(Some(Arc::clone(&cache)))).unwrap();
        let SeekLookup::Hit(map) = cache.load_seek(&key) else {
            panic!("no map for the layer");
        };
        assert_eq!(map.compressed_len, blob.len() as u64);
        assert_eq!(map.uncompressed_len, tar.len() as u64);
        assert_eq!(through(&map, &blob, b"data/after", 0).1, b"after\n");
        assert_eq!(through(&map, &blob, b"data/after", 1).1, b"again\n");
        let (name, content) = through(&map, &blob, b"data/big.txt", 0);
        assert_eq!(name, b"data/big.txt");
        assert_eq!(content.len(), 400_000 * 19);
        assert_eq!(
            map.member(b"data/link", 0),
            None,
            "symlinks are not members"
        );
    }
}

#[test]
fn a_gzip_layer_of_default_level_gets_checkpoints() {
    let tar = tar();
    let blob = gzip_default(&tar);
    let (_dir, cache) = cache();
    let expected = expected(&blob, &tar);
    let key = expected.digest.clone().unwrap();
    index(blob, expected, &options(Some(Arc::clone(&cache)))).unwrap();
    let SeekLookup::Hit(map) = cache.load_seek(&key) else {
        panic!("no map for the layer");
    };
    assert!(
        !map.checkpoints.is_empty(),
        "7.6 MB inflate past one interval"
    );
    assert!(map.checkpoints.iter().all(|c| c.window.len() == 32 * 1024));
}

#[test]
fn a_layer_that_fails_its_diff_id_leaves_neither_index_nor_map() {
    let tar = tar();
    let blob = gzip_default(&tar);
    let (_dir, cache) = cache();
    let wrong = Expected {
        digest: Some(Digest::sha256_of(&blob)),
        diff_id: Some(Digest::sha256_of(b"another layer")),
    };
    let err = index(blob, wrong.clone(), &options(Some(Arc::clone(&cache)))).unwrap_err();
    assert!(err.to_string().contains("diff_id mismatch"), "{err}");
    assert!(matches!(
        cache.load_seek(wrong.digest.as_ref().unwrap()),
        SeekLookup::Miss
    ));
    assert_eq!(cache.writes(), 0);
}

#[test]
fn zstd_and_multi_member_gzip_layers_get_an_index_and_no_map() {
    let tar = tar();
    let (half, rest) = tar.split_at(tar.len() / 2);
    let mut members = gzip(half);
    members.extend_from_slice(&gzip(rest));
    for blob in [zstd(&tar), members] {
        let (_dir, cache) = cache();
        let expected = expected(&blob, &tar);
        let key = expected.digest.clone().unwrap();
        let layer = index(blob, expected, &options(Some(Arc::clone(&cache)))).unwrap();
        assert_eq!(layer.index.entries().len(), 5);
        assert_eq!(cache.writes(), 1, "the index is cached");
        assert!(matches!(cache.load_seek(&key), SeekLookup::Miss));
    }
}

#[test]
fn a_map_already_there_is_not_recorded_again() {
    let tar = tar();
    let blob = gzip_default(&tar);
    let (_dir, cache) = cache();
    let expected = expected(&blob, &tar);
    let key = expected.digest.clone().unwrap();
    index(
        blob.clone(),
        expected.clone(),
        &options(Some(Arc::clone(&cache))),
    )
    .unwrap();
    let path = cache.seek_path(&key);
    // Only the index is evicted: the next load reads the blob and leaves the map alone.
    for entry in std::fs::read_dir(cache.dir()).unwrap() {
        let entry = entry.unwrap().path();
        if entry != path {
            std::fs::remove_file(entry).unwrap();
        }
    }
    let before = std::fs::metadata(&path).unwrap().modified().unwrap();
    std::thread::sleep(std::time::Duration::from_millis(20));
    index(blob, expected, &options(Some(Arc::clone(&cache)))).unwrap();
    assert_eq!(cache.writes(), 2);
    assert_eq!(
        std::fs::metadata(&path).unwrap().modified().unwrap(),
        before
    );
}

#[test]
fn indexing_without_a_cache_returns_no_map() {
    let tar = tar();
    let blob = gzip_default(&tar);
    let (layer, map) = index_blob_recording(
        &blob[..],
        expected(&blob, &tar),
        &options(None),
        &crate::layer::Budget::default(),
        None,
        false,
    )
    .unwrap();
    assert_eq!(layer.index.entries().len(), 5);
    assert!(map.is_none());
}
