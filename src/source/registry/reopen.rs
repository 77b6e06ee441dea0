//! A registry image's layer blobs, downloaded again for file contents: each read connects anew
//! (with the credentials the load was given) on a small runtime of its own that lives as long
//! as the reader, so nothing async outlives it or runs inside the caller's code.

use std::io::{self, Read};
use std::sync::Arc;

use tokio::runtime::Runtime;

use super::client::Client;
use super::stream::{self, BlobReader};
use crate::image::Digest;
use crate::source::LoadOptions;
use crate::source::reference::Reference;

/// Where each layer's blob is, and how to reach the registry again.
#[derive(Debug)]
pub struct RegistryBlobs {
    pub reference: Reference,
    pub options: LoadOptions,
    /// Digest and declared size of each layer's blob, in image order.
    pub layers: Vec<(Digest, u64)>,
}

/// A download and the runtime driving it; the reader is dropped first (field order).
struct Download {
    reader: BlobReader,
    _runtime: Runtime,
}

impl Read for Download {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.reader.read(buf)
    }
}

impl RegistryBlobs {
    /// Layer `position`'s digest and declared size, a runtime and a connected client.
    fn connect(&self, position: usize) -> io::Result<(Digest, u64, Runtime, Arc<Client>)> {
        let (digest, size) = self
            .layers
            .get(position)
            .cloned()
            .ok_or_else(|| io::Error::new(io::ErrorKind::NotFound, "no such layer"))?;
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name("plummet-registry")
            .enable_all()
            .build()?;
        let client = runtime
            .block_on(Client::connect(&self.reference, &self.options))
            .map_err(io::Error::other)?;
        Ok((digest, size, runtime, Arc::new(client)))
    }
}

impl crate::image::Reopen for RegistryBlobs {
    fn blob(&self, position: usize) -> io::Result<Box<dyn Read + Send>> {
        let (digest, size, runtime, client) = self.connect(position)?;
        let reader = stream::open(runtime.handle(), client, digest, size)?;
        Ok(Box::new(Download {
            reader,
            _runtime: runtime,
        }))
    }

    /// A `Range` request; `None` (the caller streams from the start) when the registry ignores
    /// or refuses it.
    fn blob_from(&self, position: usize, offset: u64) -> io::Result<Option<Box<dyn Read + Send>>> {
        if offset == 0 {
            return self.blob(position).map(Some);
        }
        let (digest, size, runtime, client) = self.connect(position)?;
        let reader = stream::open_from(runtime.handle(), client, digest, size, offset)?;
        Ok(reader.map(|reader| {
            Box::new(Download {
                reader,
                _runtime: runtime,
            }) as Box<dyn Read + Send>
        }))
    }
}
