//! Deliberately broken OCI archives for bad-input tests: built valid in memory, then one
//! thing is damaged while everything else stays consistent, so only that fault shows.

use std::io;

use serde_json::{Value, json};

use crate::archive::write_layer_blob;
use crate::oci::write_oci;
use crate::sink::{MemSink, sha256_hex};
use crate::spec::{Compression, Content, ImageSpec, Op};

/// The fault planted in the first layer (or the manifest, or the archive itself).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Breakage {
    /// The first layer's blob holds other bytes than its name and descriptor digest say.
    WrongDigest,
    /// The archive stops in the middle of a blob.
    Truncated,
    /// The first layer is gzip with bytes flipped mid-stream (digest matches the bad bytes).
    CorruptGzip,
    /// As `CorruptGzip`, with zstd.
    CorruptZstd,
    /// The first layer's blob is absent.
    MissingBlob,
    /// The manifest blob is not valid JSON.
    MalformedManifest,
    /// The first layer's media type is one nobody knows.
    UnknownMediaType,
}

impl Breakage {
    pub const ALL: [Breakage; 7] = [
        Breakage::WrongDigest,
        Breakage::Truncated,
        Breakage::CorruptGzip,
        Breakage::CorruptZstd,
        Breakage::MissingBlob,
        Breakage::MalformedManifest,
        Breakage::UnknownMediaType,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Breakage::WrongDigest => "wrong-digest",
            Breakage::Truncated => "truncated",
            Breakage::CorruptGzip => "corrupt-gzip",
            Breakage::CorruptZstd => "corrupt-zstd",
            Breakage::MissingBlob => "missing-blob",
            Breakage::MalformedManifest => "malformed-manifest",
            Breakage::UnknownMediaType => "unknown-media-type",
        }
    }
}

fn bad(msg: &str) -> io::Error {
    io::Error::other(msg.to_string())
}

fn json_of(mem: &MemSink, name: &str) -> io::Result<Value> {
    let bytes = mem
        .files
        .get(name)
        .ok_or_else(|| bad("missing file in generated layout"))?;
    Ok(serde_json::from_slice(bytes)?)
}

fn digest_hex(v: &Value) -> io::Result<String> {
    let d = v["digest"]
        .as_str()
        .ok_or_else(|| bad("descriptor without digest"))?;
    Ok(d.trim_start_matches("sha256:").to_string())
}

/// Replaces the manifest blob and points index.json at the new one.
fn replace_manifest(mem: &mut MemSink, old: &str, bytes: Vec<u8>) -> io::Result<()> {
    mem.files.remove(&format!("blobs/sha256/{old}"));
    let digest = sha256_hex(&bytes);
    let mut index = json_of(mem, "index.json")?;
    index["manifests"][0]["digest"] = json!(format!("sha256:{digest}"));
    index["manifests"][0]["size"] = json!(bytes.len());
    mem.files.insert(format!("blobs/sha256/{digest}"), bytes);
    mem.files
        .insert("index.json".into(), index.to_string().into_bytes());
    Ok(())
}

/// The same layer with its first non-empty file's content changed, size kept.
fn altered(spec: &ImageSpec) -> io::Result<Vec<u8>> {
    let mut layer = spec
        .layers
        .first()
        .ok_or_else(|| bad("image has no layers"))?
        .clone();
    let op = layer
        .ops
        .iter_mut()
        .find(|op| matches!(op, Op::File { size, .. } if *size > 0));
    let Some(Op::File { content, .. }) = op else {
        return Err(bad("first layer has no non-empty file to alter"));
    };
    *content = Content::Random(0x0bad_d1ce);
    let mut out = Vec::new();
    write_layer_blob(&layer, &mut out)?;
    Ok(out)
}

/// An OCI archive tar of `spec` with `breakage` planted.
pub fn broken_oci(spec: &ImageSpec, breakage: Breakage) -> io::Result<Vec<u8>> {
    let mut spec = spec.clone();
    if let Some(first) = spec.layers.first_mut() {
        first.compression = match breakage {
            Breakage::CorruptGzip => Compression::Gzip,
            Breakage::CorruptZstd => Compression::Zstd,
            _ => Compression::Plain,
        };
    }
    let mut mem = MemSink::default();
    write_oci(&spec, &mut mem)?;
    let manifest_hex = digest_hex(&json_of(&mem, "index.json")?["manifests"][0])?;
    let manifest_name = format!("blobs/sha256/{manifest_hex}");
    let mut manifest = json_of(&mem, &manifest_name)?;
    let layer_hex = digest_hex(&manifest["layers"][0])?;
    let layer_name = format!("blobs/sha256/{layer_hex}");
    match breakage {
        Breakage::WrongDigest => {
            mem.files.insert(layer_name, altered(&spec)?);
        }
        Breakage::Truncated => {
            let mut tar = mem.to_tar()?;
            tar.truncate(tar.len() / 2 + 7);
            return Ok(tar);
        }
        Breakage::CorruptGzip | Breakage::CorruptZstd => {
            let mut blob = mem
                .files
                .remove(&layer_name)
                .ok_or_else(|| bad("layer blob missing"))?;
            let mid = blob.len() / 2;
            let end = (mid + 16).min(blob.len().saturating_sub(8));
            blob[mid..end].iter_mut().for_each(|b| *b ^= 0xff);
            let digest = sha256_hex(&blob);
            manifest["layers"][0]["digest"] = json!(format!("sha256:{digest}"));
            mem.files.insert(format!("blobs/sha256/{digest}"), blob);
            replace_manifest(&mut mem, &manifest_hex, manifest.to_string().into_bytes())?;
        }
        Breakage::MissingBlob => {
            mem.files.remove(&layer_name);
        }
        Breakage::MalformedManifest => {
            let text = br#"{"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json", "layers": ["#;
            replace_manifest(&mut mem, &manifest_hex, text.to_vec())?;
        }
        Breakage::UnknownMediaType => {
            manifest["layers"][0]["mediaType"] = json!("application/vnd.example.unknown.layer.v1");
            replace_manifest(&mut mem, &manifest_hex, manifest.to_string().into_bytes())?;
        }
    }
    mem.to_tar()
}
