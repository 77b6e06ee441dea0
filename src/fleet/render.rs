//! `plummet scan`'s human reports, text and Markdown: one row per image, what the fleet shares,
//! and the largest layers only one image uses. Image strings are escaped (src/escape.rs).

use std::fmt::Write;

use super::{ScanImage, ScanReport};
use crate::escape;
use crate::report::format::{percent, size, truncate};

fn findings(image: &ScanImage) -> String {
    if image.findings.is_empty() {
        return "-".into();
    }
    image
        .findings
        .iter()
        .map(|(kind, n)| format!("{kind}:{n}"))
        .collect::<Vec<_>>()
        .join(" ")
}

fn verdict(image: &ScanImage) -> String {
    match (&image.error, image.failed_rules.is_empty()) {
        (Some(_), _) => "ERROR".into(),
        (None, true) => "pass".into(),
        (None, false) => format!("FAIL ({})", image.failed_rules.join(", ")),
    }
}

fn totals(r: &ScanReport) -> String {
    format!(
        "{} images: {} failed their rules, {} could not be read; {} distinct layers, {} shared by two or more images, {} used by one",
        r.images.len(),
        r.failed_images,
        r.unreadable_images,
        r.layers.len(),
        size(r.shared_bytes),
        size(r.unshared_bytes),
    )
}

/// The text report.
pub fn text(r: &ScanReport, top: usize) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{:<40} {:>10} {:>8} {:>10} {:>11}  {:<6}  findings",
        "image", "size", "effic.", "wasted", "reclaimable", "rules"
    );
    for i in &r.images {
        let name = truncate(&escape::text(&i.reference), 40);
        if let Some(e) = &i.error {
            let _ = writeln!(out, "{name:<40} ERROR: {}", escape::text(e));
            continue;
        }
        let _ = writeln!(
            out,
            "{name:<40} {:>10} {:>8} {:>10} {:>11}  {:<6}  {}",
            size(i.size_bytes),
            percent(i.efficiency),
            size(i.wasted_bytes),
            size(i.reclaimable_bytes),
            verdict(i),
            findings(i)
        );
    }
    let _ = writeln!(out, "\n{}", totals(r));
    let unshared: Vec<_> = r.unshared(top).collect();
    if !unshared.is_empty() {
        let _ = writeln!(out, "\nLargest layers only one image uses:");
        for l in unshared {
            let _ = writeln!(
                out,
                "  {:>10}  {}  {}",
                size(l.blob_bytes),
                truncate(&l.digest, 19),
                escape::text(l.images.first().map_or("", String::as_str))
            );
        }
    }
    out
}

/// The Markdown report, e.g. for a nightly issue or a dashboard page.
pub fn markdown(r: &ScanReport, top: usize) -> String {
    let mut out = String::from("## plummet scan\n\n");
    let _ = writeln!(out, "{}\n", escape::markdown_text(&totals(r)));
    out.push_str("| image | size | efficiency | wasted | reclaimable | rules | findings |\n");
    out.push_str("|---|---:|---:|---:|---:|---|---|\n");
    for i in &r.images {
        let name = escape::markdown_code_cell(&i.reference);
        if let Some(e) = &i.error {
            let _ = writeln!(
                out,
                "| {name} | | | | | error | {} |",
                escape::markdown_text(e)
            );
            continue;
        }
        let _ = writeln!(
            out,
            "| {name} | {} | {} | {} | {} | {} | {} |",
            size(i.size_bytes),
            escape::markdown_text(&percent(i.efficiency)),
            size(i.wasted_bytes),
            size(i.reclaimable_bytes),
            escape::markdown_text(&verdict(i)),
            escape::markdown_text(&findings(i))
        );
    }
    let unshared: Vec<_> = r.unshared(top).collect();
    if !unshared.is_empty() {
        out.push_str("\n### Largest layers only one image uses\n\n| blob | layer | image |\n|---:|---|---|\n");
        for l in unshared {
            let _ = writeln!(
                out,
                "| {} | {} | {} |",
                size(l.blob_bytes),
                escape::markdown_code_cell(&l.digest),
                escape::markdown_code_cell(l.images.first().map_or("", String::as_str))
            );
        }
    }
    out
}
