//! `--baseline FILE`: a previous `plummet ci --json` report. A rule that fails now but only on
//! what the baseline already had (the same findings by kind and path, waste that grew no more
//! than the tolerance) is forgiven: the run passes, and every report shows the rule as forgiven
//! with the figure it was measured against.

use std::collections::{BTreeMap, BTreeSet};

use serde::Deserialize;

use super::rules::{RuleResult, RuleSet, RuleStatus, Value};
use crate::analysis::{Analysis, FindingKind};
use crate::image::Image;

/// How much a figure may grow over the baseline's and still count as "not worse".
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Tolerance {
    Bytes(u64),
    /// A ratio of the baseline's figure (`1%` is 0.01).
    Ratio(f64),
}

impl Default for Tolerance {
    /// 1 MB: a rebuild's noise (timestamps in a `.pyc`, a log line), not a forgotten cache.
    fn default() -> Self {
        Tolerance::Bytes(1_000_000)
    }
}

impl Tolerance {
    /// Whether `now` is within the tolerance of `before`.
    pub fn allows(self, before: u64, now: u64) -> bool {
        let slack = match self {
            Tolerance::Bytes(b) => b,
            Tolerance::Ratio(r) => (before as f64 * r) as u64,
        };
        now <= before.saturating_add(slack)
    }

    /// As written on the command line, for messages and the JSON report.
    pub fn describe(self) -> String {
        match self {
            Tolerance::Bytes(b) => format!("{b} bytes"),
            Tolerance::Ratio(r) => format!("{}%", r * 100.0),
        }
    }
}

/// What plummet reads of a previous report.
#[derive(Debug, Clone, PartialEq)]
pub struct Baseline {
    pub reference: String,
    pub tolerance: Tolerance,
    findings: BTreeSet<(String, String)>,
    kind_bytes: BTreeMap<String, u64>,
    wasted_bytes: u64,
    reclaimable_bytes: u64,
    runs_as_root: bool,
    /// Rule name -> measured value, for the rules that count bytes.
    rule_bytes: BTreeMap<String, u64>,
}

#[derive(Deserialize)]
struct Doc {
    image: DocImage,
    findings: Vec<DocFinding>,
    rules: Vec<DocRule>,
}

#[derive(Deserialize)]
struct DocImage {
    reference: String,
    wasted_bytes: u64,
    reclaimable_bytes: u64,
    runs_as_root: bool,
}

#[derive(Deserialize)]
struct DocFinding {
    kind: String,
    path: String,
    bytes: u64,
}

#[derive(Deserialize)]
struct DocRule {
    name: String,
    value: serde_json::Value,
}

impl Baseline {
    /// Reads a report; the error is one line saying what is wrong with it (the caller names the
    /// file). Keys added by later versions are ignored; a missing key is an error.
    pub fn parse(text: &[u8], tolerance: Tolerance) -> Result<Baseline, String> {
        let value: serde_json::Value =
            serde_json::from_slice(text).map_err(|e| format!("baseline is not JSON ({e})"))?;
        let object = value
            .as_object()
            .filter(|o| o.contains_key("plummet_version") && o.contains_key("schema_version"))
            .ok_or(
                "baseline is not a plummet JSON report (no schema_version and plummet_version)",
            )?;
        if let Some(v) = object
            .get("schema_version")
            .and_then(serde_json::Value::as_u64)
        {
            if v != u64::from(super::json::SCHEMA_VERSION) {
                return Err(format!(
                    "baseline has schema_version {v}; this plummet reads schema_version {}",
                    super::json::SCHEMA_VERSION
                ));
            }
        }
        if object.contains_key("findings_added") {
            return Err(
                "baseline is a `plummet diff` report; make one with `plummet ci IMAGE --json FILE`"
                    .into(),
            );
        }
        let doc: Doc = serde_json::from_value(value)
            .map_err(|e| format!("baseline is not a `plummet ci` JSON report ({e})"))?;
        let mut kind_bytes = BTreeMap::new();
        for f in &doc.findings {
            *kind_bytes.entry(f.kind.clone()).or_insert(0) += f.bytes;
        }
        Ok(Baseline {
            reference: doc.image.reference,
            tolerance,
            findings: doc.findings.into_iter().map(|f| (f.kind, f.path)).collect(),
            kind_bytes,
            wasted_bytes: doc.image.wasted_bytes,
            reclaimable_bytes: doc.image.reclaimable_bytes,
            runs_as_root: doc.image.runs_as_root,
            rule_bytes: doc
                .rules
                .into_iter()
                .filter_map(|r| r.value.as_u64().map(|v| (r.name, v)))
                .collect(),
        })
    }

