//! Builders of small in-memory layer tars for unit tests.

use std::io::Write;

/// Builds one layer tar in memory, entry by entry.
pub struct TarBuilder {
    builder: tar::Builder<Vec<u8>>,
}

impl Default for TarBuilder {
    fn default() -> Self {
        Self::new()
    }
}

impl TarBuilder {
    pub fn new() -> Self {
        TarBuilder {
            builder: tar::Builder::new(Vec::new()),
        }
    }

    fn header(kind: tar::EntryType, size: u64, mode: u32) -> tar::Header {
        let mut h = tar::Header::new_gnu();
        h.set_entry_type(kind);
        h.set_size(size);
        h.set_mode(mode);
        h.set_uid(0);
        h.set_gid(0);
        h.set_mtime(0);
        h
    }

    pub fn dir(mut self, path: &str) -> Self {
        let mut h = Self::header(tar::EntryType::Directory, 0, 0o755);
        self.builder
            .append_data(&mut h, path, std::io::empty())
            .unwrap();
        self
    }

    /// A directory with the raw tar `mode` (which may carry file type bits, as Docker writes).
    pub fn dir_mode(mut self, path: &str, mode: u32) -> Self {
        let mut h = Self::header(tar::EntryType::Directory, 0, mode);
        self.builder
            .append_data(&mut h, path, std::io::empty())
            .unwrap();
        self
    }

    /// A directory owned by `uid:gid` (as `COPY --chown` writes it).
    pub fn dir_owned(mut self, path: &str, uid: u64, gid: u64) -> Self {
        let mut h = Self::header(tar::EntryType::Directory, 0, 0o755);
        h.set_uid(uid);
        h.set_gid(gid);
        self.builder
            .append_data(&mut h, path, std::io::empty())
            .unwrap();
        self
    }

    /// A character device, block device or FIFO (`kind`) with `mode`.
    pub fn special(mut self, path: &str, kind: tar::EntryType, mode: u32) -> Self {
        let mut h = Self::header(kind, 0, mode);
        self.builder
            .append_data(&mut h, path, std::io::empty())
            .unwrap();
        self
    }

    /// A file of `content` owned by `uid:gid`.
    pub fn file_owned(mut self, path: &str, content: &[u8], uid: u64, gid: u64) -> Self {
        let mut h = Self::header(tar::EntryType::Regular, content.len() as u64, 0o644);
        h.set_uid(uid);
        h.set_gid(gid);
        self.builder.append_data(&mut h, path, content).unwrap();
        self
    }

    pub fn file(self, path: &str, size: usize) -> Self {
        self.file_mode(path, size, 0o644)
    }

    pub fn file_mode(mut self, path: &str, size: usize, mode: u32) -> Self {
        let mut h = Self::header(tar::EntryType::Regular, size as u64, mode);
        let data = vec![b'x'; size];
        self.builder
            .append_data(&mut h, path, data.as_slice())
            .unwrap();
        self
    }

    pub fn file_bytes(mut self, path: &[u8], content: &[u8]) -> Self {
        let mut h = Self::header(tar::EntryType::Regular, content.len() as u64, 0o644);
        use std::os::unix::ffi::OsStrExt;
        self.builder
            .append_data(&mut h, std::ffi::OsStr::from_bytes(path), content)
            .unwrap();
        self
    }

    pub fn symlink(mut self, path: &str, target: &str) -> Self {
        let mut h = Self::header(tar::EntryType::Symlink, 0, 0o777);
        self.builder.append_link(&mut h, path, target).unwrap();
        self
    }

    pub fn hardlink(mut self, path: &str, target: &str) -> Self {
        let mut h = Self::header(tar::EntryType::Link, 0, 0o644);
        self.builder.append_link(&mut h, path, target).unwrap();
        self
    }

    /// `dir/.wh.name`: deletes `path` in lower layers.
    pub fn whiteout(self, path: &str) -> Self {
        let (dir, name) = path.rsplit_once('/').unwrap_or(("", path));
        let marker = if dir.is_empty() {
            format!(".wh.{name}")
        } else {
            format!("{dir}/.wh.{name}")
        };
        self.file(&marker, 0)
    }

