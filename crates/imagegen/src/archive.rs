//! Shared archive pieces: layer blobs (measured in a first pass, streamed in a second), the
//! image config, and the entry points that write an image in a chosen form.

use std::fs;
use std::io::{self, BufWriter, Write};
use std::path::Path;

use flate2::write::GzEncoder;
use serde_json::{Value, json};

use crate::sink::{DirSink, HashCount, Sink, TarSink};
use crate::spec::{Compression, ImageSpec, LayerSpec};
use crate::tarwrite::write_layer_tar;
use crate::{docker, oci};

pub const MEDIA_MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";
pub const MEDIA_INDEX: &str = "application/vnd.oci.image.index.v1+json";
pub const MEDIA_CONFIG: &str = "application/vnd.oci.image.config.v1+json";
pub const CREATED: &str = "1970-01-01T00:00:00Z";

/// The archive layouts imagegen writes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Form {
    /// `docker save` of docker 20.10: manifest.json, `<id>/layer.tar`, repositories.
    DockerLegacy,
    /// `docker save` of docker 25+: manifest.json plus an OCI layout with blobs/sha256.
    Docker25,
    /// An OCI image layout: oci-layout, index.json, blobs/sha256.
    Oci,
}

impl Form {
    pub const ALL: [Form; 3] = [Form::DockerLegacy, Form::Docker25, Form::Oci];

    /// A short file-name suffix: `docker`, `docker25`, `oci`.
    pub fn suffix(self) -> &'static str {
        match self {
            Form::DockerLegacy => "docker",
            Form::Docker25 => "docker25",
            Form::Oci => "oci",
        }
    }
}

/// A layer blob as referenced from manifests.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LayerBlob {
    /// Hex sha256 of the blob as stored (compressed if compressed).
    pub digest: String,
    pub size: u64,
    /// Hex sha256 of the uncompressed tar.
    pub diff_id: String,
    pub media_type: &'static str,
}

pub fn layer_media_type(compression: Compression) -> &'static str {
    match compression {
        Compression::Plain => "application/vnd.oci.image.layer.v1.tar",
        Compression::Gzip => "application/vnd.oci.image.layer.v1.tar+gzip",
        Compression::Zstd => "application/vnd.oci.image.layer.v1.tar+zstd",
    }
}

/// Streams the (compressed) blob of `layer` into `w`.
pub fn write_layer_blob(layer: &LayerSpec, w: &mut dyn Write) -> io::Result<()> {
    write_layer_blob_with(layer, w, &mut |_| {})
}

/// As `write_layer_blob`, calling `on_tar` with the uncompressed writer's hash state at the end.
fn write_layer_blob_with(
    layer: &LayerSpec,
    w: &mut dyn Write,
    on_tar: &mut dyn FnMut(String),
) -> io::Result<()> {
    match layer.compression {
        Compression::Plain => {
            let mut tar = HashCount::new(w);
            write_layer_tar(layer, &mut tar)?;
            on_tar(tar.hex());
        }
        Compression::Gzip => {
            let mut gz = GzEncoder::new(w, flate2::Compression::default());
            let mut tar = HashCount::new(&mut gz as &mut dyn Write);
            write_layer_tar(layer, &mut tar)?;
            on_tar(tar.hex());
            gz.finish()?;
        }
        Compression::Zstd => {
            let mut zst = zstd::Encoder::new(w, 3)?;
            // A frame checksum makes corrupted blobs fail loudly, as in real images.
            zst.include_checksum(true)?;
            let mut tar = HashCount::new(&mut zst as &mut dyn Write);
            write_layer_tar(layer, &mut tar)?;
            on_tar(tar.hex());
            zst.finish()?;
        }
    }
    Ok(())
}

/// First pass over a layer: digests and size without keeping the bytes.
pub fn measure_layer(layer: &LayerSpec) -> io::Result<LayerBlob> {
    let mut blob = HashCount::new(io::sink());
    let mut diff_id = String::new();
    write_layer_blob_with(layer, &mut blob, &mut |hex| diff_id = hex)?;
    Ok(LayerBlob {
        digest: blob.hex(),
        size: blob.count,
        diff_id,
        media_type: layer_media_type(layer.compression),
    })
}

pub fn measure_layers(spec: &ImageSpec) -> io::Result<Vec<LayerBlob>> {
    spec.layers.iter().map(measure_layer).collect()
}

/// The image config JSON (keys sorted, so it is byte-stable).
pub fn config_json(spec: &ImageSpec, blobs: &[LayerBlob]) -> Vec<u8> {
    let c = &spec.config;
    let history: Vec<Value> = spec
        .effective_history()
        .iter()
        .map(|h| {
            let mut v = json!({"created": CREATED, "created_by": h.created_by});
            if h.empty_layer {
                v["empty_layer"] = json!(true);
            }
            v
        })
        .collect();
    let mut config = json!({
        "Env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],
        "Cmd": ["/bin/sh"],
    });
    if let Some(user) = &c.user {
        config["User"] = json!(user);
    }
    let mut doc = json!({
        "architecture": c.architecture,
        "os": c.os,
        "created": CREATED,
        "config": config,
        "rootfs": {
            "type": "layers",
            "diff_ids": blobs.iter().map(|b| format!("sha256:{}", b.diff_id)).collect::<Vec<_>>(),
        },
        "history": history,
    });
    if let Some(variant) = &c.variant {
        doc["variant"] = json!(variant);
    }
    doc.to_string().into_bytes()
}

/// Writes `spec` in `form` into any sink.
pub fn write(spec: &ImageSpec, form: Form, sink: &mut dyn Sink) -> io::Result<()> {
    match form {
        Form::DockerLegacy => docker::write_legacy(spec, sink),
        Form::Docker25 => docker::write_docker25(spec, sink),
        Form::Oci => oci::write_oci(spec, sink),
    }
}

/// Writes `spec` in `form` as a tar into `out`, returning it.
pub fn write_tar<W: Write>(spec: &ImageSpec, form: Form, out: W) -> io::Result<W> {
    let mut tar = TarSink::new(out);
    write(spec, form, &mut tar)?;
    tar.finish()
}

/// The tar of `spec` in `form`, in memory.
pub fn to_vec(spec: &ImageSpec, form: Form) -> io::Result<Vec<u8>> {
    write_tar(spec, form, Vec::new())
}

/// Writes `spec` in `form` as a tar file at `path`.
pub fn write_tar_file(spec: &ImageSpec, form: Form, path: &Path) -> io::Result<()> {
    let out = BufWriter::with_capacity(256 * 1024, fs::File::create(path)?);
    write_tar(spec, form, out)?.flush()
}

/// Writes `spec` in `form` as an unpacked directory at `dir` (an OCI layout for `Form::Oci`).
pub fn write_dir(spec: &ImageSpec, form: Form, dir: &Path) -> io::Result<()> {
    write(spec, form, &mut DirSink::new(dir)?)
}
