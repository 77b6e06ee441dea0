//! dive's own config file, read as dive reads it: `--config FILE.yaml`, `DIVE_CONFIG`, else the
//! first `*.yaml`/`*.yml` in `$XDG_CONFIG_HOME/dive/`, each `$XDG_CONFIG_DIRS` entry's `dive/`
//! and `~/.config/dive/`, else `~/.dive.yaml` (dive 0.13.1's `getDefaultCfgFile`).
//!
//! dive 0.13.1 reads `keybinding`, `diff.hide`, `layer`, `filetree`, `source`,
//! `container-engine`, `ignore-errors` and `log`; dive's later releases add `ci`, `ci-config`,
//! `json-path` and `rules` (`lowest-efficiency`, `highest-wasted-bytes`,
//! `highest-user-wasted-percent`, and the camelCase names of `.dive-ci`). Those are read too, and
//! `lowest-efficiency-threshold`, which dive's own test files write but dive silently ignores, is
//! read as `lowest-efficiency`. A key neither knows is an error, not a setting quietly dropped.
//! Environment variables override the file, as viper's do: `DIVE_CI`, `DIVE_SOURCE`,
//! `DIVE_CONTAINER_ENGINE` and `DIVE_RULES_*`.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use serde_yaml_ng::{Mapping, Value};

use super::{ConfigError, RuleSet, dive};
use crate::cli::DiveSource;

/// What dive's config file (and dive's environment variables) ask of plummet.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DiveConfig {
    /// The file read, if any.
    pub path: Option<PathBuf>,
    /// plummet key action -> keys, from `keybinding`.
    pub keys: HashMap<String, String>,
    /// `ci: true` (or `DIVE_CI`): the CI report instead of the UI.
    pub ci: bool,
    pub ci_config: Option<PathBuf>,
    pub json_path: Option<PathBuf>,
    pub source: Option<DiveSource>,
    pub lowest_efficiency: Option<Option<f64>>,
    pub highest_wasted_bytes: Option<Option<u64>>,
    pub highest_user_wasted_percent: Option<Option<f64>>,
    /// `diff.hide`: statuses hidden at start (`added`, `removed`, `modified`, `unmodified`).
    pub hide: Vec<String>,
    /// `filetree.collapse-dir`: the tree opens collapsed.
    pub collapse_dir: bool,
    /// `filetree.show-attributes` (default true).
    pub show_attributes: bool,
    /// Said once on stderr: settings accepted but not copied.
    pub warnings: Vec<String>,
}

/// dive's key binding names and plummet's actions for them.
const KEY_NAMES: &[(&str, &str)] = &[
    ("quit", "quit"),
    ("toggle-view", "next_pane"),
    ("filter-files", "search"),
    ("close-filter-files", "clear_search"),
    ("up", "up"),
    ("down", "down"),
    ("left", "left"),
    ("right", "right"),
    ("page-up", "page_up"),
    ("page-down", "page_down"),
    ("compare-layer", "toggle_aggregated"),
    ("toggle-collapse-dir", "toggle"),
    ("toggle-collapse-all-dir", "toggle_all"),
    ("toggle-sort-order", "sort"),
    ("toggle-filetree-attributes", "toggle_attributes"),
    ("toggle-added-files", "filter_added"),
    ("toggle-removed-files", "filter_removed"),
    ("toggle-modified-files", "filter_modified"),
    ("toggle-unmodified-files", "filter_unchanged"),
];

/// dive bindings plummet has no action for; accepted with a warning.
const KEYS_NOT_COPIED: &[(&str, &str)] = &[
    (
        "compare-all",
        "plummet's one key for both tree modes is compare-layer's",
    ),
    ("toggle-wrap-tree", "plummet's tree never wraps"),
    ("extract-file", "plummet does not extract files"),
];

