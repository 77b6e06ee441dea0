//! Seek maps on small in-memory gzip blobs: checkpoints forced by a small interval, resuming at
//! each of them, reads that cross a checkpoint, a corrupted span, and hostile map files.

use std::io::{BufReader, Cursor, Read};

use super::*;
use crate::testutil::gzip_default as gzip;

/// Lines that compress well but not trivially (so deflate makes many blocks).
fn text(lines: usize) -> Vec<u8> {
    let mut x: u64 = 0x2545_f491_4f6c_dd1d;
    let words = [
        "alpha", "beta", "gamma", "delta", "layer", "tar", "gzip", "seek",
    ];
    let mut out = Vec::new();
    for i in 0..lines {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let w = words[(x % 8) as usize];
        out.extend_from_slice(format!("{i:08} {w} {:016x}\n", x & 0xffff_ffff).as_bytes());
    }
    out
}

/// Reads `blob` with a recorder of `interval`, returning its output and map.
fn record(blob: &[u8], interval: u64) -> (Vec<u8>, SeekMap) {
    let mut spans = SpanHasher::default();
    spans.update(blob);
    let (spans, compressed_len, _) = spans.finish();
    let mut recorder = Recorder::with_interval(BufReader::new(blob), interval);
    let mut out = Vec::new();
    recorder.read_to_end(&mut out).unwrap();
    let recording = recorder.recording();
    assert!(recording.usable);
    let map = SeekMap {
        compression: Compression::Gzip,
        compressed_len,
        uncompressed_len: out.len() as u64,
        spans,
        checkpoints: recording.checkpoints,
        members: Vec::new(),
    };
    (out, map)
}

fn opener(blob: &[u8]) -> impl FnOnce(u64) -> io::Result<Box<dyn Read + Send>> {
    let blob = blob.to_vec();
    move |offset| Ok(Box::new(Cursor::new(blob[offset as usize..].to_vec())) as Box<dyn Read + Send>)
}

/// `len` bytes from `start` through the map.
fn read_at(map: &SeekMap, blob: &[u8], start: u64, len: usize) -> io::Result<Vec<u8>> {
    let (from, mut reader) = map.open_at(start, opener(blob))?;
    skip(&mut reader, start - from)?;
    let mut out = vec![0u8; len];
    reader.read_exact(&mut out)?;
    Ok(out)
}

#[test]
fn recorder_inflates_like_gunzip_and_checkpoints_each_interval() {
    let data = text(60_000);
    let blob = gzip(&data);
    let (out, map) = record(&blob, 256 * 1024);
    assert_eq!(out, data);
    let expected = data.len() as u64 / (256 * 1024);
    assert!(
        map.checkpoints.len() as u64 >= expected - 1,
        "{} checkpoints for {} bytes",
        map.checkpoints.len(),
        data.len()
    );
    for pair in map.checkpoints.windows(2) {
        assert!(pair[1].out - pair[0].out >= 256 * 1024);
    }
}

#[test]
fn every_checkpoint_resumes_to_the_same_bytes() {
    let data = text(40_000);
    let blob = gzip(&data);
    let (_, map) = record(&blob, 128 * 1024);
    assert!(map.checkpoints.len() >= 4);
    for c in &map.checkpoints {
        let got = read_at(&map, &blob, c.out, 20_000).unwrap();
        assert_eq!(got, &data[c.out as usize..c.out as usize + 20_000]);
    }
}

#[test]
fn a_read_crossing_checkpoints_and_one_before_the_first_match_the_data() {
    let data = text(40_000);
    let blob = gzip(&data);
    let (_, map) = record(&blob, 128 * 1024);
    let second = map.checkpoints[1].out as usize;
    // From just before the second checkpoint to well past the third.
    let start = second - 1000;
    let got = read_at(&map, &blob, start as u64, 300_000).unwrap();
    assert_eq!(got, &data[start..start + 300_000]);
    // Before the first checkpoint: inflated from the blob's start.
    let got = read_at(&map, &blob, 10, 1000).unwrap();
    assert_eq!(got, &data[10..1010]);
}

#[test]
fn a_corrupted_span_is_an_error_before_any_byte_comes_out() {
    let data = text(40_000);
    let mut blob = gzip(&data);
    let (_, map) = record(&blob, 128 * 1024);
    let last = map.checkpoints.last().unwrap().clone();
    let byte = (last.bit / 8) as usize + 10;
    blob[byte] ^= 0x40;
    let err = read_at(&map, &blob, last.out, 10).unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::InvalidData);
    assert!(err.to_string().contains("SHA-256"), "{err}");
    // A blob cut short is an error too.
    let short = &blob[..blob.len() - 5];
    let opened = map.open_at(last.out, opener(short));
    let failed = opened.and_then(|(_, mut reader)| reader.read_to_end(&mut Vec::new()));
    assert!(failed.is_err());
}

#[test]
fn a_plain_blob_is_read_from_the_offset() {
    let data = text(10_000);
    let mut spans = SpanHasher::default();
    spans.update(&data);
    let (spans, len, _) = spans.finish();
    let map = SeekMap {
        compression: Compression::None,
        compressed_len: len,
        uncompressed_len: len,
        spans,
        checkpoints: Vec::new(),
        members: Vec::new(),
    };
    let got = read_at(&map, &data, 123_456, 1000).unwrap();
    assert_eq!(got, &data[123_456..124_456]);
}

#[test]
fn a_map_file_round_trips_and_any_damage_is_an_error_never_a_panic() {
    let data = text(20_000);
    let blob = gzip(&data);
    let (_, mut map) = record(&blob, 64 * 1024);
    map.members = vec![
        MemberAt {
            hash: 1,
            occurrence: 0,
            start: 0,
        },
        MemberAt {
            hash: 1,
            occurrence: 1,
            start: 512,
        },
    ];
    let mut file = Vec::new();
    format::encode(&map, &mut file).unwrap();
    assert_eq!(format::decode(&file).unwrap(), map);
    for cut in [0, 7, 8, 12, 40, file.len() / 2, file.len() - 1] {
        assert!(format::decode(&file[..cut]).is_err(), "cut at {cut}");
    }
    for at in [20, 60, file.len() / 3, file.len() - 20] {
        let mut bad = file.clone();
        bad[at] ^= 1;
        assert_eq!(
            format::decode(&bad).unwrap_err(),
            format::DecodeError::Checksum
        );
    }
}

#[test]
fn members_are_found_by_path_and_occurrence() {
    let mut members = vec![
        MemberAt {
            hash: path_hash(b"etc/a"),
            occurrence: 1,
            start: 2048,
        },
        MemberAt {
            hash: path_hash(b"etc/a"),
            occurrence: 0,
            start: 0,
        },
    ];
    members.sort();
    let map = SeekMap {
        compression: Compression::None,
        compressed_len: 4096,
        uncompressed_len: 4096,
        spans: vec![[0; 32]],
        checkpoints: Vec::new(),
        members,
    };
    assert_eq!(map.member(b"etc/a", 0), Some(0));
    assert_eq!(map.member(b"etc/a", 1), Some(2048));
    assert_eq!(map.member(b"etc/a", 2), None);
    assert_eq!(map.member(b"etc/b", 0), None);
}
