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

/// The example image and the binary, or `None` (after saying why) when the test cannot run.
fn setup(test: &str) -> Option<(std::path::PathBuf, &'static Path)> {
    let image = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/example.tar");
    if !image.exists() {
        skip(test, "testdata/example.tar is absent");
        return None;
    }
    if Command::new("tmux").arg("-V").output().is_err() {
        skip(test, "tmux is not installed");
        return None;
    }
    Some((image, Path::new(env!("CARGO_BIN_EXE_plummet"))))
}

/// The pane while the UI runs: alternate screen, mouse reporting, hidden cursor, raw tty.
const UI_MODES: &str = "1 1 1 0 raw";
/// The pane given back: main screen, no mouse reporting, cursor shown.
const NORMAL_MODES: &str = "0 0 0 1";

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
    session.wait_for_all(&["Layers (at 0 of", "Files: all up to layer 0", "Image"]);

    session.keys(&["j"]);
    session.wait_for("Layers (at 1 of");
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
    session.wait_for_all(&["Layers (at 1 of", "Files: all up to layer 1"]);

    session.keys(&["/", "e", "t", "c", "Enter"]);
    session.wait_for("paths match `etc`");

    session.keys(&["q"]);
    let status = session.wait_for_exit();
    assert_eq!(status, "0", "plummet exited with {status}");
}

/// SIGTERM, SIGHUP or SIGINT from outside (not a key) ends the UI with the signal, and the
/// pane is back to normal: main screen, mouse reporting off, cursor shown, tty out of raw mode.
#[test]
fn a_signal_from_outside_gives_the_terminal_back() {
    let Some((image, plummet)) = setup("tui_e2e") else {
        return;
    };
    for (signal, status) in [("TERM", "143"), ("HUP", "129"), ("INT", "130")] {
        let session = Session::start_held(&format!("sig{signal}"), plummet, &[&image]);
        session.wait_for_all(&["Layers (at 0 of", "Files: all up to layer 0"]);
        session.wait_for_modes(UI_MODES);
        let pid = session.program_pid();
        let killed = Command::new("kill")
            .args([&format!("-{signal}"), &pid])
            .status()
            .expect("kill runs");
        assert!(killed.success(), "kill -{signal} {pid}");
        // The shell reports a death by signal N as 128 + N.
        assert_eq!(session.wait_for_exit(), status, "after SIG{signal}");
        session.wait_for_modes(&format!("{NORMAL_MODES} cooked"));
    }
}

/// Ctrl-Z in a job-control shell stops the UI with the terminal given back; `fg` takes it again
/// and redraws the whole screen.
#[test]
fn ctrl_z_suspends_and_fg_redraws() {
    let Some((image, plummet)) = setup("tui_e2e") else {
        return;
    };
    let bash = Path::new("bash");
    let args = [
        Path::new("--norc"),
        Path::new("--noprofile"),
        Path::new("-i"),
    ];
    let session = Session::start("suspend", bash, &args);
    session.keys(&[
        &format!("{} {}", plummet.display(), image.display()),
        "Enter",
    ]);
    session.wait_for_all(&["Layers (at 0 of", "Files: all up to layer 0"]);
    session.wait_for_modes(UI_MODES);

    session.keys(&["C-z"]);
    session.wait_for("Stopped");
    session.wait_for_modes(NORMAL_MODES);

    session.keys(&["fg", "Enter"]);
    session.wait_for_all(&["Layers (at 0 of", "Files: all up to layer 0", "Image"]);
    session.wait_for_modes(UI_MODES);
    // Still the same UI, answering keys.
    session.keys(&["j"]);
    session.wait_for("Layers (at 1 of");

    session.keys(&["q"]);
    session.wait_for_modes(NORMAL_MODES);
    session.keys(&["exit", "Enter"]);
    assert_eq!(session.wait_for_exit(), "0");
}

/// SIGTSTP from outside (`kill -TSTP`, not the key) also gives the terminal back before the
/// process stops; SIGCONT takes it again and redraws.
#[test]
fn sigtstp_and_sigcont_from_outside_give_back_and_retake() {
    let Some((image, plummet)) = setup("tui_e2e") else {
        return;
    };
    let session = Session::start_held("tstp", plummet, &[&image]);
    session.wait_for_all(&["Layers (at 0 of", "Files: all up to layer 0"]);
    session.wait_for_modes(UI_MODES);
    let pid = session.program_pid();
    let kill = |signal: &str| {
        let status = Command::new("kill")
            .args([signal, &pid])
            .status()
            .expect("kill runs");
        assert!(status.success(), "kill {signal} {pid}");
    };
    kill("-TSTP");
    session.wait_for_modes(&format!("{NORMAL_MODES} cooked"));
    kill("-CONT");
    session.wait_for_all(&["Layers (at 0 of", "Files: all up to layer 0", "Image"]);
    session.wait_for_modes(UI_MODES);
    session.keys(&["q"]);
    assert_eq!(session.wait_for_exit(), "0");
    session.wait_for_modes(&format!("{NORMAL_MODES} cooked"));
}

/// With `--dockerfile`, the layer details of the selected layer name the Dockerfile line that
/// built it, and follow the selection. The Dockerfile is the example image's own build (its
/// history), with a comment and a blank line so that line numbers and layer numbers differ.
#[test]
fn layer_details_show_the_dockerfile_line_of_the_selected_layer() {
    let Some((image, plummet)) = setup("tui_e2e") else {
        return;
    };
    let dir = tempfile::tempdir().expect("a temporary directory");
    let dockerfile = dir.path().join("Dockerfile");
    std::fs::write(
        &dockerfile,
        "# the example image\n\
         FROM scratch\n\
         ADD fakebian-rootfs.tar.xz /\n\
         CMD [\"bash\"]\n\
         \n\
         RUN apt-get update && apt-get install -y nodejs && npm i -g npm\n\
         ENV NODE_ENV=production\n\
         COPY . /app\n\
         RUN ssh-keygen -f /root/.ssh/id_rsa && ./deploy.sh\n\
         RUN rm /root/.ssh/id_rsa\n\
         RUN rm -rf /var/lib/apt/lists\n\
         WORKDIR /app\n\
         CMD [\"node\", \"src/server.js\"]\n",
    )
    .expect("the Dockerfile is written");
    let session = Session::start(
        "e2e-dockerfile",
        plummet,
        &[&image, Path::new("--dockerfile"), &dockerfile],
    );
    session.wait_for_all(&["Layers (at 0 of", "Dockerfile:3"]);

    // Layer 3 is `RUN ssh-keygen ...`, line 9.
    session.keys(&["j", "j", "j"]);
    session.wait_for_all(&["Layers (at 3 of", "Dockerfile:9"]);
    // Layer 1 is `RUN apt-get ...`, line 6 (after the blank line).
    session.keys(&["k", "k"]);
    session.wait_for_all(&["Layers (at 1 of", "Dockerfile:6"]);
    let screen = session.screen();
    assert!(!screen.contains("Dockerfile:9"), "{screen}");

    session.keys(&["q"]);
    let status = session.wait_for_exit();
    assert_eq!(status, "0", "plummet exited with {status}");
}