impl DiveConfig {
    /// Finds and reads dive's config: `explicit` (from `--config` with a `.yaml`/`.yml` name),
    /// else `DIVE_CONFIG` (`-` or empty: none), else dive's default places. Then dive's
    /// environment variables on top.
    pub fn discover(explicit: Option<&Path>) -> Result<DiveConfig, ConfigError> {
        let env = |name: &str| std::env::var(name).ok();
        let path = match explicit {
            Some(p) => Some(p.to_path_buf()),
            None => match env("DIVE_CONFIG") {
                Some(p) if p.is_empty() || p == "-" => None,
                Some(p) => Some(PathBuf::from(p)),
                None => default_file(&env),
            },
        };
        let mut config = match &path {
            Some(p) => {
                let text = std::fs::read_to_string(p).map_err(|e| ConfigError::File {
                    path: p.display().to_string(),
                    message: format!("cannot read dive's config: {e}"),
                })?;
                DiveConfig::parse(&text).map_err(|message| ConfigError::File {
                    path: p.display().to_string(),
                    message,
                })?
            }
            None => DiveConfig::new(),
        };
        config.path = path;
        config.apply_env(&env).map_err(ConfigError::Invalid)?;
        Ok(config)
    }

    fn new() -> DiveConfig {
        DiveConfig {
            show_attributes: true,
            ..DiveConfig::default()
        }
    }

    /// Reads the text of a dive config file.
    pub fn parse(text: &str) -> Result<DiveConfig, String> {
        let mut config = DiveConfig::new();
        let root: Value = serde_yaml_ng::from_str(text)
            .map_err(|e| format!("not YAML dive can read: {}", one_line(&e.to_string())))?;
        let root = match root {
            Value::Null => return Ok(config),
            Value::Mapping(m) => m,
            _ => return Err("expected a map of settings at the top".into()),
        };
        for (key, value) in &root {
            let name = key.as_str().unwrap_or_default();
            match name {
                "keybinding" => config.keybindings(map(value, name)?)?,
                "rules" => config.rules(map(value, name)?)?,
                "ci" => config.ci = boolean(value, name)?,
                "ci-config" => config.ci_config = Some(PathBuf::from(string(value, name)?)),
                "json-path" => {
                    let p = string(value, name)?;
                    config.json_path = (!p.is_empty()).then(|| PathBuf::from(p));
                }
                "source" | "container-engine" => {
                    let s = string(value, name)?;
                    // `source` wins over the older `container-engine`, as in dive.
                    if name == "source" || config.source.is_none() {
                        config.source = Some(source(&s, name)?);
                    }
                }
                "ignore-errors" => {
                    if boolean(value, name)? {
                        config.warnings.push(
                            "ignore-errors: plummet never skips an unreadable layer; ignored"
                                .into(),
                        );
                    }
                }
                "diff" => {
                    for (k, v) in map(value, name)? {
                        match k.as_str() {
                            Some("hide") => config.hide = hide(v)?,
                            _ => return Err(unknown(k, "diff", "hide")),
                        }
                    }
                }
                "layer" => {
                    for (k, v) in map(value, name)? {
                        match k.as_str() {
                            Some("show-aggregated-changes") => {
                                if boolean(v, "layer.show-aggregated-changes")? {
                                    config.warnings.push("layer.show-aggregated-changes: plummet marks each layer's changes against the layer below; ignored".into());
                                }
                            }
                            _ => return Err(unknown(k, "layer", "show-aggregated-changes")),
                        }
                    }
                }
                "filetree" => config.filetree(map(value, name)?)?,
                // dive's logging and developer switches: plummet logs through PLUMMET_LOG.
                "log" | "dev" | "check-for-app-update" | "quiet" | "verbosity" => {}
                _ => {
                    return Err(unknown(
                        key,
                        "dive's config",
                        "keybinding, diff, layer, filetree, source, container-engine, ignore-errors, ci, ci-config, json-path, rules, log",
                    ));
                }
            }
        }
        Ok(config)
    }

    fn keybindings(&mut self, keys: &Mapping) -> Result<(), String> {
        for (k, v) in keys {
            let name = k.as_str().unwrap_or_default();
            let keys = string(v, &format!("keybinding.{name}"))?;
            if let Some((_, action)) = KEY_NAMES.iter().find(|(n, _)| *n == name) {
                self.keys.insert((*action).to_string(), keys);
            } else if let Some((_, why)) = KEYS_NOT_COPIED.iter().find(|(n, _)| *n == name) {
                self.warnings
                    .push(format!("keybinding.{name}: {why}; ignored"));
            } else {
                let names: Vec<&str> = KEY_NAMES.iter().map(|(n, _)| *n).collect();
                return Err(unknown(k, "keybinding", &names.join(", ")));
            }
        }
        Ok(())
    }

