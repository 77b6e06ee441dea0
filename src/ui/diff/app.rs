//! The diff UI's state and `update(Action)`: loading progress of both images, then the layer
//! matches, the summary and the union tree's view model.

use std::sync::Arc;

use ratatui::layout::Rect;

pub use super::layout::{DiffAreas, areas, tree_parts};
use super::treeview::{DiffSort, DiffTreeView};
use super::union::UnionTree;
use super::viewing::DiffViewer;
use crate::analysis::Analysis;
use crate::diff::{self, Comparison};
use crate::image::Image;
use crate::image::index::ProgressView;
use crate::ui::action::Action;
use crate::ui::chrome::{Chrome, Handled};
use crate::ui::keymap::Keymap;
use crate::ui::theme::Theme;
use crate::ui::treeview::Matcher;

/// Trees with at most this many shown paths open fully expanded.
const AUTO_EXPAND: usize = 2_000;

/// What the diff computes once both images are read (on the loading thread).
#[derive(Debug)]
pub struct DiffModel {
    pub comparison: Comparison,
    pub union: UnionTree,
    /// A and B, kept for the file viewer to read their layers again (shared with its worker
    /// threads); `None` until [`DiffModel::with_images`].
    pub images: Option<[Arc<Image>; 2]>,
}

impl DiffModel {
    pub fn new(a: (&Image, &Analysis), b: (&Image, &Analysis)) -> DiffModel {
        let comparison = diff::compare(a, b);
        let union = UnionTree::build(a, b, &comparison);
        DiffModel {
            comparison,
            union,
            images: None,
        }
    }

