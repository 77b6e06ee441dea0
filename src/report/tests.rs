//! Tests of the rules and snapshot tests of the text, JSON and Markdown reports.

use super::rules::{RuleStatus, evaluate, passed};
use super::*;
use crate::analysis::analyze;
use crate::image::{History, ImageConfig};
use crate::settings::RuleSet;
use crate::testutil::{TarBuilder, image_of};

fn sample() -> crate::image::Image {
    let config = ImageConfig {
        user: String::new(),
        os: "linux".into(),
        architecture: "amd64".into(),
        history: vec![
            History {
                created_by: "/bin/sh -c #(nop) ADD file:base in / ".into(),
                ..Default::default()
            },
            History {
                created_by: "/bin/sh -c #(nop) COPY dir:app in /app ".into(),
                ..Default::default()
            },
            History {
                created_by: "/bin/sh -c #(nop)  ENV NODE_ENV=production".into(),
                empty_layer: true,
                ..Default::default()
            },
            History {
                created_by: "/bin/sh -c rm -rf /app/.git /app/id_rsa && echo done".into(),
                ..Default::default()
            },
        ],
        ..Default::default()
    };
    image_of(
        vec![
            TarBuilder::new()
                .dir("etc/")
                .file("etc/os-release", 200)
                .dir("var/lib/apt/lists/")
                .file("var/lib/apt/lists/main", 5000),
            TarBuilder::new()
                .dir("app/")
                .file("app/main.js", 1200)
                .dir("app/.git/")
                .file("app/.git/pack", 40_000)
                .file("app/id_rsa", 1600)
                .file("etc/os-release", 210),
            TarBuilder::new()
                .dir("app/")
                .whiteout("app/.git")
                .whiteout("app/id_rsa"),
        ],
        config,
    )
}

#[test]
fn dive_default_rules_fail_on_waste() {
    let image = sample();
    let a = analyze(&image);
    let results = evaluate(&a, &RuleSet::default());
    let by_name = |n: &str| results.iter().find(|r| r.name == n).unwrap().status;
    assert_eq!(by_name("lowestEfficiency"), RuleStatus::Fail);
    assert_eq!(by_name("highestWastedBytes"), RuleStatus::Skip);
    assert_eq!(by_name("highestUserWastedPercent"), RuleStatus::Fail);
    assert_eq!(by_name("noSecrets"), RuleStatus::Skip);
    assert!(!passed(&results));
    let lenient = RuleSet {
        lowest_efficiency: None,
        highest_user_wasted_percent: None,
        ..RuleSet::default()
    };
    assert!(passed(&evaluate(&a, &lenient)));
}

#[test]
fn plummet_rules_catch_secrets_root_and_kinds() {
    let image = sample();
    let a = analyze(&image);
    let mut rules = RuleSet {
        lowest_efficiency: None,
        highest_user_wasted_percent: None,
        no_secrets: true,
        non_root: true,
        ..RuleSet::default()
    };
    rules
        .max_kind_bytes
        .insert(crate::analysis::FindingKind::Git, 0);
    rules.max_reclaimable_bytes = Some(1_000_000);
    let results = evaluate(&a, &rules);
    let status: Vec<_> = results
        .iter()
        .map(|r| (r.name.as_str(), r.status))
        .collect();
    assert!(status.contains(&("noSecrets", RuleStatus::Fail)));
    assert!(status.contains(&("nonRootUser", RuleStatus::Fail)));
    assert!(status.contains(&("maxKindBytes:git", RuleStatus::Fail)));
    assert!(status.contains(&("maxReclaimableBytes", RuleStatus::Pass)));
}

#[test]
fn text_report_snapshot() {
    let image = sample();
    let a = analyze(&image);
    let results = evaluate(&a, &RuleSet::default());
    insta::assert_snapshot!(text::render(
        &image,
        &a,
        &results,
        10,
        text::Style { color: false }
    ));
}

#[test]
fn json_report_snapshot() {
    let image = sample();
    let a = analyze(&image);
    let results = evaluate(&a, &RuleSet::default());
    let json = json::to_string(&json::report(&image, &a, &results, 100));
    let value: serde_json::Value = serde_json::from_str(&json).unwrap();
    for key in [
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
        assert!(value["image"].get(key).is_some(), "image.{key} missing");
    }
    insta::assert_snapshot!(json);
}

#[test]
fn markdown_report_snapshot() {
    let image = sample();
    let a = analyze(&image);
    let results = evaluate(&a, &RuleSet::default());
    insta::assert_snapshot!(markdown::render(&image, &a, &results, 10));
}
