//! Packages before and after: which were added, removed, upgraded (or downgraded) between two
//! images, and how many bytes each change moved (what container-diff's package differs gave).

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde::Serialize;

use super::text::signed_size;
use crate::analysis::Analysis;
use crate::packages::{Ecosystem, Package};

/// Image strings (a package name is the image author's text) shown safely.
fn escape(s: &str) -> String {
    crate::escape::text(s).into_owned()
}

/// One package that differs between A and B.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PackageChange {
    pub ecosystem: Ecosystem,
    pub name: String,
    pub location: String,
    pub version_a: Option<String>,
    pub version_b: Option<String>,
    pub bytes_a: u64,
    pub bytes_b: u64,
}

impl PackageChange {
    /// `added`, `removed`, `upgraded` (versions differ) or `resized` (same version, other bytes).
    pub fn change(&self) -> &'static str {
        match (&self.version_a, &self.version_b) {
            (None, _) => "added",
            (_, None) => "removed",
            (Some(a), Some(b)) if a != b => "upgraded",
            _ => "resized",
        }
    }

    pub fn delta(&self) -> i64 {
        super::delta(self.bytes_a, self.bytes_b)
    }
}

/// The packages at the top of each image, keyed as their databases key them.
fn installed(a: &Analysis) -> BTreeMap<(Ecosystem, String, String), &Package> {
    a.packages
        .list
        .iter()
        .filter(|p| p.visible)
        .map(|p| ((p.ecosystem, p.location.clone(), p.name.clone()), p))
        .collect()
}

/// The packages that differ, the largest byte movement first.
pub fn compare(a: &Analysis, b: &Analysis) -> Vec<PackageChange> {
    let (in_a, in_b) = (installed(a), installed(b));
    let mut keys: Vec<_> = in_a.keys().chain(in_b.keys()).cloned().collect();
    keys.sort();
    keys.dedup();
    let mut out: Vec<PackageChange> = keys
        .into_iter()
        .filter_map(|key| {
            let (pa, pb) = (in_a.get(&key), in_b.get(&key));
            let change = PackageChange {
                ecosystem: key.0,
                name: key.2,
                location: key.1,
                version_a: pa.map(|p| p.version.clone()),
                version_b: pb.map(|p| p.version.clone()),
                bytes_a: pa.map_or(0, |p| p.bytes),
                bytes_b: pb.map_or(0, |p| p.bytes),
            };
            let same = change.version_a == change.version_b && change.bytes_a == change.bytes_b;
            (!same).then_some(change)
        })
        .collect();
    out.sort_by(|x, y| {
        y.delta()
            .unsigned_abs()
            .cmp(&x.delta().unsigned_abs())
            .then_with(|| x.name.cmp(&y.name))
    });
    out
}

#[derive(Debug, Serialize)]
pub struct JsonPackageChange {
    pub ecosystem: &'static str,
    pub name: String,
    pub location: String,
    pub change: &'static str,
    pub version_a: Option<String>,
    pub version_b: Option<String>,
    pub bytes_a: u64,
    pub bytes_b: u64,
    pub delta: i64,
}

pub fn json(changes: &[PackageChange]) -> Vec<JsonPackageChange> {
    changes
        .iter()
        .map(|c| JsonPackageChange {
            ecosystem: c.ecosystem.name(),
            name: c.name.clone(),
            location: c.location.clone(),
            change: c.change(),
            version_a: c.version_a.clone(),
            version_b: c.version_b.clone(),
            bytes_a: c.bytes_a,
            bytes_b: c.bytes_b,
            delta: c.delta(),
        })
        .collect()
}

/// The Markdown section: the largest package movements, collapsed.
pub fn markdown(changes: &[PackageChange], top: usize) -> String {
    let mut o = String::new();
    if changes.is_empty() {
        return o;
    }
    let cell = crate::escape::markdown_text;
    let _ = writeln!(
        o,
        "\n<details><summary>Packages ({})</summary>\n\n| change | size | package | A | B |\n|---|---:|---|---|---|",
        changes.len()
    );
    for c in changes.iter().take(top) {
        let _ = writeln!(
            o,
            "| {} | {} | {} {} | {} | {} |",
            c.change(),
            signed_size(c.delta()),
            c.ecosystem.name(),
            cell(&c.name),
            cell(c.version_a.as_deref().unwrap_or("–")),
            cell(c.version_b.as_deref().unwrap_or("–"))
        );
    }
    o.push_str("\n</details>\n");
    o
}

/// The text section: counts by change, then the largest movements.
pub fn section(changes: &[PackageChange], top: usize, bold: impl Fn(&str) -> String) -> String {
    let mut o = String::new();
    if changes.is_empty() {
        return o;
    }
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for c in changes {
        *counts.entry(c.change()).or_default() += 1;
    }
    let counts: Vec<String> = counts.iter().map(|(k, n)| format!("{n} {k}")).collect();
    let _ = writeln!(o, "\n{} ({})", bold("Packages"), counts.join(", "));
    for c in changes.iter().take(top) {
        let versions = match (&c.version_a, &c.version_b) {
            (Some(a), Some(b)) if a != b => format!("{} -> {}", escape(a), escape(b)),
            (Some(v), _) | (None, Some(v)) => escape(v),
            (None, None) => String::new(),
        };
        let _ = writeln!(
            o,
            "  {:<9} {:>11}  {} {} {versions}",
            c.change(),
            signed_size(c.delta()),
            c.ecosystem.name(),
            escape(&c.name)
        );
    }
    if changes.len() > top {
        let _ = writeln!(o, "  … and {} more", changes.len() - top);
    }
    o
}
