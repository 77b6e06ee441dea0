//! A fleet of images (`plummet scan`): one summary row per image, and the report built from the
//! rows alone (the layers the images share, `shared_bytes`, the largest unshared layers), so
//! that rows written by separate shards merge into the very report one run would write.
//!
//! These are the JSON types of `plummet scan --json` too (docs/json-schema.md): a shard's JSON
//! is read back by `--merge`.

pub mod render;
pub mod run;
pub mod shard;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::analysis::Analysis;
use crate::image::Image;
use crate::report::json::SCHEMA_VERSION;
use crate::report::rules::{RuleResult, RuleStatus};

/// `plummet scan --json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScanReport {
    pub schema_version: u32,
    pub plummet_version: String,
    /// One row per image, in the order they were given.
    pub images: Vec<ScanImage>,
    /// Bytes of the layer blobs used by two or more of the images, each counted once.
    pub shared_bytes: u64,
    /// Bytes of the layer blobs used by exactly one image.
    pub unshared_bytes: u64,
    /// Every distinct layer, largest first, with the images using it.
    pub layers: Vec<ScanLayer>,
    /// Images that failed a rule.
    pub failed_images: usize,
    /// Images that could not be read.
    pub unreadable_images: usize,
    /// Every image was read and passed its rules.
    pub passed: bool,
}

/// One image's summary row.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScanImage {
    /// Where the image is in the scan's full list (before sharding).
    pub position: usize,
    pub reference: String,
    pub digest: Option<String>,
    /// Why the image could not be read; the numbers below are then 0.
    pub error: Option<String>,
    pub size_bytes: u64,
    pub efficiency: f64,
    pub wasted_bytes: u64,
    pub reclaimable_bytes: u64,
    /// Findings by kind: how many.
    pub findings: BTreeMap<String, usize>,
    /// `passed`, `failed` or `error` (not read).
    pub rules: String,
    /// The rules that failed.
    pub failed_rules: Vec<String>,
    pub layers: Vec<ImageLayer>,
}

/// A layer of one image.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImageLayer {
    /// The blob digest (else the diff_id): what tells two images' layers apart.
    pub digest: String,
    pub diff_id: Option<String>,
    /// Bytes of the blob as stored.
    pub blob_bytes: u64,
    /// Sum of the sizes of the layer's entries.
    pub size_bytes: u64,
}

/// A distinct layer of the fleet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScanLayer {
    pub digest: String,
    pub diff_id: Option<String>,
    pub blob_bytes: u64,
    pub size_bytes: u64,
    /// The references of the images using it, in scan order.
    pub images: Vec<String>,
}

impl ScanImage {
    /// The row of the image given as `reference`, read and analyzed, with its rules evaluated.
    pub fn of(
        position: usize,
        reference: &str,
        image: &Image,
        analysis: &Analysis,
        results: &[RuleResult],
    ) -> ScanImage {
        let mut findings = BTreeMap::new();
        for f in &analysis.findings {
            *findings.entry(f.kind.name().to_string()).or_insert(0) += 1;
        }
        let failed_rules: Vec<String> = results
            .iter()
            .filter(|r| r.status == RuleStatus::Fail)
            .map(|r| r.name.clone())
            .collect();
        let layers = analysis
            .layers
            .iter()
            .map(|l| {
                let blob = image.blobs.get(l.index);
                let digest = l
                    .digest
                    .clone()
                    .or_else(|| blob.and_then(|b| b.digest.clone()))
                    .or_else(|| l.diff_id.clone());
                ImageLayer {
                    // A layer no digest names is this image's alone.
                    digest: digest.map_or_else(
                        || format!("unknown:{}#{}", analysis.reference, l.index),
                        |d| d.to_string(),
                    ),
                    diff_id: l.diff_id.as_ref().map(ToString::to_string),
                    blob_bytes: l
                        .blob_bytes
                        .or(blob.map(|b| b.compressed_bytes))
                        .unwrap_or(0),
                    size_bytes: l.size_bytes,
                }
            })
            .collect();
        ScanImage {
            position,
            reference: reference.to_string(),
            digest: analysis.digest.as_ref().map(ToString::to_string),
            error: None,
            size_bytes: analysis.size_bytes,
            efficiency: analysis.efficiency,
            wasted_bytes: analysis.wasted_bytes,
            reclaimable_bytes: analysis.reclaimable_bytes,
            findings,
            rules: if failed_rules.is_empty() {
                "passed"
            } else {
                "failed"
            }
            .into(),
            failed_rules,
            layers,
        }
    }

    /// The row of an image that could not be read.
    pub fn unreadable(position: usize, reference: &str, error: String) -> ScanImage {
        ScanImage {
            position,
            reference: reference.to_string(),
            digest: None,
            error: Some(error),
            size_bytes: 0,
            efficiency: 0.0,
            wasted_bytes: 0,
            reclaimable_bytes: 0,
            findings: BTreeMap::new(),
            rules: "error".into(),
            failed_rules: Vec::new(),
            layers: Vec::new(),
        }
    }
}

/// Builds the fleet report from the rows, in any order: the report depends only on the set of
/// rows, so shards merge into what one run writes.
pub fn report(mut images: Vec<ScanImage>) -> ScanReport {
    images.sort_by(|a, b| {
        a.position
            .cmp(&b.position)
            .then_with(|| a.reference.cmp(&b.reference))
    });
    let mut by_digest: BTreeMap<&str, ScanLayer> = BTreeMap::new();
    for image in &images {
        for l in &image.layers {
            let layer = by_digest
                .entry(l.digest.as_str())
                .or_insert_with(|| ScanLayer {
                    digest: l.digest.clone(),
                    diff_id: l.diff_id.clone(),
                    blob_bytes: l.blob_bytes,
                    size_bytes: l.size_bytes,
                    images: Vec::new(),
                });
            // An image that uses one layer twice counts once.
            if layer.images.last() != Some(&image.reference) {
                layer.images.push(image.reference.clone());
            }
        }
    }
    let mut layers: Vec<ScanLayer> = by_digest.into_values().collect();
    layers.sort_by(|a, b| {
        b.blob_bytes
            .cmp(&a.blob_bytes)
            .then_with(|| a.digest.cmp(&b.digest))
    });
    let bytes = |shared: bool| {
        layers
            .iter()
            .filter(|l| (l.images.len() >= 2) == shared)
            .map(|l| l.blob_bytes)
            .sum()
    };
    let failed_images = images.iter().filter(|i| i.rules == "failed").count();
    let unreadable_images = images.iter().filter(|i| i.error.is_some()).count();
    ScanReport {
        schema_version: SCHEMA_VERSION,
        plummet_version: env!("CARGO_PKG_VERSION").to_string(),
        shared_bytes: bytes(true),
        unshared_bytes: bytes(false),
        failed_images,
        unreadable_images,
        passed: failed_images == 0 && unreadable_images == 0,
        layers,
        images,
    }
}

impl ScanReport {
    /// The largest layers only one image uses: what sharing a base would save first.
    pub fn unshared(&self, top: usize) -> impl Iterator<Item = &ScanLayer> {
        self.layers.iter().filter(|l| l.images.len() == 1).take(top)
    }
}

#[cfg(test)]
#[path = "fleet_tests.rs"]
mod tests;
