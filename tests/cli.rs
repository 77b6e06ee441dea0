//! End-to-end tests of the `plummet` binary: exit codes, reports, and a one-line error with exit
//! code 2 for each kind of bad input.
#![allow(
    clippy::expect_used,
    reason = "a helper that cannot start the binary fails the test"
)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use imagegen::{Breakage, Form, broken_oci, scenarios};

fn plummet(args: &[&str], dir: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_plummet"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .env_remove("PLUMMET_LOG")
        // CI runs these tests with CI=true, which changes what `plummet IMAGE` does.
        .env_remove("CI")
        .output()
        .expect("run plummet")
}

fn example() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/example.tar")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Asserts exit 2 and a single-line error containing every `needle`.
fn assert_error(o: &Output, needles: &[&str]) {
    let err = stderr(o);
    assert_eq!(o.status.code(), Some(2), "stderr: {err}");
    assert_eq!(err.trim_end().lines().count(), 1, "not one line: {err}");
    assert!(err.starts_with("plummet: error: "), "{err}");
    for n in needles {
        assert!(err.contains(n), "{err:?} lacks {n:?}");
    }
    assert!(!err.contains("panicked"), "{err}");
}

#[test]
fn ci_on_the_example_fails_dive_default_rules_with_exit_1() {
    let tmp = tempfile::tempdir().unwrap();
    let o = plummet(&["ci", example().to_str().unwrap()], tmp.path());
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let out = String::from_utf8(o.stdout).unwrap();
    assert!(out.contains("FAIL  lowestEfficiency"), "{out}");
    assert!(out.contains("/app/.git"), "{out}");
    assert!(out.contains("fix: "), "{out}");
}

#[test]
fn lenient_rules_pass_with_exit_0() {
    let tmp = tempfile::tempdir().unwrap();
    let path = example();
    let args = [
        "ci",
        path.to_str().unwrap(),
        "--lowest-efficiency",
        "0.5",
        "--highest-user-wasted-percent",
        "disabled",
    ];
    let o = plummet(&args, tmp.path());
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
}

#[test]
fn dive_ci_file_in_the_working_directory_is_read() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(
        tmp.path().join(".dive-ci"),
        "rules:\n  lowestEfficiency: 0.5\n  highestUserWastedPercent: 0.5\n",
    )
    .unwrap();
    let o = plummet(&["ci", example().to_str().unwrap()], tmp.path());
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    std::fs::write(tmp.path().join(".dive-ci"), "rules:\n  nonsense: 1\n").unwrap();
    let o = plummet(&["ci", example().to_str().unwrap()], tmp.path());
    assert_error(
        &o,
        &[
            ".dive-ci: unknown rule \"nonsense\"",
            "dive would ignore it",
        ],
    );
}

#[test]
fn dive_data_dive_ci_with_plugins_warns_and_applies_its_rules() {
    // The shape of dive's own .data/.dive-ci: `plugins:` and a plugin rule beside the three rules,
    // here in inline form with a quoted number and a size written as dive's file writes it (20Mb).
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(
        tmp.path().join(".dive-ci"),
        "---\nplugins:\n  - plugin1\nrules: {lowestEfficiency: \"0.5\", highestWastedBytes: 20Mb, highestUserWastedPercent: 0.5, plugin1/rule1: error}\n",
    )
    .unwrap();
    let o = plummet(&["ci", example().to_str().unwrap()], tmp.path());
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(err.contains("`plugins:` is ignored"), "{err}");
    assert!(err.contains("\"plugin1/rule1\" is a plugin rule"), "{err}");
    // The inline rules were read: a 0.99 threshold fails the example, whose efficiency is below it.
    std::fs::write(
        tmp.path().join(".dive-ci"),
        "rules: {lowestEfficiency: 0.99, highestUserWastedPercent: disabled}\n",
    )
    .unwrap();
    let o = plummet(&["ci", example().to_str().unwrap()], tmp.path());
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(out.contains("FAIL  lowestEfficiency"), "{out}");
    // A ratio outside 0-1 is a configuration error (exit 2) naming the key and the file.
    std::fs::write(
        tmp.path().join(".dive-ci"),
        "rules:\n  highestUserWastedPercent: 10\n",
    )
    .unwrap();
    let o = plummet(&["ci", example().to_str().unwrap()], tmp.path());
    assert_error(
        &o,
        &[".dive-ci: highestUserWastedPercent: 10 is outside the allowed range 0-1"],
    );
}

