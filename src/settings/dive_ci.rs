//! dive's `.dive-ci` rules file, read with a real YAML parser in every form dive 0.13 reads.
//!
//! dive decodes the file with yaml.v3 into `rules: {lowestEfficiency, highestWastedBytes,
//! highestUserWastedPercent}` as strings, on top of its defaults, and silently ignores every other key.
//! plummet reads the same forms (block or inline maps, quoted or plain scalars) but refuses a key dive
//! would ignore, since a misspelt rule that is silently skipped is a gate that never closes. dive's own
//! `plugins:` section and `plugin/rule` keys are accepted with a warning: dive reads them, without effect.

use std::path::Path;

use serde_yaml_ng::Value;

use super::{ConfigError, RuleSet, dive};

const RULE_KEYS: &str = "lowestEfficiency, highestWastedBytes, highestUserWastedPercent";

/// Applies the rules in a `.dive-ci` file on top of `rules`; returns warnings for what has no effect.
pub fn apply(content: &str, path: &Path, rules: &mut RuleSet) -> Result<Vec<String>, ConfigError> {
    let err = |message: String| ConfigError::File {
        path: path.display().to_string(),
        message,
    };
    let doc: Value = serde_yaml_ng::from_str(content).map_err(|e| {
        err(format!(
            "not valid YAML: {}",
            super::one_line(&e.to_string())
        ))
    })?;
    let mut warnings = Vec::new();
    let top = match doc {
        // An empty file (or only comments) is dive's defaults.
        Value::Null => return Ok(warnings),
        Value::Mapping(m) => m,
        other => {
            return Err(err(format!(
                "expected a map with a `rules:` section, found {}",
                kind(&other)
            )));
        }
    };
    for (key, value) in top {
        // dive 0.13 reads the file through viper, whose keys are case-insensitive.
        match key.as_str().map(str::to_ascii_lowercase).as_deref() {
            Some("rules") => apply_rules(value, rules, &mut warnings).map_err(err)?,
            Some("plugins") => warnings.push(format!(
                "{}: `plugins:` is ignored (dive 0.13 has no plugins either)",
                path.display()
            )),
            _ => {
                return Err(err(format!(
                    "unknown section {}: .dive-ci has only `rules:` ({RULE_KEYS})",
                    show_key(&key)
                )));
            }
        }
    }
    Ok(warnings)
}

fn apply_rules(
    value: Value,
    rules: &mut RuleSet,
    warnings: &mut Vec<String>,
) -> Result<(), String> {
    let map = match value {
        Value::Null => return Ok(()),
        Value::Mapping(m) => m,
        other => return Err(format!("`rules:` must be a map, found {}", kind(&other))),
    };
    for (key, value) in map {
        let name = key.as_str().unwrap_or_default();
        if name.contains('/') {
            warnings.push(format!(
                "rule {name:?} is a plugin rule: ignored, as dive 0.13 does"
            ));
            continue;
        }
        let Some(text) = scalar(&value) else {
            if value.is_null() {
                // yaml.v3 leaves the string as it was, so dive keeps its default: say so.
                warnings.push(format!("rule {name} has no value: the default applies"));
                continue;
            }
            return Err(format!(
                "{name}: expected a number, a size or \"disabled\", found {}",
                kind(&value)
            ));
        };
        match name.to_ascii_lowercase().as_str() {
            "lowestefficiency" => rules.lowest_efficiency = dive::ratio(&text, name)?,
            "highestwastedbytes" => rules.highest_wasted_bytes = dive::bytes(&text, name)?,
            "highestuserwastedpercent" => {
                rules.highest_user_wasted_percent = dive::ratio(&text, name)?;
            }
            _ => return Err(unknown_rule(&key)),
        }
    }
    Ok(())
}

/// The scalar's text as yaml.v3 hands it to a Go string field.
fn scalar(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

fn unknown_rule(key: &Value) -> String {
    let name = key.as_str().unwrap_or_default();
    let advice = match name {
        "lowest-efficiency" | "lowest-efficiency-threshold" => {
            " (kebab-case is for dive's own config file; in .dive-ci write lowestEfficiency)"
        }
        "highest-wasted-bytes" => {
            " (kebab-case is for dive's own config file; in .dive-ci write highestWastedBytes)"
        }
        "highest-user-wasted-percent" => {
            " (kebab-case is for dive's own config file; in .dive-ci write highestUserWastedPercent)"
        }
        _ => "",
    };
    format!(
        "unknown rule {}{advice}: dive would ignore it; its rules are {RULE_KEYS}",
        show_key(key)
    )
}

fn show_key(key: &Value) -> String {
    match key.as_str() {
        Some(s) => format!("{s:?}"),
        None => format!("({})", kind(key)),
    }
}

fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "nothing",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Sequence(_) => "a list",
        Value::Mapping(_) => "a map",
        Value::Tagged(_) => "a tagged value",
    }
}

#[cfg(test)]
#[path = "dive_ci_tests.rs"]
mod tests;
