//! Snapshot tests of every view at 80x24 and 160x48, with and without colours, driven through
//! the same event handling as the terminal loop.

use std::collections::HashMap;

use crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers, MouseEvent, MouseEventKind};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::style::{Color, Modifier};

use super::app::{App, Start};
use super::theme::Theme;
use super::{Keymap, handle, view};
use crate::analysis::{self, Analysis};
use crate::image::config::History;
use crate::image::{Image, ImageConfig};
use crate::testutil::{TarBuilder, image_of};

fn history(created_by: &str, empty_layer: bool) -> History {
    History {
        created_by: created_by.into(),
        empty_layer,
        ..History::default()
    }
}

/// A small image with something of everything: statuses, waste, findings, links.
pub fn example() -> (Image, Analysis) {
    let base = TarBuilder::new()
        .dir("bin")
        .file_mode("bin/sh", 120_000, 0o755)
        .symlink("bin/ash", "sh")
        .dir("etc")
        .file("etc/passwd", 900)
        .file("etc/os-release", 300)
        .dir("usr/lib")
        .file("usr/lib/libc.so.6", 2_000_000)
        .symlink("usr/lib/libgone.so", "libgone.so.1");
    let deps = TarBuilder::new()
        .file("var/cache/apk/APKINDEX.tar.gz", 400_000)
        .file("usr/lib/libc.so.6", 2_100_000)
        .file_mode("usr/bin/su", 40_000, 0o4755)
        .file("etc/passwd", 950);
    let app = TarBuilder::new()
        .file("app/main.py", 4_000)
        .file("app/__pycache__/main.cpython-312.pyc", 6_000)
        .file("app/.git/HEAD", 23)
        .file("app/.git/config", 180)
        .file("app/.env", 64)
        .whiteout("etc/os-release");
    let config = ImageConfig {
        user: "app".into(),
        history: vec![
            history("/bin/sh -c #(nop) ADD file:0a1b2c in / ", false),
            history("/bin/sh -c #(nop)  CMD [\"/bin/sh\"]", true),
            history("/bin/sh -c apk add --no-progress py3-pip", false),
            history("/bin/sh -c #(nop)  ENV APP=/app", true),
            history("/bin/sh -c #(nop) COPY dir:3d4e5f in /app ", false),
        ],
        ..ImageConfig::default()
    };
    let image = image_of(vec![base, deps, app], config);
    let analysis = analysis::analyze(&image);
    (image, analysis)
}

fn app(color: bool, width: u16, height: u16) -> App {
    let keymap = Keymap::new(&HashMap::new()).unwrap();
    let mut app = App::new(
        "example:latest".into(),
        Theme::new(color),
        keymap,
        Start::default(),
    );
    app.resize(width, height);
    let (image, analysis) = example();
    app.finish_loading(image, analysis);
    app
}

fn draw(app: &mut App) -> Terminal<TestBackend> {
    app.settle();
    let mut terminal = Terminal::new(TestBackend::new(
        app.chrome.size.width,
        app.chrome.size.height,
    ))
    .unwrap();
    terminal.draw(|frame| view::render(app, frame)).unwrap();
    terminal
}

fn key(app: &mut App, code: KeyCode) {
    handle(app, Event::Key(KeyEvent::new(code, KeyModifiers::NONE)));
}

/// Types keys given as characters (`\t` is Tab).
fn keys(app: &mut App, text: &str) {
    for c in text.chars() {
        let code = match c {
            '\t' => KeyCode::Tab,
            '\n' => KeyCode::Enter,
            c => KeyCode::Char(c),
        };
        key(app, code);
    }
}

/// The first cell (x, y) whose row contains `text` (the diff UI's tests use it too).
pub(crate) fn find(terminal: &Terminal<TestBackend>, text: &str) -> (u16, u16) {
    let buffer = terminal.backend().buffer();
    for y in 0..buffer.area.height {
        let line: String = (0..buffer.area.width)
            .map(|x| buffer[(x, y)].symbol().to_string())
            .collect();
        if let Some(byte) = line.find(text) {
            let x = line[..byte].chars().count() as u16;
            return (x, y);
        }
    }
    panic!("{text} not on screen:\n{}", terminal.backend());
}

#[test]
fn loading_shows_progress() {
    let keymap = Keymap::new(&HashMap::new()).unwrap();
    let mut app = App::new(
        "example:latest".into(),
        Theme::new(true),
        keymap,
        Start::default(),
    );
    app.resize(80, 24);
    let progress = crate::image::Progress::default();
    progress.set_stage("reading layers");
    progress.start_layers(vec![1_000_000, 3_000_000]);
    progress.finish_layer(0);
    if let Some(c) = progress.counter(0) {
        c.store(1_000_000, std::sync::atomic::Ordering::Relaxed);
    }
    assert!(app.set_progress(progress.view()));
    assert!(!app.set_progress(progress.view()));
    insta::assert_snapshot!(draw(&mut app).backend());
}

