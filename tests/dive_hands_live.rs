//! dive habits on a real `docker build` by the harness's daemon: `--source docker` reads the
//! daemon's image, and in a real terminal (tmux) the filtering search finds CJK and emoji names
//! the build made, with the columns after them aligned.
#![expect(
    clippy::expect_used,
    clippy::panic,
    clippy::unwrap_used,
    reason = "the steps of a live test fail it loudly"
)]

use std::path::Path;
use std::process::Command;

use unicode_width::UnicodeWidthStr;

#[path = "daemon_support/live.rs"]
mod live;
#[path = "tui_support/tmux.rs"]
mod tmux;

const TAG: &str = "dive14-hands-live:1";

#[test]
fn dive_source_flag_and_the_search_on_a_real_build_with_wide_names() {
    let (Some(host), Some(base)) = (
        live::harness("PLUMMET_TEST_DOCKER_HOST"),
        live::harness("PLUMMET_TEST_DOCKER_BASE_IMAGE"),
    ) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let ctx = dir.path();
    std::fs::create_dir_all(ctx.join("app/日本語")).unwrap();
    std::fs::write(ctx.join("app/日本語/データ.txt"), vec![b'x'; 2_000]).unwrap();
    std::fs::write(ctx.join("app/📦.txt"), vec![b'y'; 3_000]).unwrap();
    std::fs::write(ctx.join("app/plain.txt"), vec![b'z'; 4_000]).unwrap();
    std::fs::write(
        ctx.join("Dockerfile"),
        format!("FROM {base}\nCOPY app/ /app/\n"),
    )
    .unwrap();
    live::run(
        live::docker(&host)
            .args(["build", "--network", "none", "-q", "-t", TAG])
            .arg(ctx),
    );
    let plummet = Path::new(env!("CARGO_BIN_EXE_plummet"));

    // dive's `--source docker TAG -j FILE`: the daemon's image, written as JSON.
    let out = Command::new(plummet)
        .args(["--source", "docker", TAG, "--host", &host, "-q", "-j", "-"])
        .env_remove("CI")
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(
        json["image"]["source"]
            .as_str()
            .is_some_and(|s| s.contains("daemon")),
        "{}",
        json["image"]
    );

    if Command::new("tmux").arg("-V").output().is_err() {
        return tmux::skip("dive_hands_live", "tmux is not installed");
    }
    let image = format!("docker-daemon:{TAG}");
    let session = tmux::Session::start(
        "dive14-hands",
        plummet,
        &[Path::new(&image), Path::new("--host"), Path::new(&host)],
    );
    session.wait_for("Layers (at 0 of");
    session.keys(&["C-f", "/", "a", "p", "p", "/", "Enter"]);
    session.wait_for_all(&["matches in all up to layer", "データ.txt", "📦.txt"]);
    // Each file row ends with the size and the permissions: the `-rw` starts in one column,
    // counted in terminal cells.
    let screen = session.screen();
    let column = |name: &str| {
        let line = screen
            .lines()
            .find(|l| l.contains(name))
            .unwrap_or_else(|| panic!("no {name} in\n{screen}"));
        let at = line
            .find("-rw")
            .unwrap_or_else(|| panic!("no perms in {line}"));
        line[..at].width()
    };
    let plain = column("plain.txt");
    assert_eq!(column("データ.txt"), plain, "{screen}");
    assert_eq!(column("📦.txt"), plain, "{screen}");
    session.keys(&["q"]);
    assert_eq!(session.wait_for_exit(), "0");
    live::run(live::docker(&host).args(["rmi", "-f", TAG]));
}
