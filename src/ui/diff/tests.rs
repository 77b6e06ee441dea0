//! Snapshot tests of the diff UI at 80x24 and 160x48, with and without colours, on two small
//! images built in memory and driven through the same event handling as the terminal loop.

use std::collections::HashMap;

use crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::style::{Color, Modifier};

use super::app::{DiffApp, DiffModel, DiffPane};
use super::{handle, view};
use crate::analysis::{self, Analysis};
use crate::image::config::History;
use crate::image::{Image, ImageConfig};
use crate::testutil::{TarBuilder, image_of};
use crate::ui::Keymap;
use crate::ui::tests::find;
use crate::ui::theme::Theme;

fn history(created_by: &str) -> History {
    History {
        created_by: created_by.into(),
        ..History::default()
    }
}

fn base() -> TarBuilder {
    TarBuilder::new()
        .dir("bin")
        .file_mode("bin/sh", 120_000, 0o755)
        .symlink("bin/ash", "sh")
        .dir("etc")
        .file("etc/passwd", 900)
        .file("etc/os-release", 300)
}

fn image(layers: Vec<TarBuilder>, commands: &[&str]) -> (Image, Analysis) {
    let config = ImageConfig {
        history: commands.iter().map(|c| history(c)).collect(),
        ..ImageConfig::default()
    };
    let image = image_of(layers, config);
    let analysis = analysis::analyze(&image);
    (image, analysis)
}

/// A: base, packages (with a cache), the app. B: the same base, fewer packages without the
/// cache, a changed app and a new config layer.
fn pair() -> ((Image, Analysis), (Image, Analysis)) {
    let a = image(
        vec![
            base(),
            TarBuilder::new()
                .file("var/cache/apk/APKINDEX.tar.gz", 400_000)
                .file("usr/lib/libssl.so.3", 600_000)
                .file("usr/lib/libc.so.6", 2_000_000),
            TarBuilder::new()
                .file("app/main.py", 4_000)
                .file("app/.git/HEAD", 23),
        ],
        &["ADD rootfs.tar /", "RUN apk add openssl", "COPY . /app"],
    );
    let b = image(
        vec![
            base(),
            TarBuilder::new().file("usr/lib/libc.so.6", 2_100_000),
            TarBuilder::new()
                .file("app/main.py", 5_000)
                .file_mode("app/run.sh", 200, 0o755),
            TarBuilder::new().file_mode("etc/passwd", 900, 0o600),
        ],
        &[
            "ADD rootfs.tar /",
            "RUN apk add musl",
            "COPY . /app",
            "RUN chmod 600 /etc/passwd",
        ],
    );
    (a, b)
}

fn app(color: bool, width: u16, height: u16) -> DiffApp {
    let keymap = Keymap::new(&HashMap::new()).unwrap();
    let mut app = DiffApp::new(("app:1".into(), "app:2".into()), Theme::new(color), keymap);
    app.resize(width, height);
    let ((ia, aa), (ib, ab)) = pair();
    app.finish_loading(DiffModel::new((&ia, &aa), (&ib, &ab)));
    app
}

fn draw(app: &DiffApp) -> Terminal<TestBackend> {
    let mut terminal = Terminal::new(TestBackend::new(
        app.chrome.size.width,
        app.chrome.size.height,
    ))
    .unwrap();
    terminal.draw(|frame| view::render(app, frame)).unwrap();
    terminal
}

/// Types keys given as characters (`\t` is Tab, `\n` Enter).
fn keys(app: &mut DiffApp, text: &str) {
    for c in text.chars() {
        let code = match c {
            '\t' => KeyCode::Tab,
            '\n' => KeyCode::Enter,
            c => KeyCode::Char(c),
        };
        handle(app, Event::Key(KeyEvent::new(code, KeyModifiers::NONE)));
    }
}

fn absent(terminal: &Terminal<TestBackend>, text: &str) {
    let screen = terminal.backend().to_string();
    assert!(!screen.contains(text), "{text} is on screen:\n{screen}");
}

#[test]
fn loading_shows_both_images() {
    let keymap = Keymap::new(&HashMap::new()).unwrap();
    let mut app = DiffApp::new(("app:1".into(), "app:2".into()), Theme::new(true), keymap);
    app.resize(80, 24);
    let a = crate::image::Progress::default();
    a.set_stage("reading layers");
    a.start_layers(vec![1_000_000, 3_000_000]);
    let b = crate::image::Progress::default();
    b.set_stage("fetching manifest");
    assert!(app.set_progress(a.view(), b.view()));
    assert!(!app.set_progress(a.view(), b.view()));
    insta::assert_snapshot!(draw(&app).backend());
}