    fn rules(&mut self, rules: &Mapping) -> Result<(), String> {
        for (k, v) in rules {
            let name = k.as_str().unwrap_or_default();
            let text = scalar(v).ok_or_else(|| {
                format!("rules.{name}: expected a number, a size or \"disabled\"")
            })?;
            let key = format!("rules.{name}");
            match name {
                "lowest-efficiency" | "lowest-efficiency-threshold" | "lowestEfficiency" => {
                    set_once(&mut self.lowest_efficiency, dive::ratio(&text, &key)?, &key)?;
                }
                "highest-wasted-bytes" | "highestWastedBytes" => {
                    set_once(
                        &mut self.highest_wasted_bytes,
                        dive::bytes(&text, &key)?,
                        &key,
                    )?;
                }
                "highest-user-wasted-percent" | "highestUserWastedPercent" => {
                    let ratio = dive::ratio(&text, &key)?;
                    set_once(&mut self.highest_user_wasted_percent, ratio, &key)?;
                }
                _ => {
                    return Err(unknown(
                        k,
                        "rules",
                        "lowest-efficiency, highest-wasted-bytes, highest-user-wasted-percent",
                    ));
                }
            }
        }
        Ok(())
    }

    fn filetree(&mut self, tree: &Mapping) -> Result<(), String> {
        for (k, v) in tree {
            match k.as_str() {
                Some("collapse-dir") => self.collapse_dir = boolean(v, "filetree.collapse-dir")?,
                Some("show-attributes") => {
                    self.show_attributes = boolean(v, "filetree.show-attributes")?;
                }
                Some("pane-width") => self.warnings.push(
                    "filetree.pane-width: plummet sizes its panes to the terminal; ignored".into(),
                ),
                _ => {
                    return Err(unknown(
                        k,
                        "filetree",
                        "collapse-dir, show-attributes, pane-width",
                    ));
                }
            }
        }
        Ok(())
    }

    fn apply_env(&mut self, env: &dyn Fn(&str) -> Option<String>) -> Result<(), String> {
        if let Some(v) = env("DIVE_CI") {
            self.ci = go_bool(&v).ok_or_else(|| format!("DIVE_CI={v:?}: not a boolean"))?;
        }
        for name in ["DIVE_CONTAINER_ENGINE", "DIVE_SOURCE"] {
            if let Some(v) = env(name).filter(|v| !v.is_empty()) {
                self.source = Some(source(&v, name)?);
            }
        }
        for name in [
            "DIVE_RULES_LOWEST_EFFICIENCY_THRESHOLD",
            "DIVE_RULES_LOWEST_EFFICIENCY",
        ] {
            if let Some(v) = env(name) {
                self.lowest_efficiency = Some(dive::ratio(&v, name)?);
            }
        }
        if let Some(v) = env("DIVE_RULES_HIGHEST_WASTED_BYTES") {
            self.highest_wasted_bytes = Some(dive::bytes(&v, "DIVE_RULES_HIGHEST_WASTED_BYTES")?);
        }
        if let Some(v) = env("DIVE_RULES_HIGHEST_USER_WASTED_PERCENT") {
            self.highest_user_wasted_percent =
                Some(dive::ratio(&v, "DIVE_RULES_HIGHEST_USER_WASTED_PERCENT")?);
        }
        Ok(())
    }

    /// dive's defaults with this config's rules applied: the start that `.dive-ci`, plummet's
    /// config and the flags then override.
    pub fn rule_base(&self) -> RuleSet {
        let mut rules = RuleSet::default();
        if let Some(v) = self.lowest_efficiency {
            rules.lowest_efficiency = v;
        }
        if let Some(v) = self.highest_wasted_bytes {
            rules.highest_wasted_bytes = v;
        }
        if let Some(v) = self.highest_user_wasted_percent {
            rules.highest_user_wasted_percent = v;
        }
        rules
    }
}

