//! What the single-image UI and the diff UI share: setting the terminal up and restoring it, and
//! the loop that handles every queued event, then draws once, only when something changed (or on
//! a tick while loading).

use std::sync::mpsc::{Receiver, TryRecvError};
use std::time::Duration;

use crossterm::event::{
    self, Event, KeyCode, KeyEventKind, KeyModifiers, MouseButton, MouseEventKind,
};
use ratatui::Frame;

use super::chrome::Chrome;
use super::terminal::{self, UiTerminal};
use super::{Action, Keymap, UiError};
use crate::source::SourceError;

/// How often the progress view refreshes while loading.
pub const TICK: Duration = Duration::from_millis(100);

/// A screen the shared loop can drive.
pub trait Screen {
    /// What the background loader sends when it is done.
    type Loaded;
    /// Draws the whole screen; may settle scroll state first, never changes what is shown.
    fn draw(&mut self, frame: &mut Frame);
    fn update(&mut self, action: Action);
    fn resize(&mut self, width: u16, height: u16);
    fn finish_loading(&mut self, loaded: Self::Loaded);
    fn is_loading(&self) -> bool;
    /// The state shared by both UIs, which answers the questions below.
    fn chrome(&self) -> &Chrome;
    fn wants_quit(&self) -> bool {
        self.chrome().quit
    }
    /// Whether the search input has the keyboard.
    fn typing(&self) -> bool {
        self.chrome().input.is_some()
    }
    fn help_open(&self) -> bool {
        self.chrome().help
    }
    /// Whether work started by a key (the file viewer's read) is still running.
    fn working(&self) -> bool {
        false
    }
    /// Takes in what such work produced; returns whether the screen changed.
    fn poll_work(&mut self) -> bool {
        false
    }
    fn keymap(&self) -> &Keymap {
        &self.chrome().keymap
    }
}

