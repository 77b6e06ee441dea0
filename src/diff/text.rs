//! The readable report of `plummet diff` for a terminal or a CI log.

use std::fmt::Write as _;

use super::{Comparison, FileChange, LayerStatus};
use crate::analysis::{Analysis, pull_size};
use crate::escape;
use crate::report::format::{self, percent, size, truncate, value};
use crate::report::rules::{RuleResult, RuleStatus, tally};
use crate::report::text::Style;

/// `+1.2 MB`, `-340 B`, `0 B`.
pub fn signed_size(delta: i64) -> String {
    match delta.signum() {
        1 => format!("+{}", size(delta.unsigned_abs())),
        -1 => format!("-{}", size(delta.unsigned_abs())),
        _ => size(0),
    }
}

/// `B is 12.3 MB smaller (-31.00 %)`, `B is the same size as A`.
pub fn headline(c: &Comparison) -> String {
    let d = c.size_delta();
    let ratio = c
        .size_ratio()
        .map(|r| format!(" ({}{})", if r > 0.0 { "+" } else { "" }, percent(r)))
        .unwrap_or_default();
    match d.signum() {
        1 => format!("B is {} larger{ratio}", size(d.unsigned_abs())),
        -1 => format!("B is {} smaller{ratio}", size(d.unsigned_abs())),
        _ => "B is the same size as A".to_string(),
    }
}

/// Counts of layer statuses, `2 shared, 1 changed, 1 added, 0 removed`.
pub fn layer_counts(c: &Comparison) -> String {
    let n = |s| c.layers.iter().filter(|l| l.status == s).count();
    format!(
        "{} shared, {} changed, {} added, {} removed",
        n(LayerStatus::Shared),
        n(LayerStatus::Changed),
        n(LayerStatus::Added),
        n(LayerStatus::Removed)
    )
}

/// What changed about a directory's own entry: `owner 1000:1000 -> 0:0, mode 755 -> 700`, or
/// `added`/`removed`.
pub fn dir_entry_change(f: &FileChange) -> String {
    let (Some(a), Some(b)) = (f.meta_a, f.meta_b) else {
        return f.change.name().to_string();
    };
    let mut parts = Vec::new();
    if f.aspects.owner {
        parts.push(format!("owner {}:{} -> {}:{}", a.uid, a.gid, b.uid, b.gid));
    }
    if f.aspects.mode {
        parts.push(format!("mode {:o} -> {:o}", a.mode, b.mode));
    }
    parts.join(", ")
}

/// Directories whose own entry changed, which neither list of sizes shows.
fn dir_entries(o: &mut String, c: &Comparison, top: usize, bold: &str) {
    let list = c.dir_entries();
    if list.is_empty() {
        return;
    }
    let _ = writeln!(o, "\n{bold} ({})", list.len());
    for f in list.iter().take(top) {
        let _ = writeln!(
            o,
            "  {:<7}  {}  ({})",
            f.change.name(),
            escape::bytes(&f.path),
            dir_entry_change(f)
        );
    }
    if list.len() > top {
        let _ = writeln!(o, "  … and {} more", list.len() - top);
    }
}

fn index(i: Option<usize>) -> String {
    i.map_or("-".to_string(), |i| i.to_string())
}

/// `t` in the SGR colour `code` when colours are on.
fn paint(style: Style, code: &str, t: &str) -> String {
    if style.color {
        format!("\x1b[{code}m{t}\x1b[0m")
    } else {
        t.to_string()
    }
}

/// Renders the report, one section after another; `top` bounds each list.
pub fn render(
    a: &Analysis,
    b: &Analysis,
    c: &Comparison,
    rules: &[RuleResult],
    top: usize,
    style: Style,
) -> String {
    render_with(a, b, c, rules, top, style, "")
}

/// As [`render`], with `extra` (already escaped text, e.g. the zstd estimate) before the rules.
pub fn render_with(
    a: &Analysis,
    b: &Analysis,
    c: &Comparison,
    rules: &[RuleResult],
    top: usize,
    style: Style,
    extra: &str,
) -> String {
    let mut o = String::new();
    summary(&mut o, a, b, c, style);
    layers(&mut o, b, c, style);
    files(&mut o, c, top, style);
    findings(&mut o, c, top, style);
    for (side, analysis) in [("A", a), ("B", b)] {
        if let Some(line) = crate::report::ignored::summary(&analysis.ignored) {
            let _ = writeln!(
                o,
                "\n{} {}",
                paint(style, "1", &format!("Ignored in {side}")),
                escape::text(&line)
            );
        }
    }
    o.push_str(&super::packages::section(
        &super::packages::compare(a, b),
        top,
        |t| paint(style, "1", t),
    ));
    o.push_str(extra);
    rules_and_result(&mut o, rules, style);
    o
}

// Writing to a String cannot fail; the results of `writeln!` are ignored for that reason.

/// The two images and their figures side by side.
fn summary(o: &mut String, a: &Analysis, b: &Analysis, c: &Comparison, style: Style) {
    let paint = |code: &str, t: &str| paint(style, code, t);
    let _ = writeln!(o, "{}", paint("1", "plummet diff"));
    for (name, x) in [("A", a), ("B", b)] {
        let (reference, source) = (escape::text(&x.reference), escape::text(&x.source));
        let _ = writeln!(o, "  {name}  {reference} ({source})");
    }
    let _ = writeln!(o, "\n{}", paint("1", &headline(c)));
    let _ = writeln!(o, "  {:<13} {:>10}  {:>10}  {:>10}", "", "A", "B", "change");
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
            "  {name:<13} {:>10}  {:>10}  {:>10}",
            size(x),
            size(y),
            signed_size(super::delta(x, y))
        );
    }
    let points = (c.b.efficiency - c.a.efficiency) * 100.0;
    let _ = writeln!(
        o,
        "  {:<13} {:>10}  {:>10}  {:>+8.2} pt",
        "efficiency",
        percent(c.a.efficiency),
        percent(c.b.efficiency),
        points
    );
    let _ = writeln!(o, "  {:<13} {}", "download A→B", format::pull(c.download));
}