#[test]
fn changes_narrow() {
    let app = app(true, 80, 24);
    let terminal = draw(&app);
    insta::assert_snapshot!(terminal.backend());
    find(&terminal, "  ▾ app/");
    find(&terminal, "-   ▾ .git/");
    find(&terminal, "~     passwd (mode)");
    absent(&terminal, "os-release");
}

#[test]
fn changes_wide_with_summary() {
    let app = app(true, 160, 48);
    let terminal = draw(&app);
    insta::assert_snapshot!(terminal.backend());
    find(&terminal, "Summary (A -> B)");
    find(&terminal, "- ▾ var/");
    find(&terminal, "libc.so.6 (content)");
}

#[test]
fn every_path_sorted_by_change_wide() {
    let mut app = app(true, 160, 48);
    keys(&mut app, "as");
    let terminal = draw(&app);
    insta::assert_snapshot!(terminal.backend());
    find(&terminal, "all paths | by size change");
    find(&terminal, "os-release");
    // /usr/lib grew by 100 kB less the 600 kB of libssl: the largest change, first.
    let (_, usr) = find(&terminal, "▾ usr/");
    let (_, var) = find(&terminal, "▾ var/");
    assert!(usr < var, "usr (-500 kB) sorts before var (-400 kB)");
}

#[test]
fn summary_takes_the_top_when_narrow() {
    let mut app = app(true, 80, 24);
    keys(&mut app, "\t\t");
    assert_eq!(app.focus, DiffPane::Summary);
    let terminal = draw(&app);
    insta::assert_snapshot!(terminal.backend());
    find(&terminal, "reclaimable");
}

#[test]
fn filters_hide_change_kinds_and_collapse_works() {
    let mut app = app(true, 80, 24);
    keys(&mut app, "R");
    let terminal = draw(&app);
    absent(&terminal, "var/");
    find(&terminal, "show AM..");
    keys(&mut app, "RA");
    let terminal = draw(&app);
    absent(&terminal, "run.sh");
    find(&terminal, "var/");
    keys(&mut app, "Ac");
    let terminal = draw(&app);
    find(&terminal, "  ▸ app/");
    absent(&terminal, "main.py");
    keys(&mut app, "\n");
    find(&draw(&app), "main.py");
}

#[test]
fn search_jumps_and_expands() {
    let mut app = app(true, 80, 24);
    keys(&mut app, "c/*.sh\n");
    let terminal = draw(&app);
    insta::assert_snapshot!(terminal.backend());
    find(&terminal, "1 path matches `*.sh`");
    let loaded = app.loaded().unwrap();
    let node = loaded.tree.view.selected().unwrap();
    assert_eq!(loaded.model.union.paths.display(node), "/app/run.sh");
}

#[test]
fn help_uses_the_diff_wording() {
    let mut app = app(true, 160, 48);
    keys(&mut app, "?");
    let terminal = draw(&app);
    insta::assert_snapshot!(terminal.backend());
    find(&terminal, "tree: changes only / every path of A and B");
    absent(&terminal, "only wasted paths");
}

#[test]
fn no_color_keeps_changes_apart_with_modifiers() {
    let app = app(false, 80, 24);
    let terminal = draw(&app);
    insta::assert_snapshot!(terminal.backend());
    let buffer = terminal.backend().buffer();
    for y in 0..24 {
        for x in 0..80 {
            let cell = &buffer[(x, y)];
            assert_eq!((cell.fg, cell.bg), (Color::Reset, Color::Reset), "{x},{y}");
        }
    }
    let (x, y) = find(&terminal, "+     run.sh");
    assert!(buffer[(x, y)].modifier.contains(Modifier::BOLD));
    let (x, y) = find(&terminal, "~     passwd");
    assert!(buffer[(x, y)].modifier.contains(Modifier::ITALIC));
}

