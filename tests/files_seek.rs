//! `plummet cat` through seek maps on OCI archives written by imagegen (gzip and plain layers):
//! indexing with a cache directory (`ci --cache-dir`, or the first cat's own index pass) records
//! each layer's map, every cat then reads through it (seeking in the archive), a layer that fails
//! its digest leaves no map, and a layer blob changed in place afterwards is a one-line error
//! naming the layer, with nothing on stdout.
#![expect(clippy::unwrap_used, reason = "tests fail on bad input")]

use std::io::{Seek, SeekFrom, Write};
use std::path::Path;
use std::process::{Command, Output};

use imagegen::{Compression, Form, ImageSpec, LayerSpec, Op};

const LAST: &[u8] = b"the last file\n";

fn cat(image: &Path, cache: &Path, path: &str) -> Output {
    Command::new(env!("CARGO_BIN_EXE_plummet"))
        .args(["cat", "-q", "--cache-dir"])
        .arg(cache)
        .arg(image)
        .arg(path)
        .env("NO_COLOR", "1")
        .env("PLUMMET_LOG", "plummet=debug")
        .env_remove("CI")
        .output()
        .unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// ~9 MB of lines gzip makes many deflate blocks of (several checkpoints).
fn text() -> Vec<u8> {
    let mut out = Vec::new();
    let mut x: u64 = 0x2545_f491_4f6c_dd1d;
    for i in 0..300_000u32 {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        writeln!(out, "{i:09} {:012x} row", x & 0xffff_ffff_ffff).unwrap();
    }
    out
}

fn image(dir: &Path, compression: Compression) -> std::path::PathBuf {
    let spec = ImageSpec::new(
        "seek",
        vec![
            LayerSpec::new(vec![Op::bytes("/etc/base", b"base\n")]),
            LayerSpec::new(vec![
                Op::bytes("/data/big.txt", text()),
                Op::bytes("/data/zz-last", LAST),
            ]),
        ],
    )
    .compressed(compression);
    let path = dir.join(format!("seek-{compression:?}.tar"));
    imagegen::write_tar_file(&spec, Form::Oci, &path).unwrap();
    path
}

/// Where the largest member of the archive (the big layer's blob) ends.
fn largest_member_end(archive: &Path) -> u64 {
    let mut tar = tar::Archive::new(std::fs::File::open(archive).unwrap());
    tar.entries()
        .unwrap()
        .map(Result::unwrap)
        .map(|e| (e.size(), e.raw_file_position() + e.size()))
        .max()
        .unwrap()
        .1
}

fn maps(cache: &Path) -> usize {
    std::fs::read_dir(cache).map_or(0, |d| {
        d.filter(|e| {
            e.as_ref()
                .unwrap()
                .file_name()
                .to_string_lossy()
                .starts_with("s2-")
        })
        .count()
    })
}

/// Flips one byte 50 bytes before the end of the largest layer blob in the archive (same size,
/// so only the digest checks can tell).
fn flip_byte_near_the_end_of_the_largest_layer(image: &Path) {
    let end = largest_member_end(image);
    let mut file = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open(image)
        .unwrap();
    file.seek(SeekFrom::Start(end - 50)).unwrap();
    let mut byte = [0u8; 1];
    std::io::Read::read_exact(&mut file, &mut byte).unwrap();
    file.seek(SeekFrom::Start(end - 50)).unwrap();
    file.write_all(&[byte[0] ^ 0x20]).unwrap();
}

#[test]
fn a_first_cat_reads_through_the_map_its_index_pass_recorded_from_gzip_and_plain_layers() {
    let tmp = tempfile::tempdir().unwrap();
    for compression in [Compression::Gzip, Compression::Plain] {
        let cache = tmp.path().join(format!("cache-{compression:?}"));
        let image = image(tmp.path(), compression);
        let o = cat(&image, &cache, "/data/zz-last");
        assert_eq!(o.stdout, LAST, "{}", stderr(&o));
        assert!(
            stderr(&o).contains("through the seek map"),
            "{}",
            stderr(&o)
        );
        assert_eq!(
            maps(&cache),
            2,
            "{compression:?}: one seek map per layer indexed"
        );
        let o = cat(&image, &cache, "/data/zz-last");
        assert_eq!(o.stdout, LAST, "{}", stderr(&o));
        assert!(
            stderr(&o).contains("through the seek map"),
            "{}",
            stderr(&o)
        );
        let o = cat(&image, &cache, "/data/big.txt");
        assert!(o.stdout == text(), "{compression:?}: {}", stderr(&o));
    }
}

fn ci(image: &Path, cache: Option<&Path>, home: &Path) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_plummet"));
    command.args(["ci", "-q"]);
    if let Some(cache) = cache {
        command.arg("--cache-dir").arg(cache);
    }
    command
        .arg(image)
        .env("HOME", home)
        .env("XDG_CACHE_HOME", home.join("xdg"))
        .env_remove("CI")
        .output()
        .unwrap()
}

