//! CI rules on a comparison: growth, efficiency drop, new findings. Pure functions of the
//! [`Comparison`], like `report::rules` for one image.

use std::collections::BTreeSet;

use super::Comparison;
use crate::analysis::FindingKind;
use crate::report::rules::{RuleResult, RuleStatus, Value};

/// How much B may grow over A.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Growth {
    Bytes(u64),
    /// A ratio of A's size (`5%` is 0.05).
    Ratio(f64),
}

/// The rules of `plummet diff`; all disabled by default. Built from the flags by
/// `settings::diff_rules`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DiffRules {
    pub max_growth: Option<Growth>,
    pub no_efficiency_drop: bool,
    /// Kinds whose new findings fail the run; empty means the rule is off.
    pub no_new_findings: BTreeSet<FindingKind>,
}

fn result(
    name: &str,
    status: RuleStatus,
    value: Value,
    threshold: Option<Value>,
    message: String,
) -> RuleResult {
    RuleResult {
        name: name.to_string(),
        status,
        value,
        threshold,
        message,
    }
}

fn status(enabled: bool, failed: bool) -> RuleStatus {
    match (enabled, failed) {
        (false, _) => RuleStatus::Skip,
        (true, true) => RuleStatus::Fail,
        (true, false) => RuleStatus::Pass,
    }
}

/// Evaluates the rules: maxGrowth, noEfficiencyDrop, noNewFindings, in that order.
pub fn evaluate(c: &Comparison, rules: &DiffRules) -> Vec<RuleResult> {
    let delta = c.size_delta();
    let growth = u64::try_from(delta).unwrap_or(0);
    let (value, threshold, failed) = match rules.max_growth {
        Some(Growth::Ratio(limit)) => {
            // Growth from nothing is unbounded as a ratio.
            let ratio = c
                .size_ratio()
                .unwrap_or(if delta > 0 { f64::INFINITY } else { 0.0 });
            (
                Value::Ratio(ratio),
                Some(Value::Ratio(limit)),
                ratio > limit,
            )
        }
        Some(Growth::Bytes(limit)) => (
            Value::Bytes(growth),
            Some(Value::Bytes(limit)),
            growth > limit,
        ),
        None => (Value::Bytes(growth), None, false),
    };
    let mut out = vec![result(
        "maxGrowth",
        status(threshold.is_some(), failed),
        value,
        threshold,
        format!("size changed by {delta} bytes"),
    )];
    // Efficiencies are ratios computed the same way on both sides; a tiny tolerance keeps float
    // noise from failing a run on identical images.
    let drop = c.a.efficiency - c.b.efficiency;
    out.push(result(
        "noEfficiencyDrop",
        status(rules.no_efficiency_drop, drop > 1e-9),
        Value::Ratio(c.b.efficiency),
        rules
            .no_efficiency_drop
            .then_some(Value::Ratio(c.a.efficiency)),
        format!("efficiency {:.4} -> {:.4}", c.a.efficiency, c.b.efficiency),
    ));
    let new: Vec<_> = c
        .findings_added
        .iter()
        .filter(|f| rules.no_new_findings.contains(&f.kind))
        .collect();
    let kinds: BTreeSet<&str> = new.iter().map(|f| f.kind.name()).collect();
    out.push(result(
        "noNewFindings",
        status(!rules.no_new_findings.is_empty(), !new.is_empty()),
        Value::Count(new.len() as u64),
        (!rules.no_new_findings.is_empty()).then_some(Value::Count(0)),
        if new.is_empty() {
            "no new findings of the watched kinds".to_string()
        } else {
            format!(
                "{} new findings ({})",
                new.len(),
                kinds.into_iter().collect::<Vec<_>>().join(", ")
            )
        },
    ));
    out
}
