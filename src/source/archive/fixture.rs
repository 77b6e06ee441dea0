//! Builders of small image archives in every form, for the archive tests.

use std::path::{Path, PathBuf};

use serde_json::{Value, json};

use crate::image::Digest;
use crate::testutil::{TarBuilder, gzip};

pub const GZIP_LAYER: &str = "application/vnd.oci.image.layer.v1.tar+gzip";

/// One layer blob with what a manifest says about it.
#[derive(Clone)]
pub struct Layer {
    pub blob: Vec<u8>,
    pub diff_id: Digest,
    pub media_type: String,
}

impl Layer {
    pub fn gzip(tar: TarBuilder) -> Layer {
        let tar = tar.finish();
        Layer {
            diff_id: Digest::sha256_of(&tar),
            blob: gzip(&tar),
            media_type: GZIP_LAYER.into(),
        }
    }

    pub fn plain(tar: TarBuilder) -> Layer {
        let tar = tar.finish();
        Layer {
            diff_id: Digest::sha256_of(&tar),
            blob: tar,
            media_type: "application/vnd.oci.image.layer.v1.tar".into(),
        }
    }

    pub fn digest(&self) -> Digest {
        Digest::sha256_of(&self.blob)
    }
}

/// Two layers: a base with a big file, and one that deletes it.
pub fn two_layers() -> Vec<Layer> {
    vec![
        Layer::gzip(TarBuilder::new().dir("etc").file("etc/big", 3000)),
        Layer::gzip(TarBuilder::new().file("app", 100).whiteout("etc/big")),
    ]
}

pub fn config(layers: &[Layer], user: &str, arch: &str) -> Vec<u8> {
    let diff_ids: Vec<String> = layers.iter().map(|l| l.diff_id.to_string()).collect();
    serde_json::to_vec(&json!({
        "architecture": arch, "os": "linux",
        "config": {"User": user},
        "rootfs": {"type": "layers", "diff_ids": diff_ids},
    }))
    .unwrap()
}

pub fn blob_name(d: &Digest) -> String {
    format!("blobs/sha256/{}", d.hex())
}

/// Files of an archive, in the order they are written.
#[derive(Default, Clone)]
pub struct Files(pub Vec<(String, Vec<u8>)>);

impl Files {
    pub fn add(&mut self, name: &str, data: Vec<u8>) -> &mut Self {
        self.0.retain(|(n, _)| n != name);
        self.0.push((name.to_string(), data));
        self
    }

    /// Adds a blob and returns its descriptor.
    pub fn blob(&mut self, media_type: &str, data: Vec<u8>) -> Value {
        let d = Digest::sha256_of(&data);
        let size = data.len();
        self.add(&blob_name(&d), data);
        json!({"mediaType": media_type, "digest": d.to_string(), "size": size})
    }

    pub fn tar(&self) -> Vec<u8> {
        let mut b = tar::Builder::new(Vec::new());
        for (name, data) in &self.0 {
            let mut h = tar::Header::new_ustar();
            h.set_size(data.len() as u64);
            h.set_mode(0o644);
            b.append_data(&mut h, name, data.as_slice()).unwrap();
        }
        b.into_inner().unwrap()
    }

    pub fn write_tar(&self, dir: &Path, name: &str) -> PathBuf {
        let path = dir.join(name);
        std::fs::write(&path, self.tar()).unwrap();
        path
    }

    pub fn write_dir(&self, dir: &Path, name: &str) -> PathBuf {
        let root = dir.join(name);
        for (member, data) in &self.0 {
            let path = root.join(member);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, data).unwrap();
        }
        root
    }
}

