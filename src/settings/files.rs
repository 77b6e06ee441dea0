//! Settings of the file-content commands: `plummet cat` and `plummet extract`.

use std::path::PathBuf;

use std::sync::Arc;

use super::{ConfigError, ConfigFile, default_cache_dir, disk_cache, load_options};
use crate::cli::{CatArgs, ExtractArgs, SourceArgs};
use crate::image::index::store::DiskCache;
use crate::source::LoadOptions;

/// `plummet cat IMAGE PATH`.
#[derive(Debug)]
pub struct CatSettings {
    pub image: String,
    pub path: String,
    pub layer: Option<usize>,
    pub load: LoadOptions,
    pub quiet: bool,
}

/// `plummet extract IMAGE PATH... -o DIR`.
#[derive(Debug)]
pub struct ExtractSettings {
    pub image: String,
    pub paths: Vec<String>,
    pub output: PathBuf,
    pub layer: Option<usize>,
    pub same_owner: bool,
    pub load: LoadOptions,
    pub quiet: bool,
}

pub fn cat(args: CatArgs) -> Result<CatSettings, ConfigError> {
    let file = ConfigFile::discover(args.source.config.as_deref())?;
    Ok(CatSettings {
        load: content_load_options(&args.source, &file)?,
        quiet: args.source.quiet,
        image: args.image,
        path: args.path,
        layer: args.layer,
    })
}

pub fn extract(args: ExtractArgs) -> Result<ExtractSettings, ConfigError> {
    let file = ConfigFile::discover(args.source.config.as_deref())?;
    Ok(ExtractSettings {
        load: content_load_options(&args.source, &file)?,
        quiet: args.source.quiet,
        image: args.image,
        paths: args.paths,
        output: args.output,
        layer: args.layer,
        same_owner: args.same_owner,
    })
}

/// The load options of a command that opens files (`cat`, `extract`, the terminal UI with its
/// viewer): the layer-index cache is on by default
/// (docs/files.md), since looking at one file after another of the same image is the common
/// case and a cold `cat` would otherwise index the whole image each time. `--no-cache`,
/// `--cache-dir` and `--cache-max-size` keep their meaning.
pub(super) fn content_load_options(
    args: &SourceArgs,
    file: &ConfigFile,
) -> Result<LoadOptions, ConfigError> {
    let mut load = load_options(args, file)?;
    load.index.disk_cache = content_cache(args)?;
    Ok(load)
}

fn content_cache(args: &SourceArgs) -> Result<Option<Arc<DiskCache>>, ConfigError> {
    // On by default, but not an error where there is no home to keep it in (a bare container
    // or a CI step without HOME): then the command reads the blobs as without a cache.
    let asked = args.cache || args.cache_dir.is_some();
    let on_by_default = asked || default_cache_dir().is_some();
    disk_cache(args, on_by_default)
}