    /// Keeps A and B for the file viewer.
    pub fn with_images(mut self, a: Image, b: Image) -> DiffModel {
        self.images = Some([Arc::new(a), Arc::new(b)]);
        self
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DiffPane {
    Layers,
    Summary,
    Tree,
}

impl DiffPane {
    fn next(self) -> DiffPane {
        match self {
            DiffPane::Layers => DiffPane::Summary,
            DiffPane::Summary => DiffPane::Tree,
            DiffPane::Tree => DiffPane::Layers,
        }
    }

    fn prev(self) -> DiffPane {
        self.next().next()
    }
}

/// The state once both images are read.
#[derive(Debug)]
pub struct DiffLoaded {
    pub model: DiffModel,
    pub tree: DiffTreeView,
    /// The selected row of the layer matches.
    pub layer: usize,
    /// The first layer row the layers pane shows: it moves only as far as the selection needs,
    /// as a list scrolls (not pinned to the selection on every move).
    pub layers_offset: usize,
    /// Rows the layers pane shows (set from the layout).
    layers_height: usize,
    pub summary_scroll: u16,
}

#[derive(Debug)]
pub enum DiffPhase {
    Loading(ProgressView, ProgressView),
    Ready(Box<DiffLoaded>),
}

/// All state of the diff UI.
#[derive(Debug)]
pub struct DiffApp {
    pub phase: DiffPhase,
    pub reference_a: String,
    pub reference_b: String,
    pub focus: DiffPane,
    /// Help, search input, status note, quit, theme, keys, size: shared with the single-image UI.
    pub chrome: Chrome,
    /// The file viewer, when open: it takes the keys until closed.
    pub viewer: Option<DiffViewer>,
}

impl DiffApp {
    pub fn new(references: (String, String), theme: Theme, keymap: Keymap) -> DiffApp {
        DiffApp {
            phase: DiffPhase::Loading(ProgressView::default(), ProgressView::default()),
            reference_a: references.0,
            reference_b: references.1,
            focus: DiffPane::Tree,
            chrome: Chrome::new(theme, keymap),
            viewer: None,
        }
    }

    pub fn loaded(&self) -> Option<&DiffLoaded> {
        match &self.phase {
            DiffPhase::Ready(l) => Some(l),
            DiffPhase::Loading(..) => None,
        }
    }

    pub(super) fn loaded_mut(&mut self) -> Option<&mut DiffLoaded> {
        match &mut self.phase {
            DiffPhase::Ready(l) => Some(l),
            DiffPhase::Loading(..) => None,
        }
    }

    /// Updates both progress views; returns whether either changed.
    pub fn set_progress(&mut self, a: ProgressView, b: ProgressView) -> bool {
        match &mut self.phase {
            DiffPhase::Loading(old_a, old_b) if *old_a != a || *old_b != b => {
                (*old_a, *old_b) = (a, b);
                true
            }
            _ => false,
        }
    }

    pub fn finish_loading(&mut self, model: DiffModel) {
        let mut tree = DiffTreeView::new(&model.union);
        if tree.view.included_count() <= AUTO_EXPAND {
            tree.expand_all(&model.union);
        }
        self.phase = DiffPhase::Ready(Box::new(DiffLoaded {
            model,
            tree,
            layer: 0,
            layers_offset: 0,
            layers_height: 1,
            summary_scroll: 0,
        }));
        self.sync_layout();
    }

    pub fn resize(&mut self, width: u16, height: u16) {
        self.chrome.size = Rect::new(0, 0, width, height);
        self.sync_layout();
    }

    pub fn areas(&self) -> DiffAreas {
        let rows = self.loaded().map_or(0, |l| l.model.comparison.layers.len());
        areas(self.chrome.size, self.focus, rows)
    }

    fn sync_layout(&mut self) {
        let areas = self.areas();
        let [_, rows, _] = tree_parts(areas.tree);
        if let Some(loaded) = self.loaded_mut() {
            loaded.tree.view.set_height(rows.height as usize);
            if let Some(layers) = areas.layers {
                loaded.layers_height = (layers.height.saturating_sub(2) as usize).max(1);
                loaded.follow_layer();
            }
        }
    }

    pub fn update(&mut self, action: Action) {
        match self.chrome.update(action, self.loaded().is_some()) {
            // The diff keeps its matches shown when the input is closed with Esc.
            Handled::Done | Handled::SearchCancelled => {}
            Handled::SearchSubmitted(text) if self.viewer.is_some() => {
                self.chrome.message = self.viewer.as_mut().map(|v| v.viewer.search(&text));
            }
            Handled::SearchSubmitted(text) => {
                if let Some(loaded) = self.loaded_mut() {
                    self.chrome.message = Some(loaded.search(&text));
                }
                self.focus_pane(DiffPane::Tree);
            }
            Handled::Pass(action) if self.viewer.is_some() => self.update_viewer(action),
            Handled::Pass(action) if self.opens_viewer(action) => {
                self.open_viewer(action == Action::ViewDiff);
            }
            Handled::Pass(action) => self.update_panes(action),
        }
    }

    fn update_panes(&mut self, action: Action) {
        match action {
            Action::NextPane => self.focus_pane(self.focus.next()),
            Action::PrevPane => self.focus_pane(self.focus.prev()),
            Action::Click { column, row } => self.click(column, row),
            Action::Scroll { column, row, down } => {
                if let Some((pane, _)) = self.areas().pane_at(column, row) {
                    let action = if down { Action::Down } else { Action::Up };
                    let focus = self.focus;
                    self.focus = pane;
                    for _ in 0..3 {
                        self.update_loaded(action);
                    }
                    self.focus = focus;
                }
            }
            _ => self.update_loaded(action),
        }
    }

    fn update_loaded(&mut self, action: Action) {
        let focus = self.focus;
        if let Some(loaded) = self.loaded_mut() {
            self.chrome.message = loaded.update(focus, action);
        }
    }

    fn focus_pane(&mut self, pane: DiffPane) {
        self.focus = pane;
        self.sync_layout();
    }

    fn click(&mut self, column: u16, row: u16) {
        let Some((pane, rect)) = self.areas().pane_at(column, row) else {
            return;
        };
        self.focus_pane(pane);
        let Some(loaded) = self.loaded_mut() else {
            return;
        };
        match pane {
            DiffPane::Tree => {
                let [_, rows, _] = tree_parts(rect);
                if row >= rows.y && row < rows.bottom() {
                    loaded.tree.view.click((row - rows.y) as usize);
                }
            }
            DiffPane::Layers => {
                let first = loaded.layers_offset;
                let line = row.saturating_sub(rect.y + 1) as usize;
                if first + line < loaded.model.comparison.layers.len() {
                    loaded.layer = first + line;
                }
            }
            DiffPane::Summary => {}
        }
    }
}

impl DiffLoaded {
    /// Applies an action to the focused pane or the tree; returns a note for the status bar.
    fn update(&mut self, focus: DiffPane, action: Action) -> Option<String> {
        let union = &self.model.union;
        let tree = &mut self.tree;
        match action {
            // In the diff, "all / changes" switches between every path and the changed ones.
            Action::ToggleAggregated | Action::FilterUnchanged => {
                tree.filters.unchanged = !tree.filters.unchanged;
                tree.refilter(union);
            }
            Action::FilterAdded => {
                tree.filters.added = !tree.filters.added;
                tree.refilter(union);
            }
            Action::FilterModified => {
                tree.filters.changed = !tree.filters.changed;
                tree.refilter(union);
            }
            Action::FilterRemoved => {
                tree.filters.removed = !tree.filters.removed;
                tree.refilter(union);
            }
            Action::Sort => {
                tree.sort = match tree.sort {
                    DiffSort::Name => DiffSort::Delta,
                    DiffSort::Delta => DiffSort::Name,
                };
                tree.reflatten(union);
            }
            Action::ExpandAll => tree.expand_all(union),
            Action::CollapseAll => tree.collapse_all(union),
            Action::NextMatch | Action::PrevMatch => {
                if !tree.has_search() {
                    return Some("no search: press / to search".into());
                }
                if !tree.jump(union, action == Action::NextMatch) {
                    return Some("no match".into());
                }
            }
            _ => match focus {
                DiffPane::Tree => self.update_tree(action),
                DiffPane::Layers => self.update_layers(action),
                DiffPane::Summary => {
                    self.summary_scroll = match action {
                        Action::Up => self.summary_scroll.saturating_sub(1),
                        Action::Down => self.summary_scroll.saturating_add(1),
                        Action::First => 0,
                        _ => self.summary_scroll,
                    };
                }
            },
        }
        None
    }

    fn update_tree(&mut self, action: Action) {
        let union = &self.model.union;
        let tree = &mut self.tree;
        match action {
            Action::Up => tree.view.move_by(-1),
            Action::Down => tree.view.move_by(1),
            Action::Left => tree.left(union),
            Action::Right => tree.right(union),
            Action::PageUp => tree.view.page(-1),
            Action::PageDown => tree.view.page(1),
            Action::First => tree.view.home(),
            Action::Last => tree.view.end(),
            Action::Toggle => tree.toggle(union),
            _ => {}
        }
    }

    fn update_layers(&mut self, action: Action) {
        let last = self.model.comparison.layers.len().saturating_sub(1);
        self.layer = match action {
            Action::Up | Action::Left => self.layer.saturating_sub(1),
            Action::Down | Action::Right => self.layer.saturating_add(1),
            Action::PageUp => self.layer.saturating_sub(10),
            Action::PageDown => self.layer.saturating_add(10),
            Action::First => 0,
            Action::Last => last,
            _ => self.layer,
        }
        .min(last);
        self.follow_layer();
    }

    /// Moves the layers pane's viewport only as far as needed to show the selected row.
    fn follow_layer(&mut self) {
        let rows = self.model.comparison.layers.len();
        let height = self.layers_height.max(1);
        if self.layer < self.layers_offset {
            self.layers_offset = self.layer;
        } else if self.layer >= self.layers_offset + height {
            self.layers_offset = self.layer + 1 - height;
        }
        self.layers_offset = self.layers_offset.min(rows.saturating_sub(height));
    }

    /// Searches the union's paths; returns the note for the status bar.
    pub fn search(&mut self, text: &str) -> String {
        let union = &self.model.union;
        if text.is_empty() {
            self.tree.search(union, None);
            return "search cleared".into();
        }
        match Matcher::parse(text) {
            Ok(matcher) => match self.tree.search(union, Some(matcher)) {
                0 => format!("no path matches `{text}`"),
                1 => format!("1 path matches `{text}`"),
                n => format!("{n} paths match `{text}`"),
            },
            Err(e) => e.note(text),
        }
    }
}
