//! Tar-split reassembly: tars built in memory are split the way Docker's layer store keeps them
//! (headers as segments, contents as files under a diff directory) and must come back byte for
//! byte; names and files that would lead out of the layer are refused.

use std::io::{Read, Write};
use std::path::Path;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

use super::Reassembled;

/// A tar with directories, files, a symlink, an empty file and a GNU long name.
fn sample_tar() -> Vec<u8> {
    let mut b = tar::Builder::new(Vec::new());
    let mut add = |path: &str, kind: tar::EntryType, data: &[u8], link: Option<&str>| {
        let mut h = tar::Header::new_gnu();
        h.set_entry_type(kind);
        h.set_size(data.len() as u64);
        h.set_mode(if kind == tar::EntryType::Directory {
            0o755
        } else {
            0o644
        });
        if let Some(link) = link {
            h.set_link_name(link).unwrap();
        }
        b.append_data(&mut h, path, data).unwrap();
    };
    add("etc/", tar::EntryType::Directory, b"", None);
    add("etc/motd", tar::EntryType::Regular, b"hello\n", None);
    add("etc/empty", tar::EntryType::Regular, b"", None);
    add("etc/link", tar::EntryType::Symlink, b"", Some("motd"));
    let long = format!("deep/{}/file.bin", "d".repeat(150));
    add("deep/", tar::EntryType::Directory, b"", None);
    add(
        &format!("deep/{}/", "d".repeat(150)),
        tar::EntryType::Directory,
        b"",
        None,
    );
    add(&long, tar::EntryType::Regular, &vec![7u8; 1500], None);
    b.into_inner().unwrap()
}

fn octal(field: &[u8]) -> u64 {
    let text = String::from_utf8_lossy(field);
    u64::from_str_radix(text.trim_matches(|c: char| c == '\0' || c == ' '), 8).unwrap_or(0)
}

/// Splits `tar` like tar-split does: returns the JSON lines and writes file contents below `diff`.
fn split(tar: &[u8], diff: &Path) -> String {
    let mut lines = Vec::new();
    let mut segment = Vec::new();
    let mut pos = 0;
    let mut long_name: Option<String> = None;
    let flush = |segment: &mut Vec<u8>, lines: &mut Vec<String>| {
        if !segment.is_empty() {
            lines.push(format!(
                r#"{{"type":2,"payload":"{}","position":{}}}"#,
                STANDARD.encode(&*segment),
                lines.len()
            ));
            segment.clear();
        }
    };
    while pos + 512 <= tar.len() {
        let header = &tar[pos..pos + 512];
        if header.iter().all(|&b| b == 0) {
            segment.extend_from_slice(&tar[pos..]);
            break;
        }
        let size = octal(&header[124..136]);
        let padded = size.div_ceil(512) * 512;
        let kind = header[156];
        let data = &tar[pos + 512..pos + 512 + size as usize];
        segment.extend_from_slice(header);
        if kind == b'L' {
            long_name = Some(
                String::from_utf8_lossy(data)
                    .trim_end_matches('\0')
                    .to_string(),
            );
            segment.extend_from_slice(&tar[pos + 512..pos + 512 + padded as usize]);
        } else {
            let name = long_name.take().unwrap_or_else(|| {
                String::from_utf8_lossy(&header[..100])
                    .trim_end_matches('\0')
                    .to_string()
            });
            flush(&mut segment, &mut lines);
            if size > 0 {
                let path = diff.join(&name);
                std::fs::create_dir_all(path.parent().unwrap()).unwrap();
                std::fs::write(&path, data).unwrap();
            }
            lines.push(format!(
                r#"{{"type":1,"name":"{name}","size":{size},"payload":null,"position":{}}}"#,
                lines.len()
            ));
            segment.extend_from_slice(&tar[pos + 512 + size as usize..pos + 512 + padded as usize]);
        }
        pos += 512 + padded as usize;
    }
    flush(&mut segment, &mut lines);
    lines.join("\n") + "\n"
}

fn gzip_to(path: &Path, text: &str) {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(text.as_bytes()).unwrap();
    std::fs::write(path, gz.finish().unwrap()).unwrap();
}

fn reassemble(dir: &Path, lines: &str) -> std::io::Result<Vec<u8>> {
    let split_path = dir.join("tar-split.json.gz");
    gzip_to(&split_path, lines);
    let mut out = Vec::new();
    Reassembled::open(&split_path, &dir.join("diff"))?.read_to_end(&mut out)?;
    Ok(out)
}

