//! Registries that misbehave, simulated by a tiny HTTP proxy in front of the harness's open
//! registry: 429 with Retry-After then success, a blob whose bytes do not match its digest, and
//! a redirect of blobs to another host (which must not receive the Authorization header).

#[cfg(test)]
#[path = "registry_support/fixture.rs"]
mod fixture;

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use fixture::{REPO, fixture, options};
use plummet::image::Progress;
use plummet::source::{LoadOptions, Secret, registry};

/// What the proxy does with one request (its head, as text); `None` forwards it.
type Rule = dyn Fn(&str, usize) -> Option<Vec<u8>> + Send + Sync;

/// Request heads seen by a proxy.
#[derive(Clone, Default)]
struct Seen(Arc<Mutex<Vec<String>>>);

impl Seen {
    #[cfg(test)]
    fn heads(&self) -> Vec<String> {
        self.0.lock().unwrap().clone()
    }
}

/// Starts a proxy on 127.0.0.1 forwarding to `upstream`; returns its address.
#[cfg(test)]
fn proxy(upstream: String, rule: Arc<Rule>) -> (String, Seen) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let address = listener.local_addr().unwrap().to_string();
    let seen = Seen::default();
    let log = seen.clone();
    std::thread::spawn(move || {
        for client in listener.incoming().flatten() {
            let (upstream, rule, log) = (upstream.clone(), Arc::clone(&rule), log.clone());
            std::thread::spawn(move || serve(client, &upstream, &*rule, &log));
        }
    });
    (address, seen)
}

#[cfg(test)]
fn serve(mut client: TcpStream, upstream: &str, rule: &Rule, seen: &Seen) {
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        match client.read(&mut byte) {
            Ok(1) => head.push(byte[0]),
            _ => return,
        }
    }
    let head = String::from_utf8_lossy(&head).into_owned();
    let count = {
        let mut heads = seen.0.lock().unwrap();
        heads.push(head.clone());
        heads.len()
    };
    if let Some(answer) = rule(&head, count) {
        let _ = client.write_all(&answer);
        return;
    }
    // Forward with one request per connection, so that the answer ends at EOF.
    let mut forwarded: String = head
        .trim_end()
        .lines()
        .filter(|l| !l.to_ascii_lowercase().starts_with("connection:"))
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

