//! Tests of the persistent layer-index cache: the format round trip, every kind of damaged
//! entry, eviction, and a load that skips the blob on a hit.
use std::io::{Cursor, Read};
use std::sync::Arc;

use super::*;
use crate::image::index::{IndexOptions, LayerJob, Progress, index_layers};
use crate::image::{Digest, Expected};
use crate::testutil::{TarBuilder, gzip};

fn tar() -> Vec<u8> {
    TarBuilder::new()
        .dir("etc")
        .file_owned("etc/passwd", b"root:x:0:0::/root:/bin/sh\n", 0, 0)
        .file("usr/bin/tool", 3000)
        .symlink("usr/bin/alias", "tool")
        .file_owned(
            "root/.ssh/id_rsa",
            b"-----BEGIN OPENSSH PRIVATE KEY-----\nabc\n-----END OPENSSH PRIVATE KEY-----\n",
            0,
            0,
        )
        .whiteout("var/cache/old")
        .finish()
}

fn options(cache: Option<Arc<DiskCache>>) -> IndexOptions {
    IndexOptions {
        capture: crate::analysis::CAPTURE,
        content_digests: true,
        disk_cache: cache,
        ..IndexOptions::default()
    }
}

fn profile() -> Profile {
    Profile {
        capture: crate::analysis::CAPTURE.id.into(),
        fingerprints: true,
    }
}

/// Reads a gzip layer through `index_layers`; `blob` is `None` to make opening it an error.
fn load(blob: Option<Vec<u8>>, digest: &Digest, options: &IndexOptions) -> IndexedLayer {
    let job = LayerJob {
        position: 0,
        name: "layer0".into(),
        size_hint: 100,
        expected: Expected {
            digest: Some(digest.clone()),
            diff_id: Some(Digest::sha256_of(&tar())),
        },
        origin: None,
        open: Box::new(move || match blob {
            Some(b) => Ok(Box::new(Cursor::new(b)) as Box<dyn Read + Send>),
            None => Err(io::Error::other("the blob must not be read on a hit")),
        }),
    };
    let progress = Progress::default();
    progress.start_layers(vec![100]);
    let mut layers = index_layers(vec![job], options, &progress).unwrap();
    layers.remove(0)
}

fn same(a: &IndexedLayer, b: &IndexedLayer) {
    let (x, y) = (&a.index, &b.index);
    assert_eq!(x.names(), y.names());
    assert_eq!(x.entries().len(), y.entries().len());
    for (e, f) in x.entries().iter().zip(y.entries()) {
        assert_eq!(format!("{e:?}"), format!("{f:?}"));
    }
    assert_eq!(x.fingerprints(), y.fingerprints());
    assert_eq!(format!("{:?}", x.captures()), format!("{:?}", y.captures()));
    assert_eq!(format!("{:?}", a.blob), format!("{:?}", b.blob));
}

fn fixture() -> (tempfile::TempDir, Arc<DiskCache>, Vec<u8>, Digest) {
    let dir = tempfile::tempdir().unwrap();
    let cache = Arc::new(DiskCache::new(dir.path().join("cache"), DEFAULT_MAX_BYTES));
    let blob = gzip(&tar());
    let digest = Digest::sha256_of(&blob);
    (dir, cache, blob, digest)
}

#[test]
fn a_second_load_is_served_from_disk_without_reading_the_blob() {
    let (_dir, cache, blob, digest) = fixture();
    let first = load(Some(blob), &digest, &options(Some(Arc::clone(&cache))));
    assert_eq!(cache.writes(), 1);
    assert!(!first.index.captures().is_empty(), "the key is captured");
    let second = load(None, &digest, &options(Some(Arc::clone(&cache))));
    assert_eq!(cache.hits(), 1);
    same(&first, &second);
}

