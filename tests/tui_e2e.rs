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

const WIDTH: u16 = 120;
const HEIGHT: u16 = 40;

/// A detached tmux session, killed when dropped.
struct Session {
    name: String,
}

impl Session {
    fn start(command: &str) -> Session {
        let name = format!("plummet-e2e-{}", std::process::id());
        let status = Command::new("tmux")
            .args(["new-session", "-d", "-s", &name])
            .args(["-x", &WIDTH.to_string(), "-y", &HEIGHT.to_string()])
            .arg(command)
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .status()
            .expect("tmux runs");
        assert!(status.success(), "tmux new-session failed");
        // Keep the pane after the program exits, so its last screen and exit status can be read.
        let _ = Command::new("tmux")
            .args(["set-option", "-t", &name, "remain-on-exit", "on"])
            .status();
        Session { name }
    }

    fn screen(&self) -> String {
        let out = Command::new("tmux")
            .args(["capture-pane", "-p", "-t", &self.name])
            .output()
            .expect("tmux capture-pane runs");
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    fn keys(&self, keys: &[&str]) {
        let status = Command::new("tmux")
            .args(["send-keys", "-t", &self.name])
            .args(keys)
            .status()
            .expect("tmux send-keys runs");
        assert!(status.success());
    }

    /// Waits until the screen contains `text`; panics with the screen after 30 s.
    fn wait_for(&self, text: &str) -> String {
        let start = Instant::now();
        loop {
            let screen = self.screen();
            if screen.contains(text) {
                return screen;
            }
            assert!(
                start.elapsed() < Duration::from_secs(30),
                "`{text}` never appeared; the screen was:\n{screen}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    fn pane_dead(&self) -> Option<String> {
        let out = Command::new("tmux")
            .args(["display-message", "-p", "-t", &self.name])
            .arg("#{pane_dead} #{pane_dead_status}")
            .output()
            .ok()?;
        let text = String::from_utf8_lossy(&out.stdout).trim().to_string();
        text.strip_prefix("1 ").map(str::to_string)
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        let _ = Command::new("tmux")
            .args(["kill-session", "-t", &self.name])
            .status();
    }
}

fn skip(why: &str) {
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!("{why} (CI=true, so this is a failure)");
    }
    eprintln!("SKIPPED: tui_e2e: {why}");
}

#[test]
fn browse_the_example_image_and_quit() {
    let image = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/example.tar");
    if !image.exists() {
        return skip("testdata/example.tar is absent");
    }
    if Command::new("tmux").arg("-V").output().is_err() {
        return skip("tmux is not installed");
    }
    let command = format!("{} {}", env!("CARGO_BIN_EXE_plummet"), image.display());
    let session = Session::start(&command);

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
