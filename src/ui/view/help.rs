//! The help overlay, generated from the keymap (so it shows the keys as configured).

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Flex, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Clear, Paragraph, Widget};

use crate::ui::app::App;
use crate::ui::theme::Theme;

pub struct HelpView<'a> {
    pub app: &'a App,
}

impl Widget for &HelpView<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        render_help(
            &self.app.chrome.keymap.help_rows(),
            self.app.chrome.theme,
            self.app.chrome.help_scroll,
            area,
            buf,
        );
    }
}

/// The help popup: one line per `(keys, what they do)`, centred over `area`, scrolled by
/// `scroll` lines. Shared by the single-image and the diff UI.
pub fn render_help(
    rows: &[(String, &str)],
    theme: Theme,
    scroll: u16,
    area: Rect,
    buf: &mut Buffer,
) {
    let key_width = rows
        .iter()
        .map(|(k, _)| crate::ui::format::width(k))
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
    let scroll = scroll.min(help_max_scroll(lines.len(), area));
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
        .scroll((scroll, 0))
        .render(popup, buf);
}

/// The furthest the help scrolls over `area`: its last line at the bottom of the popup.
pub fn help_max_scroll(rows: usize, area: Rect) -> u16 {
    let shown = area.height.saturating_sub(4) as usize;
    u16::try_from(rows.saturating_sub(shown)).unwrap_or(u16::MAX)
}
