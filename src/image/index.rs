//! Indexing an image's layers in parallel: one layer per core, largest first, each streamed once
//! through decompression, hashing and the tar indexer.

pub mod cache;
pub mod store;

use std::io::{self, BufReader, Read};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use self::cache::{Hit, LayerCache};
use self::store::{DiskCache, Lookup, admit, persistent_key};
use super::blob::{Blob, BlobError, BlobOptions, BlobSummary, Compression, Expected, READ_BUFFER};
use super::recompress::{Recompressor, Tee};
use super::seek::{Members, SeekMap};
use super::{ImageError, LayerError};
use crate::layer::{self, Budget, CaptureRule, Keep, LayerIndex, Limits};

/// How layers are read.
#[derive(Debug, Clone)]
pub struct IndexOptions {
    /// Check blob digests and diff_ids while streaming.
    pub verify: bool,
    pub limits: Limits,
    /// Largest uncompressed size of one layer.
    pub max_layer_bytes: u64,
    /// Worker threads; 0 means one per core.
    pub threads: usize,
    /// Which small files to keep the content of. The caller that analyzes passes the analysis's
    /// rule (`pipeline::inspect` does), so that this stage never looks up the pipeline; by
    /// default nothing is kept, and an analysis of such an image misses what needs content
    /// (private keys told from certificates, dev dependencies).
    pub capture: CaptureRule,
    /// Fingerprint every regular file's content: `plummet diff` compares them, and the analysis
    /// finds duplicated content and files re-shipped for a metadata change with them
    /// (`pipeline::inspect` turns this on; its cost is measured with bench/run's images).
    pub content_digests: bool,
    /// Layers already indexed by another load (e.g. the other image of `plummet diff`), consulted
    /// before reading a layer whose digest or diff_id is known.
    pub layer_cache: Option<Arc<LayerCache>>,
    /// The persistent layer-index cache (`--cache-dir`), consulted before reading a layer whose
    /// digest is known and filled with every verified layer read (see [`store`]).
    pub disk_cache: Option<Arc<DiskCache>>,
    /// Recompress every layer with zstd as it is read, to estimate the pull size and
    /// decompression time zstd would give (`--estimate-zstd`; costly, so off by default).
    pub estimate_zstd: bool,
    /// With a disk cache, record each gzip or plain layer's seek map in the index pass, so that
    /// the first file opened from it jumps near the file (docs/files.md). On by default: `cat`,
    /// the UI and `ci --cache` keep maps for the opens that follow; `scan` turns it off, as a
    /// fleet scan opens no file and recording costs 10-14 % of CPU (docs/benchmarks.md).
    pub seek_maps: bool,
}

impl Default for IndexOptions {
    fn default() -> Self {
        IndexOptions {
            verify: true,
            limits: Limits::default(),
            max_layer_bytes: 64 << 30,
            threads: 0,
            capture: CaptureRule::NONE,
            content_digests: false,
            layer_cache: None,
            disk_cache: None,
            estimate_zstd: false,
            seek_maps: true,
        }
    }
}

/// A layer read and indexed.
#[derive(Debug, Clone)]
pub struct IndexedLayer {
    pub index: LayerIndex,
    pub blob: BlobSummary,
}

/// A layer to read: where it sits in the image and how to open its blob.
pub struct LayerJob<'a> {
    pub position: usize,
    /// How errors name the layer: its digest or its file in the archive.
    pub name: String,
    /// Expected blob size, to schedule the largest layers first and show progress.
    pub size_hint: u64,
    pub expected: Expected,
    /// Where the bytes are: a canonical file path and offset, or a blob URL; `None` when unknown.
    /// Two jobs with the same origin read the very same bytes, so a layer shared through the
    /// [`LayerCache`] is hashed again for every other origin.
    pub origin: Option<String>,
    pub open: Box<dyn FnOnce() -> io::Result<Box<dyn Read + Send + 'a>> + Send + 'a>,
}

/// Progress of reading an image, shared with whoever displays it.
#[derive(Debug, Default)]
pub struct Progress {
    state: Mutex<ProgressState>,
}

