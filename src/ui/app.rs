//! The one state the UI draws from, and `update(Action)`, the one place it changes.

mod loaded;
mod viewing;

pub use loaded::Loaded;

use ratatui::layout::Rect;

use super::action::Action;
use super::chrome::{Chrome, Handled};
use super::keymap::Keymap;
use super::layout::{self, Pane};
use super::theme::Theme;
use super::view;
use crate::analysis::Analysis;
use crate::image::Image;
use crate::image::index::ProgressView;

/// Whether the image is still being read.
#[derive(Debug)]
pub enum Phase {
    Loading(ProgressView),
    Ready(Box<Loaded>),
}

/// How the UI starts, from the settings.
#[derive(Debug, Clone, Default)]
pub struct Start {
    pub layer: Option<usize>,
    pub changes_only: bool,
    /// Statuses hidden at start: `added`, `removed`, `modified`, `unmodified`.
    pub hide: Vec<String>,
    /// Every directory collapsed at start.
    pub collapsed: bool,
    /// The permission and owner columns hidden at start.
    pub no_attributes: bool,
}

/// All UI state.
#[derive(Debug)]
pub struct App {
    pub phase: Phase,
    pub reference: String,
    pub focus: Pane,
    /// Help, search input, status note, quit, theme, keys, size: shared with the diff UI.
    pub chrome: Chrome,
    start: Start,
    /// The file viewer, when open: it takes the keys until closed.
    pub viewer: Option<super::viewer::Viewer>,
}

impl App {
    pub fn new(reference: String, theme: Theme, keymap: Keymap, start: Start) -> App {
        App {
            phase: Phase::Loading(ProgressView::default()),
            reference,
            focus: Pane::Layers,
            chrome: Chrome::new(theme, keymap),
            start,
            viewer: None,
        }
    }

    pub fn loaded(&self) -> Option<&Loaded> {
        match &self.phase {
            Phase::Ready(l) => Some(l),
            Phase::Loading(_) => None,
        }
    }

    pub(in crate::ui) fn loaded_mut(&mut self) -> Option<&mut Loaded> {
        match &mut self.phase {
            Phase::Ready(l) => Some(l),
            Phase::Loading(_) => None,
        }
    }

    /// Updates the progress shown while loading; returns whether it changed.
    pub fn set_progress(&mut self, view: ProgressView) -> bool {
        match &mut self.phase {
            Phase::Loading(old) if *old != view => {
                *old = view;
                true
            }
            _ => false,
        }
    }

    /// The image is read and analysed: fill the panes in.
    pub fn finish_loading(&mut self, image: Image, analysis: Analysis) {
        let loaded = Loaded::new(image, analysis, &self.start);
        self.phase = Phase::Ready(Box::new(loaded));
        self.sync_layout();
    }

    pub fn resize(&mut self, width: u16, height: u16) {
        self.chrome.size = Rect::new(0, 0, width, height);
        self.sync_layout();
    }

    pub fn areas(&self) -> layout::Areas {
        let rows = self.loaded().map_or(0, |l| l.analysis.history.len());
        layout::areas(self.chrome.size, self.focus, rows)
    }

    /// Tells the tree view how many rows it shows now.
    fn sync_layout(&mut self) {
        let areas = self.areas();
        if let Some(loaded) = self.loaded_mut() {
            loaded.set_layers_height(areas.layers.height.saturating_sub(2) as usize);
        }
        if let (Some(tree), Some(loaded)) = (areas.tree, self.loaded_mut()) {
            let [_, rows, _] = layout::tree_parts(tree);
            loaded.tree.view.set_height(rows.height as usize);
        }
    }

    /// Brings derived state (the snapshot of the selected layer, the tree rows) up to date.
    /// Called once after a batch of events, so holding a key through the layers replays only
    /// the layer finally selected.
    pub fn settle(&mut self) {
        let areas = self.areas();
        let theme = self.chrome.theme;
        let help_rows = self.chrome.keymap.help_rows().len();
        let help_max = view::help_max_scroll(help_rows, self.chrome.size);
        self.chrome.help_scroll = self.chrome.help_scroll.min(help_max);
        if let Some(loaded) = self.loaded_mut() {
            loaded.settle();
            // The details panes stop at their last line: a scroll past it is taken back here,
            // where the pane's width (and so its wrapped lines) is known.
            if let Some(area) = areas.layer_details {
                let max = view::LayerDetailsView::max_scroll(loaded, theme, area);
                loaded.layer_scroll = loaded.layer_scroll.min(max);
            }
            if let Some(area) = areas.image_details {
                let max = view::ImageDetailsView::max_scroll(loaded, theme, area);
                loaded.image_scroll = loaded.image_scroll.min(max);
            }
        }
    }

    pub fn update(&mut self, action: Action) {
        match self.chrome.update(action, self.loaded().is_some()) {
            Handled::Done => {}
            Handled::SearchCancelled => {
                if let Some(loaded) = self.loaded_mut() {
                    self.chrome.message = loaded.leave_search();
                }
            }
            Handled::SearchSubmitted(text) if self.viewer.is_some() => {
                self.chrome.message = self.viewer.as_mut().map(|v| v.search(&text));
            }
            Handled::SearchSubmitted(text) => {
                if let Some(loaded) = self.loaded_mut() {
                    self.chrome.message = Some(loaded.search(&text));
                }
                self.focus_pane(Pane::Tree);
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
            Action::Scroll { column, row, down } => self.scroll(column, row, down),
            _ => {
                let focus = self.focus;
                if let Some(loaded) = self.loaded_mut() {
                    self.chrome.message = loaded.update(focus, action);
                }
            }
        }
    }

    fn focus_pane(&mut self, pane: Pane) {
        self.focus = pane;
        self.sync_layout();
    }

    fn click(&mut self, column: u16, row: u16) {
        let Some((pane, rect)) = self.areas().pane_at(column, row) else {
            return;
        };
        self.focus_pane(pane);
        if let Some(loaded) = self.loaded_mut() {
            loaded.click(pane, rect, row);
        }
    }

    fn scroll(&mut self, column: u16, row: u16, down: bool) {
        let Some((pane, _)) = self.areas().pane_at(column, row) else {
            return;
        };
        if let Some(loaded) = self.loaded_mut() {
            loaded.scroll(pane, down);
        }
    }
}
