//! A closed stderr (`plummet … 2>&1 | head`, a CI step that stopped reading) is no reason to
//! panic: the warnings and the error line nobody can read are dropped, and the exit code is the
//! command's own. Before, tracing's writer and `eprintln!` panicked (exit 101) on the first
//! warning, taking the layer index down with them.
#![expect(clippy::unwrap_used, reason = "tests fail on bad input")]

use std::process::{Output, Stdio};

#[path = "cli_support/binary.rs"]
mod binary;
use binary::{command, example_dir};

/// `plummet ARGS` with stderr a pipe whose reading end is closed before the process starts, so
/// every write to it fails with EPIPE; stdout is captured.
fn with_closed_stderr(args: &[&str], env: &[(&str, &str)]) -> Output {
    let dir = example_dir();
    #[expect(
        clippy::incompatible_msrv,
        reason = "the tests build with the toolchain CI installs (1.95); the library keeps 1.85"
    )]
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    let mut cmd = command(args, dir.path());
    cmd.stderr(writer).stdout(Stdio::piped());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().unwrap();
    drop(dir);
    out
}

#[test]
fn warnings_to_a_closed_stderr_are_dropped_and_the_command_finishes() {
    // A cache directory that cannot be made: every layer logs a warning on stderr.
    let out = with_closed_stderr(
        &["cat", "example.tar", "/etc/os-release"],
        &[("XDG_CACHE_HOME", "/proc/version")],
    );
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("Fakebian"),
        "{out:?}"
    );
}

#[test]
fn an_error_to_a_closed_stderr_keeps_its_exit_code() {
    let out = with_closed_stderr(&["ci", "missing.tar"], &[]);
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    let out = with_closed_stderr(&["dif", "a", "b"], &[]);
    assert_eq!(out.status.code(), Some(2), "{out:?}");
}

#[test]
fn a_warning_and_a_report_with_stderr_closed() {
    // `ci` logs the cache warnings and still writes its report and exit code (1: the example
    // fails dive's default rules on purpose).
    let out = with_closed_stderr(
        &["ci", "example.tar", "--cache"],
        &[("XDG_CACHE_HOME", "/proc/version")],
    );
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    assert!(!out.stdout.is_empty());
}
