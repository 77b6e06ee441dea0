//! Image archives: `docker save` (legacy and Docker 25+), OCI layouts as directories and tars.
//!
//! Tars are never unpacked nor loaded into memory: their headers are scanned once into a table of
//! byte ranges ([`members`]), the small JSON members are parsed, and each layer is streamed from
//! its range by the parallel indexer.

mod attest;
mod docker;
#[cfg(test)]
mod fixture;
mod members;
mod oci;
#[cfg(test)]
mod tests;

use std::path::Path;

use members::Members;
pub(crate) use members::{normalise, resolve_relative};

use super::{LoadOptions, SourceError};
use crate::image::digest::{Digest, Hasher};
use crate::image::{Expected, Image, ImageConfig, ImageMeta, LayerJob, LayerMeta, Progress};

/// The archive forms plummet reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArchiveKind {
    /// A `docker save` tar (legacy, or Docker 25+ with an OCI layout inside).
    DockerArchive,
    /// An OCI image layout directory.
    OciDir,
    /// An OCI image layout in a tar.
    OciArchive,
}

/// What an archive's JSON says about the image, before any layer is read.
struct Plan {
    source: &'static str,
    digest: Option<Digest>,
    config_digest: Option<Digest>,
    config: ImageConfig,
    layers: Vec<PlannedLayer>,
    annotations: std::collections::BTreeMap<String, String>,
    /// The image's provenance attestation, when the layout has one for it.
    attestation: crate::image::Attestation,
}

/// One layer to stream: its member in the archive and what it must hash to.
struct PlannedLayer {
    member: String,
    /// How errors name the layer: its digest, or its member for legacy archives.
    name: String,
    meta: LayerMeta,
    expected: Expected,
}

/// Reads an archive. `kind` is detected from the contents when `None`.
pub fn load(
    path: &Path,
    kind: Option<ArchiveKind>,
    tag: Option<&str>,
    options: &LoadOptions,
    progress: &Progress,
) -> Result<Image, SourceError> {
    let fail = |message: String| SourceError::Archive {
        path: path.display().to_string(),
        message,
    };
    progress.set_stage("reading archive");
    let (members, form) = open(path, kind).map_err(fail)?;
    let plan = match form {
        Form::Docker => docker::plan(&members, tag, options),
        Form::Oci { tar } => oci::plan(&members, tar, tag, options),
    }
    .map_err(fail)?;
    if plan.layers.len() != plan.config.diff_ids.len() {
        return Err(fail(format!(
            "the manifest lists {} layers but the config has {} diff_ids",
            plan.layers.len(),
            plan.config.diff_ids.len()
        )));
    }
    let reference = match tag {
        Some(t) => format!("{}:{t}", path.display()),
        None => path.display().to_string(),
    };
    index(plan, &members, reference, options, progress).map_err(|e| match e {
        Failure::Archive(message) => fail(message),
        Failure::Image(e) => SourceError::Image(e),
    })
}

/// How the archive is laid out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Form {
    /// `manifest.json` at the root.
    Docker,
    /// `index.json` at the root; `tar` tells a tar from a directory.
    Oci { tar: bool },
}

/// Lists the archive's files and decides how to read it.
fn open(path: &Path, kind: Option<ArchiveKind>) -> Result<(Members, Form), String> {
    let meta = std::fs::metadata(path).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => "no such file or directory".to_string(),
        _ => format!("cannot open: {e}"),
    })?;
    if meta.is_dir() {
        let members = Members::dir(path);
        let form = if members.contains("index.json") {
            Form::Oci { tar: false }
        } else if members.contains("manifest.json") && kind != Some(ArchiveKind::OciDir) {
            Form::Docker
        } else {
            return Err("a directory that is not an OCI image layout (no index.json)".into());
        };
        return Ok((members, form));
    }
    if kind == Some(ArchiveKind::OciDir) {
        return Err(
            "not a directory: oci: expects an OCI layout directory (use oci-archive: for a tar)"
                .into(),
        );
    }
    let members = Members::scan_tar(path)?;
    let docker = members.contains("manifest.json");
    let oci = members.contains("index.json");
    let form = match kind {
        Some(ArchiveKind::OciArchive) if oci => Form::Oci { tar: true },
        Some(ArchiveKind::OciArchive) => {
            return Err("no index.json: not an OCI archive".into());
        }
        Some(ArchiveKind::DockerArchive) if !docker => {
            return Err("no manifest.json: not a docker save archive".into());
        }
        _ if docker => Form::Docker,
        _ if oci => Form::Oci { tar: true },
        _ => {
            return Err(
                "neither manifest.json (docker save) nor index.json (OCI layout) in the archive"
                    .into(),
            );
        }
    };
    Ok((members, form))
}

