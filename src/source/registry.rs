//! Pulling straight from an OCI registry, no daemon needed.

use super::{LoadOptions, SourceError};
use crate::image::{Image, Progress};

/// Pulls and indexes an image from its registry.
pub fn load(
    reference: &str,
    options: &LoadOptions,
    progress: &Progress,
) -> Result<Image, SourceError> {
    let _ = (options, progress);
    Err(SourceError::Registry(format!(
        "{reference}: the registry source is being written"
    )))
}
