//! The rules as a JUnit XML report, as GitLab (`artifacts:reports:junit`) and Jenkins read it:
//! `testsuites/testsuite/testcase`, one test case per rule, a `failure` for a failed rule and
//! `skipped` for a disabled one. Shared by `plummet ci` and `plummet diff`. The suite's
//! `properties` say what `[ignore]` left out and what the `--baseline` forgave, so a passing
//! suite is never mistaken for a clean image.

use std::fmt::Write as _;

use super::baseline::Baseline;
use super::format;
use super::rules::{RuleResult, RuleStatus, tally};
use crate::analysis::Ignored;
use crate::escape;

/// A suite's `<property name value>` pairs, in order.
pub type Properties = Vec<(String, String)>;

/// What `[ignore]` left out, as `plummet.ignored{prefix}.*` properties; none when nothing is
/// configured. `prefix` tells the images of a diff apart (`.a`, `.b`).
pub fn ignored_properties(prefix: &str, i: &Ignored, out: &mut Properties) {
    if !i.is_active() {
        return;
    }
    let mut add = |key: &str, value: String| {
        out.push((format!("plummet.ignored{prefix}.{key}"), value));
    };
    add("paths", escape::text(&i.patterns.join(", ")).into_owned());
    add("findings", i.findings.to_string());
    add("findingBytes", i.finding_bytes.to_string());
    add("figures", i.figures.to_string());
    if i.figures {
        add("wastedPaths", i.wasted_paths.to_string());
        add("wastedBytes", i.wasted_bytes.to_string());
        add("reclaimableBytes", i.reclaimable_bytes.to_string());
    }
}

/// The `--baseline` the rules were judged against and the rules it forgave, as
/// `plummet.baseline.*` properties.
pub fn baseline_properties(b: &Baseline, results: &[RuleResult], out: &mut Properties) {
    let forgiven: Vec<&str> = results
        .iter()
        .filter(|r| r.status == RuleStatus::Forgiven)
        .map(|r| r.name.as_str())
        .collect();
    out.extend([
        (
            "plummet.baseline.reference".to_string(),
            escape::text(&b.reference).into_owned(),
        ),
        ("plummet.baseline.tolerance".into(), b.tolerance.describe()),
        (
            "plummet.baseline.forgiven".into(),
            forgiven.len().to_string(),
        ),
        ("plummet.baseline.forgivenRules".into(), forgiven.join(", ")),
    ]);
}

/// The report for one suite of rules; `suite` names it (`plummet ci`, `plummet diff`),
/// `subject` says what was checked (the image reference, or `A -> B`) and `properties` go in
/// the suite's `<properties>` (left out when empty, as JUnit's schema wants at least one).
pub fn render(
    suite: &str,
    subject: &str,
    results: &[RuleResult],
    properties: &[(String, String)],
) -> String {
    let (failed, _) = tally(results);
    let skipped = results
        .iter()
        .filter(|r| r.status == RuleStatus::Skip)
        .count();
    let name = format!("{suite} {}", escape::text(subject));
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    // Writing to a String cannot fail.
    // `skipped` is the suite's alone: the schema Jenkins reads (junit-10.xsd) allows no such
    // attribute on `testsuites`.
    let _ = writeln!(
        out,
        "<testsuites name=\"plummet\" tests=\"{n}\" failures=\"{failed}\" errors=\"0\">",
        n = results.len()
    );
    let _ = writeln!(
        out,
        "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{failed}\" errors=\"0\" skipped=\"{skipped}\">",
        xml(&name),
        results.len()
    );
    if !properties.is_empty() {
        out.push_str("    <properties>\n");
        for (name, value) in properties {
            let _ = writeln!(
                out,
                "      <property name=\"{}\" value=\"{}\"/>",
                xml(name),
                xml(value)
            );
        }
        out.push_str("    </properties>\n");
    }
    let class = xml(&suite.replace(' ', "."));
    for r in results {
        let _ = write!(
            out,
            "    <testcase name=\"{}\" classname=\"{class}\"",
            xml(&r.name)
        );
        let (measured, threshold) = format::rule_values(r.value, r.threshold);
        let threshold = if r.threshold.is_some() {
            threshold
        } else {
            "none".into()
        };
        let detail = format!(
            "{}: {} (measured {measured}, threshold {threshold})",
            r.name,
            escape::text(&r.message),
        );
        match r.status {
            RuleStatus::Pass => out.push_str("/>\n"),
            RuleStatus::Fail => {
                let _ = writeln!(
                    out,
                    ">\n      <failure message=\"{}\" type=\"{}\">{}</failure>\n    </testcase>",
                    xml(&escape::text(&r.message)),
                    xml(&r.name),
                    xml(&detail)
                );
            }
            RuleStatus::Skip => {
                let _ = writeln!(
                    out,
                    ">\n      <skipped message=\"rule disabled in the configuration\"/>\n    </testcase>"
                );
            }
            // Passes (the baseline had it already) and says so where CI shows a test's output.
            RuleStatus::Forgiven => {
                let _ = writeln!(
                    out,
                    ">\n      <system-out>{}</system-out>\n    </testcase>",
                    xml(&detail)
                );
            }
        }
    }
    out.push_str("  </testsuite>\n</testsuites>\n");
    out
}

