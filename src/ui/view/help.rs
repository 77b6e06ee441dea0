//! The help overlay, generated from the keymap (so it shows the keys as configured).

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Flex, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Clear, Paragraph, Widget};

use crate::ui::app::App;

pub struct HelpView<'a> {
    pub app: &'a App,
}

impl Widget for &HelpView<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let theme = self.app.theme;
        let rows = self.app.keymap.help_rows();
        let key_width = rows
            .iter()
            .map(|(k, _)| k.chars().count())
            .max()
            .unwrap_or(0);
        let lines: Vec<Line> = rows
            .iter()
            .map(|(keys, help)| {
                Line::from(vec![
                    Span::styled(format!(" {keys:<key_width$}  "), theme.heading()),
                    Span::raw(*help),
                ])
            })
            .collect();
        let width = area.width.saturating_sub(4).min(90);
        let height = (lines.len() as u16 + 2).min(area.height.saturating_sub(2));
        let [popup] = Layout::horizontal([Constraint::Length(width)])
            .flex(Flex::Center)
            .areas(area);
        let [popup] = Layout::vertical([Constraint::Length(height)])
            .flex(Flex::Center)
            .areas(popup);
        Clear.render(popup, buf);
        let block = Block::bordered()
            .border_type(BorderType::Double)
            .title(" Keys (? or esc to close, j/k to scroll) ");
        Paragraph::new(lines)
            .block(block)
            .scroll((self.app.help_scroll, 0))
            .render(popup, buf);
    }
}
