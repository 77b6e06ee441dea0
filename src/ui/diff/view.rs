//! Drawing the diff UI: both loading progress views, then the layer matches, the summary, the
//! union tree and the status bar; each pane a short-lived struct borrowing the state.

mod summary;
mod tree_pane;

use ratatui::Frame;
use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Widget};

pub use summary::SummaryView;
pub use tree_pane::DiffTreePane;

use super::app::{DiffApp, DiffLoaded, DiffPane, DiffPhase};
use super::treeview::DiffSort;
use super::union::Change;
use crate::diff::LayerStatus;
use crate::escape;
use crate::tree::Status;
use crate::ui::action::Action;
use crate::ui::format;
use crate::ui::keymap::{BINDINGS, LEGEND};
use crate::ui::theme::Theme;
use crate::ui::view::{ProgressView, ViewerView, render_help, render_search_input, render_status};

/// Draws the whole diff UI.
pub fn render(app: &DiffApp, frame: &mut Frame) {
    let areas = app.areas();
    let theme = app.chrome.theme;
    match &app.phase {
        DiffPhase::Loading(a, b) => {
            let [top, bottom] =
                Layout::vertical([Constraint::Fill(1), Constraint::Fill(1)]).areas(frame.area());
            let ref_a = format!("A: {}", escape::text(&app.reference_a));
            let ref_b = format!("B: {}", escape::text(&app.reference_b));
            for (reference, progress, area) in [(&ref_a, a, top), (&ref_b, b, bottom)] {
                let view = ProgressView {
                    reference,
                    progress,
                    theme,
                };
                frame.render_widget(&view, area);
            }
        }
        DiffPhase::Ready(loaded) => {
            let focused = |p: DiffPane| app.focus == p;
            if let Some(area) = areas.layers {
                let view = LayerMatchesView {
                    loaded,
                    theme,
                    focused: focused(DiffPane::Layers),
                };
                frame.render_widget(&view, area);
            }
            if let Some(area) = areas.summary {
                let view = SummaryView {
                    loaded,
                    theme,
                    focused: focused(DiffPane::Summary),
                };
                frame.render_widget(&view, area);
            }
            let view = DiffTreePane {
                loaded,
                theme,
                focused: focused(DiffPane::Tree),
            };
            frame.render_widget(&view, areas.tree);
        }
    }
    if let Some(open) = &app.viewer {
        let full = frame.area();
        let area = Rect {
            height: full.height.saturating_sub(areas.status.height),
            ..full
        };
        let viewer = &open.viewer;
        frame.render_widget(&ViewerView { viewer, theme }, area);
    }
    frame.render_widget(&DiffStatusBar { app }, areas.status);
    if app.chrome.help {
        frame.render_widget(&DiffHelp { app }, frame.area());
    }
}

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

/// The style of a change kind, through the theme's statuses (so `NO_COLOR` works the same).
pub fn change_style(theme: Theme, change: Change) -> Style {
    theme.status(status_of(change))
}

pub fn change_mark(change: Change) -> char {
    Theme::status_mark(status_of(change))
}

fn status_of(change: Change) -> Status {
    match change {
        Change::Unchanged => Status::Unchanged,
        Change::Added => Status::Added,
        Change::Removed => Status::Removed,
        Change::Changed => Status::Modified,
    }
}

/// A signed size: `+1.20 kB`, `-300 B`, empty for no change.
pub fn signed_bytes(delta: i64) -> String {
    match delta {
        0 => String::new(),
        d if d > 0 => format!("+{}", format::bytes(d.unsigned_abs())),
        d => format!("-{}", format::bytes(d.unsigned_abs())),
    }
}

/// The layer matches: status, A and B positions, size change, command.
pub struct LayerMatchesView<'a> {
    pub loaded: &'a DiffLoaded,
    pub theme: Theme,
    pub focused: bool,
}