#[test]
fn plummet_config_adds_rules() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(
        tmp.path().join(".plummet.toml"),
        "[rules]\nlowest_efficiency = \"disabled\"\nhighest_user_wasted_percent = \"disabled\"\nno_secrets = true\n",
    )
    .unwrap();
    let o = plummet(&["ci", example().to_str().unwrap()], tmp.path());
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stdout).contains("FAIL  noSecrets"));
    std::fs::write(tmp.path().join(".plummet.toml"), "[rulez]\n").unwrap();
    let o = plummet(&["ci", example().to_str().unwrap()], tmp.path());
    assert_error(&o, &[".plummet.toml", "unknown field"]);
}

#[test]
fn json_report_keeps_the_contract_keys() {
    let tmp = tempfile::tempdir().unwrap();
    let o = plummet(
        &["ci", example().to_str().unwrap(), "--json", "-"],
        tmp.path(),
    );
    assert_eq!(o.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["schema_version"], 1);
    for k in [
        "reference",
        "digest",
        "size_bytes",
        "user_size_bytes",
        "efficiency",
        "wasted_bytes",
        "user_wasted_ratio",
        "reclaimable_bytes",
        "runs_as_root",
    ] {
        assert!(v["image"].get(k).is_some(), "image.{k}");
    }
    let layers = v["layers"].as_array().unwrap();
    for (i, l) in layers.iter().enumerate() {
        assert_eq!(l["index"], i);
        for k in ["digest", "diff_id", "size_bytes", "file_count", "command"] {
            assert!(l.get(k).is_some(), "layers[].{k}");
        }
    }
    let f = &v["findings"][0];
    for k in ["kind", "path", "layer", "bytes", "visible", "fix"] {
        assert!(f.get(k).is_some(), "findings[].{k}");
    }
    assert!(f["path"].as_str().unwrap().starts_with('/'));
    for r in v["rules"].as_array().unwrap() {
        for k in ["name", "status", "value", "threshold"] {
            assert!(r.get(k).is_some(), "rules[].{k}");
        }
    }
    // The example's expected figures come from imagegen's independent oracle.
    let expected: serde_json::Value = serde_json::from_slice(
        &std::fs::read(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/example.expected.json"),
        )
        .unwrap(),
    )
    .unwrap();
    for k in [
        "size_bytes",
        "user_size_bytes",
        "wasted_bytes",
        "reclaimable_bytes",
        "efficiency",
        "user_wasted_ratio",
    ] {
        assert_eq!(v["image"][k], expected[k], "{k}");
    }
}

#[test]
fn markdown_and_json_files_are_written() {
    let tmp = tempfile::tempdir().unwrap();
    let o = plummet(
        &[
            "ci",
            example().to_str().unwrap(),
            "--json",
            "r.json",
            "--markdown",
            "r.md",
            "-q",
        ],
        tmp.path(),
    );
    assert_eq!(o.status.code(), Some(1));
    let md = std::fs::read_to_string(tmp.path().join("r.md")).unwrap();
    assert!(md.starts_with("## plummet:"));
    assert!(tmp.path().join("r.json").exists());
    // The text report still goes to stdout when the reports go to files.
    assert!(String::from_utf8_lossy(&o.stdout).contains("Rules"));
}

#[test]
fn missing_path_is_an_error() {
    let tmp = tempfile::tempdir().unwrap();
    let o = plummet(&["ci", "/nonexistent/image.tar"], tmp.path());
    assert_error(&o, &["/nonexistent/image.tar"]);
}

#[test]
fn random_bytes_are_an_error() {
    let tmp = tempfile::tempdir().unwrap();
    let junk: Vec<u8> = (0..100_000u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 11) as u8)
        .collect();
    std::fs::write(tmp.path().join("junk.tar"), junk).unwrap();
    let o = plummet(&["ci", "junk.tar"], tmp.path());
    assert_error(&o, &["junk.tar"]);
}

