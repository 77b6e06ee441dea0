//! The HTML report of `plummet ci`: one self-contained page with a zoomable treemap of the final
//! filesystem, a bar per layer (size, waste, base or yours), the findings with their fixes and
//! the rules with their verdicts. Plain SVG and a little hand-written script; no library, no
//! network. Every string from the image is escaped ([`crate::escape::html`], and
//! [`crate::escape::script_json`] for the treemap's data).

pub mod page;
pub mod treemap;

use std::fmt::Write as _;

use super::base;
use super::format::{self, percent, size, truncate};
use super::rules::{self, RuleResult};
use crate::analysis::{Analysis, pull_size};
use crate::escape;
use crate::image::Image;
use page::{Bar, bar_chart, figure};

/// At most this many findings are listed (most important first, as the analysis sorts them).
pub const MAX_FINDINGS: usize = 500;

/// Renders the page.
pub fn render(image: &Image, a: &Analysis, results: &[RuleResult]) -> String {
    let mut body = String::new();
    let title = format!("plummet: {}", escape::text(&a.reference));
    // Writing to a String cannot fail; the results are ignored for that reason.
    let _ = writeln!(
        body,
        "<header>\n<h1>plummet <code>{}</code> {}</h1>",
        escape::html(&a.reference),
        page::verdict(rules::passed(results))
    );
    body.push_str(&summary(a));
    body.push_str("</header>\n<main>\n");
    body.push_str(&page::treemap_section("Final filesystem"));
    body.push_str(&layers_section(image, a));
    body.push_str(&findings_section(image, a));
    body.push_str(&page::rules_table(results));
    body.push_str("</main>\n");
    page::document(&title, &body, &treemap::data(image, a))
}

fn summary(a: &Analysis) -> String {
    let mut o = String::from("<div class=\"figures\">");
    o.push_str(&figure("total size", &size(a.size_bytes)));
    o.push_str(&figure("final size", &size(a.final_size_bytes)));
    o.push_str(&figure("pull size", &format::pull(pull_size(a))));
    o.push_str(&figure("efficiency", &percent(a.efficiency)));
    o.push_str(&figure(
        "wasted",
        &format!(
            "{} ({} of user layers)",
            size(a.wasted_bytes),
            percent(a.user_wasted_ratio)
        ),
    ));
    o.push_str(&figure("reclaimable", &size(a.reclaimable_bytes)));
    let user = if a.runs_as_root {
        "root".to_string()
    } else {
        a.config.user.clone()
    };
    o.push_str(&figure("user", &user));
    o.push_str("</div>\n");
    let split = base::split(a);
    let _ = writeln!(
        o,
        "<p class=\"split\"><b>base</b> {}<br><b>your layers</b> {}</p>",
        escape::html(&split.base),
        escape::html(&split.yours)
    );
    o
}

fn layers_section(image: &Image, a: &Analysis) -> String {
    let widest = a
        .layers
        .iter()
        .map(|l| l.size_bytes)
        .max()
        .unwrap_or(0)
        .max(1) as f64;
    let bars: Vec<Bar> = a
        .layers
        .iter()
        .map(|l| {
            let wasted = l.changes.wasted_bytes.min(l.size_bytes);
            let kept = l.size_bytes - wasted;
            let class = if l.base { "base" } else { "yours" };
            let command = l.command.replace('\n', " ");
            let mut note = format!("{}  {}", size(l.size_bytes), truncate(&command, 48));
            if wasted > 0 {
                note = format!(
                    "{} ({} wasted)  {}",
                    size(l.size_bytes),
                    size(wasted),
                    truncate(&command, 40)
                );
            }
            let estimate = super::zstd::html_note(image, l.index);
            Bar {
                label: format!("#{}{}", l.index, if l.base { " base" } else { "" }),
                segments: vec![
                    (kept as f64 / widest, class),
                    (wasted as f64 / widest, "wasted"),
                ],
                note,
                tip: format!(
                    "layer {}: {} in {} files, blob {}, {} wasted{estimate}\n{}",
                    l.index,
                    size(l.size_bytes),
                    l.file_count,
                    format::blob(l),
                    size(wasted),
                    truncate(&command, 400)
                ),
            }
        })
        .collect();
    format!(
        "<section id=\"layers\">\n<h2>Layers ({})</h2>\n<p class=\"hint\">\
         <span class=\"key base\"></span> base <span class=\"key yours\"></span> your layers \
         <span class=\"key wasted\"></span> wasted bytes</p>\n{}</section>\n",
        a.layers.len(),
        bar_chart("layer-bars", &bars)
    )
}

fn findings_section(image: &Image, a: &Analysis) -> String {
    let mut o = format!(
        "<section id=\"findings\">\n<h2>Findings ({})</h2>\n",
        a.findings.len()
    );
    if a.findings.is_empty() {
        o.push_str("<p>No findings.</p>\n</section>\n");
        return o;
    }
    o.push_str(
        "<table>\n<thead><tr><th>kind</th><th>path</th><th class=\"num\">layer</th>\
         <th class=\"num\">size</th><th class=\"num\">files</th><th>why</th><th>fix</th></tr></thead>\n<tbody>\n",
    );
    for f in a.findings.iter().take(MAX_FINDINGS) {
        let path = escape::bytes(&image.tree.paths.path(f.node));
        let shown = if f.visible && f.layer.is_some() {
            page::zoom_link(&path)
        } else if f.visible {
            format!("<code>{}</code>", escape::html(&path))
        } else {
            format!(
                "<code>{}</code> <span class=\"gone\">(deleted later)</span>",
                escape::html(&path)
            )
        };
        let base = f.layer.is_some_and(|l| !a.is_user_layer(l));
        let _ = writeln!(
            o,
            "<tr class=\"finding{}\"><td>{}</td><td>{shown}</td><td class=\"num\">{}</td>\
             <td class=\"num\">{}</td><td class=\"num\">{}</td><td>{}</td><td class=\"fix\">{}</td></tr>",
            if base { " in-base" } else { "" },
            escape::html(f.kind.name()),
            f.layer.map_or("–".to_string(), |l| l.to_string()),
            size(f.bytes),
            f.files,
            escape::html(&f.reason),
            escape::html(&f.fix)
        );
    }
    o.push_str("</tbody>\n</table>\n");
    if a.findings.len() > MAX_FINDINGS {
        let _ = writeln!(
            o,
            "<p class=\"hint\">{} more in the JSON report.</p>",
            a.findings.len() - MAX_FINDINGS
        );
    }
    o.push_str("</section>\n");
    o
}
