use tokio::io::{AsyncReadExt, AsyncWriteExt, DuplexStream};

use super::*;

/// Runs `exchange` against a server that reads the request and then runs `serve`.
async fn against<F, Fut>(max: usize, serve: F) -> (Result<Answer, ApiError>, String)
where
    F: FnOnce(DuplexStream) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    let (mut server, client) = tokio::io::duplex(64 * 1024);
    let mut got = 0;
    let serving = async move {
        let mut request = vec![0u8; 4096];
        let n = server.read(&mut request).await.unwrap();
        request.truncate(n);
        serve(server).await;
        String::from_utf8(request).unwrap()
    };
    let (answer, request) = tokio::join!(exchange(client, "/v1.41/info", max, &mut got), serving);
    (answer, request)
}

#[tokio::test]
async fn an_answer_with_a_length_is_read_whole_with_its_status_and_headers() {
    let (answer, request) = against(MAX_ANSWER, |mut s| async move {
        s.write_all(
            b"HTTP/1.1 200 OK\r\nApi-Version: 1.41\r\nContent-Length: 11\r\n\r\n{\"Id\":\"x\"}\n",
        )
        .await
        .unwrap();
    })
    .await;
    let answer = answer.unwrap();
    assert!(
        request.starts_with("GET /v1.41/info HTTP/1.1\r\n"),
        "{request}"
    );
    assert!(
        request.to_ascii_lowercase().contains("host: docker"),
        "{request}"
    );
    assert_eq!(answer.status, http::StatusCode::OK);
    assert_eq!(answer.headers["api-version"], "1.41");
    assert_eq!(answer.body, b"{\"Id\":\"x\"}\n");
}

#[tokio::test]
async fn a_chunked_answer_is_put_back_together() {
    let (answer, _) = against(MAX_ANSWER, |mut s| async move {
        s.write_all(
            b"HTTP/1.1 404 Not Found\r\nTransfer-Encoding: chunked\r\n\r\n\
              5\r\n{\"mes\r\n12\r\nsage\":\"no such x\"}\r\n0\r\n\r\n",
        )
        .await
        .unwrap();
    })
    .await;
    let answer = answer.unwrap();
    assert_eq!(answer.status, http::StatusCode::NOT_FOUND);
    assert_eq!(error_message(&answer.body), "no such x");
}

#[tokio::test]
async fn an_endless_answer_stops_at_the_cap() {
    let (answer, _) = against(100_000, |mut s| async move {
        let _ = s
            .write_all(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\r\n[")
            .await;
        let chunk = vec![b' '; 8192];
        // Until the client hangs up: far past the cap if it did not stop.
        for _ in 0..100_000 {
            if s.write_all(&chunk).await.is_err() {
                break;
            }
        }
    })
    .await;
    let err = answer.unwrap_err();
    assert!(
        matches!(err, ApiError::TooLarge { max: 100_000, .. }),
        "{err}"
    );
    assert_eq!(
        err.to_string(),
        "limit reached: the answer to GET /v1.41/info is larger than 100000 bytes (daemon answer \
         cap)"
    );
}

#[tokio::test]
async fn an_answer_that_stalls_stops_at_the_deadline_and_says_how_much_came() {
    let dir = tempfile::tempdir().unwrap();
    let socket = dir.path().join("d.sock");
    let listener = tokio::net::UnixListener::bind(&socket).unwrap();
    tokio::spawn(async move {
        let (mut s, _) = listener.accept().await.unwrap();
        let mut request = [0u8; 4096];
        let _ = s.read(&mut request).await;
        let _ = s
            .write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n{\"Id\":")
            .await;
        tokio::time::sleep(Duration::from_secs(30)).await;
    });
    let limits = Limits {
        max_bytes: MAX_ANSWER,
        deadline: Duration::from_secs(1),
    };
    let started = std::time::Instant::now();
    let err = get(&Endpoint::Unix(socket), "/version", limits)
        .await
        .unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(10));
    assert_eq!(
        err.to_string(),
        "limit reached: the answer to GET /version did not arrive within 1 s (6 bytes came)"
    );
}

#[tokio::test]
async fn no_socket_is_a_connect_error() {
    let dir = tempfile::tempdir().unwrap();
    let err = get(
        &Endpoint::Unix(dir.path().join("none.sock")),
        "/_ping",
        Limits::default(),
    )
    .await
    .unwrap_err();
    assert!(
        matches!(&err, ApiError::Connect(e) if e.kind() == io::ErrorKind::NotFound),
        "{err:?}"
    );
}

#[tokio::test]
async fn a_garbled_answer_is_an_http_error_naming_the_path() {
    let (answer, _) = against(MAX_ANSWER, |mut s| async move {
        let _ = s.write_all(b"SSH-2.0-OpenSSH\r\n\r\n").await;
    })
    .await;
    let err = answer.unwrap_err().to_string();
    assert!(err.starts_with("GET /v1.41/info failed: "), "{err}");
}

#[tokio::test]
async fn a_broken_chunk_is_an_error_that_says_why() {
    let (answer, _) = against(MAX_ANSWER, |mut s| async move {
        let _ = s
            .write_all(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n")
            .await;
    })
    .await;
    let err = answer.unwrap_err().to_string();
    assert!(
        err.starts_with("GET /v1.41/info failed: error reading a body from connection: "),
        "{err}"
    );
}

#[test]
fn references_cannot_change_the_request_path() {
    assert_eq!(path_segment("alpine:3.20"), "alpine:3.20");
    assert_eq!(
        path_segment("reg:5000/a/b@sha256:ab12"),
        "reg:5000/a/b@sha256:ab12"
    );
    assert_eq!(path_segment("x?all=1#y z%"), "x%3Fall%3D1%23y%20z%25");
    assert_eq!(path_segment("é"), "%C3%A9");
}

#[test]
fn error_messages_are_short() {
    assert_eq!(
        error_message(br#"{"message":"No such image: x:1"}"#),
        "No such image: x:1"
    );
    assert_eq!(error_message(b"  plain text\n"), "plain text");
    let long = "y".repeat(1000);
    assert_eq!(error_message(long.as_bytes()).chars().count(), 201);
}
