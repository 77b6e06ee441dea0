//! End to end: the real binary in a real terminal (tmux), driven by keys, read back as text.
//! Skips loudly when the committed example image or tmux is missing (fails instead under CI).
#![expect(
    clippy::expect_used,
    clippy::panic,
    reason = "the helpers of a test fail it loudly"
)]

use std::path::Path;
use std::process::Command;

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
    let plummet = Path::new(env!("CARGO_BIN_EXE_plummet"));
    let session = Session::start("e2e", plummet, &[&image]);

    // Every pane shows at 120x40.
    session.wait_for_all(&["Layers (1 of", "Files: all up to layer 0", "Image"]);

    session.keys(&["j"]);
    session.wait_for("Layers (2 of");
    session.wait_for("Files: all up to layer 1");

    session.keys(&["Tab", "a"]);
    session.wait_for("Files: changes of layer 1");
    // `a` again goes back to the aggregated view; then down one row and fold it.
    session.keys(&["a", "j", "Enter"]);
    session.wait_for("Files: all up to layer 1");

    session.keys(&["?"]);
    session.wait_for_all(&["Keys (", "expand every directory"]);
    // `?` closes the help too; an Escape followed at once by `/` would read as alt-/.
    session.keys(&["?"]);
    session.wait_for_all(&["Layers (2 of", "Files: all up to layer 1"]);

    session.keys(&["/", "e", "t", "c", "Enter"]);
    session.wait_for("paths match `etc`");

    session.keys(&["q"]);
    let status = session.wait_for_exit();
    assert_eq!(status, "0", "plummet exited with {status}");
}
