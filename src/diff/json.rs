//! The JSON report of `plummet diff`: its own serde types, documented in docs/json-schema.md.
//! `a` and `b` are exactly the `image` object of `plummet ci --json`, and findings are the
//! objects of its `findings` list.

use serde::Serialize;

use super::{Comparison, FindingChange};
use crate::analysis::Analysis;
use crate::image::Image;
use crate::report::json::{JsonFinding, JsonImage, JsonRule};
use crate::report::rules::RuleResult;

/// Bump on any incompatible change; adding keys is compatible.
pub const SCHEMA_VERSION: u32 = 1;

#[derive(Debug, Serialize)]
pub struct JsonDiff {
    pub schema_version: u32,
    pub plummet_version: &'static str,
    pub a: JsonImage,
    pub b: JsonImage,
    pub summary: JsonSummary,
    pub layers: Vec<JsonLayerMatch>,
    pub files: Vec<JsonFileChange>,
    pub dirs: Vec<JsonDirChange>,
    pub dir_entries: Vec<JsonDirEntry>,
    pub findings_added: Vec<JsonFinding>,
    pub findings_removed: Vec<JsonFinding>,
    pub findings_changed: Vec<JsonFindingChange>,
    /// Packages added, removed, upgraded or resized between A and B, the largest movement first.
    pub packages: Vec<super::packages::JsonPackageChange>,
    pub rules: Vec<JsonRule>,
    pub passed: bool,
    /// What `[ignore]` left out of each image (the `ignored` object of `plummet ci`).
    pub ignored: JsonIgnoredPair,
    /// `--estimate-zstd`: each image's layers recompressed with zstd; absent without the flag.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub zstd_estimate: Option<JsonZstdPair>,
}

/// `[ignore]`'s tally for A and for B.
#[derive(Debug, Serialize)]
pub struct JsonIgnoredPair {
    pub a: crate::report::json::JsonIgnored,
    pub b: crate::report::json::JsonIgnored,
}

/// The zstd estimates of A and B.
#[derive(Debug, Serialize)]
pub struct JsonZstdPair {
    pub a: crate::report::zstd::JsonZstd,
    pub b: crate::report::zstd::JsonZstd,
}

#[derive(Debug, Serialize)]
pub struct JsonSummary {
    pub size_delta: i64,
    /// `size_delta / a.size_bytes`; null when A is empty.
    pub size_ratio: Option<f64>,
    pub final_size_delta: i64,
    pub efficiency_delta: f64,
    pub wasted_bytes_delta: i64,
    pub reclaimable_bytes_delta: i64,
    pub shared_layers: usize,
    pub shared_layer_bytes: u64,
    /// Bytes a host that has A downloads to get B (B's blobs whose digest is not among A's, as
    /// stored); null when one of those blobs' size is unknown.
    pub download_bytes: Option<u64>,
    /// B's blobs a host that has A downloads.
    pub download_blobs: usize,
    pub files_added: usize,
    pub files_removed: usize,
    pub files_changed: usize,
}

#[derive(Debug, Serialize)]
pub struct JsonLayerMatch {
    pub status: &'static str,
    pub index_a: Option<usize>,
    pub index_b: Option<usize>,
    pub digest_a: Option<String>,
    pub digest_b: Option<String>,
    pub command: String,
    pub size_a: u64,
    pub size_b: u64,
    pub size_delta: i64,
}

#[derive(Debug, Serialize)]
pub struct JsonFileChange {
    pub path: String,
    pub change: &'static str,
    pub kind_a: Option<&'static str>,
    pub kind_b: Option<&'static str>,
    pub bytes_a: u64,
    pub bytes_b: u64,
    pub delta: i64,
    /// For `changed`: which of content, mode, owner, kind, link differ.
    pub aspects: Vec<&'static str>,
}

#[derive(Debug, Serialize)]
pub struct JsonDirChange {
    pub path: String,
    pub bytes_a: u64,
    pub bytes_b: u64,
    pub delta: i64,
    pub added: u64,
    pub removed: u64,
    pub changed: u64,
}

/// A directory whose own entry differs (see [`Comparison::dir_entries`]).
#[derive(Debug, Serialize)]
pub struct JsonDirEntry {
    pub path: String,
    pub change: &'static str,
    /// For `changed`: `mode` and/or `owner`.
    pub aspects: Vec<&'static str>,
    /// Permission bits and owner on each side; null on a side without the directory.
    pub mode_a: Option<u32>,
    pub mode_b: Option<u32>,
    pub uid_a: Option<u32>,
    pub uid_b: Option<u32>,
    pub gid_a: Option<u32>,
    pub gid_b: Option<u32>,
}

#[derive(Debug, Serialize)]
pub struct JsonFindingChange {
    pub kind: &'static str,
    pub path: String,
    pub bytes_a: u64,
    pub bytes_b: u64,
    pub delta: i64,
}

/// The name of an entry kind in the JSON report.
pub fn kind_name(kind: crate::layer::EntryKind) -> &'static str {
    use crate::layer::EntryKind as K;
    match kind {
        K::File => "file",
        K::Dir => "dir",
        K::Symlink => "symlink",
        K::Hardlink => "hardlink",
        K::CharDevice => "char_device",
        K::BlockDevice => "block_device",
        K::Fifo => "fifo",
        K::Whiteout => "whiteout",
        K::Opaque => "opaque",
    }
}

