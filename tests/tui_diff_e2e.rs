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
use std::time::{Duration, Instant};

use imagegen::{Form, LayerSpec, Op};

const WIDTH: u16 = 120;
const HEIGHT: u16 = 40;

/// A detached tmux session, killed when dropped.
struct Session {
    name: String,
}

impl Session {
    fn start(command: &str) -> Session {
        let name = format!("plummet-diff-e2e-{}", std::process::id());
        let status = Command::new("tmux")
            .args(["new-session", "-d", "-s", &name])
            .args(["-x", &WIDTH.to_string(), "-y", &HEIGHT.to_string()])
            .arg(command)
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .status()
            .expect("tmux runs");
        assert!(status.success(), "tmux new-session failed");
        // Keep the pane after the program exits, so its exit status can be read.
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
    eprintln!("SKIPPED: tui_diff_e2e: {why}");
}

#[test]
fn diff_the_example_with_a_variant_and_quit() {
    let a = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/example.tar");
    if !a.exists() {
        return skip("testdata/example.tar is absent");
    }
    if Command::new("tmux").arg("-V").output().is_err() {
        return skip("tmux is not installed");
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

    let command = format!(
        "{} diff --ui {} {}",
        env!("CARGO_BIN_EXE_plummet"),
        a.display(),
        b.display()
    );
    let session = Session::start(&command);
    let screen = session.wait_for("Summary (A -> B)");
    assert!(screen.contains("+     motd"), "an added row:\n{screen}");
    assert!(screen.contains("-   ▾ .git/"), "a removed row:\n{screen}");
    assert!(
        screen.contains("changed"),
        "the changed last layer:\n{screen}"
    );

    session.keys(&["?"]);
    let help = session.wait_for("Keys (");
    assert!(help.contains("every path of A and B"), "{help}");
    // `?` closes the help too; an Escape followed at once by `/` would read as alt-/.
    session.keys(&["?"]);
    session.keys(&["/", "m", "o", "t", "d", "Enter"]);
    session.wait_for("1 path matches `motd`");

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
