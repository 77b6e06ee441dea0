//! The HTML report of `plummet diff`: the figures of A and B side by side, what grew and what
//! shrank (a bar per directory), the largest file changes, the findings B adds and drops, the
//! layers, the rules, and B's final filesystem as a zoomable treemap. Same page, same escaping
//! as `plummet ci`'s ([`crate::report::html`]).

use std::fmt::Write as _;

use super::text::{headline, layer_counts, signed_size};
use super::{Comparison, FindingChange};
use crate::analysis::{Analysis, pull_size};
use crate::escape;
use crate::image::Image;
use crate::report::format::{self, percent, size, truncate};
use crate::report::html::page::{self, Bar};
use crate::report::html::treemap;
use crate::report::rules::{self, RuleResult};

/// How many rows the lists of changes show.
const ROWS: usize = 25;

/// Renders the page.
pub fn render(
    a: (&Image, &Analysis),
    b: (&Image, &Analysis),
    c: &Comparison,
    results: &[RuleResult],
) -> String {
    let (aa, ab) = (a.1, b.1);
    let title = format!(
        "plummet diff: {} -> {}",
        escape::text(&aa.reference),
        escape::text(&ab.reference)
    );
    let mut body = String::new();
    // Writing to a String cannot fail; the results are ignored for that reason.
    let _ = writeln!(
        body,
        "<header>\n<h1>plummet diff <code>{}</code> → <code>{}</code> {}</h1>\n<p><b>{}</b></p>",
        escape::html(&aa.reference),
        escape::html(&ab.reference),
        page::verdict(rules::passed(results)),
        escape::html(&headline(c))
    );
    body.push_str(&figures(aa, ab, c));
    body.push_str("</header>\n<main>\n");
    body.push_str(&grew_and_shrank(c));
    body.push_str(&files(c));
    findings(
        &mut body,
        "Findings added",
        "findings-added",
        &c.findings_added,
    );
    findings(
        &mut body,
        "Findings removed",
        "findings-removed",
        &c.findings_removed,
    );
    findings(
        &mut body,
        "Findings changed",
        "findings-changed",
        &c.findings_changed,
    );
    body.push_str(&layers(c));
    body.push_str(&page::rules_table(results));
    body.push_str(&page::treemap_section("B's final filesystem"));
    body.push_str("</main>\n");
    page::document(&title, &body, &treemap::data(b.0, ab))
}

fn figures(a: &Analysis, b: &Analysis, c: &Comparison) -> String {
    let mut o = String::from(
        "<table class=\"figures-table\">\n<thead><tr><th></th><th class=\"num\">A</th>\
         <th class=\"num\">B</th><th class=\"num\">change</th></tr></thead>\n<tbody>\n",
    );
    let mut rows = vec![
        ("total size", c.a.size_bytes, c.b.size_bytes),
        ("final size", c.a.final_size_bytes, c.b.final_size_bytes),
        ("wasted", c.a.wasted_bytes, c.b.wasted_bytes),
        ("reclaimable", c.a.reclaimable_bytes, c.b.reclaimable_bytes),
    ];
    if let (Some(x), Some(y)) = (pull_size(a).bytes, pull_size(b).bytes) {
        rows.insert(1, ("pull size", x, y));
    }
    for (name, x, y) in rows {
        let _ = writeln!(
            o,
            "<tr><td>{name}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
            size(x),
            size(y),
            escape::html(&signed_size(super::delta(x, y)))
        );
    }
    let _ = writeln!(
        o,
        "<tr><td>efficiency</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{:+.2} pt</td></tr>",
        percent(c.a.efficiency),
        percent(c.b.efficiency),
        (c.b.efficiency - c.a.efficiency) * 100.0
    );
    let _ = writeln!(
        o,
        "<tr><td>download A → B</td><td></td><td class=\"num\">{}</td><td></td></tr>",
        escape::html(&format::pull(c.download))
    );
    o.push_str("</tbody>\n</table>\n");
    o
}

