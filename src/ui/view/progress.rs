//! The view shown while the image is read: the stage, overall bytes, and each layer's progress.

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::Line;
use ratatui::widgets::{Block, Gauge, Widget};

use crate::escape;
use crate::image;
use crate::ui::format;
use crate::ui::theme::Theme;

pub struct ProgressView<'a> {
    pub reference: &'a str,
    pub progress: &'a image::index::ProgressView,
    pub theme: Theme,
}

impl Widget for &ProgressView<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let [body, _status] =
            Layout::vertical([Constraint::Min(0), Constraint::Length(1)]).areas(area);
        let block = Block::bordered().title(format!(" Reading {} ", escape::text(self.reference)));
        let inner = block.inner(body);
        block.render(body, buf);
        let p = self.progress;
        let [stage, gauge, _, list] = Layout::vertical([
            Constraint::Length(1),
            Constraint::Length(1),
            Constraint::Length(1),
            Constraint::Min(0),
        ])
        .areas(inner);
        let stage_text = if p.stage.is_empty() {
            "starting"
        } else {
            p.stage.as_str()
        };
        Line::styled(stage_text.to_string(), self.theme.heading()).render(stage, buf);
        let total = p.total();
        let ratio = if total == 0 {
            0.0
        } else {
            p.read() as f64 / total as f64
        };
        Gauge::default()
            .ratio(ratio.clamp(0.0, 1.0))
            .label(format!(
                "{} of {} · {} of {} layers",
                format::bytes(p.read()),
                format::bytes(total),
                p.finished(),
                p.layers.len()
            ))
            .gauge_style(self.theme.heading())
            .render(gauge, buf);
        for (i, &(read, expected, done)) in p.layers.iter().enumerate().take(list.height as usize) {
            let state = if done { "done" } else { "" };
            let text = format!(
                "layer {i:>3}  {:>10} / {:>10}  {state}",
                format::bytes(read),
                format::bytes(expected.max(read))
            );
            let style = if done {
                self.theme.dim()
            } else {
                ratatui::style::Style::new()
            };
            Line::styled(text, style)
                .render(Rect::new(list.x, list.y + i as u16, list.width, 1), buf);
        }
    }
}
