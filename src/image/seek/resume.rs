//! Inflating from a checkpoint: a raw inflater is first given the window as one stored block
//! (whose output is dropped), then the compressed bits from the checkpoint on, shifted so that
//! the block's first bit is a byte's first bit. Everything is safe Rust: no decompressor state
//! is copied or primed.

use std::io::{self, Read};

use zlib_rs::{Inflate, InflateFlush, Status};

use super::WINDOW;
use crate::image::blob::READ_BUFFER;

/// A non-final stored block holding `window`: a raw inflater's output starts with it.
fn stored_block(window: &[u8]) -> Vec<u8> {
    let len = window.len().min(WINDOW) as u16;
    let mut block = Vec::with_capacity(5 + usize::from(len));
    block.push(0); // BFINAL = 0, BTYPE = 00, padding to the byte boundary.
    block.extend_from_slice(&len.to_le_bytes());
    block.extend_from_slice(&(!len).to_le_bytes());
    block.extend_from_slice(&window[..usize::from(len)]);
    block
}

/// A raw inflater that has produced (and dropped) `window`: the state a checkpoint stands for.
fn primed(window: &[u8]) -> io::Result<Inflate> {
    let mut inflate = Inflate::new(false, 15);
    if window.is_empty() {
        return Ok(inflate);
    }
    let block = stored_block(window);
    let mut scratch = vec![0u8; window.len()];
    let status = inflate
        .decompress(&block, &mut scratch, InflateFlush::NoFlush)
        .map_err(|e| corrupt(e.as_str()))?;
    if status == Status::StreamEnd || inflate.total_out() != window.len() as u64 {
        return Err(corrupt("the checkpoint's window did not inflate"));
    }
    Ok(inflate)
}

fn corrupt(message: &str) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidData,
        format!("corrupt gzip stream: {message}"),
    )
}

/// Shifts `input` right by `shift` bits across byte boundaries (deflate packs bits from the
/// least significant end), appending to `out`; `carry` holds the byte not yet emitted.
fn shift_into(input: &[u8], shift: u32, carry: &mut Option<u8>, out: &mut Vec<u8>) {
    if shift == 0 {
        out.extend_from_slice(input);
        return;
    }
    for &b in input {
        if let Some(prev) = *carry {
            out.push((prev >> shift) | (b << (8 - shift)));
        }
        *carry = Some(b);
    }
}

/// Whether resuming with `window` from the start of `input`, shifted by `shift` bits,
/// inflates exactly `expect` first.
pub(super) fn reproduces(window: &[u8], input: &[u8], shift: u32, expect: &[u8]) -> bool {
    let Ok(mut inflate) = primed(window) else {
        return false;
    };
    let mut shifted = Vec::with_capacity(input.len());
    let mut carry = None;
    shift_into(input, shift, &mut carry, &mut shifted);
    if let Some(last) = carry {
        shifted.push(last >> shift);
    }
    let mut out = vec![0u8; expect.len()];
    let mut filled = 0;
    let mut fed = 0;
    while filled < out.len() {
        let before = (inflate.total_in(), inflate.total_out());
        match inflate.decompress(&shifted[fed..], &mut out[filled..], InflateFlush::NoFlush) {
            Ok(status) => {
                fed += (inflate.total_in() - before.0) as usize;
                filled += (inflate.total_out() - before.1) as usize;
                let stuck = (inflate.total_in(), inflate.total_out()) == before;
                if status == Status::StreamEnd || stuck {
                    break;
                }
            }
            Err(_) => return false,
        }
    }
    filled == expect.len() && out == expect
}

/// The uncompressed stream from a checkpoint (or, with [`Resume::gzip`], from the blob's start).
pub struct Resume<R: Read> {
    inner: R,
    inflate: Inflate,
    shift: u32,
    carry: Option<u8>,
    /// Shifted compressed bytes not yet inflated, from `pos`.
    input: Vec<u8>,
    pos: usize,
    raw: Vec<u8>,
    inner_done: bool,
    ended: bool,
}

impl<R: Read> Resume<R> {
    /// Resumes at the checkpoint whose block starts `shift` bits into `inner`'s first byte.
    pub fn new(inner: R, shift: u32, window: &[u8]) -> io::Result<Self> {
        Ok(Self::with(inner, shift, primed(window)?))
    }

    /// Inflates a gzip stream from its first byte (no checkpoint before the member).
    pub fn gzip(inner: R) -> Self {
        Self::with(inner, 0, Inflate::new(true, 16 + 15))
    }

    fn with(inner: R, shift: u32, inflate: Inflate) -> Self {
        Resume {
            inner,
            inflate,
            shift: shift % 8,
            carry: None,
            input: Vec::with_capacity(READ_BUFFER),
            pos: 0,
            raw: vec![0u8; READ_BUFFER],
            inner_done: false,
            ended: false,
        }
    }

    fn refill(&mut self) -> io::Result<()> {
        self.input.clear();
        self.pos = 0;
        let n = loop {
            match self.inner.read(&mut self.raw) {
                Ok(n) => break n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        };
        if n == 0 {
            self.inner_done = true;
            if let Some(last) = self.carry.take() {
                self.input.push(last >> self.shift);
            }
        } else {
            shift_into(&self.raw[..n], self.shift, &mut self.carry, &mut self.input);
        }
        Ok(())
    }
}

impl<R: Read> Read for Resume<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        loop {
            if self.ended {
                return Ok(0);
            }
            if self.pos == self.input.len() {
                if self.inner_done {
                    return Err(io::Error::new(
                        io::ErrorKind::UnexpectedEof,
                        "unexpected end of gzip stream",
                    ));
                }
                self.refill()?;
                continue;
            }
            let before = (self.inflate.total_in(), self.inflate.total_out());
            let status = self
                .inflate
                .decompress(&self.input[self.pos..], buf, InflateFlush::NoFlush)
                .map_err(|e| corrupt(e.as_str()))?;
            self.pos += (self.inflate.total_in() - before.0) as usize;
            let made = (self.inflate.total_out() - before.1) as usize;
            if status == Status::StreamEnd {
                // The member's last block: a tar ends well before it.
                self.ended = true;
            }
            if made > 0 {
                return Ok(made);
            }
        }
    }
}
