//! Settings of the file-content commands: `plummet cat` and `plummet extract`.

use std::path::PathBuf;

use super::{ConfigError, ConfigFile, load_options};
use crate::cli::{CatArgs, ExtractArgs};
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
        load: load_options(&args.source, &file)?,
        quiet: args.source.quiet,
        image: args.image,
        path: args.path,
        layer: args.layer,
    })
}

pub fn extract(args: ExtractArgs) -> Result<ExtractSettings, ConfigError> {
    let file = ConfigFile::discover(args.source.config.as_deref())?;
    Ok(ExtractSettings {
        load: load_options(&args.source, &file)?,
        quiet: args.source.quiet,
        image: args.image,
        paths: args.paths,
        output: args.output,
        layer: args.layer,
        same_owner: args.same_owner,
    })
}
