//! The file viewer: one file as of a layer (text with line numbers, or a hex dump with a
//! one-line type description), or the unified diff of a file against its previous version.
//! The bytes are read on a worker thread and arrive through a channel, so the UI never waits
//! for a blob; until then the viewer says it is loading.

mod kind;
mod load;

use std::sync::mpsc::{Receiver, TryRecvError};

pub use load::{Request, diff_body, file_body, spawn, spawn_job};

/// Bytes shown at most (the rest of a larger file is summed up in a note).
pub const TEXT_LIMIT: u64 = 1 << 20;
/// Bytes shown at most as hex.
pub const HEX_LIMIT: u64 = 64 << 10;

/// How the lines are drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    Text,
    Hex,
    Diff,
}

/// What the viewer shows once loaded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Body {
    pub style: Style,
    /// A line about the content: size, type, and what was left out.
    pub note: String,
    /// Lines, escaped for the terminal.
    pub lines: Vec<String>,
}

#[derive(Debug)]
pub enum State {
    Loading(Receiver<Result<Body, String>>),
    Failed(String),
    Ready(Body),
}

/// The open viewer.
#[derive(Debug)]
pub struct Viewer {
    /// `/etc/app.conf as of layer 3`, escaped.
    pub title: String,
    pub state: State,
    /// First line shown.
    pub scroll: usize,
    pub wrap: bool,
    pub query: Option<String>,
    /// Lines holding the query.
    pub matches: Vec<usize>,
    pub current: usize,
    /// Lines the viewer shows at once (set by the layout).
    pub height: usize,
}

impl Viewer {
    pub fn new(title: String, rx: Receiver<Result<Body, String>>) -> Viewer {
        Viewer {
            title,
            state: State::Loading(rx),
            scroll: 0,
            wrap: false,
            query: None,
            matches: Vec::new(),
            current: 0,
            height: 20,
        }
    }

    /// A viewer with its body already there (tests, and errors found before any read).
    pub fn ready(title: String, state: State) -> Viewer {
        let (_tx, rx) = std::sync::mpsc::channel();
        let mut v = Viewer::new(title, rx);
        v.state = state;
        v
    }

    /// Takes the worker's answer if it came; returns whether the viewer changed.
    pub fn poll(&mut self) -> bool {
        let State::Loading(rx) = &self.state else {
            return false;
        };
        self.state = match rx.try_recv() {
            Ok(Ok(body)) => State::Ready(body),
            Ok(Err(message)) => State::Failed(message),
            Err(TryRecvError::Empty) => return false,
            Err(TryRecvError::Disconnected) => State::Failed("the file reader stopped".into()),
        };
        true
    }

    pub fn loading(&self) -> bool {
        matches!(self.state, State::Loading(_))
    }

    fn line_count(&self) -> usize {
        match &self.state {
            State::Ready(b) => b.lines.len(),
            _ => 0,
        }
    }

    pub fn scroll_by(&mut self, delta: isize) {
        let last = self.line_count().saturating_sub(self.height.max(1));
        self.scroll = self.scroll.saturating_add_signed(delta).min(last);
    }

    pub fn page(&mut self, down: bool) {
        let rows = self.height.max(1) as isize;
        self.scroll_by(if down { rows } else { -rows });
    }

    pub fn first(&mut self) {
        self.scroll = 0;
    }

    pub fn last(&mut self) {
        self.scroll_by(isize::MAX);
    }

    /// Finds the lines holding `text` (case-insensitively) and shows the first; returns a note.
    pub fn search(&mut self, text: &str) -> String {
        let needle = text.to_lowercase();
        self.matches = match &self.state {
            State::Ready(b) if !needle.is_empty() => b
                .lines
                .iter()
                .enumerate()
                .filter(|(_, l)| l.to_lowercase().contains(&needle))
                .map(|(i, _)| i)
                .collect(),
            _ => Vec::new(),
        };
        self.query = Some(text.to_string());
        self.current = 0;
        match self.matches.first() {
            Some(&line) => {
                self.show(line);
                let n = self.matches.len();
                let lines = if n == 1 {
                    "line matches"
                } else {
                    "lines match"
                };
                format!("{n} {lines} {}", crate::escape::text(text))
            }
            None => format!("no line matches {}", crate::escape::text(text)),
        }
    }

    /// Moves to the next (or previous) match; returns a note.
    pub fn next_match(&mut self, forward: bool) -> Option<String> {
        let count = self.matches.len();
        if count == 0 {
            return self.query.as_ref().map(|_| "no matches".to_string());
        }
        self.current = if forward {
            (self.current + 1) % count
        } else {
            (self.current + count - 1) % count
        };
        let line = self.matches[self.current];
        self.show(line);
        Some(format!("match {} of {count}", self.current + 1))
    }

    /// Scrolls so that `line` is shown, a few lines below the top.
    fn show(&mut self, line: usize) {
        self.scroll = 0;
        self.scroll_by(line.saturating_sub(2) as isize);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn viewer(lines: usize) -> Viewer {
        let body = Body {
            style: Style::Text,
            note: String::new(),
            lines: (0..lines).map(|i| format!("line {i}")).collect(),
        };
        let mut v = Viewer::ready("t".into(), State::Ready(body));
        v.height = 10;
        v
    }

    #[test]
    fn scrolling_stops_at_the_last_page() {
        let mut v = viewer(25);
        v.page(true);
        v.page(true);
        assert_eq!(v.scroll, 15);
        v.first();
        assert_eq!(v.scroll, 0);
        v.last();
        assert_eq!(v.scroll, 15);
    }

    #[test]
    fn search_finds_lines_and_cycles_through_them() {
        let mut v = viewer(25);
        assert_eq!(v.search("LINE 2"), "6 lines match LINE 2");
        assert_eq!(v.matches, vec![2, 20, 21, 22, 23, 24]);
        assert_eq!(v.next_match(true).unwrap(), "match 2 of 6");
        assert_eq!(v.next_match(false).unwrap(), "match 1 of 6");
        assert_eq!(v.next_match(false).unwrap(), "match 6 of 6");
        assert_eq!(v.search("nothing"), "no line matches nothing");
    }
}
