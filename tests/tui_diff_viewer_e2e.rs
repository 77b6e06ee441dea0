//! End to end: the real binary's diff UI in tmux opens a changed file as of B and as of A (its
//! bytes read from the layer blobs on the viewer's worker), then its diff A -> B, and says in the
//! status line that a file only A has has nothing to compare. Once on two OCI archives from our
//! generator, once on two images the harness's Docker daemon builds, read from the daemon.
#![expect(
    clippy::expect_used,
    clippy::unwrap_used,
    clippy::panic,
    reason = "the helpers of a test fail it loudly"
)]

use std::path::{Path, PathBuf};
use std::process::Command;

use imagegen::{Compression, Form, ImageSpec, LayerSpec, Op};

#[path = "daemon_support/live.rs"]
mod live;
#[path = "tui_support/tmux.rs"]
mod tmux;

use tmux::{Session, skip};

fn bin() -> PathBuf {
    std::env::var_os("PLUMMET_BIN").map_or_else(
        || PathBuf::from(env!("CARGO_BIN_EXE_plummet")),
        PathBuf::from,
    )
}

/// Opens /etc/app.conf (found by a search) in B, switches to A, shows the diff, closes the
/// viewer; then `d` on /etc/only-a. A's config is `listen=80`, B's `listen=8080` and a timeout.
fn open_switch_and_diff(session: &Session) {
    session.wait_for("Summary (A -> B)");
    session.keys(&["/", "a", "p", "p", ".", "c", "o", "n", "f", "Enter"]);
    session.wait_for("1 path matches `app.conf`");
    session.keys(&["v"]);
    session.wait_for_all(&[
        "/etc/app.conf in B (",
        "o: A's version",
        "1 listen=8080",
        "3 timeout=30",
    ]);
    session.keys(&["o"]);
    session.wait_for_all(&["/etc/app.conf in A (", "o: B's version", "1 listen=80 "]);
    session.keys(&["d"]);
    session.wait_for_all(&[
        "/etc/app.conf: A -> B",
        "--- a/etc/app.conf",
        "+++ b/etc/app.conf",
        "-listen=80",
        "+listen=8080",
        "+timeout=30",
    ]);
    // `v` closes the viewer (an Escape followed at once by `/` would read as alt-/).
    session.keys(&["v"]);
    session.keys(&["/", "o", "n", "l", "y", "-", "a", "Enter"]);
    session.wait_for("1 path matches `only-a`");
    session.keys(&["d"]);
    session.wait_for("nothing to compare: /etc/only-a is only in A");
    session.keys(&["q"]);
    let status = session.wait_for_exit();
    assert_eq!(status, "0", "plummet exited with {status}");
}

#[test]
fn diff_ui_views_a_changed_file_in_b_and_a_and_its_diff() {
    if Command::new("tmux").arg("-V").output().is_err() {
        return skip("tui_diff_viewer_e2e", "tmux is not installed");
    }
    let dir = tempfile::tempdir().expect("a temporary directory");
    let base = LayerSpec::new(vec![
        Op::bytes("/etc/app.conf", b"listen=80\nworkers=2\n"),
        Op::text("/etc/os-release", 200),
    ]);
    let a = ImageSpec::new(
        "diffview-a",
        vec![
            base.clone(),
            LayerSpec::new(vec![Op::bytes("/etc/only-a", b"a\n")]),
        ],
    )
    .compressed(Compression::Gzip);
    let b = ImageSpec::new(
        "diffview-b",
        vec![
            base,
            LayerSpec::new(vec![Op::bytes(
                "/etc/app.conf",
                b"listen=8080\nworkers=2\ntimeout=30\n",
            )]),
        ],
    )
    .compressed(Compression::Gzip);
    let (pa, pb) = (dir.path().join("a.tar"), dir.path().join("b.tar"));
    imagegen::write_tar_file(&a, Form::Oci, &pa).expect("A is written");
    imagegen::write_tar_file(&b, Form::Oci, &pb).expect("B is written");
    let session = Session::start(
        "diff-viewer",
        &bin(),
        &[Path::new("diff"), Path::new("--ui"), &pa, &pb],
    );
    open_switch_and_diff(&session);
}

#[test]
fn diff_ui_views_files_of_two_daemon_builds() {
    let (Some(host), Some(base)) = (
        live::harness("PLUMMET_TEST_DOCKER_HOST"),
        live::harness("PLUMMET_TEST_DOCKER_BASE_IMAGE"),
    ) else {
        return;
    };
    if Command::new("tmux").arg("-V").output().is_err() {
        return skip("tui_diff_viewer_e2e", "tmux is not installed");
    }
    let dir = tempfile::tempdir().expect("a temporary directory");
    let build = |name: &str, steps: &str| -> String {
        let ctx = dir.path().join(name);
        std::fs::create_dir_all(&ctx).unwrap();
        std::fs::write(ctx.join("Dockerfile"), format!("FROM {base}\n{steps}")).unwrap();
        let tag = format!("diffview12-viewer-{name}:{}", std::process::id());
        live::run(
            live::docker(&host)
                .args(["build", "--network", "none", "-q", "-t", &tag])
                .arg(&ctx),
        );
        tag
    };
    let a = build(
        "a",
        "RUN printf 'listen=80\\nworkers=2\\n' > /etc/app.conf && echo a > /etc/only-a\n",
    );
    let b = build(
        "b",
        "RUN printf 'listen=8080\\nworkers=2\\ntimeout=30\\n' > /etc/app.conf\n",
    );
    let (ra, rb) = (format!("docker-daemon:{a}"), format!("docker-daemon:{b}"));
    let session = Session::start(
        "diff-viewer-daemon",
        &bin(),
        &[
            Path::new("diff"),
            Path::new("--ui"),
            Path::new("--host"),
            Path::new(&host),
            Path::new(&ra),
            Path::new(&rb),
        ],
    );
    open_switch_and_diff(&session);
    for tag in [a, b] {
        live::run(live::docker(&host).args(["rmi", &tag]));
    }
}
