//! Snapshot tests of the text, JSON and Markdown reports of a comparison.

use super::rules::{DiffRules, Growth, evaluate};
use super::tests::{base, image};
use super::*;
use crate::analysis::analyze;
use crate::image::Image;
use crate::settings::parse_kinds;
use crate::testutil::TarBuilder;

fn report_pair() -> (Image, Image) {
    let a = image(vec![
        ("ADD file:base in /", base()),
        (
            "COPY . /app",
            TarBuilder::new()
                .dir("app/")
                .file("app/main.js", 1200)
                .dir("app/.git/")
                .file("app/.git/pack", 40_000),
        ),
    ]);
    let b = image(vec![
        ("ADD file:base in /", base()),
        (
            "COPY . /app",
            TarBuilder::new()
                .dir("app/")
                .file("app/main.js", 1500)
                .file("app/id_rsa", 1600),
        ),
        (
            "RUN npm ci",
            TarBuilder::new()
                .dir("app/node_modules/")
                .file("app/node_modules/lib.js", 8000),
        ),
        (
            "RUN touch /app/main.js",
            TarBuilder::new().dir("app/").file("app/main.js", 1500),
        ),
    ]);
    (a, b)
}

fn report_rules() -> DiffRules {
    DiffRules {
        max_growth: Some(Growth::Ratio(0.05)),
        no_efficiency_drop: true,
        no_new_findings: parse_kinds("secret").unwrap(),
    }
}

#[test]
fn text_report_snapshot() {
    let (a, b) = report_pair();
    let (aa, ab) = (analyze(&a), analyze(&b));
    let c = compare((&a, &aa), (&b, &ab));
    let results = evaluate(&c, &report_rules());
    let style = crate::report::text::Style { color: false };
    insta::assert_snapshot!(text::render(&aa, &ab, &c, &results, 10, style));
}

#[test]
fn json_report_snapshot() {
    let (a, b) = report_pair();
    let (aa, ab) = (analyze(&a), analyze(&b));
    let c = compare((&a, &aa), (&b, &ab));
    let results = evaluate(&c, &report_rules());
    let text = json::to_string(&json::report((&a, &aa), (&b, &ab), &c, &results, 100));
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    // `a` and `b` are exactly the `image` object of `plummet ci --json`.
    let ci = crate::report::json::report(&a, &aa, &[], 100);
    assert_eq!(v["a"], serde_json::to_value(&ci.image).unwrap());
    for key in ["status", "digest_a", "digest_b", "size_delta"] {
        assert!(v["layers"][0].get(key).is_some(), "layers[].{key} missing");
    }
    for key in ["path", "change", "bytes_a", "bytes_b"] {
        assert!(v["files"][0].get(key).is_some(), "files[].{key} missing");
    }
    assert_eq!(v["findings_added"][0]["kind"], "secret");
    assert_eq!(v["findings_removed"][0]["kind"], "git");
    assert_eq!(v["passed"], false);
    insta::assert_snapshot!(text);
}

#[test]
fn markdown_report_snapshot() {
    let (a, b) = report_pair();
    let (aa, ab) = (analyze(&a), analyze(&b));
    let c = compare((&a, &aa), (&b, &ab));
    let results = evaluate(&c, &report_rules());
    insta::assert_snapshot!(markdown::render(&aa, &ab, &c, &results, 10));
}