#[test]
fn the_encoding_round_trips_and_stays_compact() {
    let (_dir, _cache, blob, digest) = fixture();
    let layer = load(Some(blob), &digest, &options(None));
    let mut bytes = Vec::new();
    format::encode(&layer, &profile(), &mut bytes).unwrap();
    let decoded = format::decode(bytes.as_slice(), bytes.len() as u64).unwrap();
    assert_eq!(decoded.profile, profile());
    same(&layer, &decoded.layer);
    // Per entry: 37 bytes of fields and 8 of fingerprint besides its path.
    let fixed = bytes.len() - layer.index.names().len();
    let captured: usize = layer
        .index
        .captures()
        .iter()
        .map(|c| c.content.len() + 8)
        .sum();
    assert!(
        fixed - captured < 250 + 45 * layer.index.entries().len(),
        "{fixed}"
    );
}

#[test]
fn every_flipped_byte_and_every_truncation_is_refused() {
    let (_dir, _cache, blob, digest) = fixture();
    let layer = load(Some(blob), &digest, &options(None));
    let mut bytes = Vec::new();
    format::encode(&layer, &profile(), &mut bytes).unwrap();
    for i in 0..bytes.len() {
        let mut bad = bytes.clone();
        bad[i] ^= 0x20;
        assert!(
            format::decode(bad.as_slice(), bad.len() as u64).is_err(),
            "byte {i}"
        );
        let cut = &bytes[..i];
        assert!(format::decode(cut, cut.len() as u64).is_err(), "cut at {i}");
    }
}

#[test]
fn another_format_version_is_refused_by_name() {
    let (_dir, _cache, blob, digest) = fixture();
    let layer = load(Some(blob), &digest, &options(None));
    let mut bytes = Vec::new();
    format::encode(&layer, &profile(), &mut bytes).unwrap();
    bytes[8..12].copy_from_slice(&(format::FORMAT + 1).to_le_bytes());
    let err = format::decode(bytes.as_slice(), bytes.len() as u64).unwrap_err();
    assert!(err.to_string().contains("another index format"), "{err}");
}

#[test]
fn a_corrupt_entry_on_disk_is_discarded_and_the_layer_read_again() {
    let (_dir, cache, blob, digest) = fixture();
    let first = load(
        Some(blob.clone()),
        &digest,
        &options(Some(Arc::clone(&cache))),
    );
    let path = cache.path_for(&digest, &profile());
    let mut bytes = fs::read(&path).unwrap();
    let middle = bytes.len() / 2;
    bytes[middle] ^= 1;
    fs::write(&path, &bytes).unwrap();
    let expected = Expected {
        digest: Some(digest.clone()),
        diff_id: None,
    };
    match cache.load(&digest, &expected, &profile()) {
        Lookup::Discarded { why, .. } => assert!(why.contains("checksum"), "{why}"),
        other => panic!("{other:?}"),
    }
    assert!(!path.exists(), "the corrupt entry is deleted");
    // The next load reads the blob and writes a good entry again.
    let again = load(Some(blob), &digest, &options(Some(Arc::clone(&cache))));
    same(&first, &again);
    assert_eq!(cache.writes(), 2);
    fs::write(&path, &bytes[..bytes.len() - 3]).unwrap();
    let third = load(
        Some(gzip(&tar())),
        &digest,
        &options(Some(Arc::clone(&cache))),
    );
    same(&first, &third);
}

#[test]
fn an_entry_is_kept_apart_by_capture_rule_and_fingerprints() {
    let (_dir, cache, blob, digest) = fixture();
    load(
        Some(blob.clone()),
        &digest,
        &options(Some(Arc::clone(&cache))),
    );
    let plain = IndexOptions {
        disk_cache: Some(Arc::clone(&cache)),
        ..IndexOptions::default()
    };
    // Another profile is a miss: the blob is read.
    let other = load(Some(blob), &digest, &plain);
    assert!(other.index.captures().is_empty());
    assert_eq!(cache.hits(), 0);
    assert_eq!(cache.writes(), 2);
}