#[cfg(test)]
fn response(status: &str, headers: &str, body: &[u8]) -> Vec<u8> {
    let mut out = format!(
        "HTTP/1.1 {status}\r\n{headers}Content-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    )
    .into_bytes();
    out.extend_from_slice(body);
    out
}

#[test]
fn too_many_requests_is_retried_after_the_delay_it_asks_for() {
    let Some(f) = fixture() else { return };
    let rule: Arc<Rule> = Arc::new(|_, count| {
        (count == 1).then(|| response("429 Too Many Requests", "Retry-After: 1\r\n", b""))
    });
    let (address, seen) = proxy(f.env.registry.clone(), rule);
    let started = Instant::now();
    let image = registry::load(
        &format!("{address}/{REPO}:v1"),
        &options(),
        &Progress::default(),
    )
    .unwrap();
    assert!(
        started.elapsed() >= Duration::from_millis(950),
        "{:?}",
        started.elapsed()
    );
    assert!(image.tree.layers.len() >= 3);
    let heads = seen.heads();
    assert!(
        heads[0].contains("/manifests/v1") && heads[1].contains("/manifests/v1"),
        "{heads:?}"
    );
}

#[test]
fn persistent_server_errors_give_up_after_bounded_attempts() {
    let Some(f) = fixture() else { return };
    let rule: Arc<Rule> = Arc::new(|_, _| {
        Some(response(
            "503 Service Unavailable",
            "Retry-After: 0\r\n",
            b"",
        ))
    });
    let (address, seen) = proxy(f.env.registry.clone(), rule);
    let e = registry::load(
        &format!("{address}/{REPO}:v1"),
        &options(),
        &Progress::default(),
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("503") && e.contains("giving up"), "{e}");
    assert_eq!(seen.heads().len(), registry::client::ATTEMPTS as usize);
}

#[test]
fn a_blob_that_does_not_match_its_digest_is_reported() {
    let Some(f) = fixture() else { return };
    // Serve a valid gzip stream of different content for the largest layer.
    let clean = registry::load(
        &format!("{}/{REPO}:v1", f.env.registry),
        &options(),
        &Progress::default(),
    )
    .unwrap();
    let victim = clean
        .meta
        .layers
        .iter()
        .max_by_key(|l| l.blob_size)
        .and_then(|l| l.digest.clone())
        .unwrap();
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    let mut tar = tar::Builder::new(Vec::new());
    let mut header = tar::Header::new_gnu();
    header.set_size(5);
    header.set_cksum();
    tar.append_data(&mut header, "impostor", &b"evil!"[..])
        .unwrap();
    gz.write_all(&tar.into_inner().unwrap()).unwrap();
    let body = gz.finish().unwrap();
    let path = format!("/blobs/{victim}");
    let rule: Arc<Rule> = Arc::new(move |head, _| {
        head.contains(&path).then(|| {
            response(
                "200 OK",
                "Content-Type: application/octet-stream\r\n",
                &body,
            )
        })
    });
    let (address, _) = proxy(f.env.registry.clone(), rule);
    let e = registry::load(
        &format!("{address}/{REPO}:v1"),
        &options(),
        &Progress::default(),
    )
    .unwrap_err()
    .to_string();
    assert!(
        e.contains("digest mismatch") && e.contains(&victim.to_string()),
        "{e}"
    );
    assert!(e.contains(&format!("{address}/{REPO}:v1")), "{e}");
}

#[test]
fn redirects_to_another_host_drop_the_authorization_header() {
    let Some(f) = fixture() else { return };
    // Blob storage: `localhost` is another host than `127.0.0.1` for the client.
    let (storage, storage_seen) = proxy(f.env.registry.clone(), Arc::new(|_, _| None));
    let storage_port = storage.rsplit(':').next().unwrap_or_default().to_string();
    let rule: Arc<Rule> = Arc::new(move |head, _| {
        let path = head.split_whitespace().nth(1)?;
        path.contains("/blobs/").then(|| {
            let location = format!("Location: http://localhost:{storage_port}{path}\r\n");
            response("307 Temporary Redirect", &location, b"")
        })
    });
    let (front, front_seen) = proxy(f.env.registry.clone(), rule);
    let options = LoadOptions {
        registry_token: Some(Secret("not-a-real-token".into())),
        ..options()
    };
    let image = registry::load(
        &format!("{front}/{REPO}:v1"),
        &options,
        &Progress::default(),
    )
    .unwrap();
    assert!(image.tree.layers.len() >= 3);
    let has_auth = |h: &String| h.to_ascii_lowercase().contains("\r\nauthorization:");
    assert!(front_seen.heads().iter().all(has_auth));
    let blobs = storage_seen.heads();
    assert!(blobs.len() >= 3, "{blobs:?}");
    assert!(!blobs.iter().any(has_auth), "{blobs:?}");
}

#[test]
fn credentials_are_never_sent_in_clear_text_to_a_realm_on_another_host() {
    // A registry on loopback names a plain-HTTP realm on another host (127.0.0.2 is still
    // loopback, so nothing leaves the machine; nothing listens there). Before, plummet sent the
    // user's Basic credentials to it.
    let rule: Arc<Rule> = Arc::new(|_, _| {
        Some(response(
            "401 Unauthorized",
            "Www-Authenticate: Bearer realm=\"http://127.0.0.2:9/token\",service=\"s\"\r\n",
            b"",
        ))
    });
    let (address, _seen) = proxy("127.0.0.1:9".into(), rule);
    let options = LoadOptions {
        credentials: Some(plummet::source::Credentials {
            username: "user".into(),
            secret: Secret("hunter2-secret".into()),
        }),
        ..options()
    };
    let e = registry::load(&format!("{address}/x:v1"), &options, &Progress::default())
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("refusing to send the credentials") && e.contains("127.0.0.2"),
        "{e}"
    );
    assert!(!e.contains("hunter2"), "{e}");
}

