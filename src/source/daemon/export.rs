//! Reading a `docker save` stream once, front to back: layer members go to indexing workers as
//! they pass (several layers index at once while the stream moves on), small JSON members are
//! kept, and at the end `manifest.json` (which daemons write last) puts the layers in order.
//! Handles the legacy form (`<id>/layer.tar`), Podman's (`<diff_id>.tar` plus symlinks) and
//! Docker 25+'s (`blobs/sha256/<hex>`).

use std::cell::Cell;
use std::collections::{HashMap, VecDeque};
use std::io::{self, BufReader, Read};
use std::rc::Rc;
use std::sync::mpsc::sync_channel;
use std::thread::ScopedJoinHandle;

use serde::Deserialize;

use self::channel::{ChannelReader, Counted, feed};

use crate::image::blob::{BlobError, READ_BUFFER, fill};
use crate::image::index::index_blob;
use crate::image::{
    Digest, Expected, ImageConfig, IndexOptions, IndexedLayer, LayerError, LayerMeta, Progress,
};
use crate::layer::Budget;
use crate::source::archive::{normalise, resolve_relative};

mod channel;

/// Members up to this size that are not layers (manifests, configs) are kept in memory.
const SMALL: u64 = 16 << 20;
/// Chunks queued per indexing worker: bounds memory to `threads * QUEUE * READ_BUFFER`.
const QUEUE: usize = 16;

/// What the daemon said about the image before the export started.
#[derive(Debug, Clone, Default)]
pub struct Known {
    /// `RootFS.Layers`, in image order.
    pub diff_ids: Vec<Digest>,
    /// Expected bytes per layer (from the history), in image order, for progress.
    pub sizes: Vec<u64>,
}

/// The image as read from the export.
#[derive(Debug)]
pub struct Exported {
    pub config: ImageConfig,
    pub config_digest: Digest,
    pub layers: Vec<IndexedLayer>,
    pub metas: Vec<LayerMeta>,
    /// Each layer's member in the export, in image order (to find it again).
    pub members: Vec<String>,
}

/// Why an export could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    /// The stream itself failed or ended early (daemon stopped, connection cut).
    #[error("the export stream broke after {bytes} bytes: {source}")]
    Stream {
        bytes: u64,
        #[source]
        source: io::Error,
    },
    #[error("failed to read layer {name}: {source}")]
    Layer {
        name: String,
        #[source]
        source: LayerError,
    },
    #[error("{0}")]
    Invalid(String),
}

#[derive(Deserialize)]
struct ManifestEntry {
    #[serde(rename = "Config")]
    config: String,
    #[serde(rename = "Layers", default)]
    layers: Vec<String>,
}

type LayerResult = Result<IndexedLayer, LayerError>;

/// A layer member being indexed by a worker.
struct Running<'scope> {
    name: String,
    position: Option<usize>,
    handle: ScopedJoinHandle<'scope, LayerResult>,
}

/// The state of one pass over the export.
struct Reader<'a> {
    known: &'a Known,
    options: &'a IndexOptions,
    progress: &'a Progress,
    small: HashMap<String, Vec<u8>>,
    links: HashMap<String, String>,
    layers: HashMap<String, (IndexedLayer, u64)>,
    assigned: Vec<bool>,
    threads: usize,
}

/// Reads a whole export from `stream` and indexes its layers on the way.
pub fn read<R: Read>(
    stream: R,
    known: &Known,
    options: &IndexOptions,
    progress: &Progress,
) -> Result<Exported, ExportError> {
    let threads = match options.threads {
        0 => std::thread::available_parallelism().map_or(2, |n| n.get()),
        n => n,
    };
    let mut reader = Reader {
        known,
        options,
        progress,
        small: HashMap::new(),
        links: HashMap::new(),
        layers: HashMap::new(),
        assigned: vec![false; known.sizes.len()],
        threads,
    };
    let budget = Budget::new(options.limits);
    std::thread::scope(|scope| reader.split(scope, stream, &budget))?;
    reader.assemble()
}