#[derive(Debug, Default, Clone)]
struct ProgressState {
    stage: String,
    totals: Vec<u64>,
    counters: Vec<Arc<AtomicU64>>,
    done: Vec<bool>,
}

/// A point-in-time view of [`Progress`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProgressView {
    pub stage: String,
    /// `(bytes read, expected bytes, finished)` per layer.
    pub layers: Vec<(u64, u64, bool)>,
}

impl ProgressView {
    pub fn read(&self) -> u64 {
        self.layers.iter().map(|l| l.0).sum()
    }

    pub fn total(&self) -> u64 {
        self.layers.iter().map(|l| l.1.max(l.0)).sum()
    }

    pub fn finished(&self) -> usize {
        self.layers.iter().filter(|l| l.2).count()
    }
}

impl Progress {
    fn lock(&self) -> std::sync::MutexGuard<'_, ProgressState> {
        // Progress is advisory: a panic elsewhere must not stop it from being read.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub fn set_stage(&self, stage: impl Into<String>) {
        self.lock().stage = stage.into();
    }

    /// Declares the layers about to be read, with their expected sizes.
    pub fn start_layers(&self, totals: Vec<u64>) {
        let mut s = self.lock();
        s.counters = totals.iter().map(|_| Arc::new(AtomicU64::new(0))).collect();
        s.done = vec![false; totals.len()];
        s.totals = totals;
    }

    /// The counter a reader of layer `position` increments.
    pub fn counter(&self, position: usize) -> Option<Arc<AtomicU64>> {
        self.lock().counters.get(position).cloned()
    }

    pub fn finish_layer(&self, position: usize) {
        if let Some(d) = self.lock().done.get_mut(position) {
            *d = true;
        }
    }

    pub fn view(&self) -> ProgressView {
        let s = self.lock();
        ProgressView {
            stage: s.stage.clone(),
            layers: s
                .totals
                .iter()
                .zip(&s.counters)
                .zip(&s.done)
                .map(|((t, c), d)| (c.load(Ordering::Relaxed), *t, *d))
                .collect(),
        }
    }
}

/// Streams one blob through decompression, hashing and the tar indexer.
pub fn index_blob<R: Read>(
    reader: R,
    expected: Expected,
    options: &IndexOptions,
    budget: &Budget,
    counter: Option<Arc<AtomicU64>>,
) -> Result<IndexedLayer, LayerError> {
    index_blob_recording(reader, expected, options, budget, counter, false).map(|(layer, _)| layer)
}

/// As [`index_blob`]; with `record`, the same pass also records the blob's seek map
/// ([`super::seek`]: span digests, inflate checkpoints and where each file starts), returned
/// only when the blob matched a known digest and a map applies (gzip of one member, or plain).
pub fn index_blob_recording<R: Read>(
    reader: R,
    expected: Expected,
    options: &IndexOptions,
    budget: &Budget,
    counter: Option<Arc<AtomicU64>>,
    record: bool,
) -> Result<(IndexedLayer, Option<SeekMap>), LayerError> {
    let blob_options = BlobOptions {
        verify: options.verify,
        max_uncompressed: options.max_layer_bytes,
        progress: counter,
    };
    let blob = if record {
        Blob::open_recording(reader, expected, blob_options)?
    } else {
        Blob::open(reader, expected, blob_options)?
    };
    // zstd blobs get no map (docs/files.md): their members are not worth noting.
    let mut members = (record && blob.compression() != Compression::Zstd).then(Members::default);
    let noting_members = members.is_some();
    let recompressor = if options.estimate_zstd {
        Some(Recompressor::start().map_err(BlobError::from)?)
    } else {
        None
    };
    let metered = Tee {
        inner: Metered {
            inner: blob,
            budget,
        },
        recompressor,
    };
    let mut cleaned = Vec::new();
    let mut note = |passed: layer::Passed<'_>| {
        if let Some(m) = &mut members {
            cleaned.clear();
            layer::clean_path(passed.path, &mut cleaned);
            m.note(passed.kind, &cleaned, passed.data_start, passed.size);
        }
    };
    // Without a map to record the indexer gets no callback at all: today's path, at no cost.
    let noting: Option<&mut dyn FnMut(layer::Passed<'_>)> = if noting_members {
        Some(&mut note)
    } else {
        None
    };
    let (index, mut reader) = layer::index_noting(
        BufReader::with_capacity(READ_BUFFER, metered),
        budget,
        Keep {
            capture: options.capture,
            fingerprints: options.content_digests,
        },
        noting,
    )?;
    if options.estimate_zstd {
        // The estimate covers the whole tar, padding after its end included, as a blob would.
        io::copy(&mut reader, &mut io::sink()).map_err(BlobError::from)?;
    }
    // Bytes still buffered were already hashed when they left the decompressor.
    let tee = reader.into_inner();
    let (mut blob, map) = tee.inner.inner.finish_recording()?;
    if let Some(r) = tee.recompressor {
        blob.zstd = Some(r.finish().map_err(BlobError::from)?);
    }
    // The map exists only when both digests matched (`finish_recording` checked them).
    let map = match (map, members.and_then(Members::done)) {
        (Some(mut map), Some(at)) => {
            map.members = at;
            Some(map)
        }
        _ => None,
    };
    Ok((IndexedLayer { index, blob }, map))
}

