//! The command line for people coming from dive and skopeo (issue 14 §1 flags and §4): dive's
//! flags on `plummet IMAGE`, a mistyped subcommand named instead of pulled, completions and the
//! man page, report files replaced only when whole.

use std::path::Path;
use std::process::{Command, Output};

#[path = "cli_support/binary.rs"]
mod binary;
use binary::{example, stderr};

fn plummet(args: &[&str], dir: &Path) -> Output {
    binary::run(
        binary::command(args, dir)
            .env_remove("DIVE_SOURCE")
            // No daemon: a mistyped command must fail before anything is looked up.
            .env("DOCKER_HOST", "unix:///nonexistent/plummet-test.sock"),
    )
}

fn assert_one_line_error(o: &Output, needles: &[&str]) {
    let err = stderr(o);
    assert_eq!(o.status.code(), Some(2), "stderr: {err}");
    assert_eq!(err.trim_end().lines().count(), 1, "not one line: {err}");
    for n in needles {
        assert!(err.contains(n), "{err:?} lacks {n:?}");
    }
}

#[test]
fn a_mistyped_subcommand_is_named_not_pulled() {
    let tmp = tempfile::tempdir().unwrap();
    let o = plummet(&["dif", "a.tar", "b.tar"], tmp.path());
    assert_one_line_error(&o, &["`dif` is not a command", "plummet diff"]);
    let o = plummet(&["cii"], tmp.path());
    assert_one_line_error(&o, &["did you mean `plummet ci`?", "cii:latest"]);
    // A file of that name is an image, read as one.
    std::fs::write(tmp.path().join("dif"), b"not a tar").unwrap();
    let o = plummet(&["dif"], tmp.path());
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(!err.contains("is not a command"), "{err}");
}

#[test]
fn completions_and_the_man_page_are_printed() {
    let tmp = tempfile::tempdir().unwrap();
    for shell in ["bash", "zsh", "fish", "powershell"] {
        let o = plummet(&["completions", shell], tmp.path());
        assert_eq!(o.status.code(), Some(0), "{shell}: {}", stderr(&o));
        let script = String::from_utf8_lossy(&o.stdout);
        assert!(
            script.contains("plummet") && script.contains("diff"),
            "{shell}"
        );
    }
    let o = plummet(&["completions", "tcsh"], tmp.path());
    assert_eq!(o.status.code(), Some(2));
    let o = plummet(&["man"], tmp.path());
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(String::from_utf8_lossy(&o.stdout).contains(".TH plummet"));
}

#[test]
fn bash_completes_subcommands_with_the_generated_script() {
    if Command::new("bash").arg("--version").output().is_err() {
        eprintln!("SKIP bash_completes_subcommands: bash is not installed");
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let o = plummet(&["completions", "bash"], tmp.path());
    let script = tmp.path().join("plummet.bash");
    std::fs::write(&script, &o.stdout).unwrap();
    // What bash's completion would offer after `plummet d<TAB>`.
    let probe = format!(
        "source {}; COMP_WORDS=(plummet d); COMP_CWORD=1; COMP_LINE='plummet d'; COMP_POINT=9; _plummet plummet d plummet; printf '%s\\n' \"${{COMPREPLY[@]}}\"",
        script.display()
    );
    let out = Command::new("bash").arg("-c").arg(probe).output().unwrap();
    let offered = String::from_utf8_lossy(&out.stdout);
    assert!(
        offered.lines().any(|l| l == "diff"),
        "{offered} {}",
        stderr(&out)
    );
}

#[test]
fn dives_ci_and_json_flags_work_on_the_bare_command() {
    let tmp = tempfile::tempdir().unwrap();
    let image = example();
    let image = image.to_str().unwrap();
    // dive --ci: the rules, dive's defaults, which the example fails.
    let o = plummet(&[image, "--ci"], tmp.path());
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(String::from_utf8_lossy(&o.stdout).contains("FAIL  lowestEfficiency"));
    // With dive's rule flags.
    let o = plummet(
        &[
            image,
            "--ci",
            "--lowestEfficiency",
            "0.5",
            "--highestUserWastedPercent",
            "disabled",
        ],
        tmp.path(),
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    // dive -j FILE: the JSON export, no rules, no UI.
    let o = plummet(&[image, "-j", "out.json"], tmp.path());
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(tmp.path().join("out.json")).unwrap()).unwrap();
    assert_eq!(json["schema_version"], 1);
    // dive --source docker-archive IMAGE.tar.
    let o = plummet(
        &["--source", "docker-archive", image, "--json", "-"],
        tmp.path(),
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    // A rule flag without --ci would be ignored: an error says so.
    let o = plummet(&[image, "--lowestEfficiency", "0.9"], tmp.path());
    assert_one_line_error(&o, &["--lowestEfficiency applies to the CI check"]);
    let o = plummet(&["--source", "containerd", image], tmp.path());
    assert_one_line_error(&o, &["containerd"]);
}

#[test]
fn an_existing_report_is_replaced_only_by_a_whole_one() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("r.json"), b"last run").unwrap();
    // The image cannot be read: the old report stays as it was.
    let o = plummet(&["ci", "missing.tar", "--json", "r.json"], tmp.path());
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(
        std::fs::read(tmp.path().join("r.json")).unwrap(),
        b"last run"
    );
    let o = plummet(
        &["ci", example().to_str().unwrap(), "--json", "r.json"],
        tmp.path(),
    );
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let text = std::fs::read_to_string(tmp.path().join("r.json")).unwrap();
    assert!(text.starts_with('{'), "{text}");
    let names: Vec<_> = std::fs::read_dir(tmp.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names.len(), 1, "{names:?}");
}

