//! Span digests that cost no hashing of their own: the blob's SHA-256 is computed here, block by
//! block with sha2's compression function, and its chaining state is kept at every [`SPAN`]
//! boundary. A span is checked later by running the compression function over its bytes from
//! the state before it and comparing with the state after it; the last span is padded and must
//! give the blob's digest. Every state is bound to the verified digest through the chain, so a
//! changed span would need a second preimage of SHA-256's compression function to pass, as with
//! a SHA-256 of each span, while the blob's bytes are hashed once, not twice.

use sha2::digest::generic_array::GenericArray;

use super::SPAN;

/// SHA-256's initial state.
const IV: [u32; 8] = [
    0x6a09_e667,
    0xbb67_ae85,
    0x3c6e_f372,
    0xa54f_f53a,
    0x510e_527f,
    0x9b05_688c,
    0x1f83_d9ab,
    0x5be0_cd19,
];

/// SHA-256 of a stream, keeping the chaining state at each span boundary.
#[derive(Debug, Clone)]
pub struct SpanHasher {
    state: [u32; 8],
    block: [u8; 64],
    filled: usize,
    total: u64,
    states: Vec<[u8; 32]>,
}

impl Default for SpanHasher {
    fn default() -> Self {
        SpanHasher::resume(IV, 0)
    }
}

fn to_bytes(state: &[u32; 8]) -> [u8; 32] {
    let mut out = [0u8; 32];
    for (chunk, word) in out.chunks_exact_mut(4).zip(state) {
        chunk.copy_from_slice(&word.to_be_bytes());
    }
    out
}

fn from_bytes(bytes: &[u8; 32]) -> [u32; 8] {
    let mut state = [0u32; 8];
    for (word, chunk) in state.iter_mut().zip(bytes.chunks_exact(4)) {
        *word = u32::from_be_bytes([chunk[0], chunk[1], chunk[2], chunk[3]]);
    }
    state
}

fn compress(state: &mut [u32; 8], block: &[u8]) {
    sha2::compress256(state, std::slice::from_ref(GenericArray::from_slice(block)));
}

impl SpanHasher {
    /// Continues from `state` after `total` bytes (a multiple of 64).
    fn resume(state: [u32; 8], total: u64) -> SpanHasher {
        SpanHasher {
            state,
            block: [0; 64],
            filled: 0,
            total,
            states: Vec::new(),
        }
    }

    pub fn update(&mut self, mut data: &[u8]) {
        while !data.is_empty() {
            // SPAN is a multiple of 64: at a boundary no partial block is pending.
            let to_boundary = (SPAN - self.total % SPAN) as usize;
            let (now, rest) = data.split_at(to_boundary.min(data.len()));
            self.absorb(now);
            self.total += now.len() as u64;
            data = rest;
            if self.total % SPAN == 0 {
                self.states.push(to_bytes(&self.state));
            }
        }
    }

    fn absorb(&mut self, mut data: &[u8]) {
        if self.filled > 0 {
            let n = (64 - self.filled).min(data.len());
            self.block[self.filled..self.filled + n].copy_from_slice(&data[..n]);
            self.filled += n;
            data = &data[n..];
            if self.filled < 64 {
                return;
            }
            compress(&mut self.state, &self.block);
            self.filled = 0;
        }
        let mut blocks = data.chunks_exact(64);
        for block in &mut blocks {
            compress(&mut self.state, block);
        }
        let rest = blocks.remainder();
        self.block[..rest.len()].copy_from_slice(rest);
        self.filled = rest.len();
    }

    /// The SHA-256 of everything fed (with the padding of its length).
    fn digest(mut self) -> [u8; 32] {
        // 0x80, zeros up to 56 bytes into a block, then the length in bits.
        let mut tail = vec![0x80u8];
        let used = ((self.total + 1) % 64) as usize;
        let zeros = if used <= 56 { 56 - used } else { 120 - used };
        tail.resize(1 + zeros, 0);
        tail.extend_from_slice(&self.total.wrapping_mul(8).to_be_bytes());
        self.absorb(&tail);
        to_bytes(&self.state)
    }

    /// The span entries of a map (the state after each span, the blob's digest for the last),
    /// the stream's length and its SHA-256.
    pub fn finish(mut self) -> (Vec<[u8; 32]>, u64, [u8; 32]) {
        let total = self.total;
        let mut spans = std::mem::take(&mut self.states);
        let digest = self.digest();
        if total % SPAN == 0 {
            spans.pop();
        }
        if total > 0 {
            spans.push(digest);
        }
        (spans, total, digest)
    }
}

/// Whether `bytes`, the whole span `index` of a blob of `len` bytes, is what the map's `spans`
/// (from [`SpanHasher::finish`]) say.
pub fn check(spans: &[[u8; 32]], len: u64, index: usize, bytes: &[u8]) -> bool {
    let before = match index.checked_sub(1) {
        None => IV,
        Some(i) => match spans.get(i) {
            Some(s) => from_bytes(s),
            None => return false,
        },
    };
    let mut hasher = SpanHasher::resume(before, index as u64 * SPAN);
    hasher.absorb(bytes);
    hasher.total += bytes.len() as u64;
    let last = len.div_ceil(SPAN) as usize == index + 1;
    let actual = if last {
        hasher.digest()
    } else if hasher.filled == 0 {
        to_bytes(&hasher.state)
    } else {
        return false;
    };
    spans.get(index) == Some(&actual)
}

#[cfg(test)]
mod tests {
    use sha2::{Digest as _, Sha256};

    use super::*;

    #[test]
    fn the_digest_is_sha256_and_every_span_checks_and_a_flipped_byte_does_not() {
        let data: Vec<u8> = (0..(3 * SPAN + 777))
            .map(|i| (i * 31 % 251) as u8)
            .collect();
        for len in [
            0,
            1,
            55,
            56,
            63,
            64,
            65,
            1000,
            SPAN as usize,
            2 * SPAN as usize,
            data.len(),
        ] {
            let data = &data[..len];
            let mut h = SpanHasher::default();
            for piece in data.chunks(7919) {
                h.update(piece);
            }
            let (spans, total, digest) = h.finish();
            assert_eq!(digest, <[u8; 32]>::from(Sha256::digest(data)), "{len}");
            assert_eq!(total, len as u64);
            assert_eq!(spans.len() as u64, total.div_ceil(SPAN));
            for (i, span) in data.chunks(SPAN as usize).enumerate() {
                assert!(check(&spans, total, i, span), "{len} span {i}");
                let mut bad = span.to_vec();
                bad[span.len() / 2] ^= 1;
                assert!(!check(&spans, total, i, &bad), "{len} span {i}");
                assert!(!check(&spans, total, i, &span[..span.len() - 1]));
            }
        }
    }
}
