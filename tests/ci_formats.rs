//! The formats CI systems read (`--junit`, `--gitlab-codequality`, `--sarif`) from the real
//! binary: snapshots on testdata/example.tar, the XML read by an independent parser (Python's
//! expat), SARIF validated against the official SARIF 2.1.0 JSON schema (tests/sarif_support)
//! and checked for what plummet means by it, and the usage errors checked before any image is
//! read.
#![expect(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "tests fail on bad input"
)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use imagegen::spec::{ImageSpec, LayerSpec, Op};
use serde_json::Value;

#[path = "junit_support/schema.rs"]
mod junit_schema;
#[path = "sarif_support/schema.rs"]
mod sarif_schema;

fn bin() -> std::ffi::OsString {
    std::env::var_os("PLUMMET_BIN").unwrap_or_else(|| env!("CARGO_BIN_EXE_plummet").into())
}

fn plummet(args: &[&str], dir: &Path) -> Output {
    Command::new(bin())
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .env_remove("PLUMMET_LOG")
        .env_remove("CI")
        .output()
        .expect("run plummet")
}

/// A temporary directory holding `example.tar`, so that the reference in the reports is the
/// same relative name wherever the checkout is.
fn example_dir() -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/example.tar");
    std::fs::copy(src, tmp.path().join("example.tar")).unwrap();
    tmp
}

