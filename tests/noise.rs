//! Noise control from the real binary on testdata/example.tar: `[ignore]` and
//! `[rules.max_path_bytes]` in every report format, the `--baseline` round trip (`plummet ci
//! --json` makes one, the next run forgives what it had), and each kind of bad config or
//! baseline as a one-line error naming the file. The SARIF logs are validated against the
//! official SARIF 2.1.0 schema (tests/sarif_support).
#![expect(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "tests fail on bad input"
)]

use std::path::Path;

use serde_json::Value;

#[path = "cli_support/binary.rs"]
mod binary;
use binary::{example_dir, plummet, stderr};
#[path = "junit_support/schema.rs"]
mod junit_schema;
#[path = "sarif_support/schema.rs"]
mod sarif_schema;

fn read(dir: &Path, name: &str) -> String {
    std::fs::read_to_string(dir.join(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn json(dir: &Path, name: &str) -> Value {
    serde_json::from_str(&read(dir, name)).unwrap()
}

fn rule<'a>(report: &'a Value, name: &str) -> &'a Value {
    report["rules"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == name)
        .unwrap_or_else(|| panic!("no rule {name}"))
}

const CONFIG: &str = r#"
[ignore]
paths = ["/usr/share/**", "/var/lib/apt/lists"]
figures = true

[rules.max_path_bytes]
"/app/node_modules" = "300kB"
"/app/" = "10MB"
"#;

#[test]
fn ignore_and_path_budgets_show_in_every_format() {
    let tmp = example_dir();
    let dir = tmp.path();
    let plain = plummet(&["ci", "example.tar", "--json", "plain.json"], dir);
    assert_eq!(plain.status.code(), Some(1), "{}", stderr(&plain));
    std::fs::write(dir.join(".plummet.toml"), CONFIG).unwrap();
    let o = plummet(
        &[
            "ci",
            "example.tar",
            "--json",
            "r.json",
            "--markdown",
            "r.md",
            "--junit",
            "r.xml",
            "--sarif",
            "r.sarif",
        ],
        dir,
    );
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let (plain, r) = (json(dir, "plain.json"), json(dir, "r.json"));

    // What the globs took: the docs and apt lists findings, and the apt lists' waste.
    let ignored = &r["ignored"];
    assert_eq!(ignored["paths"][1], "/var/lib/apt/lists");
    assert_eq!(ignored["figures"], true);
    let findings = |v: &Value| v["findings"].as_array().unwrap().len() as u64;
    assert_eq!(
        ignored["findings"].as_u64().unwrap(),
        findings(&plain) - findings(&r)
    );
    assert!(ignored["findings"].as_u64().unwrap() >= 3);
    for f in r["findings"].as_array().unwrap() {
        let path = f["path"].as_str().unwrap();
        assert!(
            !path.starts_with("/usr/share/") && !path.starts_with("/var/lib/apt/lists"),
            "{path}"
        );
    }
    let wasted = |v: &Value| v["image"]["wasted_bytes"].as_u64().unwrap();
    assert_eq!(
        wasted(&plain) - wasted(&r),
        ignored["wasted_bytes"].as_u64().unwrap()
    );
    assert!(ignored["wasted_bytes"].as_u64().unwrap() > 0);
    assert!(r["image"]["efficiency"].as_f64() > plain["image"]["efficiency"].as_f64());
    assert_eq!(r["image"]["size_bytes"], plain["image"]["size_bytes"]);

    // The budgets: node_modules over, /app (written with a slash) within.
    let nm = rule(&r, "maxPathBytes:/app/node_modules");
    assert_eq!(
        (nm["status"].as_str(), nm["threshold"].as_u64()),
        (Some("fail"), Some(300_000))
    );
    assert!(nm["value"].as_u64().unwrap() > 300_000);
    assert_eq!(rule(&r, "maxPathBytes:/app")["status"], "pass");

    let md = read(dir, "r.md");
    assert!(
        md.contains("**ignored** 2 globs (/usr/share/\\*\\*, /var/lib/apt/lists): "),
        "{md}"
    );
    assert!(
        md.contains("| maxPathBytes:`/app/node_modules` | ❌ fail |"),
        "{md}"
    );
    let xml = read(dir, "r.xml");
    junit_schema::assert_valid(&xml);
    assert!(
        xml.contains("<testcase name=\"maxPathBytes:/app/node_modules\""),
        "{xml}"
    );
    // With the apt lists out of the figures, dive's rules pass: the budget alone fails.
    assert!(xml.contains("failures=\"1\""), "{xml}");
    assert!(xml.contains("<testcase name=\"lowestEfficiency\" classname=\"plummet.ci\"/>"));
    assert!(
        xml.contains(
            "<property name=\"plummet.ignored.paths\" value=\"/usr/share/**, /var/lib/apt/lists\"/>"
        ),
        "{xml}"
    );
    assert!(
        xml.contains(&format!(
            "<property name=\"plummet.ignored.findings\" value=\"{}\"/>",
            ignored["findings"]
        )),
        "{xml}"
    );
    assert!(
        xml.contains(&format!(
            "<property name=\"plummet.ignored.wastedBytes\" value=\"{}\"/>",
            ignored["wasted_bytes"]
        )),
        "{xml}"
    );
    let sarif_text = read(dir, "r.sarif");
    sarif_schema::assert_valid(&sarif_text);
    let sarif: Value = serde_json::from_str(&sarif_text).unwrap();
    let uri = |r: &Value| {
        r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
            .as_str()
            .unwrap()
            .to_string()
    };
    let (suppressed, open): (Vec<&Value>, Vec<&Value>) = sarif["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .partition(|r| r.get("suppressions").is_some());
    let open: Vec<String> = open.into_iter().map(uri).collect();
    assert!(open.contains(&"/app/node_modules".to_string()), "{open:?}");
    assert!(
        !open
            .iter()
            .any(|u| u.starts_with("/usr/share") || u.starts_with("/var/lib/apt")),
        "ignored findings are not open results: {open:?}"
    );
    // Each ignored finding is there, suppressed as SARIF means it: externally, accepted.
    assert_eq!(
        suppressed.len() as u64,
        ignored["findings"].as_u64().unwrap()
    );
    for r in &suppressed {
        let u = uri(r);
        assert!(
            u.starts_with("/usr/share/") || u.starts_with("/var/lib/apt/lists"),
            "{u}"
        );
        assert_eq!(
            r["suppressions"],
            serde_json::json!([{
                "kind": "external",
                "status": "accepted",
                "justification": "left out by [ignore] paths in the config: /usr/share/**, /var/lib/apt/lists"
            }])
        );
        assert!(r.get("baselineState").is_none(), "no baseline: {r}");
    }
    let bag = &sarif["runs"][0]["properties"]["ignored"];
    assert_eq!(bag["paths"], ignored["paths"]);
    assert_eq!(bag["findings"], ignored["findings"]);
    assert_eq!(bag["findingBytes"], ignored["finding_bytes"]);
    assert_eq!(bag["wastedBytes"], ignored["wasted_bytes"]);
    assert_eq!(bag["figures"], true);
    assert!(sarif["runs"][0]["properties"].get("baseline").is_none());
    let text = plummet(&["ci", "example.tar"], dir);
    let out = String::from_utf8_lossy(&text.stdout);
    assert!(
        out.contains("\nIgnored 2 globs (/usr/share/**, /var/lib/apt/lists): "),
        "{out}"
    );
    assert!(
        out.contains("FAIL  maxPathBytes:/app/node_modules: "),
        "{out}"
    );

    // `diff` says what was left out of each image, in SARIF's run properties and JUnit's.
    let o = plummet(
        &[
            "diff",
            "example.tar",
            "example.tar",
            "--sarif",
            "d.sarif",
            "--junit",
            "d.xml",
        ],
        dir,
    );
    assert!(o.status.code().is_some_and(|c| c < 2), "{}", stderr(&o));
    let sarif_text = read(dir, "d.sarif");
    sarif_schema::assert_valid(&sarif_text);
    let sarif: Value = serde_json::from_str(&sarif_text).unwrap();
    for side in ["a", "b"] {
        let bag = &sarif["runs"][0]["properties"]["ignored"][side];
        assert_eq!(bag["findings"], ignored["findings"], "{side}");
        assert_eq!(bag["paths"], ignored["paths"], "{side}");
    }
    let xml = read(dir, "d.xml");
    junit_schema::assert_valid(&xml);
    for side in ["a", "b"] {
        let property = format!(
            "<property name=\"plummet.ignored.{side}.findings\" value=\"{}\"/>",
            ignored["findings"]
        );
        assert!(xml.contains(&property), "{property}: {xml}");
    }
}

#[test]
fn a_baseline_made_by_ci_json_forgives_what_it_had_and_nothing_new() {
    let tmp = example_dir();
    let dir = tmp.path();
    let made = plummet(
        &["ci", "example.tar", "--no-secrets", "--json", "base.json"],
        dir,
    );
    assert_eq!(made.status.code(), Some(1), "{}", stderr(&made));
    let again = plummet(
        &[
            "ci",
            "example.tar",
            "--no-secrets",
            "--baseline",
            "base.json",
            "--json",
            "-",
        ],
        dir,
    );
    assert_eq!(again.status.code(), Some(0), "{}", stderr(&again));
    let r: Value = serde_json::from_slice(&again.stdout).unwrap();
    assert_eq!(r["passed"], true);
    assert_eq!(r["baseline"]["reference"], "example.tar");
    assert_eq!(r["baseline"]["tolerance"], "1000000 bytes");
    assert_eq!(r["baseline"]["forgiven"], 3);
    for name in ["lowestEfficiency", "highestUserWastedPercent", "noSecrets"] {
        let rule = rule(&r, name);
        assert_eq!(rule["status"], "forgiven", "{name}");
        assert!(
            rule["message"]
                .as_str()
                .unwrap()
                .contains("; forgiven by the baseline: ")
        );
    }
    let text = plummet(
        &[
            "ci",
            "example.tar",
            "--no-secrets",
            "--baseline",
            "base.json",
        ],
        dir,
    );
    let out = String::from_utf8_lossy(&text.stdout);
    assert!(
        out.contains("  BASE  noSecrets: 2 (threshold 0)\n"),
        "{out}"
    );
    assert!(
        out.contains("Result: PASS (3 rules, 3 failed only on what the baseline had)"),
        "{out}"
    );

    let md = plummet(
        &[
            "ci",
            "example.tar",
            "--no-secrets",
            "--baseline",
            "base.json",
            "--markdown",
            "-",
            "--junit",
            "j.xml",
        ],
        dir,
    );
    let md = String::from_utf8_lossy(&md.stdout);
    assert!(md.starts_with("## plummet: `example.tar` ✅ pass"), "{md}");
    assert!(
        md.contains("| noSecrets | ☑️ forgiven (baseline) | 2 | 0 |"),
        "{md}"
    );
    assert!(
        md.contains("Forgiven by the baseline (failed, but on nothing new or worse):"),
        "{md}"
    );
    let xml = read(dir, "j.xml");
    junit_schema::assert_valid(&xml);
    assert!(xml.contains("failures=\"0\""), "{xml}");
    for (name, value) in [
        ("reference", "example.tar"),
        ("tolerance", "1000000 bytes"),
        ("forgiven", "3"),
        (
            "forgivenRules",
            "lowestEfficiency, highestUserWastedPercent, noSecrets",
        ),
    ] {
        let property = format!("<property name=\"plummet.baseline.{name}\" value=\"{value}\"/>");
        assert!(xml.contains(&property), "{property}: {xml}");
    }
    assert!(!xml.contains("plummet.ignored"), "nothing ignored: {xml}");

    // SARIF: every finding was in the baseline, so each is unchanged and accepted.
    let o = plummet(
        &[
            "ci",
            "example.tar",
            "--no-secrets",
            "--baseline",
            "base.json",
            "--sarif",
            "-",
        ],
        dir,
    );
    let sarif_text = String::from_utf8(o.stdout).unwrap();
    sarif_schema::assert_valid(&sarif_text);
    let sarif: Value = serde_json::from_str(&sarif_text).unwrap();
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    assert_eq!(
        results.len(),
        json(dir, "base.json")["findings"].as_array().unwrap().len()
    );
    for r in results {
        assert_eq!(r["baselineState"], "unchanged", "{r}");
        assert_eq!(r["suppressions"][0]["kind"], "external");
        assert_eq!(r["suppressions"][0]["status"], "accepted");
        assert_eq!(
            r["suppressions"][0]["justification"],
            "already in the --baseline report of example.tar"
        );
    }
    let bag = &sarif["runs"][0]["properties"]["baseline"];
    assert_eq!(bag["reference"], "example.tar");
    assert_eq!(bag["tolerance"], "1000000 bytes");
    assert_eq!(bag["newResults"], 0);
    assert_eq!(bag["unchangedResults"], results.len());
    assert_eq!(
        bag["forgivenRules"],
        serde_json::json!(["lowestEfficiency", "highestUserWastedPercent", "noSecrets"])
    );
    assert!(xml.contains("<system-out>noSecrets: 2 secrets; forgiven by the baseline: every secret is in the baseline"), "{xml}");

    // A baseline from before a secret and a chunk of waste came in: both fail.
    let mut old = json(dir, "base.json");
    let findings = old["findings"].as_array_mut().unwrap();
    let secret = findings.iter().position(|f| f["kind"] == "secret").unwrap();
    findings.remove(secret);
    let w = old["image"]["wasted_bytes"].as_u64().unwrap();
    old["image"]["wasted_bytes"] = Value::from(w.saturating_sub(150_000));
    std::fs::write(dir.join("old.json"), old.to_string()).unwrap();
    let worse = plummet(
        &[
            "ci",
            "example.tar",
            "--no-secrets",
            "--baseline",
            "old.json",
            "--json",
            "-",
        ],
        dir,
    );
    assert_eq!(worse.status.code(), Some(1), "{}", stderr(&worse));
    let r: Value = serde_json::from_slice(&worse.stdout).unwrap();
    assert_eq!(rule(&r, "noSecrets")["status"], "fail");
    // The secret the old baseline lacks is the one new, open result in SARIF.
    let o = plummet(
        &[
            "ci",
            "example.tar",
            "--no-secrets",
            "--baseline",
            "old.json",
            "--sarif",
            "-",
        ],
        dir,
    );
    let sarif_text = String::from_utf8(o.stdout).unwrap();
    sarif_schema::assert_valid(&sarif_text);
    let sarif: Value = serde_json::from_str(&sarif_text).unwrap();
    let new: Vec<&Value> = sarif["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["baselineState"] == "new")
        .collect();
    assert_eq!(new.len(), 1, "{sarif}");
    assert_eq!(new[0]["ruleId"], "secret");
    assert!(new[0].get("suppressions").is_none(), "{}", new[0]);
    assert_eq!(sarif["runs"][0]["properties"]["baseline"]["newResults"], 1);
    // 150 kB more waste is within a 200 kB tolerance, not within the default 1 MB... of bytes.
    assert_eq!(rule(&r, "lowestEfficiency")["status"], "forgiven");
    let tight = plummet(
        &[
            "ci",
            "example.tar",
            "--baseline",
            "old.json",
            "--baseline-tolerance",
            "1%",
            "--json",
            "-",
        ],
        dir,
    );
    let r: Value = serde_json::from_slice(&tight.stdout).unwrap();
    assert_eq!(rule(&r, "lowestEfficiency")["status"], "fail");
    assert_eq!(r["baseline"]["tolerance"], "1%");
}

#[test]
fn bad_config_and_bad_baselines_are_one_line_errors_naming_the_file() {
    let tmp = example_dir();
    let dir = tmp.path();
    let diff = plummet(
        &["diff", "example.tar", "example.tar", "--json", "diff.json"],
        dir,
    );
    assert!(
        diff.status.code().is_some_and(|c| c < 2),
        "{}",
        stderr(&diff)
    );
    std::fs::write(dir.join("text.json"), "plummet was here\n").unwrap();
    std::fs::write(
        dir.join("trivy.json"),
        r#"{"SchemaVersion": 2, "Results": []}"#,
    )
    .unwrap();
    std::fs::write(
        dir.join("v2.json"),
        r#"{"schema_version": 2, "plummet_version": "9.0.0"}"#,
    )
    .unwrap();
    std::fs::write(
        dir.join("bad.toml"),
        "[ignore]\npaths = [\"/ok\", \"/a/[b\"]\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("rel.toml"),
        "[rules.max_path_bytes]\n\"app\" = \"1MB\"\n",
    )
    .unwrap();
    let cases: [(&[&str], &str); 7] = [
        (
            &["--baseline", "text.json"],
            "text.json: baseline is not JSON (",
        ),
        (
            &["--baseline", "trivy.json"],
            "trivy.json: baseline is not a plummet JSON report",
        ),
        (
            &["--baseline", "v2.json"],
            "v2.json: baseline has schema_version 2",
        ),
        (
            &["--baseline", "diff.json"],
            "diff.json: baseline is a `plummet diff` report",
        ),
        (
            &["--baseline", "nope.json"],
            "nope.json: cannot read baseline: ",
        ),
        (
            &["--config", "bad.toml"],
            "bad.toml: ignore.paths[1]: invalid glob: unclosed",
        ),
        (
            &["--config", "rel.toml"],
            "rel.toml: rules.max_path_bytes.\"app\": not an absolute path",
        ),
    ];
    for (args, expected) in cases {
        let mut all = vec!["ci", "example.tar"];
        all.extend_from_slice(args);
        let o = plummet(&all, dir);
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {err}");
        assert!(
            err.starts_with(&format!("plummet: error: {expected}")),
            "{args:?}: {err}"
        );
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(o.stdout.is_empty());
    }
    let o = plummet(&["ci", "example.tar", "--baseline-tolerance", "1%"], dir);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("--baseline"), "{}", stderr(&o));
}