/// An OCI image manifest for `layers` (written in reverse order, so tar order differs from
/// manifest order); returns its descriptor.
pub fn oci_image(files: &mut Files, layers: &[Layer], config_bytes: Vec<u8>) -> Value {
    let config = files.blob("application/vnd.oci.image.config.v1+json", config_bytes);
    let descriptors: Vec<Value> = layers
        .iter()
        .map(|l| json!({"mediaType": l.media_type, "digest": l.digest().to_string(), "size": l.blob.len()}))
        .collect();
    for l in layers.iter().rev() {
        files.add(&blob_name(&l.digest()), l.blob.clone());
    }
    let manifest = json!({
        "schemaVersion": 2,
        "mediaType": crate::image::manifest::OCI_MANIFEST,
        "config": config, "layers": descriptors,
    });
    files.blob(
        crate::image::manifest::OCI_MANIFEST,
        serde_json::to_vec(&manifest).unwrap(),
    )
}

/// An OCI layout whose index.json lists `manifests`.
pub fn oci_layout(files: &mut Files, manifests: Vec<Value>) {
    files.add("oci-layout", br#"{"imageLayoutVersion":"1.0.0"}"#.to_vec());
    let index = json!({"schemaVersion": 2, "mediaType": crate::image::manifest::OCI_INDEX, "manifests": manifests});
    files.add("index.json", serde_json::to_vec(&index).unwrap());
}

/// A one-image OCI layout tagged `v1`.
pub fn simple_oci(layers: &[Layer]) -> Files {
    let mut files = Files::default();
    let mut m = oci_image(&mut files, layers, config(layers, "app", "amd64"));
    m["annotations"] = json!({"org.opencontainers.image.ref.name": "v1"});
    oci_layout(&mut files, vec![m]);
    files
}

/// A legacy `docker save`: `<id>/layer.tar` (uncompressed), `<hex>.json`, manifest.json.
pub fn docker_legacy(images: &[(&[&str], &[Layer])]) -> Files {
    let mut files = Files::default();
    let mut manifest = Vec::new();
    for (tags, layers) in images {
        let plain: Vec<Layer> = layers.iter().map(decompressed).collect();
        let config_bytes = config(&plain, "", "amd64");
        let config_name = format!("{}.json", Digest::sha256_of(&config_bytes).hex());
        files.add(&config_name, config_bytes);
        let names: Vec<String> = plain
            .iter()
            .enumerate()
            .map(|(i, l)| {
                let name = format!("{}{i}/layer.tar", &l.diff_id.hex()[..20]);
                files.add(&name, l.blob.clone());
                name
            })
            .collect();
        manifest.push(json!({"Config": config_name, "RepoTags": tags, "Layers": names}));
    }
    files.add("manifest.json", serde_json::to_vec(&manifest).unwrap());
    files
}

/// A Docker 25+ `docker save`: an OCI layout plus manifest.json pointing into blobs/.
pub fn docker25(layers: &[Layer]) -> Files {
    let mut files = Files::default();
    let config_bytes = config(layers, "app", "amd64");
    let config_digest = Digest::sha256_of(&config_bytes);
    let mut m = oci_image(&mut files, layers, config_bytes);
    m["annotations"] = json!({"io.containerd.image.name": "docker.io/library/app:1",
                              "org.opencontainers.image.ref.name": "1"});
    oci_layout(&mut files, vec![m]);
    let sources: serde_json::Map<String, Value> = layers
        .iter()
        .map(|l| {
            let d = l.digest().to_string();
            (
                d.clone(),
                json!({"mediaType": l.media_type, "size": l.blob.len(), "digest": d}),
            )
        })
        .collect();
    let manifest = json!([{
        "Config": blob_name(&config_digest),
        "RepoTags": ["app:1"],
        "Layers": layers.iter().map(|l| blob_name(&l.digest())).collect::<Vec<_>>(),
        "LayerSources": sources,
    }]);
    files.add("manifest.json", serde_json::to_vec(&manifest).unwrap());
    files
}

fn decompressed(layer: &Layer) -> Layer {
    let mut tar = Vec::new();
    std::io::Read::read_to_end(
        &mut flate2::read::MultiGzDecoder::new(layer.blob.as_slice()),
        &mut tar,
    )
    .unwrap();
    Layer {
        blob: tar,
        diff_id: layer.diff_id.clone(),
        media_type: "application/vnd.docker.image.rootfs.diff.tar".into(),
    }
}
