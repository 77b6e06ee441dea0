//! The line every readable report gives `[ignore]`: which globs, and how many findings, paths
//! and bytes they took out, so a quiet report is never mistaken for a clean image.

use super::format::size;
use crate::analysis::Ignored;

/// One sentence, or `None` when nothing is configured. The globs are the user's own config, but
/// are escaped all the same by the caller's escaping of the whole line.
pub fn summary(i: &Ignored) -> Option<String> {
    if !i.is_active() {
        return None;
    }
    let plural = |n: u64, one: &str, many: &str| {
        if n == 1 {
            format!("{n} {one}")
        } else {
            format!("{n} {many}")
        }
    };
    let mut line = format!(
        "{} ({}): {} ({}) left out",
        plural(i.patterns.len() as u64, "glob", "globs"),
        i.patterns.join(", "),
        plural(i.findings, "finding", "findings"),
        size(i.finding_bytes)
    );
    if i.figures {
        line.push_str(&format!(
            "; figures without {} ({} wasted, {} reclaimable)",
            plural(i.wasted_paths, "wasted path", "wasted paths"),
            size(i.wasted_bytes),
            size(i.reclaimable_bytes)
        ));
    }
    Some(line)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn says_nothing_without_globs_and_everything_with_them() {
        assert_eq!(summary(&Ignored::default()), None);
        let mut i = Ignored {
            patterns: vec!["/usr/share/**".into()],
            findings: 2,
            finding_bytes: 2048,
            ..Ignored::default()
        };
        let line = summary(&i).unwrap();
        assert!(
            line.starts_with("1 glob (/usr/share/**): 2 findings ("),
            "{line}"
        );
        assert!(!line.contains("figures"));
        i.figures = true;
        i.wasted_paths = 1;
        assert!(
            summary(&i)
                .unwrap()
                .contains("figures without 1 wasted path (")
        );
    }
}