#[test]
fn a_hit_whose_diff_id_disagrees_with_the_config_is_not_used() {
    let (_dir, cache, blob, digest) = fixture();
    load(Some(blob), &digest, &options(Some(Arc::clone(&cache))));
    let expected = Expected {
        digest: Some(digest.clone()),
        diff_id: Some(Digest::sha256_of(b"another")),
    };
    assert!(matches!(
        cache.load(&digest, &expected, &profile()),
        Lookup::Miss
    ));
}

#[test]
fn an_entry_renamed_to_another_digest_is_discarded() {
    let (_dir, cache, blob, digest) = fixture();
    load(Some(blob), &digest, &options(Some(Arc::clone(&cache))));
    let other = Digest::sha256_of(b"other");
    fs::rename(
        cache.path_for(&digest, &profile()),
        cache.path_for(&other, &profile()),
    )
    .unwrap();
    let expected = Expected::default();
    assert!(matches!(
        cache.load(&other, &expected, &profile()),
        Lookup::Discarded { .. }
    ));
}

#[test]
fn a_cached_layer_still_counts_against_the_limits() {
    let (_dir, cache, blob, digest) = fixture();
    load(Some(blob), &digest, &options(Some(Arc::clone(&cache))));
    let mut strict = options(Some(Arc::clone(&cache)));
    strict.limits.max_entries = 2;
    let job = LayerJob {
        position: 0,
        name: "layer0".into(),
        size_hint: 1,
        expected: Expected {
            digest: Some(digest.clone()),
            diff_id: None,
        },
        origin: None,
        open: Box::new(|| Err(io::Error::other("not read"))),
    };
    let err = index_layers(vec![job], &strict, &Progress::default()).unwrap_err();
    assert!(err.to_string().contains("--max-entries"), "{err}");
}

#[test]
fn eviction_keeps_the_most_recently_used_entries_within_the_bound() {
    let dir = tempfile::tempdir().unwrap();
    let cache = DiskCache::new(dir.path().to_path_buf(), 0);
    let layer = load(
        Some(gzip(&tar())),
        &Digest::sha256_of(&gzip(&tar())),
        &options(None),
    );
    let mut bytes = Vec::new();
    format::encode(&layer, &profile(), &mut bytes).unwrap();
    let size = bytes.len() as u64;
    let bounded = DiskCache::new(dir.path().to_path_buf(), 2 * size);
    let keys: Vec<Digest> = (0..3u8).map(|i| Digest::sha256_of(&[i])).collect();
    let old = SystemTime::now() - Duration::from_secs(100);
    for (i, key) in keys.iter().enumerate() {
        let path = bounded.path_for(key, &profile());
        fs::write(&path, &bytes).unwrap();
        let file = File::options().write(true).open(&path).unwrap();
        file.set_modified(old + Duration::from_secs(i as u64 * 10))
            .unwrap();
    }
    let remaining = bounded.evict().unwrap();
    assert_eq!(remaining, 2 * size);
    assert!(!bounded.path_for(&keys[0], &profile()).exists());
    assert!(bounded.path_for(&keys[2], &profile()).exists());
    assert_eq!(cache.evict().unwrap(), 0);
}

#[test]
fn a_cache_file_that_is_not_a_regular_file_is_discarded_unread() {
    let (_dir, cache, _blob, digest) = fixture();
    fs::create_dir_all(cache.dir()).unwrap();
    let path = cache.path_for(&digest, &profile());
    // A FIFO would block a reader forever; a symlink could lead anywhere.
    std::os::unix::fs::symlink("/dev/zero", &path).unwrap();
    let expected = Expected::default();
    match cache.load(&digest, &expected, &profile()) {
        Lookup::Discarded { why, .. } => assert!(why.contains("not a regular file"), "{why}"),
        other => panic!("{other:?}"),
    }
    assert!(fs::symlink_metadata(&path).is_err(), "removed");
    rustix::fs::mknodat(
        rustix::fs::CWD,
        &path,
        rustix::fs::FileType::Fifo,
        rustix::fs::Mode::from_raw_mode(0o600),
        0,
    )
    .unwrap();
    assert!(matches!(
        cache.load(&digest, &expected, &profile()),
        Lookup::Discarded { .. }
    ));
}