fn read(path: PathBuf) -> String {
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Validates `xml` against the JUnit schema Jenkins reads, parses it with Python's expat, which
/// rejects any byte XML 1.0 forbids, and prints each test case as `name status message` for
/// the test to compare.
fn parse_junit(xml: &str) -> String {
    junit_schema::assert_valid(xml);
    let script = r#"
import sys, xml.etree.ElementTree as ET
root = ET.fromstring(sys.stdin.buffer.read())
assert root.tag == "testsuites", root.tag
for suite in root.findall("testsuite"):
    cases = suite.findall("testcase")
    assert int(suite.get("tests")) == len(cases)
    assert int(suite.get("failures")) == len([c for c in cases if c.find("failure") is not None])
    assert int(suite.get("skipped")) == len([c for c in cases if c.find("skipped") is not None])
    for c in cases:
        f, s = c.find("failure"), c.find("skipped")
        status = "fail" if f is not None else "skip" if s is not None else "pass"
        msg = f.get("message") if f is not None else ""
        print(c.get("name"), status, msg)
"#;
    let mut child = Command::new("python3")
        .args(["-c", script])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("python3 (a CI package) runs");
    {
        use std::io::Write;
        child
            .stdin
            .take()
            .unwrap()
            .write_all(xml.as_bytes())
            .unwrap();
    }
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "expat rejected the JUnit XML: {}\n{xml}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// Validates a SARIF log against the official SARIF 2.1.0 schema, then checks what the schema
/// cannot: unique rule ids, each `ruleIndex` pointing at its `ruleId`, help that gives the fix,
/// and URIs that carry only unreserved and percent-encoded bytes.
fn check_sarif(log: &Value) {
    sarif_schema::assert_valid(&log.to_string());
    assert_eq!(log["version"], "2.1.0");
    assert!(log["$schema"].as_str().unwrap().starts_with("https://"));
    let runs = log["runs"].as_array().expect("runs is an array");
    assert_eq!(runs.len(), 1);
    let driver = &runs[0]["tool"]["driver"];
    assert_eq!(driver["name"], "plummet");
    assert!(driver["version"].is_string());
    if let Some(uri) = driver.get("informationUri") {
        assert!(uri.as_str().unwrap().contains("://"), "absolute URI: {uri}");
    }
    let rules = driver["rules"].as_array().expect("rules is an array");
    let mut ids = std::collections::BTreeSet::new();
    for r in rules {
        assert!(ids.insert(r["id"].as_str().unwrap().to_string()), "dup id");
        for key in ["shortDescription", "fullDescription", "help"] {
            assert!(!r[key]["text"].as_str().unwrap().is_empty(), "{key}: {r}");
        }
        assert!(r["help"]["text"].as_str().unwrap().contains("Fix: "));
        let level = r["defaultConfiguration"]["level"].as_str().unwrap();
        assert!(["none", "note", "warning", "error"].contains(&level));
    }
    for res in runs[0]["results"].as_array().expect("results is an array") {
        let id = res["ruleId"].as_str().unwrap();
        let index = usize::try_from(res["ruleIndex"].as_u64().unwrap()).unwrap();
        assert_eq!(rules[index]["id"], id, "ruleIndex points at ruleId");
        assert!(["none", "note", "warning", "error"].contains(&res["level"].as_str().unwrap()));
        assert!(!res["message"]["text"].as_str().unwrap().is_empty());
        for loc in res["locations"].as_array().unwrap() {
            let uri = loc["physicalLocation"]["artifactLocation"]["uri"]
                .as_str()
                .unwrap();
            assert!(
                uri.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"-._~/%".contains(&b)),
                "uri-reference with only unreserved and percent-encoded bytes: {uri}"
            );
        }
        for (_, v) in res["partialFingerprints"].as_object().unwrap() {
            assert!(v.is_string());
        }
    }
}

#[test]
fn ci_writes_junit_codequality_and_sarif_at_once_beside_the_text_report() {
    let tmp = example_dir();
    let o = plummet(
        &[
            "ci",
            "example.tar",
            "--quiet",
            "--junit",
            "junit.xml",
            "--gitlab-codequality",
            "cq.json",
            "--sarif",
            "out.sarif",
        ],
        tmp.path(),
    );
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let text = String::from_utf8(o.stdout).unwrap();
    assert!(text.contains("FAIL  lowestEfficiency"), "{text}");

    let junit = read(tmp.path().join("junit.xml"));
    let cases = parse_junit(&junit);
    assert!(
        cases.contains("lowestEfficiency fail efficiency"),
        "{cases}"
    );
    assert!(cases.contains("highestWastedBytes skip"), "{cases}");
    insta::assert_snapshot!("ci_junit", junit);

    let cq: Value = serde_json::from_str(&read(tmp.path().join("cq.json"))).unwrap();
    let issues = cq.as_array().unwrap();
    for i in issues {
        for key in ["description", "check_name", "fingerprint", "severity"] {
            assert!(i[key].is_string(), "{key}: {i}");
        }
        assert!(i["location"]["path"].is_string());
        assert!(i["location"]["lines"]["begin"].is_u64());
        let sev = i["severity"].as_str().unwrap();
        assert!(["info", "minor", "major", "critical", "blocker"].contains(&sev));
    }
    let prints: std::collections::BTreeSet<_> = issues
        .iter()
        .map(|i| i["fingerprint"].to_string())
        .collect();
    assert_eq!(prints.len(), issues.len(), "fingerprints are unique");
    assert!(issues.iter().any(|i| i["check_name"] == "plummet/git"));
    assert!(
        issues
            .iter()
            .any(|i| i["check_name"] == "plummet/rule/lowestEfficiency")
    );
    insta::assert_snapshot!("ci_codequality", serde_json::to_string_pretty(&cq).unwrap());

    let sarif: Value = serde_json::from_str(&read(tmp.path().join("out.sarif"))).unwrap();
    check_sarif(&sarif);
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    let findings = plummet(&["ci", "example.tar", "--quiet", "--json", "-"], tmp.path());
    let json: Value = serde_json::from_slice(&findings.stdout).unwrap();
    assert_eq!(results.len(), json["findings"].as_array().unwrap().len());
    let mut sarif = sarif;
    sarif["runs"][0]["tool"]["driver"]["version"] = "VERSION".into();
    insta::assert_snapshot!("ci_sarif", serde_json::to_string_pretty(&sarif).unwrap());
}

#[test]
fn fingerprints_stay_the_same_from_run_to_run() {
    let tmp = example_dir();
    let run = || {
        let o = plummet(
            &["ci", "example.tar", "--quiet", "--gitlab-codequality", "-"],
            tmp.path(),
        );
        String::from_utf8(o.stdout).unwrap()
    };
    let first = run();
    assert!(first.contains("fingerprint"));
    assert_eq!(first, run());
}

/// An image whose finding paths hold a space, `#`, `%`, an ESC sequence and a byte that is not
/// UTF-8: the SARIF URI must carry the exact bytes, and the human-readable texts must show
/// them escaped.
#[test]
fn hostile_paths_are_percent_encoded_in_sarif_and_escaped_in_messages() {
    let tmp = tempfile::tempdir().unwrap();
    let spec = ImageSpec::new(
        "hostile",
        vec![LayerSpec::new(vec![
            Op::dir(b"/a b#%\x1b[31m\xff".as_slice()),
            Op::dir(b"/a b#%\x1b[31m\xff/.git".as_slice()),
            Op::random(b"/a b#%\x1b[31m\xff/.git/pack".as_slice(), 3000),
        ])],
    );
    let archive = tmp.path().join("hostile.tar");
    imagegen::write_tar_file(&spec, imagegen::Form::Oci, &archive).unwrap();
    let o = plummet(
        &[
            "ci",
            "hostile.tar",
            "--quiet",
            "--sarif",
            "-",
            "--gitlab-codequality",
            "cq.json",
            "--junit",
            "j.xml",
        ],
        tmp.path(),
    );
    assert!(o.status.code().unwrap() <= 1, "{}", stderr(&o));
    let sarif: Value = serde_json::from_slice(&o.stdout).unwrap();
    check_sarif(&sarif);
    let git = sarif["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["ruleId"] == "git")
        .expect("a git finding");
    assert_eq!(
        git["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        "/a%20b%23%25%1B%5B31m%FF/.git"
    );
    let message = git["message"]["text"].as_str().unwrap();
    assert!(message.contains("/a b#%\\x1b[31m\\xff/.git"), "{message}");
    let cq = read(tmp.path().join("cq.json"));
    assert!(!cq.contains("\\u001b"), "raw ESC in Code Quality: {cq}");
    assert!(cq.contains("\\\\x1b[31m\\\\xff/.git"), "{cq}");
    parse_junit(&read(tmp.path().join("j.xml")));
}

/// Asserts exit 2 and a single-line error containing every `needle`.
fn assert_error(o: &Output, needles: &[&str]) {
    let err = stderr(o);
    assert_eq!(o.status.code(), Some(2), "stderr: {err}");
    assert_eq!(err.trim_end().lines().count(), 1, "not one line: {err}");
    assert!(!err.contains("panicked"), "{err}");
    for n in needles {
        assert!(err.contains(n), "{err:?} lacks {n:?}");
    }
}

// Each usage error below names an image that does not exist: the error must be about the
// outputs, which proves they are checked before the image is read.

#[test]
fn two_reports_on_stdout_is_a_usage_error_naming_both_flags() {
    let tmp = tempfile::tempdir().unwrap();
    let o = plummet(
        &["ci", "missing.tar", "--sarif", "-", "--junit", "-"],
        tmp.path(),
    );
    assert_error(&o, &["--junit -", "--sarif -", "standard output"]);
    let o = plummet(
        &[
            "diff",
            "missing-a.tar",
            "missing-b.tar",
            "--json",
            "-",
            "--gitlab-codequality",
            "-",
        ],
        tmp.path(),
    );
    assert_error(&o, &["--json -", "--gitlab-codequality -"]);
}

#[test]
fn a_report_in_a_missing_directory_is_refused_before_the_image_is_read() {
    let tmp = tempfile::tempdir().unwrap();
    let o = plummet(
        &["ci", "missing.tar", "--junit", "nowhere/junit.xml"],
        tmp.path(),
    );
    assert_error(
        &o,
        &[
            "nowhere/junit.xml",
            "--junit",
            "directory nowhere does not exist",
        ],
    );
    let o = plummet(
        &["diff", "a.tar", "b.tar", "--sarif", "nowhere/x.sarif"],
        tmp.path(),
    );
    assert_error(&o, &["nowhere/x.sarif", "--sarif"]);
}

#[test]
fn a_report_path_that_is_a_directory_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::create_dir(tmp.path().join("out")).unwrap();
    let o = plummet(
        &["ci", "missing.tar", "--gitlab-codequality", "out"],
        tmp.path(),
    );
    assert_error(&o, &["out", "--gitlab-codequality", "is a directory"]);
    std::fs::write(tmp.path().join("file"), "").unwrap();
    let o = plummet(
        &["ci", "missing.tar", "--sarif", "file/x.sarif"],
        tmp.path(),
    );
    assert_error(&o, &["file/x.sarif", "--sarif", "file is not a directory"]);
}

/// Root writes anywhere, so the permission check can only be seen failing as another user.
#[test]
fn a_report_in_a_read_only_directory_is_refused() {
    if rustix_is_root() {
        eprintln!("skipped: running as root, which may write to any directory");
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let ro = tmp.path().join("ro");
    std::fs::create_dir(&ro).unwrap();
    let mut perms = std::fs::metadata(&ro).unwrap().permissions();
    std::os::unix::fs::PermissionsExt::set_mode(&mut perms, 0o555);
    std::fs::set_permissions(&ro, perms).unwrap();
    let o = plummet(&["ci", "missing.tar", "--junit", "ro/j.xml"], tmp.path());
    assert_error(&o, &["ro/j.xml", "--junit", "not writable"]);
}

fn rustix_is_root() -> bool {
    let out = Command::new("id").arg("-u").output().unwrap();
    String::from_utf8_lossy(&out.stdout).trim() == "0"
}

#[test]
fn diff_reports_its_rules_as_test_cases_and_only_new_findings_as_results() {
    let tmp = tempfile::tempdir().unwrap();
    let base = LayerSpec::new(vec![
        Op::dir("/etc"),
        Op::text("/etc/os-release", 300),
        Op::dir("/var/lib/apt/lists"),
        Op::text("/var/lib/apt/lists/main", 4000),
    ]);
    let a = ImageSpec::new("a", vec![base.clone()]);
    let b = ImageSpec::new(
        "b",
        vec![
            base,
            LayerSpec::new(vec![
                Op::dir("/app"),
                Op::dir("/app/.git"),
                Op::random("/app/.git/pack", 5000),
            ]),
        ],
    );
    for (name, spec) in [("a", &a), ("b", &b)] {
        let path = tmp.path().join(format!("{name}.tar"));
        imagegen::write_tar_file(spec, imagegen::Form::Oci, &path).unwrap();
    }
    let o = plummet(
        &[
            "diff",
            "a.tar",
            "b.tar",
            "--quiet",
            "--no-new-findings",
            "any",
            "--junit",
            "j.xml",
            "--sarif",
            "s.sarif",
            "--gitlab-codequality",
            "-",
        ],
        tmp.path(),
    );
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let cases = parse_junit(&read(tmp.path().join("j.xml")));
    assert!(cases.contains("noNewFindings fail"), "{cases}");
    assert!(cases.contains("maxGrowth skip"), "{cases}");

    let sarif: Value = serde_json::from_str(&read(tmp.path().join("s.sarif"))).unwrap();
    check_sarif(&sarif);
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    let ids: Vec<_> = results
        .iter()
        .map(|r| r["ruleId"].as_str().unwrap())
        .collect();
    // The apt lists are in both images: only the repository is new.
    assert_eq!(ids, ["git"], "{sarif}");
    let ignored = &sarif["runs"][0]["properties"]["ignored"];
    assert_eq!(
        (&ignored["a"]["findings"], &ignored["b"]["paths"]),
        (&0.into(), &Value::Array(vec![]))
    );

    let cq: Value = serde_json::from_slice(&o.stdout).unwrap();
    let checks: Vec<_> = cq
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["check_name"].as_str().unwrap())
        .collect();
    assert_eq!(checks, ["plummet/git", "plummet/rule/noNewFindings"]);
}
