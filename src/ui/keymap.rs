//! Keybindings as data: one table of actions, their default keys and help text. The help overlay
//! and the README's key list are generated from it, and the config can override any key.

use std::collections::HashMap;
use std::fmt::Write as _;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::action::Action;

/// One bindable action.
pub struct Binding {
    pub action: Action,
    /// The name used in config files (`[keys] quit = "ctrl-q"`).
    pub name: &'static str,
    pub keys: &'static [&'static str],
    pub help: &'static str,
}

/// Every bindable action with its default keys, in help order.
pub const BINDINGS: &[Binding] = &[
    b(Action::Quit, "quit", &["q", "ctrl-c"], "quit"),
    b(Action::Help, "help", &["?"], "show or hide this help"),
    b(Action::Up, "up", &["up", "k"], "move up"),
    b(Action::Down, "down", &["down", "j"], "move down"),
    b(
        Action::Left,
        "left",
        &["left", "h"],
        "collapse the directory, or go to its parent",
    ),
    b(
        Action::Right,
        "right",
        &["right", "l"],
        "expand the directory, or go into it",
    ),
    b(Action::PageUp, "page_up", &["pgup"], "page up"),
    b(Action::PageDown, "page_down", &["pgdn"], "page down"),
    b(
        Action::First,
        "first",
        &["home", "g"],
        "go to the first row",
    ),
    b(Action::Last, "last", &["end", "G"], "go to the last row"),
    b(Action::NextPane, "next_pane", &["tab"], "next pane"),
    b(
        Action::PrevPane,
        "prev_pane",
        &["shift-tab"],
        "previous pane",
    ),
    b(
        Action::Toggle,
        "toggle",
        &["enter", "space"],
        "collapse or expand the directory",
    ),
    b(
        Action::ExpandAll,
        "expand_all",
        &["e"],
        "expand every directory",
    ),
    b(
        Action::CollapseAll,
        "collapse_all",
        &["c"],
        "collapse every directory",
    ),
    b(
        Action::ToggleAggregated,
        "toggle_aggregated",
        &["a", "ctrl-l"],
        "tree: the layer's changes / all up to it",
    ),
    b(
        Action::FilterAdded,
        "filter_added",
        &["A", "ctrl-a"],
        "show or hide added files",
    ),
    b(
        Action::FilterModified,
        "filter_modified",
        &["M"],
        "show or hide modified files",
    ),
    b(
        Action::FilterRemoved,
        "filter_removed",
        &["R", "ctrl-r"],
        "show or hide removed files",
    ),
    b(
        Action::FilterUnchanged,
        "filter_unchanged",
        &["U", "ctrl-u"],
        "show or hide unchanged files",
    ),
    b(
        Action::WastedOnly,
        "wasted_only",
        &["w"],
        "only wasted paths and findings",
    ),
    b(Action::Sort, "sort", &["s"], "sort by name / by size"),
    b(
        Action::Search,
        "search",
        &["/", "ctrl-f"],
        "show only paths matching a text, glob or /regex/",
    ),
    b(Action::NextMatch, "next_match", &["n"], "next match"),
    b(Action::PrevMatch, "prev_match", &["N"], "previous match"),
    b(
        Action::ToggleAll,
        "toggle_all",
        &["ctrl-space"],
        "collapse or expand every directory",
    ),
    b(
        Action::ToggleAttributes,
        "toggle_attributes",
        &["ctrl-b"],
        "show or hide permissions and owners",
    ),
    b(
        Action::ClearSearch,
        "clear_search",
        &["esc"],
        "leave the search, or close the viewer",
    ),
    b(
        Action::View,
        "view",
        &["v"],
        "view the file as of the layer (also enter)",
    ),
    b(
        Action::ViewDiff,
        "view_diff",
        &["d"],
        "viewer: diff against the previous version",
    ),
    b(
        Action::ViewWrap,
        "view_wrap",
        &["W"],
        "viewer: wrap long lines",
    ),
    b(
        Action::ViewSide,
        "view_side",
        &["o"],
        "diff viewer: the other image's version (A / B)",
    ),
];

const fn b(
    action: Action,
    name: &'static str,
    keys: &'static [&'static str],
    help: &'static str,
) -> Binding {
    Binding {
        action,
        name,
        keys,
        help,
    }
}

/// Keys of the search input, which are not configurable.
pub const INPUT_KEYS: &[(&str, &str)] = &[
    ("enter", "search for the typed text"),
    ("esc", "cancel the search"),
    ("backspace", "delete a character"),
];

/// Keys the terminal loop handles itself, whatever the keymap says.
pub const FIXED_KEYS: &[(&str, &str)] = &[("ctrl-z", "suspend (the shell's fg resumes)")];

/// The mouse, for the help text.
pub const MOUSE_HELP: &[(&str, &str)] = &[
    ("click", "select a pane and the row under the pointer"),
    ("wheel", "scroll the pane under the pointer"),
];

