//! A blob's HTTP body as a blocking `Read` for the indexer threads: a task on the registry's
//! runtime pulls chunks and sends them through a small bounded channel, so download and
//! decompression overlap while memory stays bounded. A body cut off midway is resumed with a
//! `Range` request; the indexer's digest check covers the joined bytes.

use std::io::{self, Read};
use std::sync::Arc;

use bytes::Bytes;
use reqwest::{Response, StatusCode};
use tokio::runtime::Handle;
use tokio::sync::mpsc;

use super::client::{Client, describe};
use crate::image::Digest;
use crate::source::SourceError;

/// Chunks in flight per layer (hyper's chunks are at most a few hundred KiB).
const CHANNEL_CHUNKS: usize = 16;
/// How often a broken body is resumed before the layer fails.
const RESUMES: u32 = 3;

/// The reading end of a blob download.
pub struct BlobReader {
    rx: mpsc::Receiver<io::Result<Bytes>>,
    current: Bytes,
    /// Bytes the manifest declares that are still to come: a server sending more (endless empty
    /// gzip members or zstd skippable frames, which decompress to nothing and so never reach
    /// another limit) is stopped here.
    left: u64,
    declared: u64,
    digest: Digest,
}

impl Read for BlobReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        while self.current.is_empty() {
            match self.rx.blocking_recv() {
                None => return Ok(0),
                Some(Ok(chunk)) => {
                    let Some(left) = self.left.checked_sub(chunk.len() as u64) else {
                        return Err(io::Error::other(format!(
                            "limit reached: blob {} sends more than the {} bytes its manifest declares",
                            self.digest, self.declared
                        )));
                    };
                    self.left = left;
                    self.current = chunk;
                }
                Some(Err(e)) => return Err(e),
            }
        }
        let n = buf.len().min(self.current.len());
        buf[..n].copy_from_slice(&self.current[..n]);
        let _ = self.current.split_to(n);
        Ok(n)
    }
}

/// Starts downloading a blob; called on an indexer thread (outside the runtime).
pub fn open(
    handle: &Handle,
    client: Arc<Client>,
    digest: Digest,
    declared: u64,
) -> io::Result<BlobReader> {
    let response = handle
        .block_on(request(&client, &digest, None))
        .map_err(io::Error::other)?;
    Ok(reader(handle, client, digest, declared, response, 0))
}

fn reader(
    handle: &Handle,
    client: Arc<Client>,
    digest: Digest,
    declared: u64,
    response: Response,
    offset: u64,
) -> BlobReader {
    let (tx, rx) = mpsc::channel(CHANNEL_CHUNKS);
    handle.spawn(pump(client, digest.clone(), response, tx, offset));
    BlobReader {
        rx,
        current: Bytes::new(),
        left: declared.saturating_sub(offset),
        declared,
        digest,
    }
}

/// Starts downloading a blob from byte `offset` on with a `Range` request (a file read through
/// a seek map); `None` when the registry does not answer with exactly that range (it ignores
/// ranges and sends the whole blob, or refuses): the caller then streams the blob from its start.
pub fn open_from(
    handle: &Handle,
    client: Arc<Client>,
    digest: Digest,
    declared: u64,
    offset: u64,
) -> io::Result<Option<BlobReader>> {
    if offset >= declared {
        return Ok(None);
    }
    let response = handle.block_on(client.get(&format!("blobs/{digest}"), None, Some(offset)));
    let Ok(response) = response else {
        return Ok(None);
    };
    let range = response
        .headers()
        .get(reqwest::header::CONTENT_RANGE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let exact = range
        .strip_prefix("bytes ")
        .and_then(|r| r.split_once('-'))
        .is_some_and(|(first, _)| first.trim() == offset.to_string());
    if response.status() != StatusCode::PARTIAL_CONTENT || !exact {
        tracing::debug!(
            status = response.status().as_u16(),
            range,
            "{} did not honour a range request for {digest}; reading it from the start",
            client.host
        );
        return Ok(None);
    }
    Ok(Some(reader(
        handle, client, digest, declared, response, offset,
    )))
}

/// GETs a blob (from `offset` on, when resuming) and checks the status.
pub async fn request(
    client: &Client,
    digest: &Digest,
    offset: Option<u64>,
) -> Result<Response, SourceError> {
    let response = client.get(&format!("blobs/{digest}"), None, offset).await?;
    let wanted = if offset.is_some() {
        StatusCode::PARTIAL_CONTENT
    } else {
        StatusCode::OK
    };
    if response.status() == wanted {
        return Ok(response);
    }
    if offset.is_some() && response.status().is_success() {
        return Err(SourceError::Registry(format!(
            "{} cannot resume blob {digest} (no range support)",
            client.host
        )));
    }
    Err(client
        .error_for(response, &format!("blob {digest} of {}", client.repository))
        .await)
}

async fn pump(
    client: Arc<Client>,
    digest: Digest,
    mut response: Response,
    tx: mpsc::Sender<io::Result<Bytes>>,
    start: u64,
) {
    let mut offset = start;
    let mut resumes = 0;
    loop {
        match response.chunk().await {
            Ok(Some(chunk)) => {
                offset += chunk.len() as u64;
                if tx.send(Ok(chunk)).await.is_err() {
                    // The reader stopped (another layer failed): stop downloading.
                    return;
                }
            }
            Ok(None) => return,
            Err(e) => {
                let mut cause = describe(&e);
                if resumes < RESUMES {
                    resumes += 1;
                    match request(&client, &digest, Some(offset)).await {
                        Ok(r) => {
                            response = r;
                            continue;
                        }
                        Err(e) => cause = format!("{cause}; resuming failed: {e}"),
                    }
                }
                let message = format!(
                    "download of {digest} from {} broke after {offset} bytes: {cause}",
                    client.host
                );
                let _ = tx.send(Err(io::Error::other(message))).await;
                return;
            }
        }
    }
}
