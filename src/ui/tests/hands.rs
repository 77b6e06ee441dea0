//! The UI for dive hands (issue 14 §3): dive's keys, the search that narrows the tree, lists
//! and text panes that scroll like lists, numbering from 0, the legend, wide characters, the
//! summary at 80x24 and the help at 80 columns.

use std::collections::HashMap;

use crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};

use super::{app, draw, find, history, key, keys};
use crate::analysis;
use crate::image::ImageConfig;
use crate::testutil::{TarBuilder, image_of};
use crate::ui::app::{App, Start};
use crate::ui::keymap::{BINDINGS, Keymap};
use crate::ui::layout::Pane;
use crate::ui::theme::Theme;
use crate::ui::treeview::Mode;
use crate::ui::{Action, handle};

fn ctrl(app: &mut App, c: char) {
    handle(
        app,
        Event::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL)),
    );
}

fn screen(terminal: &ratatui::Terminal<ratatui::backend::TestBackend>) -> String {
    terminal.backend().to_string()
}

#[test]
fn dive_keys_filter_toggle_and_switch_as_in_dive() {
    let mut app = app(true, 80, 24);
    keys(&mut app, "\t");
    ctrl(&mut app, 'a');
    ctrl(&mut app, 'r');
    ctrl(&mut app, 'u');
    let f = app.loaded().unwrap().tree.filters;
    assert!(!f.added && !f.removed && !f.unchanged && f.modified);
    ctrl(&mut app, 'a');
    ctrl(&mut app, 'r');
    ctrl(&mut app, 'u');
    ctrl(&mut app, 'l');
    assert_eq!(app.loaded().unwrap().tree.mode, Mode::LayerChanges);
    ctrl(&mut app, 'l');
    assert_eq!(app.loaded().unwrap().tree.mode, Mode::Aggregated);

    // ctrl+space: everything open (the example starts so) closes, then opens again.
    ctrl(&mut app, ' ');
    let rows = app.loaded().unwrap().tree.view.rows().len();
    assert_eq!(rows, 3, "bin, etc and usr, collapsed");
    ctrl(&mut app, ' ');
    assert!(app.loaded().unwrap().tree.view.rows().len() > rows);

    // ctrl+b hides and shows the permission and owner columns.
    assert!(screen(&draw(&mut app)).contains("Perms"));
    ctrl(&mut app, 'b');
    let terminal = draw(&mut app);
    insta::assert_snapshot!("attributes_hidden_narrow", terminal.backend());
    assert!(!screen(&terminal).contains("Perms"));
    assert!(!screen(&terminal).contains("drwxr-xr-x"));
    ctrl(&mut app, 'b');
    assert!(screen(&draw(&mut app)).contains("drwxr-xr-x"));

    // ctrl+f opens the search, as dive's filter.
    ctrl(&mut app, 'f');
    assert!(app.chrome.input.is_some());
}

#[test]
fn search_narrows_the_whole_image_with_matched_bytes_and_esc_goes_back() {
    let mut app = app(true, 80, 24);
    // Layer 0, changes only, one directory folded: the view to come back to.
    keys(&mut app, "\ta");
    ctrl(&mut app, ' ');
    let before_rows = app.loaded().unwrap().tree.view.rows().to_vec();
    keys(&mut app, "/lib\n");
    let terminal = draw(&mut app);
    insta::assert_snapshot!("search_narrows_narrow", terminal.backend());
    let loaded = app.loaded().unwrap();
    assert_eq!(loaded.layer, 2, "the search covers the whole image");
    assert_eq!(loaded.tree.mode, Mode::Aggregated);
    assert!(loaded.tree.is_narrowed());
    let shown: Vec<String> = loaded
        .tree
        .view
        .rows()
        .iter()
        .map(|r| loaded.image.tree.paths.display(r.node).to_string())
        .collect();
    assert_eq!(
        shown,
        [
            "/usr",
            "/usr/lib",
            "/usr/lib/libc.so.6",
            "/usr/lib/libgone.so"
        ],
        "only the matches and the directories leading to them"
    );
    // /usr holds /usr/bin/su too (40 kB): its total counts only what matched.
    let usr = loaded.tree.view.rows()[0].node;
    assert_eq!(loaded.tree.matched_bytes(usr), Some(2_100_000));
    find(&terminal, "2.10 MB");
    find(&terminal, "matches in all up to layer 2");
    find(&terminal, "(esc: back)");

    key(&mut app, KeyCode::Esc);
    let loaded = app.loaded().unwrap();
    assert!(!loaded.tree.is_narrowed());
    assert_eq!(loaded.layer, 0);
    assert_eq!(loaded.tree.mode, Mode::LayerChanges);
    assert_eq!(loaded.tree.view.rows(), before_rows.as_slice());
    find(&draw(&mut app), "search left");
}

