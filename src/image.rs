//! Image metadata (manifests, configs, layer order), blob decompression and digest checks, and
//! the parallel indexing of an image's layers.

pub mod blob;
pub mod config;
pub mod digest;
pub mod index;
pub mod manifest;
pub mod platform;
pub mod provenance;
pub mod recompress;
pub mod seek;

pub use blob::{BlobSummary, Compression, Expected};
pub use config::{History, ImageConfig};
pub use digest::Digest;
pub use index::cache::{Hit, LayerCache};
pub use index::{IndexOptions, IndexedLayer, LayerJob, Progress};
pub use platform::Platform;

use crate::layer::IndexError;
use crate::tree::Tree;

/// What a source knows about one layer before reading it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LayerMeta {
    /// Digest of the blob as stored (compressed), when the source has one.
    pub digest: Option<Digest>,
    /// Digest of the uncompressed tar, from the config's `rootfs.diff_ids`.
    pub diff_id: Option<Digest>,
    pub media_type: Option<String>,
    /// Size of the blob as stored, when known.
    pub blob_size: Option<u64>,
}

/// Everything about an image except its layers' contents.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImageMeta {
    /// The reference as the user gave it, normalised (`docker.io/library/nginx:latest`, a path).
    pub reference: String,
    /// Which source read it: `docker-archive`, `oci`, `oci-archive`, `docker-daemon`, `podman`, `registry`.
    pub source: String,
    /// Digest of the manifest, when the source has one.
    pub digest: Option<Digest>,
    pub config_digest: Option<Digest>,
    pub config: ImageConfig,
    /// Layers in image order (base first).
    pub layers: Vec<LayerMeta>,
    /// The manifest's annotations, and those of the index entry that led to it (OCI layouts);
    /// empty for sources that keep none.
    pub annotations: std::collections::BTreeMap<String, String>,
}

/// An image read and indexed: metadata, the interned tree, and what reading each blob found.
#[derive(Debug, Clone)]
pub struct Image {
    pub meta: ImageMeta,
    pub tree: Tree,
    pub blobs: Vec<BlobSummary>,
    /// How to read a layer's blob again, for file contents (`plummet cat`, the viewer); `None`
    /// for images built in memory.
    pub reopen: Option<std::sync::Arc<dyn Reopen>>,
    /// Where seek maps of this image's blobs are kept (the layer-index cache directory), so that
    /// reading a file jumps near it instead of reading its blob from the start
    /// ([`seek`]); `None` without a cache.
    pub seek_cache: Option<std::sync::Arc<index::store::DiskCache>>,
    /// The provenance attestation the image's index carries for it, if any.
    pub attestation: Attestation,
}

/// What an image's provenance attestation gave.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Attestation {
    /// The source has none (or keeps none: a daemon, a legacy archive, a lone manifest).
    #[default]
    None,
    Provenance(Box<provenance::Provenance>),
    /// There is one but it could not be used: why, naming its digest (a warning, not an error).
    Unreadable(String),
}

/// Opens a layer's blob again after the image was indexed, from where the source found it:
/// the archive member, the registry blob, the engine's layer store.
pub trait Reopen: Send + Sync + std::fmt::Debug {
    /// Layer `position`'s blob as stored (compressed or not), from its first byte.
    fn blob(&self, position: usize) -> std::io::Result<Box<dyn std::io::Read + Send>>;

    /// Layer `position`'s blob from byte `offset` on, when the source can start there without
    /// transferring what comes before (an archive member, a registry that honours Range
    /// requests); `None` when it cannot, and the caller reads from the start and skips.
    fn blob_from(
        &self,
        _position: usize,
        _offset: u64,
    ) -> std::io::Result<Option<Box<dyn std::io::Read + Send>>> {
        Ok(None)
    }
}

impl Image {
    /// Builds the image from its metadata and its indexed layers (in image order).
    pub fn assemble(meta: ImageMeta, layers: Vec<IndexedLayer>) -> Image {
        let mut blobs = Vec::with_capacity(layers.len());
        let tree = Tree::build(layers.into_iter().map(|l| {
            blobs.push(l.blob);
            l.index
        }));
        Image {
            meta,
            tree,
            blobs,
            reopen: None,
            seek_cache: None,
            attestation: Attestation::None,
        }
    }

    /// The image with a way to read its layers' blobs again.
    pub fn with_reopen(mut self, reopen: std::sync::Arc<dyn Reopen>) -> Image {
        self.reopen = Some(reopen);
        self
    }

    /// The image with what its provenance attestation gave.
    pub fn with_attestation(mut self, attestation: Attestation) -> Image {
        self.attestation = attestation;
        self
    }
}

/// Why an image could not be read. Each message names the layer or digest concerned.
#[derive(Debug, thiserror::Error)]
pub enum ImageError {
    #[error("failed to read layer {position} ({name}): {source}")]
    Layer {
        position: usize,
        name: String,
        #[source]
        source: LayerError,
    },
    #[error("{0}")]
    Invalid(String),
}

/// Why one layer could not be read.
#[derive(Debug, thiserror::Error)]
pub enum LayerError {
    #[error(transparent)]
    Blob(#[from] blob::BlobError),
    #[error(transparent)]
    Index(#[from] IndexError),
}
