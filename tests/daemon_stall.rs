//! A hostile or stalled Docker daemon, played by a stand-in on a unix socket that speaks just
//! enough of the API: an inspect answer that never ends stops at the answer cap, and an export
//! that stops sending stops at the export idle timeout. Both through the real binary, exit 2.
//! Also how reference errors name the daemon: a failed `docker://` pull whose image the daemon
//! has, and a bare reference that neither the daemon nor the registry serves.
#![allow(
    clippy::expect_used,
    clippy::unwrap_used,
    reason = "a stand-in that cannot bind its socket, or a binary that cannot start, fails the test"
)]

use std::io::{Read, Write};
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

const DIFF_ID: &str = "sha256:5f70bf18a086007016e948b04aed3b82103a36bea41755b6cddfaf10ace3c6ef";
const IMAGE_ID: &str = "sha256:1111111111111111111111111111111111111111111111111111111111111111";

/// How the stand-in misbehaves.
#[derive(Clone, Copy)]
enum Mode {
    /// The inspect answer is a JSON string that never ends.
    EndlessInspect,
    /// Inspect and history are right; the export sends a few bytes and then nothing.
    StalledExport,
}

/// A stand-in daemon: its socket and how many bytes of its endless or stalled answer it sent.
struct StandIn {
    socket: PathBuf,
    sent: Arc<AtomicU64>,
    _dir: tempfile::TempDir,
}

fn stand_in(mode: Mode) -> StandIn {
    let dir = tempfile::tempdir().unwrap();
    let socket = dir.path().join("docker.sock");
    let listener = UnixListener::bind(&socket).unwrap();
    let sent = Arc::new(AtomicU64::new(0));
    let counter = Arc::clone(&sent);
    std::thread::spawn(move || {
        for client in listener.incoming() {
            let Ok(client) = client else { return };
            let counter = Arc::clone(&counter);
            std::thread::spawn(move || answer(client, mode, &counter));
        }
    });
    StandIn {
        socket,
        sent,
        _dir: dir,
    }
}

/// The request's path, from a request read up to the end of its head.
fn request_path(client: &mut UnixStream) -> String {
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") && head.len() < 16 * 1024 {
        match client.read(&mut byte) {
            Ok(1) => head.push(byte[0]),
            _ => break,
        }
    }
    let head = String::from_utf8_lossy(&head);
    head.split(' ').nth(1).unwrap_or_default().to_string()
}

fn json(client: &mut UnixStream, status: &str, body: &str) {
    let _ = write!(
        client,
        "HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\
         Connection: close\r\n\r\n{body}",
        body.len()
    );
}

