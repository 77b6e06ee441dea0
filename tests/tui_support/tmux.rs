//! A real terminal for the UI's end-to-end tests: the binary in a detached tmux session, driven
//! by keys and read back as text.

use std::process::Command;
use std::time::{Duration, Instant};

pub const WIDTH: u16 = 120;
pub const HEIGHT: u16 = 40;

/// A detached tmux session, killed when dropped.
pub struct Session {
    name: String,
}

impl Session {
    /// Starts `command` in a new session named after `tag` and this process.
    pub fn start(tag: &str, command: &str) -> Session {
        let name = format!("plummet-{tag}-{}", std::process::id());
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

    pub fn screen(&self) -> String {
        let out = Command::new("tmux")
            .args(["capture-pane", "-p", "-t", &self.name])
            .output()
            .expect("tmux capture-pane runs");
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    pub fn keys(&self, keys: &[&str]) {
        let status = Command::new("tmux")
            .args(["send-keys", "-t", &self.name])
            .args(keys)
            .status()
            .expect("tmux send-keys runs");
        assert!(status.success());
    }

    /// Waits until the screen contains `text`; panics with the screen after 30 s.
    pub fn wait_for(&self, text: &str) -> String {
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

    pub fn pane_dead(&self) -> Option<String> {
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

/// Skips the test loudly, or fails it under CI.
pub fn skip(test: &str, why: &str) {
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!("{why} (CI=true, so this is a failure)");
    }
    eprintln!("SKIPPED: {test}: {why}");
}