#[test]
fn each_broken_archive_is_a_one_line_error() {
    let tmp = tempfile::tempdir().unwrap();
    let spec = scenarios::scenarios()
        .into_iter()
        .find(|(n, _)| *n == "basic")
        .unwrap()
        .1;
    for b in Breakage::ALL {
        let name = format!("{}.tar", b.name());
        std::fs::write(tmp.path().join(&name), broken_oci(&spec, b).unwrap()).unwrap();
        let o = plummet(&["ci", &name], tmp.path());
        let needle = match b {
            Breakage::WrongDigest => "digest mismatch",
            Breakage::CorruptGzip | Breakage::CorruptZstd | Breakage::Truncated => "",
            Breakage::MissingBlob => "missing",
            Breakage::MalformedManifest => "manifest",
            Breakage::UnknownMediaType => "media type",
        };
        assert_error(&o, &[needle]);
    }
}

#[test]
fn malformed_config_json_is_an_error_naming_it() {
    let tmp = tempfile::tempdir().unwrap();
    let spec = scenarios::scenarios()
        .into_iter()
        .find(|(n, _)| *n == "basic")
        .unwrap()
        .1;
    let dir = tmp.path().join("layout");
    imagegen::write_dir(&spec, Form::Oci, &dir).unwrap();
    let index: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("index.json")).unwrap()).unwrap();
    let manifest_digest = index["manifests"][0]["digest"]
        .as_str()
        .unwrap()
        .trim_start_matches("sha256:")
        .to_string();
    let manifest: serde_json::Value = serde_json::from_slice(
        &std::fs::read(dir.join("blobs/sha256").join(&manifest_digest)).unwrap(),
    )
    .unwrap();
    let config = manifest["config"]["digest"]
        .as_str()
        .unwrap()
        .trim_start_matches("sha256:")
        .to_string();
    // Same length as the real config, so only the JSON is wrong.
    let path = dir.join("blobs/sha256").join(&config);
    let len = std::fs::metadata(&path).unwrap().len() as usize;
    let mut broken = b"{\"rootfs\": [broken".to_vec();
    broken.resize(len, b' ');
    std::fs::write(&path, broken).unwrap();
    let o = plummet(&["ci", "--no-verify", "layout"], tmp.path());
    assert_error(&o, &["config"]);
}

#[test]
fn no_image_and_bad_flags_are_usage_errors() {
    let tmp = tempfile::tempdir().unwrap();
    let o = plummet(
        &[
            "ci",
            example().to_str().unwrap(),
            "--lowest-efficiency",
            "lots",
        ],
        tmp.path(),
    );
    assert_error(&o, &["--lowest-efficiency"]);
    let o = plummet(
        &["ci", example().to_str().unwrap(), "--platform", "linux"],
        tmp.path(),
    );
    assert_error(&o, &["os/arch"]);
}

#[test]
fn every_scenario_loads_in_every_form_through_the_cli() {
    let tmp = tempfile::tempdir().unwrap();
    for (name, spec) in scenarios::scenarios().into_iter().take(8) {
        for form in [Form::DockerLegacy, Form::Docker25, Form::Oci] {
            let file = format!("{name}{}.tar", form.suffix());
            imagegen::write_tar_file(&spec, form, &tmp.path().join(&file)).unwrap();
            let o = plummet(&["ci", "-q", "--json", "-", &file], tmp.path());
            assert!(
                matches!(o.status.code(), Some(0 | 1)),
                "{file}: {}",
                stderr(&o)
            );
            let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
            let e = imagegen::expected(&spec);
            assert_eq!(v["image"]["wasted_bytes"], e.wasted_bytes, "{file}");
            assert_eq!(v["image"]["size_bytes"], e.size_bytes, "{file}");
        }
    }
}

