//! GitLab's Code Quality report (`artifacts:reports:codequality`): a JSON array of issues, one
//! per finding and one per failed rule, each with a stable fingerprint so that GitLab shows what
//! a merge request added or fixed. Shared by `plummet ci` and `plummet diff`.

use serde::Serialize;

use super::issue::{self, Issue, Severity};
use super::rules::{RuleResult, RuleStatus};
use crate::escape;

#[derive(Debug, Serialize)]
struct CodeQualityIssue {
    description: String,
    check_name: String,
    fingerprint: String,
    severity: &'static str,
    location: Location,
}

#[derive(Debug, Serialize)]
struct Location {
    path: String,
    lines: Lines,
}

#[derive(Debug, Serialize)]
struct Lines {
    begin: u32,
}

fn severity(s: Severity) -> &'static str {
    match s {
        Severity::Leak => "critical",
        Severity::Risk => "major",
        Severity::Waste => "minor",
    }
}

/// The report: `issues` (the findings, or a diff's new ones), then each failed rule located at
/// `subject` (the image reference), which GitLab shows as the place of an image-wide problem.
pub fn render(suite: &str, subject: &str, issues: &[Issue<'_>], rules: &[RuleResult]) -> String {
    let mut out: Vec<CodeQualityIssue> = issues
        .iter()
        .map(|i| {
            let path = escape::bytes(&i.path);
            let layer = i
                .layer
                .map_or_else(|| "the image config".to_string(), |l| format!("layer {l}"));
            CodeQualityIssue {
                description: format!(
                    "{}: {path} ({layer}, {} bytes{}). Fix: {}",
                    escape::text(i.reason),
                    i.bytes,
                    if i.visible { "" } else { ", deleted later" },
                    escape::text(i.fix)
                ),
                check_name: format!("plummet/{}", i.kind.name()),
                fingerprint: i.fingerprint(),
                severity: severity(issue::severity(i.kind)),
                location: Location {
                    path,
                    lines: Lines { begin: 1 },
                },
            }
        })
        .collect();
    out.extend(
        rules
            .iter()
            .filter(|r| r.status == RuleStatus::Fail)
            .map(|r| CodeQualityIssue {
                description: format!("rule {} failed: {}", r.name, escape::text(&r.message)),
                check_name: format!("plummet/rule/{}", r.name),
                fingerprint: issue::rule_fingerprint(suite, &r.name),
                severity: "major",
                location: Location {
                    path: escape::text(subject).into_owned(),
                    lines: Lines { begin: 1 },
                },
            }),
    );
    let mut s =
        serde_json::to_string_pretty(&out).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"));
    s.push('\n');
    s
}
