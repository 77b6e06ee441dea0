//! End to end: `plummet diff --ui` on the committed example image and a variant generated with
//! imagegen, in a real terminal (tmux), read back as text. Skips loudly when the example image
//! or tmux is missing (fails instead under CI).
#![expect(
    clippy::expect_used,
    clippy::panic,
    reason = "the helpers of a test fail it loudly"
)]

use std::path::Path;
use std::process::Command;

use imagegen::{Form, LayerSpec, Op};

#[path = "tui_support/tmux.rs"]
mod tmux;

use tmux::{Session, skip};

#[test]
fn diff_the_example_with_a_variant_and_quit() {
    let a = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/example.tar");
    if !a.exists() {
        return skip("tui_diff_e2e", "testdata/example.tar is absent");
    }
    if Command::new("tmux").arg("-V").output().is_err() {
        return skip("tui_diff_e2e", "tmux is not installed");
    }
    // B: the example whose last layer also deletes /app/.git and adds /etc/motd.
    let mut spec = imagegen::example::example();
    let last = spec.layers.len() - 1;
    spec.layers[last] = LayerSpec::new(vec![
        Op::whiteout("/var/lib/apt/lists"),
        Op::whiteout("/app/.git"),
        Op::text("/etc/motd", 120),
    ]);
    let dir = tempfile::tempdir().expect("a temporary directory");
    let b = dir.path().join("variant.tar");
    imagegen::write_tar_file(&spec, Form::DockerLegacy, &b).expect("the variant is written");

    let plummet = Path::new(env!("CARGO_BIN_EXE_plummet"));
    let session = Session::start(
        "diff-e2e",
        plummet,
        &[Path::new("diff"), Path::new("--ui"), &a, &b],
    );
    // One capture must hold all of these: the first frame is drawn over the progress view and
    // a capture can catch it half done, so a check made after `wait_for` of its title would race.
    session.wait_for_all(&[
        "Summary (A -> B)",
        "+     motd",  // the added row
        "-   ▾ .git/", // a removed row
        "changed   5", // the changed last layer
    ]);

    session.keys(&["?"]);
    session.wait_for_all(&["Keys (", "every path of A and B"]);
    // `?` closes the help too; an Escape followed at once by `/` would read as alt-/.
    session.keys(&["?"]);
    session.keys(&["/", "m", "o", "t", "d", "Enter"]);
    session.wait_for("1 path matches `motd`");

    session.keys(&["q"]);
    let status = session.wait_for_exit();
    assert_eq!(status, "0", "plummet exited with {status}");
}