/// Every file under `dir`, recursively.
fn files_under(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(d) = todo.pop() {
        for e in std::fs::read_dir(&d).into_iter().flatten() {
            let path = e.unwrap().path();
            if path.is_dir() {
                todo.push(path);
            } else {
                out.push(path);
            }
        }
    }
    out
}

#[test]
fn ci_with_a_cache_records_the_maps_the_first_cat_jumps_through_and_without_one_writes_none() {
    let tmp = tempfile::tempdir().unwrap();
    let image = image(tmp.path(), Compression::Gzip);
    let home = tmp.path().join("home");
    std::fs::create_dir(&home).unwrap();
    // ci keeps the cache opt-in: without --cache-dir nothing is written anywhere.
    let o = ci(&image, None, &home);
    assert!(o.status.code().is_some_and(|c| c < 2), "{}", stderr(&o));
    assert_eq!(files_under(&home), Vec::<std::path::PathBuf>::new());
    let cache = tmp.path().join("cache");
    let o = ci(&image, Some(&cache), &home);
    assert!(o.status.code().is_some_and(|c| c < 2), "{}", stderr(&o));
    assert_eq!(maps(&cache), 2, "one seek map per layer indexed");
    // The first cat jumps straight to the file through the map ci recorded.
    let o = cat(&image, &cache, "/data/zz-last");
    assert_eq!(o.stdout, LAST, "{}", stderr(&o));
    assert!(
        stderr(&o).contains("through the seek map"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn a_layer_that_fails_its_digest_while_indexed_leaves_no_map() {
    let tmp = tempfile::tempdir().unwrap();
    let image = image(tmp.path(), Compression::Gzip);
    // Flip a byte near the end of the big layer's blob before anything was read.
    flip_byte_near_the_end_of_the_largest_layer(&image);
    let cache = tmp.path().join("cache");
    let home = tmp.path().join("home");
    let o = ci(&image, Some(&cache), &home);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    // The broken layer left neither an index nor a map (the intact base layer may have).
    let hex = largest_member_hex(&image);
    let leftovers = |cache: &Path| {
        files_under(cache)
            .into_iter()
            .filter(|p| p.to_string_lossy().contains(&hex))
            .collect::<Vec<_>>()
    };
    assert_eq!(leftovers(&cache), Vec::<std::path::PathBuf>::new());
    let o = cat(&image, &cache, "/data/zz-last");
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(o.stdout.is_empty());
    assert_eq!(leftovers(&cache), Vec::<std::path::PathBuf>::new());
}

/// The digest (hex) of the largest blob of an OCI archive: the big layer's.
fn largest_member_hex(archive: &Path) -> String {
    let mut tar = tar::Archive::new(std::fs::File::open(archive).unwrap());
    let (_, name) = tar
        .entries()
        .unwrap()
        .map(Result::unwrap)
        .map(|e| (e.size(), e.path().unwrap().to_string_lossy().into_owned()))
        .max()
        .unwrap();
    let hex = name.rsplit('/').next().unwrap().to_string();
    assert_eq!(hex.len(), 64, "{name}");
    hex
}

#[test]
fn zstd_layers_get_no_seek_map_and_are_read_from_the_start() {
    let tmp = tempfile::tempdir().unwrap();
    let cache = tmp.path().join("cache");
    let image = image(tmp.path(), Compression::Zstd);
    for _ in 0..2 {
        let o = cat(&image, &cache, "/data/zz-last");
        assert_eq!(o.stdout, LAST, "{}", stderr(&o));
        assert!(!stderr(&o).contains("through the seek map"));
    }
    assert_eq!(maps(&cache), 0);
}

#[test]
fn a_layer_changed_after_its_map_was_recorded_is_an_error_and_no_output() {
    let tmp = tempfile::tempdir().unwrap();
    let cache = tmp.path().join("cache");
    let image = image(tmp.path(), Compression::Gzip);
    assert_eq!(cat(&image, &cache, "/data/zz-last").stdout, LAST);
    // Flip a byte near the end of the layer blob (the index and the map stay cached).
    flip_byte_near_the_end_of_the_largest_layer(&image);
    let o = Command::new(env!("CARGO_BIN_EXE_plummet"))
        .args(["cat", "-q", "--cache-dir"])
        .arg(&cache)
        .arg(&image)
        .arg("/data/zz-last")
        .env_remove("PLUMMET_LOG")
        .env_remove("CI")
        .output()
        .unwrap();
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert_eq!(err.trim_end().lines().count(), 1, "{err}");
    assert!(err.contains("failed to read layer 1 (sha256:"), "{err}");
    assert!(err.contains("do not match the SHA-256 recorded"), "{err}");
    assert!(o.stdout.is_empty());
}
