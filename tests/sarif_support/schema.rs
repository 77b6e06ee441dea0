//! Validates SARIF logs against the official SARIF 2.1.0 JSON schema (OASIS's
//! `sarif-schema-2.1.0.json`, draft-07) with a real JSON Schema validator: Python's `jsonschema`
//! (Debian's `python3-jsonschema`) with its draft-07 format checker, `uri` and `uri-reference`
//! included (`python3-rfc3987`). `scripts/sarif-schema` obtains the schema from crates.io (CI
//! runs it and exports `PLUMMET_SARIF_SCHEMA`); its SHA-256 is checked here too. In CI
//! (`CI=true`) a missing schema or validator fails the test; on a developer machine without
//! them, the check is skipped with a message saying how to get them.

use std::process::{Command, Stdio};

#[allow(
    clippy::duplicate_mod,
    reason = "a test file may include both the SARIF and the JUnit validator"
)]
#[path = "../schema_support/pinned.rs"]
mod pinned;

/// The schema: serde-sarif 0.8.0's `src/schema.json`, pinned by its SHA-256 (scripts/sarif-schema has it
/// too).
const PINNED: pinned::Pinned = pinned::Pinned {
    what: "SARIF 2.1.0",
    env: "PLUMMET_SARIF_SCHEMA",
    default: "target/sarif-schema-2.1.0.json",
    sha256: "af47e7b67f24efe74076621fd3a5fbe7398add9e84fe820c971219a385895cea",
    hint: "run scripts/sarif-schema and install python3-jsonschema python3-rfc3987",
};

const VALIDATE: &str = r#"
import json, sys
try:
    import jsonschema
    from jsonschema import Draft7Validator
except ImportError as e:
    print(f"no JSON Schema validator ({e}): install python3-jsonschema")
    sys.exit(3)
checker = getattr(Draft7Validator, "FORMAT_CHECKER", None) or jsonschema.draft7_format_checker
missing = [f for f in ("uri", "uri-reference") if f not in checker.checkers]
if missing:
    print(f"the format checker cannot check {missing}: install python3-rfc3987")
    sys.exit(3)
schema = json.load(open(sys.argv[1]))
assert schema["$schema"] == "http://json-schema.org/draft-07/schema#", schema["$schema"]
Draft7Validator.check_schema(schema)
validator = Draft7Validator(schema, format_checker=checker)
errors = sorted(validator.iter_errors(json.load(sys.stdin)), key=lambda e: list(e.absolute_path))
for e in errors:
    print("/".join(map(str, e.absolute_path)) or "(root)", "->", e.message[:300])
sys.exit(1 if errors else 0)
"#;

/// The interpreter: Debian's own, where CI's apt-get puts the validator, when it exists (a
/// developer's `python3` may be another installation without it).
fn python() -> &'static str {
    if std::path::Path::new("/usr/bin/python3").exists() {
        "/usr/bin/python3"
    } else {
        "python3"
    }
}

/// The validator's verdict on `sarif`: `Ok(())`, `Err(errors)` one line per violation, or
/// `None` where validation is unavailable (a developer machine without it).
pub fn check(sarif: &str) -> Option<Result<(), String>> {
    let schema = PINNED.path()?;
    let mut child = Command::new(python())
        .args(["-c", VALIDATE])
        .arg(&schema)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("python3 runs");
    {
        use std::io::Write as _;
        let mut stdin = child.stdin.take().unwrap();
        stdin.write_all(sarif.as_bytes()).unwrap();
    }
    let out = child.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    match out.status.code() {
        Some(0) => Some(Ok(())),
        Some(1) => Some(Err(stdout)),
        Some(3) => {
            PINNED.unavailable(stdout.trim());
            None
        }
        _ => panic!(
            "the validator failed: {stdout}{}",
            String::from_utf8_lossy(&out.stderr)
        ),
    }
}

/// Asserts that `sarif` is valid against the official schema (where validation is available).
pub fn assert_valid(sarif: &str) {
    if let Some(Err(errors)) = check(sarif) {
        panic!("the SARIF log violates the SARIF 2.1.0 schema:\n{errors}\n{sarif}");
    }
}
