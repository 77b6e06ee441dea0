//! Reading members out of a layer's blob again: the blob streamed from its first byte through
//! decompression and the tar parser, each wanted member handed to a sink as it passes.
//!
//! Verification: when the image is read with digests checked (the default), the read always goes
//! on to the end of the blob and checks its digest and diff_id before it returns, and callers
//! present nothing before it returns (they hold bytes in a [`super::Spool`] or in temporary
//! files), so a blob that fails its digest is an error and never partial output. With
//! `--no-verify` the read stops as soon as every wanted member has passed.
//!
//! With a cache directory, the first verified read of a gzip or plain blob also records its seek
//! map ([`crate::image::seek`]), and later reads jump near the member through it
//! ([`super::jump`]) instead of reading the blob from its first byte.

use std::collections::HashMap;
use std::io::{self, BufReader, Read};

use crate::image::Image;
use crate::image::blob::{Blob, BlobOptions, Expected, READ_BUFFER};
use crate::image::index::store::DiskCache;
use crate::image::index::store::seek::SeekLookup;
use crate::image::seek::Members;
use crate::layer::clean_path;

/// How layers are read again.
#[derive(Debug, Clone, Copy)]
pub struct ReadOptions {
    /// Read to the end and check the blob's digests before returning.
    pub verify: bool,
    /// Largest uncompressed size of one layer (decompression bombs).
    pub max_layer_bytes: u64,
}

impl Default for ReadOptions {
    fn default() -> Self {
        ReadOptions {
            verify: true,
            max_layer_bytes: 64 << 30,
        }
    }
}

/// Why a file's bytes could not be read. Each message names the layer.
#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    #[error("file contents are not available for images from {0}")]
    Unavailable(String),
    #[error("failed to read layer {layer} ({name}) again: {message}")]
    Layer {
        layer: usize,
        name: String,
        message: String,
    },
    /// The blob no longer holds what the index says (the archive changed since it was read).
    #[error(
        "layer {layer} ({name}) has no member {path} (occurrence {occurrence}): the image changed since it was read"
    )]
    Gone {
        layer: usize,
        name: String,
        path: String,
        occurrence: u32,
    },
    /// Writing what was read failed (the spool, a file being extracted).
    #[error("{0}")]
    Output(String),
}

/// One member to read: the `occurrence`-th entry named `path` (cleaned) in the layer.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Wanted {
    pub path: Vec<u8>,
    pub occurrence: u32,
}

/// What reading an image's layers again needs, apart from the tree: cheap to clone into a
/// worker thread (the viewer reads on one so that the UI never waits).
#[derive(Debug, Clone)]
pub struct Blobs {
    reopen: Option<std::sync::Arc<dyn crate::image::Reopen>>,
    layers: Vec<crate::image::LayerMeta>,
    source: String,
    seek_cache: Option<std::sync::Arc<DiskCache>>,
}

impl Blobs {
    pub fn of(image: &Image) -> Blobs {
        Blobs {
            reopen: image.reopen.clone(),
            layers: image.meta.layers.clone(),
            source: image.meta.source.clone(),
            seek_cache: image.seek_cache.clone(),
        }
    }

    /// How errors name layer `layer`: its digest, else its diff_id, else its position.
    pub fn layer_name(&self, layer: usize) -> String {
        let meta = self.layers.get(layer);
        meta.and_then(|m| m.digest.as_ref().or(m.diff_id.as_ref()))
            .map_or_else(|| format!("layer {layer}"), ToString::to_string)
    }
}

