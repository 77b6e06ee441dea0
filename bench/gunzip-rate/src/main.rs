//! Decompresses gzip blobs on all cores, as fast as the machine allows: the floor plummet's
//! OCI-archive case is compared with. `--digests` also hashes the compressed and the
//! decompressed bytes with SHA-256 (the blob digest and diff_id checks plummet makes).
//!
//! usage: gunzip-rate [--digests] [--threads N] FILE...
//! prints: seconds compressed_bytes decompressed_bytes

use std::fs::File;
use std::io::{self, BufReader, Read, Write};
use std::sync::Mutex;
use std::time::Instant;

use flate2::read::MultiGzDecoder;
use sha2::{Digest, Sha256};

/// A reader that hashes what passes through it.
struct Hashing<R> {
    inner: R,
    hash: Option<Sha256>,
}

impl<R: Read> Read for Hashing<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        if let Some(h) = self.hash.as_mut() {
            h.update(&buf[..n]);
        }
        Ok(n)
    }
}

fn one(path: &str, digests: bool) -> io::Result<(u64, u64)> {
    let file = File::open(path)?;
    let compressed = file.metadata()?.len();
    let hashing = Hashing {
        inner: BufReader::with_capacity(1 << 20, file),
        hash: digests.then(Sha256::new),
    };
    let mut decoder = MultiGzDecoder::new(hashing);
    let mut diff_id = digests.then(Sha256::new);
    let mut buf = vec![0u8; 1 << 20];
    let mut total = 0u64;
    loop {
        let n = decoder.read(&mut buf)?;
        if n == 0 {
            break;
        }
        if let Some(h) = diff_id.as_mut() {
            h.update(&buf[..n]);
        }
        total += n as u64;
    }
    // Keep the digests alive to the end so they are not optimised away.
    let mut sink = io::sink();
    if let Some(h) = decoder.into_inner().hash {
        sink.write_all(&h.finalize())?;
    }
    if let Some(h) = diff_id {
        sink.write_all(&h.finalize())?;
    }
    Ok((compressed, total))
}

fn main() -> io::Result<()> {
    let mut digests = false;
    let mut threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let mut files = Vec::new();
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--digests" => digests = true,
            "--threads" => {
                threads = args
                    .next()
                    .and_then(|n| n.parse().ok())
                    .ok_or_else(|| io::Error::other("--threads needs a number"))?;
            }
            _ => files.push(a),
        }
    }
    // Largest first, one file per worker at a time: the schedule plummet uses for layers.
    files.sort_by_key(|f| std::cmp::Reverse(std::fs::metadata(f).map_or(0, |m| m.len())));
    let queue = Mutex::new(files.into_iter());
    let start = Instant::now();
    let totals = std::thread::scope(|s| {
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                s.spawn(|| -> io::Result<(u64, u64)> {
                    let mut sum = (0, 0);
                    loop {
                        let next = queue
                            .lock()
                            .map_err(|_| io::Error::other("poisoned"))?
                            .next();
                        let Some(path) = next else { return Ok(sum) };
                        let (c, d) = one(&path, digests)
                            .map_err(|e| io::Error::other(format!("{path}: {e}")))?;
                        sum = (sum.0 + c, sum.1 + d);
                    }
                })
            })
            .collect();
        workers.into_iter().try_fold((0u64, 0u64), |acc, w| {
            let (c, d) = w
                .join()
                .map_err(|_| io::Error::other("worker panicked"))??;
            Ok::<_, io::Error>((acc.0 + c, acc.1 + d))
        })
    })?;
    println!(
        "{:.3} {} {}",
        start.elapsed().as_secs_f64(),
        totals.0,
        totals.1
    );
    Ok(())
}
