//! Live: `plummet cat` through the seek map on an image built by the harness's dockerd and pushed
//! to the harness registry: indexing records the map (`ci --cache-dir` or the first cat's own
//! index pass), a cat asks the registry for the layer from an offset (an HTTP Range request),
//! and a registry that ignores ranges (answers
//! 200 with the whole blob) or refuses them (416) still gives the right bytes, streamed from the
//! start. A small proxy in front of the registry logs and rewrites the requests.
#![allow(
    clippy::unwrap_used,
    reason = "setup helpers stop the test at the first failed step"
)]

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Command, Output};
use std::sync::{Arc, Mutex, OnceLock};

#[path = "daemon_support/live.rs"]
mod live;

use live::{docker, harness, run};

const TAG: &str = "cat12-seek:1";
const REPO: &str = "cat12-seek/app";
const LAST: &[u8] = b"the last file\n";

/// What the proxy does with requests that carry a Range header.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Ranges {
    Forward,
    /// Drops the header: the registry answers 200 with the whole blob.
    Ignore,
    /// Answers 416 Range Not Satisfiable.
    Refuse,
}

/// Builds one layer of ~15 MB of text (several checkpoints) with a small file after it, and
/// pushes it to the open registry. Returns the registry.
fn setup() -> Option<String> {
    static BUILT: OnceLock<Option<String>> = OnceLock::new();
    BUILT
        .get_or_init(|| {
            let host = harness("PLUMMET_TEST_DOCKER_HOST")?;
            let registry = harness("PLUMMET_TEST_REGISTRY")?;
            let dir = tempfile::tempdir().unwrap();
            std::fs::write(
                dir.path().join("Dockerfile"),
                "FROM plummet-busybox:latest\n\
                 RUN mkdir /data && seq 1 2000000 > /data/seq.txt \
                     && echo 'the last file' > /data/zz-last\n",
            )
            .unwrap();
            run(docker(&host)
                .args(["build", "--network", "none", "-q", "-t", TAG])
                .arg(dir.path()));
            let pushed = format!("{registry}/{REPO}:v1");
            run(docker(&host).args(["tag", TAG, &pushed]));
            run(docker(&host)
                .env("DOCKER_CONFIG", dir.path().join("docker-config"))
                .args(["push", "-q", &pushed]));
            Some(registry)
        })
        .clone()
}

/// A proxy on 127.0.0.1 in front of `upstream`, one request per connection; returns its address
/// and the request heads it saw.
fn proxy(upstream: String, ranges: Ranges) -> (String, Arc<Mutex<Vec<String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let address = listener.local_addr().unwrap().to_string();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = Arc::clone(&seen);
    std::thread::spawn(move || {
        for client in listener.incoming().flatten() {
            let (upstream, log) = (upstream.clone(), Arc::clone(&log));
            std::thread::spawn(move || serve(client, &upstream, ranges, &log));
        }
    });
    (address, seen)
}

fn serve(mut client: TcpStream, upstream: &str, ranges: Ranges, seen: &Mutex<Vec<String>>) {
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        match client.read(&mut byte) {
            Ok(1) => head.push(byte[0]),
            _ => return,
        }
    }
    let head = String::from_utf8_lossy(&head).into_owned();
    seen.lock().unwrap().push(head.clone());
    let ranged = head.to_ascii_lowercase().contains("\r\nrange:");
    if ranged && ranges == Ranges::Refuse {
        let _ = client.write_all(
            b"HTTP/1.1 416 Range Not Satisfiable\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
        );
        return;
    }
    let mut forwarded: String = head
        .trim_end()
        .lines()
        .filter(|l| {
            let l = l.to_ascii_lowercase();
            let dropped = l.starts_with("connection:")
                || (ranges == Ranges::Ignore && l.starts_with("range:"));
            !dropped
        })
        .map(|l| format!("{l}\r\n"))
        .collect();
    forwarded.push_str("Connection: close\r\n\r\n");
    let Ok(mut up) = TcpStream::connect(upstream) else {
        return;
    };
    if up.write_all(forwarded.as_bytes()).is_err() {
        return;
    }
    let _ = std::io::copy(&mut up, &mut client);
}

