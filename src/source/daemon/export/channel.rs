//! Handing a layer member of the export stream to its indexing worker: bounded chunks over a
//! channel (an error, not an early end, when the stream breaks), and a byte count of the stream
//! for error messages.

use std::cell::Cell;
use std::io::{self, Read};
use std::rc::Rc;
use std::sync::mpsc::{Receiver, SyncSender};

use crate::image::blob::{READ_BUFFER, fill};

/// Sends a member's bytes to its worker. `Ok(false)` when the worker stopped listening.
pub fn feed<R: Read>(
    entry: &mut R,
    first: Vec<u8>,
    size: u64,
    tx: &SyncSender<io::Result<Vec<u8>>>,
) -> io::Result<bool> {
    let mut sent = first.len() as u64;
    if !first.is_empty() && tx.send(Ok(first)).is_err() {
        io::copy(entry, &mut io::sink())?;
        return Ok(false);
    }
    loop {
        let mut chunk = vec![0u8; READ_BUFFER];
        let n = match fill(entry, &mut chunk) {
            Ok(n) => n,
            Err(e) => {
                // The worker must not mistake a cut stream for the end of the layer.
                let _ = tx.send(Err(io::Error::new(e.kind(), e.to_string())));
                return Err(e);
            }
        };
        if n == 0 {
            break;
        }
        chunk.truncate(n);
        sent += n as u64;
        if tx.send(Ok(chunk)).is_err() {
            io::copy(entry, &mut io::sink())?;
            return Ok(false);
        }
    }
    if sent < size {
        let e = io::Error::new(
            io::ErrorKind::UnexpectedEof,
            format!("a layer ended after {sent} of {size} bytes"),
        );
        let _ = tx.send(Err(io::Error::new(e.kind(), e.to_string())));
        return Err(e);
    }
    Ok(true)
}

/// The worker's side of a member: chunks from the reader, an error if the stream broke.
pub struct ChannelReader {
    rx: Receiver<io::Result<Vec<u8>>>,
    chunk: Vec<u8>,
    pos: usize,
}

impl ChannelReader {
    pub fn new(rx: Receiver<io::Result<Vec<u8>>>) -> Self {
        ChannelReader {
            rx,
            chunk: Vec::new(),
            pos: 0,
        }
    }
}

impl Read for ChannelReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        while self.pos >= self.chunk.len() {
            match self.rx.recv() {
                Ok(Ok(chunk)) => {
                    self.chunk = chunk;
                    self.pos = 0;
                }
                Ok(Err(e)) => return Err(e),
                // The sender is gone after the last chunk: the member is complete.
                Err(_) => return Ok(0),
            }
        }
        let n = buf.len().min(self.chunk.len() - self.pos);
        buf[..n].copy_from_slice(&self.chunk[self.pos..self.pos + n]);
        self.pos += n;
        Ok(n)
    }
}

/// Counts the bytes that came out of the stream, for error messages.
pub struct Counted<R> {
    pub inner: R,
    pub bytes: Rc<Cell<u64>>,
}

impl<R: Read> Read for Counted<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.bytes.set(self.bytes.get() + n as u64);
        Ok(n)
    }
}