/// `s` as XML 1.0 text or attribute content: the five markup characters as entities, and each
/// character XML 1.0 forbids even as a character reference (most C0 controls, U+FFFE, U+FFFF)
/// shown as a visible `\u{..}` escape, since a parser would reject the whole file for one.
pub fn xml(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // Tabs and newlines are allowed, but an attribute value would fold them to spaces.
            '\t' | '\n' | '\r' => {
                let _ = write!(out, "&#{};", u32::from(c));
            }
            c if allowed(c) => out.push(c),
            c => {
                let _ = write!(out, "\\u{{{:x}}}", u32::from(c));
            }
        }
    }
    out
}

/// XML 1.0's `Char` production (surrogates cannot occur in a Rust string).
fn allowed(c: char) -> bool {
    matches!(c, '\u{20}'..='\u{fffd}' | '\u{10000}'..) || matches!(c, '\t' | '\n' | '\r')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn properties_open_the_suite_escaped_and_only_when_there_are_some() {
        let plain = render("plummet ci", "img", &[], &[]);
        assert!(!plain.contains("properties"), "{plain}");
        let mut props = Properties::new();
        ignored_properties("", &Ignored::default(), &mut props);
        assert!(props.is_empty(), "nothing configured, nothing said");
        let ignored = Ignored {
            patterns: vec!["/a\u{1b}[31m\"<b>/**".into()],
            findings: 2,
            finding_bytes: 300,
            ..Ignored::default()
        };
        ignored_properties(".b", &ignored, &mut props);
        let names: Vec<&str> = props.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(
            names,
            [
                "plummet.ignored.b.paths",
                "plummet.ignored.b.findings",
                "plummet.ignored.b.findingBytes",
                "plummet.ignored.b.figures"
            ]
        );
        let xml = render("plummet diff", "a -> b", &[], &props);
        let suite = xml.find("<testsuite ").unwrap();
        let open = xml.find("<properties>").unwrap();
        assert!(
            suite < open && open < xml.find("</testsuite>").unwrap(),
            "{xml}"
        );
        assert!(
            xml.contains(
                "<property name=\"plummet.ignored.b.paths\" value=\"/a\\x1b[31m&quot;&lt;b&gt;/**\"/>"
            ),
            "{xml}"
        );
    }

    #[test]
    fn xml_escapes_markup_and_replaces_forbidden_controls() {
        assert_eq!(
            xml("a<b>&\"'\u{1}\u{1b}[31m\u{fffe}\tz"),
            "a&lt;b&gt;&amp;&quot;&apos;\\u{1}\\u{1b}[31m\\u{fffe}&#9;z"
        );
    }
}