    /// `dir/.wh..wh..opq`: hides everything below `dir` in lower layers.
    pub fn opaque(self, dir: &str) -> Self {
        self.file(&format!("{dir}/.wh..wh..opq"), 0)
    }

    pub fn finish(self) -> Vec<u8> {
        self.builder.into_inner().unwrap()
    }

    /// The tar without its end-of-archive trailer.
    pub fn finish_without_trailer(self) -> Vec<u8> {
        let mut data = self.finish();
        data.truncate(data.len() - 1024);
        data
    }
}

pub fn gzip(data: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    e.write_all(data).unwrap();
    e.finish().unwrap()
}

/// Gzip at the default level, as `gzip` and Go's compress/gzip (docker) write layers: a deflate
/// block every few tens of KiB (level 1 of zlib-rs makes one block of the whole stream).
pub fn gzip_default(data: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(data).unwrap();
    e.finish().unwrap()
}

pub fn zstd(data: &[u8]) -> Vec<u8> {
    zstd::encode_all(data, 1).unwrap()
}

/// Indexes in-memory layers into an image with the given config, as `pipeline::inspect` does
/// (the analysis's capture rule, content fingerprints).
pub fn image_of(layers: Vec<TarBuilder>, config: crate::image::ImageConfig) -> crate::image::Image {
    let options = crate::image::IndexOptions {
        capture: crate::analysis::CAPTURE,
        content_digests: true,
        ..crate::image::IndexOptions::default()
    };
    image_with(layers, config, &options)
}

/// Indexes in-memory layers into an image with the given config and index options.
pub fn image_with(
    layers: Vec<TarBuilder>,
    config: crate::image::ImageConfig,
    options: &crate::image::IndexOptions,
) -> crate::image::Image {
    let budget = crate::layer::Budget::default();
    let indexed = layers
        .into_iter()
        .map(|b| {
            let tar = b.finish();
            crate::image::index::index_blob(
                tar.as_slice(),
                Default::default(),
                options,
                &budget,
                None,
            )
            .unwrap()
        })
        .collect();
    let meta = crate::image::ImageMeta {
        reference: "test".into(),
        source: "test".into(),
        config,
        ..Default::default()
    };
    crate::image::Image::assemble(meta, indexed)
}

/// A config whose user is not root.
pub fn app_user() -> crate::image::ImageConfig {
    crate::image::ImageConfig {
        user: "app".into(),
        ..Default::default()
    }
}

/// Layer blobs kept in memory, opened again for file contents.
#[derive(Debug)]
pub struct MemoryBlobs(pub Vec<Vec<u8>>);

impl crate::image::Reopen for MemoryBlobs {
    fn blob(&self, position: usize) -> std::io::Result<Box<dyn std::io::Read + Send>> {
        Ok(Box::new(std::io::Cursor::new(self.0[position].clone())))
    }
}

/// Indexes layer blobs (plain, gzip or zstd) into an image that can read its files again, with
/// each layer's digest and diff_id in its metadata as a real source records them.
pub fn image_of_blobs(blobs: Vec<Vec<u8>>) -> crate::image::Image {
    use crate::image::{Digest, Expected, LayerMeta};
    let budget = crate::layer::Budget::default();
    let options = crate::image::IndexOptions::default();
    let mut metas = Vec::new();
    let indexed = blobs
        .iter()
        .map(|blob| {
            let layer = crate::image::index::index_blob(
                blob.as_slice(),
                Expected::default(),
                &options,
                &budget,
                None,
            )
            .unwrap();
            metas.push(LayerMeta {
                digest: Some(Digest::sha256_of(blob)),
                diff_id: layer.blob.diff_id.clone(),
                media_type: None,
                blob_size: Some(blob.len() as u64),
            });
            layer
        })
        .collect();
    let meta = crate::image::ImageMeta {
        reference: "test".into(),
        source: "test".into(),
        layers: metas,
        ..Default::default()
    };
    crate::image::Image::assemble(meta, indexed)
        .with_reopen(std::sync::Arc::new(MemoryBlobs(blobs)))
}