fn pick(all: &[JsonFinding], changes: &[FindingChange], side_b: bool) -> Vec<JsonFinding> {
    changes
        .iter()
        .flat_map(|c| if side_b { &c.in_b } else { &c.in_a })
        .filter_map(|&i| all.get(i).cloned())
        .collect()
}

/// Builds the report; `top` bounds the directory list (files are listed in full).
pub fn report(
    a: (&Image, &Analysis),
    b: (&Image, &Analysis),
    c: &Comparison,
    rules: &[RuleResult],
    top: usize,
) -> JsonDiff {
    let findings_a = crate::report::json::findings(a.0, a.1);
    let findings_b = crate::report::json::findings(b.0, b.1);
    let count = |change| {
        c.files
            .iter()
            .filter(|f| !f.is_dir() && f.change == change)
            .count()
    };
    let shared: Vec<_> = c
        .layers
        .iter()
        .filter(|l| l.status == super::LayerStatus::Shared)
        .collect();
    JsonDiff {
        schema_version: SCHEMA_VERSION,
        plummet_version: env!("CARGO_PKG_VERSION"),
        a: crate::report::json::image(a.1),
        b: crate::report::json::image(b.1),
        summary: JsonSummary {
            size_delta: c.size_delta(),
            size_ratio: c.size_ratio(),
            final_size_delta: super::delta(c.a.final_size_bytes, c.b.final_size_bytes),
            efficiency_delta: c.b.efficiency - c.a.efficiency,
            wasted_bytes_delta: super::delta(c.a.wasted_bytes, c.b.wasted_bytes),
            reclaimable_bytes_delta: super::delta(c.a.reclaimable_bytes, c.b.reclaimable_bytes),
            shared_layers: shared.len(),
            shared_layer_bytes: shared.iter().map(|l| l.size_b).sum(),
            download_bytes: c.download.bytes,
            download_blobs: c.download.blobs,
            files_added: count(super::PathChange::Added),
            files_removed: count(super::PathChange::Removed),
            files_changed: count(super::PathChange::Changed),
        },
        layers: c
            .layers
            .iter()
            .map(|l| JsonLayerMatch {
                status: l.status.name(),
                index_a: l.a,
                index_b: l.b,
                digest_a: l.digest_a.as_ref().map(ToString::to_string),
                digest_b: l.digest_b.as_ref().map(ToString::to_string),
                command: l.command.clone(),
                size_a: l.size_a,
                size_b: l.size_b,
                size_delta: l.size_delta(),
            })
            .collect(),
        files: c
            .files
            .iter()
            .filter(|f| !f.is_dir())
            .map(|f| JsonFileChange {
                path: f.display(),
                change: f.change.name(),
                kind_a: f.kind_a.map(kind_name),
                kind_b: f.kind_b.map(kind_name),
                bytes_a: f.bytes_a,
                bytes_b: f.bytes_b,
                delta: f.delta(),
                aspects: f.aspects.names(),
            })
            .collect(),
        dirs: c
            .dirs
            .iter()
            .take(top)
            .map(|d| JsonDirChange {
                path: d.display(),
                bytes_a: d.bytes_a,
                bytes_b: d.bytes_b,
                delta: d.delta(),
                added: d.added,
                removed: d.removed,
                changed: d.changed,
            })
            .collect(),
        dir_entries: c
            .dir_entries()
            .into_iter()
            .map(|f| JsonDirEntry {
                path: f.display(),
                change: f.change.name(),
                aspects: f.aspects.names(),
                mode_a: f.meta_a.map(|m| m.mode),
                mode_b: f.meta_b.map(|m| m.mode),
                uid_a: f.meta_a.map(|m| m.uid),
                uid_b: f.meta_b.map(|m| m.uid),
                gid_a: f.meta_a.map(|m| m.gid),
                gid_b: f.meta_b.map(|m| m.gid),
            })
            .collect(),
        findings_added: pick(&findings_b, &c.findings_added, true),
        findings_removed: pick(&findings_a, &c.findings_removed, false),
        findings_changed: c
            .findings_changed
            .iter()
            .map(|f| JsonFindingChange {
                kind: f.kind.name(),
                path: f.path.clone(),
                bytes_a: f.bytes_a,
                bytes_b: f.bytes_b,
                delta: f.delta(),
            })
            .collect(),
        packages: super::packages::json(&super::packages::compare(a.1, b.1)),
        rules: crate::report::json::rules(rules),
        passed: crate::report::rules::passed(rules),
        ignored: JsonIgnoredPair {
            a: crate::report::json::ignored(&a.1.ignored),
            b: crate::report::json::ignored(&b.1.ignored),
        },
        zstd_estimate: crate::report::zstd::json(a.0)
            .zip(crate::report::zstd::json(b.0))
            .map(|(a, b)| JsonZstdPair { a, b }),
    }
}

/// Serialises the report, pretty-printed, with a trailing newline.
pub fn to_string(report: &JsonDiff) -> String {
    let mut s =
        serde_json::to_string_pretty(report).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"));
    s.push('\n');
    s
}