/// Charges every uncompressed byte to the image's total budget (`--max-total-bytes`), so a
/// thousand layers just under `--max-layer-bytes` each still stop.
struct Metered<'b, R> {
    inner: R,
    budget: &'b Budget,
}

impl<R: Read> Read for Metered<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.budget
            .charge_stream(n as u64)
            .map_err(|e| io::Error::other(e.to_string()))?;
        Ok(n)
    }
}

/// Indexes layers on worker threads, largest first, and returns them in image order.
/// Stops at the first failure and reports it (the lowest failing position when several fail).
pub fn index_layers(
    mut jobs: Vec<LayerJob<'_>>,
    options: &IndexOptions,
    progress: &Progress,
) -> Result<Vec<IndexedLayer>, ImageError> {
    let count = jobs.len();
    let budget = Budget::new(options.limits);
    let threads = match options.threads {
        0 => std::thread::available_parallelism().map_or(2, |n| n.get()),
        n => n,
    }
    .min(count.max(1));
    // Ascending, so that `pop` hands out the largest layer first.
    jobs.sort_by_key(|j| j.size_hint);
    let queue = Mutex::new(jobs);
    let results: Mutex<Vec<Option<Result<IndexedLayer, ImageError>>>> =
        Mutex::new((0..count).map(|_| None).collect());
    let failed = AtomicBool::new(false);
    std::thread::scope(|scope| {
        for _ in 0..threads {
            scope.spawn(|| {
                loop {
                    if failed.load(Ordering::Relaxed) {
                        break;
                    }
                    let job = queue.lock().unwrap_or_else(PoisonError::into_inner).pop();
                    let Some(job) = job else { break };
                    let position = job.position;
                    let outcome = run_job(job, options, &budget, progress);
                    if outcome.is_err() {
                        failed.store(true, Ordering::Relaxed);
                    }
                    progress.finish_layer(position);
                    if let Some(slot) = results
                        .lock()
                        .unwrap_or_else(PoisonError::into_inner)
                        .get_mut(position)
                    {
                        *slot = Some(outcome);
                    }
                }
            });
        }
    });
    let results = results.into_inner().unwrap_or_else(PoisonError::into_inner);
    let mut layers = Vec::with_capacity(count);
    let mut first_error = None;
    for r in results {
        match r {
            Some(Ok(layer)) => layers.push(layer),
            Some(Err(e)) => {
                first_error.get_or_insert(e);
            }
            None => {}
        }
    }
    if let Some(e) = first_error {
        return Err(e);
    }
    if layers.len() != count {
        return Err(ImageError::Invalid(format!(
            "only {} of {count} layers were read",
            layers.len()
        )));
    }
    Ok(layers)
}