impl Widget for &LayerMatchesView<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let layers = &self.loaded.model.comparison.layers;
        let title = format!(
            "Layers (at {} of 0-{}: {} shared)",
            self.loaded.layer.min(layers.len().saturating_sub(1)),
            layers.len().saturating_sub(1),
            layers
                .iter()
                .filter(|l| l.status == LayerStatus::Shared)
                .count()
        );
        let block = pane_block(title, self.focused, self.theme);
        let inner = block.inner(area);
        block.render(area, buf);
        let height = inner.height as usize;
        let first = self.loaded.layers_offset;
        let index = |i: Option<usize>| i.map_or_else(|| "-".to_string(), |i| i.to_string());
        for (line_no, (i, m)) in layers
            .iter()
            .enumerate()
            .skip(first)
            .take(height)
            .enumerate()
        {
            let style = match m.status {
                LayerStatus::Shared => self.theme.dim(),
                LayerStatus::Added => change_style(self.theme, Change::Added),
                LayerStatus::Removed => change_style(self.theme, Change::Removed),
                LayerStatus::Changed => change_style(self.theme, Change::Changed),
            };
            let delta = match m.status {
                LayerStatus::Shared => String::new(),
                _ => signed_bytes(m.size_delta()),
            };
            let command = if m.command.is_empty() {
                "(no history)"
            } else {
                m.command.as_str()
            };
            let mut line = Line::from(vec![
                Span::styled(format!("{:<8}", m.status.name()), style),
                Span::raw(format!("{:>3} {:>3} ", index(m.a), index(m.b))),
                Span::styled(format!("{delta:>10}  "), style),
                Span::raw(escape::text(command).into_owned()),
            ]);
            if i == self.loaded.layer {
                line = line.style(self.theme.selected(self.focused));
            }
            let y = inner.y + line_no as u16;
            line.render(Rect::new(inner.x, y, inner.width, 1), buf);
        }
    }
}

/// The bottom line: the search input, or the tree's filters, sort and the last note.
pub struct DiffStatusBar<'a> {
    pub app: &'a DiffApp,
}

impl Widget for &DiffStatusBar<'_> {
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
                if f.unchanged {
                    "all paths"
                } else {
                    "changes only"
                },
                match tree.sort {
                    DiffSort::Name => "by name",
                    DiffSort::Delta => "by size change",
                },
                flag(f.added, 'A'),
                flag(f.changed, 'M'),
                flag(f.removed, 'R'),
                flag(f.unchanged, 'U'),
            )));
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

/// What a key does in the diff, where it differs from the single-image UI; `None` hides keys
/// that do nothing here.
fn diff_help(action: Action, help: &'static str) -> Option<&'static str> {
    Some(match action {
        Action::ToggleAggregated => "tree: changes only / every path of A and B",
        Action::FilterAdded => "show or hide added paths (only in B)",
        Action::FilterModified => "show or hide changed paths",
        Action::FilterRemoved => "show or hide removed paths (only in A)",
        Action::FilterUnchanged => "show or hide unchanged paths",
        Action::Sort => "sort by name / by size change",
        Action::WastedOnly | Action::ToggleAll | Action::ToggleAttributes => return None,
        Action::ClearSearch => "close the viewer",
        Action::View => "view the file: in B, else in A (also enter)",
        Action::ViewDiff => "the file's diff A -> B (also in the viewer)",
        Action::ViewSide => "viewer: the file in the other image (A / B)",
        _ => help,
    })
}

/// What the marks in the diff's tree and the viewer's title mean, after the keys in its help.
const DIFF_LEGEND: &[(&str, &str)] = &[
    ("mark +", "only in B (added)"),
    ("mark -", "only in A (removed)"),
    ("mark ~", "in both, changed: what changed follows the name"),
    ("▸ ▾", "a collapsed / an expanded directory"),
    ("viewer title", "in A / in B: the image whose file it shows"),
];

/// The help overlay, generated from the keymap with the diff's wording.
pub struct DiffHelp<'a> {
    pub app: &'a DiffApp,
}

impl Widget for &DiffHelp<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let theme = self.app.chrome.theme;
        let all = self.app.chrome.keymap.help_rows();
        // The first rows follow the binding table; the search input's keys and the mouse are
        // kept; the single-image UI's legend, last, gives way to the diff's.
        let legend = all.len().saturating_sub(LEGEND.len());
        let mut rows: Vec<(String, &str)> = all[..legend]
            .iter()
            .enumerate()
            .filter_map(|(i, (keys, help))| match BINDINGS.get(i) {
                Some(b) => diff_help(b.action, help).map(|h| (keys.clone(), h)),
                None => Some((keys.clone(), *help)),
            })
            .collect();
        rows.extend(DIFF_LEGEND.iter().map(|(k, h)| ((*k).to_string(), *h)));
        render_help(&rows, theme, self.app.chrome.help_scroll, area, buf);
    }
}
