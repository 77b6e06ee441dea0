//! OCI image layouts: one image (`oci-layout`, `index.json`, `blobs/sha256/…`) and a
//! multi-platform layout whose index points at one manifest per platform.

use std::io;

use serde_json::{Value, json};

use crate::archive::{
    LayerBlob, MEDIA_CONFIG, MEDIA_INDEX, MEDIA_MANIFEST, config_json, measure_layers,
    write_layer_blob,
};
use crate::sink::{Sink, put, sha256_hex};
use crate::spec::ImageSpec;

pub const REF_NAME: &str = "org.opencontainers.image.ref.name";
const OCI_LAYOUT: &[u8] = br#"{"imageLayoutVersion":"1.0.0"}"#;

/// A blob written into `blobs/sha256`, as a descriptor needs it.
#[derive(Clone, Debug)]
pub struct Written {
    pub digest: String,
    pub size: u64,
    pub config_digest: String,
    pub layers: Vec<LayerBlob>,
}

/// The descriptor JSON of a blob.
pub fn descriptor(media_type: &str, digest: &str, size: u64) -> Value {
    json!({"mediaType": media_type, "digest": format!("sha256:{digest}"), "size": size})
}

/// The OCI manifest of an image whose config and layers are described.
pub fn manifest_json(config_digest: &str, config_size: u64, layers: &[LayerBlob]) -> Vec<u8> {
    json!({
        "schemaVersion": 2,
        "mediaType": MEDIA_MANIFEST,
        "config": descriptor(MEDIA_CONFIG, config_digest, config_size),
        "layers": layers.iter().map(|l| descriptor(l.media_type, &l.digest, l.size)).collect::<Vec<_>>(),
    })
    .to_string()
    .into_bytes()
}

/// Writes an image's layer, config and manifest blobs; returns the manifest blob.
pub fn write_image_blobs(spec: &ImageSpec, sink: &mut dyn Sink) -> io::Result<Written> {
    let layers = measure_layers(spec)?;
    for (layer, blob) in spec.layers.iter().zip(&layers) {
        sink.file(
            &format!("blobs/sha256/{}", blob.digest),
            blob.size,
            &mut |w| write_layer_blob(layer, w),
        )?;
    }
    let config = config_json(spec, &layers);
    let config_digest = sha256_hex(&config);
    put(sink, &format!("blobs/sha256/{config_digest}"), &config)?;
    let manifest = manifest_json(&config_digest, config.len() as u64, &layers);
    let digest = sha256_hex(&manifest);
    put(sink, &format!("blobs/sha256/{digest}"), &manifest)?;
    Ok(Written {
        digest,
        size: manifest.len() as u64,
        config_digest,
        layers,
    })
}

pub fn index_json(manifests: Vec<Value>) -> Vec<u8> {
    json!({"schemaVersion": 2, "mediaType": MEDIA_INDEX, "manifests": manifests})
        .to_string()
        .into_bytes()
}

fn start_layout(sink: &mut dyn Sink) -> io::Result<()> {
    put(sink, "oci-layout", OCI_LAYOUT)?;
    sink.dir("blobs")?;
    sink.dir("blobs/sha256")
}

/// Writes `spec` as an OCI image layout, tagged with `spec.tag`.
pub fn write_oci(spec: &ImageSpec, sink: &mut dyn Sink) -> io::Result<()> {
    start_layout(sink)?;
    let written = write_image_blobs(spec, sink)?;
    let mut desc = descriptor(MEDIA_MANIFEST, &written.digest, written.size);
    desc["annotations"] = json!({ REF_NAME: spec.tag });
    put(sink, "index.json", &index_json(vec![desc]))
}

fn platform(spec: &ImageSpec) -> Value {
    let c = &spec.config;
    let mut p = json!({"os": c.os, "architecture": c.architecture});
    if let Some(variant) = &c.variant {
        p["variant"] = json!(variant);
    }
    p
}

/// Writes several single-platform images as one multi-platform OCI layout tagged `tag`.
/// With `nested`, index.json holds one descriptor of an image index blob listing the
/// platform manifests (as `podman manifest push` and buildx do); otherwise index.json lists
/// the platform manifests itself.
pub fn write_oci_multi(
    images: &[ImageSpec],
    tag: &str,
    nested: bool,
    sink: &mut dyn Sink,
) -> io::Result<()> {
    start_layout(sink)?;
    let mut manifests = Vec::new();
    for image in images {
        let written = write_image_blobs(image, sink)?;
        let mut desc = descriptor(MEDIA_MANIFEST, &written.digest, written.size);
        desc["platform"] = platform(image);
        manifests.push(desc);
    }
    let index = if nested {
        let inner = index_json(manifests);
        let digest = sha256_hex(&inner);
        put(sink, &format!("blobs/sha256/{digest}"), &inner)?;
        let mut desc = descriptor(MEDIA_INDEX, &digest, inner.len() as u64);
        desc["annotations"] = json!({ REF_NAME: tag });
        index_json(vec![desc])
    } else {
        for desc in &mut manifests {
            desc["annotations"] = json!({ REF_NAME: tag });
        }
        index_json(manifests)
    };
    put(sink, "index.json", &index)
}
