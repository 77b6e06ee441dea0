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
use crate::ui::layout::{Pane, list_offset};
use crate::ui::theme::Theme;

pub struct LayersView<'a> {
    pub loaded: &'a Loaded,
    pub theme: Theme,
    pub focused: bool,
}

impl Widget for &LayersView<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let analysis = &self.loaded.analysis;
        let title = format!(
            "{} ({} of {})",
            Pane::Layers.title(),
            self.loaded.layer + 1,
            analysis.layers.len()
        );
        let block = pane_block(title, self.focused, self.theme);
        let inner = block.inner(area);
        block.render(area, buf);
        let height = inner.height as usize;
        let selected = self.loaded.selected_row();
        let first = list_offset(selected, height);
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
