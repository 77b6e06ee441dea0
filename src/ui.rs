//! The interactive terminal UI: opens at once with the loading progress while the image is read
//! on a background thread, then shows layers, details and the file tree.
//!
//! The loop is plain blocking crossterm plus one channel for the load result: it handles every
//! queued event, then draws once, and only when something changed (or on a tick while loading).

pub mod action;
pub mod app;
pub mod chrome;
pub mod diff;
pub mod format;
pub mod keymap;
pub mod layout;
pub mod marks;
pub mod rows;
pub mod screen;
mod terminal;
pub mod theme;
pub mod treeview;
pub mod view;
pub mod viewer;

use std::collections::HashMap;
use std::io;
use std::sync::Arc;
use std::sync::mpsc;

pub use action::Action;
pub use app::App;
pub use chrome::Chrome;
pub use diff::{DiffSettings, run_diff};
pub use keymap::{Keymap, KeymapError, key_help_markdown};
pub use screen::{Screen, handle};

use crate::image::Progress;
use crate::pipeline::Inspected;
use crate::source::SourceError;

/// How the UI starts, from the command line and config file.
#[derive(Debug, Clone, Default)]
pub struct UiSettings {
    /// The image as the user named it, for the loading view.
    pub reference: String,
    /// Key overrides: action name (`quit`, `next_pane`, ... see [`keymap::BINDINGS`]) -> keys
    /// (`"ctrl-q"`, several separated by commas).
    pub keys: HashMap<String, String>,
    /// No colours (settings set it from `NO_COLOR`).
    pub no_color: bool,
    /// The layer selected at start (0 when absent).
    pub initial_layer: Option<usize>,
    /// Start with the tree showing only the selected layer's changes.
    pub changes_only: bool,
    /// Statuses hidden at start (dive's `diff.hide`: added, removed, modified, unmodified).
    pub hide: Vec<String>,
    /// Start with every directory collapsed (dive's `filetree.collapse-dir`).
    pub collapsed: bool,
    /// Start without the permission and owner columns (dive's `filetree.show-attributes: false`).
    pub no_attributes: bool,
}

/// Why the UI stopped with an error.
#[derive(Debug, thiserror::Error)]
pub enum UiError {
    #[error(transparent)]
    Load(#[from] SourceError),
    #[error("{0}")]
    Keymap(#[from] KeymapError),
    #[error("terminal error: {0}")]
    Terminal(#[from] io::Error),
    #[error("the image loader stopped without a result")]
    LoaderGone,
}

type LoadResult = Result<Inspected, SourceError>;

/// Runs the UI until the user quits. `load` runs on a background thread and reports its progress
/// through the [`Progress`] it is given.
pub fn run(
    load: impl FnOnce(&Progress) -> LoadResult + Send + 'static,
    settings: UiSettings,
) -> Result<(), UiError> {
    let keymap = Keymap::new(&settings.keys)?;
    let theme = theme::Theme::new(!settings.no_color);
    let start = app::Start {
        layer: settings.initial_layer,
        changes_only: settings.changes_only,
        hide: settings.hide.clone(),
        collapsed: settings.collapsed,
        no_attributes: settings.no_attributes,
    };
    let mut app = App::new(settings.reference.clone(), theme, keymap, start);

    let progress = Arc::new(Progress::default());
    let (tx, rx) = mpsc::channel();
    let worker_progress = Arc::clone(&progress);
    std::thread::Builder::new()
        .name("plummet-load".into())
        .spawn(move || {
            // The receiver is gone only when the user quit first: nothing to report then.
            let _ = tx.send(load(&worker_progress));
        })?;

    screen::run(&mut app, &rx, |app| app.set_progress(progress.view()))
}

impl Screen for App {
    type Loaded = Inspected;

    fn draw(&mut self, frame: &mut ratatui::Frame) {
        self.settle();
        view::render(self, frame);
    }
    fn update(&mut self, action: Action) {
        App::update(self, action);
    }
    fn resize(&mut self, width: u16, height: u16) {
        App::resize(self, width, height);
    }
    fn finish_loading(&mut self, Inspected { image, analysis }: Inspected) {
        App::finish_loading(self, image, analysis);
    }
    fn is_loading(&self) -> bool {
        self.loaded().is_none()
    }
    fn chrome(&self) -> &Chrome {
        &self.chrome
    }
    fn working(&self) -> bool {
        self.viewer.as_ref().is_some_and(viewer::Viewer::loading)
    }
    fn poll_work(&mut self) -> bool {
        self.viewer.as_mut().is_some_and(viewer::Viewer::poll)
    }
}

#[cfg(test)]
mod tests;

#[cfg(test)]
#[path = "ui/viewer_tests.rs"]
mod viewer_tests;
