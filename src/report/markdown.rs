//! The Markdown report, for a pull-request comment or a CI job summary.

use std::fmt::Write as _;

use super::format::{self, percent, size, truncate};
use super::rules::{self, RuleResult, RuleStatus};
use crate::analysis::{Analysis, FindingKind, pull_size};
use crate::escape::{self, markdown_code, markdown_code_cell, markdown_prose, markdown_text};
use crate::image::Image;

/// Renders the report; `top` bounds the lists.
pub fn render(image: &Image, a: &Analysis, rules: &[RuleResult], top: usize) -> String {
    let mut o = String::new();
    let verdict = if rules::passed(rules) {
        "✅ pass"
    } else {
        "❌ fail"
    };
    // Writing to a String cannot fail; the results are ignored for that reason.
    let _ = writeln!(o, "## plummet: {} {verdict}\n", markdown_code(&a.reference));
    let _ = writeln!(
        o,
        "| total size | pull size | efficiency | wasted | reclaimable | user |"
    );
    let _ = writeln!(o, "|---:|---:|---:|---:|---:|---|");
    let _ = writeln!(
        o,
        "| {} | {} | {} | {} ({} of user layers) | {} | {} |\n",
        size(a.size_bytes),
        format::pull(pull_size(a)),
        percent(a.efficiency),
        size(a.wasted_bytes),
        percent(a.user_wasted_ratio),
        size(a.reclaimable_bytes),
        if a.runs_as_root {
            "root ⚠️".to_string()
        } else {
            markdown_code_cell(&a.config.user)
        }
    );
    let split = super::base::split(a);
    let _ = writeln!(
        o,
        "**base** {}  \n**your layers** {}\n",
        escape::markdown_text(&split.base),
        escape::markdown_text(&split.yours)
    );
    if let Some(line) = super::ignored::summary(&a.ignored) {
        let _ = writeln!(o, "**ignored** {}\n", markdown_text(&line));
    }
    o.push_str(&rules_table(rules));
    if !a.findings.is_empty() {
        let _ = writeln!(
            o,
            "\n### Findings\n\n| kind | path | layer | size | fix |\n|---|---|---:|---:|---|"
        );
        for kind in FindingKind::ALL {
            for f in a.findings_of(kind).take(top) {
                let layer = f.layer.map_or("–".to_string(), |l| l.to_string());
                let layer = match a.dockerfile_line(f.layer) {
                    Some(n) => format!("{layer} (line {n})"),
                    None => layer,
                };
                let path = image.tree.paths.display(f.node);
                let gone = if f.visible { "" } else { " (deleted later)" };
                let _ = writeln!(
                    o,
                    "| {} | {}{gone} | {layer} | {} | {} |",
                    kind.name(),
                    markdown_code_cell(&escape::bytes(&image.tree.paths.path(f.node))),
                    size(f.bytes),
                    markdown_prose(&f.fix, &path)
                );
            }
        }
    }
    let _ = writeln!(
        o,
        "\n<details><summary>Layers ({})</summary>\n",
        a.layers.len()
    );
    let _ = writeln!(
        o,
        "| # | size | blob | files | wasted | command |\n|---:|---:|---:|---:|---:|---|"
    );
    for l in &a.layers {
        let _ = writeln!(
            o,
            "| {}{}{} | {} | {} | {} | {} | {} |",
            l.index,
            if l.base { " (base)" } else { "" },
            l.dockerfile_line
                .map_or(String::new(), |n| format!(" (line {n})")),
            size(l.size_bytes),
            format::blob(l),
            l.file_count,
            size(l.changes.wasted_bytes),
            markdown_code_cell(&truncate(&l.command.replace('\n', " "), 100))
        );
    }
    let _ = writeln!(o, "\n</details>");
    super::dockerfile::markdown(a, &mut o);
    super::zstd::markdown(image, a, &mut o);
    o.push_str(&super::packages::markdown(a, top));
    if !a.wasted.is_empty() {
        let _ = writeln!(
            o,
            "\n<details><summary>Largest wasted paths ({})</summary>\n",
            a.wasted.len()
        );
        let _ = writeln!(o, "| bytes | touches | path |\n|---:|---:|---|");
        for w in a.wasted.iter().take(top) {
            let _ = writeln!(
                o,
                "| {} | {} | {} |",
                size(w.bytes),
                w.touches,
                markdown_code_cell(&escape::bytes(&image.tree.paths.path(w.node)))
            );
        }
        let _ = writeln!(o, "\n</details>");
    }
    o
}

/// A rule's name for a table cell: a path budget's path (from the config) as a code span.
fn rule_name(name: &str) -> String {
    match name.strip_prefix("maxPathBytes:") {
        Some(path) => format!("maxPathBytes:{}", markdown_code_cell(path)),
        None => name.to_string(),
    }
}

/// The rules as a Markdown section, shared with `plummet diff`.
pub fn rules_table(rules: &[RuleResult]) -> String {
    let mut o = String::new();
    let _ = writeln!(
        o,
        "### Rules\n\n| rule | status | value | threshold |\n|---|---|---:|---:|"
    );
    for r in rules {
        let status = match r.status {
            RuleStatus::Pass => "✅ pass",
            RuleStatus::Fail => "❌ fail",
            RuleStatus::Skip => "skip",
            RuleStatus::Forgiven => "☑️ forgiven (baseline)",
        };
        let (measured, threshold) = super::format::rule_values(r.value, r.threshold);
        let _ = writeln!(
            o,
            "| {} | {status} | {measured} | {threshold} |",
            rule_name(&r.name)
        );
    }
    let forgiven: Vec<_> = rules
        .iter()
        .filter(|r| r.status == RuleStatus::Forgiven)
        .collect();
    if !forgiven.is_empty() {
        let _ = writeln!(
            o,
            "\nForgiven by the baseline (failed, but on nothing new or worse):\n"
        );
        for r in forgiven {
            let _ = writeln!(o, "- {}: {}", rule_name(&r.name), markdown_text(&r.message));
        }
    }
    o
}
