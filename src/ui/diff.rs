//! The diff mode of the terminal UI (`plummet diff A B --ui`): both images load concurrently
//! behind two progress views, then the layer matches, a summary of A -> B and the union of both
//! final filesystems coloured by change.
//!
//! Same loop as the single-image UI: every queued event handled, then one draw.

pub mod app;
pub mod layout;
pub mod treeview;
pub mod union;
pub mod view;

use std::io;
use std::sync::Arc;
use std::sync::mpsc::{self, Receiver, TryRecvError};
use std::time::Duration;

use crossterm::event::{
    self, DisableMouseCapture, EnableMouseCapture, Event, KeyCode, KeyEventKind, KeyModifiers,
    MouseButton, MouseEventKind,
};
use ratatui::DefaultTerminal;

pub use app::{DiffApp, DiffModel};

use super::action::Action;
use super::{
    Keymap, TICK, UiError, UiSettings, input_action, install_mouse_restore_hook, no_color, theme,
};
use crate::analysis::Analysis;
use crate::image::{Image, Progress};
use crate::source::SourceError;

/// Both images read and analysed: (A, B).
pub type PairResult = Result<((Image, Analysis), (Image, Analysis)), SourceError>;

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
    let theme = theme::Theme::new(!no_color(&settings.ui));
    let mut app = DiffApp::new((settings.reference_a, settings.reference_b), theme, keymap);
    let progress = [Arc::new(Progress::default()), Arc::new(Progress::default())];
    let (tx, rx) = mpsc::channel();
    let [pa, pb] = progress.clone();
    std::thread::Builder::new()
        .name("plummet-diff-load".into())
        .spawn(move || {
            let result = load(&pa, &pb).map(|((ia, aa), (ib, ab))| {
                pa.set_stage("comparing".to_string());
                DiffModel::new((&ia, &aa), (&ib, &ab))
            });
            // The receiver is gone only when the user quit first.
            let _ = tx.send(result);
        })?;
    let mut terminal = ratatui::try_init()?;
    install_mouse_restore_hook();
    let result = crossterm::execute!(io::stdout(), EnableMouseCapture)
        .map_err(UiError::from)
        .and_then(|()| event_loop(&mut terminal, &mut app, &rx, &progress));
    let _ = crossterm::execute!(io::stdout(), DisableMouseCapture);
    ratatui::restore();
    result
}

fn event_loop(
    terminal: &mut DefaultTerminal,
    app: &mut DiffApp,
    rx: &Receiver<Result<DiffModel, SourceError>>,
    progress: &[Arc<Progress>; 2],
) -> Result<(), UiError> {
    let size = terminal.size()?;
    app.resize(size.width, size.height);
    let mut dirty = true;
    loop {
        if dirty {
            terminal.draw(|frame| view::render(app, frame))?;
            dirty = false;
        }
        let loading = app.loaded().is_none();
        let wait = if loading {
            TICK
        } else {
            Duration::from_secs(60)
        };
        if event::poll(wait)? {
            loop {
                dirty |= handle(app, event::read()?);
                if !event::poll(Duration::ZERO)? {
                    break;
                }
            }
        }
        if app.quit {
            return Ok(());
        }
        if loading {
            match rx.try_recv() {
                Ok(Ok(model)) => {
                    app.finish_loading(model);
                    dirty = true;
                }
                Ok(Err(e)) => return Err(UiError::Load(e)),
                Err(TryRecvError::Empty) => {
                    dirty |= app.set_progress(progress[0].view(), progress[1].view());
                }
                Err(TryRecvError::Disconnected) => return Err(UiError::LoaderGone),
            }
        }
    }
}

/// Turns one terminal event into an update; returns whether the screen may have changed.
pub fn handle(app: &mut DiffApp, event: Event) -> bool {
    match event {
        Event::Key(key) if key.kind != KeyEventKind::Release => {
            let action = if app.input.is_some() {
                input_action(key.code)
            } else if app.help && key.code == KeyCode::Esc {
                Some(Action::InputCancel)
            } else {
                app.keymap.action(&key)
            };
            let ctrl_c =
                key.code == KeyCode::Char('c') && key.modifiers.contains(KeyModifiers::CONTROL);
            match action {
                _ if ctrl_c => app.update(Action::Quit),
                Some(action) => app.update(action),
                None => return false,
            }
            true
        }
        Event::Mouse(mouse) => {
            let (column, row) = (mouse.column, mouse.row);
            let action = match mouse.kind {
                MouseEventKind::Down(MouseButton::Left) => Action::Click { column, row },
                MouseEventKind::ScrollDown | MouseEventKind::ScrollUp => Action::Scroll {
                    column,
                    row,
                    down: mouse.kind == MouseEventKind::ScrollDown,
                },
                _ => return false,
            };
            app.update(action);
            true
        }
        Event::Resize(width, height) => {
            app.resize(width, height);
            true
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests;
