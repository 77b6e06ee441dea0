//! Recording a seek map while a blob is read in full: the SHA-256 of each compressed span, and
//! for gzip an inflater (zlib-rs, as flate2 uses) that stops at a deflate block boundary once
//! per interval to note a checkpoint.
//!
//! zlib-rs says where it stopped only to the byte: up to 7 bits of the last byte it consumed may
//! belong to the next block. Each candidate bit is tried by resuming from it, as a later read
//! would, and comparing the first 4 KiB it inflates with what the full read produced next; the
//! checkpoint is kept only when one candidate reproduces them. So a checkpoint is known to
//! resume correctly before it is ever written.

use std::io::{self, BufRead, Read};

use zlib_rs::{Inflate, InflateFlush, Status};

use super::{Checkpoint, INTERVAL, MAX_CHECKPOINTS, WINDOW};

/// Output compared when testing a candidate checkpoint.
const PROBE: usize = 4096;
/// Compressed bytes kept to test a candidate: deflate spends at most 15 bits on a literal, so
/// [`PROBE`] bytes of output never need more than ~8 KiB plus block headers. The step after a
/// stop consumes up to a whole read buffer (256 KiB); keeping and shifting all of it for each of
/// the 8 trials cost more than the rest of the recording. A candidate cut short by this bound
/// just fails its test (one checkpoint fewer), never a wrong one.
const PROBE_INPUT: usize = 16 * 1024;

/// What the recorder found, for the seek map.
#[derive(Debug, Default)]
pub struct Recording {
    pub checkpoints: Vec<Checkpoint>,
    /// False when the blob holds more than one gzip member: checkpoints do not cross members,
    /// and such a blob gets no map.
    pub usable: bool,
}

/// A candidate checkpoint being tested.
struct Pending {
    /// Compressed bytes consumed when the inflater stopped.
    consumed: u64,
    out: u64,
    window: Vec<u8>,
    /// The compressed bytes from the last one consumed at the stop on.
    input: Vec<u8>,
    /// The output that followed the stop.
    expect: Vec<u8>,
}

/// A gzip decoder (several members, as `gunzip` reads them) that records checkpoints.
pub struct Recorder<R: BufRead> {
    inner: R,
    inflate: Inflate,
    interval: u64,
    next_at: u64,
    consumed: u64,
    produced: u64,
    /// The last [`WINDOW`] bytes of output, as a ring from `ring_pos`.
    ring: Vec<u8>,
    ring_pos: usize,
    last_byte: u8,
    pending: Option<Pending>,
    checkpoints: Vec<Checkpoint>,
    members: u32,
    done: bool,
}

fn gzip_inflater() -> Inflate {
    Inflate::new(true, 16 + 15)
}

fn corrupt(message: &str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, message.to_string())
}

impl<R: BufRead> Recorder<R> {
    pub fn new(inner: R) -> Self {
        Self::with_interval(inner, INTERVAL)
    }

    /// A recorder with another interval (tests force several checkpoints into a small blob).
    pub fn with_interval(inner: R, interval: u64) -> Self {
        Recorder {
            inner,
            inflate: gzip_inflater(),
            interval: interval.max(1),
            next_at: interval.max(1),
            consumed: 0,
            produced: 0,
            ring: Vec::with_capacity(WINDOW),
            ring_pos: 0,
            last_byte: 0,
            pending: None,
            checkpoints: Vec::new(),
            members: 1,
            done: false,
        }
    }

    pub fn into_inner(self) -> R {
        self.inner
    }

    /// The checkpoints recorded so far (all of them once the stream was read to its end).
    pub fn recording(&mut self) -> Recording {
        if let Some(p) = self.pending.take() {
            self.resolve(p);
        }
        Recording {
            checkpoints: std::mem::take(&mut self.checkpoints),
            usable: self.members == 1 && self.done,
        }
    }

    fn window(&self) -> Vec<u8> {
        let mut w = Vec::with_capacity(self.ring.len());
        w.extend_from_slice(&self.ring[self.ring_pos..]);
        w.extend_from_slice(&self.ring[..self.ring_pos]);
        w
    }

