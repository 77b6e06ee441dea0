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
pub use help::{HelpView, render_help};
pub use image_details::ImageDetailsView;
pub use layer_details::LayerDetailsView;
pub use layers::LayersView;
pub use progress::ProgressView;
pub use status_bar::{StatusBarView, render_search_input, render_status};
pub use viewer::ViewerView;

use ratatui::Frame;
use ratatui::widgets::{Block, BorderType};

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
