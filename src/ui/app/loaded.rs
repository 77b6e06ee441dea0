//! The state of the UI once the image is read: the selected layer, its cached snapshot, the tree
//! view model and the details panes' scroll positions.

use std::rc::Rc;

use ratatui::layout::Rect;

use super::Start;
use crate::analysis::Analysis;
use crate::image::Image;
use crate::tree::Snapshot;
use crate::ui::action::Action;
use crate::ui::layout::{self, Pane};
use crate::ui::marks::Marks;
use crate::ui::treeview::{Matcher, Mode, SortOrder, TreeCtx, TreeView};

/// Snapshots kept for recently selected layers (each holds a few arrays over all nodes).
const CACHED_SNAPSHOTS: usize = 4;

/// Trees with at most this many shown paths open fully expanded.
const AUTO_EXPAND: usize = 2_000;

/// Rows the mouse wheel moves.
const WHEEL_ROWS: isize = 3;

#[derive(Debug)]
pub struct Loaded {
    pub image: Image,
    pub analysis: Analysis,
    pub marks: Marks,
    /// The selected layer.
    pub layer: usize,
    pub tree: TreeView,
    pub layer_scroll: u16,
    pub image_scroll: u16,
    /// The first history row the layers pane shows: it moves only when the selection would
    /// leave the pane, like any list, and can go on past the last layer to the rows after it.
    pub layers_offset: usize,
    /// Rows the layers pane shows.
    layers_height: usize,
    /// The layer selected before a search moved to the last one, to go back to.
    layer_before_search: Option<usize>,
    snapshot: Rc<Snapshot>,
    cache: Vec<Rc<Snapshot>>,
    stale: bool,
}

impl Loaded {
    pub fn new(image: Image, analysis: Analysis, start: &Start) -> Loaded {
        let layers = image.tree.layers.len();
        let layer = start.layer.unwrap_or(0).min(layers.saturating_sub(1));
        let marks = Marks::new(&image.tree.paths, &analysis);
        let snapshot = Rc::new(Snapshot::at(&image.tree, layer));
        let mut tree = TreeView::new(image.tree.paths.len());
        if start.changes_only {
            tree.mode = Mode::LayerChanges;
        }
        for status in &start.hide {
            match status.as_str() {
                "added" => tree.filters.added = false,
                "removed" => tree.filters.removed = false,
                "modified" => tree.filters.modified = false,
                "unmodified" => tree.filters.unchanged = false,
                _ => {}
            }
        }
        tree.attributes = !start.no_attributes;
        let mut loaded = Loaded {
            image,
            analysis,
            marks,
            layer,
            tree,
            layer_scroll: 0,
            image_scroll: 0,
            layers_offset: 0,
            layers_height: 1,
            layer_before_search: None,
            snapshot: Rc::clone(&snapshot),
            cache: vec![snapshot],
            stale: true,
        };
        loaded.settle();
        if !start.collapsed && loaded.tree.view.included_count() <= AUTO_EXPAND {
            loaded.with_tree(|tree, ctx| tree.expand_all(ctx));
        }
        loaded
    }

    pub fn snapshot(&self) -> &Snapshot {
        &self.snapshot
    }

