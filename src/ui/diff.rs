//! The diff mode of the terminal UI (`plummet diff A B --ui`): both images load concurrently
//! behind two progress views, then the layer matches, a summary of A -> B and the union of both
//! final filesystems coloured by change. On a file, the viewer shows it as of A or of B, or its
//! diff A -> B ([`viewing`]).
//!
//! Same loop as the single-image UI: every queued event handled, then one draw.

pub mod app;
pub mod layout;
pub mod treeview;
pub mod union;
pub mod view;
pub mod viewing;

use std::sync::Arc;
use std::sync::mpsc;

pub use super::screen::handle;
pub use app::{DiffApp, DiffModel};

use super::action::Action;
use super::{Chrome, Keymap, Screen, UiError, UiSettings, theme};
use crate::image::Progress;
use crate::pipeline::Inspected;
use crate::source::SourceError;

/// Both images read and analysed: (A, B).
pub type PairResult = Result<(Inspected, Inspected), SourceError>;

/// How the diff UI starts.
#[derive(Debug, Clone, Default)]
pub struct DiffSettings {
    /// The two images as the user named them.
    pub reference_a: String,
    pub reference_b: String,
    /// Keys and colours, as for the single-image UI (its `reference` is not used).
    pub ui: UiSettings,
}

/// Runs the diff UI until the user quits. `load` runs on a background thread, reporting the
/// progress of A and of B through the two [`Progress`] it is given; the comparison is computed
/// on that thread too.
pub fn run_diff(
    load: impl FnOnce(&Progress, &Progress) -> PairResult + Send + 'static,
    settings: DiffSettings,
) -> Result<(), UiError> {
    let keymap = Keymap::new(&settings.ui.keys)?;
    let theme = theme::Theme::new(!settings.ui.no_color);
    let mut app = DiffApp::new((settings.reference_a, settings.reference_b), theme, keymap);
    let progress = [Arc::new(Progress::default()), Arc::new(Progress::default())];
    let (tx, rx) = mpsc::channel();
    let [pa, pb] = progress.clone();
    std::thread::Builder::new()
        .name("plummet-diff-load".into())
        .spawn(move || {
            let result = load(&pa, &pb).map(|(a, b)| {
                pa.set_stage("comparing".to_string());
                DiffModel::new(a.parts(), b.parts()).with_images(a.image, b.image)
            });
            // The receiver is gone only when the user quit first.
            let _ = tx.send(result);
        })?;
    super::screen::run(&mut app, &rx, |app| {
        app.set_progress(progress[0].view(), progress[1].view())
    })
}

impl Screen for DiffApp {
    type Loaded = DiffModel;

    fn draw(&mut self, frame: &mut ratatui::Frame) {
        view::render(self, frame);
    }
    fn update(&mut self, action: Action) {
        DiffApp::update(self, action);
    }
    fn resize(&mut self, width: u16, height: u16) {
        DiffApp::resize(self, width, height);
    }
    fn finish_loading(&mut self, model: DiffModel) {
        DiffApp::finish_loading(self, model);
    }
    fn is_loading(&self) -> bool {
        self.loaded().is_none()
    }
    fn chrome(&self) -> &Chrome {
        &self.chrome
    }
    fn working(&self) -> bool {
        self.viewer.as_ref().is_some_and(|v| v.viewer.loading())
    }
    fn poll_work(&mut self) -> bool {
        self.viewer.as_mut().is_some_and(|v| v.viewer.poll())
    }
}

#[cfg(test)]
mod tests;
#[cfg(test)]
mod viewer_tests;