fn run_job(
    job: LayerJob<'_>,
    options: &IndexOptions,
    budget: &Budget,
    progress: &Progress,
) -> Result<IndexedLayer, ImageError> {
    // Only a blob whose content is pinned by a digest can be shared.
    let key = job
        .expected
        .digest
        .clone()
        .or_else(|| job.expected.diff_id.clone());
    match (&options.layer_cache, key) {
        (Some(cache), Some(key)) => {
            let (position, size_hint) = (job.position, job.size_hint);
            let origin = job.origin.clone();
            let mut job = Some(job);
            let (layer, hit) =
                cache.get_or_index(&key, origin.as_deref(), || match job.take() {
                    Some(job) => read_job(job, options, budget, progress),
                    None => Err(ImageError::Invalid("a layer job ran twice".into())),
                })?;
            match (hit, job) {
                (Hit::OtherOrigin, Some(job))
                    if job.expected.digest.is_some() || job.expected.diff_id.is_some() =>
                {
                    verify_job(job, options, progress)?;
                }
                (Hit::Miss, _) => {}
                _ => {
                    if let Some(counter) = progress.counter(position) {
                        counter.fetch_add(size_hint, Ordering::Relaxed);
                    }
                }
            }
            Ok(layer)
        }
        _ => read_job(job, options, budget, progress),
    }
}

/// Hashes a blob whose index came from another copy of it, so that a corrupt copy is an error
/// naming this image's layer rather than passing for the good one.
fn verify_job(
    job: LayerJob<'_>,
    options: &IndexOptions,
    progress: &Progress,
) -> Result<(), ImageError> {
    let wrap = |source: LayerError| ImageError::Layer {
        position: job.position,
        name: job.name.clone(),
        source,
    };
    let reader = (job.open)().map_err(|e| wrap(LayerError::Blob(e.into())))?;
    let blob = Blob::open(
        reader,
        job.expected.clone(),
        BlobOptions {
            verify: options.verify,
            max_uncompressed: options.max_layer_bytes,
            progress: progress.counter(job.position),
        },
    )
    .map_err(|e| wrap(e.into()))?;
    // `finish` reads the rest and checks both digests.
    blob.finish().map_err(|e| wrap(e.into()))?;
    Ok(())
}

fn read_job(
    job: LayerJob<'_>,
    options: &IndexOptions,
    budget: &Budget,
    progress: &Progress,
) -> Result<IndexedLayer, ImageError> {
    let wrap = |source: LayerError| ImageError::Layer {
        position: job.position,
        name: job.name.clone(),
        source,
    };
    let persistent = persistent_key(&job.expected, options);
    if let Some((cache, key, profile)) = &persistent {
        match cache.load(key, &job.expected, profile) {
            Lookup::Hit(layer) => {
                tracing::debug!("layer {} read from the layer-index cache", job.name);
                admit(&layer, options, budget).map_err(wrap)?;
                if let Some(counter) = progress.counter(job.position) {
                    counter.fetch_add(job.size_hint, Ordering::Relaxed);
                }
                return Ok(*layer);
            }
            Lookup::Discarded { path, why } => tracing::warn!(
                "discarded the layer-index cache entry {} ({why}); reading layer {} again",
                path.display(),
                job.name
            ),
            Lookup::Miss => {}
        }
    }
    let reader = (job.open)().map_err(|e| wrap(LayerError::Blob(e.into())))?;
    // With a cache, this pass also records the blob's seek map (as the first verified read of
    // `cat` or the viewer would), unless the cache holds one already.
    let record = options.verify
        && options.seek_maps
        && persistent
            .as_ref()
            .is_some_and(|(cache, key, _)| !cache.has_seek(key));
    let (layer, map) = index_blob_recording(
        reader,
        job.expected.clone(),
        options,
        budget,
        progress.counter(job.position),
        record,
    )
    .map_err(wrap)?;
    if let Some((cache, key, profile)) = &persistent {
        // Only what was read now and matched the digest that names the entry is kept.
        let verified =
            layer.blob.digest.as_ref() == Some(key) || layer.blob.diff_id.as_ref() == Some(key);
        if verified {
            if let Err(e) = cache.store(key, &layer, profile) {
                tracing::warn!(
                    "cannot write to the layer-index cache {}: {e}",
                    cache.dir().display()
                );
            }
            if let Some(map) = map {
                if let Err(e) = cache.store_seek(key, &map) {
                    tracing::warn!("could not keep the seek map of layer {}: {e}", job.name);
                }
            }
        }
    }
    Ok(layer)
}

#[cfg(test)]
mod tests;

#[cfg(test)]
mod map_tests;
