//! An image read through the export API, exported again for file contents: the engine streams
//! the whole `docker save` tar, and the one layer member wanted is found by its name in the
//! export's `manifest.json` (recorded by the first read) as it streams past. Slow on big images,
//! as every export is; the layer store is read directly whenever plummet can.

use std::io::{self, Read};

use futures_util::TryStreamExt;
use tokio::runtime::Runtime;
use tokio_util::io::{StreamReader, SyncIoBridge};

use super::endpoint::Endpoint;
use super::{Engine, connect, idle};
use crate::source::archive::normalise;

/// Where to export from, and each layer's member name in the export.
#[derive(Debug)]
pub struct ExportBlobs {
    pub engine: Engine,
    pub endpoint: Endpoint,
    pub id: String,
    pub members: Vec<String>,
    /// The load's options: the daemon answer deadline and the export idle timeout hold for the
    /// second export too.
    pub options: crate::source::LoadOptions,
}

/// The export stream positioned at one member, limited to it; the runtime lives as long.
struct Member {
    reader: io::Take<Box<dyn Read + Send>>,
    _runtime: Runtime,
}

impl Read for Member {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.reader.read(buf)
    }
}

impl crate::image::Reopen for ExportBlobs {
    fn blob(&self, position: usize) -> io::Result<Box<dyn Read + Send>> {
        let wanted = self
            .members
            .get(position)
            .ok_or_else(|| io::Error::new(io::ErrorKind::NotFound, "no such layer"))?;
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name("plummet-daemon")
            .enable_all()
            .build()?;
        let session = runtime
            .block_on(connect(self.engine, self.endpoint.clone(), &self.options))
            .map_err(io::Error::other)?;
        let stream = idle::limited(
            session
                .docker
                .export_image(&self.id)
                .map_err(io::Error::other),
            self.options.export_idle.unwrap_or(idle::EXPORT_IDLE),
        );
        let mut reader: Box<dyn Read + Send> = Box::new(SyncIoBridge::new_with_handle(
            StreamReader::new(Box::pin(stream)),
            runtime.handle().clone(),
        ));
        let size = seek_member(&mut reader, wanted)?;
        Ok(Box::new(Member {
            reader: reader.take(size),
            _runtime: runtime,
        }))
    }
}

/// Reads tar headers (skipping data) until the regular file `wanted`; returns its size with
/// the stream at its first data byte. GNU long names and PAX `path` records are honoured.
fn seek_member(stream: &mut dyn Read, wanted: &str) -> io::Result<u64> {
    let mut block = [0u8; 512];
    let mut long_name: Option<Vec<u8>> = None;
    loop {
        stream.read_exact(&mut block).map_err(|e| match e.kind() {
            io::ErrorKind::UnexpectedEof => missing(wanted),
            _ => e,
        })?;
        if block.iter().all(|&b| b == 0) {
            return Err(missing(wanted));
        }
        let header = tar::Header::from_byte_slice(&block);
        let size = header.entry_size()?;
        let padded = size.div_ceil(512) * 512;
        let kind = header.entry_type();
        if kind.is_gnu_longname() || kind.is_pax_local_extensions() {
            let mut data = Vec::new();
            stream.take(padded.min(1 << 20)).read_to_end(&mut data)?;
            data.truncate(usize::try_from(size).unwrap_or(data.len()));
            long_name = if kind.is_gnu_longname() {
                Some(data.split(|&b| b == 0).next().unwrap_or_default().to_vec())
            } else {
                pax_path(&data)
            };
            continue;
        }
        let name = long_name
            .take()
            .unwrap_or_else(|| header.path_bytes().into_owned());
        if (kind.is_file() || kind == tar::EntryType::Continuous)
            && normalise(&String::from_utf8_lossy(&name)) == *wanted
        {
            return Ok(size);
        }
        io::copy(&mut stream.take(padded), &mut io::sink())?;
    }
}

/// The `path` record of a PAX extended header.
fn pax_path(data: &[u8]) -> Option<Vec<u8>> {
    let mut rest = data;
    while let Some(space) = rest.iter().position(|&b| b == b' ') {
        let len: usize = std::str::from_utf8(&rest[..space]).ok()?.parse().ok()?;
        let record = rest.get(space + 1..len)?;
        if let Some(value) = record.strip_prefix(b"path=") {
            return Some(value.strip_suffix(b"\n").unwrap_or(value).to_vec());
        }
        rest = rest.get(len..)?;
    }
    None
}

fn missing(wanted: &str) -> io::Error {
    io::Error::new(
        io::ErrorKind::NotFound,
        format!(
            "the export no longer holds {} (was the image removed or retagged?)",
            crate::layer::excerpt(wanted.as_bytes())
        ),
    )
}
