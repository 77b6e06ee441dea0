//! A real terminal for the UI's end-to-end tests: the binary in a detached tmux session, driven
//! by keys and read back as text.
//!
//! The program's exit status is written by a wrapping shell to a file, not read from tmux:
//! tmux 3.3a now and then leaves the exited program a zombie and never records its status
//! (`#{pane_dead}` is 1, `#{pane_dead_status}` stays empty), which made `q` look like it did
//! not quit.
#![allow(dead_code, reason = "each test binary uses a different part")]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

pub const WIDTH: u16 = 120;
pub const HEIGHT: u16 = 40;

/// A detached tmux session, killed when dropped.
pub struct Session {
    name: String,
    status_file: PathBuf,
    _dir: tempfile::TempDir,
}

/// `arg` quoted for `sh`.
fn quote(arg: &str) -> String {
    format!("'{}'", arg.replace('\'', r"'\''"))
}

impl Session {
    /// Starts `program` with `args` in a new session named after `tag` and this process.
    pub fn start(tag: &str, program: &Path, args: &[&Path]) -> Session {
        Session::launch(tag, program, args, false)
    }

    /// As [`Session::start`], but the pane stays open after the program ends, so that the
    /// terminal's state it left behind can be read.
    pub fn start_held(tag: &str, program: &Path, args: &[&Path]) -> Session {
        Session::launch(tag, program, args, true)
    }

    fn launch(tag: &str, program: &Path, args: &[&Path], hold: bool) -> Session {
        let name = format!("plummet-{tag}-{}", std::process::id());
        let dir = tempfile::tempdir().expect("a temporary directory");
        let status_file = dir.path().join("status");
        // CI runs the tests with CI=true, which would make plummet print its CI report instead of
        // opening the UI these tests drive.
        let mut command = format!("unset CI; {}", quote(&program.to_string_lossy()));
        for arg in args {
            command.push(' ');
            command.push_str(&quote(&arg.to_string_lossy()));
        }
        // Write to a temporary name and rename, so a reader never sees a half-written status.
        let partial = dir.path().join("status.partial");
        command.push_str(&format!(
            "; echo $? > {} && mv {} {}",
            quote(&partial.to_string_lossy()),
            quote(&partial.to_string_lossy()),
            quote(&status_file.to_string_lossy())
        ));
        if hold {
            command.push_str("; exec sleep 3600");
        }
        let status = Command::new("tmux")
            .args(["new-session", "-d", "-s", &name])
            .args(["-x", &WIDTH.to_string(), "-y", &HEIGHT.to_string()])
            .arg(command)
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .status()
            .expect("tmux runs");
        assert!(status.success(), "tmux new-session failed");
        Session {
            name,
            status_file,
            _dir: dir,
        }
    }

    pub fn screen(&self) -> String {
        let out = Command::new("tmux")
            .args(["capture-pane", "-p", "-t", &self.name])
            .output()
            .expect("tmux capture-pane runs");
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// A tmux format expanded for the pane, e.g. `#{alternate_on}`.
    pub fn display(&self, format: &str) -> String {
        let out = Command::new("tmux")
            .args(["display-message", "-p", "-t", &self.name, format])
            .output()
            .expect("tmux display-message runs");
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    }

    /// The pane's terminal modes as `alternate screen, mouse reporting, SGR mouse encoding, cursor
    /// visible`, then whether the tty is in raw mode: `"1 1 1 0 raw"` while a full-screen UI
    /// runs, `"0 0 0 1 cooked"` for a shell.
    pub fn modes(&self) -> String {
        let flags =
            self.display("#{alternate_on} #{mouse_any_flag} #{mouse_sgr_flag} #{cursor_flag}");
        let tty = self.display("#{pane_tty}");
        let stty = Command::new("stty")
            .args(["-a", "-F", &tty])
            .output()
            .expect("stty runs");
        let stty = String::from_utf8_lossy(&stty.stdout).into_owned();
        let cooked = stty.split_whitespace().any(|w| w == "icanon")
            && stty.split_whitespace().any(|w| w == "echo");
        format!("{flags} {}", if cooked { "cooked" } else { "raw" })
    }

    /// Waits until [`Session::modes`] starts with `want`; panics with the screen after 10 s.
    pub fn wait_for_modes(&self, want: &str) {
        let start = Instant::now();
        loop {
            let modes = self.modes();
            if modes.starts_with(want) {
                return;
            }
            assert!(
                start.elapsed() < Duration::from_secs(10),
                "the pane's modes stayed {modes:?}, not {want:?}; the screen was:\n{}",
                self.screen()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// The process id of the program: the child of the pane's shell.
    pub fn program_pid(&self) -> String {
        let shell = self.display("#{pane_pid}");
        let start = Instant::now();
        loop {
            let children = std::fs::read_to_string(format!("/proc/{shell}/task/{shell}/children"))
                .expect("the pane's shell lists its children");
            if let Some(pid) = children.split_whitespace().next() {
                return pid.to_string();
            }
            assert!(
                start.elapsed() < Duration::from_secs(10),
                "the pane's shell {shell} never started the program"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
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
    ///
    /// Returns nothing on purpose: a frame can be caught half drawn, so checking another text
    /// on the screen that matched would race. Wait for every text at once with
    /// [`Session::wait_for_all`].
    pub fn wait_for(&self, text: &str) {
        self.wait_for_all(&[text]);
    }

    /// Waits until one screen contains every one of `texts` (a frame can be caught half drawn);
    /// panics with the screen after 30 s.
    pub fn wait_for_all(&self, texts: &[&str]) {
        let start = Instant::now();
        loop {
            let screen = self.screen();
            if texts.iter().all(|text| screen.contains(text)) {
                return;
            }
            assert!(
                start.elapsed() < Duration::from_secs(30),
                "{texts:?} never all appeared; the screen was:\n{screen}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Waits for the program to exit and returns its exit status; panics with the screen
    /// after 10 s.
    pub fn wait_for_exit(&self) -> String {
        let start = Instant::now();
        loop {
            if let Ok(status) = std::fs::read_to_string(&self.status_file) {
                return status.trim().to_string();
            }
            assert!(
                start.elapsed() < Duration::from_secs(10),
                "the program did not exit; the screen was:\n{}",
                self.screen()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        let _ = Command::new("tmux")
            .args(["kill-session", "-t", &self.name])
            .output();
    }
}

/// Skips the test loudly, or fails it under CI.
pub fn skip(test: &str, why: &str) {
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!("{why} (CI=true, so this is a failure)");
    }
    eprintln!("SKIPPED: {test}: {why}");
}
