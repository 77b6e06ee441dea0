//! Per-path budgets (`[rules.max_path_bytes]`): one rule per configured path, failing when the
//! bytes visible under it in the final filesystem exceed its budget. A rule of the same shape as
//! the others, so every format shows it beside them.

use std::collections::BTreeMap;

use super::rules::{RuleResult, RuleStatus, Value};
use crate::analysis::Analysis;
use crate::tree::{NodeId, Tree};

/// Bytes of the file-like entries visible at `node` and below it in the final filesystem,
/// counted as the file tree counts a directory's size.
pub fn visible_bytes(tree: &Tree, a: &Analysis, node: NodeId) -> u64 {
    let size = |n: NodeId| match a.final_state.get(n as usize).copied().flatten() {
        Some(v) => {
            let e = tree.entry_at(n, v);
            if e.kind.is_file_like() { e.size } else { 0 }
        }
        None => 0,
    };
    if a.final_state
        .get(node as usize)
        .copied()
        .flatten()
        .is_none()
    {
        return 0;
    }
    size(node)
        + tree
            .paths
            .descendants(node)
            .filter(|&n| a.final_state.get(n as usize).copied().flatten().is_some())
            .map(size)
            .sum::<u64>()
}

/// One `maxPathBytes:PATH` rule per budget, in path order. `budgets` keys are normalised
/// absolute paths (`settings` makes them so).
pub fn evaluate(tree: &Tree, a: &Analysis, budgets: &BTreeMap<String, u64>) -> Vec<RuleResult> {
    budgets
        .iter()
        .map(|(path, limit)| {
            let relative = path.trim_start_matches('/');
            let node = tree.paths.find(relative.as_bytes());
            let bytes = node.map_or(0, |n| visible_bytes(tree, a, n));
            let message = match node {
                Some(n) if a.final_state.get(n as usize).copied().flatten().is_some() => {
                    format!("{bytes} bytes visible under {path}")
                }
                _ => format!("{path} is not in the final filesystem"),
            };
            RuleResult {
                name: format!("maxPathBytes:{path}"),
                status: if bytes > *limit {
                    RuleStatus::Fail
                } else {
                    RuleStatus::Pass
                },
                value: Value::Bytes(bytes),
                threshold: Some(Value::Bytes(*limit)),
                message,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::analyze;
    use crate::testutil::{TarBuilder, app_user, image_of};

    fn budgets(items: &[(&str, u64)]) -> BTreeMap<String, u64> {
        items.iter().map(|(p, b)| (p.to_string(), *b)).collect()
    }

    #[test]
    fn a_budget_counts_what_is_visible_under_its_path_at_the_end() {
        let image = image_of(
            vec![
                TarBuilder::new()
                    .file("app/node_modules/a/index.js", 300)
                    .file("app/node_modules/b/big.bin", 700)
                    .file("app/main.js", 5),
                TarBuilder::new().whiteout("app/node_modules/b"),
            ],
            app_user(),
        );
        let a = analyze(&image);
        let results = evaluate(
            &image.tree,
            &a,
            &budgets(&[("/app/node_modules", 299), ("/app", 1000), ("/nope", 0)]),
        );
        let by = |n: &str| results.iter().find(|r| r.name == n).unwrap();
        let nm = by("maxPathBytes:/app/node_modules");
        assert_eq!((nm.status, nm.value), (RuleStatus::Fail, Value::Bytes(300)));
        let app = by("maxPathBytes:/app");
        assert_eq!(
            (app.status, app.value),
            (RuleStatus::Pass, Value::Bytes(305))
        );
        let nope = by("maxPathBytes:/nope");
        assert_eq!(
            (nope.status, nope.value),
            (RuleStatus::Pass, Value::Bytes(0))
        );
        assert!(nope.message.contains("not in the final filesystem"));
        // Deleted paths count nothing, even though their bytes are still in a layer.
        let gone = evaluate(&image.tree, &a, &budgets(&[("/app/node_modules/b", 0)]));
        assert_eq!(gone[0].value, Value::Bytes(0));
    }

    #[test]
    fn a_budget_on_a_file_counts_the_file() {
        let image = image_of(vec![TarBuilder::new().file("opt/blob", 42)], app_user());
        let a = analyze(&image);
        let r = evaluate(&image.tree, &a, &budgets(&[("/opt/blob", 41)]));
        assert_eq!(
            (r[0].status, r[0].value),
            (RuleStatus::Fail, Value::Bytes(42))
        );
    }
}
