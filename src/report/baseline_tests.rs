//! `--baseline`: what a previous report forgives, and what it does not.

use super::*;
use crate::analysis::analyze;
use crate::report::json;
use crate::report::rules::evaluate;
use crate::testutil::{TarBuilder, app_user, image_of};

/// An image with a wasted file (written twice), a secret and a `.git` directory.
fn image(extra_waste: usize, second_secret: bool) -> Image {
    let mut top = TarBuilder::new()
        .file("app/data", 1000 + extra_waste)
        .file("root/.ssh/id_rsa", 400)
        .file("app/.git/pack", 300);
    if second_secret {
        top = top.file("home/u/.ssh/id_ed25519", 100);
    }
    image_of(
        vec![TarBuilder::new().file("app/data", 1000), top],
        app_user(),
    )
}

fn strict() -> RuleSet {
    let mut rules = RuleSet {
        highest_wasted_bytes: Some(0),
        no_secrets: true,
        ..RuleSet::default()
    };
    rules.max_kind_bytes.insert(FindingKind::Git, 0);
    rules
}

/// The JSON report of `image` under `rules`, read back as a baseline.
fn baseline_of(image: &Image, rules: &RuleSet, tolerance: Tolerance) -> Baseline {
    let a = analyze(image);
    let results = evaluate(&a, rules);
    let text = json::to_string(&json::report(image, &a, &results, 100));
    Baseline::parse(text.as_bytes(), tolerance).unwrap()
}

fn judged(image: &Image, rules: &RuleSet, base: &Baseline) -> (Vec<RuleResult>, usize) {
    let a = analyze(image);
    let mut results = evaluate(&a, rules);
    let n = forgive(&mut results, image, &a, rules, base);
    (results, n)
}

fn status(results: &[RuleResult], name: &str) -> RuleStatus {
    results.iter().find(|r| r.name == name).unwrap().status
}

#[test]
fn the_same_image_against_its_own_report_fails_nothing() {
    let img = image(0, false);
    let rules = strict();
    let base = baseline_of(&img, &rules, Tolerance::default());
    let (results, forgiven) = judged(&img, &rules, &base);
    assert!(crate::report::rules::passed(&results));
    assert!(forgiven >= 4, "{results:#?}");
    for name in [
        "lowestEfficiency",
        "highestWastedBytes",
        "noSecrets",
        "maxKindBytes:git",
    ] {
        assert_eq!(status(&results, name), RuleStatus::Forgiven, "{name}");
    }
    let r = results.iter().find(|r| r.name == "noSecrets").unwrap();
    assert!(
        r.message.contains("forgiven by the baseline"),
        "{}",
        r.message
    );
}

#[test]
fn a_new_secret_fails_even_when_the_old_one_is_forgiven() {
    let rules = strict();
    let base = baseline_of(&image(0, false), &rules, Tolerance::default());
    let (results, _) = judged(&image(0, true), &rules, &base);
    assert_eq!(status(&results, "noSecrets"), RuleStatus::Fail);
    assert_eq!(status(&results, "maxKindBytes:git"), RuleStatus::Forgiven);
}

#[test]
fn waste_grown_beyond_the_tolerance_fails_and_within_it_is_forgiven() {
    let rules = strict();
    let bytes = baseline_of(&image(0, false), &rules, Tolerance::Bytes(100));
    let (results, _) = judged(&image(100, false), &rules, &bytes);
    assert_eq!(status(&results, "highestWastedBytes"), RuleStatus::Forgiven);
    let (results, _) = judged(&image(101, false), &rules, &bytes);
    assert_eq!(status(&results, "highestWastedBytes"), RuleStatus::Fail);
    // 1% of the baseline's 2000 wasted bytes is 20.
    let ratio = baseline_of(&image(0, false), &rules, Tolerance::Ratio(0.01));
    let (results, _) = judged(&image(20, false), &rules, &ratio);
    assert_eq!(status(&results, "highestWastedBytes"), RuleStatus::Forgiven);
    let (results, _) = judged(&image(21, false), &rules, &ratio);
    assert_eq!(status(&results, "highestWastedBytes"), RuleStatus::Fail);
}

#[test]
fn a_rule_passing_stays_passed_and_a_rule_the_baseline_lacks_is_not_forgiven() {
    let img = image(0, false);
    let base = baseline_of(&img, &RuleSet::default(), Tolerance::default());
    let mut rules = strict();
    rules.max_path_bytes.insert("/app".into(), 1);
    let a = analyze(&img);
    let mut results = evaluate(&a, &rules);
    results.extend(crate::report::budgets::evaluate(
        &img.tree,
        &a,
        &rules.max_path_bytes,
    ));
    forgive(&mut results, &img, &a, &rules, &base);
    // The baseline was made without the path budget: nothing to compare with.
    assert_eq!(status(&results, "maxPathBytes:/app"), RuleStatus::Fail);
    assert_eq!(status(&results, "nonRootUser"), RuleStatus::Skip);
}

#[test]
fn bad_baselines_are_one_line_errors_that_say_what_is_wrong() {
    let one = |text: &[u8]| {
        let e = Baseline::parse(text, Tolerance::default()).unwrap_err();
        assert!(!e.contains('\n'), "{e}");
        e
    };
    let e = one(b"{not json");
    assert!(e.starts_with("baseline is not JSON"), "{e}");
    let e = one(br#"{"version": 2, "files": []}"#);
    assert!(e.contains("not a plummet JSON report"), "{e}");
    let e = one(br#"{"schema_version": 2, "plummet_version": "9"}"#);
    assert!(e.contains("schema_version 2"), "{e}");
    let e = one(br#"{"schema_version": 1, "plummet_version": "0", "findings_added": []}"#);
    assert!(e.contains("plummet diff"), "{e}");
    let e = one(br#"{"schema_version": 1, "plummet_version": "0"}"#);
    assert!(e.contains("not a `plummet ci` JSON report"), "{e}");
    let e = one(b"[1, 2]");
    assert!(e.contains("not a plummet JSON report"), "{e}");
}
