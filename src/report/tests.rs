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

#[test]
fn user_layers_only_leaves_the_base_images_findings_to_the_base() {
    let image = image_of(
        vec![
            TarBuilder::new()
                .file("root/.ssh/id_rsa", 400)
                .dir("srv/.git/")
                .file("srv/.git/HEAD", 20),
            TarBuilder::new().file("usr/lib/big.so", 5000),
            TarBuilder::new().file("app/main", 10),
        ],
        crate::testutil::app_user(),
    );
    let mut a = analyze(&image);
    let mut rules = RuleSet {
        lowest_efficiency: None,
        highest_user_wasted_percent: None,
        no_secrets: true,
        ..RuleSet::default()
    };
    rules
        .max_kind_bytes
        .insert(crate::analysis::FindingKind::Git, 0);
    let status = |a: &crate::analysis::Analysis, rules: &RuleSet, name: &str| {
        evaluate(a, rules)
            .into_iter()
            .find(|r| r.name == name)
            .unwrap()
            .status
    };
    assert_eq!(status(&a, &rules, "noSecrets"), RuleStatus::Fail);
    rules.user_layers_only = true;
    // Dive's rule: layer 0 is the base, so its key and .git are not the user's.
    assert_eq!(status(&a, &rules, "noSecrets"), RuleStatus::Pass);
    assert_eq!(status(&a, &rules, "maxKindBytes:git"), RuleStatus::Pass);
    // A known boundary moves the line; nothing the user added is hidden.
    a.set_base(crate::analysis::Base {
        reference: Some("base:1".into()),
        digest: None,
        layer_count: Some(2),
        detected_by: crate::analysis::base::Detection::Flag,
    });
    let marks: Vec<bool> = a.layers.iter().map(|l| l.base).collect();
    assert_eq!(marks, [true, true, false]);
    assert_eq!(a.base_size_bytes(), 5420);
    assert_eq!(status(&a, &rules, "noSecrets"), RuleStatus::Pass);
}
