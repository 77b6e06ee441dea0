//! The `plummet` binary and the example image, for the test files that run one on the other
//! (included with `#[path]`): the binary with a clean environment, `testdata/example.tar`, and
//! what it printed on stderr.
#![allow(dead_code, reason = "each test binary uses a different part")]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// `plummet ARGS` in `dir`, not started yet: no colour, no log file, and no `CI` (CI runs the
/// tests with CI=true, which changes what `plummet IMAGE` does). A test adds what it needs.
pub fn command(args: &[&str], dir: &Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_plummet"));
    command
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .env_remove("PLUMMET_LOG")
        .env_remove("CI");
    command
}

/// Runs `command` to its end.
#[expect(
    clippy::expect_used,
    reason = "a test that cannot start the binary fails"
)]
pub fn run(command: &mut Command) -> Output {
    command.output().expect("run plummet")
}

/// Runs `plummet ARGS` in `dir` (see [`command`]).
pub fn plummet(args: &[&str], dir: &Path) -> Output {
    run(&mut command(args, dir))
}

/// `testdata/example.tar`, the example image.
pub fn example() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/example.tar")
}

/// A temporary directory holding a copy of the example image as `example.tar`.
#[expect(
    clippy::expect_used,
    reason = "a test without its temporary directory fails"
)]
pub fn example_dir() -> tempfile::TempDir {
    let tmp = tempfile::tempdir().expect("a temporary directory");
    std::fs::copy(example(), tmp.path().join("example.tar")).expect("copy the example image");
    tmp
}

/// What the binary wrote on stderr, as text.
pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}
