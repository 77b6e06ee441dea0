//! Helpers shared by the live Docker daemon tests: the harness's variables and the docker CLI.

use std::process::Command;

/// A harness variable, or `None` after a loud skip notice (a failure when CI=true).
pub fn harness(var: &str) -> Option<String> {
    match std::env::var(var) {
        Ok(v) if !v.is_empty() => Some(v),
        _ => {
            assert!(
                std::env::var("CI").as_deref() != Ok("true"),
                "{var} is not set but CI=true: the harness must run in CI"
            );
            eprintln!("SKIPPED: {var} not set (start the harness, see tests/harness/README.md)");
            None
        }
    }
}

/// Runs `cmd`, fails the test with its stderr when it fails, returns its stdout.
pub fn run(cmd: &mut Command) -> String {
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "{cmd:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The docker CLI against the harness's daemon, with the classic builder (real whiteouts in
/// RUN layers, no BuildKit daemon needed).
pub fn docker(host: &str) -> Command {
    let mut c = Command::new("docker");
    c.env("DOCKER_HOST", host).env("DOCKER_BUILDKIT", "0");
    c
}
