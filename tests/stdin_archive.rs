//! `plummet -`: an archive piped into standard input gives the same report as the file itself;
//! an empty or non-archive input is a one-line error naming standard input; a terminal on
//! standard input is refused at once (run under `script`, which gives the binary a real pty).
#![allow(
    clippy::unwrap_used,
    reason = "setup helpers stop the test at the first failed step"
)]

use std::io::Write as _;
use std::process::{Command, Stdio};

use serde_json::Value;

const ARCHIVE: &str = "testdata/example.tar";

fn piped(bytes: &[u8]) -> (i32, String, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_plummet"))
        .args(["ci", "--json", "-", "-"])
        .env_remove("RUST_LOG")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    // A reader that quits early closes the pipe: that is the test's answer, not a failure.
    let _ = stdin.write_all(bytes);
    drop(stdin);
    let out = child.wait_with_output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn a_piped_archive_reports_like_the_file() {
    let (code, stdout, stderr) = piped(&std::fs::read(ARCHIVE).unwrap());
    assert!(code == 0 || code == 1, "{stderr}");
    let from_stdin: Value = serde_json::from_str(&stdout).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_plummet"))
        .args(["ci", "--json", "-", ARCHIVE])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(code));
    let from_file: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(from_stdin["image"]["reference"], "-");
    assert_eq!(from_stdin["image"]["source"], "docker-archive");
    for key in ["size_bytes", "wasted_bytes", "efficiency", "layer_count"] {
        assert_eq!(from_stdin["image"][key], from_file["image"][key], "{key}");
    }
    assert_eq!(from_stdin["layers"], from_file["layers"]);
}

#[test]
fn empty_and_non_archive_input_are_one_line_errors() {
    for (bytes, says) in [
        (&b""[..], "nothing was piped in"),
        (&b"hunter2 is not a tar\n"[..], "not a tar archive"),
    ] {
        let (code, stdout, stderr) = piped(bytes);
        assert_eq!(code, 2, "{stderr}");
        assert_eq!(stdout, "");
        let line = stderr.trim_end();
        assert_eq!(line.lines().count(), 1, "{line}");
        assert!(
            line.starts_with("plummet: error: - (standard input): ") && line.contains(says),
            "{line}"
        );
        assert!(
            !line.contains("/proc/self") && !line.contains("hunter2"),
            "{line}"
        );
    }
}

#[test]
fn a_terminal_on_stdin_is_refused() {
    let command = format!("{} ci -", env!("CARGO_BIN_EXE_plummet"));
    let out = Command::new("script")
        .args(["-q", "-e", "-c", &command, "/dev/null"])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(2), "{text}");
    assert!(
        text.contains("standard input is a terminal: pipe an archive in"),
        "{text}"
    );
}