/// A server on 127.0.0.1 that answers every request with `head` (status and headers) and then
/// an endless body, until the client hangs up; returns its address.
#[cfg(test)]
fn endless(head: &'static str) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let address = listener.local_addr().unwrap().to_string();
    std::thread::spawn(move || {
        for mut client in listener.incoming().flatten() {
            std::thread::spawn(move || {
                let mut request = [0u8; 4096];
                let _ = client.read(&mut request);
                let chunk = vec![b'a'; 64 * 1024];
                if client.write_all(head.as_bytes()).is_err() {
                    return;
                }
                while client.write_all(&chunk).is_ok() {}
            });
        }
    });
    address
}

#[cfg(test)]
const THREE_GIB: &str = "Content-Length: 3221225472\r\nConnection: close\r\n\r\n";

#[test]
fn a_huge_token_answer_stops_at_its_cap() {
    let tokens = endless(Box::leak(
        format!("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n{THREE_GIB}")
            .into_boxed_str(),
    ));
    let challenge =
        format!("Www-Authenticate: Bearer realm=\"http://{tokens}/token\",service=\"s\"\r\n");
    let rule: Arc<Rule> = Arc::new(move |_, _| Some(response("401 Unauthorized", &challenge, b"")));
    let (address, _seen) = proxy("127.0.0.1:9".into(), rule);
    let started = Instant::now();
    let e = registry::load(&format!("{address}/x:v1"), &options(), &Progress::default())
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("token answer") && e.contains("larger than 1048576 bytes"),
        "{e}"
    );
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "{:?}",
        started.elapsed()
    );
}

#[test]
fn a_huge_error_body_is_read_only_in_part() {
    let registry = endless(Box::leak(
        format!("HTTP/1.1 404 Not Found\r\n{THREE_GIB}").into_boxed_str(),
    ));
    let started = Instant::now();
    let e = registry::load(
        &format!("{registry}/x:v1"),
        &options(),
        &Progress::default(),
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("not found"), "{e}");
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "{:?}",
        started.elapsed()
    );
}

/// A registry on 127.0.0.1 serving one image `x:v1` whose only layer is declared as 1000 bytes
/// but is an endless run of empty gzip members (each decompresses to nothing).
#[cfg(test)]
/// A registry whose one layer is declared as 1000 bytes of `media_type` but sent as `first`
/// followed by `chunk` repeated for as long as the client reads.
fn endless_blob_registry(media_type: &'static str, first: Vec<u8>, chunk: Vec<u8>) -> String {
    use plummet::image::Digest;
    let layer_digest = Digest::sha256_of(b"the declared layer");
    let config = format!(
        r#"{{"architecture":"amd64","os":"linux","config":{{}},"rootfs":{{"type":"layers","diff_ids":["{layer_digest}"]}}}}"#
    );
    let config_digest = Digest::sha256_of(config.as_bytes());
    let manifest = format!(
        r#"{{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"{config_digest}","size":{}}},"layers":[{{"mediaType":"{media_type}","digest":"{layer_digest}","size":1000}}]}}"#,
        config.len()
    );
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let address = listener.local_addr().unwrap().to_string();
    std::thread::spawn(move || {
        for mut client in listener.incoming().flatten() {
            let (config, manifest, config_digest) =
                (config.clone(), manifest.clone(), config_digest.to_string());
            let (first, chunk) = (first.clone(), chunk.clone());
            std::thread::spawn(move || {
                let mut request = [0u8; 4096];
                let n = client.read(&mut request).unwrap_or(0);
                let head = String::from_utf8_lossy(&request[..n]).into_owned();
                let path = head
                    .split_whitespace()
                    .nth(1)
                    .unwrap_or_default()
                    .to_string();
                let answer = if path.contains("/manifests/") {
                    let kind = "Content-Type: application/vnd.oci.image.manifest.v1+json\r\n";
                    response("200 OK", kind, manifest.as_bytes())
                } else if path.ends_with(&config_digest) {
                    response("200 OK", "", config.as_bytes())
                } else if path.contains("/blobs/") {
                    let _ = client.write_all(b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n");
                    // No length: the body runs until the connection closes, far past what the
                    // manifest declares, for as long as the client reads.
                    let _ = client.write_all(&first);
                    while client.write_all(&chunk).is_ok() {}
                    return;
                } else {
                    response("200 OK", "", b"{}")
                };
                let _ = client.write_all(&answer);
            });
        }
    });
    address
}

#[expect(
    clippy::unwrap_used,
    reason = "a test fixture: failing to build it fails the test"
)]
fn endless_gzip_registry() -> String {
    let mut empty_member = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    empty_member.write_all(b"").unwrap();
    let empty_member = empty_member.finish().unwrap();
    endless_blob_registry(
        "application/vnd.oci.image.layer.v1.tar+gzip",
        empty_member.clone(),
        empty_member.repeat(1000),
    )
}

