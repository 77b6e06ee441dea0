//! The readable CI report for a terminal or a CI log.

use std::fmt::Write as _;

use super::format::{self, percent, size, truncate};
use super::rules::{RuleResult, RuleStatus, tally};
use crate::analysis::{Analysis, FindingKind, pull_size};
use crate::escape;
use crate::image::Image;

/// Colours for the terminal, or none.
#[derive(Debug, Clone, Copy)]
pub struct Style {
    pub color: bool,
}

impl Style {
    fn paint(self, code: &str, text: &str) -> String {
        if self.color {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_string()
        }
    }
    fn bold(self, t: &str) -> String {
        self.paint("1", t)
    }
    fn green(self, t: &str) -> String {
        self.paint("32", t)
    }
    fn red(self, t: &str) -> String {
        self.paint("31", t)
    }
    fn yellow(self, t: &str) -> String {
        self.paint("33", t)
    }
    fn dim(self, t: &str) -> String {
        self.paint("2", t)
    }
}

/// Renders the report, one section after another; `top` bounds the wasted paths listed.
pub fn render(
    image: &Image,
    a: &Analysis,
    rules: &[RuleResult],
    top: usize,
    style: Style,
) -> String {
    let mut o = String::new();
    summary(&mut o, a, style);
    layers(&mut o, a, style);
    wasted(&mut o, image, a, top, style);
    findings(&mut o, image, a, top, style);
    if let Some(line) = super::ignored::summary(&a.ignored) {
        let _ = writeln!(o, "\n{} {}", style.bold("Ignored"), escape::text(&line));
    }
    super::packages::section(a, top, style.color, &mut o);
    super::dockerfile::section(a, style.color, &mut o);
    super::zstd::text(image, a, &mut o);
    rules_and_result(&mut o, rules, style);
    o
}

// Writing to a String cannot fail; the results of `writeln!` are ignored for that reason.

/// The image and its figures.
fn summary(o: &mut String, a: &Analysis, style: Style) {
    let _ = writeln!(
        o,
        "{} {} ({})",
        style.bold("plummet"),
        escape::text(&a.reference),
        escape::text(&a.source)
    );
    if let Some(d) = &a.digest {
        let _ = writeln!(o, "  digest       {d}");
    }
    let _ = writeln!(
        o,
        "  platform     {}/{}   user {}",
        escape::text(&a.config.os),
        escape::text(&a.config.architecture),
        if a.runs_as_root {
            style.yellow("root")
        } else {
            escape::text(&a.config.user).into_owned()
        }
    );
    let _ = writeln!(
        o,
        "  total size   {} in {} layers ({} after deletions)",
        size(a.size_bytes),
        a.layers.len(),
        size(a.final_size_bytes)
    );
    let _ = writeln!(o, "  pull size    {}", format::pull(pull_size(a)));
    let _ = writeln!(o, "  efficiency   {}", percent(a.efficiency));
    let _ = writeln!(
        o,
        "  wasted       {} ({} of the user layers)",
        size(a.wasted_bytes),
        percent(a.user_wasted_ratio)
    );
    let _ = writeln!(o, "  reclaimable  {}", size(a.reclaimable_bytes));
    let split = super::base::split(a);
    let _ = writeln!(o, "  base         {}", split.base);
    let _ = writeln!(o, "  your layers  {}", split.yours);
}

/// One line per layer.
fn layers(o: &mut String, a: &Analysis, style: Style) {
    let _ = writeln!(o, "\n{}", style.bold("Layers"));
    let _ = writeln!(
        o,
        "  {:>3}  {:>9}  {:>13}  {:>6}  {:>9}  command",
        "#", "size", "blob", "files", "wasted"
    );
    for l in &a.layers {
        let _ = writeln!(
            o,
            "  {:>3}  {:>9}  {:>13}  {:>6}  {:>9}  {}",
            l.index,
            size(l.size_bytes),
            format::blob(l),
            l.file_count,
            size(l.changes.wasted_bytes),
            truncate(
                &format!(
                    "{}{}{}",
                    l.dockerfile_line
                        .map_or(String::new(), |n| format!("[line {n}] ")),
                    if l.base { "(base) " } else { "" },
                    escape::text(&l.command.replace('\n', " "))
                ),
                90
            )
        );
    }
}

