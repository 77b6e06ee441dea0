//! The shell every HTML report shares: one self-contained document (inline CSS, inline script,
//! data as JSON inside a `<script type="application/json">`), and the small builders its
//! sections are made of. Nothing is fetched: the file works offline, from a CI artifact.

use std::fmt::Write as _;

use crate::escape;
use crate::report::format::value;
use crate::report::rules::{RuleResult, RuleStatus};

const STYLE: &str = include_str!("page.css");
const SCRIPT: &str = include_str!("page.js");

/// The whole document: `title` (already plain text, escaped here), the body's sections, and the
/// treemap data (`null` for none).
pub fn document(title: &str, body: &str, data: &serde_json::Value) -> String {
    let data = escape::script_json(&data.to_string());
    let mut o = String::with_capacity(body.len() + data.len() + STYLE.len() + SCRIPT.len() + 512);
    // Writing to a String cannot fail; the results are ignored for that reason.
    let _ = write!(
        o,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; \
         style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:\">\n\
         <title>{}</title>\n<style>\n{STYLE}</style>\n</head>\n<body>\n{body}\
         <script type=\"application/json\" id=\"plummet-data\">{data}</script>\n\
         <script>\n{SCRIPT}</script>\n</body>\n</html>\n",
        escape::html(title)
    );
    o
}

/// The treemap's place on the page; the script draws into it.
pub fn treemap_section(title: &str) -> String {
    format!(
        "<section id=\"treemap-section\">\n<h2>{}</h2>\n\
         <p class=\"hint\">Area is size in the final filesystem. Click a directory to zoom in, \
         a crumb to zoom out; hover for details. \
         <span class=\"key finding\"></span> finding \
         <span class=\"key wasted\"></span> wasted (touched by several layers) \
         <span class=\"key base\"></span> base layers \
         <span class=\"key yours\"></span> your layers \
         <span class=\"key other\"></span> smaller files, grouped</p>\n\
         <nav id=\"crumbs\" aria-label=\"zoom\"></nav>\n\
         <div id=\"treemap\"><noscript>The treemap needs JavaScript.</noscript></div>\n\
         <div id=\"tip\" role=\"tooltip\" hidden></div>\n</section>\n",
        escape::html(title)
    )
}

/// A headline figure: `label` over `value`, both plain text.
pub fn figure(label: &str, value: &str) -> String {
    format!(
        "<div class=\"figure\"><div class=\"label\">{}</div><div class=\"value\">{}</div></div>",
        escape::html(label),
        escape::html(value)
    )
}

/// The rules and their verdicts as a table.
pub fn rules_table(rules: &[RuleResult]) -> String {
    let mut o = String::from(
        "<section id=\"rules\">\n<h2>Rules</h2>\n<table>\n<thead><tr><th>rule</th><th>status</th>\
         <th class=\"num\">value</th><th class=\"num\">threshold</th><th>detail</th></tr></thead>\n<tbody>\n",
    );
    for r in rules {
        let (class, status) = match r.status {
            RuleStatus::Pass => ("pass", "pass"),
            RuleStatus::Fail => ("fail", "fail"),
            RuleStatus::Skip => ("skip", "skip"),
            RuleStatus::Forgiven => ("forgiven", "forgiven (baseline)"),
        };
        let threshold = r.threshold.map_or("disabled".to_string(), value);
        let _ = writeln!(
            o,
            "<tr class=\"{class}\"><td>{}</td><td><span class=\"badge {class}\">{status}</span></td>\
             <td class=\"num\">{}</td><td class=\"num\">{}</td><td>{}</td></tr>",
            escape::html(&r.name),
            escape::html(&value(r.value)),
            escape::html(&threshold),
            escape::html(&r.message)
        );
    }
    o.push_str("</tbody>\n</table>\n</section>\n");
    o
}

/// The verdict badge of a report: pass or fail.
pub fn verdict(passed: bool) -> &'static str {
    if passed {
        "<span class=\"badge pass verdict\">pass</span>"
    } else {
        "<span class=\"badge fail verdict\">fail</span>"
    }
}

/// A link that zooms the treemap to `path` (the escaped display form the treemap's names use).
pub fn zoom_link(path: &str) -> String {
    let mut href = String::from("#zoom=");
    for b in path.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'/' | b'-' | b'_' | b'.' | b'~') {
            href.push(char::from(b));
        } else {
            let _ = write!(href, "%{b:02X}");
        }
    }
    format!(
        "<a class=\"path\" href=\"{href}\">{}</a>",
        escape::html(path)
    )
}

/// A horizontal bar chart in SVG: one row per bar, `label` left, the bar, `note` right; each
/// bar a list of `(fraction of the widest, css class)` segments laid end to end, and `tip` as
/// the row's tooltip. All strings plain text.
pub struct Bar {
    pub label: String,
    pub segments: Vec<(f64, &'static str)>,
    pub note: String,
    pub tip: String,
}

pub fn bar_chart(id: &str, bars: &[Bar]) -> String {
    const ROW: usize = 24;
    const LABEL: f64 = 70.0;
    const WIDTH: f64 = 520.0;
    let height = ROW * bars.len().max(1) + 4;
    let mut o = format!(
        "<svg id=\"{id}\" class=\"bars\" viewBox=\"0 0 1000 {height}\" role=\"img\" \
         preserveAspectRatio=\"xMinYMin meet\">\n"
    );
    for (i, bar) in bars.iter().enumerate() {
        let y = i * ROW + 2;
        let _ = write!(
            o,
            "<g><title>{}</title><text x=\"0\" y=\"{}\" class=\"label\">{}</text>",
            escape::html(&bar.tip),
            y + 16,
            escape::html(&bar.label)
        );
        let mut x = LABEL;
        for (fraction, class) in &bar.segments {
            let w = (fraction.clamp(0.0, 1.0) * WIDTH).max(if *fraction > 0.0 { 1.0 } else { 0.0 });
            let _ = write!(
                o,
                "<rect x=\"{x:.1}\" y=\"{}\" width=\"{w:.1}\" height=\"{}\" class=\"{class}\"/>",
                y + 3,
                ROW - 6
            );
            x += w;
        }
        let _ = writeln!(
            o,
            "<text x=\"{:.1}\" y=\"{}\" class=\"note\">{}</text></g>",
            LABEL + WIDTH + 10.0,
            y + 16,
            escape::html(&bar.note)
        );
    }
    o.push_str("</svg>\n");
    o
}