/// dive's own config files (testdata/dive, from dive's repository) given the way dive takes
/// them: `DIVE_CONFIG`, `--config FILE.yaml`, `~/.dive.yaml`.
#[test]
fn dives_config_files_switch_to_ci_and_set_the_rules() {
    let tmp = tempfile::tempdir().unwrap();
    let dive = |name: &str| {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("testdata/dive")
            .join(name)
    };
    let image = example();
    let run = |args: &[&str], envs: &[(&str, &Path)]| {
        let mut command = binary::command(args, tmp.path());
        command
            .env("HOME", tmp.path())
            .env_remove("XDG_CONFIG_HOME")
            .env_remove("XDG_CONFIG_DIRS")
            .env_remove("DIVE_CONFIG");
        for (k, v) in envs {
            command.env(k, v);
        }
        binary::run(&mut command)
    };
    let image_arg = image.to_str().unwrap();
    // dive-pass.yaml: `ci: true` runs the rules instead of the UI (no terminal needed). The
    // example passes all three: efficiency 0.84 >= 0.10, waste 202 kB <= 20 MB, user waste
    // 0.268 <= 0.90.
    let o = run(&[image_arg], &[("DIVE_CONFIG", &dive("dive-pass.yaml"))]);
    let out = String::from_utf8_lossy(&o.stdout).into_owned();
    assert_eq!(o.status.code(), Some(0), "{out}{}", stderr(&o));
    assert!(out.contains("PASS  lowestEfficiency: 0.8"), "{out}");
    assert!(out.contains("(threshold 0.1000)"), "{out}");
    // dive-fail.yaml through --config: lowest-efficiency-threshold 0.9 fails the example (dive
    // itself ignores that key and fails it on its default 0.9 just the same).
    let fail = dive("dive-fail.yaml");
    let o = run(&[image_arg, "--config", fail.to_str().unwrap()], &[]);
    let out = String::from_utf8_lossy(&o.stdout).into_owned();
    assert_eq!(o.status.code(), Some(1), "{out}{}", stderr(&o));
    assert!(out.contains("FAIL  lowestEfficiency"), "{out}");
    // ~/.dive.yaml is found; the legacy camelCase rules apply to `plummet ci`.
    std::fs::copy(dive("dive-ci-legacy.yaml"), tmp.path().join(".dive.yaml")).unwrap();
    let o = run(&["ci", image_arg], &[]);
    let out = String::from_utf8_lossy(&o.stdout).into_owned();
    assert!(out.contains("(threshold 0.9500)"), "{out}");
    assert!(out.contains("(threshold 20 MB)"), "{out}");
    // A mistake in it is one line naming the file and the key.
    std::fs::write(
        tmp.path().join(".dive.yaml"),
        "rules:\n  lowest-efficency: 0.9\n",
    )
    .unwrap();
    let o = run(&["ci", image_arg], &[]);
    assert_one_line_error(
        &o,
        &[".dive.yaml", "unknown key \"lowest-efficency\" in rules"],
    );
}
