//! The Markdown report of `plummet diff`, for a pull-request comment.

use std::fmt::Write as _;

use super::text::{dir_entry_change, headline, layer_counts, signed_size};
use super::{Comparison, FindingChange};
use crate::analysis::{Analysis, pull_size};
use crate::escape::{markdown_code, markdown_code_cell};
use crate::report::format::{self, percent, size, truncate};
use crate::report::rules::{RuleResult, RuleStatus};

fn code(text: &str) -> String {
    markdown_code_cell(&text.replace('\n', " "))
}

fn findings(o: &mut String, title: &str, list: &[FindingChange], top: usize) {
    if list.is_empty() {
        return;
    }
    let _ = writeln!(
        o,
        "\n### {title} ({})\n\n| kind | path | A | B |\n|---|---|---:|---:|",
        list.len()
    );
    for f in list.iter().take(top) {
        let _ = writeln!(
            o,
            "| {} | {} | {} | {} |",
            f.kind.name(),
            code(&f.path),
            if f.in_a.is_empty() {
                "–".into()
            } else {
                size(f.bytes_a)
            },
            if f.in_b.is_empty() {
                "–".into()
            } else {
                size(f.bytes_b)
            },
        );
    }
}

/// Renders the report; `top` bounds each list.
pub fn render(
    a: &Analysis,
    b: &Analysis,
    c: &Comparison,
    rules: &[RuleResult],
    top: usize,
) -> String {
    let mut o = String::new();
    let failed = rules.iter().any(|r| r.status == RuleStatus::Fail);
    let verdict = if failed { "❌ fail" } else { "✅ pass" };
    // Writing to a String cannot fail; the results are ignored for that reason.
    let _ = writeln!(
        o,
        "## plummet diff: {} → {} {verdict}\n",
        markdown_code(&a.reference),
        markdown_code(&b.reference)
    );
    let _ = writeln!(o, "**{}**\n", headline(c));
    for (side, analysis) in [("A", a), ("B", b)] {
        if let Some(line) = crate::report::ignored::summary(&analysis.ignored) {
            let _ = writeln!(
                o,
                "**ignored in {side}** {}\n",
                crate::escape::markdown_text(&line)
            );
        }
    }
    let _ = writeln!(o, "| | A | B | change |\n|---|---:|---:|---:|");
    let mut sizes = vec![
        ("total size", c.a.size_bytes, c.b.size_bytes),
        ("final size", c.a.final_size_bytes, c.b.final_size_bytes),
        ("wasted", c.a.wasted_bytes, c.b.wasted_bytes),
        ("reclaimable", c.a.reclaimable_bytes, c.b.reclaimable_bytes),
    ];
    // The pull sizes when both are known; what B costs a host with A follows the table.
    if let (Some(x), Some(y)) = (pull_size(a).bytes, pull_size(b).bytes) {
        sizes.insert(1, ("pull size", x, y));
    }
    for (name, x, y) in sizes {
        let _ = writeln!(
            o,
            "| {name} | {} | {} | {} |",
            size(x),
            size(y),
            signed_size(super::delta(x, y))
        );
    }
    let _ = writeln!(
        o,
        "| efficiency | {} | {} | {:+.2} pt |",
        percent(c.a.efficiency),
        percent(c.b.efficiency),
        (c.b.efficiency - c.a.efficiency) * 100.0
    );
    let _ = writeln!(o, "| download A → B | | {} | |", format::pull(c.download));
    o.push('\n');
    o.push_str(&crate::report::markdown::rules_table(rules));
    findings(&mut o, "Findings added", &c.findings_added, top);
    findings(&mut o, "Findings removed", &c.findings_removed, top);
    findings(&mut o, "Findings changed", &c.findings_changed, top);
    if !c.dirs.is_empty() {
        let _ = writeln!(
            o,
            "\n### Largest directory changes\n\n| change | added | removed | changed | path |\n|---:|---:|---:|---:|---|"
        );
        for d in c.dirs.iter().take(top) {
            let _ = writeln!(
                o,
                "| {} | {} | {} | {} | {} |",
                signed_size(d.delta()),
                d.added,
                d.removed,
                d.changed,
                code(&crate::escape::bytes(&d.path))
            );
        }
    }
    let _ = writeln!(
        o,
        "\n<details><summary>Layers ({})</summary>\n\n| status | A | B | change | command |\n|---|---:|---:|---:|---|",
        layer_counts(c)
    );
    for l in &c.layers {
        let _ = writeln!(
            o,
            "| {} | {} | {} | {} | {} |",
            l.status.name(),
            l.a.map_or("–".into(), |i| i.to_string()),
            l.b.map_or("–".into(), |i| match super::dockerfile_line(b, Some(i)) {
                Some(n) => format!("{i} (line {n})"),
                None => i.to_string(),
            }),
            signed_size(l.size_delta()),
            code(&truncate(&l.command, 100))
        );
    }
    let _ = writeln!(o, "\n</details>");
    let files = c.largest_files();
    if !files.is_empty() {
        let _ = writeln!(
            o,
            "\n<details><summary>Largest file changes ({})</summary>\n\n| change | | path |\n|---:|---|---|",
            files.len()
        );
        for f in files.iter().take(top) {
            let _ = writeln!(
                o,
                "| {} | {} | {} |",
                signed_size(f.delta()),
                f.change.name(),
                code(&crate::escape::bytes(&f.path))
            );
        }
        let _ = writeln!(o, "\n</details>");
    }
    let dirs = c.dir_entries();
    if !dirs.is_empty() {
        let _ = writeln!(
            o,
            "\n<details><summary>Directory changes ({})</summary>\n\n| change | path | what |\n|---|---|---|",
            dirs.len()
        );
        for f in dirs.iter().take(top) {
            let _ = writeln!(
                o,
                "| {} | {} | {} |",
                f.change.name(),
                code(&crate::escape::bytes(&f.path)),
                // Only numbers, `:`, `,` and `->`: nothing to escape in a table cell.
                dir_entry_change(f)
            );
        }
        let _ = writeln!(o, "\n</details>");
    }
    o.push_str(&super::packages::markdown(
        &super::packages::compare(a, b),
        top,
    ));
    o
}
