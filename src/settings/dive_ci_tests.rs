//! `.dive-ci` in each form dive 0.13 reads (fixtures written here in the shapes of dive's own
//! `.data/.dive-ci` and `cmd/dive/cli/testdata`), and the forms it must refuse.

use std::path::Path;

use super::*;

fn read(content: &str) -> Result<(RuleSet, Vec<String>), String> {
    let mut rules = RuleSet::default();
    let warnings =
        apply(content, Path::new("ci/.dive-ci"), &mut rules).map_err(|e| e.to_string())?;
    Ok((rules, warnings))
}

fn figures(r: &RuleSet) -> (Option<f64>, Option<u64>, Option<f64>) {
    (
        r.lowest_efficiency,
        r.highest_wasted_bytes,
        r.highest_user_wasted_percent,
    )
}

#[test]
fn block_map_with_comments_and_document_marker() {
    let (r, w) = read(
        "---\nrules:\n  # fail below 95%\n  lowestEfficiency: 0.95\n\n  highestWastedBytes: 20MB # SI\n  highestUserWastedPercent: 0.20\n",
    )
    .unwrap();
    assert_eq!(figures(&r), (Some(0.95), Some(20_000_000), Some(0.2)));
    assert!(w.is_empty());
}

#[test]
fn inline_map_is_read() {
    // The hand-written parser silently ignored this form.
    let (r, _) = read("rules: {lowestEfficiency: 0.5, highestWastedBytes: \"1KB\"}\n").unwrap();
    assert_eq!(figures(&r), (Some(0.5), Some(1000), Some(0.1)));
    let (r, _) = read("{rules: {highestUserWastedPercent: 0.3}}").unwrap();
    assert_eq!(r.highest_user_wasted_percent, Some(0.3));
}

#[test]
fn quoted_and_plain_numbers_are_the_same() {
    for text in [
        "rules:\n  lowestEfficiency: 0.8\n",
        "rules:\n  lowestEfficiency: \"0.8\"\n",
        "rules:\n  lowestEfficiency: '0.8'\n",
        "rules:\n  lowestEfficiency: .8\n",
    ] {
        assert_eq!(read(text).unwrap().0.lowest_efficiency, Some(0.8), "{text}");
    }
    // Integers are ratios too: 0 and 1 are the ends of dive's range.
    let (r, _) = read("rules:\n  lowestEfficiency: 1\n  highestUserWastedPercent: 0\n").unwrap();
    assert_eq!(
        (r.lowest_efficiency, r.highest_user_wasted_percent),
        (Some(1.0), Some(0.0))
    );
}

#[test]
fn disabled_in_every_spelling_dive_accepts() {
    for value in [
        "disabled",
        "Disabled",
        "DISABLED",
        "off",
        "OFF",
        "false",
        "False",
        "\"\"",
        "\" disabled \"",
    ] {
        let text = format!(
            "rules:\n  lowestEfficiency: {value}\n  highestWastedBytes: {value}\n  highestUserWastedPercent: {value}\n"
        );
        let (r, _) = read(&text).unwrap_or_else(|e| panic!("{value}: {e}"));
        assert_eq!(figures(&r), (None, None, None), "{value}");
    }
}

#[test]
fn sizes_as_go_humanize_parses_them() {
    for (value, bytes) in [
        ("20MB", 20_000_000),
        ("20Mb", 20_000_000), // lowercased by dive: megabytes, not megabits
        ("20mb", 20_000_000),
        ("20 MB", 20_000_000),
        ("20M", 20_000_000),
        ("20MiB", 20 * 1024 * 1024),
        ("50kB", 50_000),
        ("1B", 1),
        ("1,000", 1000),
        ("1.5KiB", 1536),
        ("1.0009KB", 1000), // truncated, as uint64(f) does
        ("2GB", 2_000_000_000),
        ("12345", 12345),
    ] {
        let (r, _) = read(&format!("rules:\n  highestWastedBytes: {value}\n")).unwrap();
        assert_eq!(r.highest_wasted_bytes, Some(bytes), "{value}");
    }
    for bad in ["-1MB", "20 parsecs", "MB", "lots"] {
        let e = read(&format!("rules:\n  highestWastedBytes: {bad}\n")).unwrap_err();
        assert!(
            e.starts_with("ci/.dive-ci: highestWastedBytes: "),
            "{bad}: {e}"
        );
    }
}

#[test]
fn ratio_outside_zero_one_names_key_and_file() {
    let e = read("rules:\n  lowestEfficiency: 1.1\n").unwrap_err();
    assert_eq!(
        e,
        "ci/.dive-ci: lowestEfficiency: 1.1 is outside the allowed range 0-1 (a ratio: 0.9 means 90%)"
    );
    let e = read("rules:\n  highestUserWastedPercent: -0.1\n").unwrap_err();
    assert!(
        e.starts_with("ci/.dive-ci: highestUserWastedPercent: -0.1 is outside"),
        "{e}"
    );
    // dive reads 90 as 90.0, out of range: a percentage written as a number is an error, not a gate
    // that always passes.
    assert!(read("rules:\n  highestUserWastedPercent: 90\n").is_err());
    let e = read("rules:\n  highestUserWastedPercent: 50%\n").unwrap_err();
    assert!(e.contains("50% is 0.5"), "{e}");
    // dive lets NaN through its range check (a rule that never fails); plummet refuses it.
    assert!(read("rules:\n  lowestEfficiency: .nan\n").is_err());
    assert!(read("rules:\n  lowestEfficiency: NaN\n").is_err());
}

