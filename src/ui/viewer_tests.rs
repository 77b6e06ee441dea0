//! Snapshots of the file viewer: a text file as of a layer, a binary file as hex, the diff of
//! a modified file against its previous version, and search within the viewer; the bytes are
//! read from in-memory blobs on the viewer's worker thread as from a real source.

use std::collections::HashMap;

use crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

use super::app::{App, Start};
use super::screen::Screen;
use super::theme::Theme;
use super::{Keymap, handle, view};
use crate::testutil::{TarBuilder, gzip, image_of_blobs};

fn elf() -> Vec<u8> {
    let mut bytes = b"\x7fELF\x02\x01\x01\0\0\0\0\0\0\0\0\0\x03\0\x3e\0".to_vec();
    bytes.extend((0u8..=255).cycle().take(300));
    bytes
}

fn app(layer: usize) -> App {
    let image = image_of_blobs(vec![
        gzip(
            &TarBuilder::new()
                .file_owned(
                    "etc/app.conf",
                    b"# app\nport=80\nhost=a\n\tindented\n",
                    0,
                    0,
                )
                .file_owned("bin/tool", &elf(), 0, 0)
                .finish(),
        ),
        gzip(
            &TarBuilder::new()
                .file_owned(
                    "etc/app.conf",
                    b"# app\nport=8080\nhost=a\n\tindented\nesc=\x1b[31m\n",
                    0,
                    0,
                )
                .finish(),
        ),
    ]);
    let analysis = crate::analysis::analyze(&image);
    let keymap = Keymap::new(&HashMap::new()).unwrap();
    let mut app = App::new(
        "files:latest".into(),
        Theme::new(false),
        keymap,
        Start {
            layer: Some(layer),
            changes_only: false,
            ..Start::default()
        },
    );
    app.resize(80, 24);
    app.finish_loading(image, analysis);
    app
}

fn key(app: &mut App, code: KeyCode) {
    handle(app, Event::Key(KeyEvent::new(code, KeyModifiers::NONE)));
}

fn keys(app: &mut App, text: &str) {
    for c in text.chars() {
        key(
            app,
            if c == '\n' {
                KeyCode::Enter
            } else {
                KeyCode::Char(c)
            },
        );
    }
}

/// Selects `path` in the tree with the search, then waits for the viewer's worker after `then`.
fn open(app: &mut App, path: &str, then: &str) {
    keys(app, &format!("/{path}\n"));
    keys(app, then);
    settle(app);
}

fn settle(app: &mut App) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while app.working() {
        assert!(
            std::time::Instant::now() < deadline,
            "the viewer never loaded"
        );
        app.poll_work();
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
}

fn draw(app: &mut App) -> Terminal<TestBackend> {
    app.settle();
    let mut terminal = Terminal::new(TestBackend::new(80, 24)).unwrap();
    terminal.draw(|frame| view::render(app, frame)).unwrap();
    terminal
}

#[test]
fn viewer_text_with_line_numbers_as_of_the_layer() {
    let mut app = app(1);
    open(&mut app, "app.conf", "v");
    insta::assert_snapshot!(draw(&mut app).backend());
    // Esc goes back to the tree.
    key(&mut app, KeyCode::Esc);
    assert!(app.viewer.is_none());
}

#[test]
fn viewer_enter_on_a_file_opens_the_version_of_an_older_layer() {
    let mut app = app(0);
    // The search looks over the whole image (it selects the last layer): go back to layer 0,
    // where the selected file has its first version.
    open(&mut app, "app.conf", "");
    if let Some(loaded) = app.loaded_mut() {
        loaded.select_layer(0);
    }
    app.settle();
    keys(&mut app, "\n");
    settle(&mut app);
    let screen = draw(&mut app).backend().to_string();
    assert!(screen.contains("/etc/app.conf as of layer 0"), "{screen}");
    assert!(screen.contains("port=80 "), "{screen}");
}

#[test]
fn viewer_binary_as_hex_with_its_type() {
    let mut app = app(1);
    open(&mut app, "tool", "v");
    insta::assert_snapshot!(draw(&mut app).backend());
}

#[test]
fn viewer_diff_against_the_previous_version() {
    let mut app = app(1);
    open(&mut app, "app.conf", "v");
    keys(&mut app, "d");
    settle(&mut app);
    insta::assert_snapshot!(draw(&mut app).backend());
}

#[test]
fn viewer_search_finds_lines() {
    let mut app = app(1);
    open(&mut app, "app.conf", "v");
    keys(&mut app, "/host\n");
    let v = app.viewer.as_ref().unwrap();
    assert_eq!(v.matches, vec![2]);
    assert_eq!(app.chrome.message.as_deref(), Some("1 line matches host"));
}
