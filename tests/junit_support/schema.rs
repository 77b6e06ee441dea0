//! Validates JUnit XML reports against the schema Jenkins reads (junit-10.xsd, the xUnit
//! plugin's schema of Surefire-style reports) with libxml2's `xmllint --schema` (Debian's
//! `libxml2-utils`). `scripts/junit-schema` obtains the schema from PyPI (CI runs it and exports
//! `PLUMMET_JUNIT_SCHEMA`); its SHA-256 is checked here too. In CI (`CI=true`) a missing schema
//! or `xmllint` fails the test; on a developer machine without them, the check is skipped with
//! a message saying how to get them.

use std::process::{Command, Stdio};

#[allow(
    clippy::duplicate_mod,
    reason = "a test file may include both the SARIF and the JUnit validator"
)]
#[path = "../schema_support/pinned.rs"]
mod pinned;

/// The schema: pytest 8.3.5's `testing/example_scripts/junit-10.xsd`, pinned by its SHA-256
/// (scripts/junit-schema has it too).
const PINNED: pinned::Pinned = pinned::Pinned {
    what: "JUnit (junit-10.xsd)",
    env: "PLUMMET_JUNIT_SCHEMA",
    default: "target/junit-10.xsd",
    sha256: "a1a816f58d1bf95ebabf371994df0b9246dee66ea9572fbec4f9296f1b2c0ff6",
    hint: "run scripts/junit-schema and install libxml2-utils",
};

/// The validator's verdict on `xml`: `Ok(())`, `Err(xmllint's messages)`, or `None` where
/// validation is unavailable (a developer machine without it).
pub fn check(xml: &str) -> Option<Result<(), String>> {
    let schema = PINNED.path()?;
    let child = Command::new("xmllint")
        .arg("--noout")
        .arg("--schema")
        .arg(&schema)
        .arg("-")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn();
    let Ok(mut child) = child else {
        PINNED.unavailable("no xmllint");
        return None;
    };
    {
        use std::io::Write as _;
        let mut stdin = child.stdin.take().unwrap();
        stdin.write_all(xml.as_bytes()).unwrap();
    }
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    // xmllint: 0 valid, 1 not well-formed, 3 invalid; anything else is a broken setup (4: the
    // schema could not be used).
    match out.status.code() {
        Some(0) => Some(Ok(())),
        Some(1 | 3) => Some(Err(stderr)),
        _ => panic!("xmllint failed: {stderr}"),
    }
}

/// Asserts that `xml` is valid against junit-10.xsd (where validation is available).
pub fn assert_valid(xml: &str) {
    if let Some(Err(errors)) = check(xml) {
        panic!("the JUnit report violates junit-10.xsd:\n{errors}\n{xml}");
    }
}