/// The layers matched; with `--dockerfile` (B's), each B layer's command is prefixed with the
/// Dockerfile line that made it, as in `plummet ci`'s layer table.
fn layers(o: &mut String, b: &Analysis, c: &Comparison, style: Style) {
    let paint = |code: &str, t: &str| paint(style, code, t);
    let _ = writeln!(o, "\n{} ({})", paint("1", "Layers"), layer_counts(c));
    let _ = writeln!(
        o,
        "  {:<8} {:>3} {:>3}  {:>9}  {:>9}  {:>10}  command",
        "status", "A", "B", "size A", "size B", "change"
    );
    for l in &c.layers {
        let status = match l.status {
            LayerStatus::Shared => paint("2", "shared "),
            LayerStatus::Changed => paint("33", "changed"),
            LayerStatus::Added => paint("32", "added  "),
            LayerStatus::Removed => paint("31", "removed"),
        };
        let _ = writeln!(
            o,
            "  {status}  {:>3} {:>3}  {:>9}  {:>9}  {:>10}  {}",
            index(l.a),
            index(l.b),
            if l.a.is_some() {
                size(l.size_a)
            } else {
                "-".into()
            },
            if l.b.is_some() {
                size(l.size_b)
            } else {
                "-".into()
            },
            signed_size(l.size_delta()),
            truncate(
                &format!(
                    "{}{}",
                    super::dockerfile_line(b, l.b)
                        .map_or(String::new(), |n| format!("[line {n}] ")),
                    escape::text(&l.command.replace('\n', " "))
                ),
                70
            )
        );
    }
}

/// The largest directory and file changes, and the directories whose own entry changed.
fn files(o: &mut String, c: &Comparison, top: usize, style: Style) {
    let paint = |code: &str, t: &str| paint(style, code, t);
    if c.files.is_empty() {
        let _ = writeln!(o, "\nThe final filesystems are identical.");
    } else {
        let _ = writeln!(
            o,
            "\n{} (of {})",
            paint("1", "Largest directory changes"),
            c.dirs.len()
        );
        let _ = writeln!(
            o,
            "  {:>10}  {:>5} {:>7} {:>7}  path",
            "change", "added", "removed", "changed"
        );
        for d in c.dirs.iter().take(top) {
            let _ = writeln!(
                o,
                "  {:>10}  {:>5} {:>7} {:>7}  {}",
                signed_size(d.delta()),
                d.added,
                d.removed,
                d.changed,
                escape::bytes(&d.path)
            );
        }
        let files = c.largest_files();
        let _ = writeln!(
            o,
            "\n{} (of {})",
            paint("1", "Largest file changes"),
            files.len()
        );
        for f in files.iter().take(top) {
            let what = f.aspects.names().join(",");
            let _ = writeln!(
                o,
                "  {:>10}  {:<7}  {}{}",
                signed_size(f.delta()),
                f.change.name(),
                escape::bytes(&f.path),
                if what.is_empty() {
                    String::new()
                } else {
                    paint("2", &format!("  ({what})"))
                }
            );
        }
        dir_entries(o, c, top, &paint("1", "Directory changes"));
    }
}

/// Findings added, removed and changed.
fn findings(o: &mut String, c: &Comparison, top: usize, style: Style) {
    let paint = |code: &str, t: &str| paint(style, code, t);
    let lists = [
        ("Findings added", &c.findings_added),
        ("Findings removed", &c.findings_removed),
        ("Findings changed", &c.findings_changed),
    ];
    for (title, list) in lists {
        if list.is_empty() {
            continue;
        }
        let _ = writeln!(o, "\n{} ({})", paint("1", title), list.len());
        for f in list.iter().take(top) {
            let _ = writeln!(
                o,
                "  {:<16} {:>10}  {}",
                f.kind.name(),
                if f.in_a.is_empty() || f.in_b.is_empty() {
                    size(f.bytes_a.max(f.bytes_b))
                } else {
                    signed_size(f.delta())
                },
                escape::text(&f.path)
            );
        }
        if list.len() > top {
            let _ = writeln!(o, "  … and {} more", list.len() - top);
        }
    }
}

/// The rules and the verdict.
fn rules_and_result(o: &mut String, rules: &[RuleResult], style: Style) {
    let paint = |code: &str, t: &str| paint(style, code, t);
    let _ = writeln!(o, "\n{}", paint("1", "Rules"));
    for r in rules {
        let status = match r.status {
            RuleStatus::Pass => paint("32", "PASS"),
            RuleStatus::Fail => paint("31", "FAIL"),
            RuleStatus::Skip => paint("2", "SKIP"),
            RuleStatus::Forgiven => paint("33", "BASE"),
        };
        let threshold = r.threshold.map_or("disabled".to_string(), value);
        let _ = writeln!(
            o,
            "  {status}  {}: {} (threshold {threshold}; {})",
            r.name,
            value(r.value),
            r.message
        );
    }
    let (failed, enabled) = tally(rules);
    let _ = if failed == 0 {
        writeln!(o, "\nResult: {} ({enabled} rules)", paint("32", "PASS"))
    } else {
        writeln!(
            o,
            "\nResult: {} ({failed} of {enabled} rules failed)",
            paint("31", "FAIL")
        )
    };
}