    /// Whether the baseline had a finding of this kind at this path (as its JSON report
    /// writes them): what `--baseline` counts as not new.
    pub fn has_finding(&self, kind: FindingKind, path: &str) -> bool {
        self.findings
            .contains(&(kind.name().to_string(), path.to_string()))
    }

    /// A byte figure of a rule in the baseline: its own measured value when the baseline ran it,
    /// else `fallback`.
    fn rule_value(&self, name: &str, fallback: Option<u64>) -> Option<u64> {
        self.rule_bytes.get(name).copied().or(fallback)
    }
}

/// Why a failed rule is not worse than the baseline, or `None` when it is.
fn excuse(
    rule: &RuleResult,
    image: &Image,
    a: &Analysis,
    rules: &RuleSet,
    base: &Baseline,
) -> Option<String> {
    let tol = base.tolerance;
    let grown = |before: u64, now: u64, what: &str| {
        tol.allows(before, now).then(|| {
            format!(
                "{what} {now}, baseline {before} (tolerance {})",
                tol.describe()
            )
        })
    };
    let new_findings = |kind: FindingKind| {
        a.findings_of(kind)
            .filter(|f| !rules.user_layers_only || f.layer.is_none_or(|l| a.is_user_layer(l)))
            .filter(|f| {
                let key = (kind.name().to_string(), image.tree.paths.display(f.node));
                !base.findings.contains(&key)
            })
            .count()
    };
    let bytes = match rule.value {
        Value::Bytes(b) => b,
        _ => 0,
    };
    match rule.name.as_str() {
        "lowestEfficiency" | "highestWastedBytes" | "highestUserWastedPercent" => {
            grown(base.wasted_bytes, a.wasted_bytes, "wasted bytes")
        }
        "maxReclaimableBytes" => grown(
            base.rule_value(&rule.name, Some(base.reclaimable_bytes))?,
            bytes,
            "reclaimable bytes",
        ),
        "noSecrets" => (new_findings(FindingKind::Secret) == 0)
            .then(|| "every secret is in the baseline".to_string()),
        "nonRootUser" => base
            .runs_as_root
            .then(|| "the baseline runs as root too".to_string()),
        name => {
            if let Some(kind) = name.strip_prefix("maxKindBytes:") {
                let kind = FindingKind::from_name(kind)?;
                if new_findings(kind) > 0 {
                    return None;
                }
                let before = base.rule_value(name, base.kind_bytes.get(kind.name()).copied())?;
                grown(before, bytes, &format!("{} bytes", kind.name()))
                    .map(|m| format!("no new {} findings; {m}", kind.name()))
            } else if name.starts_with("maxPathBytes:") {
                grown(base.rule_value(name, None)?, bytes, "visible bytes")
            } else {
                None
            }
        }
    }
}

/// Forgives each failed rule that is not worse than the baseline; returns how many.
pub fn forgive(
    results: &mut [RuleResult],
    image: &Image,
    a: &Analysis,
    rules: &RuleSet,
    base: &Baseline,
) -> usize {
    let mut count = 0;
    for rule in results.iter_mut().filter(|r| r.status == RuleStatus::Fail) {
        if let Some(why) = excuse(rule, image, a, rules, base) {
            rule.status = RuleStatus::Forgiven;
            rule.message = format!("{}; forgiven by the baseline: {why}", rule.message);
            count += 1;
        }
    }
    count
}

#[cfg(test)]
#[path = "baseline_tests.rs"]
mod tests;
