//! CI rules as pure functions of an analysis: each gives a status, the measured value and the
//! threshold.

use std::collections::BTreeMap;

use crate::analysis::{Analysis, FindingKind};

/// The CI rules of one image, as `settings` builds them; a threshold of `None` means disabled.
#[derive(Debug, Clone, PartialEq)]
pub struct RuleSet {
    pub lowest_efficiency: Option<f64>,
    pub highest_wasted_bytes: Option<u64>,
    pub highest_user_wasted_percent: Option<f64>,
    pub max_reclaimable_bytes: Option<u64>,
    pub no_secrets: bool,
    pub non_root: bool,
    pub max_kind_bytes: BTreeMap<FindingKind, u64>,
    /// Findings-based rules and maxReclaimableBytes count the user's layers only.
    pub user_layers_only: bool,
    /// Path -> budget for the bytes visible under it (`[rules.max_path_bytes]`).
    pub max_path_bytes: BTreeMap<String, u64>,
}

impl Default for RuleSet {
    /// dive's defaults.
    fn default() -> Self {
        RuleSet {
            lowest_efficiency: Some(0.9),
            highest_wasted_bytes: None,
            highest_user_wasted_percent: Some(0.1),
            max_reclaimable_bytes: None,
            no_secrets: false,
            non_root: false,
            max_kind_bytes: BTreeMap::new(),
            user_layers_only: false,
            max_path_bytes: BTreeMap::new(),
        }
    }
}

impl RuleSet {
    /// No rule enabled: a report only (dive's `--json` without `--ci`).
    pub fn none() -> RuleSet {
        RuleSet {
            lowest_efficiency: None,
            highest_wasted_bytes: None,
            highest_user_wasted_percent: None,
            ..RuleSet::default()
        }
    }
}

/// The outcome of one rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RuleStatus {
    Pass,
    Fail,
    /// Disabled in the configuration.
    Skip,
    /// Failed, but on nothing new or worse than `--baseline` had: does not fail the run.
    Forgiven,
}

impl RuleStatus {
    pub fn name(self) -> &'static str {
        match self {
            RuleStatus::Pass => "pass",
            RuleStatus::Fail => "fail",
            RuleStatus::Skip => "skip",
            RuleStatus::Forgiven => "forgiven",
        }
    }
}

/// A number as measured or configured: ratios stay ratios, byte counts stay integers.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Value {
    Ratio(f64),
    Bytes(u64),
    Count(u64),
}

/// One evaluated rule.
#[derive(Debug, Clone, PartialEq)]
pub struct RuleResult {
    pub name: String,
    pub status: RuleStatus,
    pub value: Value,
    /// `None` when the rule is disabled.
    pub threshold: Option<Value>,
    /// One line saying what was measured against what.
    pub message: String,
}

fn result(
    name: &str,
    failed: bool,
    value: Value,
    threshold: Option<Value>,
    message: String,
) -> RuleResult {
    RuleResult {
        name: name.to_string(),
        status: match threshold {
            None => RuleStatus::Skip,
            Some(_) if failed => RuleStatus::Fail,
            Some(_) => RuleStatus::Pass,
        },
        value,
        threshold,
        message,
    }
}

/// Evaluates every rule: dive's three first, then plummet's.
pub fn evaluate(a: &Analysis, rules: &RuleSet) -> Vec<RuleResult> {
    // With `user_layers_only`, what the base image brought is the base's business.
    let counted = |f: &&crate::analysis::Finding| {
        !rules.user_layers_only || f.layer.is_none_or(|l| a.is_user_layer(l))
    };
    let reclaimable = if rules.user_layers_only {
        a.layers
            .iter()
            .filter(|l| !l.base)
            .map(|l| l.changes.reclaimable_bytes)
            .sum()
    } else {
        a.reclaimable_bytes
    };
    let mut out = vec![
        result(
            "lowestEfficiency",
            rules.lowest_efficiency.is_some_and(|t| a.efficiency < t),
            Value::Ratio(a.efficiency),
            rules.lowest_efficiency.map(Value::Ratio),
            format!("efficiency {:.4}", a.efficiency),
        ),
        result(
            "highestWastedBytes",
            rules
                .highest_wasted_bytes
                .is_some_and(|t| a.wasted_bytes > t),
            Value::Bytes(a.wasted_bytes),
            rules.highest_wasted_bytes.map(Value::Bytes),
            format!("{} wasted bytes", a.wasted_bytes),
        ),
        result(
            "highestUserWastedPercent",
            rules
                .highest_user_wasted_percent
                .is_some_and(|t| a.user_wasted_ratio > t),
            Value::Ratio(a.user_wasted_ratio),
            rules.highest_user_wasted_percent.map(Value::Ratio),
            format!("wasted / user size {:.4}", a.user_wasted_ratio),
        ),
        result(
            "maxReclaimableBytes",
            rules.max_reclaimable_bytes.is_some_and(|t| reclaimable > t),
            Value::Bytes(reclaimable),
            rules.max_reclaimable_bytes.map(Value::Bytes),
            format!("{reclaimable} reclaimable bytes"),
        ),
    ];
    let secrets = a.findings_of(FindingKind::Secret).filter(counted).count() as u64;
    out.push(result(
        "noSecrets",
        secrets > 0,
        Value::Count(secrets),
        rules.no_secrets.then_some(Value::Count(0)),
        format!("{secrets} secrets"),
    ));
    out.push(result(
        "nonRootUser",
        a.runs_as_root,
        Value::Count(u64::from(a.runs_as_root)),
        rules.non_root.then_some(Value::Count(0)),
        if a.runs_as_root {
            "runs as root".to_string()
        } else {
            format!("runs as {:?}", a.config.user)
        },
    ));
    for (kind, limit) in &rules.max_kind_bytes {
        let bytes: u64 = a.findings_of(*kind).filter(counted).map(|f| f.bytes).sum();
        let count = a.findings_of(*kind).filter(counted).count();
        // A zero limit forbids the kind outright, even findings of zero bytes.
        let failed = if *limit == 0 {
            count > 0
        } else {
            bytes > *limit
        };
        out.push(result(
            &format!("maxKindBytes:{}", kind.name()),
            failed,
            Value::Bytes(bytes),
            Some(Value::Bytes(*limit)),
            format!("{count} {} findings, {bytes} bytes", kind.name()),
        ));
    }
    out
}

/// Whether every enabled rule passed.
pub fn passed(results: &[RuleResult]) -> bool {
    results.iter().all(|r| r.status != RuleStatus::Fail)
}

/// How many rules failed, and how many were enabled (not skipped).
pub fn tally(results: &[RuleResult]) -> (usize, usize) {
    let count = |pred: fn(&RuleResult) -> bool| results.iter().filter(|r| pred(r)).count();
    (
        count(|r| r.status == RuleStatus::Fail),
        count(|r| r.status != RuleStatus::Skip),
    )
}