/// Turns one terminal event into an update; returns whether the screen may have changed.
pub fn handle<S: Screen>(app: &mut S, event: Event) -> bool {
    match event {
        Event::Key(key) if key.kind != KeyEventKind::Release => {
            let action = if app.typing() {
                input_action(key.code)
            } else if app.help_open() && key.code == KeyCode::Esc {
                Some(Action::InputCancel)
            } else {
                app.keymap().action(&key)
            };
            // Ctrl-C quits from anywhere, whatever the keymap says.
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

/// Ctrl-Z, which raw mode delivers as a key instead of stopping the process.
fn is_suspend(event: &Event) -> bool {
    matches!(event, Event::Key(key) if key.kind != KeyEventKind::Release
        && key.code == KeyCode::Char('z')
        && key.modifiers.contains(KeyModifiers::CONTROL))
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

/// Takes the terminal, runs the loop until the user quits, and restores the terminal, on error
/// and on panic too. `refresh_progress` updates the loading view and says whether it changed.
pub fn run<S: Screen>(
    app: &mut S,
    loader: &Receiver<Result<S::Loaded, SourceError>>,
    refresh_progress: impl FnMut(&mut S) -> bool,
) -> Result<(), UiError> {
    let mut terminal = terminal::init()?;
    let result = event_loop(&mut terminal, app, loader, refresh_progress);
    terminal::restore();
    result
}

fn event_loop<S: Screen>(
    terminal: &mut UiTerminal,
    app: &mut S,
    loader: &Receiver<Result<S::Loaded, SourceError>>,
    mut refresh_progress: impl FnMut(&mut S) -> bool,
) -> Result<(), UiError> {
    let size = terminal.size()?;
    app.resize(size.width, size.height);
    let mut dirty = true;
    loop {
        if dirty {
            terminal::draw(terminal, |frame| app.draw(frame))?;
            dirty = false;
        }
        let loading = app.is_loading();
        let working = app.working();
        // Once loaded, nothing but input changes the screen: block until some arrives.
        let wait = if loading || working {
            TICK
        } else {
            Duration::from_secs(60)
        };
        if event::poll(wait)? {
            loop {
                let event = event::read()?;
                if is_suspend(&event) {
                    // The signal thread gives the terminal back and stops; on resume it takes
                    // the terminal again and a resize event brings the loop back to redraw.
                    terminal::suspend();
                } else {
                    dirty |= handle(app, event);
                }
                if !event::poll(Duration::ZERO)? {
                    break;
                }
            }
        }
        if app.wants_quit() {
            return Ok(());
        }
        if working {
            dirty |= app.poll_work();
        }
        if loading {
            match loader.try_recv() {
                Ok(Ok(loaded)) => {
                    app.finish_loading(loaded);
                    dirty = true;
                }
                Ok(Err(e)) => return Err(UiError::Load(e)),
                Err(TryRecvError::Empty) => dirty |= refresh_progress(app),
                Err(TryRecvError::Disconnected) => return Err(UiError::LoaderGone),
            }
        }
    }
}

/// What a key did to the search being typed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Typed {
    /// A character added or removed: keep typing.
    Editing,
    /// Esc: the input is closed.
    Cancelled,
    /// Enter: the input is closed with this text.
    Submitted(String),
    Quit,
    /// A key that does nothing while typing.
    Ignored,
}

/// Applies `action` to the search being typed in `input` (shared by both UIs).
pub fn type_search(input: &mut Option<String>, action: Action) -> Typed {
    let Some(text) = input.as_mut() else {
        return Typed::Ignored;
    };
    match action {
        Action::Input(c) => text.push(c),
        Action::InputBackspace => {
            text.pop();
        }
        Action::InputCancel => {
            *input = None;
            return Typed::Cancelled;
        }
        Action::InputSubmit => return Typed::Submitted(input.take().unwrap_or_default()),
        Action::Quit => return Typed::Quit,
        _ => return Typed::Ignored,
    }
    Typed::Editing
}

/// Applies `action` to the open help overlay: scroll it or close it (shared by both UIs).
/// Returns `true` when the key asks to quit.
pub fn help_key(action: Action, open: &mut bool, scroll: &mut u16) -> bool {
    match action {
        Action::Quit => return true,
        Action::Help | Action::InputCancel => *open = false,
        Action::Up => *scroll = scroll.saturating_sub(1),
        Action::Down => *scroll = scroll.saturating_add(1),
        Action::PageUp => *scroll = scroll.saturating_sub(10),
        Action::PageDown => *scroll = scroll.saturating_add(10),
        Action::First => *scroll = 0,
        _ => {}
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typing_a_search_edits_cancels_and_submits() {
        let mut input = Some(String::new());
        assert_eq!(type_search(&mut input, Action::Input('a')), Typed::Editing);
        assert_eq!(type_search(&mut input, Action::Input('b')), Typed::Editing);
        assert_eq!(
            type_search(&mut input, Action::InputBackspace),
            Typed::Editing
        );
        assert_eq!(input.as_deref(), Some("a"));
        assert_eq!(type_search(&mut input, Action::Down), Typed::Ignored);
        assert_eq!(
            type_search(&mut input, Action::InputSubmit),
            Typed::Submitted("a".into())
        );
        assert_eq!(input, None);
        let mut input = Some("x".to_string());
        assert_eq!(
            type_search(&mut input, Action::InputCancel),
            Typed::Cancelled
        );
        assert_eq!(input, None);
        assert_eq!(type_search(&mut input, Action::Input('c')), Typed::Ignored);
    }

    #[test]
    fn the_help_scrolls_closes_and_passes_quit_on() {
        let (mut open, mut scroll) = (true, 0);
        assert!(!help_key(Action::PageDown, &mut open, &mut scroll));
        assert!(!help_key(Action::Up, &mut open, &mut scroll));
        assert_eq!(scroll, 9);
        assert!(!help_key(Action::First, &mut open, &mut scroll));
        assert_eq!(scroll, 0);
        assert!(help_key(Action::Quit, &mut open, &mut scroll));
        assert!(open);
        assert!(!help_key(Action::InputCancel, &mut open, &mut scroll));
        assert!(!open);
    }
}
