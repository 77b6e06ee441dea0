//! Tests of settings: .dive-ci parsing, config files, flag precedence, and their error messages.

use super::*;

fn rule_args(extra: &[&str]) -> RuleArgs {
    use clap::Parser;
    let mut argv = vec!["plummet", "ci", "img.tar"];
    argv.extend_from_slice(extra);
    match crate::cli::Cli::parse_from(argv).command {
        Some(crate::cli::Command::Ci(a)) => a.rules,
        other => panic!("{other:?}"),
    }
}

/// Arguments with an empty `.dive-ci`, so a file in the working directory cannot interfere.
fn no_dive_ci(extra: &[&str]) -> RuleArgs {
    let mut a = rule_args(extra);
    a.ci_config = Some(PathBuf::from("/dev/null"));
    a
}

#[test]
fn config_file_is_strict() {
    let e =
        ConfigFile::parse("[rules]\nlowest_eficiency = 0.9\n", Path::new("p.toml")).unwrap_err();
    let text = e.to_string();
    assert!(
        text.starts_with("p.toml: ") && text.contains("unknown field `lowest_eficiency`"),
        "{text}"
    );
    assert!(!text.contains('\n'));
}

#[test]
fn flags_override_config_which_overrides_defaults() {
    let file = ConfigFile::parse(
        "[rules]\nlowest_efficiency = 0.5\nmax_reclaimable_bytes = \"10MB\"\nno_secrets = true\n[rules.max_kind_bytes]\ngit = 0\n",
        Path::new("p.toml"),
    )
    .unwrap();
    let args = no_dive_ci(&[
        "--lowest-efficiency",
        "0.8",
        "--max-kind-bytes",
        "node_modules=1MB",
    ]);
    let rules = rules(&args, &file).unwrap();
    assert_eq!(rules.lowest_efficiency, Some(0.8));
    assert_eq!(rules.highest_user_wasted_percent, Some(0.1));
    assert_eq!(rules.max_reclaimable_bytes, Some(10_000_000));
    assert!(rules.no_secrets);
    assert_eq!(rules.max_kind_bytes.get(&FindingKind::Git), Some(&0));
    assert_eq!(
        rules.max_kind_bytes.get(&FindingKind::NodeModules),
        Some(&1_000_000)
    );
}

#[test]
fn dive_flag_spellings_are_aliases_and_range_checked() {
    let args = no_dive_ci(&[
        "--lowestEfficiency",
        "0.7",
        "--highestWastedBytes",
        "20Mb",
        "--highestUserWastedPercent",
        "off",
    ]);
    let r = rules(&args, &ConfigFile::default()).unwrap();
    assert_eq!(r.lowest_efficiency, Some(0.7));
    assert_eq!(r.highest_wasted_bytes, Some(20_000_000));
    assert_eq!(r.highest_user_wasted_percent, None);
    let e = rules(
        &no_dive_ci(&["--lowestEfficiency", "1.1"]),
        &ConfigFile::default(),
    )
    .unwrap_err();
    assert_eq!(
        e.to_string(),
        "--lowest-efficiency: 1.1 is outside the allowed range 0-1 (a ratio: 0.9 means 90%)"
    );
}

#[test]
fn unknown_kind_is_rejected_with_the_list() {
    let e = rules(
        &no_dive_ci(&["--max-kind-bytes", "gti=0"]),
        &ConfigFile::default(),
    )
    .unwrap_err();
    assert!(
        e.to_string()
            .contains("unknown finding kind \"gti\"; kinds are secret, git"),
        "{e}"
    );
}

#[test]
fn missing_explicit_dive_ci_is_an_error() {
    let args = rule_args(&["--ci-config", "/nonexistent/rules"]);
    let e = rules(&args, &ConfigFile::default()).unwrap_err();
    assert!(
        e.to_string()
            .starts_with("/nonexistent/rules: cannot read CI rules"),
        "{e}"
    );
}

#[test]
fn platform_and_creds_are_validated() {
    let args = SourceArgs {
        platform: Some("linux".into()),
        ..Default::default()
    };
    assert!(
        load_options(&args, &ConfigFile::default())
            .unwrap_err()
            .to_string()
            .contains("os/arch")
    );
    let args = SourceArgs {
        creds: Some("nocolon".into()),
        ..Default::default()
    };
    assert!(load_options(&args, &ConfigFile::default()).is_err());
    let args = SourceArgs {
        creds: Some("u:p:w".into()),
        tls_verify: Some(false),
        ..Default::default()
    };
    let o = load_options(&args, &ConfigFile::default()).unwrap();
    assert_eq!(o.credentials.unwrap().secret.0, "p:w");
    assert!(o.insecure);
}

#[test]
fn user_layers_only_comes_from_the_config_or_the_flag() {
    let on = ConfigFile::parse("[rules]\nuser_layers_only = true\n", Path::new("p.toml")).unwrap();
    assert!(rules(&no_dive_ci(&[]), &on).unwrap().user_layers_only);
    let off = ConfigFile::default();
    assert!(!rules(&no_dive_ci(&[]), &off).unwrap().user_layers_only);
    assert!(
        rules(&no_dive_ci(&["--user-layers-only"]), &off)
            .unwrap()
            .user_layers_only
    );
}

#[test]
fn the_export_idle_timeout_is_whole_seconds() {
    let secs = |v: &str| export_idle(Some(v.to_string()));
    assert_eq!(secs("2").unwrap(), Some(std::time::Duration::from_secs(2)));
    assert_eq!(
        secs(" 300 ").unwrap(),
        Some(std::time::Duration::from_secs(300))
    );
    assert_eq!(export_idle(None).unwrap(), None);
    assert_eq!(secs("").unwrap(), None);
    for bad in ["0", "0.5", "2s", "-1", "99999999999999999999"] {
        let err = secs(bad).unwrap_err().to_string();
        assert!(
            err.contains("PLUMMET_DAEMON_EXPORT_IDLE_SECS") && err.contains(bad),
            "{err}"
        );
    }
}