/// clap's usage errors take five lines with blank ones between; like every other error they are
/// one line here, keeping clap's message, its tip and the usage. Help and version stay clap's.
#[test]
fn usage_errors_are_one_line_with_the_usage() {
    let tmp = tempfile::tempdir().unwrap();
    let cases: [(&[&str], &[&str]); 5] = [
        (
            &["ci"],
            &[
                "required arguments were not provided: <IMAGE>",
                "usage: plummet ci <IMAGE>",
            ],
        ),
        (
            &["ci", "x", "--nope"],
            &["unexpected argument '--nope'", "tip: ", "usage: plummet ci"],
        ),
        (
            &["ci", "x", "--top", "many"],
            &["invalid value 'many' for '--top <N>'"],
        ),
        (
            &["diff", "a"],
            &["<IMAGE_B>", "usage: plummet diff <IMAGE_A> <IMAGE_B>"],
        ),
        // A usage of two lines becomes `usage: A or B`.
        (
            &["frobnicate", "ci", "x"],
            &["usage: plummet [OPTIONS] [IMAGE] or plummet <COMMAND>"],
        ),
    ];
    for (args, needles) in cases {
        let o = plummet(args, tmp.path());
        assert_error(&o, needles);
        assert!(
            stderr(&o).trim_end().ends_with("see --help)"),
            "{}",
            stderr(&o)
        );
    }
    // An argument quoted back is escaped (clap itself drops ESC sequences, not CR or C1).
    let o = plummet(&["ci", "x", "--top", "evil\rX\u{9b}2J"], tmp.path());
    assert_error(&o, &["invalid value 'evil\\rX\\u{9b}2J'"]);
    for args in [["--help"], ["--version"]] {
        let o = plummet(&args, tmp.path());
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        assert!(!o.stdout.is_empty() && o.stderr.is_empty());
    }
    let o = plummet(&["ci", "--help"], tmp.path());
    assert!(String::from_utf8_lossy(&o.stdout).lines().count() > 5);
}

/// `plummet` with `CI` set to `value`, stdin closed and stdout a pipe.
fn plummet_in_ci(value: &str, args: &[&str], dir: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_plummet"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .env_remove("PLUMMET_LOG")
        .env("CI", value)
        .stdin(std::process::Stdio::null())
        .output()
        .expect("run plummet")
}

#[test]
fn the_ui_without_a_terminal_says_to_use_ci_and_draws_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let path = example();
    let image = path.to_str().unwrap();
    // `output()` gives the child a null stdin and pipes for stdout and stderr: no terminal.
    for args in [vec![image], vec!["explore", image]] {
        let o = plummet(&args, tmp.path());
        assert_error(&o, &["needs a terminal", "plummet ci IMAGE"]);
        assert!(o.stdout.is_empty(), "{args:?} wrote {:?}", o.stdout);
        assert!(
            !stderr(&o).contains('\x1b'),
            "escape codes: {:?}",
            stderr(&o)
        );
    }
    // A redirected stdout gets nothing, not one escape code.
    let out = std::fs::File::create(tmp.path().join("out")).unwrap();
    let o = Command::new(env!("CARGO_BIN_EXE_plummet"))
        .arg(image)
        .env_remove("CI")
        .stdout(out)
        .output()
        .unwrap();
    assert_error(&o, &["needs a terminal"]);
    assert_eq!(std::fs::read(tmp.path().join("out")).unwrap(), b"");
    let o = plummet(&["diff", "--ui", image, image], tmp.path());
    assert_error(&o, &["needs a terminal", "without --ui"]);
}

#[test]
fn ci_true_runs_the_ci_report_instead_of_the_ui() {
    let tmp = tempfile::tempdir().unwrap();
    let path = example();
    let image = path.to_str().unwrap();
    let o = plummet_in_ci("true", &[image], tmp.path());
    // The example fails dive's default rules, as `plummet ci` says.
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let out = String::from_utf8(o.stdout).unwrap();
    let ci = plummet(&["ci", image], tmp.path());
    assert_eq!(out, String::from_utf8(ci.stdout).unwrap());
    assert!(out.contains("FAIL  lowestEfficiency"), "{out}");
    // The rules of a .dive-ci in the working directory apply, as in dive's CI mode.
    std::fs::write(
        tmp.path().join(".dive-ci"),
        "rules:\n  lowestEfficiency: 0.5\n  highestUserWastedPercent: 0.5\n",
    )
    .unwrap();
    let o = plummet_in_ci("1", &["explore", image], tmp.path());
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    // `plummet diff --ui` prints the diff report instead.
    let o = plummet_in_ci("true", &["diff", "--ui", image, image], tmp.path());
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(String::from_utf8_lossy(&o.stdout).contains("identical"));
    // Any other value is not CI mode: without a terminal, the one-line refusal.
    let o = plummet_in_ci("false", &[image], tmp.path());
    assert_error(&o, &["needs a terminal"]);
}
