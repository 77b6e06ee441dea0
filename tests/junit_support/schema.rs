//! Validates JUnit XML reports against the schema Jenkins reads (junit-10.xsd, the xUnit
//! plugin's schema of Surefire-style reports) with libxml2's `xmllint --schema` (Debian's
//! `libxml2-utils`). `scripts/junit-schema` obtains the schema from PyPI (CI runs it and exports
//! `PLUMMET_JUNIT_SCHEMA`); its SHA-256 is checked here too. In CI (`CI=true`) a missing schema
//! or `xmllint` fails the test; on a developer machine without them, the check is skipped with
//! a message saying how to get them.

use std::path::PathBuf;
use std::process::{Command, Stdio};

use sha2::{Digest as _, Sha256};

/// The pinned SHA-256 of pytest 8.3.5's `testing/example_scripts/junit-10.xsd`
/// (scripts/junit-schema has it too).
const SHA256: &str = "a1a816f58d1bf95ebabf371994df0b9246dee66ea9572fbec4f9296f1b2c0ff6";

fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true" || v == "1")
}

fn unavailable(why: &str) {
    let hint = "run scripts/junit-schema and install libxml2-utils";
    assert!(
        !in_ci(),
        "JUnit schema validation unavailable in CI: {why} ({hint})"
    );
    eprintln!("skipped JUnit schema validation: {why} ({hint})");
}

fn schema() -> Option<PathBuf> {
    let path = std::env::var_os("PLUMMET_JUNIT_SCHEMA").map_or_else(
        || PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/junit-10.xsd"),
        PathBuf::from,
    );
    let Ok(bytes) = std::fs::read(&path) else {
        unavailable(&format!("no schema at {}", path.display()));
        return None;
    };
    let digest: String = Sha256::digest(&bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert_eq!(
        digest,
        SHA256,
        "{} is not the pinned junit-10.xsd",
        path.display()
    );
    Some(path)
}

/// The validator's verdict on `xml`: `Ok(())`, `Err(xmllint's messages)`, or `None` where
/// validation is unavailable (a developer machine without it).
pub fn check(xml: &str) -> Option<Result<(), String>> {
    let schema = schema()?;
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
        unavailable("no xmllint");
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