    /// Keeps the last [`WINDOW`] bytes of output and the probe of a pending candidate. This runs
    /// on every chunk the indexer reads, so it copies slices, and skips the ring while the next
    /// stop is more than a window away (`produced` already counts `out`): every byte from a
    /// window before the earliest stop on is still copied, in order, so the ring is right there.
    fn remember(&mut self, out: &[u8]) {
        if let Some(p) = &mut self.pending {
            let room = PROBE.saturating_sub(p.expect.len());
            p.expect.extend_from_slice(&out[..room.min(out.len())]);
        }
        // A blob of several members gets no checkpoints, so no ring either.
        if self.members > 1 || self.produced.saturating_add(WINDOW as u64) < self.next_at {
            return;
        }
        let mut tail = &out[out.len().saturating_sub(WINDOW)..];
        if self.ring.len() < WINDOW {
            let fill = (WINDOW - self.ring.len()).min(tail.len());
            self.ring.extend_from_slice(&tail[..fill]);
            tail = &tail[fill..];
        }
        while !tail.is_empty() {
            let n = (WINDOW - self.ring_pos).min(tail.len());
            self.ring[self.ring_pos..self.ring_pos + n].copy_from_slice(&tail[..n]);
            self.ring_pos = (self.ring_pos + n) % WINDOW;
            tail = &tail[n..];
        }
    }

    /// Keeps the candidate when exactly the bit it starts at reproduces the output that came next.
    fn resolve(&mut self, p: Pending) {
        self.next_at = p.out + self.interval;
        if p.expect.is_empty() {
            return;
        }
        let found = (0..8u32).find(|&k| {
            let (from, shift) = if k == 0 { (1, 0) } else { (0, 8 - k) };
            p.input
                .get(from..)
                .is_some_and(|input| super::resume::reproduces(&p.window, input, shift, &p.expect))
        });
        if let Some(k) = found {
            self.checkpoints.push(Checkpoint {
                bit: p.consumed * 8 - u64::from(k),
                out: p.out,
                window: p.window,
            });
            if self.checkpoints.len() > MAX_CHECKPOINTS {
                // Memory stays bounded: every other checkpoint goes, the interval doubles.
                let mut i = 0;
                self.checkpoints.retain(|_| {
                    i += 1;
                    i % 2 == 0
                });
                self.interval *= 2;
            }
        }
    }

    fn step(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let input = self.inner.fill_buf()?;
        if input.is_empty() {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "unexpected end of gzip stream",
            ));
        }
        let at_interval = self.pending.is_none() && self.produced >= self.next_at;
        let flush = if at_interval && self.members == 1 {
            InflateFlush::Block
        } else {
            InflateFlush::NoFlush
        };
        let (in0, out0) = (self.inflate.total_in(), self.inflate.total_out());
        let status = self
            .inflate
            .decompress(input, buf, flush)
            .map_err(|e| corrupt(e.as_str()))?;
        let used = (self.inflate.total_in() - in0) as usize;
        let made = (self.inflate.total_out() - out0) as usize;
        let left_in = input.len() - used;
        if let Some(p) = &mut self.pending {
            let room = PROBE_INPUT.saturating_sub(p.input.len());
            p.input.extend_from_slice(&input[..used.min(room)]);
        }
        if used > 0 {
            self.last_byte = input[used - 1];
        }
        self.inner.consume(used);
        self.consumed += used as u64;
        self.produced += made as u64;
        self.remember(&buf[..made]);
        if self
            .pending
            .as_ref()
            .is_some_and(|p| p.expect.len() >= PROBE)
        {
            if let Some(p) = self.pending.take() {
                self.resolve(p);
            }
        }
        let stopped_at_block =
            flush == InflateFlush::Block && status == Status::Ok && made < buf.len() && left_in > 0;
        if stopped_at_block {
            self.pending = Some(Pending {
                consumed: self.consumed,
                out: self.produced,
                window: self.window(),
                input: vec![self.last_byte],
                expect: Vec::new(),
            });
        }
        if status == Status::StreamEnd {
            if let Some(p) = self.pending.take() {
                self.resolve(p);
            }
            if self.inner.fill_buf()?.is_empty() {
                self.done = true;
            } else {
                // Another gzip member follows (concatenated gzip, as `gunzip` reads it).
                self.members += 1;
                self.inflate = gzip_inflater();
            }
        }
        Ok(made)
    }
}

impl<R: BufRead> Read for Recorder<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        while !self.done {
            let made = self.step(buf)?;
            if made > 0 {
                return Ok(made);
            }
        }
        Ok(0)
    }
}
