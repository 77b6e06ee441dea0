//! End to end: the real binary in a real terminal (tmux), driven by keys, read back as text.
//! Skips loudly when the committed example image or tmux is missing (fails instead under CI).
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

#[test]
fn browse_the_example_image_and_quit() {
    let image = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/example.tar");
    if !image.exists() {
        return skip("tui_e2e", "testdata/example.tar is absent");
    }
    if Command::new("tmux").arg("-V").output().is_err() {
        return skip("tui_e2e", "tmux is not installed");
    }
    let command = format!("{} {}", env!("CARGO_BIN_EXE_plummet"), image.display());
    let session = Session::start("e2e", &command);

    let first = session.wait_for("Layers (1 of");
    assert!(first.contains("Files: all up to layer 0"), "{first}");
    assert!(
        first.contains("Image"),
        "all panes show at 120x40:\n{first}"
    );

    session.keys(&["j"]);
    session.wait_for("Layers (2 of");
    session.wait_for("Files: all up to layer 1");

    session.keys(&["Tab", "a"]);
    session.wait_for("Files: changes of layer 1");
    session.keys(&["a", "j", "Enter"]);

    session.keys(&["?"]);
    let help = session.wait_for("Keys (");
    assert!(help.contains("expand every directory"), "{help}");
    session.keys(&["Escape"]);

    session.keys(&["/", "e", "t", "c", "Enter"]);
    session.wait_for("match");

    session.keys(&["q"]);
    let start = Instant::now();
    let status = loop {
        if let Some(status) = session.pane_dead() {
            break status;
        }
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "q did not quit; the screen was:\n{}",
            session.screen()
        );
        std::thread::sleep(Duration::from_millis(100));
    };
    assert_eq!(status, "0", "plummet exited with {status}");
}