/// What the marks in the panes mean, listed after the keys in the help overlay.
pub const LEGEND: &[(&str, &str)] = &[
    ("mark +", "added in the selected layer"),
    ("mark ~", "modified in the selected layer"),
    ("mark -", "removed in the selected layer"),
    ("mark *", "wasted: written by more than one layer"),
    ("mark !", "a finding: see the footer or the Image pane"),
    ("mark ·", "inside a directory with a finding"),
    ("▸ ▾", "a collapsed / an expanded directory"),
    ("→ ⇒", "a symlink / a hard link, and its target"),
    ("layer -", "a history step that made no layer (ENV, CMD...)"),
];

/// A key with its modifiers, normalised so that `G` and `shift-g` are the same key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Chord {
    code: KeyCode,
    mods: KeyModifiers,
}

impl Chord {
    fn new(code: KeyCode, mods: KeyModifiers) -> Chord {
        let mods = mods & (KeyModifiers::CONTROL | KeyModifiers::ALT | KeyModifiers::SHIFT);
        match code {
            // Shift is already in the character, and in BackTab.
            KeyCode::Char(_) | KeyCode::BackTab => Chord {
                code,
                mods: mods - KeyModifiers::SHIFT,
            },
            _ => Chord { code, mods },
        }
    }

    pub fn from_event(event: &KeyEvent) -> Chord {
        Chord::new(event.code, event.modifiers)
    }
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum KeymapError {
    #[error("unknown key action `{0}` in the config")]
    UnknownAction(String),
    #[error("cannot read key `{key}` for action `{action}` in the config")]
    BadKey { action: String, key: String },
    #[error(
        "key `{key}` is bound to both `{first}` and `{second}` in the config: give one of them other keys"
    )]
    Conflict {
        key: String,
        first: &'static str,
        second: &'static str,
    },
}

/// Reads a key name: `q`, `G`, `ctrl-c`, `alt-x`, `shift-tab`, `enter`, `space`, `pgdn`, `f5`,
/// and dive's spellings (`ctrl+space`, `pgup`).
pub fn parse_key(text: &str) -> Option<Chord> {
    let mut mods = KeyModifiers::NONE;
    let mut rest = text.trim();
    loop {
        // dive writes `ctrl+space`; plummet's own spelling is `ctrl-space`. Both are read.
        let lower = rest.to_ascii_lowercase();
        let modifier = [
            ("ctrl", KeyModifiers::CONTROL),
            ("alt", KeyModifiers::ALT),
            ("shift", KeyModifiers::SHIFT),
        ]
        .into_iter()
        .find(|(name, _)| {
            lower.starts_with(name)
                && matches!(lower.as_bytes().get(name.len()), Some(b'-' | b'+'))
                && lower.len() > name.len() + 1
        });
        let Some((name, flag)) = modifier else {
            break;
        };
        mods |= flag;
        rest = &rest[name.len() + 1..];
    }
    let mut chars = rest.chars();
    let code = match (chars.next(), chars.next()) {
        (Some(c), None) if mods.contains(KeyModifiers::SHIFT) => {
            KeyCode::Char(c.to_ascii_uppercase())
        }
        (Some(c), None) => KeyCode::Char(c),
        _ => named_key(&rest.to_ascii_lowercase(), mods)?,
    };
    Some(Chord::new(code, mods))
}

fn named_key(name: &str, mods: KeyModifiers) -> Option<KeyCode> {
    Some(match name {
        "enter" | "return" => KeyCode::Enter,
        "esc" | "escape" => KeyCode::Esc,
        "tab" if mods.contains(KeyModifiers::SHIFT) => KeyCode::BackTab,
        "tab" => KeyCode::Tab,
        "backtab" => KeyCode::BackTab,
        "space" => KeyCode::Char(' '),
        "backspace" => KeyCode::Backspace,
        "up" => KeyCode::Up,
        "down" => KeyCode::Down,
        "left" => KeyCode::Left,
        "right" => KeyCode::Right,
        "pgup" | "pageup" => KeyCode::PageUp,
        "pgdn" | "pagedown" => KeyCode::PageDown,
        "home" => KeyCode::Home,
        "end" => KeyCode::End,
        "delete" | "del" => KeyCode::Delete,
        "insert" | "ins" => KeyCode::Insert,
        "comma" => KeyCode::Char(','),
        "slash" => KeyCode::Char('/'),
        f if f.starts_with('f') => {
            KeyCode::F(f[1..].parse().ok().filter(|n| (1..=24).contains(n))?)
        }
        _ => return None,
    })
}

/// The active bindings: defaults with the config's overrides applied.
#[derive(Debug, Clone)]
pub struct Keymap {
    by_chord: HashMap<Chord, Action>,
    /// The key names of each binding, in [`BINDINGS`] order, for the help overlay.
    names: Vec<Vec<String>>,
}

