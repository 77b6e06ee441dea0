//! The analysis of an indexed image: sizes, waste, efficiency, reclaimable bytes and findings.
//! Pure and deterministic: it reads the tree and the config and returns values.

pub mod base;
mod classify;
mod copies;
pub mod dockerfile;
pub mod findings;
mod graph;
mod hygiene;
pub mod ignore;
pub mod kind;
mod locales;
mod node;
pub mod pull;
mod secrets;
mod toolchain;
pub mod waste;

pub use base::Base;
pub use dockerfile::{DockerfileFinding, DockerfileSummary, LineMethod, ProvenanceDockerfile};
pub use findings::{Finding, is_base_layer};
pub use ignore::{Ignore, Ignored};
pub use kind::FindingKind;
pub use pull::{PullSize, download_size, pull_size};
pub use secrets::CAPTURE;
pub use waste::{LayerChanges, WastedPath};

use crate::image::{Compression, Digest, Image, ImageConfig};
use crate::packages::Inventory;
use crate::tree::{NodeId, Snapshot, Tree, Visible};

/// One layer as reported.
#[derive(Debug, Clone, PartialEq)]
pub struct LayerReport {
    pub index: usize,
    pub digest: Option<Digest>,
    pub diff_id: Option<Digest>,
    pub media_type: Option<String>,
    pub compression: Option<Compression>,
    /// Bytes of the blob as stored.
    pub blob_bytes: Option<u64>,
    /// Sum of the sizes of the layer's entries.
    pub size_bytes: u64,
    /// File-like entries (not directories, not deletion markers).
    pub file_count: usize,
    /// The Dockerfile-like command that made the layer, from the history.
    pub command: String,
    pub changes: LayerChanges,
    /// Whether the layer belongs to the base image (see [`Analysis::base`]).
    pub base: bool,
    /// 1-based line of the Dockerfile instruction that made it (`--dockerfile`), when known.
    pub dockerfile_line: Option<usize>,
}

/// One row of the image history, including steps that made no layer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HistoryRow {
    pub command: String,
    /// The layer it made; `None` for empty-layer steps (ENV, USER, CMD, ...).
    pub layer: Option<usize>,
    pub created: Option<String>,
}

/// Everything plummet concludes about one image.
#[derive(Debug, Clone)]
pub struct Analysis {
    pub reference: String,
    pub source: String,
    pub digest: Option<Digest>,
    pub config: ImageConfig,
    /// Sum of the file sizes over all layers.
    pub size_bytes: u64,
    /// The same without the first layer.
    pub user_size_bytes: u64,
    /// Bytes of the files visible in the final filesystem.
    pub final_size_bytes: u64,
    pub wasted_bytes: u64,
    pub efficiency: f64,
    /// wasted / user size (0 when the user size is 0).
    pub user_wasted_ratio: f64,
    pub reclaimable_bytes: u64,
    pub runs_as_root: bool,
    pub layers: Vec<LayerReport>,
    pub history: Vec<HistoryRow>,
    pub wasted: Vec<WastedPath>,
    pub findings: Vec<Finding>,
    /// What is visible at each node of the tree in the final filesystem.
    pub final_state: Vec<Option<Visible>>,
    /// The packages each layer installed, upgraded or removed, and the files they own.
    pub packages: Inventory,
    /// The base image boundary.
    pub base: Base,
    /// What `--dockerfile` added: the file, its findings and what could not be mapped.
    pub dockerfile: Option<DockerfileSummary>,
    /// What `[ignore]` took out of the findings and figures (empty when nothing is configured).
    pub ignored: Ignored,
}

impl Analysis {
    /// Sets the base boundary and marks the layers it covers.
    pub fn set_base(&mut self, base: Base) {
        let count = base.layers(self.layers.len());
        for l in &mut self.layers {
            l.base = l.index < count;
        }
        self.base = base;
    }

    /// Bytes of the base's layers (sum of their entries' sizes).
    pub fn base_size_bytes(&self) -> u64 {
        self.layers
            .iter()
            .filter(|l| l.base)
            .map(|l| l.size_bytes)
            .sum()
    }

    /// Whether a layer is one of the user's own (not the base's).
    pub fn is_user_layer(&self, layer: usize) -> bool {
        self.layers.get(layer).is_some_and(|l| !l.base)
    }

    /// The Dockerfile line of the instruction that made `layer`, when `--dockerfile` mapped it.
    pub fn dockerfile_line(&self, layer: Option<usize>) -> Option<usize> {
        layer
            .and_then(|l| self.layers.get(l))
            .and_then(|l| l.dockerfile_line)
    }