#[test]
fn search_takes_globs_and_regexes_and_says_what_is_wrong_with_one() {
    let mut app = app(true, 80, 24);
    keys(&mut app, "/*.so*\n");
    find(&draw(&mut app), "2 paths match `*.so*`");
    keys(&mut app, "//\\.(py|env)$/\n");
    find(&draw(&mut app), "2 paths match `/\\.(py|env)$/`");
    keys(&mut app, "//(unclosed/\n");
    let terminal = draw(&mut app);
    let (_, y) = find(&terminal, "bad regex `/(unclosed/`");
    assert_eq!(y, 23, "one line in the status bar");
}

/// An image of 30 layers whose history goes on past the last layer (ENV, CMD, ...).
fn many_layers() -> App {
    let layers: Vec<TarBuilder> = (0..30)
        .map(|i| TarBuilder::new().file(&format!("l{i}/f"), 10 + i))
        .collect();
    let mut steps: Vec<_> = (0..30)
        .map(|i| history(&format!("RUN step {i}"), false))
        .collect();
    for tail in ["ENV A=1", "USER app", "WORKDIR /w", "CMD [\"run\"]"] {
        steps.push(history(tail, true));
    }
    let config = ImageConfig {
        history: steps,
        ..ImageConfig::default()
    };
    let image = image_of(layers, config);
    let analysis = analysis::analyze(&image);
    let keymap = Keymap::new(&HashMap::new()).unwrap();
    let mut app = App::new("many".into(), Theme::new(false), keymap, Start::default());
    app.resize(80, 24);
    app.finish_loading(image, analysis);
    app
}

#[test]
fn the_layer_list_scrolls_like_a_list_and_reaches_the_rows_after_the_last_layer() {
    let mut app = many_layers();
    draw(&mut app);
    // Moving down inside the pane does not move the pane.
    keys(&mut app, "jj");
    assert_eq!(app.loaded().unwrap().layers_offset, 0);
    let terminal = draw(&mut app);
    find(&terminal, "RUN step 0");
    find(&terminal, "↓ 29 more");
    // Past the bottom it follows one row at a time, then back up without jumping.
    keys(&mut app, "jjjjj");
    let offset = app.loaded().unwrap().layers_offset;
    assert_eq!(offset, 3, "7 layers down in a pane of 5 rows");
    keys(&mut app, "k");
    assert_eq!(app.loaded().unwrap().layers_offset, offset);
    // The last layer, then on down to the steps after it.
    keys(&mut app, "G");
    keys(&mut app, "jjjjjj");
    let terminal = draw(&mut app);
    insta::assert_snapshot!("layers_after_the_last_narrow", terminal.backend());
    find(&terminal, "CMD [\"run\"]");
    assert_eq!(app.loaded().unwrap().layer, 29);
    find(&terminal, "RUN step 29");
    assert!(!screen(&terminal).contains("more ↓") && !screen(&terminal).contains("↓ "));
}

#[test]
fn details_panes_stop_at_their_end_and_say_more_is_below() {
    let mut app = app(true, 80, 24);
    keys(&mut app, "G\t\t\t");
    assert_eq!(app.focus, Pane::ImageDetails);
    let terminal = draw(&mut app);
    let (_, y) = find(&terminal, "↓ ");
    assert_eq!(y, 22, "on the bottom border");
    for _ in 0..200 {
        keys(&mut app, "j");
    }
    let terminal = draw(&mut app);
    insta::assert_snapshot!("image_details_at_its_end_narrow", terminal.backend());
    let at_end = app.loaded().unwrap().image_scroll;
    assert!(at_end > 0 && at_end < 200, "stopped at {at_end}");
    keys(&mut app, "k");
    draw(&mut app);
    assert_eq!(
        app.loaded().unwrap().image_scroll,
        at_end - 1,
        "one key up moves up at once"
    );
}

