//! The JSON report: its own serde types, apart from the domain types, so the schema is a
//! deliberate contract. Bump `SCHEMA_VERSION` on any incompatible change; adding keys is compatible.

use serde::Serialize;

use super::rules::{RuleResult, Value};
use crate::analysis::Analysis;
use crate::image::Image;

pub const SCHEMA_VERSION: u32 = 1;

#[derive(Debug, Serialize)]
pub struct JsonReport {
    pub schema_version: u32,
    pub plummet_version: &'static str,
    pub image: JsonImage,
    pub layers: Vec<JsonLayer>,
    pub wasted: Vec<JsonWasted>,
    pub findings: Vec<JsonFinding>,
    /// One row per package change (install, upgrade, removal), in layer order.
    pub packages: Vec<JsonPackage>,
    pub rules: Vec<JsonRule>,
    /// Whether every enabled rule passed.
    pub passed: bool,
    /// With `--dockerfile`: the file, its own findings, and why some layers are not mapped.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dockerfile: Option<JsonDockerfile>,
    /// What `[ignore]` left out of the findings and figures.
    pub ignored: JsonIgnored,
    /// The `--baseline` the rules were judged against; absent without one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub baseline: Option<JsonBaseline>,
    /// `--estimate-zstd`: the layers recompressed with zstd; absent without the flag.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub zstd_estimate: Option<super::zstd::JsonZstd>,
    /// Every layer's entries (`ci --json-files`); absent unless asked for, since it is big.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub files: Option<Vec<JsonFile>>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct JsonDockerfile {
    pub path: String,
    pub mapped_layers: usize,
    pub notes: Vec<String>,
    pub findings: Vec<JsonDockerfileFinding>,
    /// `file` (`--dockerfile`) or `provenance` (the image's provenance attestation; `path` is
    /// then the file name the build recorded).
    pub source: &'static str,
    /// The Dockerfile the image's provenance attestation carries; null when it has none.
    pub provenance: Option<JsonProvenanceDockerfile>,
}

/// The provenance attestation's Dockerfile.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct JsonProvenanceDockerfile {
    /// The attestation manifest's digest.
    pub attestation: Option<String>,
    pub filename: String,
    /// Whether it is byte for byte the Dockerfile used (always true for `source: provenance`).
    pub same_as_used: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct JsonDockerfileFinding {
    pub rule: &'static str,
    pub line: usize,
    pub message: String,
    pub fix: String,
}

/// The `dockerfile` object, when `--dockerfile` was given.
pub fn dockerfile(a: &Analysis) -> Option<JsonDockerfile> {
    a.dockerfile.as_ref().map(|d| JsonDockerfile {
        path: d.path.clone(),
        mapped_layers: d.mapped_layers,
        notes: d.notes.clone(),
        findings: d
            .findings
            .iter()
            .map(|f| JsonDockerfileFinding {
                rule: f.rule,
                line: f.line,
                message: f.message.clone(),
                fix: f.fix.clone(),
            })
            .collect(),
        source: if d.from_provenance {
            "provenance"
        } else {
            "file"
        },
        provenance: d.provenance.as_ref().map(|p| JsonProvenanceDockerfile {
            attestation: p.attestation.as_ref().map(ToString::to_string),
            filename: p.filename.clone(),
            same_as_used: p.same_as_used,
        }),
    })
}

/// What `[ignore]` left out.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct JsonIgnored {
    /// The globs as configured (empty: nothing ignored).
    pub paths: Vec<String>,
    /// Whether the globs were taken out of the waste figures too.
    pub figures: bool,
    pub findings: u64,
    pub finding_bytes: u64,
    pub wasted_paths: u64,
    pub wasted_bytes: u64,
    pub reclaimable_bytes: u64,
}

/// The baseline of a run.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct JsonBaseline {
    /// The image the baseline report was made of.
    pub reference: String,
    /// `1000000 bytes` or `1%`.
    pub tolerance: String,
    /// Rules that failed but were forgiven (status `forgiven`).
    pub forgiven: usize,
}

/// The `ignored` object, shared with `plummet diff`.
pub fn ignored(i: &crate::analysis::Ignored) -> JsonIgnored {
    JsonIgnored {
        paths: i.patterns.clone(),
        figures: i.figures,
        findings: i.findings,
        finding_bytes: i.finding_bytes,
        wasted_paths: i.wasted_paths,
        wasted_bytes: i.wasted_bytes,
        reclaimable_bytes: i.reclaimable_bytes,
    }
}

