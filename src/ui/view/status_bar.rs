//! The bottom line: the search input when open; otherwise the tree's mode, sort and filters,
//! the last note, and the keys for help and quit.

use ratatui::buffer::Buffer;
use ratatui::layout::{Alignment, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Widget;
use unicode_width::UnicodeWidthStr;

use crate::ui::app::App;
use crate::ui::theme::Theme;
use crate::ui::treeview::{Mode, SortOrder};

pub struct StatusBarView<'a> {
    pub app: &'a App,
}

impl Widget for &StatusBarView<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let theme = self.app.chrome.theme;
        if let Some(text) = &self.app.chrome.input {
            return render_search_input(text, theme, area, buf);
        }
        let mut spans = Vec::new();
        if let Some(loaded) = self.app.loaded() {
            let tree = &loaded.tree;
            let f = tree.filters;
            let flag = |on: bool, c: char| if on { c } else { '.' };
            spans.push(Span::raw(format!(
                "{} | {} | show {}{}{}{}",
                match tree.mode {
                    Mode::Aggregated => "all files",
                    Mode::LayerChanges => "layer changes",
                },
                match tree.sort {
                    SortOrder::Name => "by name",
                    SortOrder::Size => "by size",
                },
                flag(f.added, 'A'),
                flag(f.modified, 'M'),
                flag(f.removed, 'R'),
                flag(f.unchanged, 'U'),
            )));
            if f.wasted_only {
                spans.push(Span::styled(" | wasted only", theme.warning()));
            }
        }
        render_status(
            spans,
            self.app.chrome.message.as_deref(),
            &self.app.chrome.keymap.hint(),
            theme,
            area,
            buf,
        );
    }
}

/// The search being typed. Shared by the single-image and the diff UI.
pub fn render_search_input(text: &str, theme: Theme, area: Rect, buf: &mut Buffer) {
    Line::from(vec![
        Span::styled("search: /", theme.heading()),
        Span::raw(text.to_string()),
        Span::styled("_", theme.selected(true)),
        Span::styled("  (enter: find, esc: cancel)", theme.dim()),
    ])
    .render(area, buf);
}

/// `spans` (the tree's state), then the last note, with `hint` (the help and quit keys as
/// configured) on the right when it fits beside the state. Shared by the single-image and the
/// diff UI.
pub fn render_status(
    mut spans: Vec<Span<'_>>,
    message: Option<&str>,
    hint: &str,
    theme: Theme,
    area: Rect,
    buf: &mut Buffer,
) {
    if let Some(message) = message {
        spans.push(Span::styled(format!(" | {message}"), theme.heading()));
    }
    // The hint only where it fits beside everything else: a long note wins over it.
    let used = Line::from(spans.clone()).width();
    if area.width as usize > used + hint.width() {
        Line::styled(hint.to_string(), theme.dim())
            .alignment(Alignment::Right)
            .render(area, buf);
    }
    Line::from(spans).render(area, buf);
}