/// The largest wasted paths.
fn wasted(o: &mut String, image: &Image, a: &Analysis, top: usize, style: Style) {
    if !a.wasted.is_empty() {
        let _ = writeln!(
            o,
            "\n{} (of {})",
            style.bold("Largest wasted paths"),
            a.wasted.len()
        );
        let _ = writeln!(o, "  {:>9}  {:>7}  path", "bytes", "touches");
        for w in a.wasted.iter().take(top) {
            let _ = writeln!(
                o,
                "  {:>9}  {:>7}  {}",
                size(w.bytes),
                w.touches,
                escape::bytes(&image.tree.paths.path(w.node))
            );
        }
    }
}

/// Findings by kind, each with its fix.
fn findings(o: &mut String, image: &Image, a: &Analysis, top: usize, style: Style) {
    if !a.findings.is_empty() {
        let _ = writeln!(o, "\n{}", style.bold("Findings"));
        for kind in FindingKind::ALL {
            let of_kind: Vec<_> = a.findings_of(kind).collect();
            if of_kind.is_empty() {
                continue;
            }
            let bytes: u64 = of_kind.iter().map(|f| f.bytes).sum();
            let title = format!("{} ({}, {})", kind.name(), of_kind.len(), size(bytes));
            let _ = writeln!(
                o,
                "  {}",
                if kind.is_hygiene() {
                    style.yellow(&title)
                } else {
                    style.bold(&title)
                }
            );
            for f in of_kind.iter().take(top) {
                let layer = f
                    .layer
                    .map_or("image".to_string(), |l| format!("layer {l}"));
                let layer = match a.dockerfile_line(f.layer) {
                    Some(n) => format!("{layer} (Dockerfile line {n})"),
                    None => layer,
                };
                let state = if f.visible {
                    "in the final image"
                } else {
                    "deleted later, still shipped"
                };
                let _ = writeln!(
                    o,
                    "    {}  {}  {}  {}",
                    escape::bytes(&image.tree.paths.path(f.node)),
                    layer,
                    size(f.bytes),
                    style.dim(state)
                );
                let _ = writeln!(o, "      {}", style.dim(&escape::text(&f.reason)));
                let _ = writeln!(o, "      fix: {}", escape::text(&f.fix));
            }
            if of_kind.len() > top {
                let _ = writeln!(o, "    … and {} more", of_kind.len() - top);
            }
        }
    }
}

/// The rules and the verdict.
fn rules_and_result(o: &mut String, rules: &[RuleResult], style: Style) {
    let _ = writeln!(o, "\n{}", style.bold("Rules"));
    for r in rules {
        let status = match r.status {
            RuleStatus::Pass => style.green("PASS"),
            RuleStatus::Fail => style.red("FAIL"),
            RuleStatus::Skip => style.dim("SKIP"),
            RuleStatus::Forgiven => style.yellow("BASE"),
        };
        let (measured, threshold) = super::format::rule_values(r.value, r.threshold);
        let _ = writeln!(
            o,
            "  {status}  {}: {measured} (threshold {threshold})",
            escape::text(&r.name)
        );
        if r.status == RuleStatus::Forgiven {
            let _ = writeln!(o, "        {}", style.dim(&escape::text(&r.message)));
        }
    }
    let (failed, enabled) = tally(rules);
    let forgiven = rules
        .iter()
        .filter(|r| r.status == RuleStatus::Forgiven)
        .count();
    let _ = if failed == 0 && forgiven > 0 {
        writeln!(
            o,
            "\nResult: {} ({enabled} rules, {forgiven} failed only on what the baseline had)",
            style.green("PASS")
        )
    } else if failed == 0 {
        writeln!(o, "\nResult: {} ({enabled} rules)", style.green("PASS"))
    } else {
        writeln!(
            o,
            "\nResult: {} ({failed} of {enabled} rules failed)",
            style.red("FAIL")
        )
    };
}
