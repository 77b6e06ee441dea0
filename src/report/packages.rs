//! The packages section of the text report: per layer, what the package managers installed,
//! upgraded or removed, the largest first.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use super::format::{size, truncate};
use crate::analysis::Analysis;
use crate::packages::{Change, Ecosystem, Package};

/// Image strings (a package name is the image author's text) shown safely.
fn escape(s: &str) -> String {
    crate::escape::text(s).into_owned()
}

/// Appends the section (nothing when the image has no package database). `top` bounds the
/// rows per layer.
pub fn section(a: &Analysis, top: usize, color: bool, o: &mut String) {
    let list = &a.packages.list;
    if list.is_empty() {
        return;
    }
    let bold = |t: &str| {
        if color {
            format!("\x1b[1m{t}\x1b[0m")
        } else {
            t.to_string()
        }
    };
    let _ = writeln!(o, "\n{} ({})", bold("Packages"), summary(list));
    let mut by_layer: BTreeMap<usize, Vec<&Package>> = BTreeMap::new();
    for p in list {
        by_layer.entry(p.layer).or_default().push(p);
    }
    for (layer, mut rows) in by_layer {
        rows.sort_by(|x, y| y.bytes.cmp(&x.bytes).then_with(|| x.name.cmp(&y.name)));
        let bytes: u64 = rows.iter().map(|p| p.bytes).sum();
        let command = a.layers.get(layer).map_or("", |l| l.command.as_str());
        let _ = writeln!(
            o,
            "  layer {layer}: {} {}, {}  {}",
            rows.len(),
            if rows.len() == 1 { "change" } else { "changes" },
            size(bytes),
            escape(&truncate(&command.replace('\n', " "), 60))
        );
        for p in rows.iter().take(top) {
            let _ = writeln!(
                o,
                "    {:>9}  {:>6}  {:<6}  {}",
                size(p.bytes),
                p.files,
                p.ecosystem.name(),
                describe(p)
            );
        }
        if rows.len() > top {
            let _ = writeln!(o, "    … and {} more", rows.len() - top);
        }
    }
}

/// The Markdown section: the image's largest packages, collapsed.
pub fn markdown(a: &Analysis, top: usize) -> String {
    let mut rows: Vec<&Package> = a.packages.list.iter().filter(|p| p.visible).collect();
    if rows.is_empty() {
        return String::new();
    }
    rows.sort_by(|x, y| y.bytes.cmp(&x.bytes).then_with(|| x.name.cmp(&y.name)));
    let cell = crate::escape::markdown_text;
    let mut o = format!(
        "\n<details><summary>Packages ({})</summary>\n\n| package | version | layer | size | files |\n|---|---|---:|---:|---:|\n",
        summary(&a.packages.list)
    );
    for p in rows.iter().take(top) {
        let _ = writeln!(
            o,
            "| {} {} | {} | {} | {} | {} |",
            p.ecosystem.name(),
            cell(&p.name),
            cell(&p.version),
            p.layer,
            size(p.bytes),
            p.files
        );
    }
    o.push_str("\n</details>\n");
    o
}

/// `412 installed (400 deb, 8 python, 4 npm), 3 upgraded, 1 removed`
fn summary(list: &[Package]) -> String {
    let mut per: BTreeMap<Ecosystem, usize> = BTreeMap::new();
    for p in list.iter().filter(|p| p.visible) {
        *per.entry(p.ecosystem).or_default() += 1;
    }
    let total: usize = per.values().sum();
    let parts: Vec<String> = per
        .iter()
        .map(|(e, n)| format!("{n} {}", e.name()))
        .collect();
    let mut out = format!("{total} in the final image: {}", parts.join(", "));
    for change in [Change::Upgraded, Change::Removed] {
        let n = list.iter().filter(|p| p.change == change).count();
        if n > 0 {
            let _ = write!(out, "; {n} {}", change.name());
        }
    }
    out
}

/// `name version`, `name 1 -> 2 (upgraded)`, `name 1 (removed)`, with `(replaced later)` when
/// the bytes no longer show at the top.
fn describe(p: &Package) -> String {
    let mut out = format!("{} {}", escape(&p.name), escape(&p.version));
    match p.change {
        Change::Installed => {}
        Change::Upgraded => {
            out = format!(
                "{} {} -> {} (upgraded)",
                escape(&p.name),
                escape(p.previous_version.as_deref().unwrap_or("?")),
                escape(&p.version)
            );
        }
        Change::Removed => out.push_str(" (removed)"),
    }
    if !p.visible && p.change != Change::Removed {
        out.push_str(" (upgraded or removed later)");
    }
    if p.ecosystem == Ecosystem::Npm || p.ecosystem == Ecosystem::Python {
        let _ = write!(out, "  {}", escape(&p.location));
    }
    out
}
