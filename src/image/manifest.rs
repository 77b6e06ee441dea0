//! Image manifests and indexes (OCI and Docker schema 2, which share a shape): lenient parsing,
//! media type classes, and choosing one image from an index by tag and platform.

use std::collections::BTreeMap;

use serde::Deserialize;

use super::digest::Digest;
use super::platform::Platform;

pub const OCI_MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";
pub const OCI_INDEX: &str = "application/vnd.oci.image.index.v1+json";
pub const DOCKER_MANIFEST: &str = "application/vnd.docker.distribution.manifest.v2+json";
pub const DOCKER_MANIFEST_LIST: &str = "application/vnd.docker.distribution.manifest.list.v2+json";
/// The annotation that names an OCI layout's tag.
pub const REF_NAME: &str = "org.opencontainers.image.ref.name";
/// The annotation containerd (and Docker 25+) puts the full image name in.
pub const CONTAINERD_NAME: &str = "io.containerd.image.name";

/// A content descriptor: what a manifest or index says about a blob.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Descriptor {
    pub media_type: Option<String>,
    pub digest: Digest,
    pub size: u64,
    pub platform: Option<Platform>,
    pub annotations: BTreeMap<String, String>,
}

/// An image manifest: one config and its layers, base first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Manifest {
    pub media_type: Option<String>,
    pub config: Descriptor,
    pub layers: Vec<Descriptor>,
    /// The manifest's own annotations (`org.opencontainers.image.base.name`, ...).
    pub annotations: BTreeMap<String, String>,
}

/// An image index (or Docker manifest list): several manifests, usually one per platform.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Index {
    pub media_type: Option<String>,
    pub manifests: Vec<Descriptor>,
}

/// A manifest document of either kind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Document {
    Manifest(Manifest),
    Index(Index),
}

