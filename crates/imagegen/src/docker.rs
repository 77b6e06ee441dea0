//! `docker save` archives: the legacy form of docker 20.10 and the hybrid form of docker 25+.
//! Entries are written sorted by name, as docker's archiver walks its staging directory.

use std::io;

use serde_json::json;

use crate::archive::{CREATED, MEDIA_MANIFEST, config_json, measure_layers, write_layer_blob};
use crate::oci::{REF_NAME, descriptor, index_json, write_image_blobs};
use crate::sink::{Sink, put, sha256_hex};
use crate::spec::ImageSpec;

enum Item {
    Dir,
    Bytes(Vec<u8>),
    Layer(usize, u64),
}

fn write_sorted(
    spec: &ImageSpec,
    mut items: Vec<(String, Item)>,
    sink: &mut dyn Sink,
) -> io::Result<()> {
    items.sort_by(|a, b| a.0.cmp(&b.0));
    for (name, item) in items {
        match item {
            Item::Dir => sink.dir(&name)?,
            Item::Bytes(bytes) => put(sink, &name, &bytes)?,
            Item::Layer(i, size) => {
                sink.file(&name, size, &mut |w| write_layer_blob(&spec.layers[i], w))?;
            }
        }
    }
    Ok(())
}

fn repositories(spec: &ImageSpec, top: &str) -> Vec<u8> {
    json!({ spec.name.clone(): { spec.tag.clone(): top } })
        .to_string()
        .into_bytes()
}

/// Writes the docker 20.10 `docker save` form. Layer blobs keep their compression, so gzip
/// layers end up inside `layer.tar` as some tools write them.
pub fn write_legacy(spec: &ImageSpec, sink: &mut dyn Sink) -> io::Result<()> {
    let blobs = measure_layers(spec)?;
    let config = config_json(spec, &blobs);
    let config_name = format!("{}.json", sha256_hex(&config));
    let mut items = vec![(config_name.clone(), Item::Bytes(config))];
    let mut parent = String::new();
    let mut layer_paths = Vec::new();
    for (i, blob) in blobs.iter().enumerate() {
        // Docker derives v1 ids from the chain of layers; any stable chain hash will do.
        let id = sha256_hex(format!("{parent}\n{}", blob.diff_id).as_bytes());
        let mut v1 = json!({"id": id, "created": CREATED, "container_config": {"Cmd": null}, "os": spec.config.os});
        if !parent.is_empty() {
            v1["parent"] = json!(parent);
        }
        items.push((id.clone(), Item::Dir));
        items.push((format!("{id}/VERSION"), Item::Bytes(b"1.0".to_vec())));
        items.push((
            format!("{id}/json"),
            Item::Bytes(v1.to_string().into_bytes()),
        ));
        items.push((format!("{id}/layer.tar"), Item::Layer(i, blob.size)));
        layer_paths.push(format!("{id}/layer.tar"));
        parent = id;
    }
    let manifest =
        json!([{"Config": config_name, "RepoTags": [spec.reference()], "Layers": layer_paths}]);
    items.push((
        "manifest.json".into(),
        Item::Bytes(manifest.to_string().into_bytes()),
    ));
    items.push((
        "repositories".into(),
        Item::Bytes(repositories(spec, &parent)),
    ));
    write_sorted(spec, items, sink)
}

/// Writes the docker 25+ form: an OCI layout plus `manifest.json` naming blobs by path.
pub fn write_docker25(spec: &ImageSpec, sink: &mut dyn Sink) -> io::Result<()> {
    sink.dir("blobs")?;
    sink.dir("blobs/sha256")?;
    let written = write_image_blobs(spec, sink)?;
    let config_path = format!("blobs/sha256/{}", written.config_digest);
    let mut desc = descriptor(MEDIA_MANIFEST, &written.digest, written.size);
    desc["annotations"] = json!({
        "io.containerd.image.name": format!("docker.io/library/{}", spec.reference()),
        REF_NAME: spec.tag,
    });
    let layers: Vec<String> = written
        .layers
        .iter()
        .map(|l| format!("blobs/sha256/{}", l.digest))
        .collect();
    let docker_manifest =
        json!([{"Config": config_path, "RepoTags": [spec.reference()], "Layers": layers}]);
    let top = written
        .layers
        .last()
        .map(|l| l.digest.clone())
        .unwrap_or_default();
    let items = vec![
        (
            "index.json".to_string(),
            Item::Bytes(index_json(vec![desc])),
        ),
        (
            "manifest.json".to_string(),
            Item::Bytes(docker_manifest.to_string().into_bytes()),
        ),
        (
            "oci-layout".to_string(),
            Item::Bytes(br#"{"imageLayoutVersion":"1.0.0"}"#.to_vec()),
        ),
        (
            "repositories".to_string(),
            Item::Bytes(repositories(spec, &top)),
        ),
    ];
    write_sorted(spec, items, sink)
}