impl Keymap {
    /// Applies overrides `action name -> keys` (several keys separated by commas, e.g.
    /// `"k, up"`; `comma` names the `,` key). An override replaces all default keys of its action.
    pub fn new(overrides: &HashMap<String, String>) -> Result<Keymap, KeymapError> {
        for name in overrides.keys() {
            if !BINDINGS.iter().any(|b| b.name == name) {
                return Err(KeymapError::UnknownAction(name.clone()));
            }
        }
        let configured = |text: &String| -> Vec<String> {
            text.split(',')
                .map(|k| k.trim().to_string())
                .filter(|k| !k.is_empty())
                .collect()
        };
        // A key the config gives to an action leaves the default binding that had it: dive's own
        // sample config moves `d` to page-down, which must not collide with the viewer's default.
        let taken: Vec<Chord> = overrides
            .values()
            .flat_map(&configured)
            .filter_map(|k| parse_key(&k))
            .collect();
        let mut by_chord: HashMap<Chord, (Action, &'static str)> = HashMap::new();
        let mut names = Vec::with_capacity(BINDINGS.len());
        for binding in BINDINGS {
            let keys: Vec<String> = match overrides.get(binding.name) {
                Some(text) => configured(text),
                None => binding
                    .keys
                    .iter()
                    .filter(|k| parse_key(k).is_none_or(|c| !taken.contains(&c)))
                    .map(|k| (*k).to_string())
                    .collect(),
            };
            for key in &keys {
                let chord = parse_key(key).ok_or_else(|| KeymapError::BadKey {
                    action: binding.name.to_string(),
                    key: key.clone(),
                })?;
                // One key, one action: a key the config gives to a second action would leave the
                // user guessing which one it does, so it is refused with both names.
                match by_chord.get(&chord) {
                    Some((action, _)) if *action == binding.action => {}
                    Some((_, first)) => {
                        return Err(KeymapError::Conflict {
                            key: key.clone(),
                            first,
                            second: binding.name,
                        });
                    }
                    None => {
                        by_chord.insert(chord, (binding.action, binding.name));
                    }
                }
            }
            names.push(keys);
        }
        let by_chord = by_chord.into_iter().map(|(c, (a, _))| (c, a)).collect();
        Ok(Keymap { by_chord, names })
    }

    pub fn action(&self, event: &KeyEvent) -> Option<Action> {
        self.by_chord.get(&Chord::from_event(event)).copied()
    }

    /// The first key of `action` as configured (for hints such as "q quit"), if it has one.
    pub fn first_key(&self, action: Action) -> Option<&str> {
        BINDINGS
            .iter()
            .zip(&self.names)
            .find(|(b, _)| b.action == action)
            .and_then(|(_, keys)| keys.first())
            .map(String::as_str)
    }

    /// The status bar's hint: the configured keys of help and quit.
    pub fn hint(&self) -> String {
        let mut parts = Vec::new();
        if let Some(k) = self.first_key(Action::Help) {
            parts.push(format!("{k} help"));
        }
        if let Some(k) = self.first_key(Action::Quit) {
            parts.push(format!("{k} quit"));
        }
        format!(" {} ", parts.join("  "))
    }

    /// `(keys, help)` rows for the help overlay, every binding then the input keys and mouse.
    pub fn help_rows(&self) -> Vec<(String, &'static str)> {
        let mut rows: Vec<(String, &'static str)> = BINDINGS
            .iter()
            .zip(&self.names)
            .map(|(b, keys)| (keys.join(", "), b.help))
            .collect();
        rows.extend(
            INPUT_KEYS
                .iter()
                .map(|(k, h)| (format!("{k} (search)"), *h)),
        );
        rows.extend(
            FIXED_KEYS
                .iter()
                .chain(MOUSE_HELP)
                .chain(LEGEND)
                .map(|(k, h)| ((*k).to_string(), *h)),
        );
        rows
    }
}

/// The default key list as a Markdown table, for the README.
pub fn key_help_markdown() -> String {
    let mut out = String::from("| Keys | Action | Config name |\n|---|---|---|\n");
    for binding in BINDINGS {
        let keys: Vec<String> = binding.keys.iter().map(|k| format!("`{k}`")).collect();
        let _ = writeln!(
            out,
            "| {} | {} | `{}` |",
            keys.join(", "),
            binding.help,
            binding.name
        );
    }
    for (key, help) in INPUT_KEYS {
        let _ = writeln!(out, "| `{key}` (in the search input) | {help} | |");
    }
    for (key, help) in FIXED_KEYS {
        let _ = writeln!(out, "| `{key}` | {help} | |");
    }
    for (key, help) in MOUSE_HELP {
        let _ = writeln!(out, "| {key} | {help} | |");
    }
    out
}

#[cfg(test)]
mod tests;
