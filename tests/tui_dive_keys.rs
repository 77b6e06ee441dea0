//! End to end, for dive hands: the real binary in tmux with a dive config file (`--config
//! FILE.yaml`) remapping quit, driven by dive's ctrl keys and the filtering search.
#![expect(
    clippy::expect_used,
    clippy::panic,
    reason = "the helpers of a test fail it loudly"
)]

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

#[path = "tui_support/tmux.rs"]
mod tmux;

use tmux::{Session, skip};

/// Waits until the screen no longer shows `text`.
fn wait_for_gone(session: &Session, text: &str) {
    let start = Instant::now();
    loop {
        let screen = session.screen();
        if !screen.contains(text) {
            return;
        }
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "{text:?} never went; the screen was:\n{screen}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn dives_keys_config_and_the_filtering_search_in_a_real_terminal() {
    let image = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/example.tar");
    if !image.exists() {
        return skip("tui_dive_keys", "testdata/example.tar is absent");
    }
    if Command::new("tmux").arg("-V").output().is_err() {
        return skip("tui_dive_keys", "tmux is not installed");
    }
    let dir = tempfile::tempdir().expect("a temporary directory");
    let config = dir.path().join("dive.yaml");
    std::fs::write(
        &config,
        "keybinding:\n  quit: x\n  toggle-filetree-attributes: ctrl+b\n  compare-layer: ctrl+l\nfiletree:\n  collapse-dir: false\n",
    )
    .expect("write the config");
    let plummet = Path::new(env!("CARGO_BIN_EXE_plummet"));
    let session = Session::start(
        "dive-keys",
        plummet,
        &[&image, Path::new("--config"), &config],
    );
    // The hint shows the remapped quit key; numbering starts at 0.
    session.wait_for_all(&["x quit", "Layers (at 0 of 0-5)", "Perms"]);
    session.keys(&["Tab", "C-l"]);
    session.wait_for("Files: changes of layer 0");
    session.keys(&["C-l"]);
    session.wait_for("Files: all up to layer 0");
    session.keys(&["C-b"]);
    wait_for_gone(&session, "Perms");
    session.keys(&["C-b"]);
    session.wait_for("Perms");
    session.keys(&["C-a"]);
    session.wait_for("show .MRU");
    session.keys(&["C-a"]);
    session.wait_for("show AMRU");
    session.keys(&["C-Space"]);
    session.wait_for("▸ etc");
    session.keys(&["C-Space"]);
    session.wait_for("▾ etc");

    // dive's ctrl+f: the tree narrows to the matches in the whole image.
    session.keys(&["C-f", "s", "e", "r", "v", "e", "r", "Enter"]);
    session.wait_for_all(&[
        "Files: matches in all up to layer 5",
        "server.js",
        "1 path matches `server` (esc: back)",
    ]);
    wait_for_gone(&session, "▾ etc");
    session.keys(&["Escape"]);
    session.wait_for_all(&["Files: all up to layer 0", "▾ etc", "search left"]);

    // q is no longer quit; x is.
    session.keys(&["q"]);
    std::thread::sleep(Duration::from_millis(300));
    session.wait_for("x quit");
    session.keys(&["x"]);
    let status = session.wait_for_exit();
    assert_eq!(status, "0", "plummet exited with {status}");
}

#[test]
fn a_key_bound_twice_in_the_config_stops_with_both_names() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let config = dir.path().join(".plummet.toml");
    // Two config entries on one key; a config key that only takes a default (`sort = "j"`) is
    // allowed and moves the key (src/ui/keymap/tests.rs).
    std::fs::write(&config, "[ui.keys]\nsort = \"z\"\ndown = \"z, j\"\n")
        .expect("write the config");
    let image = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/example.tar");
    if Command::new("tmux").arg("-V").output().is_err() {
        return skip("tui_dive_keys", "tmux is not installed");
    }
    let plummet = Path::new(env!("CARGO_BIN_EXE_plummet"));
    let session = Session::start_held(
        "dive-conflict",
        plummet,
        &[&image, Path::new("--config"), &config],
    );
    session.wait_for("key `z` is bound to both `down` and `sort`");
    assert_eq!(session.wait_for_exit(), "2");
}
