//! The validators the CI-format tests rely on are real, and the logs of an image with a finding
//! of most kinds are valid: SARIF against the official SARIF 2.1.0 JSON schema
//! (tests/sarif_support), JUnit against junit-10.xsd, the schema Jenkins reads
//! (tests/junit_support). Each validator must reject what its schema forbids, or the tests that
//! use it could not fail.
#![expect(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "tests fail on bad input"
)]

use imagegen::spec::{ImageSpec, LayerSpec, Op};
use serde_json::Value;

#[path = "junit_support/schema.rs"]
mod junit_schema;
#[path = "sarif_support/schema.rs"]
mod sarif_schema;

#[path = "cli_support/binary.rs"]
mod binary;
use binary::{example_dir, plummet};

/// The validator is real: a valid log passes, and each thing the SARIF 2.1.0 schema forbids
/// (a level outside its enum, a URI reference with a space, a missing required property, an
/// unknown suppression kind, a property the schema does not define) is rejected at its path.
#[test]
fn the_schema_validator_rejects_what_sarif_forbids() {
    let tmp = example_dir();
    let o = plummet(
        &["ci", "example.tar", "--quiet", "--sarif", "-"],
        tmp.path(),
    );
    let log: Value = serde_json::from_slice(&o.stdout).unwrap();
    let Some(verdict) = sarif_schema::check(&log.to_string()) else {
        return;
    };
    verdict.unwrap();
    let result = "/runs/0/results/0";
    let cases: [(&str, Value, &str); 5] = [
        (
            "/runs/0/results/0/level",
            "fatal".into(),
            "runs/0/results/0/level",
        ),
        (
            "/runs/0/results/0/locations/0/physicalLocation/artifactLocation/uri",
            "/a b".into(),
            "artifactLocation/uri",
        ),
        (
            "/runs/0/tool/driver",
            serde_json::json!({}),
            "runs/0/tool/driver",
        ),
        (
            "/runs/0/results/0/suppressions",
            serde_json::json!([{"kind": "ignored"}]),
            "suppressions/0/kind",
        ),
        (
            "/runs/0/results/0/severity",
            "high".into(),
            "runs/0/results/0",
        ),
    ];
    for (pointer, value, expected) in cases {
        let mut bad = log.clone();
        match bad.pointer_mut(pointer) {
            Some(slot) => *slot = value,
            None => {
                let (parent, key) = pointer.rsplit_once('/').unwrap();
                assert_eq!(parent, result, "{pointer}");
                bad.pointer_mut(parent)
                    .unwrap()
                    .as_object_mut()
                    .unwrap()
                    .insert(key.to_string(), value);
            }
        }
        let errors = sarif_schema::check(&bad.to_string())
            .unwrap()
            .expect_err(pointer);
        assert!(errors.contains(expected), "{pointer}: {errors}");
    }
}

/// An image with a finding of most kinds: results of 14 rules or more, and valid SARIF
/// and JUnit.
#[test]
fn sarif_of_an_image_with_many_finding_kinds_is_valid() {
    let tmp = tempfile::tempdir().unwrap();
    let key = "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----\n";
    let spec = ImageSpec::new(
        "kinds",
        vec![
            LayerSpec::new(vec![
                Op::dir("/usr/share/doc/base"),
                Op::text("/usr/share/doc/base/copyright", 3000),
                Op::dir("/usr/share/locale/fr/LC_MESSAGES"),
                Op::random("/usr/share/locale/fr/LC_MESSAGES/base.mo", 2000),
                Op::dir("/usr/bin"),
                Op::random("/usr/bin/su", 4000).mode(0o4755),
            ]),
            LayerSpec::new(vec![
                Op::dir("/var/lib/apt/lists"),
                Op::text("/var/lib/apt/lists/main_Packages", 6000),
                Op::dir("/var/cache/apt/archives"),
                Op::random("/var/cache/apt/archives/gcc.deb", 5000),
                Op::dir("/usr/include"),
                Op::text("/usr/include/stdio.h", 2000),
                Op::dir("/usr/lib"),
                Op::random("/usr/lib/libfoo.a", 3000),
                Op::dir("/var/log"),
                Op::text("/var/log/dpkg.log", 1500),
            ]),
            LayerSpec::new(vec![
                Op::dir("/app"),
                Op::dir("/app/.git"),
                Op::random("/app/.git/pack", 5000),
                Op::dir("/app/node_modules/left-pad"),
                Op::text("/app/node_modules/left-pad/index.js", 2500),
                Op::dir("/app/__pycache__"),
                Op::random("/app/__pycache__/main.cpython-311.pyc", 1200),
                Op::bytes("/app/id_rsa", key),
                Op::text("/app/shared.txt", 100).mode(0o666),
                Op::bytes("/app/blob-a", [7u8; 4096]),
                Op::bytes("/app/blob-b", [7u8; 4096]),
                Op::dir("/app/tmp"),
                Op::random("/app/release.tar.gz", 3000),
            ]),
        ],
    );
    let archive = tmp.path().join("kinds.tar");
    imagegen::write_tar_file(&spec, imagegen::Form::Oci, &archive).unwrap();
    let o = plummet(
        &[
            "ci",
            "kinds.tar",
            "--quiet",
            "--sarif",
            "-",
            "--junit",
            "kinds.xml",
        ],
        tmp.path(),
    );
    assert!(
        o.status.code().unwrap() <= 1,
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    junit_schema::assert_valid(&std::fs::read_to_string(tmp.path().join("kinds.xml")).unwrap());
    let text = String::from_utf8(o.stdout).unwrap();
    sarif_schema::assert_valid(&text);
    let sarif: Value = serde_json::from_str(&text).unwrap();
    let kinds: std::collections::BTreeSet<&str> = sarif["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["ruleId"].as_str().unwrap())
        .collect();
    assert!(kinds.len() >= 14, "{kinds:?}");
}

/// The JUnit validator is real: a report with an element or attribute junit-10.xsd does not
/// define is rejected.
#[test]
fn the_junit_schema_rejects_what_it_does_not_define() {
    let tmp = example_dir();
    let o = plummet(
        &["ci", "example.tar", "--quiet", "--junit", "-"],
        tmp.path(),
    );
    let xml = String::from_utf8(o.stdout).unwrap();
    let Some(verdict) = junit_schema::check(&xml) else {
        return;
    };
    verdict.unwrap();
    for (bad, expected) in [
        (
            xml.replacen("<testsuites ", "<testsuites skipped=\"1\" ", 1),
            "skipped",
        ),
        (
            xml.replacen("<testcase ", "<testcase status=\"x\" ", 1),
            "status",
        ),
        (
            xml.replacen("<testcase name=", "<testcase label=", 1),
            "name",
        ),
    ] {
        let errors = junit_schema::check(&bad).unwrap().expect_err(expected);
        assert!(errors.contains(expected), "{expected}: {errors}");
    }
}
