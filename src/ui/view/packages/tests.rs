//! Snapshot tests of the packages parts of the UI: the selected layer's package changes, the
//! image's packages with the base boundary, and the owner of the selected file.

use std::collections::HashMap;

use crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

use crate::testutil::{TarBuilder, app_user, image_of};
use crate::ui::app::{App, Start};
use crate::ui::theme::Theme;
use crate::ui::{Keymap, handle, view};

fn status(packages: &[(&str, &str)]) -> Vec<u8> {
    packages
        .iter()
        .map(|(n, v)| {
            format!(
                "Package: {n}\nStatus: install ok installed\nArchitecture: amd64\nVersion: {v}\n\n"
            )
        })
        .collect::<String>()
        .into_bytes()
}

/// A base with two packages, then a layer that upgrades one and adds a Python package.
fn app(width: u16, height: u16) -> App {
    let base = TarBuilder::new()
        .file_bytes(
            b"var/lib/dpkg/status",
            &status(&[("libc6", "2.36-9"), ("tool", "1.0")]),
        )
        .file_bytes(
            b"var/lib/dpkg/info/libc6:amd64.list",
            b"/usr/lib/libc.so.6\n",
        )
        .file_bytes(b"var/lib/dpkg/info/tool.list", b"/usr/bin/tool\n")
        .file("usr/lib/libc.so.6", 2_000_000)
        .file("usr/bin/tool", 30_000);
    let app_layer = TarBuilder::new()
        .file_bytes(
            b"var/lib/dpkg/status",
            &status(&[("libc6", "2.36-9"), ("tool", "1.1")]),
        )
        .file("usr/bin/tool", 31_000)
        .file_bytes(
            b"app/deps/six-1.16.0.dist-info/RECORD",
            b"six.py,,\nsix-1.16.0.dist-info/RECORD,,\n",
        )
        .file("app/deps/six.py", 34_000);
    let image = image_of(vec![base, app_layer], app_user());
    let analysis = crate::analysis::analyze(&image);
    let keymap = Keymap::new(&HashMap::new()).unwrap();
    let mut app = App::new(
        "packages:1".into(),
        Theme::new(false),
        keymap,
        Start::default(),
    );
    app.resize(width, height);
    app.finish_loading(image, analysis);
    app
}

fn keys(app: &mut App, text: &str) {
    for c in text.chars() {
        let code = match c {
            '\t' => KeyCode::Tab,
            '\n' => KeyCode::Enter,
            c => KeyCode::Char(c),
        };
        handle(app, Event::Key(KeyEvent::new(code, KeyModifiers::NONE)));
    }
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

#[test]
fn packages_of_the_layer_and_the_image_and_the_owner_of_the_selected_file() {
    let mut app = app(160, 48);
    // The last layer, then the tree, then a search for the upgraded tool.
    keys(&mut app, "G\t/tool\n");
    let terminal = draw(&mut app);
    let screen = terminal.backend().to_string();
    assert!(screen.contains("deb tool 1.1 (from 1.0)"), "{screen}");
    assert!(screen.contains("python six 1.16.0"), "{screen}");
    assert!(
        screen.contains("owned by deb tool 1.1 (layer 1)"),
        "{screen}"
    );
    insta::assert_snapshot!(terminal.backend());
}

#[test]
fn packages_narrow() {
    let mut app = app(80, 24);
    keys(&mut app, "G\t\t");
    insta::assert_snapshot!("layer_packages_narrow", draw(&mut app).backend());
    keys(&mut app, "\t");
    insta::assert_snapshot!("image_packages_narrow", draw(&mut app).backend());
}
