//! `--estimate-zstd`: what a layer would weigh recompressed with zstd, and how long a host would
//! take to decompress it. The uncompressed tar is handed, chunk by chunk as the indexer reads
//! it, to one encoder thread per level; each encoder's output goes straight into a decoder whose
//! time alone is measured, and nothing is kept: memory stays at the codecs' windows and a few
//! chunks in flight, whatever the layer's size.

use std::io::{self, Read, Write};
use std::sync::Arc;
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// The zstd levels estimated: the default (fast) and the strongest that stays streaming-friendly.
pub const LEVELS: [i32; 2] = [3, 19];

/// Chunks in flight per encoder before the reader waits for it.
const QUEUE: usize = 8;

/// One level's outcome for one layer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LevelEstimate {
    pub level: i32,
    /// Bytes of the recompressed stream: the layer's blob size at this level.
    pub compressed_bytes: u64,
    /// Time the decoder took to decompress that stream (single-threaded, to a sink).
    pub decompress: Duration,
}

/// A layer's estimates, one per level of [`LEVELS`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ZstdEstimate {
    /// Bytes of the uncompressed tar that went in.
    pub uncompressed_bytes: u64,
    pub levels: Vec<LevelEstimate>,
}

/// One encoder thread: where its chunks go, and its outcome.
type Worker = (SyncSender<Arc<[u8]>>, JoinHandle<io::Result<LevelEstimate>>);

/// The encoder threads of one layer, fed by [`Recompressor::feed`].
pub struct Recompressor {
    workers: Vec<Worker>,
    fed: u64,
}

impl Recompressor {
    /// Starts one encoder thread per level.
    pub fn start() -> io::Result<Recompressor> {
        let mut workers = Vec::with_capacity(LEVELS.len());
        for level in LEVELS {
            let (tx, rx) = sync_channel::<Arc<[u8]>>(QUEUE);
            let handle = std::thread::Builder::new()
                .name(format!("zstd-{level}"))
                .spawn(move || encode(level, &rx))?;
            workers.push((tx, handle));
        }
        Ok(Recompressor { workers, fed: 0 })
    }

    /// Hands a chunk of the uncompressed tar to every encoder. An encoder that stopped has failed;
    /// its error comes out of [`Recompressor::finish`].
    pub fn feed(&mut self, chunk: &[u8]) {
        if chunk.is_empty() {
            return;
        }
        self.fed += chunk.len() as u64;
        let chunk: Arc<[u8]> = Arc::from(chunk);
        for (tx, _) in &self.workers {
            let _ = tx.send(Arc::clone(&chunk));
        }
    }

    /// Ends the streams and collects each level's figures.
    pub fn finish(self) -> io::Result<ZstdEstimate> {
        let mut levels = Vec::with_capacity(self.workers.len());
        for (tx, handle) in self.workers {
            drop(tx);
            let estimate = handle
                .join()
                .map_err(|_| io::Error::other("a zstd encoder thread panicked"))??;
            levels.push(estimate);
        }
        Ok(ZstdEstimate {
            uncompressed_bytes: self.fed,
            levels,
        })
    }
}

fn encode(level: i32, chunks: &Receiver<Arc<[u8]>>) -> io::Result<LevelEstimate> {
    let sink = Measured {
        decoder: zstd::stream::write::Decoder::new(Counted::default())?,
        compressed: 0,
        time: Duration::ZERO,
    };
    let mut encoder = zstd::stream::write::Encoder::new(sink, level)?;
    let mut fed = 0u64;
    while let Ok(chunk) = chunks.recv() {
        fed += chunk.len() as u64;
        encoder.write_all(&chunk)?;
    }
    let mut sink = encoder.finish()?;
    let started = Instant::now();
    sink.decoder.flush()?;
    sink.time += started.elapsed();
    let out = sink.decoder.into_inner().0;
    if out != fed {
        return Err(io::Error::other(format!(
            "zstd level {level} round trip gave {out} bytes for {fed}"
        )));
    }
    Ok(LevelEstimate {
        level,
        compressed_bytes: sink.compressed,
        decompress: sink.time,
    })
}

/// The encoder's output: counted, then decompressed at once, timing only the decoder.
struct Measured {
    decoder: zstd::stream::write::Decoder<'static, Counted>,
    compressed: u64,
    time: Duration,
}

impl Write for Measured {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let started = Instant::now();
        self.decoder.write_all(buf)?;
        self.time += started.elapsed();
        self.compressed += buf.len() as u64;
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// A sink that counts what the decoder produced.
#[derive(Default)]
struct Counted(u64);

impl Write for Counted {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0 += buf.len() as u64;
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// A reader that hands everything it reads to a [`Recompressor`] on the way through.
pub struct Tee<R> {
    pub inner: R,
    pub recompressor: Option<Recompressor>,
}

impl<R: Read> Read for Tee<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        if let Some(r) = &mut self.recompressor {
            r.feed(&buf[..n]);
        }
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn estimates_each_level_and_round_trips() {
        // Compressible but not trivial: a repeated text with a counter.
        let data: Vec<u8> = (0..200_000u32)
            .flat_map(|i| format!("line {} of a file\n", i % 977).into_bytes())
            .collect();
        let mut r = Recompressor::start().unwrap();
        for chunk in data.chunks(64 * 1024) {
            r.feed(chunk);
        }
        let e = r.finish().unwrap();
        assert_eq!(e.uncompressed_bytes, data.len() as u64);
        assert_eq!(e.levels.len(), 2);
        let (l3, l19) = (e.levels[0], e.levels[1]);
        assert_eq!((l3.level, l19.level), (3, 19));
        let reference = zstd::encode_all(&data[..], 3).unwrap().len() as u64;
        // Streamed frames differ from one-shot ones only by a few header bytes.
        assert!(
            l3.compressed_bytes.abs_diff(reference) < 64,
            "{l3:?} vs {reference}"
        );
        assert!(
            l19.compressed_bytes <= l3.compressed_bytes,
            "{l19:?} {l3:?}"
        );
        assert!(l3.compressed_bytes < data.len() as u64 / 10);
    }

    #[test]
    fn an_empty_stream_still_gives_a_frame() {
        let e = Recompressor::start().unwrap().finish().unwrap();
        assert_eq!(e.uncompressed_bytes, 0);
        assert!(e.levels.iter().all(|l| l.compressed_bytes > 0));
    }
}
