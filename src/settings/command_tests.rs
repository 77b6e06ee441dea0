//! Tests of the settings step: each command line and environment to its one settings value.

use clap::Parser;

use super::*;
use crate::cli::Cli;

fn settings(argv: &[&str], env: Environment) -> Settings {
    let mut all = vec!["plummet"];
    all.extend_from_slice(argv);
    // An empty config file and .dive-ci, so files in the working directory cannot interfere.
    all.extend_from_slice(&["--config", "/dev/null"]);
    for_command(Cli::parse_from(all), &env).unwrap().unwrap()
}

#[test]
fn an_image_opens_the_ui_unless_ci_is_set() {
    let env = Environment::default();
    let Settings::Explore(s) = settings(&["img.tar"], env) else {
        panic!("not the UI")
    };
    assert_eq!(s.image, "img.tar");
    assert!(!s.ui.no_color && !s.ui.stdin_taken);
    let ci = Environment { ci: true, ..env };
    let Settings::Ci(s) = settings(&["explore", "img.tar"], ci) else {
        panic!("not CI mode")
    };
    assert_eq!((s.image.as_str(), s.reports.top), ("img.tar", 10));
    assert_eq!(s.reports.json, None);
}

#[test]
fn no_color_and_a_terminal_decide_colours_once() {
    let tty = Environment {
        stdout_is_terminal: true,
        ..Environment::default()
    };
    let Settings::Ci(s) = settings(&["ci", "img.tar", "--ci-config", "/dev/null"], tty) else {
        panic!()
    };
    assert!(s.reports.color);
    let no_color = Environment {
        no_color: true,
        ..tty
    };
    let Settings::Ci(s) = settings(&["ci", "img.tar", "--ci-config", "/dev/null"], no_color) else {
        panic!()
    };
    assert!(!s.reports.color);
    let Settings::Explore(s) = settings(&["img.tar"], no_color) else {
        panic!()
    };
    assert!(s.ui.no_color);
}

#[test]
fn diff_rules_are_built_here_and_ci_turns_the_diff_ui_into_the_report() {
    let env = Environment::default();
    let Settings::Diff(s) = settings(
        &[
            "diff",
            "a.tar",
            "b.tar",
            "--ui",
            "--max-growth",
            "5%",
            "--no-new-findings",
            "git",
        ],
        env,
    ) else {
        panic!()
    };
    assert_eq!(
        s.rules.max_growth,
        Some(crate::diff::rules::Growth::Ratio(0.05))
    );
    assert!(s.ui.is_some());
    let ci = Environment { ci: true, ..env };
    let Settings::Diff(s) = settings(&["diff", "a.tar", "b.tar", "--ui"], ci) else {
        panic!()
    };
    assert!(s.ui.is_none());
    let bad = Cli::parse_from(["plummet", "diff", "a", "b", "--max-growth", "lots"]);
    let err = for_command(bad, &env).unwrap_err().to_string();
    assert!(err.contains("--max-growth"), "{err}");
}

#[test]
fn cat_extract_and_both_uis_use_the_cache_by_default_and_the_reports_do_not() {
    let env = Environment::default();
    let dir = |s: &Settings| {
        let load = match s {
            Settings::Explore(s) => &s.load,
            Settings::Cat(s) => &s.load,
            Settings::Extract(s) => &s.load,
            Settings::Ci(s) => &s.load,
            Settings::Diff(s) => &s.load,
            _ => panic!("unexpected command"),
        };
        load.index
            .disk_cache
            .as_ref()
            .map(|c| c.dir().to_path_buf())
    };
    let default = crate::settings::default_cache_dir();
    for argv in [
        &["img.tar"][..],
        &["cat", "img.tar", "/etc/hosts"],
        &["extract", "img.tar", "/etc", "-o", "out"],
        &["diff", "a.tar", "b.tar", "--ui"],
    ] {
        assert_eq!(dir(&settings(argv, env)), default, "{argv:?}");
        let mut off = argv.to_vec();
        off.push("--no-cache");
        assert_eq!(dir(&settings(&off, env)), None, "{argv:?}");
        let mut elsewhere = argv.to_vec();
        elsewhere.extend(["--cache-dir", "/var/cache/p"]);
        assert_eq!(
            dir(&settings(&elsewhere, env)),
            Some(PathBuf::from("/var/cache/p"))
        );
    }
    let ci = settings(&["ci", "img.tar", "--ci-config", "/dev/null"], env);
    assert_eq!(dir(&ci), None);
    // The diff reports keep it opt-in, as `ci` does; only the diff UI (its viewer) has it.
    assert_eq!(dir(&settings(&["diff", "a.tar", "b.tar"], env)), None);
}