fn answer(mut client: UnixStream, mode: Mode, sent: &AtomicU64) {
    let path = request_path(&mut client);
    // Docker 20.10's answers, cut to what plummet reads.
    if path == "/_ping" {
        json(&mut client, "200 OK", "OK");
    } else if path == "/version" {
        json(
            &mut client,
            "200 OK",
            r#"{"Version":"20.10.24","ApiVersion":"1.41","MinAPIVersion":"1.12"}"#,
        );
    } else if path.ends_with("/json") && path.contains("/images/") {
        match mode {
            Mode::EndlessInspect => endless_inspect(&mut client, sent),
            Mode::StalledExport => json(
                &mut client,
                "200 OK",
                &format!(
                    r#"{{"Id":"{IMAGE_ID}","RepoTags":["daemon10-stall:1"],"RepoDigests":[],"Size":1024,"RootFS":{{"Type":"layers","Layers":["{DIFF_ID}"]}}}}"#
                ),
            ),
        }
    } else if path.ends_with("/history") {
        json(
            &mut client,
            "200 OK",
            &format!(
                r#"[{{"Id":"{IMAGE_ID}","Created":0,"CreatedBy":"/bin/sh -c #(nop) ADD file","Tags":["daemon10-stall:1"],"Size":1024,"Comment":""}}]"#
            ),
        );
    } else if path.ends_with("/get") {
        stalled_export(&mut client, sent);
    } else {
        json(
            &mut client,
            "404 Not Found",
            &format!(r#"{{"message":"page not found: {path}"}}"#),
        );
    }
}

/// An inspect answer whose `RepoTags` string never ends, sent until plummet hangs up.
fn endless_inspect(client: &mut UnixStream, sent: &AtomicU64) {
    let head = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n";
    if write!(client, "{head}{{\"Id\":\"{IMAGE_ID}\",\"RepoTags\":[\"").is_err() {
        return;
    }
    let chunk = vec![b'a'; 64 * 1024];
    // 4 GiB at most, so that a plummet that never stops still ends the test.
    for _ in 0..65_536 {
        if client.write_all(&chunk).is_err() {
            return;
        }
        sent.fetch_add(chunk.len() as u64, Ordering::Relaxed);
    }
}

/// An export that sends the first block of a tar and then nothing, holding the connection.
fn stalled_export(client: &mut UnixStream, sent: &AtomicU64) {
    let head = "HTTP/1.1 200 OK\r\nContent-Type: application/x-tar\r\nConnection: close\r\n\r\n";
    // A valid tar header for a member whose data never comes.
    let mut header = tar::Header::new_ustar();
    header.set_path("manifest.json").unwrap();
    header.set_size(300);
    header.set_mode(0o644);
    header.set_cksum();
    let block = header.as_bytes();
    if client.write_all(head.as_bytes()).is_err() || client.write_all(block).is_err() {
        return;
    }
    sent.fetch_add(block.len() as u64, Ordering::Relaxed);
    // Long past the test's idle timeout; the process ends the thread.
    std::thread::sleep(Duration::from_secs(600));
}

fn plummet(socket: &Path, extra_env: &[(&str, &str)]) -> (Output, Duration) {
    let started = Instant::now();
    let output = Command::new(env!("CARGO_BIN_EXE_plummet"))
        .args(["ci", "docker-daemon:daemon10-stall:1", "--export", "--host"])
        .arg(format!("unix://{}", socket.display()))
        .envs(extra_env.iter().copied())
        .env("NO_COLOR", "1")
        .env_remove("PLUMMET_LOG")
        .env_remove("CI")
        .output()
        .expect("run plummet");
    (output, started.elapsed())
}

fn one_line_error(output: &Output) -> String {
    let err = String::from_utf8_lossy(&output.stderr).into_owned();
    assert_eq!(output.status.code(), Some(2), "stderr: {err}");
    assert_eq!(err.trim_end().lines().count(), 1, "not one line: {err}");
    err
}

#[test]
fn an_endless_inspect_answer_stops_at_the_answer_cap() {
    let daemon = stand_in(Mode::EndlessInspect);
    let (output, took) = plummet(&daemon.socket, &[]);
    let err = one_line_error(&output);
    let at = format!("unix://{}", daemon.socket.display());
    assert!(
        err.contains(&format!(
            "the Docker daemon at {at} failed on daemon10-stall:1: limit reached: the answer to \
             GET /v1.41/images/daemon10-stall:1/json is larger than 16777216 bytes (daemon \
             answer cap)"
        )),
        "{err}"
    );
    // plummet hung up at the cap: what the stand-in got out is the cap plus what the socket
    // buffers held, not the 4 GiB it would have sent.
    std::thread::sleep(Duration::from_millis(200));
    let sent = daemon.sent.load(Ordering::Relaxed);
    assert!(sent < 24 << 20, "the stand-in sent {sent} bytes");
    eprintln!("endless inspect: stopped after {sent} bytes sent, {took:?}");
}

#[test]
fn an_export_that_stalls_stops_at_the_idle_timeout() {
    let daemon = stand_in(Mode::StalledExport);
    let (output, took) = plummet(&daemon.socket, &[("PLUMMET_DAEMON_EXPORT_IDLE_SECS", "2")]);
    let err = one_line_error(&output);
    let at = format!("unix://{}", daemon.socket.display());
    assert!(
        err.contains(&format!(
            "failed to export daemon10-stall:1 from the Docker daemon at {at}: the export \
             stream broke after 512 bytes: limit reached: the daemon sent nothing for 2 s \
             (export idle timeout)"
        )),
        "{err}"
    );
    assert!(!err.contains("did the daemon stop"), "{err}");
    assert_eq!(daemon.sent.load(Ordering::Relaxed), 512);
    // The 2 s timeout, not the default two minutes.
    assert!(took < Duration::from_secs(60), "took {took:?}");
    eprintln!("stalled export: {took:?}");
}

#[test]
fn an_export_idle_timeout_that_is_not_whole_seconds_is_refused() {
    let daemon = stand_in(Mode::StalledExport);
    let (output, _) = plummet(
        &daemon.socket,
        &[("PLUMMET_DAEMON_EXPORT_IDLE_SECS", "0.5")],
    );
    let err = one_line_error(&output);
    assert!(err.contains("PLUMMET_DAEMON_EXPORT_IDLE_SECS"), "{err}");
    assert_eq!(daemon.sent.load(Ordering::Relaxed), 0);
}

#[test]
fn a_bare_reference_that_neither_daemon_nor_registry_serves_names_both_failures() {
    let dir = tempfile::tempdir().unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_plummet"))
        .args(["ci", "127.0.0.1:1/daemon10/x:1"])
        .env(
            "DOCKER_HOST",
            format!("unix://{}", dir.path().join("none.sock").display()),
        )
        .env("NO_COLOR", "1")
        .env_remove("PLUMMET_LOG")
        .env_remove("CI")
        .output()
        .expect("run plummet");
    let err = one_line_error(&output);
    assert!(
        err.contains("127.0.0.1:1/daemon10/x:1: no Docker daemon answered (cannot connect"),
        "{err}"
    );
    assert!(
        err.contains("and the registry failed: cannot reach 127.0.0.1:1"),
        "{err}"
    );
}

#[test]
fn a_failed_docker_pull_says_when_the_local_daemon_has_the_image() {
    // The stand-in has every image it is asked about.
    let daemon = stand_in(Mode::StalledExport);
    let output = Command::new(env!("CARGO_BIN_EXE_plummet"))
        .args(["ci", "docker://127.0.0.1:1/daemon10/x:1"])
        .env("DOCKER_HOST", format!("unix://{}", daemon.socket.display()))
        .env("NO_COLOR", "1")
        .env_remove("PLUMMET_LOG")
        .env_remove("CI")
        .output()
        .expect("run plummet");
    let err = one_line_error(&output);
    assert!(err.contains("cannot reach 127.0.0.1:1"), "{err}");
    assert!(
        err.contains(&format!(
            "(the Docker daemon at unix://{} has 127.0.0.1:1/daemon10/x:1: use \
             docker-daemon:127.0.0.1:1/daemon10/x:1 to read it from there)",
            daemon.socket.display()
        )),
        "{err}"
    );
    // Only asked: nothing was exported.
    assert_eq!(daemon.sent.load(Ordering::Relaxed), 0);
}
