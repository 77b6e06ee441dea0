//! Command line plus config files (`.dive-ci`, plummet's own TOML) -> validated settings. Nothing
//! below this module sees the raw command line.

mod cache;
mod command;
mod dive;
mod dive_ci;
mod dive_config;
mod dive_flags;
mod files;
mod noise;
mod scan;
mod size;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

pub use cache::{default_dir as default_cache_dir, disk_cache};
pub use command::FixSettings;
pub use command::{
    CiSettings, DiffSettings, Environment, ExploreSettings, Format, Reports, Settings, UiStart,
    diff_rules, for_command, parse_growth, parse_kinds,
};
pub use dive_config::DiveConfig;
pub use files::{CatSettings, ExtractSettings};
pub use scan::ScanSettings;
pub use size::parse_size;

pub use crate::report::rules::RuleSet;

use crate::analysis::FindingKind;
use crate::cli::{RuleArgs, SourceArgs};
use crate::image::{IndexOptions, Platform};
use crate::source::{Credentials, LoadOptions, Secret};

/// Why settings could not be built.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{path}: {message}")]
    File { path: String, message: String },
    #[error("{0}")]
    Invalid(String),
}

/// plummet's own config file.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ConfigFile {
    pub rules: RulesFile,
    pub limits: LimitsFile,
    pub ui: UiFile,
    pub ignore: IgnoreFile,
    /// Where it was read from, for errors that name the file.
    #[serde(skip)]
    pub path: Option<PathBuf>,
}

/// `[ignore]`: paths left out of the findings (and with `figures`, of the waste figures).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct IgnoreFile {
    pub paths: Vec<String>,
    pub figures: bool,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RulesFile {
    pub lowest_efficiency: Option<Threshold>,
    pub highest_wasted_bytes: Option<Threshold>,
    pub highest_user_wasted_percent: Option<Threshold>,
    pub max_reclaimable_bytes: Option<Threshold>,
    pub no_secrets: Option<bool>,
    pub non_root: Option<bool>,
    pub max_kind_bytes: BTreeMap<String, Threshold>,
    pub user_layers_only: Option<bool>,
    /// Path -> budget for the bytes visible under it, e.g. `"/app/node_modules" = "150MB"`.
    pub max_path_bytes: BTreeMap<String, Threshold>,
}

/// A number, a size string (`"20MB"`), or `"disabled"`.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum Threshold {
    Number(f64),
    Text(String),
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LimitsFile {
    pub max_entries: Option<u64>,
    pub max_layer_bytes: Option<Threshold>,
    pub max_index_bytes: Option<Threshold>,
    pub max_total_bytes: Option<Threshold>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct UiFile {
    /// Action name -> key, e.g. `quit = "x"`.
    pub keys: BTreeMap<String, String>,
}

impl ConfigFile {
    /// Reads `explicit`, else `./.plummet.toml`, else `$XDG_CONFIG_HOME/plummet/config.toml`; none is fine.
    pub fn discover(explicit: Option<&Path>) -> Result<ConfigFile, ConfigError> {
        let candidates: Vec<PathBuf> = match explicit {
            Some(p) => vec![p.to_path_buf()],
            None => {
                let mut v = vec![PathBuf::from(".plummet.toml")];
                let base = std::env::var_os("XDG_CONFIG_HOME")
                    .map(PathBuf::from)
                    .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".config")));
                if let Some(base) = base {
                    v.push(base.join("plummet").join("config.toml"));
                }
                v
            }
        };
        for path in candidates {
            match std::fs::read_to_string(&path) {
                Ok(text) => return ConfigFile::parse(&text, &path),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound && explicit.is_none() => {
                    continue;
                }
                Err(e) => {
                    return Err(ConfigError::File {
                        path: path.display().to_string(),
                        message: format!("cannot read config: {e}"),
                    });
                }
            }
        }
        Ok(ConfigFile::default())
    }

    pub fn parse(text: &str, path: &Path) -> Result<ConfigFile, ConfigError> {
        let mut file: ConfigFile = toml::from_str(text).map_err(|e| ConfigError::File {
            path: path.display().to_string(),
            message: one_line(&e.to_string()),
        })?;
        file.path = Some(path.to_path_buf());
        Ok(file)
    }

    /// An error about one key of this file, naming the file when there is one.
    fn error(&self, message: String) -> ConfigError {
        match &self.path {
            Some(path) => ConfigError::File {
                path: path.display().to_string(),
                message,
            },
            None => ConfigError::Invalid(message),
        }
    }
}

fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn ratio(value: &Threshold, what: &str) -> Result<Option<f64>, ConfigError> {
    match value {
        Threshold::Number(n) if n.is_finite() && *n >= 0.0 => Ok(Some(*n)),
        Threshold::Text(t) if t.trim() == "disabled" => Ok(None),
        Threshold::Text(t) => t
            .trim()
            .trim_end_matches('%')
            .parse::<f64>()
            .ok()
            .filter(|n| n.is_finite() && *n >= 0.0)
            .map(|n| {
                Some(if t.trim().ends_with('%') {
                    n / 100.0
                } else {
                    n
                })
            })
            .ok_or_else(|| {
                ConfigError::Invalid(format!(
                    "{what}: {t:?} is not a ratio (e.g. 0.9) or \"disabled\""
                ))
            }),
        Threshold::Number(n) => Err(ConfigError::Invalid(format!("{what}: {n} is not a ratio"))),
    }
}

fn bytes(value: &Threshold, what: &str) -> Result<Option<u64>, ConfigError> {
    match value {
        Threshold::Number(n) => size::size_from_number(*n)
            .map(Some)
            .map_err(|e| ConfigError::Invalid(format!("{what}: {e}"))),
        Threshold::Text(t) if t.trim() == "disabled" => Ok(None),
        Threshold::Text(t) => parse_size(t)
            .map(Some)
            .map_err(|e| ConfigError::Invalid(format!("{what}: {e}"))),
    }
}

fn text(s: &str) -> Threshold {
    Threshold::Text(s.to_string())
}

/// Builds the rule set: dive's defaults, then `.dive-ci`, then plummet's config, then flags.
pub fn rules(args: &RuleArgs, file: &ConfigFile) -> Result<RuleSet, ConfigError> {
    rules_from(RuleSet::default(), args, file)
}

