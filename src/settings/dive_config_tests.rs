//! dive's config files as dive's repository ships them (testdata/dive, MIT), and each kind of
//! mistake a config can hold.

use super::*;

fn file(name: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("testdata/dive")
        .join(name);
    std::fs::read_to_string(path).unwrap()
}

#[test]
fn dives_readme_config_maps_every_binding_and_setting() {
    let c = DiveConfig::parse(&file("readme-0.13.1.yaml")).unwrap();
    assert_eq!(c.source, Some(DiveSource::Docker));
    assert_eq!(c.keys["quit"], "ctrl+c");
    assert_eq!(c.keys["search"], "ctrl+f, ctrl+slash");
    assert_eq!(c.keys["toggle_aggregated"], "ctrl+l");
    assert_eq!(c.keys["toggle_all"], "ctrl+space");
    assert_eq!(c.keys["filter_modified"], "ctrl+m");
    assert_eq!(c.keys["page_down"], "pgdn,d");
    assert_eq!(c.hide, ["added", "removed", "modified", "unmodified"]);
    assert!(!c.collapse_dir && c.show_attributes && !c.ci);
    assert!(
        c.warnings
            .iter()
            .any(|w| w.starts_with("keybinding.compare-all")),
        "{:?}",
        c.warnings
    );
    // Every binding in it is one plummet's keymap reads, with no key given to two actions.
    let keymap = crate::ui::Keymap::new(&c.keys);
    assert!(keymap.is_ok(), "{:?}", keymap.err());
}

#[test]
fn dives_ci_test_configs_give_dives_rules() {
    let pass = DiveConfig::parse(&file("dive-pass.yaml")).unwrap();
    assert!(pass.ci);
    let rules = pass.rule_base();
    assert_eq!(rules.lowest_efficiency, Some(0.10));
    assert_eq!(rules.highest_wasted_bytes, Some(20_000_000));
    assert_eq!(rules.highest_user_wasted_percent, Some(0.90));
    // dive ignores `lowest-efficiency-threshold` and keeps 0.9; plummet reads it.
    let fail = DiveConfig::parse(&file("dive-fail.yaml")).unwrap();
    assert_eq!(fail.rule_base().lowest_efficiency, Some(0.9));
    assert_eq!(fail.rule_base().highest_user_wasted_percent, Some(0.1));
    let enable = DiveConfig::parse(&file("dive-enable-ci.yaml")).unwrap();
    assert_eq!(enable.rule_base(), pass.rule_base());
    // The legacy camelCase names under `rules:`.
    let legacy = DiveConfig::parse(&file("dive-ci-legacy.yaml")).unwrap();
    assert!(!legacy.ci);
    let rules = legacy.rule_base();
    assert_eq!(rules.lowest_efficiency, Some(0.95));
    assert_eq!(rules.highest_wasted_bytes, Some(20_000_000));
    assert_eq!(rules.highest_user_wasted_percent, Some(0.20));
}

#[test]
fn dives_kebab_rules_and_disabled() {
    let c = DiveConfig::parse(
        "rules:\n  lowest-efficiency: disabled\n  highest-wasted-bytes: 20Mb\n  highest-user-wasted-percent: \"0.5\"\n",
    )
    .unwrap();
    let rules = c.rule_base();
    assert_eq!(rules.lowest_efficiency, None);
    assert_eq!(rules.highest_wasted_bytes, Some(20_000_000));
    assert_eq!(rules.highest_user_wasted_percent, Some(0.5));
}