#[test]
fn a_split_tar_comes_back_byte_for_byte() {
    let dir = tempfile::tempdir().unwrap();
    let tar = sample_tar();
    let lines = split(&tar, &dir.path().join("diff"));
    assert!(
        lines.contains(r#""type":1,"name":"etc/motd","size":6"#),
        "{lines}"
    );
    assert_eq!(reassemble(dir.path(), &lines).unwrap(), tar);
}

#[test]
fn small_reads_give_the_same_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let tar = sample_tar();
    let lines = split(&tar, &dir.path().join("diff"));
    let split_path = dir.path().join("tar-split.json.gz");
    gzip_to(&split_path, &lines);
    let mut r = Reassembled::open(&split_path, &dir.path().join("diff")).unwrap();
    let mut out = Vec::new();
    let mut buf = [0u8; 7];
    loop {
        let n = r.read(&mut buf).unwrap();
        if n == 0 {
            break;
        }
        out.extend_from_slice(&buf[..n]);
    }
    assert_eq!(out, tar);
}

#[test]
fn a_non_utf8_name_is_read_from_name_raw() {
    let dir = tempfile::tempdir().unwrap();
    let diff = dir.path().join("diff");
    std::fs::create_dir_all(&diff).unwrap();
    let name = b"caf\xe9";
    std::fs::write(
        diff.join(<std::ffi::OsStr as std::os::unix::ffi::OsStrExt>::from_bytes(name)),
        b"abc",
    )
    .unwrap();
    let lines = format!(
        "{{\"type\":1,\"name\":\"caf\u{fffd}\",\"name_raw\":\"{}\",\"size\":3,\"payload\":null,\"position\":0}}\n",
        STANDARD.encode(name)
    );
    assert_eq!(reassemble(dir.path(), &lines).unwrap(), b"abc");
}

fn error_of(dir: &Path, lines: &str) -> String {
    reassemble(dir, lines).unwrap_err().to_string()
}

#[test]
fn a_name_with_dot_dot_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("diff")).unwrap();
    std::fs::write(dir.path().join("secret"), b"top").unwrap();
    let err = error_of(
        dir.path(),
        r#"{"type":1,"name":"../secret","size":3,"position":0}"#,
    );
    assert!(err.contains("leaves the layer"), "{err}");
    assert!(err.contains("tar-split.json.gz line 1"), "{err}");
}

#[test]
fn a_symlinked_directory_on_the_way_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let diff = dir.path().join("diff");
    std::fs::create_dir_all(&diff).unwrap();
    std::fs::create_dir_all(dir.path().join("outside")).unwrap();
    std::fs::write(dir.path().join("outside/f"), b"top").unwrap();
    std::os::unix::fs::symlink(dir.path().join("outside"), diff.join("etc")).unwrap();
    let err = error_of(
        dir.path(),
        r#"{"type":1,"name":"etc/f","size":3,"position":0}"#,
    );
    assert!(err.contains("diff/etc/f goes through a symlink"), "{err}");
}

#[test]
fn a_symlink_where_the_file_was_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let diff = dir.path().join("diff");
    std::fs::create_dir_all(&diff).unwrap();
    std::fs::write(dir.path().join("outside"), b"top").unwrap();
    std::os::unix::fs::symlink(dir.path().join("outside"), diff.join("f")).unwrap();
    let err = error_of(dir.path(), r#"{"type":1,"name":"f","size":3,"position":0}"#);
    assert!(err.contains("diff/f goes through a symlink"), "{err}");
}

#[test]
fn a_file_of_another_size_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let diff = dir.path().join("diff");
    std::fs::create_dir_all(&diff).unwrap();
    std::fs::write(diff.join("f"), b"four").unwrap();
    let err = error_of(dir.path(), r#"{"type":1,"name":"f","size":3,"position":0}"#);
    assert!(err.contains("not the regular file of 3 bytes"), "{err}");
}

#[test]
fn a_fifo_where_the_file_was_is_refused_without_blocking() {
    let dir = tempfile::tempdir().unwrap();
    let diff = dir.path().join("diff");
    std::fs::create_dir_all(&diff).unwrap();
    let status = std::process::Command::new("mkfifo")
        .arg(diff.join("f"))
        .status()
        .unwrap();
    assert!(status.success());
    let err = error_of(dir.path(), r#"{"type":1,"name":"f","size":3,"position":0}"#);
    assert!(err.contains("not the regular file"), "{err}");
}

#[test]
fn malformed_lines_name_the_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("diff")).unwrap();
    for (lines, want) in [
        (
            "{\"type\":2,\"payload\":\"AA==\"}\nnot json\n",
            "line 2: malformed entry",
        ),
        (r#"{"type":9,"position":0}"#, "unknown entry type 9"),
        (r#"{"type":2,"payload":"!!!"}"#, "bad segment payload"),
        (r#"{"type":1,"size":-5}"#, "negative file size"),
        (r#"{"type":1,"size":5}"#, "without a name"),
        (r#"{"type":1,"name":"./","size":5}"#, "empty name"),
    ] {
        let err = error_of(dir.path(), lines);
        assert!(err.contains(want), "{lines}: {err}");
    }
}

#[test]
fn a_missing_content_file_is_an_error_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("diff")).unwrap();
    let err = error_of(
        dir.path(),
        r#"{"type":1,"name":"gone.txt","size":3,"position":0}"#,
    );
    assert!(err.contains("gone.txt"), "{err}");
}