    /// Findings of one kind.
    pub fn findings_of(&self, kind: FindingKind) -> impl Iterator<Item = &Finding> {
        self.findings.iter().filter(move |f| f.kind == kind)
    }
}

/// Analyzes an indexed image, its base named only by its own annotations (if at all).
pub fn analyze(image: &Image) -> Analysis {
    analyze_on(image, Base::from_annotations(&image.meta))
}

/// Analyzes an indexed image whose base boundary is known (`--base`): the findings in the base's
/// layers say so instead of suggesting a change to a step the user did not write.
pub fn analyze_on(image: &Image, base: Base) -> Analysis {
    let tree = &image.tree;
    let base_layers = findings::base_layer_count(&base, tree.layers.len());
    let waste = waste::measure(tree);
    let last = tree.layers.len().checked_sub(1);
    let snapshot = last.map(|l| Snapshot::at(tree, l));
    let size_of = |n: NodeId| snapshot.as_ref().map_or(0, |s| s.size(n));
    let packages = crate::packages::find(tree);
    let mut findings = findings::find(
        tree,
        &image.meta.config,
        &waste.final_state,
        &size_of,
        base_layers,
        &packages,
    );
    copies::duplicates(tree, &waste.final_state, base_layers, &mut findings);
    copies::metadata_copies(tree, &waste.final_state, &waste.copies, &mut findings);
    findings::sort(&mut findings);

    let commands = image.meta.config.layer_commands(tree.layers.len());
    let layers: Vec<LayerReport> = tree
        .layers
        .iter()
        .enumerate()
        .map(|(i, layer)| {
            let meta = image.meta.layers.get(i);
            let blob = image.blobs.get(i);
            LayerReport {
                index: i,
                digest: meta
                    .and_then(|m| m.digest.clone())
                    .or_else(|| blob.and_then(|b| b.digest.clone())),
                diff_id: meta
                    .and_then(|m| m.diff_id.clone())
                    .or_else(|| blob.and_then(|b| b.diff_id.clone())),
                media_type: meta.and_then(|m| m.media_type.clone()),
                compression: blob.map(|b| b.compression),
                blob_bytes: meta
                    .and_then(|m| m.blob_size)
                    .or_else(|| blob.map(|b| b.compressed_bytes)),
                size_bytes: layer.size_bytes(),
                file_count: layer.file_count(),
                command: commands.get(i).cloned().unwrap_or_default(),
                changes: waste.layers.get(i).cloned().unwrap_or_default(),
                base: false,
                dockerfile_line: None,
            }
        })
        .collect();
    let size_bytes: u64 = layers.iter().map(|l| l.size_bytes).sum();
    let user_size_bytes: u64 = layers.iter().skip(1).map(|l| l.size_bytes).sum();
    let user_wasted_ratio = if user_size_bytes == 0 {
        0.0
    } else {
        waste.wasted_bytes as f64 / user_size_bytes as f64
    };
    let mut analysis = Analysis {
        reference: image.meta.reference.clone(),
        source: image.meta.source.clone(),
        digest: image.meta.digest.clone(),
        config: image.meta.config.clone(),
        size_bytes,
        user_size_bytes,
        final_size_bytes: snapshot.as_ref().map_or(0, Snapshot::total_size),
        wasted_bytes: waste.wasted_bytes,
        efficiency: waste.efficiency,
        user_wasted_ratio,
        reclaimable_bytes: waste.reclaimable_bytes,
        runs_as_root: image.meta.config.runs_as_root(),
        history: history_rows(&image.meta.config, tree),
        layers,
        wasted: waste.paths,
        findings,
        final_state: waste.final_state,
        packages,
        base: base.clone(),
        dockerfile: None,
        ignored: Ignored::default(),
    };
    analysis.set_base(base);
    analysis
}

fn history_rows(config: &ImageConfig, tree: &Tree) -> Vec<HistoryRow> {
    let mut next_layer = 0;
    let mut rows: Vec<HistoryRow> = config
        .history
        .iter()
        .map(|h| {
            let layer = (!h.empty_layer && next_layer < tree.layers.len()).then(|| {
                next_layer += 1;
                next_layer - 1
            });
            HistoryRow {
                command: h.command(),
                layer,
                created: h.created.clone(),
            }
        })
        .collect();
    // Images without (enough) history still list every layer.
    for layer in next_layer..tree.layers.len() {
        rows.push(HistoryRow {
            command: String::new(),
            layer: Some(layer),
            created: None,
        });
    }
    rows
}

#[cfg(test)]
mod tests;
