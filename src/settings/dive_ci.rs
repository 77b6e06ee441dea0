//! dive's `.dive-ci` rules file: a small YAML subset (`rules:` then `key: value` lines).

use std::path::Path;

use super::{ConfigError, RuleSet, Threshold, bytes, ratio};

/// Applies the rules in a `.dive-ci` file on top of `rules`.
pub fn apply(content: &str, path: &Path, rules: &mut RuleSet) -> Result<(), ConfigError> {
    let err = |line: usize, message: String| ConfigError::File {
        path: format!("{}:{line}", path.display()),
        message,
    };
    let mut in_rules = false;
    for (i, raw) in content.lines().enumerate() {
        let line_no = i + 1;
        let line = raw.split('#').next().unwrap_or("").trim_end();
        if line.trim().is_empty() || line.trim() == "---" {
            continue;
        }
        let indented = line.starts_with([' ', '\t']);
        let (key, value) = line.trim().split_once(':').ok_or_else(|| {
            err(
                line_no,
                format!("expected `key: value`, found {:?}", line.trim()),
            )
        })?;
        let value = value.trim().trim_matches(|c| c == '"' || c == '\'');
        if !indented {
            in_rules = key == "rules";
            if !in_rules {
                return Err(err(
                    line_no,
                    format!("unknown section {key:?}: .dive-ci has only `rules:`"),
                ));
            }
            continue;
        }
        if !in_rules {
            return Err(err(line_no, "rule outside the `rules:` section".into()));
        }
        let t = Threshold::Text(value.to_string());
        let wrap = |e: ConfigError| err(line_no, e.to_string());
        match key.trim() {
            "lowestEfficiency" => rules.lowest_efficiency = ratio(&t, key).map_err(wrap)?,
            "highestWastedBytes" => rules.highest_wasted_bytes = bytes(&t, key).map_err(wrap)?,
            "highestUserWastedPercent" => {
                rules.highest_user_wasted_percent = ratio(&t, key).map_err(wrap)?;
            }
            other => {
                return Err(err(
                    line_no,
                    format!(
                        "unknown rule {other:?}: dive's rules are lowestEfficiency, highestWastedBytes, highestUserWastedPercent"
                    ),
                ));
            }
        }
    }
    Ok(())
}
