//! Reading the two images of a comparison at the same time, each on its own thread with its own
//! progress line, sharing the layers they have in common through one [`LayerCache`], with the
//! content fingerprints the comparison of files needs.

use std::sync::Arc;

use crate::image::{LayerCache, Progress};
use crate::pipeline::{Inspected, inspect};
use crate::progress::Bar;
use crate::source::{LoadOptions, SourceError};

/// One image read and analyzed.
pub type Loaded = Inspected;

/// Loads and analyzes `a` and `b` concurrently. Layers with the same digest are read once.
/// Returns the cache too, so callers can tell how much was shared.
pub fn pair(
    a: &str,
    b: &str,
    options: &LoadOptions,
    quiet: bool,
) -> Result<(Loaded, Loaded, Arc<LayerCache>), SourceError> {
    let cache = Arc::new(LayerCache::default());
    let options = for_diff(options, Arc::clone(&cache));
    let progress_a = Arc::new(Progress::default());
    let progress_b = Arc::new(Progress::default());
    progress_a.set_stage(format!("A: {a}"));
    progress_b.set_stage(format!("B: {b}"));
    let bar = Bar::start_many(
        vec![Arc::clone(&progress_a), Arc::clone(&progress_b)],
        quiet,
    );
    let result = both(a, b, &options, &progress_a, &progress_b);
    drop(bar);
    let (la, lb) = result?;
    Ok((la, lb, cache))
}

/// Loads and analyzes `a` and `b` concurrently, reporting to the given progress (the terminal
/// UI draws them itself). Layers with the same digest are read once.
pub fn pair_with_progress(
    a: &str,
    b: &str,
    options: &LoadOptions,
    progress_a: &Progress,
    progress_b: &Progress,
) -> Result<(Loaded, Loaded), SourceError> {
    let options = for_diff(options, Arc::new(LayerCache::default()));
    progress_a.set_stage(format!("A: {a}"));
    progress_b.set_stage(format!("B: {b}"));
    both(a, b, &options, progress_a, progress_b)
}

/// The options both images are read with: one shared cache (so both must ask for the same
/// things) and content fingerprints, so that a same-size rewrite shows.
fn for_diff(options: &LoadOptions, cache: Arc<LayerCache>) -> LoadOptions {
    let mut options = options.clone();
    options.index.layer_cache = Some(cache);
    options.index.content_digests = true;
    options
}

fn both(
    a: &str,
    b: &str,
    options: &LoadOptions,
    progress_a: &Progress,
    progress_b: &Progress,
) -> Result<(Loaded, Loaded), SourceError> {
    let one = |input: &str, progress: &Progress| inspect(input, options, progress);
    let (ra, rb) = std::thread::scope(|s| {
        let handle = s.spawn(|| one(a, progress_a));
        let rb = one(b, progress_b);
        let ra = handle.join().unwrap_or_else(|_| {
            Err(SourceError::Reference(format!(
                "{a}: reading the image stopped unexpectedly"
            )))
        });
        (ra, rb)
    });
    Ok((ra.map_err(|e| side("A", e))?, rb.map_err(|e| side("B", e))?))
}

/// Says which image of the comparison an error is about (each message already names its input,
/// but not whether that is A or B).
fn side(label: &str, error: SourceError) -> SourceError {
    SourceError::Reference(format!("image {label}: {error}"))
}