fn cat(image: &str, cache: &std::path::Path, path: &str) -> Output {
    Command::new(env!("CARGO_BIN_EXE_plummet"))
        .args(["cat", "-q", "--cache-dir"])
        .arg(cache)
        .args([image, path])
        .env("NO_COLOR", "1")
        .env_remove("PLUMMET_LOG")
        .env_remove("CI")
        .output()
        .unwrap()
}

fn ok(o: &Output) -> Vec<u8> {
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(0), "{err}");
    o.stdout.clone()
}

/// The offsets of the blob Range requests among `heads` (the request line holds `/blobs/`).
fn blob_ranges(heads: &[String]) -> Vec<u64> {
    heads
        .iter()
        .filter(|h| h.lines().next().is_some_and(|l| l.contains("/blobs/")))
        .filter_map(|h| {
            h.lines()
                .find_map(|l| {
                    l.to_ascii_lowercase()
                        .strip_prefix("range: bytes=")
                        .map(String::from)
                })
                .and_then(|r| r.trim_end_matches('-').trim().parse().ok())
        })
        .collect()
}

#[test]
fn a_warm_cat_asks_the_registry_for_a_range_and_falls_back_when_refused() {
    let Some(registry) = setup() else { return };
    let cache = tempfile::tempdir().unwrap();
    let (address, seen) = proxy(registry.clone(), Ranges::Forward);
    let image = format!("docker://{address}/{REPO}:v1");
    // Cold cache: indexing reads the blob from its start and records its map, so the cat
    // itself already asks for a range.
    assert_eq!(ok(&cat(&image, cache.path(), "/data/zz-last")), LAST);
    let ranges = blob_ranges(&seen.lock().unwrap());
    assert_eq!(ranges.len(), 1, "{:?}", seen.lock().unwrap());
    seen.lock().unwrap().clear();
    // Warm cache: one Range request from well into the blob.
    assert_eq!(ok(&cat(&image, cache.path(), "/data/zz-last")), LAST);
    let ranges = blob_ranges(&seen.lock().unwrap());
    assert_eq!(ranges.len(), 1, "{:?}", seen.lock().unwrap());
    assert!(ranges[0] > 0);
    // The large file comes out whole through the map.
    let seq = ok(&cat(&image, cache.path(), "/data/seq.txt"));
    assert_eq!(
        seq.len(),
        (1..=2_000_000u32)
            .map(|n| n.to_string().len() + 1)
            .sum::<usize>()
    );
    assert!(seq.ends_with(b"\n1999999\n2000000\n"));
    for ranges in [Ranges::Ignore, Ranges::Refuse] {
        let (address, seen) = proxy(registry.clone(), ranges);
        let image = format!("docker://{address}/{REPO}:v1");
        assert_eq!(ok(&cat(&image, cache.path(), "/data/zz-last")), LAST);
        // The range was asked for, then the blob streamed from its start.
        let heads = seen.lock().unwrap().clone();
        assert_eq!(blob_ranges(&heads).len(), 1, "{heads:?}");
        let line = |h: &String| h.lines().next().unwrap_or_default().to_string();
        let ranged = heads
            .iter()
            .find(|h| h.to_ascii_lowercase().contains("\r\nrange:"))
            .map(line)
            .unwrap();
        let layer_gets = heads.iter().filter(|h| line(h) == ranged).count();
        assert_eq!(layer_gets, 2, "{heads:?}");
    }
}

#[test]
fn a_first_cat_after_ci_with_a_cache_asks_the_registry_for_a_range() {
    let Some(registry) = setup() else { return };
    let cache = tempfile::tempdir().unwrap();
    let (address, seen) = proxy(registry, Ranges::Forward);
    let image = format!("docker://{address}/{REPO}:v1");
    let o = Command::new(env!("CARGO_BIN_EXE_plummet"))
        .args(["ci", "-q", "--cache-dir"])
        .arg(cache.path())
        .arg(&image)
        .env_remove("CI")
        .output()
        .unwrap();
    assert!(o.status.code().is_some_and(|c| c < 2), "{o:?}");
    assert!(blob_ranges(&seen.lock().unwrap()).is_empty());
    seen.lock().unwrap().clear();
    assert_eq!(ok(&cat(&image, cache.path(), "/data/zz-last")), LAST);
    let ranges = blob_ranges(&seen.lock().unwrap());
    assert_eq!(ranges.len(), 1, "{:?}", seen.lock().unwrap());
    assert!(ranges[0] > 0);
}
