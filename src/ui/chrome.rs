//! What the single-image UI and the diff UI share around their panes: the help overlay, the
//! search input, the status-bar note, quitting, the theme, the keys and the screen size. Each app
//! holds one [`Chrome`], lets it handle an action first, and keeps only what is its own (panes,
//! focus, the loaded model).

use ratatui::layout::Rect;

use super::action::Action;
use super::keymap::Keymap;
use super::screen::{Typed, help_key, type_search};
use super::theme::Theme;

/// The state both apps share.
#[derive(Debug)]
pub struct Chrome {
    pub help: bool,
    /// First line of the help overlay shown.
    pub help_scroll: u16,
    pub quit: bool,
    /// The search text being typed, when the input is open.
    pub input: Option<String>,
    /// A one-line note for the status bar (search results, a bad glob).
    pub message: Option<String>,
    pub theme: Theme,
    pub keymap: Keymap,
    pub size: Rect,
}

/// What is left for the app once the chrome has seen an action.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Handled {
    /// The chrome took it (help, typing, quit).
    Done,
    /// The search input was closed with Esc.
    SearchCancelled,
    /// The search input was closed with Enter and this text.
    SearchSubmitted(String),
    /// Not the chrome's: the app's panes handle it.
    Pass(Action),
}

impl Chrome {
    pub fn new(theme: Theme, keymap: Keymap) -> Chrome {
        Chrome {
            help: false,
            help_scroll: 0,
            quit: false,
            input: None,
            message: None,
            theme,
            keymap,
            size: Rect::new(0, 0, 80, 24),
        }
    }

    /// Handles what is the chrome's: the open search input, the open help, quitting, opening the
    /// help, and opening the search once the model is `ready`. Clears the last note first.
    pub fn update(&mut self, action: Action, ready: bool) -> Handled {
        self.message = None;
        if self.input.is_some() {
            return match type_search(&mut self.input, action) {
                Typed::Cancelled => Handled::SearchCancelled,
                Typed::Submitted(text) => Handled::SearchSubmitted(text),
                Typed::Quit => {
                    self.quit = true;
                    Handled::Done
                }
                Typed::Editing | Typed::Ignored => Handled::Done,
            };
        }
        if self.help {
            if help_key(action, &mut self.help, &mut self.help_scroll) {
                self.quit = true;
            }
            return Handled::Done;
        }
        match action {
            Action::Quit => self.quit = true,
            Action::Help => {
                self.help = true;
                self.help_scroll = 0;
            }
            Action::Search if ready => self.input = Some(String::new()),
            Action::Search => {}
            other => return Handled::Pass(other),
        }
        Handled::Done
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn chrome() -> Chrome {
        Chrome::new(Theme::new(false), Keymap::new(&HashMap::new()).unwrap())
    }

    #[test]
    fn search_opens_only_when_ready_and_hands_back_its_text() {
        let mut c = chrome();
        assert_eq!(c.update(Action::Search, false), Handled::Done);
        assert!(c.input.is_none());
        c.update(Action::Search, true);
        c.update(Action::Input('x'), true);
        assert_eq!(
            c.update(Action::InputSubmit, true),
            Handled::SearchSubmitted("x".into())
        );
        c.update(Action::Search, true);
        assert_eq!(
            c.update(Action::InputCancel, true),
            Handled::SearchCancelled
        );
    }

    #[test]
    fn help_takes_every_key_until_closed_and_notes_clear() {
        let mut c = chrome();
        c.message = Some("old note".into());
        c.update(Action::Help, true);
        assert!(c.help && c.message.is_none());
        assert_eq!(c.update(Action::Down, true), Handled::Done);
        assert_eq!(c.help_scroll, 1);
        c.update(Action::Help, true);
        assert_eq!(c.update(Action::Down, true), Handled::Pass(Action::Down));
        c.update(Action::Quit, true);
        assert!(c.quit);
    }
}