#[test]
fn changes_are_coloured() {
    let app = app(true, 160, 48);
    let terminal = draw(&app);
    let buffer = terminal.backend().buffer();
    let (x, y) = find(&terminal, "+     run.sh");
    assert_eq!(buffer[(x, y)].fg, Color::Green);
    let (x, y) = find(&terminal, "-       libssl.so.3");
    assert_eq!(buffer[(x, y)].fg, Color::Red);
    let (x, y) = find(&terminal, "~       libc.so.6");
    assert_eq!(buffer[(x, y)].fg, Color::Yellow);
    let (x, y) = find(&terminal, "  ▾ etc/");
    assert_eq!(buffer[(x, y)].fg, Color::Reset);
}

#[test]
fn layers_pane_lists_the_matches() {
    let mut app = app(true, 160, 48);
    keys(&mut app, "\tG");
    let terminal = draw(&app);
    find(&terminal, "shared    0   0");
    find(&terminal, "removed   1   -");
    find(&terminal, "added     -   1");
    find(&terminal, "changed   2   2");
    find(&terminal, "added     -   3");
    assert_eq!(app.loaded().unwrap().layer, 4);
    keys(&mut app, "q");
    assert!(app.chrome.quit);
}

/// The diff UI of two images read as `plummet diff --ui` reads them (content fingerprints on):
/// A has the app as `COPY --chown=1000:1000` writes it; B replaces `node_modules` as root through
/// an opaque directory with the same files, and rewrites a config with the same size.
fn owner_and_rewrite_app() -> DiffApp {
    let options = crate::image::IndexOptions {
        content_digests: true,
        ..crate::image::IndexOptions::default()
    };
    let app_layer = |config: &[u8]| {
        TarBuilder::new()
            .dir_owned("app/", 1000, 1000)
            .file_owned("app/config", config, 1000, 1000)
            .dir_owned("app/node_modules/", 1000, 1000)
            .file_owned(
                "app/node_modules/index.js",
                b"module.exports = 1;\n",
                1000,
                1000,
            )
    };
    let replaced = TarBuilder::new()
        .dir("app/node_modules/")
        .opaque("app/node_modules")
        .file_owned(
            "app/node_modules/index.js",
            b"module.exports = 1;\n",
            1000,
            1000,
        );
    let read = |layers| {
        let image = crate::testutil::image_with(layers, ImageConfig::default(), &options);
        let analysis = analysis::analyze(&image);
        (image, analysis)
    };
    let (ia, aa) = read(vec![app_layer(b"port=8080")]);
    let (ib, ab) = read(vec![app_layer(b"port=9090"), replaced]);
    let keymap = Keymap::new(&HashMap::new()).unwrap();
    let mut app = DiffApp::new(("app:1".into(), "app:2".into()), Theme::new(false), keymap);
    app.resize(80, 24);
    app.finish_loading(DiffModel::new((&ia, &aa), (&ib, &ab)));
    app
}

#[test]
fn a_same_size_rewrite_and_a_directory_owner_change_show_as_in_the_report() {
    let app = owner_and_rewrite_app();
    let terminal = draw(&app);
    insta::assert_snapshot!(terminal.backend());
    find(&terminal, "~     config (content)");
    find(&terminal, "~     node_modules/ (owner)");
    absent(&terminal, "index.js");
    let comparison = &app.loaded().unwrap().model.comparison;
    assert_eq!(app.loaded().unwrap().model.union.counts(), (0, 0, 2));
    assert_eq!(comparison.files.len(), 2);
}

/// The layers pane scrolls like a list: moving up from the last row keeps the rows in view
/// instead of pinning the selection to the bottom on every move.
#[test]
fn the_layers_pane_scrolls_like_a_list() {
    // 10 rows: the layers pane gets half the body, 2 of the 5 layer rows.
    let mut app = app(true, 100, 10);
    let height = app
        .areas()
        .layers
        .map(|r| r.height.saturating_sub(2))
        .unwrap();
    let rows = app.loaded().unwrap().model.comparison.layers.len();
    assert!((height as usize) < rows, "{height} rows show all {rows}");
    keys(&mut app, "\tG");
    let bottom = app.loaded().unwrap().layers_offset;
    assert_eq!(bottom, rows - height as usize);
    keys(&mut app, "k");
    assert_eq!(
        app.loaded().unwrap().layers_offset,
        bottom,
        "moving up within view"
    );
    for _ in 0..rows {
        keys(&mut app, "k");
    }
    assert_eq!(app.loaded().unwrap().layer, 0);
    assert_eq!(app.loaded().unwrap().layers_offset, 0);
    keys(&mut app, "j");
    assert_eq!(
        app.loaded().unwrap().layers_offset,
        0,
        "moving down within view"
    );
}