/// As [`rules`], starting from `base` (dive's defaults with dive's own config file applied).
pub fn rules_from(
    base: RuleSet,
    args: &RuleArgs,
    file: &ConfigFile,
) -> Result<RuleSet, ConfigError> {
    let mut rules = base;
    let dive_path = args
        .ci_config
        .clone()
        .unwrap_or_else(|| PathBuf::from(".dive-ci"));
    match std::fs::read_to_string(&dive_path) {
        Ok(content) => {
            for warning in dive_ci::apply(&content, &dive_path, &mut rules)? {
                tracing::warn!("{warning}");
            }
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound && args.ci_config.is_none() => {}
        Err(e) => {
            return Err(ConfigError::File {
                path: dive_path.display().to_string(),
                message: format!("cannot read CI rules: {e}"),
            });
        }
    }
    let r = &file.rules;
    if let Some(v) = &r.lowest_efficiency {
        rules.lowest_efficiency = ratio(v, "lowest_efficiency")?;
    }
    if let Some(v) = &r.highest_wasted_bytes {
        rules.highest_wasted_bytes = bytes(v, "highest_wasted_bytes")?;
    }
    if let Some(v) = &r.highest_user_wasted_percent {
        rules.highest_user_wasted_percent = ratio(v, "highest_user_wasted_percent")?;
    }
    if let Some(v) = &r.max_reclaimable_bytes {
        rules.max_reclaimable_bytes = bytes(v, "max_reclaimable_bytes")?;
    }
    rules.no_secrets |= r.no_secrets.unwrap_or(false);
    rules.non_root |= r.non_root.unwrap_or(false);
    rules.user_layers_only =
        args.user_layers_only || r.user_layers_only.unwrap_or(rules.user_layers_only);
    for (kind, v) in &r.max_kind_bytes {
        set_kind_limit(&mut rules, kind, v)?;
    }
    rules.max_path_bytes = noise::budgets(file)?;
    // dive's three rules read their flags as dive does (range-checked ratios, go-humanize sizes), so
    // `--lowestEfficiency 1.1` copied from a dive pipeline is an error, not a gate that always fails.
    if let Some(v) = &args.lowest_efficiency {
        rules.lowest_efficiency =
            dive::ratio(v, "--lowest-efficiency").map_err(ConfigError::Invalid)?;
    }
    if let Some(v) = &args.highest_wasted_bytes {
        rules.highest_wasted_bytes =
            dive::bytes(v, "--highest-wasted-bytes").map_err(ConfigError::Invalid)?;
    }
    if let Some(v) = &args.highest_user_wasted_percent {
        rules.highest_user_wasted_percent =
            dive::ratio(v, "--highest-user-wasted-percent").map_err(ConfigError::Invalid)?;
    }
    if let Some(v) = &args.max_reclaimable_bytes {
        rules.max_reclaimable_bytes = bytes(&text(v), "--max-reclaimable-bytes")?;
    }
    rules.no_secrets |= args.no_secrets;
    rules.non_root |= args.non_root;
    for item in &args.max_kind_bytes {
        let (kind, size) = item.split_once('=').ok_or_else(|| {
            ConfigError::Invalid(format!("--max-kind-bytes {item:?}: expected KIND=SIZE"))
        })?;
        set_kind_limit(&mut rules, kind, &text(size))?;
    }
    Ok(rules)
}

fn set_kind_limit(rules: &mut RuleSet, kind: &str, value: &Threshold) -> Result<(), ConfigError> {
    let k = FindingKind::from_name(kind).ok_or_else(|| {
        let names: Vec<_> = FindingKind::ALL.iter().map(|k| k.name()).collect();
        ConfigError::Invalid(format!(
            "unknown finding kind {kind:?}; kinds are {}",
            names.join(", ")
        ))
    })?;
    match bytes(value, &format!("max_kind_bytes.{kind}"))? {
        Some(limit) => rules.max_kind_bytes.insert(k, limit),
        None => rules.max_kind_bytes.remove(&k),
    };
    Ok(())
}

/// Reads a credential line from standard input (only when asked to).
fn read_stdin_line(what: &str) -> Result<String, ConfigError> {
    let mut line = String::new();
    std::io::stdin().read_line(&mut line).map_err(|e| {
        ConfigError::Invalid(format!("cannot read {what} from standard input: {e}"))
    })?;
    let line = line.trim_end_matches(['\r', '\n']).to_string();
    if line.is_empty() {
        return Err(ConfigError::Invalid(format!("no {what} on standard input")));
    }
    Ok(line)
}

fn credentials(text: &str) -> Result<Credentials, ConfigError> {
    let (user, pass) = text
        .split_once(':')
        .ok_or_else(|| ConfigError::Invalid("credentials must be USER:PASSWORD".into()))?;
    Ok(Credentials {
        username: user.to_string(),
        secret: Secret(pass.to_string()),
    })
}

/// Builds the load options from the source flags and config file.
pub fn load_options(args: &SourceArgs, file: &ConfigFile) -> Result<LoadOptions, ConfigError> {
    let mut index = IndexOptions::default();
    if let Some(n) = file.limits.max_entries {
        index.limits.max_entries = n;
    }
    if let Some(v) = &file.limits.max_layer_bytes {
        index.max_layer_bytes = bytes(v, "limits.max_layer_bytes")?.unwrap_or(u64::MAX);
    }
    if let Some(v) = &file.limits.max_index_bytes {
        index.limits.max_name_bytes = bytes(v, "limits.max_index_bytes")?.unwrap_or(u64::MAX);
    }
    if let Some(v) = &file.limits.max_total_bytes {
        index.limits.max_total_bytes = bytes(v, "limits.max_total_bytes")?.unwrap_or(u64::MAX);
    }
    if let Some(n) = args.max_entries {
        index.limits.max_entries = n;
    }
    if let Some(v) = &args.max_layer_bytes {
        index.max_layer_bytes = bytes(&text(v), "--max-layer-bytes")?.unwrap_or(u64::MAX);
    }
    if let Some(v) = &args.max_index_bytes {
        index.limits.max_name_bytes = bytes(&text(v), "--max-index-bytes")?.unwrap_or(u64::MAX);
    }
    if let Some(v) = &args.max_total_bytes {
        index.limits.max_total_bytes = bytes(&text(v), "--max-total-bytes")?.unwrap_or(u64::MAX);
    }
    index.verify = !args.no_verify;
    index.disk_cache = disk_cache(args, false)?;
    index.threads = args.threads.unwrap_or(0);
    let platform = args
        .platform
        .as_deref()
        .map(Platform::parse)
        .transpose()
        .map_err(ConfigError::Invalid)?;
    let credentials = if args.creds_stdin {
        Some(credentials(&read_stdin_line("credentials")?)?)
    } else {
        args.creds.as_deref().map(credentials).transpose()?
    };
    let registry_token = if args.token_stdin {
        Some(Secret(read_stdin_line("token")?))
    } else {
        None
    };
    Ok(LoadOptions {
        index,
        platform,
        host: args.host.clone(),
        credentials,
        registry_token,
        insecure: args.insecure || args.tls_verify == Some(false),
        export: args.export,
        body_deadline: None,
        export_idle: export_idle(std::env::var("PLUMMET_DAEMON_EXPORT_IDLE_SECS").ok())?,
        force_platform: args.force,
    })
}

/// `PLUMMET_DAEMON_EXPORT_IDLE_SECS`: whole seconds, at least 1.
fn export_idle(value: Option<String>) -> Result<Option<std::time::Duration>, ConfigError> {
    let Some(value) = value.filter(|v| !v.trim().is_empty()) else {
        return Ok(None);
    };
    match value.trim().parse::<u64>() {
        Ok(secs) if secs > 0 => Ok(Some(std::time::Duration::from_secs(secs))),
        _ => Err(ConfigError::Invalid(format!(
            "PLUMMET_DAEMON_EXPORT_IDLE_SECS={value:?} is not a whole number of seconds above 0"
        ))),
    }
}

#[cfg(test)]
mod tests;