#[test]
fn first_layer_narrow() {
    let mut app = app(true, 80, 24);
    insta::assert_snapshot!(draw(&mut app).backend());
}

#[test]
fn last_layer_wide() {
    let mut app = app(true, 160, 48);
    keys(&mut app, "G\tj");
    insta::assert_snapshot!(draw(&mut app).backend());
}

#[test]
fn layer_changes_with_finding_selected_narrow() {
    let mut app = app(true, 80, 24);
    keys(&mut app, "Ga\tjj");
    let terminal = draw(&mut app);
    insta::assert_snapshot!(terminal.backend());
    let (_, y) = find(&terminal, "Fix:");
    assert!(y > 15, "the selected file's finding is in the footer");
}

#[test]
fn details_panes_take_the_main_area_when_narrow() {
    let mut app = app(true, 80, 24);
    keys(&mut app, "j\t\t");
    insta::assert_snapshot!("layer_details_narrow", draw(&mut app).backend());
    keys(&mut app, "\t");
    insta::assert_snapshot!("image_details_narrow", draw(&mut app).backend());
}

#[test]
fn help_overlay_lists_every_binding() {
    let mut app = app(true, 80, 24);
    keys(&mut app, "?");
    insta::assert_snapshot!("help_narrow", draw(&mut app).backend());
    let mut app = self::app(true, 160, 48);
    keys(&mut app, "?");
    let terminal = draw(&mut app);
    insta::assert_snapshot!("help_wide", terminal.backend());
    for binding in super::keymap::BINDINGS {
        find(&terminal, binding.help);
    }
    key(&mut app, KeyCode::Esc);
    assert!(!app.chrome.help);
}

#[test]
fn search_input_and_matches() {
    let mut app = app(true, 80, 24);
    keys(&mut app, "G/*.py*");
    insta::assert_snapshot!("search_input", draw(&mut app).backend());
    keys(&mut app, "\n");
    let terminal = draw(&mut app);
    insta::assert_snapshot!("search_matches", terminal.backend());
    find(&terminal, "2 paths match `*.py*`");
}

#[test]
fn no_color_keeps_statuses_apart_with_modifiers() {
    let mut app = app(false, 80, 24);
    keys(&mut app, "j\t");
    let terminal = draw(&mut app);
    insta::assert_snapshot!("no_color_layer_1", terminal.backend());
    let buffer = terminal.backend().buffer();
    for y in 0..24 {
        for x in 0..80 {
            let cell = &buffer[(x, y)];
            assert_eq!(
                (cell.fg, cell.bg),
                (Color::Reset, Color::Reset),
                "colour at {x},{y}"
            );
        }
    }
    let (x, y) = find(&terminal, "+   ▾ bin");
    assert!(buffer[(x, y)].modifier.contains(Modifier::BOLD));
    let (x, y) = find(&terminal, "~     passwd");
    assert!(buffer[(x, y)].modifier.contains(Modifier::ITALIC));
    let (x, y) = find(&terminal, "  ▾ etc");
    assert!(buffer[(x, y)].modifier.is_empty());
}

#[test]
fn statuses_are_coloured() {
    let mut app = app(true, 160, 48);
    keys(&mut app, "j\t");
    let terminal = draw(&mut app);
    let buffer = terminal.backend().buffer();
    let (x, y) = find(&terminal, "libc.so.6");
    assert_eq!(buffer[(x, y)].fg, Color::Yellow);
    let (x, y) = find(&terminal, "+ ▾ var");
    assert_eq!(buffer[(x, y)].fg, Color::Green);
    let (x, y) = find(&terminal, "  ▾ bin");
    assert_eq!(buffer[(x, y)].fg, Color::Reset);
    key(&mut app, KeyCode::BackTab);
    keys(&mut app, "G");
    let terminal = draw(&mut app);
    let (x, y) = find(&terminal, "-     os-release");
    assert_eq!(terminal.backend().buffer()[(x, y)].fg, Color::Red);
}