enum Failure {
    Archive(String),
    Image(crate::image::ImageError),
}

/// Streams every layer from its member in parallel and assembles the image.
fn index(
    plan: Plan,
    members: &Members,
    reference: String,
    options: &LoadOptions,
    progress: &Progress,
) -> Result<Image, Failure> {
    let mut jobs = Vec::with_capacity(plan.layers.len());
    let mut metas = Vec::with_capacity(plan.layers.len());
    let reopen = ArchiveBlobs {
        members: members.clone(),
        names: plan.layers.iter().map(|l| l.member.clone()).collect(),
    };
    let mut sizes = Vec::with_capacity(plan.layers.len());
    for (position, layer) in plan.layers.into_iter().enumerate() {
        let size = members.size(&layer.member).map_err(Failure::Archive)?;
        if let Some(declared) = layer.meta.blob_size.filter(|d| *d != size) {
            return Err(Failure::Archive(format!(
                "layer {position} ({}): the manifest says {declared} bytes but the blob has {size}",
                layer.name
            )));
        }
        let open = members.opener(&layer.member).map_err(Failure::Archive)?;
        sizes.push(size);
        jobs.push(LayerJob {
            position,
            name: layer.name,
            size_hint: size,
            expected: if options.index.verify {
                layer.expected
            } else {
                Expected::default()
            },
            origin: members.origin(&layer.member),
            open,
        });
        metas.push(LayerMeta {
            blob_size: Some(size),
            ..layer.meta
        });
    }
    progress.start_layers(sizes);
    progress.set_stage("indexing layers");
    let layers = crate::image::index::index_layers(jobs, &options.index, progress)
        .map_err(Failure::Image)?;
    let meta = ImageMeta {
        reference,
        source: plan.source.to_string(),
        digest: plan.digest,
        config_digest: plan.config_digest,
        config: plan.config,
        layers: metas,
        annotations: plan.annotations,
    };
    Ok(Image::assemble(meta, layers)
        .with_reopen(std::sync::Arc::new(reopen))
        .with_attestation(plan.attestation))
}

/// An archive's layer members, opened again for file contents.
#[derive(Debug)]
struct ArchiveBlobs {
    members: Members,
    names: Vec<String>,
}

impl crate::image::Reopen for ArchiveBlobs {
    fn blob(&self, position: usize) -> std::io::Result<Box<dyn std::io::Read + Send>> {
        let name = self
            .names
            .get(position)
            .ok_or_else(|| std::io::Error::new(std::io::ErrorKind::NotFound, "no such layer"))?;
        let open = self.members.opener(name).map_err(std::io::Error::other)?;
        open()
    }

    fn blob_from(
        &self,
        position: usize,
        offset: u64,
    ) -> std::io::Result<Option<Box<dyn std::io::Read + Send>>> {
        let name = self
            .names
            .get(position)
            .ok_or_else(|| std::io::Error::new(std::io::ErrorKind::NotFound, "no such layer"))?;
        self.members.open_from(name, offset).map(Some)
    }
}

/// Reads a JSON member and, when verifying, checks it against its digest and declared size.
fn read_verified(
    members: &Members,
    member: &str,
    digest: Option<&Digest>,
    declared_size: Option<u64>,
    verify: bool,
) -> Result<Vec<u8>, String> {
    let bytes = members.read(member)?;
    if let Some(declared) = declared_size {
        if declared != bytes.len() as u64 {
            return Err(format!(
                "{member}: the descriptor says {declared} bytes but the blob has {}",
                bytes.len()
            ));
        }
    }
    if let (true, Some(expected)) = (verify, digest) {
        let mut hasher = Hasher::new(expected.algorithm());
        hasher.update(&bytes);
        let actual = hasher.finish();
        if &actual != expected {
            return Err(format!(
                "{member}: digest mismatch: expected {expected}, got {actual}"
            ));
        }
    }
    Ok(bytes)
}

/// Parses an image config member, naming it on failure.
fn parse_config(bytes: &[u8], member: &str) -> Result<ImageConfig, String> {
    ImageConfig::parse(bytes).map_err(|e| format!("{member}: {e}"))
}

/// `blobs/sha256/<hex>` for a digest.
fn blob_path(digest: &Digest) -> String {
    let full = digest.to_string();
    let (algorithm, hex) = full.split_once(':').unwrap_or(("sha256", &full));
    format!("blobs/{algorithm}/{hex}")
}

/// The digest a `blobs/<algorithm>/<hex>` path names, if it is one.
fn digest_of_blob_path(member: &str) -> Option<Digest> {
    let rest = members::normalise(member);
    let rest = rest.strip_prefix("blobs/")?;
    let (algorithm, hex) = rest.split_once('/')?;
    Digest::parse(&format!("{algorithm}:{hex}")).ok()
}
