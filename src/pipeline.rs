//! One image through the pipeline, `source -> image -> analysis`: the one function every command
//! (`ci`, the UI, `diff`) loads and analyzes an image with, and the named value it yields.

use crate::analysis::{self, Analysis};
use crate::image::{Image, Progress};
use crate::source::{self, LoadOptions, SourceError};

/// An image read and analyzed: what reports, the UI and the comparison render.
#[derive(Debug)]
pub struct Inspected {
    pub image: Image,
    pub analysis: Analysis,
}

impl Inspected {
    /// Both halves, as the renderers take them.
    pub fn parts(&self) -> (&Image, &Analysis) {
        (&self.image, &self.analysis)
    }
}

/// Reads `input` (any form `source::load` accepts) with `options`, reporting to `progress`, then
/// analyzes it. The indexer reads and keeps the small files the analysis needs (`package.json`,
/// secrets by content) by the analysis's own rule, passed down from here (`image` never looks
/// up the pipeline), and fingerprints every file's content for the copy findings.
pub fn inspect(
    input: &str,
    options: &LoadOptions,
    progress: &Progress,
) -> Result<Inspected, SourceError> {
    inspect_on(input, None, options, progress)
}

/// As [`inspect`], on the base image `base` names when given: both loads share one layer cache
/// (the base's layers are the image's own bottom layers, read once), and the analysis gets the
/// boundary, the longest prefix of matching diff_ids. Not even one layer in common is an error.
pub fn inspect_on(
    input: &str,
    base: Option<&str>,
    options: &LoadOptions,
    progress: &Progress,
) -> Result<Inspected, SourceError> {
    let mut options = options.clone();
    options.index.capture = analysis::CAPTURE;
    // duplicate_content and metadata_copy compare content fingerprints.
    options.index.content_digests = true;
    let Some(reference) = base else {
        let image = source::load(input, &options, progress)?;
        let analysis = analysis::analyze(&image);
        warn_unreadable(&analysis);
        return Ok(Inspected { image, analysis });
    };
    if options.index.layer_cache.is_none() {
        options.index.layer_cache = Some(std::sync::Arc::new(crate::image::LayerCache::default()));
    }
    let image = source::load(input, &options, progress)?;
    progress.set_stage(format!("reading base {reference}"));
    let base_image = source::load(reference, &options, progress)?;
    let base = analysis::base::from_image(&image, reference, &base_image)
        .map_err(SourceError::Reference)?;
    let analysis = analysis::analyze_on(&image, base);
    warn_unreadable(&analysis);
    Ok(Inspected { image, analysis })
}

/// One line on stderr (the log file under the UI) for each package database that could not be
/// read, naming the layer and the file; the other databases are read as usual.
fn warn_unreadable(analysis: &Analysis) {
    for u in &analysis.packages.unreadable {
        tracing::warn!(
            "layer {}: {}: {}",
            u.layer,
            crate::escape::bytes(&u.path),
            u.why
        );
    }
}
