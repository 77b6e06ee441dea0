//! Where the diff UI's panes go: the layer matches and the summary side by side above the
//! tree when wide; narrow, one of them (the summary only when focused) above the tree.

use ratatui::layout::{Constraint, Layout, Rect};

use super::app::DiffPane;
use crate::ui::layout::is_wide;

/// Rows of the summary pane, borders included.
const TOP_HEIGHT: u16 = 11;

/// Where each pane is drawn; a pane without room is `None`.
#[derive(Debug, Clone, Copy)]
pub struct DiffAreas {
    pub layers: Option<Rect>,
    pub summary: Option<Rect>,
    pub tree: Rect,
    pub status: Rect,
}

impl DiffAreas {
    pub fn pane_at(&self, column: u16, row: u16) -> Option<(DiffPane, Rect)> {
        let inside = |r: &Rect| r.contains(ratatui::layout::Position::new(column, row));
        [
            (DiffPane::Layers, self.layers),
            (DiffPane::Summary, self.summary),
            (DiffPane::Tree, Some(self.tree)),
        ]
        .into_iter()
        .find_map(|(p, r)| r.filter(inside).map(|r| (p, r)))
    }
}

/// Wide: layers and summary side by side above the tree. Narrow: the layers (or the summary,
/// when focused) above the tree.
pub fn areas(size: Rect, focus: DiffPane, layer_rows: usize) -> DiffAreas {
    let [body, status] = Layout::vertical([Constraint::Min(0), Constraint::Length(1)]).areas(size);
    let wide = is_wide(size);
    let summary_shown = focus == DiffPane::Summary;
    // Narrow, the layers pane gives the tree the rows it does not need.
    let wanted = if wide || summary_shown {
        TOP_HEIGHT
    } else {
        (layer_rows as u16).saturating_add(2).clamp(3, TOP_HEIGHT)
    };
    let top_height = wanted.min(body.height / 2);
    let [top, tree] =
        Layout::vertical([Constraint::Length(top_height), Constraint::Min(0)]).areas(body);
    if wide {
        let [layers, summary] =
            Layout::horizontal([Constraint::Min(0), Constraint::Length(56)]).areas(top);
        return DiffAreas {
            layers: Some(layers),
            summary: Some(summary),
            tree,
            status,
        };
    }
    DiffAreas {
        layers: (!summary_shown).then_some(top),
        summary: summary_shown.then_some(top),
        tree,
        status,
    }
}

/// The tree pane's inside: column header, rows, and a line about the selected path.
pub fn tree_parts(pane: Rect) -> [Rect; 3] {
    let inner = pane.inner(ratatui::layout::Margin::new(1, 1));
    let footer = u16::from(inner.height >= 6);
    Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(0),
        Constraint::Length(footer),
    ])
    .areas(inner)
}
