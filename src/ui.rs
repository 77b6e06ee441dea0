//! The interactive terminal UI: opens at once with the loading progress while the image is read
//! on a background thread, then shows layers, details and the file tree.
//!
//! The loop is plain blocking crossterm plus one channel for the load result: it handles every
//! queued event, then draws once, and only when something changed (or on a tick while loading).

pub mod action;
pub mod app;
pub mod diff;
pub mod format;
pub mod keymap;
pub mod layout;
pub mod links;
pub mod marks;
pub mod theme;
pub mod treeview;
pub mod view;

use std::collections::HashMap;
use std::io;
use std::sync::Arc;
use std::sync::mpsc::{self, Receiver, TryRecvError};
use std::time::Duration;

use crossterm::event::{
    self, DisableMouseCapture, EnableMouseCapture, Event, KeyCode, KeyEventKind, MouseButton,
    MouseEventKind,
};
use ratatui::DefaultTerminal;

pub use action::Action;
pub use app::App;
pub use diff::{DiffSettings, run_diff};
pub use keymap::{Keymap, KeymapError, key_help_markdown};

use crate::analysis::Analysis;
use crate::image::{Image, Progress};
use crate::source::SourceError;

/// How often the progress view refreshes while loading.
const TICK: Duration = Duration::from_millis(100);

/// How the UI starts, from the command line and config file.
#[derive(Debug, Clone, Default)]
pub struct UiSettings {
    /// The image as the user named it, for the loading view.
    pub reference: String,
    /// Key overrides: action name (`quit`, `next_pane`, ... see [`keymap::BINDINGS`]) -> keys
    /// (`"ctrl-q"`, several separated by commas).
    pub keys: HashMap<String, String>,
    /// No colours (the `NO_COLOR` environment variable has the same effect).
    pub no_color: bool,
    /// The layer selected at start (0 when absent).
    pub initial_layer: Option<usize>,
    /// Start with the tree showing only the selected layer's changes.
    pub changes_only: bool,
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

/// Whether colours are off: by setting or by a non-empty `NO_COLOR`.
pub fn no_color(settings: &UiSettings) -> bool {
    settings.no_color || std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty())
}

type LoadResult = Result<(Image, Analysis), SourceError>;

/// Runs the UI until the user quits. `load` runs on a background thread and reports its progress
/// through the [`Progress`] it is given.
pub fn run(
    load: impl FnOnce(&Progress) -> LoadResult + Send + 'static,
    settings: UiSettings,
) -> Result<(), UiError> {
    let keymap = Keymap::new(&settings.keys)?;
    let theme = theme::Theme::new(!no_color(&settings));
    let start = app::Start {
        layer: settings.initial_layer,
        changes_only: settings.changes_only,
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

    let mut terminal = ratatui::try_init()?;
    install_mouse_restore_hook();
    let result = crossterm::execute!(io::stdout(), EnableMouseCapture)
        .map_err(UiError::from)
        .and_then(|()| event_loop(&mut terminal, &mut app, &rx, &progress));
    let _ = crossterm::execute!(io::stdout(), DisableMouseCapture);
    ratatui::restore();
    result
}

/// Mouse reporting left on would garble the shell after a panic; ratatui's own hook restores
/// the rest of the terminal.
fn install_mouse_restore_hook() {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let _ = crossterm::execute!(io::stdout(), DisableMouseCapture);
        previous(info);
    }));
}

fn event_loop(
    terminal: &mut DefaultTerminal,
    app: &mut App,
    rx: &Receiver<LoadResult>,
    progress: &Progress,
) -> Result<(), UiError> {
    let size = terminal.size()?;
    app.resize(size.width, size.height);
    let mut dirty = true;
    loop {
        if dirty {
            app.settle();
            terminal.draw(|frame| view::render(app, frame))?;
            dirty = false;
        }
        let loading = app.loaded().is_none();
        // Once loaded, nothing but input changes the screen: block until some arrives.
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
                Ok(Ok((image, analysis))) => {
                    app.finish_loading(image, analysis);
                    dirty = true;
                }
                Ok(Err(e)) => return Err(UiError::Load(e)),
                Err(TryRecvError::Empty) => dirty |= app.set_progress(progress.view()),
                Err(TryRecvError::Disconnected) => return Err(UiError::LoaderGone),
            }
        }
    }
}

/// Turns one terminal event into an update; returns whether the screen may have changed.
pub fn handle(app: &mut App, event: Event) -> bool {
    match event {
        Event::Key(key) if key.kind != KeyEventKind::Release => {
            let action = if app.input.is_some() {
                input_action(key.code)
            } else if app.help && key.code == KeyCode::Esc {
                Some(Action::InputCancel)
            } else {
                app.keymap.action(&key)
            };
            // Ctrl-C quits from anywhere, whatever the keymap says.
            let ctrl_c = key.code == KeyCode::Char('c')
                && key.modifiers.contains(event::KeyModifiers::CONTROL);
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
                MouseEventKind::ScrollDown => Action::Scroll {
                    column,
                    row,
                    down: true,
                },
                MouseEventKind::ScrollUp => Action::Scroll {
                    column,
                    row,
                    down: false,
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

/// Keys of the search input.
fn input_action(code: KeyCode) -> Option<Action> {
    match code {
        KeyCode::Char(c) => Some(Action::Input(c)),
        KeyCode::Backspace => Some(Action::InputBackspace),
        KeyCode::Enter => Some(Action::InputSubmit),
        KeyCode::Esc => Some(Action::InputCancel),
        _ => None,
    }
}

#[cfg(test)]
mod tests;
