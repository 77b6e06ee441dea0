//! Docker daemon and Podman (Docker-compatible API) sources, through bollard.

use super::{LoadOptions, SourceError};
use crate::image::{Image, Progress};

/// Which engine serves the Docker API.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    Docker,
    Podman,
}

/// Exports an image from the engine and indexes it while it streams.
pub fn load(
    engine: Engine,
    reference: &str,
    options: &LoadOptions,
    progress: &Progress,
) -> Result<Image, SourceError> {
    let _ = (engine, options, progress);
    Err(SourceError::Daemon(format!(
        "{reference}: the daemon source is being written"
    )))
}

/// A bare reference: the Docker daemon if it has the image, otherwise the registry.
pub fn load_bare(
    reference: &str,
    options: &LoadOptions,
    progress: &Progress,
) -> Result<Image, SourceError> {
    super::registry::load(reference, options, progress)
}
