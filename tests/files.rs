//! `plummet cat`, `extract`, `diff --file` and `ci --files-csv` on archives written by imagegen
//! in every form and compression (plain, gzip, zstd layers), and a one-line error for each kind
//! of bad input.
#![expect(clippy::unwrap_used, reason = "tests fail on bad input")]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use imagegen::{Compression, Form, ImageSpec, LayerSpec, Op};

fn plummet(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_plummet"))
        .args(args)
        .env("NO_COLOR", "1")
        .env_remove("PLUMMET_LOG")
        .env_remove("CI")
        .output()
        .unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Asserts exit 2 and a single-line error containing every `needle`.
fn assert_error(o: &Output, needles: &[&str]) {
    let err = stderr(o);
    assert_eq!(o.status.code(), Some(2), "stderr: {err}");
    assert_eq!(err.trim_end().lines().count(), 1, "not one line: {err}");
    for n in needles {
        assert!(err.contains(n), "{err:?} lacks {n:?}");
    }
    assert!(o.stdout.is_empty(), "stdout written on error");
}

/// 300 KiB of bytes no compressor shrinks much: more than one read buffer.
fn big() -> Vec<u8> {
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    (0..300 * 1024)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        })
        .collect()
}

fn spec(compression: Compression) -> ImageSpec {
    ImageSpec::new(
        "files",
        vec![
            LayerSpec::new(vec![
                Op::bytes("/etc/app.conf", b"port=80\nhost=a\n"),
                Op::bytes("/opt/big.bin", big()),
                Op::bytes("/opt/run", b"#!/bin/sh\n").mode(0o4755),
                Op::symlink("/opt/link", "big.bin"),
                Op::symlink("/opt/escape", "../../../../etc/passwd"),
                Op::bytes("/old", b"old\n"),
            ]),
            LayerSpec::new(vec![
                Op::bytes("/etc/app.conf", b"port=8080\nhost=a\n"),
                Op::whiteout("/old"),
            ]),
        ],
    )
    .compressed(compression)
}

fn write(dir: &Path, spec: &ImageSpec, form: Form) -> PathBuf {
    let path = dir.join(format!("{}-{}.tar", spec.name, form.suffix()));
    imagegen::write_tar_file(spec, form, &path).unwrap();
    path
}

#[test]
fn cat_reads_each_version_from_every_form_and_compression() {
    let tmp = tempfile::tempdir().unwrap();
    for compression in [Compression::Plain, Compression::Gzip, Compression::Zstd] {
        for form in [Form::Oci, Form::DockerLegacy] {
            if form == Form::DockerLegacy && compression != Compression::Plain {
                continue;
            }
            let image = write(tmp.path(), &spec(compression), form);
            let image = image.to_str().unwrap();
            let o = plummet(&["cat", "-q", image, "/etc/app.conf"]);
            assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
            assert_eq!(o.stdout, b"port=8080\nhost=a\n");
            let o = plummet(&["cat", "-q", image, "etc/app.conf", "--layer", "0"]);
            assert_eq!(o.stdout, b"port=80\nhost=a\n", "{}", stderr(&o));
            let o = plummet(&["cat", "-q", image, "/opt/link"]);
            assert!(
                o.stdout == big(),
                "{compression:?} {form:?}: {}",
                stderr(&o)
            );
            let o = plummet(&["cat", "-q", image, "/old", "--layer", "0"]);
            assert_eq!(o.stdout, b"old\n");
        }
    }
}

#[test]
fn cat_bad_input_is_one_line_naming_what_is_wrong() {
    let tmp = tempfile::tempdir().unwrap();
    let image = write(tmp.path(), &spec(Compression::Gzip), Form::Oci);
    let image = image.to_str().unwrap();
    let o = plummet(&["cat", "-q", image, "/old"]);
    assert_error(
        &o,
        &[
            "/old: no such file or directory as of layer 1",
            "nearest existing parent is /",
        ],
    );
    let o = plummet(&["cat", "-q", image, "/etc/nope/x"]);
    assert_error(&o, &["/etc/nope/x", "nearest existing parent is /etc"]);
    let o = plummet(&["cat", "-q", image, "/etc"]);
    assert_error(&o, &["/etc is a directory", "plummet extract"]);
    let o = plummet(&["cat", "-q", image, "/etc/app.conf", "--layer", "2"]);
    assert_error(&o, &["--layer 2: the image has 2 layers (0 to 1)"]);
    let o = plummet(&["cat", "-q", image, "/opt/escape"]);
    assert_error(
        &o,
        &["/opt/escape is a symlink to /etc/passwd, which does not exist"],
    );
    let o = plummet(&["cat", "-q", &format!("{image}.missing"), "/etc"]);
    assert_error(&o, &["no such file or directory"]);
}

