//! Where each pane goes for a terminal size: pure, so drawing and mouse clicks agree. Wide
//! terminals show every pane; narrow ones stack the layers over one main pane (the tree, or the
//! details pane that has the focus).

use ratatui::layout::{Constraint, Layout, Rect};

/// The panes, in Tab order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pane {
    Layers,
    Tree,
    LayerDetails,
    ImageDetails,
}

impl Pane {
    const ORDER: [Pane; 4] = [
        Pane::Layers,
        Pane::Tree,
        Pane::LayerDetails,
        Pane::ImageDetails,
    ];

    pub fn next(self) -> Pane {
        let i = Pane::ORDER.iter().position(|p| *p == self).unwrap_or(0);
        Pane::ORDER[(i + 1) % Pane::ORDER.len()]
    }

    pub fn prev(self) -> Pane {
        let i = Pane::ORDER.iter().position(|p| *p == self).unwrap_or(0);
        Pane::ORDER[(i + Pane::ORDER.len() - 1) % Pane::ORDER.len()]
    }

    pub fn title(self) -> &'static str {
        match self {
            Pane::Layers => "Layers",
            Pane::Tree => "Files",
            Pane::LayerDetails => "Layer",
            Pane::ImageDetails => "Image",
        }
    }
}

/// The rectangles of one frame. Panes not shown are `None`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Areas {
    pub layers: Rect,
    pub layer_details: Option<Rect>,
    pub image_details: Option<Rect>,
    pub tree: Option<Rect>,
    pub status: Rect,
}

impl Areas {
    /// The pane under a terminal cell.
    pub fn pane_at(&self, column: u16, row: u16) -> Option<(Pane, Rect)> {
        let inside = |r: &Rect| r.contains(ratatui::layout::Position::new(column, row));
        [
            (Pane::Layers, Some(self.layers)),
            (Pane::Tree, self.tree),
            (Pane::LayerDetails, self.layer_details),
            (Pane::ImageDetails, self.image_details),
        ]
        .into_iter()
        .find_map(|(p, r)| r.filter(inside).map(|r| (p, r)))
    }
}

/// Wide enough to show every pane side by side.
pub fn is_wide(size: Rect) -> bool {
    size.width >= 110 && size.height >= 20
}

pub fn areas(size: Rect, focus: Pane, layer_rows: usize) -> Areas {
    let [body, status] = Layout::vertical([Constraint::Min(0), Constraint::Length(1)]).areas(size);
    let wanted = layer_rows as u16 + 2;
    if is_wide(size) {
        let left_width = (size.width * 2 / 5).max(40);
        let [left, right] =
            Layout::horizontal([Constraint::Length(left_width), Constraint::Min(0)]).areas(body);
        let layers_height = wanted.min(body.height * 2 / 5).max(3);
        let [layers, layer_details, image_details] = Layout::vertical([
            Constraint::Length(layers_height),
            Constraint::Length(15),
            Constraint::Min(0),
        ])
        .areas(left);
        return Areas {
            layers,
            layer_details: Some(layer_details),
            image_details: Some(image_details),
            tree: Some(right),
            status,
        };
    }
    let layers_height = wanted.min((body.height / 3).max(3));
    let [layers, main] =
        Layout::vertical([Constraint::Length(layers_height), Constraint::Min(0)]).areas(body);
    let mut areas = Areas {
        layers,
        layer_details: None,
        image_details: None,
        tree: None,
        status,
    };
    match focus {
        Pane::LayerDetails => areas.layer_details = Some(main),
        Pane::ImageDetails => areas.image_details = Some(main),
        Pane::Layers | Pane::Tree => areas.tree = Some(main),
    }
    areas
}

/// Lines of details of the selected file at the bottom of the tree pane, when there is room.
pub const TREE_FOOTER: u16 = 4;

/// The tree pane's inside: column header, rows, and the selected file's details.
pub fn tree_parts(pane: Rect) -> [Rect; 3] {
    let inner = pane.inner(ratatui::layout::Margin::new(1, 1));
    let footer = match inner.height {
        h if h >= 12 => TREE_FOOTER,
        h if h >= 8 => TREE_FOOTER - 1,
        _ => 0,
    };
    Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(0),
        Constraint::Length(footer),
    ])
    .areas(inner)
}