    /// Runs a tree view operation with what it reads.
    fn with_tree<R>(&mut self, op: impl FnOnce(&mut TreeView, TreeCtx<'_>) -> R) -> R {
        self.settle();
        let ctx = TreeCtx {
            tree: &self.image.tree,
            snapshot: &self.snapshot,
            marks: &self.marks,
        };
        op(&mut self.tree, ctx)
    }

    /// Replays the selected layer (or takes it from the cache) and rebuilds the rows.
    pub fn settle(&mut self) {
        if !self.stale {
            return;
        }
        self.stale = false;
        if self.snapshot.layer != self.layer {
            let cached = self.cache.iter().position(|s| s.layer == self.layer);
            let snapshot = match cached {
                Some(i) => self.cache.remove(i),
                None => Rc::new(Snapshot::at(&self.image.tree, self.layer)),
            };
            self.cache.push(Rc::clone(&snapshot));
            if self.cache.len() > CACHED_SNAPSHOTS {
                self.cache.remove(0);
            }
            self.snapshot = snapshot;
        }
        let ctx = TreeCtx {
            tree: &self.image.tree,
            snapshot: &self.snapshot,
            marks: &self.marks,
        };
        self.tree.rebuild(ctx);
    }

    fn rebuild(&mut self) {
        self.stale = true;
    }

    /// The history row of the selected layer.
    pub fn selected_row(&self) -> usize {
        self.analysis
            .history
            .iter()
            .position(|h| h.layer == Some(self.layer))
            .unwrap_or(0)
    }

    pub(in crate::ui) fn select_layer(&mut self, layer: usize) {
        let last = self.image.tree.layers.len().saturating_sub(1);
        let layer = layer.min(last);
        if layer != self.layer {
            self.layer = layer;
            self.layer_scroll = 0;
            self.rebuild();
        }
        self.scroll_layers_to_selected();
    }

    /// Sets the rows the layers pane shows, keeping the selected layer in view.
    pub fn set_layers_height(&mut self, height: usize) {
        self.layers_height = height.max(1);
        self.scroll_layers_to_selected();
    }

    /// The last first-row the layers pane can have: the last history row at the bottom.
    fn max_layers_offset(&self) -> usize {
        self.analysis
            .history
            .len()
            .saturating_sub(self.layers_height)
    }

    /// Moves the layers pane's viewport only as far as needed to show the selected row.
    fn scroll_layers_to_selected(&mut self) {
        let row = self.selected_row();
        if row < self.layers_offset {
            self.layers_offset = row;
        } else if row >= self.layers_offset + self.layers_height {
            self.layers_offset = row + 1 - self.layers_height;
        }
        self.layers_offset = self.layers_offset.min(self.max_layers_offset());
    }

    /// Scrolls the layers pane without moving the selection (which stays in view), so that the
    /// history rows after the last layer can be read.
    fn scroll_layers_by(&mut self, delta: isize) {
        let row = self.selected_row();
        let lowest = row.saturating_sub(self.layers_height.saturating_sub(1));
        self.layers_offset = self
            .layers_offset
            .saturating_add_signed(delta)
            .min(self.max_layers_offset())
            .min(row)
            .max(lowest);
    }

    fn move_layer(&mut self, delta: isize) {
        self.select_layer(self.layer.saturating_add_signed(delta));
    }

    /// Applies an action that depends on the focused pane or acts on the tree. Returns a note
    /// for the status bar, if any.
    pub fn update(&mut self, focus: Pane, action: Action) -> Option<String> {
        match action {
            Action::ToggleAggregated => {
                self.tree.mode = match self.tree.mode {
                    Mode::Aggregated => Mode::LayerChanges,
                    Mode::LayerChanges => Mode::Aggregated,
                };
                self.rebuild();
            }
            Action::FilterAdded => self.toggle_filter(|f| &mut f.added),
            Action::FilterModified => self.toggle_filter(|f| &mut f.modified),
            Action::FilterRemoved => self.toggle_filter(|f| &mut f.removed),
            Action::FilterUnchanged => self.toggle_filter(|f| &mut f.unchanged),
            Action::WastedOnly => self.toggle_filter(|f| &mut f.wasted_only),
            Action::Sort => {
                self.tree.sort = match self.tree.sort {
                    SortOrder::Name => SortOrder::Size,
                    SortOrder::Size => SortOrder::Name,
                };
                self.rebuild();
            }
            Action::ToggleAll => self.with_tree(|t, ctx| t.toggle_all(ctx)),
            Action::ToggleAttributes => self.tree.attributes = !self.tree.attributes,
            Action::ClearSearch => return self.leave_search(),
            Action::ExpandAll => self.with_tree(|t, ctx| t.expand_all(ctx)),
            Action::CollapseAll => self.with_tree(|t, ctx| t.collapse_all(ctx)),
            Action::NextMatch | Action::PrevMatch => return self.jump(action),
            _ => match focus {
                Pane::Layers => self.update_layers(action),
                Pane::Tree => self.update_tree(action),
                Pane::LayerDetails => Self::scroll_text(&mut self.layer_scroll, action),
                Pane::ImageDetails => Self::scroll_text(&mut self.image_scroll, action),
            },
        }
        None
    }

    fn toggle_filter(&mut self, flag: impl FnOnce(&mut crate::ui::treeview::Filters) -> &mut bool) {
        let f = flag(&mut self.tree.filters);
        *f = !*f;
        self.rebuild();
    }

    fn update_layers(&mut self, action: Action) {
        let last = self.image.tree.layers.len().saturating_sub(1);
        let page = self.layers_height.max(2) as isize - 1;
        let at = self.layer;
        match action {
            Action::Up | Action::Left => self.move_layer(-1),
            Action::Down | Action::Right => self.move_layer(1),
            Action::PageUp => self.move_layer(-page),
            Action::PageDown => self.move_layer(page),
            Action::First => {
                self.select_layer(0);
                self.layers_offset = 0;
            }
            Action::Last => {
                self.select_layer(last);
                self.scroll_layers_by(isize::MAX);
            }
            _ => {}
        }
        // At either end the list itself scrolls on, to the history rows before the first and
        // after the last layer.
        if self.layer == at {
            match action {
                Action::Down | Action::Right | Action::PageDown => self.scroll_layers_by(1),
                Action::Up | Action::Left | Action::PageUp => self.scroll_layers_by(-1),
                _ => {}
            }
        }
    }

    fn update_tree(&mut self, action: Action) {
        self.with_tree(|tree, ctx| match action {
            Action::Up => tree.view.move_by(-1),
            Action::Down => tree.view.move_by(1),
            Action::Left => tree.left(),
            Action::Right => tree.right(ctx),
            Action::PageUp => tree.view.page(-1),
            Action::PageDown => tree.view.page(1),
            Action::First => tree.view.home(),
            Action::Last => tree.view.end(),
            Action::Toggle => tree.toggle(ctx),
            _ => {}
        });
    }

    fn scroll_text(scroll: &mut u16, action: Action) {
        *scroll = match action {
            Action::Up => scroll.saturating_sub(1),
            Action::Down => scroll.saturating_add(1),
            Action::PageUp => scroll.saturating_sub(10),
            Action::PageDown => scroll.saturating_add(10),
            Action::First => 0,
            _ => *scroll,
        };
    }

    /// Narrows the tree to the paths matching `text` in the whole image (the last layer, as the
    /// container sees it); returns the note for the status bar.
    pub fn search(&mut self, text: &str) -> String {
        if text.is_empty() {
            self.leave_search();
            return "search cleared".into();
        }
        let matcher = match Matcher::parse(text) {
            Ok(m) => m,
            Err(e) => return e.note(text),
        };
        if !self.tree.is_narrowed() {
            self.layer_before_search = Some(self.layer);
        }
        self.select_layer(self.image.tree.layers.len().saturating_sub(1));
        let leave = " (esc: back)";
        match self.with_tree(|t, ctx| t.narrow(ctx, matcher)) {
            0 => format!("no path matches `{text}`{leave}"),
            1 => format!("1 path matches `{text}`{leave}"),
            n => format!("{n} paths match `{text}`{leave}"),
        }
    }

    /// Leaves the search: the tree and the layer from before it (unless the user has picked
    /// another layer since). Returns the note for the status bar.
    pub fn leave_search(&mut self) -> Option<String> {
        let last = self.image.tree.layers.len().saturating_sub(1);
        if let Some(layer) = self.layer_before_search.take() {
            if self.layer == last {
                self.select_layer(layer);
            }
        }
        self.with_tree(|t, ctx| t.leave_search(ctx))
            .then(|| "search left".to_string())
    }

    fn jump(&mut self, action: Action) -> Option<String> {
        if !self.tree.has_search() {
            return Some("no search: press / to search".into());
        }
        let found = self.with_tree(|t, ctx| match action {
            Action::PrevMatch => t.prev_match(ctx),
            _ => t.next_match(ctx),
        });
        (!found).then(|| "no match".into())
    }

    pub fn click(&mut self, pane: Pane, rect: Rect, row: u16) {
        let line = row.saturating_sub(rect.y + 1) as usize;
        match pane {
            Pane::Layers => {
                let layer = self
                    .analysis
                    .history
                    .get(self.layers_offset + line)
                    .and_then(|h| h.layer);
                if let Some(layer) = layer {
                    self.select_layer(layer);
                }
            }
            Pane::Tree => {
                let [_, rows, _] = layout::tree_parts(rect);
                if row >= rows.y && row < rows.bottom() {
                    let line = (row - rows.y) as usize;
                    self.with_tree(|t, _| t.view.click(line));
                }
            }
            Pane::LayerDetails | Pane::ImageDetails => {}
        }
    }

    pub fn scroll(&mut self, pane: Pane, down: bool) {
        let sign = if down { 1 } else { -1 };
        match pane {
            Pane::Layers => self.update_layers(if down { Action::Down } else { Action::Up }),
            Pane::Tree => self.with_tree(|t, _| t.view.move_by(sign * WHEEL_ROWS)),
            Pane::LayerDetails => {
                let action = if down { Action::Down } else { Action::Up };
                Self::scroll_text(&mut self.layer_scroll, action);
            }
            Pane::ImageDetails => {
                let action = if down { Action::Down } else { Action::Up };
                Self::scroll_text(&mut self.image_scroll, action);
            }
        }
    }
}
