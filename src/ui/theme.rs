//! Colours and emphasis. With `NO_COLOR`, statuses stay distinguishable through modifiers
//! (bold, italic, crossed out) and the status column's `+ ~ -` marks.

use ratatui::style::{Color, Modifier, Style};

use crate::tree::Status;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Theme {
    pub color: bool,
}

impl Theme {
    pub fn new(color: bool) -> Theme {
        Theme { color }
    }

    pub fn status(self, status: Status) -> Style {
        match (self.color, status) {
            (_, Status::Unchanged) => Style::new(),
            (true, Status::Added) => Style::new().fg(Color::Green),
            (true, Status::Modified) => Style::new().fg(Color::Yellow),
            (true, Status::Removed) => Style::new().fg(Color::Red),
            (false, Status::Added) => Style::new().add_modifier(Modifier::BOLD),
            (false, Status::Modified) => Style::new().add_modifier(Modifier::ITALIC),
            (false, Status::Removed) => Style::new().add_modifier(Modifier::CROSSED_OUT),
        }
    }

    /// The `+ ~ -` mark of a status, so statuses read without colour too.
    pub fn status_mark(status: Status) -> char {
        match status {
            Status::Unchanged => ' ',
            Status::Added => '+',
            Status::Modified => '~',
            Status::Removed => '-',
        }
    }

    pub fn selected(self, focused: bool) -> Style {
        if focused {
            Style::new().add_modifier(Modifier::REVERSED)
        } else {
            Style::new().add_modifier(Modifier::UNDERLINED)
        }
    }

    pub fn border(self, focused: bool) -> Style {
        match (self.color, focused) {
            (true, true) => Style::new().fg(Color::Cyan),
            (false, true) => Style::new().add_modifier(Modifier::BOLD),
            (_, false) => Style::new(),
        }
    }

    pub fn dim(self) -> Style {
        Style::new().add_modifier(Modifier::DIM)
    }

    pub fn heading(self) -> Style {
        Style::new().add_modifier(Modifier::BOLD)
    }

    /// A finding on the path itself, or (dimmer) on a directory above it.
    pub fn finding(self, direct: bool) -> Style {
        let base = if self.color {
            Style::new().fg(Color::Magenta)
        } else {
            Style::new()
        };
        if direct {
            base.add_modifier(Modifier::BOLD)
        } else {
            base.add_modifier(Modifier::DIM)
        }
    }

    /// A search match.
    pub fn matched(self) -> Style {
        if self.color {
            Style::new().fg(Color::Black).bg(Color::LightCyan)
        } else {
            Style::new().add_modifier(Modifier::UNDERLINED)
        }
    }

    pub fn warning(self) -> Style {
        if self.color {
            Style::new().fg(Color::Red).add_modifier(Modifier::BOLD)
        } else {
            Style::new().add_modifier(Modifier::BOLD)
        }
    }
}
