//! Tests of key parsing, overrides and the generated help.

use crossterm::event::KeyEventKind;

use super::*;

fn key(code: KeyCode, mods: KeyModifiers) -> KeyEvent {
    KeyEvent::new_with_kind(code, mods, KeyEventKind::Press)
}

#[test]
fn default_keys_map_to_actions() {
    let map = Keymap::new(&HashMap::new()).unwrap();
    assert_eq!(
        map.action(&key(KeyCode::Char('j'), KeyModifiers::NONE)),
        Some(Action::Down)
    );
    assert_eq!(
        map.action(&key(KeyCode::Char('G'), KeyModifiers::SHIFT)),
        Some(Action::Last)
    );
    assert_eq!(
        map.action(&key(KeyCode::Char('c'), KeyModifiers::CONTROL)),
        Some(Action::Quit)
    );
    assert_eq!(
        map.action(&key(KeyCode::Char('c'), KeyModifiers::NONE)),
        Some(Action::CollapseAll)
    );
    assert_eq!(
        map.action(&key(KeyCode::BackTab, KeyModifiers::SHIFT)),
        Some(Action::PrevPane)
    );
    assert_eq!(
        map.action(&key(KeyCode::Char('x'), KeyModifiers::NONE)),
        None
    );
}

#[test]
fn every_default_key_parses_and_no_two_actions_share_one() {
    let mut seen = HashMap::new();
    for b in BINDINGS {
        for k in b.keys {
            let chord = parse_key(k).unwrap_or_else(|| panic!("{k} does not parse"));
            assert_eq!(seen.insert(chord, b.name), None, "{k} bound twice");
        }
    }
}

#[test]
fn overrides_replace_an_actions_keys() {
    let overrides = HashMap::from([
        ("quit".to_string(), "ctrl-q, x".to_string()),
        ("down".to_string(), "down".to_string()),
        ("sort".to_string(), "j".to_string()),
    ]);
    let map = Keymap::new(&overrides).unwrap();
    assert_eq!(
        map.action(&key(KeyCode::Char('q'), KeyModifiers::NONE)),
        None
    );
    assert_eq!(
        map.action(&key(KeyCode::Char('q'), KeyModifiers::CONTROL)),
        Some(Action::Quit)
    );
    assert_eq!(
        map.action(&key(KeyCode::Char('x'), KeyModifiers::NONE)),
        Some(Action::Quit)
    );
    assert_eq!(
        map.action(&key(KeyCode::Char('j'), KeyModifiers::NONE)),
        Some(Action::Sort)
    );
    assert!(
        map.help_rows()
            .iter()
            .any(|(k, h)| k == "ctrl-q, x" && *h == "quit")
    );
}

#[test]
fn bad_overrides_are_errors_naming_the_action() {
    let unknown = HashMap::from([("fly".to_string(), "f".to_string())]);
    assert_eq!(
        Keymap::new(&unknown).unwrap_err().to_string(),
        "unknown key action `fly` in the config"
    );
    let bad = HashMap::from([("quit".to_string(), "ctrl-nothing".to_string())]);
    assert_eq!(
        Keymap::new(&bad).unwrap_err().to_string(),
        "cannot read key `ctrl-nothing` for action `quit` in the config"
    );
}

#[test]
fn markdown_lists_every_action() {
    let md = key_help_markdown();
    for b in BINDINGS {
        assert!(md.contains(&format!("`{}`", b.name)), "{}", b.name);
    }
    assert!(md.contains("| `q`, `ctrl-c` | quit | `quit` |"));
}

#[test]
fn readme_lists_every_key() {
    let readme = include_str!("../../../README.md");
    let table = super::key_help_markdown();
    if std::env::var_os("PLUMMET_PRINT_KEYS").is_some() {
        println!("{table}");
    }
    assert!(
        readme.contains(table.trim()),
        "README.md's key table is out of date; run PLUMMET_PRINT_KEYS=1 cargo test --lib readme_lists_every_key -- --nocapture and paste it"
    );
}

#[test]
fn a_key_the_config_gives_to_two_actions_is_an_error_naming_both() {
    // A key the config moves to another action leaves its default action (dive's sample config
    // gives `d` to page-down, the viewer's default `d` yields); the other defaults stay.
    let taken = HashMap::from([("sort".to_string(), "j".to_string())]);
    let map = Keymap::new(&taken).unwrap();
    assert_eq!(
        map.action(&key(KeyCode::Char('j'), KeyModifiers::NONE)),
        Some(Action::Sort)
    );
    assert_eq!(
        map.action(&key(KeyCode::Down, KeyModifiers::NONE)),
        Some(Action::Down)
    );
    let dive_sample = HashMap::from([("page_down".to_string(), "pgdn, d".to_string())]);
    let map = Keymap::new(&dive_sample).unwrap();
    assert_eq!(
        map.action(&key(KeyCode::Char('d'), KeyModifiers::NONE)),
        Some(Action::PageDown)
    );
    let two = HashMap::from([
        ("sort".to_string(), "z".to_string()),
        ("down".to_string(), "z".to_string()),
    ]);
    assert!(
        Keymap::new(&two)
            .unwrap_err()
            .to_string()
            .ends_with("in the config: give one of them other keys")
    );
    let both = HashMap::from([
        ("quit".to_string(), "x".to_string()),
        ("help".to_string(), "x".to_string()),
    ]);
    assert!(matches!(
        Keymap::new(&both).unwrap_err(),
        KeymapError::Conflict {
            first: "quit",
            second: "help",
            ..
        }
    ));
    // The same key twice for one action is no conflict.
    let twice = HashMap::from([("quit".to_string(), "x, x".to_string())]);
    assert!(Keymap::new(&twice).is_ok());
}

#[test]
fn dives_key_spellings_and_defaults_work() {
    assert_eq!(parse_key("ctrl+space"), parse_key("ctrl-space"));
    assert_eq!(parse_key("ctrl+a"), parse_key("ctrl-a"));
    assert_eq!(
        parse_key("+"),
        Some(Chord::new(KeyCode::Char('+'), KeyModifiers::NONE))
    );
    assert_eq!(
        parse_key("-"),
        Some(Chord::new(KeyCode::Char('-'), KeyModifiers::NONE))
    );
    let map = Keymap::new(&HashMap::new()).unwrap();
    let ctrl = |c| map.action(&key(KeyCode::Char(c), KeyModifiers::CONTROL));
    assert_eq!(ctrl(' '), Some(Action::ToggleAll));
    assert_eq!(ctrl('a'), Some(Action::FilterAdded));
    assert_eq!(ctrl('r'), Some(Action::FilterRemoved));
    assert_eq!(ctrl('u'), Some(Action::FilterUnchanged));
    assert_eq!(ctrl('b'), Some(Action::ToggleAttributes));
    assert_eq!(ctrl('f'), Some(Action::Search));
    assert_eq!(ctrl('l'), Some(Action::ToggleAggregated));
    assert_eq!(
        map.action(&key(KeyCode::Esc, KeyModifiers::NONE)),
        Some(Action::ClearSearch)
    );
    assert_eq!(map.hint(), " ? help  q quit ");
}
