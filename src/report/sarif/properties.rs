//! What a SARIF log says beyond its results: for `plummet ci`, where each finding stands with
//! `[ignore]` and the `--baseline`, and the run's property bag with what was left out and which
//! rules were forgiven; for `plummet diff`, what `[ignore]` left out of each image.

use serde::Serialize;
use serde_json::json;

use super::{Entry, Standing, render_run};
use crate::analysis::{Analysis, Finding, Ignored};
use crate::escape;
use crate::image::Image;
use crate::report::baseline::Baseline;
use crate::report::issue;
use crate::report::rules::{RuleResult, RuleStatus};

/// `ignored` of the run's property bag: the JSON report's `ignored` object, in SARIF's
/// camelCase.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct IgnoredBag<'a> {
    paths: &'a [String],
    figures: bool,
    findings: u64,
    finding_bytes: u64,
    wasted_paths: u64,
    wasted_bytes: u64,
    reclaimable_bytes: u64,
}

fn ignored_bag(i: &Ignored) -> IgnoredBag<'_> {
    IgnoredBag {
        paths: &i.patterns,
        figures: i.figures,
        findings: i.findings,
        finding_bytes: i.finding_bytes,
        wasted_paths: i.wasted_paths,
        wasted_bytes: i.wasted_bytes,
        reclaimable_bytes: i.reclaimable_bytes,
    }
}

/// `plummet ci`: every finding as a result, then the ones `[ignore]` took out, suppressed. With
/// a baseline, each result is `new` or `unchanged` against it, and an unchanged one is
/// suppressed too: the baseline is the debt the user has accepted.
pub fn ci(
    image: &Image,
    a: &Analysis,
    results: &[RuleResult],
    baseline: Option<&Baseline>,
) -> String {
    let new =
        |f: &Finding| baseline.map(|b| !b.has_finding(f.kind, &image.tree.paths.display(f.node)));
    let in_baseline = baseline.map(|b| {
        format!(
            "already in the --baseline report of {}",
            escape::text(&b.reference)
        )
    });
    let mut entries: Vec<Entry<'_>> = issue::all(image, a)
        .into_iter()
        .zip(&a.findings)
        .map(|(issue, f)| {
            let new = new(f);
            let standing = match (new, &in_baseline) {
                (Some(false), Some(why)) => Standing::Accepted {
                    new,
                    justification: why.clone(),
                },
                _ => Standing::Open { new },
            };
            Entry { issue, standing }
        })
        .collect();
    let ignored_why = format!(
        "left out by [ignore] paths in the config: {}",
        escape::text(&a.ignored.patterns.join(", "))
    );
    entries.extend(
        issue::dropped(image, a)
            .into_iter()
            .zip(&a.ignored.dropped)
            .map(|(issue, f)| Entry {
                issue,
                standing: Standing::Accepted {
                    new: new(f),
                    justification: ignored_why.clone(),
                },
            }),
    );
    let mut bag = json!({ "ignored": ignored_bag(&a.ignored) });
    if let Some(b) = baseline {
        let count = |want: bool| {
            entries
                .iter()
                .filter(|e| match &e.standing {
                    Standing::Open { new } | Standing::Accepted { new, .. } => *new == Some(want),
                })
                .count()
        };
        let forgiven: Vec<&str> = results
            .iter()
            .filter(|r| r.status == RuleStatus::Forgiven)
            .map(|r| r.name.as_str())
            .collect();
        bag["baseline"] = json!({
            "reference": b.reference,
            "tolerance": b.tolerance.describe(),
            "newResults": count(true),
            "unchangedResults": count(false),
            "forgivenRules": forgiven,
        });
    }
    render_run(&entries, Some(bag))
}

/// `plummet diff`: the findings new in B, and what `[ignore]` left out of each image (its
/// findings are in neither image, so never new).
pub fn diff(new_findings: &[issue::Issue<'_>], a: &Analysis, b: &Analysis) -> String {
    let entries: Vec<Entry<'_>> = new_findings
        .iter()
        .map(|i| Entry {
            issue: i.clone(),
            standing: Standing::Open { new: None },
        })
        .collect();
    let bag = json!({
        "ignored": { "a": ignored_bag(&a.ignored), "b": ignored_bag(&b.ignored) },
    });
    render_run(&entries, Some(bag))
}
