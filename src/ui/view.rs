//! Drawing: each pane is a short-lived struct borrowing the state, drawn read-only.

mod file_tree;
mod help;
mod image_details;
mod layer_details;
mod layers;
mod packages;
mod progress;
mod status_bar;
mod viewer;

pub use file_tree::FileTreeView;
pub use help::{HelpView, help_max_scroll, render_help};
pub use image_details::ImageDetailsView;
pub use layer_details::LayerDetailsView;
pub use layers::LayersView;
pub use progress::ProgressView;
pub use status_bar::{StatusBarView, render_search_input, render_status};
pub use viewer::ViewerView;

use ratatui::Frame;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::{Block, BorderType, Paragraph, Widget, Wrap};

use super::app::{App, Phase};
use super::layout::Pane;
use super::theme::Theme;

/// Draws the whole UI.
pub fn render(app: &App, frame: &mut Frame) {
    let areas = app.areas();
    let theme = app.chrome.theme;
    match &app.phase {
        Phase::Loading(progress) => {
            let view = ProgressView {
                reference: &app.reference,
                progress,
                theme,
            };
            frame.render_widget(&view, frame.area());
        }
        Phase::Ready(loaded) => {
            let focused = |p: Pane| app.focus == p;
            frame.render_widget(
                &LayersView {
                    loaded,
                    theme,
                    focused: focused(Pane::Layers),
                    summary: areas.image_details.is_none(),
                },
                areas.layers,
            );
            if let Some(area) = areas.layer_details {
                let view = LayerDetailsView {
                    loaded,
                    theme,
                    focused: focused(Pane::LayerDetails),
                };
                frame.render_widget(&view, area);
            }
            if let Some(area) = areas.image_details {
                let view = ImageDetailsView {
                    loaded,
                    theme,
                    focused: focused(Pane::ImageDetails),
                };
                frame.render_widget(&view, area);
            }
            if let Some(area) = areas.tree {
                let view = FileTreeView {
                    loaded,
                    theme,
                    focused: focused(Pane::Tree),
                };
                frame.render_widget(&view, area);
            }
        }
    }
    if let Some(viewer) = &app.viewer {
        let full = frame.area();
        let area = ratatui::layout::Rect {
            height: full.height.saturating_sub(areas.status.height),
            ..full
        };
        frame.render_widget(&ViewerView { viewer, theme }, area);
    }
    frame.render_widget(&StatusBarView { app }, areas.status);
    if app.chrome.help {
        frame.render_widget(&HelpView { app }, frame.area());
    }
}

/// The frame of a pane; the focused one is thick (and coloured when colours are on).
fn pane_block(title: String, focused: bool, theme: Theme) -> Block<'static> {
    Block::bordered()
        .title(title)
        .border_type(if focused {
            BorderType::Thick
        } else {
            BorderType::Plain
        })
        .border_style(theme.border(focused))
}

/// How many lines `lines` take wrapped inside a bordered pane of `area`.
fn wrapped_height(lines: Vec<Line<'static>>, area: Rect) -> usize {
    Paragraph::new(lines)
        .wrap(Wrap { trim: false })
        .line_count(area.width.saturating_sub(2))
}

/// The furthest a text pane of `area` scrolls: its last line at the bottom, no further.
fn max_scroll(lines: Vec<Line<'static>>, area: Rect) -> u16 {
    let total = wrapped_height(lines, area);
    let shown = area.height.saturating_sub(2) as usize;
    u16::try_from(total.saturating_sub(shown)).unwrap_or(u16::MAX)
}

/// A scrolled, wrapped text pane whose bottom border says when lines are left below (and its
/// top border when lines are above).
fn render_text_pane(
    lines: Vec<Line<'static>>,
    block: Block<'static>,
    scroll: u16,
    theme: Theme,
    area: Rect,
    buf: &mut Buffer,
) {
    let total = wrapped_height(lines.clone(), area);
    let shown = area.height.saturating_sub(2) as usize;
    let mut block = block;
    if total > scroll as usize + shown {
        let below = total - scroll as usize - shown;
        block = block.title_bottom(
            Line::styled(format!(" ↓ {below} more "), theme.heading()).right_aligned(),
        );
    }
    if scroll > 0 {
        block =
            block.title(Line::styled(format!(" ↑ {scroll} more "), theme.dim()).right_aligned());
    }
    Paragraph::new(lines)
        .block(block)
        .wrap(Wrap { trim: false })
        .scroll((scroll, 0))
        .render(area, buf);
}
