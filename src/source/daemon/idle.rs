//! An idle timeout for the daemon's export stream: a daemon that stops sending (stalled, or a
//! hostile stand-in on the socket) must not hold plummet for an hour.

use std::io;
use std::time::Duration;

use bytes::Bytes;
use futures_util::{Stream, StreamExt};

/// How long the export may send nothing before plummet gives up. Engines write the first bytes
/// of an export within seconds and then stream steadily; two minutes leaves room for a busy disk.
pub const EXPORT_IDLE: Duration = Duration::from_secs(120);

/// Passes `stream` through, ending it with an error when no chunk arrives for `idle`.
pub fn limited<S>(stream: S, idle: Duration) -> impl Stream<Item = io::Result<Bytes>>
where
    S: Stream<Item = io::Result<Bytes>> + Send + Unpin,
{
    futures_util::stream::unfold(Some(stream), move |state| async move {
        let mut stream = state?;
        match tokio::time::timeout(idle, stream.next()).await {
            Ok(Some(item)) => Some((item, Some(stream))),
            Ok(None) => None,
            Err(_) => Some((
                Err(io::Error::new(
                    io::ErrorKind::TimedOut,
                    format!(
                        "limit reached: the daemon sent nothing for {} s (export idle timeout)",
                        idle.as_secs()
                    ),
                )),
                None,
            )),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_stream_that_stalls_ends_with_an_error_naming_the_limit() {
        let first = futures_util::stream::iter([Ok(Bytes::from_static(b"abc"))]);
        let stalled = first.chain(futures_util::stream::pending());
        let mut limited = Box::pin(limited(stalled, Duration::from_millis(50)));
        assert_eq!(
            limited.next().await.unwrap().unwrap(),
            Bytes::from_static(b"abc")
        );
        let err = limited.next().await.unwrap().unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::TimedOut);
        assert!(err.to_string().contains("export idle timeout"), "{err}");
        assert!(limited.next().await.is_none());
    }

    #[tokio::test]
    async fn a_steady_stream_passes_whole() {
        let chunks = (0..5).map(|i| Ok(Bytes::from(vec![i; 3])));
        let limited = limited(
            futures_util::stream::iter(chunks),
            Duration::from_millis(50),
        );
        let got: Vec<_> = limited.map(|c| c.unwrap()).collect().await;
        assert_eq!(got.len(), 5);
    }
}
