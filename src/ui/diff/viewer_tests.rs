//! Snapshots of the diff UI's file viewer: a file as of B and as of A, the diff A -> B (text,
//! and binary as sizes and fingerprints), and what `d` and `o` say when there is nothing to
//! show. The bytes are read from in-memory gzip blobs on the viewer's worker thread, as from a
//! real source.

use std::collections::HashMap;

use crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

use super::app::{DiffApp, DiffModel};
use super::viewing::Shown;
use super::{handle, view};
use crate::content::{ReadOptions, compare};
use crate::image::Image;
use crate::testutil::{TarBuilder, gzip, image_of_blobs};
use crate::ui::Keymap;
use crate::ui::screen::Screen;
use crate::ui::theme::Theme;
use crate::ui::viewer::State;

fn elf(last: u8, len: usize) -> Vec<u8> {
    let mut bytes = b"\x7fELF\x02\x01\x01\0\0\0\0\0\0\0\0\0\x03\0\x3e\0".to_vec();
    bytes.extend((0u8..=255).cycle().take(len));
    bytes.push(last);
    bytes
}

/// A: the config, a tool, a file only A has, an unchanged file and one whose mode changes.
/// B: a new config (over two layers), a rebuilt tool, a file only B has, the same file, the
/// file with its mode changed.
fn images() -> (Image, Image) {
    let a = image_of_blobs(vec![gzip(
        &TarBuilder::new()
            .file_owned("etc/app.conf", b"listen=80\nworkers=2\n", 0, 0)
            .file_owned("bin/tool", &elf(1, 300), 0, 0)
            .file_owned("etc/only-a", b"gone in B\n", 0, 0)
            .file_owned("etc/same", b"same\n", 0, 0)
            .file_mode("etc/mode", 10, 0o644)
            .finish(),
    )]);
    let b = image_of_blobs(vec![
        gzip(
            &TarBuilder::new()
                .file_owned("etc/app.conf", b"listen=80\n", 0, 0)
                .file_owned("bin/tool", &elf(2, 400), 0, 0)
                .file_owned("etc/same", b"same\n", 0, 0)
                .file_mode("etc/mode", 10, 0o600)
                .finish(),
        ),
        gzip(
            &TarBuilder::new()
                .file_owned(
                    "etc/app.conf",
                    b"listen=8080\nworkers=2\ntimeout=30\nesc=\x1b[31m\n",
                    0,
                    0,
                )
                .file_owned("etc/only-b", b"new in B\n", 0, 0)
                .finish(),
        ),
    ]);
    (a, b)
}

fn app_with(overrides: &HashMap<String, String>) -> DiffApp {
    let keymap = Keymap::new(overrides).unwrap();
    let mut app = DiffApp::new(("app:1".into(), "app:2".into()), Theme::new(false), keymap);
    app.resize(80, 24);
    let (a, b) = images();
    let (aa, ab) = (crate::analysis::analyze(&a), crate::analysis::analyze(&b));
    let model = DiffModel::new((&a, &aa), (&b, &ab)).with_images(a, b);
    app.finish_loading(model);
    // Every path, so that unchanged files can be selected too.
    keys(&mut app, "a");
    app
}

fn app() -> DiffApp {
    app_with(&HashMap::new())
}

fn keys(app: &mut DiffApp, text: &str) {
    for c in text.chars() {
        let code = match c {
            '\n' => KeyCode::Enter,
            '\x1b' => KeyCode::Esc,
            c => KeyCode::Char(c),
        };
        handle(app, Event::Key(KeyEvent::new(code, KeyModifiers::NONE)));
    }
    settle(app);
}