#[test]
fn dives_own_data_file_is_accepted_with_warnings() {
    // The shape of dive's .data/.dive-ci: a plugins list and a plugin rule beside the three rules.
    let (r, w) = read(
        "---\nplugins:\n  - plugin1\n\nrules:\n  # ratio\n  lowestEfficiency: 0.95\n\n  highestWastedBytes: 20Mb\n\n  highestUserWastedPercent: 0.5\n\n  plugin1/rule1: error\n",
    )
    .unwrap();
    assert_eq!(figures(&r), (Some(0.95), Some(20_000_000), Some(0.5)));
    assert_eq!(w.len(), 2, "{w:?}");
    assert!(w[0].contains("plugins"), "{w:?}");
    assert!(w[1].contains("plugin1/rule1"), "{w:?}");
}

#[test]
fn empty_file_and_empty_values_keep_the_defaults() {
    let defaults = figures(&RuleSet::default());
    assert_eq!(figures(&read("").unwrap().0), defaults);
    assert_eq!(figures(&read("# nothing\n").unwrap().0), defaults);
    assert_eq!(figures(&read("rules:\n").unwrap().0), defaults);
    // yaml.v3 leaves a Go string untouched for a null, so dive keeps its default; plummet warns.
    let (r, w) = read("rules:\n  lowestEfficiency:\n").unwrap();
    assert_eq!(figures(&r), defaults);
    assert_eq!(w.len(), 1);
}

#[test]
fn what_dive_would_silently_ignore_is_an_error_with_advice() {
    let e = read("rules:\n  lowestEfficincy: 0.9\n").unwrap_err();
    assert_eq!(
        e,
        "ci/.dive-ci: unknown rule \"lowestEfficincy\": dive would ignore it; its rules are lowestEfficiency, highestWastedBytes, highestUserWastedPercent"
    );
    let e = read("rules:\n  lowest-efficiency: 0.9\n").unwrap_err();
    assert!(e.contains("in .dive-ci write lowestEfficiency"), "{e}");
    let e = read("lowestEfficiency: 0.9\n").unwrap_err();
    assert!(e.contains("unknown section \"lowestEfficiency\""), "{e}");
    let e = read("rules:\n  - lowestEfficiency: 0.9\n").unwrap_err();
    assert!(e.contains("`rules:` must be a map, found a list"), "{e}");
    let e = read("rules:\n  lowestEfficiency: [0.9]\n").unwrap_err();
    assert!(e.contains("lowestEfficiency: expected a number"), "{e}");
    let e = read("rules: {lowestEfficiency: 0.9\n").unwrap_err();
    assert!(e.starts_with("ci/.dive-ci: not valid YAML"), "{e}");
    // A key with a terminal escape is shown escaped.
    let e = read("rules:\n  \"\\e[31mred\": 1\n").unwrap_err();
    assert!(e.contains("\\u{1b}[31mred"), "{e}");
}

#[test]
fn dives_evaluator_misconfigurations_are_errors() {
    // dive's Test_Evaluator_Misconfigurations: each of these makes dive's Rules() fail.
    for (efficiency, wasted_bytes, wasted_percent, key) in [
        ("1.1", "50kB", "0.5", "lowestEfficiency"),
        ("-0.1", "50kB", "0.5", "lowestEfficiency"),
        ("not_a_number", "50kB", "0.5", "lowestEfficiency"),
        ("0.9", "not_a_size", "0.5", "highestWastedBytes"),
        ("0.9", "50kB", "1.1", "highestUserWastedPercent"),
        ("0.9", "50kB", "-0.1", "highestUserWastedPercent"),
        ("0.9", "50kB", "not_a_number", "highestUserWastedPercent"),
    ] {
        let text = format!(
            "rules:\n  lowestEfficiency: {efficiency}\n  highestWastedBytes: {wasted_bytes}\n  highestUserWastedPercent: {wasted_percent}\n"
        );
        let e = read(&text).unwrap_err();
        assert!(
            e.starts_with(&format!("ci/.dive-ci: {key}: ")),
            "{text}: {e}"
        );
    }
}

#[test]
fn keys_in_any_case_as_dives_viper_reads_them() {
    let (r, _) = read("RULES:\n  LowestEfficiency: 0.7\n  HIGHESTWASTEDBYTES: 1KB\n  highestuserwastedpercent: 0.3\n")
        .unwrap();
    assert_eq!(figures(&r), (Some(0.7), Some(1000), Some(0.3)));
}
