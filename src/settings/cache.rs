//! Where the persistent layer-index cache lives and how large it may grow, from the source flags.

use std::path::PathBuf;
use std::sync::Arc;

use super::{ConfigError, parse_size};
use crate::cli::SourceArgs;
use crate::image::index::store::{DEFAULT_MAX_BYTES, DiskCache};

/// The cache the flags ask for: `--cache-dir DIR`, or `--cache` (the XDG cache directory), or
/// nothing unless `on_by_default` (`plummet scan`); `--no-cache` always wins.
pub fn disk_cache(
    args: &SourceArgs,
    on_by_default: bool,
) -> Result<Option<Arc<DiskCache>>, ConfigError> {
    let max_bytes = match &args.cache_max_size {
        Some(v) => {
            parse_size(v).map_err(|e| ConfigError::Invalid(format!("--cache-max-size: {e}")))?
        }
        None => DEFAULT_MAX_BYTES,
    };
    if args.no_cache {
        return Ok(None);
    }
    let dir = match &args.cache_dir {
        Some(dir) => dir.clone(),
        None if args.cache || on_by_default => default_dir().ok_or_else(|| {
            ConfigError::Invalid(
                "no cache directory: neither XDG_CACHE_HOME nor HOME is set (give --cache-dir DIR or --no-cache)"
                    .into(),
            )
        })?,
        None => return Ok(None),
    };
    Ok(Some(Arc::new(DiskCache::new(dir, max_bytes))))
}

/// `$XDG_CACHE_HOME/plummet`, else `$HOME/.cache/plummet`.
pub fn default_dir() -> Option<PathBuf> {
    let absolute = |v: std::ffi::OsString| Some(PathBuf::from(v)).filter(|p| p.is_absolute());
    std::env::var_os("XDG_CACHE_HOME")
        .and_then(absolute)
        .or_else(|| {
            std::env::var_os("HOME")
                .and_then(absolute)
                .map(|h| h.join(".cache"))
        })
        .map(|base| base.join("plummet"))
}