impl<'a> Reader<'a> {
    fn split<'scope, R: Read>(
        &mut self,
        scope: &'scope std::thread::Scope<'scope, '_>,
        stream: R,
        budget: &'scope Budget,
    ) -> Result<(), ExportError>
    where
        'a: 'scope,
    {
        let bytes = Rc::new(Cell::new(0u64));
        let counted = Counted {
            inner: stream,
            bytes: Rc::clone(&bytes),
        };
        let mut archive = tar::Archive::new(BufReader::with_capacity(READ_BUFFER, counted));
        let mut running: VecDeque<Running<'scope>> = VecDeque::new();
        let broke = |source: io::Error| ExportError::Stream {
            bytes: bytes.get(),
            source,
        };
        for entry in archive.entries().map_err(broke)? {
            let mut entry = entry.map_err(broke)?;
            let name = normalise(&String::from_utf8_lossy(&entry.path_bytes()));
            let kind = entry.header().entry_type();
            if kind.is_symlink() || kind.is_hard_link() {
                let target = entry
                    .link_name_bytes()
                    .map(|t| String::from_utf8_lossy(&t).into_owned())
                    .unwrap_or_default();
                let target = if kind.is_symlink() {
                    resolve_relative(&name, &target)
                } else {
                    normalise(&target)
                };
                self.links.insert(name, target);
                continue;
            }
            if !kind.is_file() && kind != tar::EntryType::Continuous {
                continue;
            }
            let size = entry.size();
            let mut first = vec![0u8; READ_BUFFER.min(usize::try_from(size).unwrap_or(0))];
            fill(&mut entry, &mut first).map_err(broke)?;
            if is_layer(&name, size, &first) {
                while running.len() >= self.threads {
                    if let Some(done) = running.pop_front() {
                        self.collect(done)?;
                    }
                }
                let (tx, rx) = sync_channel(QUEUE);
                let position = self.position_for(&name, size);
                let counter = position.and_then(|p| self.progress.counter(p));
                let expected = Expected {
                    digest: blob_digest(&name),
                    diff_id: None,
                };
                let options = self.options;
                let handle = scope.spawn(move || {
                    index_blob(ChannelReader::new(rx), expected, options, budget, counter)
                });
                let fed = feed(&mut entry, first, size, &tx);
                drop(tx);
                let job = Running {
                    name,
                    position,
                    handle,
                };
                match fed {
                    Ok(true) => running.push_back(job),
                    // The worker stopped early: it failed, and its error says why.
                    Ok(false) => self.collect(job)?,
                    Err(e) => return Err(broke(e)),
                }
            } else if size <= SMALL {
                let mut data = first;
                entry.read_to_end(&mut data).map_err(broke)?;
                check_length(data.len() as u64, size).map_err(broke)?;
                self.small.insert(name, data);
            } else {
                let rest = io::copy(&mut entry, &mut io::sink()).map_err(broke)?;
                check_length(first.len() as u64 + rest, size).map_err(broke)?;
            }
        }
        while let Some(done) = running.pop_front() {
            self.collect(done)?;
        }
        Ok(())
    }

    fn collect(&mut self, job: Running<'_>) -> Result<(), ExportError> {
        let Running {
            name,
            position,
            handle,
        } = job;
        if let Some(p) = position {
            self.progress.finish_layer(p);
        }
        let result = handle.join().map_err(|_| {
            ExportError::Invalid(format!("the indexing worker for {name} panicked"))
        })?;
        match result {
            Ok(layer) => {
                let size = layer.blob.compressed_bytes;
                self.layers.insert(name, (layer, size));
                Ok(())
            }
            Err(source) => Err(ExportError::Layer { name, source }),
        }
    }

    /// Which progress slot a member feeds: the layer whose diff_id names it, else the unclaimed
    /// layer whose expected size is closest (legacy exports name layers by opaque ids).
    fn position_for(&mut self, name: &str, size: u64) -> Option<usize> {
        let stem = name.rsplit('/').next().unwrap_or(name);
        let stem = stem.strip_suffix(".tar").unwrap_or(stem);
        let by_digest =
            self.known.diff_ids.iter().enumerate().position(|(p, d)| {
                d.hex() == stem && !self.assigned.get(p).copied().unwrap_or(true)
            });
        let position = by_digest.or_else(|| {
            (0..self.assigned.len())
                .filter(|&p| !self.assigned[p])
                .min_by_key(|&p| self.known.sizes[p].abs_diff(size))
        })?;
        self.assigned[position] = true;
        Some(position)
    }

    /// Puts the indexed layers in image order, as `manifest.json` and the config say.
    fn assemble(mut self) -> Result<Exported, ExportError> {
        let manifest = self.small.get("manifest.json").ok_or_else(|| {
            ExportError::Invalid(
                "the export has no manifest.json (it may have been cut short)".into(),
            )
        })?;
        let entries: Vec<ManifestEntry> = serde_json::from_slice(manifest).map_err(|e| {
            ExportError::Invalid(format!("malformed manifest.json in the export: {e}"))
        })?;
        let entry = match entries.as_slice() {
            [one] => one,
            [] => {
                return Err(ExportError::Invalid(
                    "manifest.json in the export lists no image".into(),
                ));
            }
            many => many
                .iter()
                .find(|e| self.config_matches(e))
                .ok_or_else(|| {
                    ExportError::Invalid(
                        "manifest.json lists several images, none of them the one asked for".into(),
                    )
                })?,
        };
        let config_path = self.resolve(&entry.config);
        let config_bytes = self.small.get(&config_path).ok_or_else(|| {
            ExportError::Invalid(format!(
                "the export lacks the image config {}",
                entry.config
            ))
        })?;
        let config_digest = Digest::sha256_of(config_bytes);
        let config = ImageConfig::parse(config_bytes)
            .map_err(|e| ExportError::Invalid(format!("{}: {e}", entry.config)))?;
        if config.diff_ids.len() != entry.layers.len() {
            return Err(ExportError::Invalid(format!(
                "manifest.json lists {} layers but the config has {} diff_ids",
                entry.layers.len(),
                config.diff_ids.len()
            )));
        }
        let mut layers = Vec::with_capacity(entry.layers.len());
        let mut metas = Vec::with_capacity(entry.layers.len());
        let mut members = Vec::with_capacity(entry.layers.len());
        for (i, path) in entry.layers.iter().enumerate() {
            let resolved = self.resolve(path);
            members.push(resolved.clone());
            let (layer, size) = self.layers.get(&resolved).ok_or_else(|| {
                ExportError::Invalid(format!("the export lacks layer {i} ({path})"))
            })?;
            let diff_id = config.diff_ids[i].clone();
            if let Some(actual) = &layer.blob.diff_id {
                if *actual != diff_id {
                    return Err(ExportError::Layer {
                        name: path.clone(),
                        source: LayerError::Blob(BlobError::DiffIdMismatch {
                            expected: diff_id,
                            actual: actual.clone(),
                        }),
                    });
                }
            }
            metas.push(LayerMeta {
                digest: blob_digest(&resolved),
                diff_id: Some(diff_id),
                media_type: None,
                blob_size: Some(*size),
            });
            layers.push(layer.clone());
        }
        self.layers.clear();
        Ok(Exported {
            config,
            config_digest,
            layers,
            metas,
            members,
        })
    }

    fn config_matches(&self, entry: &ManifestEntry) -> bool {
        let path = self.resolve(&entry.config);
        self.small.get(&path).is_some_and(|bytes| {
            ImageConfig::parse(bytes).is_ok_and(|c| c.diff_ids == self.known.diff_ids)
        })
    }

    /// Follows symlinks and hard links between members (a few hops at most).
    fn resolve(&self, path: &str) -> String {
        let mut path = normalise(path);
        for _ in 0..8 {
            match self.links.get(&path) {
                Some(target) => path = target.clone(),
                None => break,
            }
        }
        path
    }
}

fn check_length(read: u64, size: u64) -> io::Result<()> {
    if read < size {
        return Err(io::Error::new(
            io::ErrorKind::UnexpectedEof,
            format!("a member ended after {read} of {size} bytes"),
        ));
    }
    Ok(())
}

/// Layers are tars named `*.tar` or OCI blobs that are not JSON documents.
fn is_layer(name: &str, size: u64, first: &[u8]) -> bool {
    let looks_json = size <= SMALL
        && first
            .iter()
            .find(|b| !b.is_ascii_whitespace())
            .is_some_and(|b| *b == b'{' || *b == b'[');
    (name.ends_with(".tar") || name.starts_with("blobs/")) && !looks_json
}

/// The digest an OCI member's path names (`blobs/sha256/<hex>`).
fn blob_digest(name: &str) -> Option<Digest> {
    let rest = name.strip_prefix("blobs/")?;
    let (algorithm, hex) = rest.split_once('/')?;
    Digest::parse(&format!("{algorithm}:{hex}")).ok()
}

#[cfg(test)]
#[path = "export_tests.rs"]
mod tests;
