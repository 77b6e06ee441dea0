//! The summary pane: sizes, efficiency, waste and reclaimable bytes of A and B with the change,
//! then the counts of layers, findings and paths that differ.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Widget};

use super::{change_style, pane_block, signed_bytes};
use crate::diff::delta;
use crate::ui::diff::app::DiffLoaded;
use crate::ui::diff::union::Change;
use crate::ui::format;
use crate::ui::theme::Theme;

pub struct SummaryView<'a> {
    pub loaded: &'a DiffLoaded,
    pub theme: Theme,
    pub focused: bool,
}

fn row(label: &str, a: String, b: String, change: String) -> Line<'static> {
    Line::raw(format!("{label:<12}{a:>11} {b:>11} {change:>12}"))
}

fn sizes(label: &str, a: u64, b: u64) -> Line<'static> {
    row(
        label,
        format::bytes(a),
        format::bytes(b),
        signed_bytes(delta(a, b)),
    )
}

impl Widget for &SummaryView<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let c = &self.loaded.model.comparison;
        let (a, b) = (&c.a, &c.b);
        let theme = self.theme;
        let points = (b.efficiency - a.efficiency) * 100.0;
        let efficiency_change = if points.abs() < 0.05 {
            String::new()
        } else {
            format!("{points:+.1} pp")
        };
        let layers_change = match b.layer_count as i64 - a.layer_count as i64 {
            0 => String::new(),
            d => format!("{d:+}"),
        };
        let (added, removed, changed) = self.loaded.model.union.counts();
        let count = |n: usize, what: &str, change: Change| {
            Span::styled(format!("{n} {what}  "), change_style(theme, change))
        };
        let lines = vec![
            Line::styled(
                format!("{:<12}{:>11} {:>11} {:>12}", "", "A", "B", "change"),
                theme.heading(),
            ),
            sizes("size", a.size_bytes, b.size_bytes),
            sizes("final size", a.final_size_bytes, b.final_size_bytes),
            row(
                "efficiency",
                format::percent(a.efficiency),
                format::percent(b.efficiency),
                efficiency_change,
            ),
            sizes("wasted", a.wasted_bytes, b.wasted_bytes),
            sizes("reclaimable", a.reclaimable_bytes, b.reclaimable_bytes),
            row(
                "layers",
                a.layer_count.to_string(),
                b.layer_count.to_string(),
                layers_change,
            ),
            Line::from(vec![
                Span::raw(format!("{:<12}", "findings")),
                count(c.findings_added.len(), "added", Change::Added),
                count(c.findings_removed.len(), "removed", Change::Removed),
                count(c.findings_changed.len(), "changed", Change::Changed),
            ]),
            Line::from(vec![
                Span::raw(format!("{:<12}", "paths")),
                count(added, "added", Change::Added),
                count(removed, "removed", Change::Removed),
                count(changed, "changed", Change::Changed),
            ]),
        ];
        let block = pane_block("Summary (A -> B)".into(), self.focused, theme);
        Paragraph::new(lines)
            .block(block)
            .scroll((self.loaded.summary_scroll, 0))
            .render(area, buf);
    }
}