/// Waits for the viewer's worker.
fn settle(app: &mut DiffApp) {
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

/// Selects `path` with the search.
fn select(app: &mut DiffApp, path: &str) {
    keys(app, &format!("/{path}\n"));
}

fn draw(app: &DiffApp) -> Terminal<TestBackend> {
    let mut terminal = Terminal::new(TestBackend::new(80, 24)).unwrap();
    terminal.draw(|frame| view::render(app, frame)).unwrap();
    terminal
}

fn screen(app: &DiffApp) -> String {
    draw(app).backend().to_string()
}

fn shown(app: &DiffApp) -> Option<Shown> {
    app.viewer.as_ref().map(|v| v.shown)
}

fn lines(app: &DiffApp) -> Vec<String> {
    match &app.viewer.as_ref().unwrap().viewer.state {
        State::Ready(body) => body.lines.clone(),
        other => panic!("the viewer is not ready: {other:?}"),
    }
}

#[test]
fn diff_viewer_opens_b_then_switches_to_a() {
    let mut app = app();
    select(&mut app, "app.conf");
    keys(&mut app, "v");
    assert_eq!(shown(&app), Some(Shown::File(super::viewing::Side::B)));
    insta::assert_snapshot!("diff_viewer_file_in_b", draw(&app).backend());
    keys(&mut app, "o");
    assert_eq!(shown(&app), Some(Shown::File(super::viewing::Side::A)));
    insta::assert_snapshot!("diff_viewer_file_in_a", draw(&app).backend());
    // Esc goes back to the tree, its selection kept.
    keys(&mut app, "\x1b");
    assert!(app.viewer.is_none());
    assert!(screen(&app).contains("app.conf"));
}

#[test]
fn diff_viewer_enter_on_a_file_opens_it_and_on_a_directory_toggles() {
    let mut app = app();
    select(&mut app, "app.conf");
    keys(&mut app, "\n");
    assert!(screen(&app).contains("/etc/app.conf in B (app:2); o: A's version"));
    // Esc, then left to the file's directory.
    keys(&mut app, "\x1bh");
    keys(&mut app, "\n");
    assert!(app.viewer.is_none(), "enter on a directory collapses it");
    assert!(screen(&app).contains("▸ etc/"));
}

#[test]
fn diff_viewer_shows_the_diff_a_to_b_as_plummet_diff_file_prints_it() {
    let mut app = app();
    select(&mut app, "app.conf");
    keys(&mut app, "d");
    assert_eq!(shown(&app), Some(Shown::Diff));
    insta::assert_snapshot!("diff_viewer_diff_a_to_b", draw(&app).backend());
    // The same text as `plummet diff A B --file /etc/app.conf` writes (tabs aside).
    let (a, b) = images();
    let version = |i: &Image| compare::final_version(i, b"/etc/app.conf", ReadOptions::default());
    let (mut va, mut vb) = (version(&a).unwrap(), version(&b).unwrap());
    let (la, lb) = compare::labels(b"/etc/app.conf");
    let text = compare::render(&la, &mut va, &lb, &mut vb).unwrap();
    assert_eq!(lines(&app), text.lines().collect::<Vec<_>>());
    assert!(text.contains("+esc=\\x1b[31m"), "{text}");
    // From the viewer of a file, `d` opens the diff too.
    keys(&mut app, "\x1bv");
    keys(&mut app, "d");
    assert_eq!(shown(&app), Some(Shown::Diff));
}

#[test]
fn diff_viewer_binary_diff_gives_sizes_and_fingerprints() {
    let mut app = app();
    select(&mut app, "tool");
    keys(&mut app, "d");
    insta::assert_snapshot!("diff_viewer_binary_diff", draw(&app).backend());
    let lines = lines(&app);
    assert_eq!(lines[0], "binary files differ");
    assert!(lines[1].starts_with("--- a/bin/tool: 321 bytes, xxh3 "));
    assert!(lines[2].starts_with("+++ b/bin/tool: 421 bytes, xxh3 "));
    // The file itself as hex, with its type.
    keys(&mut app, "\x1bv");
    let screen = screen(&app);
    assert!(screen.contains("ELF"), "{screen}");
    assert!(screen.contains("7f 45 4c 46"), "{screen}");
}

#[test]
fn a_file_on_one_side_opens_there_and_has_nothing_to_compare() {
    let mut app = app();
    select(&mut app, "only-a");
    keys(&mut app, "d");
    assert!(app.viewer.is_none());
    assert_eq!(
        app.chrome.message.as_deref(),
        Some("nothing to compare: /etc/only-a is only in A")
    );
    assert!(screen(&app).contains("nothing to compare: /etc/only-a is only in A"));
    keys(&mut app, "v");
    assert_eq!(shown(&app), Some(Shown::File(super::viewing::Side::A)));
    assert_eq!(lines(&app), vec!["gone in B"]);
    keys(&mut app, "o");
    assert_eq!(
        app.chrome.message.as_deref(),
        Some("/etc/only-a is only in A")
    );
    keys(&mut app, "d");
    assert_eq!(
        app.chrome.message.as_deref(),
        Some("nothing to compare: /etc/only-a is only in A")
    );
    assert_eq!(shown(&app), Some(Shown::File(super::viewing::Side::A)));

    keys(&mut app, "\x1b");
    select(&mut app, "only-b");
    keys(&mut app, "v");
    assert_eq!(shown(&app), Some(Shown::File(super::viewing::Side::B)));
    assert_eq!(lines(&app), vec!["new in B"]);
    assert!(!screen(&app).contains("A's version"));
}

#[test]
fn same_content_has_nothing_to_compare_and_says_what_changed() {
    let mut app = app();
    select(&mut app, "same");
    keys(&mut app, "d");
    assert_eq!(
        app.chrome.message.as_deref(),
        Some("nothing to compare: /etc/same has the same content in A and B")
    );
    select(&mut app, "mode");
    keys(&mut app, "d");
    assert_eq!(
        app.chrome.message.as_deref(),
        Some("nothing to compare: /etc/mode has the same content in A and B (mode changed)")
    );
    // Left to the file's directory.
    keys(&mut app, "hv");
    assert_eq!(app.chrome.message.as_deref(), Some("/etc is a directory"));
}

#[test]
fn the_viewer_searches_and_its_side_key_is_configurable() {
    let overrides = HashMap::from([("view_side".to_string(), "x".to_string())]);
    let mut app = app_with(&overrides);
    select(&mut app, "app.conf");
    keys(&mut app, "v");
    assert!(screen(&app).contains("x: A's version"));
    keys(&mut app, "/timeout\n");
    assert_eq!(
        app.chrome.message.as_deref(),
        Some("1 line matches timeout")
    );
    keys(&mut app, "o");
    assert_eq!(shown(&app), Some(Shown::File(super::viewing::Side::B)));
    keys(&mut app, "x");
    assert_eq!(shown(&app), Some(Shown::File(super::viewing::Side::A)));
    assert_eq!(lines(&app), vec!["listen=80", "workers=2"]);
}

#[test]
fn the_help_lists_the_viewer_keys_in_the_diff_wording() {
    let mut app = app();
    keys(&mut app, "?jjjjjjjjjjjjjjjjjjjjjjjjjjjjj");
    let screen = screen(&app);
    for help in [
        "view the file: in B, else in A (also enter)",
        "the file's diff A -> B (also in the viewer)",
        "viewer: the file in the other image (A / B)",
        "close the viewer",
        "in A / in B: the image whose file it shows",
        "only in B (added)",
    ] {
        assert!(screen.contains(help), "{help}:\n{screen}");
    }
    // The single-image UI's legend is not the diff's.
    assert!(!screen.contains("added in the selected layer"), "{screen}");
}

#[test]
fn a_path_that_is_a_directory_on_one_side_opens_the_other_and_is_not_compared() {
    use super::union::{Change, UnionNode};
    use super::viewing::{Side, default_side, nothing_to_compare};
    use crate::diff::Aspects;
    use crate::layer::EntryKind;
    let node = |a: Option<EntryKind>, b: Option<EntryKind>, aspects: Aspects| UnionNode {
        a,
        b,
        change: Change::Changed,
        aspects,
        bytes_a: 0,
        bytes_b: 0,
        changes: 1,
    };
    let kind = Aspects {
        kind: true,
        ..Aspects::default()
    };
    let dir_then_file = node(Some(EntryKind::Dir), Some(EntryKind::File), kind);
    assert_eq!(default_side(&dir_then_file), Some(Side::B));
    assert_eq!(
        nothing_to_compare(&dir_then_file, "/x").as_deref(),
        Some("nothing to compare: /x is a directory in A")
    );
    let file_then_dir = node(Some(EntryKind::File), Some(EntryKind::Dir), kind);
    assert_eq!(default_side(&file_then_dir), Some(Side::A));
    // A file that became a symlink is compared: the reader follows the link to its file.
    let file_then_link = node(Some(EntryKind::File), Some(EntryKind::Symlink), kind);
    assert_eq!(nothing_to_compare(&file_then_link, "/x"), None);
    let dirs = node(
        Some(EntryKind::Dir),
        Some(EntryKind::Dir),
        Aspects::default(),
    );
    assert_eq!(default_side(&dirs), None);
    // A FIFO has no content to read or compare.
    let fifo_then_file = node(Some(EntryKind::Fifo), Some(EntryKind::File), kind);
    assert_eq!(default_side(&fifo_then_file), Some(Side::B));
    assert_eq!(
        nothing_to_compare(&fifo_then_file, "/x").as_deref(),
        Some("nothing to compare: /x is a FIFO in A")
    );
}

#[test]
fn a_key_that_starts_a_read_waits_for_the_one_running() {
    let mut app = app();
    select(&mut app, "app.conf");
    // No poll in between: the viewer is still loading when `o` comes.
    for c in ['v', 'o'] {
        handle(
            &mut app,
            Event::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE)),
        );
    }
    assert_eq!(
        app.chrome.message.as_deref(),
        Some("still reading: press it again once shown")
    );
    settle(&mut app);
    assert_eq!(shown(&app), Some(Shown::File(super::viewing::Side::B)));
    keys(&mut app, "o");
    assert_eq!(shown(&app), Some(Shown::File(super::viewing::Side::A)));
}