#[test]
fn mistakes_are_errors_naming_the_key() {
    for (text, needle) in [
        (
            "rules:\n  lowest-efficiency: 1.5\n",
            "outside the allowed range 0-1",
        ),
        (
            "rules:\n  lowest-efficency: 0.9\n",
            "unknown key \"lowest-efficency\" in rules",
        ),
        (
            "rules:\n  lowest-efficiency: 0.9\n  lowestEfficiency: 0.8\n",
            "given twice",
        ),
        (
            "keybinding:\n  quitt: q\n",
            "unknown key \"quitt\" in keybinding",
        ),
        (
            "filetree:\n  collapse-dir: maybe\n",
            "filetree.collapse-dir",
        ),
        (
            "diff:\n  hide: [added, deleted]\n",
            "\"deleted\" is not one of",
        ),
        ("source: containerd\n", "\"containerd\" is not a source"),
        ("colour: true\n", "unknown key \"colour\" in dive's config"),
        ("- a\n- b\n", "expected a map"),
        ("rules: [\n", "not YAML"),
    ] {
        let err = DiveConfig::parse(text).unwrap_err();
        assert!(err.contains(needle), "{text:?}: {err}");
        assert_eq!(err.lines().count(), 1, "{err}");
    }
}

#[test]
fn an_empty_file_and_accepted_but_unused_settings() {
    assert_eq!(DiveConfig::parse("").unwrap(), DiveConfig::new());
    let c = DiveConfig::parse(
        "ignore-errors: true\nlog:\n  level: debug\nfiletree:\n  pane-width: 0.3\n",
    )
    .unwrap();
    assert_eq!(c.warnings.len(), 2, "{:?}", c.warnings);
}

#[test]
fn dives_default_places_in_its_order() {
    let home = tempfile::tempdir().unwrap();
    let xdg = tempfile::tempdir().unwrap();
    let h = home.path().to_string_lossy().into_owned();
    let x = xdg.path().to_string_lossy().into_owned();
    let env_with = |xdg: Option<&str>| {
        let h = h.clone();
        let xdg = xdg.map(str::to_string);
        move |name: &str| match name {
            "HOME" => Some(h.clone()),
            "XDG_CONFIG_HOME" => xdg.clone(),
            _ => None,
        }
    };
    assert_eq!(default_file(&env_with(Some(&x))), None);
    std::fs::write(home.path().join(".dive.yaml"), "ci: true\n").unwrap();
    assert_eq!(
        default_file(&env_with(Some(&x))),
        Some(home.path().join(".dive.yaml"))
    );
    std::fs::create_dir_all(home.path().join(".config/dive")).unwrap();
    std::fs::write(home.path().join(".config/dive/b.yml"), "").unwrap();
    std::fs::write(home.path().join(".config/dive/a.yaml"), "").unwrap();
    std::fs::write(home.path().join(".config/dive/0.txt"), "").unwrap();
    assert_eq!(
        default_file(&env_with(None)),
        Some(home.path().join(".config/dive/a.yaml"))
    );
    std::fs::create_dir_all(xdg.path().join("dive")).unwrap();
    std::fs::write(xdg.path().join("dive/z.yaml"), "").unwrap();
    assert_eq!(
        default_file(&env_with(Some(&x))),
        Some(xdg.path().join("dive/z.yaml"))
    );
}

#[test]
fn dives_environment_overrides_the_file() {
    let mut c = DiveConfig::parse("ci: false\nrules:\n  lowest-efficiency: 0.5\n").unwrap();
    let env = |name: &str| match name {
        "DIVE_CI" => Some("true".to_string()),
        "DIVE_RULES_LOWEST_EFFICIENCY" => Some("0.75".to_string()),
        "DIVE_RULES_HIGHEST_WASTED_BYTES" => Some("disabled".to_string()),
        "DIVE_SOURCE" => Some("podman".to_string()),
        _ => None,
    };
    c.apply_env(&env).unwrap();
    assert!(c.ci);
    assert_eq!(c.rule_base().lowest_efficiency, Some(0.75));
    assert_eq!(c.rule_base().highest_wasted_bytes, None);
    assert_eq!(c.source, Some(DiveSource::Podman));
    let bad = |name: &str| (name == "DIVE_CI").then(|| "yes".to_string());
    assert!(c.apply_env(&bad).unwrap_err().contains("DIVE_CI"));
}