/// The `baseline` object.
pub fn baseline(b: &super::baseline::Baseline, forgiven: usize) -> JsonBaseline {
    JsonBaseline {
        reference: b.reference.clone(),
        tolerance: b.tolerance.describe(),
        forgiven,
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct JsonImage {
    pub reference: String,
    pub source: String,
    pub digest: Option<String>,
    pub os: String,
    pub architecture: String,
    pub user: String,
    pub layer_count: usize,
    pub size_bytes: u64,
    pub user_size_bytes: u64,
    pub final_size_bytes: u64,
    /// The distinct layer blobs' sizes as stored: what a pull transfers; `None` when a blob's
    /// size is unknown.
    pub pull_bytes: Option<u64>,
    /// How many of those blobs are stored uncompressed (their size is not a compressed size).
    pub pull_uncompressed_blobs: usize,
    pub efficiency: f64,
    pub wasted_bytes: u64,
    pub user_wasted_ratio: f64,
    pub reclaimable_bytes: u64,
    pub runs_as_root: bool,
    pub base: JsonBase,
}

/// The base image boundary.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct JsonBase {
    pub reference: Option<String>,
    pub digest: Option<String>,
    /// Layers that are the base's; null when the boundary is unknown (`layers[].base` then
    /// marks layer 0 alone, dive's rule).
    pub layer_count: Option<usize>,
    /// Bytes of the layers marked `base`.
    pub size_bytes: u64,
    /// `flag` (--base), `annotation` (org.opencontainers.image.base.*) or `unknown`.
    pub detected_by: &'static str,
}

#[derive(Debug, Serialize)]
pub struct JsonLayer {
    pub index: usize,
    pub digest: Option<String>,
    pub diff_id: Option<String>,
    pub media_type: Option<String>,
    pub compression: Option<&'static str>,
    pub blob_bytes: Option<u64>,
    pub size_bytes: u64,
    pub file_count: usize,
    pub command: String,
    pub added: u64,
    pub modified: u64,
    pub removed: u64,
    pub wasted_bytes: u64,
    pub reclaimable_bytes: u64,
    /// Whether the layer belongs to the base image.
    pub base: bool,
    /// With `--dockerfile`: the 1-based line of the instruction that made the layer (null when
    /// it could not be mapped; absent without `--dockerfile`).
    #[serde(skip_serializing_if = "is_absent")]
    pub dockerfile_line: Option<Option<usize>>,
    /// With a Dockerfile: how `dockerfile_line` was found, `provenance` (the attestation's step
    /// locations) or `history` (the history's commands matched); null when not mapped.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dockerfile_line_method: Option<Option<&'static str>>,
}

/// Serde's test for a key that is left out.
fn is_absent(v: &Option<Option<usize>>) -> bool {
    v.is_none()
}

#[derive(Debug, Serialize)]
pub struct JsonWasted {
    pub path: String,
    pub touches: u32,
    pub bytes: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct JsonFinding {
    pub kind: &'static str,
    pub path: String,
    pub layer: Option<usize>,
    pub bytes: u64,
    pub files: u64,
    pub visible: bool,
    pub reason: String,
    pub fix: String,
    /// With `--dockerfile`: the 1-based line of the instruction that made the finding's layer.
    #[serde(skip_serializing_if = "is_absent")]
    pub dockerfile_line: Option<Option<usize>>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct JsonPackage {
    pub ecosystem: &'static str,
    pub name: String,
    pub version: String,
    /// `installed`, `upgraded` or `removed`.
    pub change: &'static str,
    /// The version an upgrade replaced.
    pub previous_version: Option<String>,
    pub layer: usize,
    pub location: String,
    pub bytes: u64,
    pub files: u64,
    pub visible: bool,
}

#[derive(Debug, Serialize)]
pub struct JsonRule {
    pub name: String,
    pub status: &'static str,
    pub value: serde_json::Value,
    pub threshold: Option<serde_json::Value>,
    pub message: String,
}

fn number(v: Value) -> serde_json::Value {
    match v {
        Value::Ratio(r) => serde_json::Number::from_f64(r)
            .map_or(serde_json::Value::Null, serde_json::Value::Number),
        Value::Bytes(b) | Value::Count(b) => serde_json::Value::from(b),
    }
}

/// The `image` object, shared with `plummet diff`.
pub fn image(a: &Analysis) -> JsonImage {
    let pull = crate::analysis::pull_size(a);
    JsonImage {
        reference: a.reference.clone(),
        source: a.source.clone(),
        digest: a.digest.as_ref().map(ToString::to_string),
        os: a.config.os.clone(),
        architecture: a.config.architecture.clone(),
        user: a.config.user.clone(),
        layer_count: a.layers.len(),
        size_bytes: a.size_bytes,
        user_size_bytes: a.user_size_bytes,
        final_size_bytes: a.final_size_bytes,
        pull_bytes: pull.bytes,
        pull_uncompressed_blobs: pull.uncompressed,
        efficiency: a.efficiency,
        wasted_bytes: a.wasted_bytes,
        user_wasted_ratio: a.user_wasted_ratio,
        reclaimable_bytes: a.reclaimable_bytes,
        runs_as_root: a.runs_as_root,
        base: JsonBase {
            reference: a.base.reference.clone(),
            digest: a.base.digest.clone(),
            layer_count: a.base.layer_count,
            size_bytes: a.base_size_bytes(),
            detected_by: a.base.detected_by.name(),
        },
    }
}

/// The findings as JSON objects, shared with `plummet diff`.
pub fn findings(image: &Image, a: &Analysis) -> Vec<JsonFinding> {
    a.findings
        .iter()
        .map(|f| JsonFinding {
            kind: f.kind.name(),
            path: image.tree.paths.display(f.node),
            layer: f.layer,
            bytes: f.bytes,
            files: f.files,
            visible: f.visible,
            reason: f.reason.clone(),
            fix: f.fix.clone(),
            dockerfile_line: a.dockerfile.as_ref().map(|_| a.dockerfile_line(f.layer)),
        })
        .collect()
}

/// The package changes as JSON objects, shared with `plummet diff`.
pub fn packages(a: &Analysis) -> Vec<JsonPackage> {
    a.packages
        .list
        .iter()
        .map(|p| JsonPackage {
            ecosystem: p.ecosystem.name(),
            name: p.name.clone(),
            version: p.version.clone(),
            change: p.change.name(),
            previous_version: p.previous_version.clone(),
            layer: p.layer,
            location: p.location.clone(),
            bytes: p.bytes,
            files: p.files,
            visible: p.visible,
        })
        .collect()
}

/// Builds the whole report. `top` bounds the list of wasted paths.
pub fn report(image: &Image, a: &Analysis, rules: &[RuleResult], top: usize) -> JsonReport {
    JsonReport {
        schema_version: SCHEMA_VERSION,
        plummet_version: env!("CARGO_PKG_VERSION"),
        image: self::image(a),
        layers: a
            .layers
            .iter()
            .map(|l| JsonLayer {
                index: l.index,
                digest: l.digest.as_ref().map(ToString::to_string),
                diff_id: l.diff_id.as_ref().map(ToString::to_string),
                media_type: l.media_type.clone(),
                compression: l.compression.map(|c| c.name()),
                blob_bytes: l.blob_bytes,
                size_bytes: l.size_bytes,
                file_count: l.file_count,
                command: l.command.clone(),
                added: l.changes.added,
                modified: l.changes.modified,
                removed: l.changes.removed,
                wasted_bytes: l.changes.wasted_bytes,
                reclaimable_bytes: l.changes.reclaimable_bytes,
                base: l.base,
                dockerfile_line: a.dockerfile.as_ref().map(|_| l.dockerfile_line),
                dockerfile_line_method: a.dockerfile.as_ref().map(|d| {
                    d.methods
                        .get(l.index)
                        .copied()
                        .flatten()
                        .map(crate::analysis::LineMethod::name)
                }),
            })
            .collect(),
        wasted: a
            .wasted
            .iter()
            .take(top)
            .map(|w| JsonWasted {
                path: image.tree.paths.display(w.node),
                touches: w.touches,
                bytes: w.bytes,
            })
            .collect(),
        findings: findings(image, a),
        packages: packages(a),
        rules: self::rules(rules),
        passed: super::rules::passed(rules),
        dockerfile: dockerfile(a),
        ignored: ignored(&a.ignored),
        baseline: None,
        zstd_estimate: super::zstd::json(image),
        files: None,
    }
}

/// Serialises the report, pretty-printed, with a trailing newline.
pub fn to_string(report: &JsonReport) -> String {
    let mut s =
        serde_json::to_string_pretty(report).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"));
    s.push('\n');
    s
}

/// The rules as JSON objects, shared with `plummet diff`.
pub fn rules(rules: &[RuleResult]) -> Vec<JsonRule> {
    rules
        .iter()
        .map(|r| JsonRule {
            name: r.name.clone(),
            status: r.status.name(),
            value: number(r.value),
            threshold: r.threshold.map(number),
            message: r.message.clone(),
        })
        .collect()
}

/// One entry of one layer's tar, for `ci --json-files`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct JsonFile {
    /// Absolute path (bytes that are not UTF-8 shown as U+FFFD, as every JSON path).
    pub path: String,
    pub layer: usize,
    /// `added`, `modified`, `unchanged` (a directory repeated as it was), `removed` (a
    /// whiteout) or `opaque` (an opaque-directory marker).
    pub status: &'static str,
    /// `file`, `dir`, `symlink`, `hardlink`, `char`, `block`, `fifo`, `whiteout` or `opaque`.
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub size: u64,
    /// Permission bits with setuid, setgid and sticky (`mode & 0o7777`), as a number.
    pub mode: u32,
    pub uid: u32,
    pub gid: u32,
    /// Symlink or hardlink target; null otherwise.
    pub link_target: Option<String>,
}

/// Every layer's file list, in image order and tar order within a layer.
pub fn files(image: &Image) -> Vec<JsonFile> {
    use crate::content::listing;
    listing::rows(&image.tree)
        .into_iter()
        .map(|r| JsonFile {
            path: format!("/{}", String::from_utf8_lossy(&r.path)),
            layer: r.layer,
            status: r.status.name(),
            kind: listing::type_name(r.kind),
            size: r.size,
            mode: r.mode & 0o7777,
            uid: r.uid,
            gid: r.gid,
            link_target: matches!(
                r.kind,
                crate::layer::EntryKind::Symlink | crate::layer::EntryKind::Hardlink
            )
            .then(|| String::from_utf8_lossy(&r.link).into_owned()),
        })
        .collect()
}