#[test]
fn extract_writes_files_symlinks_and_modes_beneath_dir_only() {
    let tmp = tempfile::tempdir().unwrap();
    let image = write(tmp.path(), &spec(Compression::Zstd), Form::Oci);
    let image = image.to_str().unwrap();
    let out = tmp.path().join("out");
    let o = plummet(&[
        "extract",
        image,
        "/opt",
        "/etc/app.conf",
        "-o",
        out.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stderr(&o).contains("extracted 3 files"), "{}", stderr(&o));
    assert_eq!(
        std::fs::read(out.join("etc/app.conf")).unwrap(),
        b"port=8080\nhost=a\n"
    );
    assert!(std::fs::read(out.join("opt/big.bin")).unwrap() == big());
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(out.join("opt/run"))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o7777, 0o755, "no setuid bit");
    // Symlinks are written as they are, never followed.
    assert_eq!(
        std::fs::read_link(out.join("opt/escape")).unwrap(),
        Path::new("../../../../etc/passwd")
    );
    // Asked again, nothing is overwritten.
    let o = plummet(&[
        "extract",
        "-q",
        image,
        "/etc/app.conf",
        "-o",
        out.to_str().unwrap(),
    ]);
    assert_error(&o, &["refusing to write /etc/app.conf", "already there"]);
    // A symlink in DIR where the image has a directory is never written through.
    let out2 = tmp.path().join("out2");
    let outside = tmp.path().join("outside");
    std::fs::create_dir_all(&out2).unwrap();
    std::fs::create_dir_all(&outside).unwrap();
    std::os::unix::fs::symlink(&outside, out2.join("etc")).unwrap();
    let o = plummet(&["extract", "-q", image, "/etc", "-o", out2.to_str().unwrap()]);
    assert_error(&o, &["refusing to write /etc", "symlink"]);
    assert_eq!(std::fs::read_dir(&outside).unwrap().count(), 0);
}

#[test]
fn diff_file_prints_a_unified_diff_between_two_images() {
    let tmp = tempfile::tempdir().unwrap();
    let a = write(tmp.path(), &spec(Compression::Gzip), Form::Oci);
    let b_spec = ImageSpec::new(
        "other",
        vec![LayerSpec::new(vec![
            Op::bytes("/etc/app.conf", b"port=9090\nhost=a\n"),
            Op::bytes("/opt/big.bin", b"small now"),
        ])],
    );
    let b = write(tmp.path(), &b_spec, Form::Oci);
    let (a, b) = (a.to_str().unwrap(), b.to_str().unwrap());
    let o = plummet(&["diff", "-q", a, b, "--file", "/etc/app.conf"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(
        String::from_utf8(o.stdout).unwrap(),
        "--- a/etc/app.conf\n+++ b/etc/app.conf\n@@ -1,2 +1,2 @@\n-port=8080\n+port=9090\n host=a\n"
    );
    let o = plummet(&["diff", "-q", a, b, "--file", "/opt/big.bin"]);
    let out = String::from_utf8(o.stdout).unwrap();
    assert!(
        out.starts_with("binary files differ\n--- a/opt/big.bin: 307200 bytes, xxh3 "),
        "{out}"
    );
    assert!(out.contains("+++ b/opt/big.bin: 9 bytes, xxh3 "), "{out}");
    let o = plummet(&["diff", "-q", a, b, "--file", "/opt/run"]);
    let out = String::from_utf8(o.stdout).unwrap();
    assert!(out.contains("+++ b/opt/run (absent ("), "{out}");
    assert!(out.contains("\n-#!/bin/sh\n"), "{out}");
    let o = plummet(&["diff", "-q", a, a, "--file", "/etc/app.conf"]);
    assert_eq!(
        String::from_utf8(o.stdout).unwrap(),
        "/etc/app.conf: the same in both images\n"
    );
}

#[test]
fn ci_files_csv_lists_every_layers_entries() {
    let tmp = tempfile::tempdir().unwrap();
    let image = write(tmp.path(), &spec(Compression::Gzip), Form::Oci);
    let csv = tmp.path().join("files.csv");
    let json = tmp.path().join("report.json");
    let o = plummet(&[
        "ci",
        "-q",
        image.to_str().unwrap(),
        "--files-csv",
        csv.to_str().unwrap(),
        "--json",
        json.to_str().unwrap(),
        "--json-files",
    ]);
    assert!(o.status.code().is_some_and(|c| c < 2), "{}", stderr(&o));
    let text = std::fs::read_to_string(&csv).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines[0],
        "path,layer,status,type,size,mode,uid,gid,link_target"
    );
    assert!(
        lines.contains(&"/opt/run,0,added,file,10,4755,0,0,"),
        "{text}"
    );
    assert!(
        lines.contains(&"/opt/link,0,added,symlink,0,0777,0,0,big.bin"),
        "{text}"
    );
    assert!(
        lines.contains(&"/etc/app.conf,1,modified,file,17,0644,0,0,"),
        "{text}"
    );
    assert!(
        lines.contains(&"/old,1,removed,whiteout,0,0644,0,0,"),
        "{text}"
    );
    let report: serde_json::Value = serde_json::from_slice(&std::fs::read(&json).unwrap()).unwrap();
    let files = report["files"].as_array().unwrap();
    assert_eq!(files.len(), lines.len() - 1);
    let link = files.iter().find(|f| f["path"] == "/opt/link").unwrap();
    assert_eq!(link["link_target"], "big.bin");
    assert_eq!(link["type"], "symlink");
    let o = plummet(&["ci", "-q", image.to_str().unwrap(), "--files-csv", "-"]);
    assert_error(&o, &["--files-csv", "give a file name"]);
}