/// Streams layer `layer` and calls `sink(i, member)` for each `wanted[i]` as it passes, with a
/// reader of exactly the member's bytes. Errors of the sink are [`FetchError::Output`].
pub fn read_members(
    image: &Blobs,
    layer: usize,
    wanted: &[Wanted],
    options: ReadOptions,
    sink: &mut dyn FnMut(usize, &mut dyn Read) -> io::Result<()>,
) -> Result<(), FetchError> {
    let name = image.layer_name(layer);
    let fail = |message: String| FetchError::Layer {
        layer,
        name: name.clone(),
        message: crate::layer::one_line(&message),
    };
    let reopen = image
        .reopen
        .as_ref()
        .ok_or_else(|| FetchError::Unavailable(image.source.clone()))?;
    let expected = match (options.verify, image.layers.get(layer)) {
        (true, Some(meta)) => Expected {
            digest: meta.digest.clone(),
            diff_id: meta.diff_id.clone(),
        },
        _ => Expected::default(),
    };
    let meta = image.layers.get(layer);
    let key = meta.and_then(|m| m.digest.clone().or_else(|| m.diff_id.clone()));
    let cache = image.seek_cache.as_deref().zip(key.as_ref());
    let mut record = cache.is_some() && options.verify;
    if let Some((cache, key)) = cache {
        match cache.load_seek(key) {
            SeekLookup::Hit(map) => {
                record = false;
                match super::jump::read(reopen.as_ref(), layer, &map, wanted, sink) {
                    Ok(super::jump::Jumped::Done) => {
                        tracing::debug!(layer, "read through the seek map");
                        return Ok(());
                    }
                    Ok(super::jump::Jumped::Unusable(why)) => {
                        tracing::debug!(layer, why, "seek map not used");
                    }
                    Err(super::jump::JumpError::Output(e))
                        if !matches!(
                            e.kind(),
                            io::ErrorKind::InvalidData | io::ErrorKind::UnexpectedEof
                        ) =>
                    {
                        return Err(FetchError::Output(e.to_string()));
                    }
                    Err(super::jump::JumpError::Read(e) | super::jump::JumpError::Output(e)) => {
                        return Err(fail(e.to_string()));
                    }
                }
            }
            SeekLookup::Discarded { path, why } => {
                tracing::warn!(
                    "discarded the seek map {} ({why}); reading layer {name} from its start",
                    path.display()
                );
            }
            SeekLookup::Miss => {}
        }
    }
    let raw = reopen.blob(layer).map_err(|e| fail(e.to_string()))?;
    let blob_options = BlobOptions {
        verify: options.verify,
        max_uncompressed: options.max_layer_bytes,
        progress: None,
    };
    let blob = if record {
        Blob::open_recording(raw, expected, blob_options)
    } else {
        Blob::open(raw, expected, blob_options)
    }
    .map_err(|e| fail(e.to_string()))?;
    // zstd blobs get no seek map (docs/files.md): nothing to note for one.
    let record = record && blob.compression() != crate::image::blob::Compression::Zstd;
    // Path -> (occurrence -> index into `wanted`).
    let mut by_path: HashMap<&[u8], Vec<(u32, usize)>> = HashMap::new();
    for (i, w) in wanted.iter().enumerate() {
        by_path
            .entry(w.path.as_slice())
            .or_default()
            .push((w.occurrence, i));
    }
    let mut seen: HashMap<&[u8], u32> = HashMap::new();
    let mut left = wanted.len();
    let mut archive = tar::Archive::new(BufReader::with_capacity(READ_BUFFER, blob));
    let mut path = Vec::new();
    let mut members = record.then(Members::default);
    {
        let entries = archive.entries().map_err(|e| fail(e.to_string()))?;
        for entry in entries {
            if left == 0 && !options.verify {
                break;
            }
            let mut entry = entry.map_err(|e| fail(e.to_string()))?;
            if let Some(m) = &mut members {
                path.clear();
                clean_path(&entry.path_bytes(), &mut path);
                m.note(
                    entry.header().entry_type(),
                    &path,
                    entry.raw_file_position(),
                    entry.size(),
                );
            }
            if left == 0 {
                continue;
            }
            path.clear();
            clean_path(&entry.path_bytes(), &mut path);
            let Some((key, slots)) = by_path.get_key_value(path.as_slice()) else {
                continue;
            };
            let kind = entry.header().entry_type();
            if matches!(kind, tar::EntryType::XGlobalHeader) {
                continue;
            }
            let count = seen.entry(key).or_insert(0);
            let occurrence = *count;
            *count += 1;
            for &(_, i) in slots.iter().filter(|(o, _)| *o == occurrence) {
                let size = entry.size();
                let mut member = (&mut entry).take(size);
                sink(i, &mut member).map_err(|e| FetchError::Output(e.to_string()))?;
                // The sink may stop early (a viewer's limit); the tar reader skips the rest.
                left -= 1;
            }
        }
    }
    if left > 0 {
        let missing = wanted.iter().find(|w| {
            seen.get(w.path.as_slice())
                .is_none_or(|&n| n <= w.occurrence)
        });
        if let Some(w) = missing {
            return Err(FetchError::Gone {
                layer,
                name: name.clone(),
                path: format!("/{}", crate::layer::excerpt(&w.path)),
                occurrence: w.occurrence,
            });
        }
    }
    if options.verify {
        let blob = archive.into_inner().into_inner();
        let (_, map) = blob.finish_recording().map_err(|e| fail(e.to_string()))?;
        if let (Some(mut map), Some(members), Some((cache, key))) = (map, members, cache) {
            if let Some(members) = members.done() {
                map.members = members;
                if let Err(e) = cache.store_seek(key, &map) {
                    tracing::warn!("could not keep the seek map of layer {name}: {e}");
                }
            }
        }
    }
    Ok(())
}