fn grew_and_shrank(c: &Comparison) -> String {
    let mut dirs: Vec<_> = c.dirs.iter().filter(|d| d.delta() != 0).collect();
    dirs.sort_by(|x, y| {
        y.delta()
            .unsigned_abs()
            .cmp(&x.delta().unsigned_abs())
            .then_with(|| x.path.cmp(&y.path))
    });
    dirs.truncate(ROWS);
    let widest = dirs
        .iter()
        .map(|d| d.delta().unsigned_abs())
        .max()
        .unwrap_or(0)
        .max(1) as f64;
    let bars: Vec<Bar> = dirs
        .iter()
        .map(|d| {
            let path = escape::bytes(&d.path);
            let class = if d.delta() > 0 { "grew" } else { "shrank" };
            Bar {
                label: signed_size(d.delta()),
                segments: vec![(d.delta().unsigned_abs() as f64 / widest, class)],
                note: truncate(&path, 80),
                tip: format!(
                    "{path}: {} -> {} ({} added, {} removed, {} changed)",
                    size(d.bytes_a),
                    size(d.bytes_b),
                    d.added,
                    d.removed,
                    d.changed
                ),
            }
        })
        .collect();
    let mut o = String::from(
        "<section id=\"grew-shrank\">\n<h2>What grew and what shrank</h2>\n<p class=\"hint\">\
         Directories by the bytes of the files that changed below them: \
         <span class=\"key grew\"></span> grew <span class=\"key shrank\"></span> shrank</p>\n",
    );
    if bars.is_empty() {
        o.push_str("<p>No file changed size.</p>\n");
    } else {
        o.push_str(&page::bar_chart("dir-bars", &bars));
    }
    o.push_str("</section>\n");
    o
}

fn files(c: &Comparison) -> String {
    let files = c.largest_files();
    let mut o = format!(
        "<section id=\"files\">\n<h2>Largest file changes ({})</h2>\n",
        files.len()
    );
    if files.is_empty() {
        o.push_str("<p>No file changed.</p>\n</section>\n");
        return o;
    }
    o.push_str(
        "<table>\n<thead><tr><th class=\"num\">change</th><th>what</th><th>path</th></tr></thead>\n<tbody>\n",
    );
    for f in files.iter().take(ROWS) {
        let class = if f.delta() > 0 { "grew" } else { "shrank" };
        let _ = writeln!(
            o,
            "<tr class=\"{class}\"><td class=\"num\">{}</td><td>{}</td><td><code>{}</code></td></tr>",
            escape::html(&signed_size(f.delta())),
            f.change.name(),
            escape::html(&escape::bytes(&f.path))
        );
    }
    o.push_str("</tbody>\n</table>\n</section>\n");
    o
}

fn findings(o: &mut String, title: &str, id: &str, list: &[FindingChange]) {
    if list.is_empty() {
        return;
    }
    let _ = writeln!(
        o,
        "<section id=\"{id}\">\n<h2>{title} ({})</h2>\n<table>\n<thead><tr><th>kind</th><th>path</th>\
         <th class=\"num\">A</th><th class=\"num\">B</th></tr></thead>\n<tbody>",
        list.len()
    );
    let bytes = |present: bool, b: u64| if present { size(b) } else { "–".into() };
    for f in list.iter().take(ROWS * 4) {
        let _ = writeln!(
            o,
            "<tr><td>{}</td><td><code>{}</code></td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
            f.kind.name(),
            escape::html(&f.path),
            bytes(!f.in_a.is_empty(), f.bytes_a),
            bytes(!f.in_b.is_empty(), f.bytes_b)
        );
    }
    o.push_str("</tbody>\n</table>\n</section>\n");
}

fn layers(c: &Comparison) -> String {
    let mut o = format!(
        "<section id=\"layers\">\n<h2>Layers ({})</h2>\n<table>\n<thead><tr><th>status</th>\
         <th class=\"num\">A</th><th class=\"num\">B</th><th class=\"num\">change</th><th>command</th>\
         </tr></thead>\n<tbody>\n",
        escape::html(&layer_counts(c))
    );
    let index = |i: Option<usize>| i.map_or("–".into(), |i| i.to_string());
    for l in &c.layers {
        let _ = writeln!(
            o,
            "<tr><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td>\
             <td><code>{}</code></td></tr>",
            l.status.name(),
            index(l.a),
            index(l.b),
            escape::html(&signed_size(l.size_delta())),
            escape::html(&truncate(&l.command.replace('\n', " "), 160))
        );
    }
    o.push_str("</tbody>\n</table>\n</section>\n");
    o
}