/// Why a manifest or index was rejected.
#[derive(Debug, thiserror::Error)]
pub enum ManifestError {
    #[error("malformed JSON: {0}")]
    Json(#[from] serde_json::Error),
    #[error("bad digest {0}")]
    Digest(#[from] super::digest::DigestError),
    #[error("neither an image manifest nor an index (media type {0})")]
    NotAManifest(String),
    #[error("it uses Docker's deprecated schema 1 manifest, which plummet does not read")]
    SchemaV1,
}

// Wire types: lenient about extra fields and nulls, since many tools write these files.
#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct WireDocument {
    schema_version: Option<u32>,
    media_type: Option<String>,
    config: Option<WireDescriptor>,
    layers: Option<Vec<WireDescriptor>>,
    manifests: Option<Vec<WireDescriptor>>,
    annotations: Option<BTreeMap<String, String>>,
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct WireDescriptor {
    media_type: Option<String>,
    digest: String,
    size: Option<u64>,
    platform: Option<WirePlatform>,
    annotations: Option<BTreeMap<String, String>>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct WirePlatform {
    os: String,
    architecture: String,
    variant: Option<String>,
}

impl WireDescriptor {
    fn into_descriptor(self) -> Result<Descriptor, ManifestError> {
        Ok(Descriptor {
            media_type: self.media_type.filter(|m| !m.is_empty()),
            digest: Digest::parse(&self.digest)?,
            size: self.size.unwrap_or(0),
            platform: self.platform.map(|p| Platform {
                os: p.os,
                architecture: p.architecture,
                variant: p.variant.filter(|v| !v.is_empty()),
            }),
            annotations: self.annotations.unwrap_or_default(),
        })
    }
}

impl Document {
    /// Parses a manifest or an index, telling them apart by media type, else by their fields.
    pub fn parse(bytes: &[u8]) -> Result<Document, ManifestError> {
        Document::parse_as(bytes, None)
    }

    /// As [`Document::parse`]; `declared` is the media type a registry sent (`Content-Type`),
    /// which wins over the document's own when it names a manifest or an index.
    pub fn parse_as(bytes: &[u8], declared: Option<&str>) -> Result<Document, ManifestError> {
        let wire: WireDocument = serde_json::from_slice(bytes)?;
        let declared = declared.map(|c| c.split(';').next().unwrap_or(c).trim());
        let media_type = wire.media_type.clone().filter(|m| !m.is_empty());
        if wire.schema_version == Some(1)
            || [declared, media_type.as_deref()]
                .iter()
                .flatten()
                .any(|m| m.contains("distribution.manifest.v1"))
        {
            return Err(ManifestError::SchemaV1);
        }
        let declared =
            declared.filter(|c| matches!(classify(c), MediaClass::Index | MediaClass::Manifest));
        let kind = declared.or(media_type.as_deref()).map(classify);
        let is_index = match kind {
            Some(MediaClass::Index) => true,
            Some(MediaClass::Manifest) => false,
            _ => wire.manifests.is_some() && wire.config.is_none(),
        };
        let descriptors = |list: Option<Vec<WireDescriptor>>| {
            list.unwrap_or_default()
                .into_iter()
                .map(WireDescriptor::into_descriptor)
                .collect::<Result<Vec<_>, _>>()
        };
        if is_index {
            return Ok(Document::Index(Index {
                media_type,
                manifests: descriptors(wire.manifests)?,
            }));
        }
        let Some(config) = wire.config else {
            return Err(ManifestError::NotAManifest(
                media_type.unwrap_or_else(|| "missing".into()),
            ));
        };
        Ok(Document::Manifest(Manifest {
            media_type,
            config: config.into_descriptor()?,
            layers: descriptors(wire.layers)?,
            annotations: wire.annotations.unwrap_or_default(),
        }))
    }
}

/// What a media type says a blob is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MediaClass {
    Manifest,
    Index,
    Config,
    Layer,
    Other,
}

/// Classifies a media type. Layer types are recognised by name; their compression is not taken
/// from the name but sniffed from the blob, so a `+gzip` layer stored plain still reads.
pub fn classify(media_type: &str) -> MediaClass {
    match media_type {
        OCI_MANIFEST | DOCKER_MANIFEST => MediaClass::Manifest,
        OCI_INDEX | DOCKER_MANIFEST_LIST => MediaClass::Index,
        "application/vnd.oci.image.config.v1+json"
        | "application/vnd.docker.container.image.v1+json" => MediaClass::Config,
        "application/vnd.oci.image.layer.v1.tar"
        | "application/vnd.oci.image.layer.v1.tar+gzip"
        | "application/vnd.oci.image.layer.v1.tar+zstd"
        | "application/vnd.oci.image.layer.nondistributable.v1.tar"
        | "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip"
        | "application/vnd.oci.image.layer.nondistributable.v1.tar+zstd"
        | "application/vnd.docker.image.rootfs.diff.tar"
        | "application/vnd.docker.image.rootfs.diff.tar.gzip"
        | "application/vnd.docker.image.rootfs.diff.tar.zstd"
        | "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip" => MediaClass::Layer,
        _ => MediaClass::Other,
    }
}

impl Descriptor {
    /// The tags this descriptor is known by: the OCI ref name and the containerd image name.
    pub fn tags(&self) -> Vec<String> {
        [REF_NAME, CONTAINERD_NAME]
            .iter()
            .filter_map(|k| self.annotations.get(*k))
            .filter(|t| !t.is_empty())
            .cloned()
            .collect()
    }

    /// Whether this is an attestation or other non-image entry that buildx puts in indexes.
    pub fn is_attestation(&self) -> bool {
        self.annotations.contains_key("vnd.docker.reference.type")
            || self
                .platform
                .as_ref()
                .is_some_and(|p| p.os == "unknown" && p.architecture == "unknown")
    }
}

/// Whether `wanted` (as the user typed it) names `tag` (as an archive records it): equal, or
/// equal to its tag part (`latest` for `docker.io/library/alpine:latest`), or to its short name
/// (`alpine:latest`).
pub fn tag_matches(wanted: &str, tag: &str) -> bool {
    if wanted == tag {
        return true;
    }
    let (name, tag_part) = split_tag(tag);
    if tag_part == Some(wanted) {
        return true;
    }
    let short = name
        .strip_prefix("docker.io/")
        .map(|n| n.strip_prefix("library/").unwrap_or(n));
    match (short, tag_part) {
        (Some(short), Some(t)) => {
            wanted == format!("{short}:{t}") || (wanted == short && t == "latest")
        }
        (Some(short), None) => wanted == short,
        _ => tag_part == Some("latest") && wanted == name,
    }
}

/// Splits `name:tag` at the tag's colon (not a registry port's).
fn split_tag(reference: &str) -> (&str, Option<&str>) {
    match reference.rsplit_once(':') {
        Some((name, tag)) if !tag.contains('/') => (name, Some(tag)),
        _ => (reference, None),
    }
}

/// One image an index offers: the manifest descriptor, its tags and platform.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    pub descriptor: Descriptor,
    pub tags: Vec<String>,
    pub platform: Option<Platform>,
}

/// Chooses one image among `candidates`: those tagged `tag` (when given), then those for the
/// `platform` (the host's when `None`). One candidate left without a platform wanted explicitly
/// is taken whatever its platform, since a single-image layout needs no choice. The error lists
/// what is available.
pub fn choose<'a>(
    candidates: &'a [Candidate],
    tag: Option<&str>,
    platform: Option<&Platform>,
) -> Result<&'a Candidate, String> {
    let tagged: Vec<&Candidate> = candidates
        .iter()
        .filter(|c| tag.is_none_or(|t| c.tags.iter().any(|have| tag_matches(t, have))))
        .collect();
    if tagged.is_empty() {
        return Err(match tag {
            Some(t) => format!("no image tagged {t:?}; available: {}", describe(candidates)),
            None => "the index lists no images".into(),
        });
    }
    let distinct = |list: &[&'a Candidate]| {
        let mut digests: Vec<&Digest> = list.iter().map(|c| &c.descriptor.digest).collect();
        digests.sort_by_key(|d| d.to_string());
        digests.dedup();
        digests.len()
    };
    if platform.is_none() && distinct(&tagged) == 1 {
        return Ok(tagged[0]);
    }
    let wanted = platform.cloned().unwrap_or_else(Platform::host);
    let matching: Vec<&Candidate> = tagged
        .iter()
        .copied()
        .filter(|c| c.platform.as_ref().is_none_or(|p| wanted.matches(p)))
        .collect();
    match distinct(&matching) {
        1 => Ok(matching[0]),
        0 => Err(format!(
            "no image for platform {wanted}{}; available: {}",
            tag.map(|t| format!(" tagged {t:?}")).unwrap_or_default(),
            describe(&tagged.into_iter().cloned().collect::<Vec<_>>())
        )),
        _ => Err(format!(
            "several images match{}; choose one with a tag or --platform; available: {}",
            tag.map(|t| format!(" {t:?}")).unwrap_or_default(),
            describe(&matching.into_iter().cloned().collect::<Vec<_>>())
        )),
    }
}

/// `alpine:3 (linux/amd64), alpine:3 (linux/arm64/v8), sha256:ab12… (unknown platform)`.
pub fn describe(candidates: &[Candidate]) -> String {
    if candidates.is_empty() {
        return "none".into();
    }
    candidates
        .iter()
        .map(|c| {
            let name = c
                .tags
                .first()
                .cloned()
                .unwrap_or_else(|| c.descriptor.digest.short());
            let platform = c
                .platform
                .as_ref()
                .map_or_else(|| "unknown platform".into(), ToString::to_string);
            format!("{name} ({platform})")
        })
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests;
