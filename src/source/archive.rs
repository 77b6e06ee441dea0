//! Image archives: `docker save` (legacy and Docker 25+), OCI layouts as directories and tars.

use std::path::Path;

use super::{LoadOptions, SourceError};
use crate::image::{Image, Progress};

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

/// Reads an archive. `kind` is detected from the contents when `None`.
pub fn load(
    path: &Path,
    kind: Option<ArchiveKind>,
    tag: Option<&str>,
    options: &LoadOptions,
    progress: &Progress,
) -> Result<Image, SourceError> {
    let _ = (kind, tag, options, progress);
    Err(SourceError::Archive {
        path: path.display().to_string(),
        message: "archive reading is being written".into(),
    })
}
