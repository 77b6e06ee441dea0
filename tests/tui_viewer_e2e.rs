//! End to end: the real binary in tmux opens a file of an OCI archive in the viewer (its bytes
//! read from the gzip layer blob on the viewer's worker), searches it, shows the diff against
//! the previous layer's version, and goes back to the tree with esc.
#![expect(
    clippy::expect_used,
    clippy::panic,
    reason = "the helpers of a test fail it loudly"
)]

use std::path::Path;
use std::process::Command;

use imagegen::{Compression, Form, ImageSpec, LayerSpec, Op};

#[path = "tui_support/tmux.rs"]
mod tmux;

use tmux::{Session, skip};

#[test]
fn open_a_file_search_it_diff_it_and_go_back() {
    if Command::new("tmux").arg("-V").output().is_err() {
        return skip("tui_viewer_e2e", "tmux is not installed");
    }
    let dir = tempfile::tempdir().unwrap();
    let image = dir.path().join("viewer.tar");
    let spec = ImageSpec::new(
        "viewer",
        vec![
            LayerSpec::new(vec![Op::bytes("/etc/app.conf", b"listen=80\nworkers=2\n")]),
            LayerSpec::new(vec![Op::bytes(
                "/etc/app.conf",
                b"listen=8080\nworkers=2\ntimeout=30\n",
            )]),
        ],
    )
    .compressed(Compression::Gzip);
    imagegen::write_tar_file(&spec, Form::Oci, &image).unwrap();
    let plummet = Path::new(env!("CARGO_BIN_EXE_plummet"));
    let session = Session::start("viewer", plummet, &[&image]);
    session.wait_for_all(&["Layers (at 0 of 0-1)", "Files: all up to layer 0"]);

    // The second layer, then the file by a search, then the viewer.
    session.keys(&["j"]);
    session.wait_for("Files: all up to layer 1");
    session.keys(&["/", "a", "p", "p", "Enter"]);
    session.wait_for("matches `app`");
    session.keys(&["v"]);
    session.wait_for_all(&[
        "/etc/app.conf as of layer 1",
        "1 listen=8080",
        "3 timeout=30",
    ]);

    session.keys(&["/", "w", "o", "r", "k", "Enter"]);
    session.wait_for("1 line matches work");

    session.keys(&["d"]);
    session.wait_for_all(&[
        "changes in layer 1",
        "-listen=80",
        "+listen=8080",
        "+timeout=30",
    ]);

    // esc closes the viewer (the search's results are back), a second esc leaves the search.
    session.keys(&["Escape"]);
    session.wait_for("Files: matches in all up to layer 1");
    session.keys(&["Escape"]);
    session.wait_for("Files: all up to layer 1");

    session.keys(&["q"]);
    let status = session.wait_for_exit();
    assert_eq!(status, "0", "plummet exited with {status}");
}

/// `plummet cat` on a terminal writes text but refuses a binary file (its bytes would drive the
/// terminal), with a hint to redirect.
#[test]
fn cat_to_a_terminal_writes_text_and_refuses_binary() {
    if Command::new("tmux").arg("-V").output().is_err() {
        return skip("tui_viewer_e2e", "tmux is not installed");
    }
    let dir = tempfile::tempdir().unwrap();
    let image = dir.path().join("cat.tar");
    let spec = ImageSpec::new(
        "cat",
        vec![LayerSpec::new(vec![
            Op::bytes("/etc/motd", b"hello from the image\n"),
            Op::bytes("/bin/blob", b"\x7fELF\x1b]0;pwned\x07\0\0"),
        ])],
    );
    imagegen::write_tar_file(&spec, Form::Oci, &image).unwrap();
    let plummet = Path::new(env!("CARGO_BIN_EXE_plummet"));
    let args = |path: &str| -> Vec<std::path::PathBuf> {
        vec!["cat".into(), "-q".into(), image.clone(), path.into()]
    };
    let text = args("/etc/motd");
    let text: Vec<&Path> = text.iter().map(|p| p.as_path()).collect();
    let session = Session::start_held("cat-text", plummet, &text);
    assert_eq!(session.wait_for_exit(), "0");
    session.wait_for("hello from the image");
    let binary = args("/bin/blob");
    let binary: Vec<&Path> = binary.iter().map(|p| p.as_path()).collect();
    let session = Session::start_held("cat-binary", plummet, &binary);
    assert_eq!(session.wait_for_exit(), "2");
    session.wait_for("not written to the terminal");
}