#[test]
fn mouse_selects_panes_and_rows_and_the_wheel_scrolls() {
    let mut app = app(true, 160, 48);
    let terminal = draw(&mut app);
    let (x, y) = find(&terminal, "os-release");
    let click = |kind, column, row| {
        Event::Mouse(MouseEvent {
            kind,
            column,
            row,
            modifiers: KeyModifiers::NONE,
        })
    };
    handle(
        &mut app,
        click(
            MouseEventKind::Down(crossterm::event::MouseButton::Left),
            x,
            y,
        ),
    );
    assert_eq!(app.focus, super::layout::Pane::Tree);
    let loaded = app.loaded().unwrap();
    let selected = loaded.tree.view.selected().unwrap();
    assert_eq!(loaded.image.tree.paths.display(selected), "/etc/os-release");
    let (x, y) = find(&terminal, "COPY dir:3d4e5f");
    handle(
        &mut app,
        click(
            MouseEventKind::Down(crossterm::event::MouseButton::Left),
            x,
            y,
        ),
    );
    assert_eq!(app.loaded().unwrap().layer, 2);
    handle(&mut app, click(MouseEventKind::ScrollUp, x, y));
    assert_eq!(app.loaded().unwrap().layer, 1);
}

#[test]
fn resizing_relayouts() {
    let mut app = app(true, 160, 48);
    draw(&mut app);
    handle(&mut app, Event::Resize(80, 24));
    let terminal = draw(&mut app);
    assert_eq!(terminal.backend().buffer().area.width, 80);
    assert_eq!(app.loaded().unwrap().tree.view.height(), 9);
}

/// Image strings reach the screen through the same escaping as the reports: an OSC title in a
/// file name or a layer command shows as `\x1b]0;…\x07`, neither sent to the terminal nor
/// silently dropped.
#[test]
fn hostile_names_and_commands_show_escaped() {
    let hostile = "evil\x1b]0;pwned\x07\u{202e}x";
    let layer = TarBuilder::new().file(&format!("{hostile}.txt"), 10);
    let config = ImageConfig {
        history: vec![history(&format!("/bin/sh -c echo {hostile}"), false)],
        ..ImageConfig::default()
    };
    let image = image_of(vec![layer], config);
    let analysis = analysis::analyze(&image);
    let keymap = Keymap::new(&HashMap::new()).unwrap();
    let mut app = App::new(hostile.into(), Theme::new(false), keymap, Start::default());
    app.resize(160, 48);
    app.finish_loading(image, analysis);
    let terminal = draw(&mut app);
    let escaped = "evil\\x1b]0;pwned\\x07\\u{202e}x";
    find(&terminal, &format!("{escaped}.txt"));
    find(&terminal, &format!("echo {escaped}"));
    let buffer = terminal.backend().buffer();
    assert!(
        buffer.content().iter().all(|cell| !cell
            .symbol()
            .contains(|c: char| c.is_control() || c == '\u{202e}')),
        "{}",
        terminal.backend()
    );
}

#[test]
fn layer_details_show_the_dockerfile_line() {
    let keymap = Keymap::new(&HashMap::new()).unwrap();
    let mut app = App::new(
        "example:latest".into(),
        Theme::new(false),
        keymap,
        Start::default(),
    );
    app.resize(80, 24);
    let (image, mut analysis) = example();
    let text = "FROM alpine:3.19\nRUN apk add --no-progress py3-pip\nENV APP=/app\nCOPY . /app\n";
    let df = crate::dockerfile::parse("Dockerfile", text).unwrap();
    crate::dockerfile::apply("Dockerfile", &df, &mut analysis);
    app.finish_loading(image, analysis);
    keys(&mut app, "jj\t\t");
    let terminal = draw(&mut app);
    insta::assert_snapshot!("layer_details_dockerfile_line", terminal.backend());
    find(&terminal, "Dockerfile:4");
}
mod hands;

/// The Dockerfile of the provenance attestation (no --dockerfile): the layer details say where
/// the file and the line come from.
#[test]
fn layer_details_say_the_dockerfile_came_from_the_provenance() {
    for (width, height) in [(80, 24), (160, 48)] {
        let keymap = Keymap::new(&HashMap::new()).unwrap();
        let mut app = App::new(
            "example:latest".into(),
            Theme::new(false),
            keymap,
            Start::default(),
        );
        app.resize(width, height);
        let (image, mut analysis) = example();
        let text =
            "FROM alpine:3.19\nRUN apk add --no-progress py3-pip\nENV APP=/app\nCOPY . /app\n";
        let df = crate::dockerfile::parse("Dockerfile", text).unwrap();
        crate::dockerfile::apply("Dockerfile", &df, &mut analysis);
        let d = analysis.dockerfile.as_mut().unwrap();
        d.from_provenance = true;
        d.methods = vec![Some(crate::analysis::LineMethod::Provenance); 3];
        app.finish_loading(image, analysis);
        keys(&mut app, "jj\t\t");
        let terminal = draw(&mut app);
        insta::assert_snapshot!(
            format!("layer_details_dockerfile_from_provenance_{width}x{height}"),
            terminal.backend()
        );
        find(&terminal, "Dockerfile:4 (from the provenance");
    }
}
