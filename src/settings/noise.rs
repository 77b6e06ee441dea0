//! Noise control from the config and the command line: `[ignore]`, `[rules.max_path_bytes]` and
//! `--baseline`, validated here so a bad glob, path or baseline stops the run before any image
//! is read, with the file and key named.

use std::collections::BTreeMap;
use std::path::Path;

use super::{ConfigError, ConfigFile, bytes, parse_growth};
use crate::analysis::Ignore;
use crate::diff::rules::Growth;
use crate::report::baseline::{Baseline, Tolerance};

/// The compiled `[ignore]` section.
pub fn ignore(file: &ConfigFile) -> Result<Ignore, ConfigError> {
    Ignore::new(&file.ignore.paths, file.ignore.figures).map_err(|(index, message)| {
        file.error(format!("ignore.paths[{index}]: invalid glob: {message}"))
    })
}

/// `[rules.max_path_bytes]`: each key an absolute path inside the image (normalised, without a
/// trailing slash), each value a size or `"disabled"`.
pub fn budgets(file: &ConfigFile) -> Result<BTreeMap<String, u64>, ConfigError> {
    let mut out = BTreeMap::new();
    for (key, value) in &file.rules.max_path_bytes {
        let what = format!("rules.max_path_bytes.{key:?}");
        let path = normalise(key).map_err(|m| file.error(format!("{what}: {m}")))?;
        let limit = bytes(value, &what).map_err(|e| match e {
            ConfigError::Invalid(m) => file.error(m),
            other => other,
        })?;
        if let Some(limit) = limit {
            out.insert(path, limit);
        }
    }
    Ok(out)
}

/// `/app//node_modules/` -> `/app/node_modules`; relative paths and `.`/`..` are errors (an image
/// path has no working directory to be relative to).
fn normalise(path: &str) -> Result<String, String> {
    if !path.starts_with('/') {
        return Err("not an absolute path (start it with /)".into());
    }
    let mut out = String::new();
    for part in path.split('/').filter(|p| !p.is_empty()) {
        if part == "." || part == ".." {
            return Err(format!("{part:?} is not allowed in a path"));
        }
        out.push('/');
        out.push_str(part);
    }
    if out.is_empty() {
        out.push('/');
    }
    Ok(out)
}

/// `--baseline FILE` with `--baseline-tolerance`: read and checked now, so a wrong file fails
/// before the image is read.
pub fn baseline(
    file: Option<&Path>,
    tolerance: Option<&str>,
) -> Result<Option<Baseline>, ConfigError> {
    let Some(path) = file else {
        if tolerance.is_some() {
            return Err(ConfigError::Invalid(
                "--baseline-tolerance needs --baseline FILE".into(),
            ));
        }
        return Ok(None);
    };
    let tolerance = match tolerance.map(parse_growth).transpose() {
        Ok(Some(Growth::Bytes(b))) => Tolerance::Bytes(b),
        Ok(Some(Growth::Ratio(r))) => Tolerance::Ratio(r),
        Ok(None) => Tolerance::default(),
        Err(e) => {
            return Err(ConfigError::Invalid(
                e.to_string()
                    .replace("--max-growth", "--baseline-tolerance"),
            ));
        }
    };
    let shown = path.display().to_string();
    let text = std::fs::read(path).map_err(|e| ConfigError::File {
        path: shown.clone(),
        message: format!("cannot read baseline: {e}"),
    })?;
    Baseline::parse(&text, tolerance)
        .map(Some)
        .map_err(|message| ConfigError::File {
            path: shown,
            message,
        })
}

#[cfg(test)]
#[path = "noise_tests.rs"]
mod tests;