#[test]
fn numbering_starts_at_0_everywhere_and_80x24_shows_efficiency_and_waste() {
    let mut app = app(true, 80, 24);
    let terminal = draw(&mut app);
    let (_, y) = find(&terminal, "Layers (at 0 of 0-2)");
    assert_eq!(y, 0);
    find(&terminal, "efficiency 55.0%");
    find(&terminal, "wasted 4.10 MB");
    find(&terminal, "Files: all up to layer 0");
    keys(&mut app, "j\t\t");
    let terminal = draw(&mut app);
    find(&terminal, "Layers (at 1 of 0-2)");
    find(&terminal, "Layer 1");
}

#[test]
fn wide_names_keep_the_size_column_aligned() {
    let layer = TarBuilder::new()
        .file("日本語のファイル名.txt", 1_000)
        .file("📦📦 emoji.tar", 2_000)
        .file("plain.txt", 3_000)
        .file(&format!("{}.bin", "漢".repeat(60)), 4_000);
    let image = image_of(vec![layer], ImageConfig::default());
    let analysis = analysis::analyze(&image);
    let keymap = Keymap::new(&HashMap::new()).unwrap();
    let mut app = App::new("wide".into(), Theme::new(false), keymap, Start::default());
    app.resize(80, 24);
    app.finish_loading(image, analysis);
    let terminal = draw(&mut app);
    insta::assert_snapshot!("wide_names_narrow", terminal.backend());
    // Columns on screen: a wide character takes two cells, the second one empty.
    // Rows by name: plain.txt, 日本語..., 漢漢..., 📦📦... A wide character takes two cells, the
    // second one blank, so the permissions column is found by cell, row by row.
    let buffer = terminal.backend().buffer();
    let (_, first) = find(&terminal, "plain.txt");
    let perms_at = |y: u16| {
        (0..buffer.area.width)
            .find(|&x| buffer[(x, y)].symbol() == "-")
            .unwrap()
    };
    let plain = perms_at(first);
    for (row, what) in [(1, "CJK"), (2, "a cut CJK name"), (3, "emoji")] {
        assert_eq!(perms_at(first + row), plain, "{what}");
    }
    assert_eq!(buffer[(6, first + 1)].symbol(), "日");
    assert_eq!(buffer[(6, first + 3)].symbol(), "📦");
}

#[test]
fn the_help_fits_80_columns_and_has_a_legend() {
    let mut app = app(true, 80, 24);
    keys(&mut app, "?");
    let rows = app.chrome.keymap.help_rows();
    let key_width = rows
        .iter()
        .map(|(k, _)| crate::ui::format::width(k))
        .max()
        .unwrap();
    for (keys, help) in &rows {
        // The popup is 76 wide at 80 columns: 2 borders, 1 space, the keys, 2 spaces.
        let need = 2 + 1 + key_width + 2 + crate::ui::format::width(help);
        assert!(need <= 76, "`{keys}`: `{help}` needs {need} columns");
    }
    assert!(rows.iter().any(|(k, _)| k == "mark *"));
    // Scroll to the end of the help: the legend is there, whole.
    for _ in 0..rows.len() {
        keys(&mut app, "j");
    }
    let terminal = draw(&mut app);
    insta::assert_snapshot!("help_legend_narrow", terminal.backend());
    find(&terminal, "wasted: written by more than one layer");
}

#[test]
fn the_quit_hint_shows_the_remapped_key() {
    let overrides = HashMap::from([
        ("quit".to_string(), "x".to_string()),
        ("help".to_string(), "f1".to_string()),
    ]);
    let keymap = Keymap::new(&overrides).unwrap();
    let mut app = App::new("example".into(), Theme::new(true), keymap, Start::default());
    app.resize(80, 24);
    let (image, analysis) = super::example();
    app.finish_loading(image, analysis);
    let terminal = draw(&mut app);
    let (_, y) = find(&terminal, "f1 help  x quit");
    assert_eq!(y, 23);
    app.update(Action::Quit);
    assert!(app.chrome.quit);
}

#[test]
fn every_binding_has_a_help_line_that_fits() {
    for b in BINDINGS {
        assert!(b.help.len() <= 50, "{}: {}", b.name, b.help);
    }
}
