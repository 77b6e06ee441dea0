//! File content generation: deterministic bytes from a `Content` and a size, streamed in chunks.

use std::io::{self, Write};

use crate::spec::Content;

const CHUNK: usize = 64 * 1024;

const WORDS: &[&str] = &[
    "the", "layer", "image", "module", "export", "function", "return", "const", "require",
    "package", "version", "import", "class", "self", "value", "index", "error", "config", "data",
    "string", "buffer", "stream", "async", "await", "node", "path", "file", "true", "false",
    "null",
];

/// A small, fast generator (splitmix64): good enough for test content, never changes.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
}

/// Writes exactly `size` bytes of `content` to `w`, never holding more than one chunk.
pub(crate) fn write_content(content: &Content, size: u64, w: &mut dyn Write) -> io::Result<()> {
    let mut left = size;
    let mut buf = vec![0u8; CHUNK];
    let mut rng = Rng(match content {
        Content::Random(seed) | Content::Text(seed) => *seed,
        Content::Zeros | Content::Bytes(_) => 0,
    });
    let mut given: &[u8] = match content {
        Content::Bytes(bytes) => bytes,
        _ => &[],
    };
    let mut text = Vec::new();
    while left > 0 {
        let n = usize::try_from(left).map_or(CHUNK, |l| l.min(CHUNK));
        let chunk = &mut buf[..n];
        match content {
            Content::Random(_) => chunk.chunks_mut(8).for_each(|c| {
                let word = rng.next().to_le_bytes();
                c.copy_from_slice(&word[..c.len()]);
            }),
            Content::Text(_) => fill_text(&mut rng, &mut text, chunk),
            Content::Zeros => chunk.fill(0),
            Content::Bytes(_) => {
                let take = given.len().min(n);
                chunk[..take].copy_from_slice(&given[..take]);
                chunk[take..].fill(0);
                given = &given[take..];
            }
        }
        w.write_all(chunk)?;
        left -= n as u64;
    }
    Ok(())
}

/// Fills `out` with words and line breaks; `pending` carries a word cut at a chunk boundary.
fn fill_text(rng: &mut Rng, pending: &mut Vec<u8>, out: &mut [u8]) {
    let mut at = 0;
    while at < out.len() {
        if pending.is_empty() {
            let r = rng.next();
            let word = WORDS[(r % WORDS.len() as u64) as usize];
            pending.extend_from_slice(word.as_bytes());
            pending.push(if r >> 60 == 0 { b'\n' } else { b' ' });
        }
        let take = pending.len().min(out.len() - at);
        out[at..at + take].copy_from_slice(&pending[..take]);
        pending.drain(..take);
        at += take;
    }
}

/// The first `n` bytes (at most `size`) of a file's content, for rules that look inside files.
pub(crate) fn content_prefix(content: &Content, size: u64, n: u64) -> Vec<u8> {
    let mut out = Vec::new();
    // Writing into a Vec cannot fail.
    let _ = write_content(content, size.min(n), &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_are_exact_and_runs_repeat() {
        for content in [
            Content::Random(7),
            Content::Text(7),
            Content::Zeros,
            Content::Bytes(b"abc".to_vec()),
        ] {
            let mut a = Vec::new();
            let mut b = Vec::new();
            write_content(&content, 200_000, &mut a).unwrap();
            write_content(&content, 200_000, &mut b).unwrap();
            assert_eq!(a.len(), 200_000);
            assert_eq!(a, b);
        }
    }

    #[test]
    fn given_bytes_are_padded_and_cut() {
        assert_eq!(
            content_prefix(&Content::Bytes(b"abc".to_vec()), 5, 10),
            b"abc\0\0"
        );
        assert_eq!(
            content_prefix(&Content::Bytes(b"abc".to_vec()), 2, 10),
            b"ab"
        );
    }
}