/// A real (empty) zstd frame, then zstd skippable frames without end: each decodes to nothing.
#[expect(
    clippy::unwrap_used,
    reason = "a test fixture: failing to build it fails the test"
)]
fn endless_zstd_registry() -> String {
    let empty_frame = zstd::encode_all(&b""[..], 3).unwrap();
    // A skippable frame: magic 0x184D2A50 (little-endian), a 4-byte length, that many bytes.
    let skippable = [0x50, 0x2a, 0x4d, 0x18, 4, 0, 0, 0, 0, 0, 0, 0];
    endless_blob_registry(
        "application/vnd.oci.image.layer.v1.tar+zstd",
        empty_frame,
        skippable.repeat(1000),
    )
}

#[test]
fn a_zstd_blob_of_endless_skippable_frames_stops_at_the_declared_size() {
    stops_at_the_declared_size(&endless_zstd_registry());
}

#[test]
fn a_blob_larger_than_declared_stops_at_the_declared_size() {
    stops_at_the_declared_size(&endless_gzip_registry());
}

/// Pulling from `registry` fails at the layer's declared size, quickly.
#[expect(
    clippy::unwrap_used,
    reason = "a test helper: a load that succeeds fails the test"
)]
fn stops_at_the_declared_size(registry: &str) {
    let started = Instant::now();
    let e = registry::load(
        &format!("{registry}/x:v1"),
        &options(),
        &Progress::default(),
    )
    .unwrap_err()
    .to_string();
    assert!(
        e.contains("sends more than the 1000 bytes its manifest declares"),
        "{e}"
    );
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "{:?}",
        started.elapsed()
    );
}

#[test]
fn a_manifest_sent_one_byte_a_second_stops_at_the_deadline() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let address = listener.local_addr().unwrap().to_string();
    std::thread::spawn(move || {
        for mut client in listener.incoming().flatten() {
            std::thread::spawn(move || {
                let mut request = [0u8; 4096];
                let _ = client.read(&mut request);
                let head = "HTTP/1.1 200 OK\r\nContent-Type: application/vnd.oci.image.manifest.v1+json\r\nContent-Length: 100000\r\nConnection: close\r\n\r\n";
                if client.write_all(head.as_bytes()).is_err() {
                    return;
                }
                // One byte a second: every idle timeout is satisfied, the answer never ends.
                while client.write_all(b" ").is_ok() {
                    std::thread::sleep(Duration::from_millis(1000));
                }
            });
        }
    });
    let options = LoadOptions {
        body_deadline: Some(Duration::from_secs(2)),
        ..options()
    };
    let started = Instant::now();
    let e = registry::load(&format!("{address}/x:v1"), &options, &Progress::default())
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("limit reached") && e.contains("did not arrive within 2 s"),
        "{e}"
    );
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "{:?}",
        started.elapsed()
    );
}