/// dive 0.13.1's search: the first YAML file in a `dive` directory under each config home, else
/// `~/.dive.yaml` (only when it exists). dive 0.13.1 looks in `./dive/` when `XDG_CONFIG_HOME`
/// is unset (it joins an empty path); that accident is not copied.
fn default_file(env: &dyn Fn(&str) -> Option<String>) -> Option<PathBuf> {
    let home = env("HOME").filter(|h| !h.is_empty()).map(PathBuf::from);
    let mut dirs: Vec<PathBuf> = Vec::new();
    if let Some(x) = env("XDG_CONFIG_HOME").filter(|x| !x.is_empty()) {
        dirs.push(PathBuf::from(x));
    }
    if let Some(list) = env("XDG_CONFIG_DIRS") {
        dirs.extend(list.split(':').filter(|d| !d.is_empty()).map(PathBuf::from));
    }
    if let Some(h) = &home {
        dirs.push(h.join(".config"));
    }
    for dir in dirs {
        let Ok(entries) = std::fs::read_dir(dir.join("dive")) else {
            continue;
        };
        let mut yaml: Vec<PathBuf> = entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "yaml" || x == "yml"))
            .collect();
        // Go's os.ReadDir sorts by name.
        yaml.sort();
        if let Some(first) = yaml.into_iter().next() {
            return Some(first);
        }
    }
    home.map(|h| h.join(".dive.yaml")).filter(|p| p.is_file())
}

/// Whether `--config FILE` names dive's YAML config rather than plummet's TOML one.
pub fn is_dive_config(path: &Path) -> bool {
    path.extension().is_some_and(|x| x == "yaml" || x == "yml")
}

fn set_once<T: PartialEq + Copy>(slot: &mut Option<T>, value: T, key: &str) -> Result<(), String> {
    match slot {
        Some(old) if *old != value => Err(format!(
            "{key}: given twice with different values (under two of its names)"
        )),
        _ => {
            *slot = Some(value);
            Ok(())
        }
    }
}

fn source(text: &str, key: &str) -> Result<DiveSource, String> {
    match text.trim().to_ascii_lowercase().as_str() {
        "docker" => Ok(DiveSource::Docker),
        "podman" => Ok(DiveSource::Podman),
        "docker-archive" | "docker_archive" | "archive" => Ok(DiveSource::DockerArchive),
        other => Err(format!(
            "{key}: {other:?} is not a source dive knows (docker, podman, docker-archive)"
        )),
    }
}

fn hide(value: &Value) -> Result<Vec<String>, String> {
    let items: Vec<String> = match value {
        Value::Sequence(s) => s.iter().filter_map(scalar).collect(),
        Value::String(s) => s.split(',').map(|x| x.trim().to_string()).collect(),
        Value::Null => Vec::new(),
        _ => {
            return Err(
                "diff.hide: expected a list of added, removed, modified, unmodified".into(),
            );
        }
    };
    for item in &items {
        if !["added", "removed", "modified", "unmodified"].contains(&item.as_str()) {
            return Err(format!(
                "diff.hide: {item:?} is not one of added, removed, modified, unmodified"
            ));
        }
    }
    Ok(items.into_iter().filter(|i| !i.is_empty()).collect())
}

fn map<'a>(value: &'a Value, name: &str) -> Result<&'a Mapping, String> {
    static EMPTY: std::sync::OnceLock<Mapping> = std::sync::OnceLock::new();
    match value {
        Value::Mapping(m) => Ok(m),
        Value::Null => Ok(EMPTY.get_or_init(Mapping::new)),
        _ => Err(format!("{name}: expected a map")),
    }
}

fn string(value: &Value, name: &str) -> Result<String, String> {
    scalar(value).ok_or_else(|| format!("{name}: expected a string"))
}

fn boolean(value: &Value, name: &str) -> Result<bool, String> {
    match value {
        Value::Bool(b) => Ok(*b),
        Value::String(s) => go_bool(s).ok_or_else(|| format!("{name}: {s:?} is not a boolean")),
        _ => Err(format!("{name}: expected true or false")),
    }
}

/// Go's `strconv.ParseBool`, which viper uses for booleans from strings and the environment.
fn go_bool(text: &str) -> Option<bool> {
    match text {
        "1" | "t" | "T" | "true" | "TRUE" | "True" => Some(true),
        "0" | "f" | "F" | "false" | "FALSE" | "False" => Some(false),
        _ => None,
    }
}

fn scalar(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

fn unknown(key: &Value, section: &str, known: &str) -> String {
    let name = key
        .as_str()
        .map_or_else(|| "(not a string)".to_string(), |s| format!("{s:?}"));
    format!("unknown key {name} in {section}: dive would ignore it; known: {known}")
}

fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
#[path = "dive_config_tests.rs"]
mod tests;
