//! The layers pane: one row per history step (index, size, command); steps that made no layer
//! (ENV, USER, CMD, ...) are dimmed and cannot be selected.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Widget;

use super::pane_block;
use crate::escape;
use crate::ui::app::Loaded;
use crate::ui::format;
use crate::ui::layout::Pane;
use crate::ui::theme::Theme;

pub struct LayersView<'a> {
    pub loaded: &'a Loaded,
    pub theme: Theme,
    pub focused: bool,
    /// The image pane is not on screen: the title carries efficiency and waste.
    pub summary: bool,
}

impl LayersView<'_> {
    /// Layers are numbered from 0, as in the JSON report and the rows below.
    fn title(&self) -> String {
        let analysis = &self.loaded.analysis;
        let last = analysis.layers.len().saturating_sub(1);
        let mut title = format!(
            "{} (at {} of 0-{last})",
            Pane::Layers.title(),
            self.loaded.layer
        );
        if self.summary {
            title.push_str(&format!(
                " efficiency {} wasted {} ",
                format::percent(analysis.efficiency),
                format::bytes(analysis.wasted_bytes)
            ));
        }
        title
    }
}

impl Widget for &LayersView<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let analysis = &self.loaded.analysis;
        let mut block = pane_block(self.title(), self.focused, self.theme);
        let height = area.height.saturating_sub(2) as usize;
        let first = self.loaded.layers_offset;
        let below = analysis.history.len().saturating_sub(first + height);
        if below > 0 {
            block = block.title_bottom(
                Line::styled(format!(" ↓ {below} more "), self.theme.heading()).right_aligned(),
            );
        }
        let inner = block.inner(area);
        block.render(area, buf);
        let selected = self.loaded.selected_row();
        for (line_no, (i, row)) in analysis
            .history
            .iter()
            .enumerate()
            .skip(first)
            .take(height)
            .enumerate()
        {
            let line = match row.layer.and_then(|l| analysis.layers.get(l)) {
                Some(layer) => {
                    let command = if row.command.is_empty() {
                        layer.command.as_str()
                    } else {
                        row.command.as_str()
                    };
                    let line = Line::from(vec![
                        Span::raw(format!("{:>3} ", layer.index)),
                        Span::raw(format!("{:>9}  ", format::bytes(layer.size_bytes))),
                        Span::raw(if command.is_empty() {
                            "(no history)".into()
                        } else {
                            escape::text(command)
                        }),
                    ]);
                    if i == selected {
                        line.style(self.theme.selected(self.focused))
                    } else {
                        line
                    }
                }
                None => Line::from(format!(
                    "{:>3} {:>9}  {}",
                    "-",
                    "",
                    escape::text(&row.command)
                ))
                .style(self.theme.dim()),
            };
            let y = inner.y + line_no as u16;
            line.render(Rect::new(inner.x, y, inner.width, 1), buf);
        }
    }
}
