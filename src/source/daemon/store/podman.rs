//! Podman's layer store (containers/storage with the overlay driver), read directly: the image
//! in `overlay-images/images.json` gives its top layer, `overlay-layers/layers.json` the chain of
//! parents with each layer's diff digest, and each layer keeps `overlay-layers/<id>.tar-split.gz`
//! and `overlay/<id>/diff`. The config is the image's "big data" item named by its digest, in
//! `overlay-images/<id>/=<base64 of the name>`.

use std::collections::HashMap;
use std::path::Path;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde::Deserialize;

use super::{StoredImage, StoredLayer, Unavailable, read_small, safe_id};
use crate::image::Digest;

/// `images.json` and `layers.json` of a big store can be tens of MiB.
const MAX_INDEX: u64 = 256 << 20;

#[derive(Deserialize)]
struct ImageRecord {
    id: String,
    #[serde(default)]
    layer: Option<String>,
}

#[derive(Deserialize)]
struct LayerRecord {
    id: String,
    #[serde(default)]
    parent: Option<String>,
    #[serde(rename = "diff-digest", default)]
    diff_digest: Option<String>,
    #[serde(rename = "diff-size", default)]
    diff_size: Option<i64>,
}

fn parse<T: serde::de::DeserializeOwned>(path: &Path) -> Result<T, Unavailable> {
    let bytes = read_small(path, MAX_INDEX)?;
    serde_json::from_slice(&bytes)
        .map_err(|e| Unavailable(format!("cannot parse {}: {e}", path.display())))
}

/// Finds image `id` (its config digest) with layers `diff_ids` under Podman's graph root.
pub fn locate(root: &Path, id: &Digest, diff_ids: &[Digest]) -> Result<StoredImage, Unavailable> {
    let images: Vec<ImageRecord> = parse(&root.join("overlay-images/images.json"))?;
    let image = images
        .iter()
        .find(|i| i.id == id.hex())
        .ok_or_else(|| Unavailable(format!("image {id} is not in overlay-images/images.json")))?;
    let config_path = root
        .join("overlay-images")
        .join(safe_id(&image.id, "image ID")?)
        .join(format!("={}", STANDARD.encode(id.to_string())));
    let config = read_small(&config_path, 64 << 20)?;
    if Digest::sha256_of(&config) != *id {
        return Err(Unavailable(format!(
            "{} does not hash to the image ID",
            config_path.display()
        )));
    }

    let records: Vec<LayerRecord> = parse(&root.join("overlay-layers/layers.json"))?;
    let by_id: HashMap<&str, &LayerRecord> = records.iter().map(|l| (l.id.as_str(), l)).collect();
    // From the top layer down through the parents; at most one step per expected layer.
    let mut chain = Vec::with_capacity(diff_ids.len());
    let mut next = image.layer.as_deref();
    while let Some(layer_id) = next {
        if chain.len() == diff_ids.len() {
            return Err(Unavailable(format!(
                "image {id} has more layers in the store than the {} its config lists",
                diff_ids.len()
            )));
        }
        let record = by_id.get(layer_id).ok_or_else(|| {
            Unavailable(format!(
                "layer {layer_id} is not in overlay-layers/layers.json"
            ))
        })?;
        chain.push(*record);
        next = record.parent.as_deref();
    }
    chain.reverse();
    if chain.len() != diff_ids.len() {
        return Err(Unavailable(format!(
            "image {id} has {} layers in the store, its config lists {}",
            chain.len(),
            diff_ids.len()
        )));
    }
    let mut layers = Vec::with_capacity(chain.len());
    for (record, diff_id) in chain.iter().zip(diff_ids) {
        if record.diff_digest.as_deref() != Some(diff_id.to_string().as_str()) {
            return Err(Unavailable(format!(
                "layer {} records diff digest {}, expected {diff_id}",
                record.id,
                record.diff_digest.as_deref().unwrap_or("none")
            )));
        }
        let layer_id = safe_id(&record.id, "layer ID")?;
        layers.push(StoredLayer {
            diff_id: diff_id.clone(),
            tar_split: root
                .join("overlay-layers")
                .join(format!("{layer_id}.tar-split.gz")),
            diff: root.join("overlay").join(layer_id).join("diff"),
            size: record
                .diff_size
                .and_then(|s| u64::try_from(s).ok())
                .unwrap_or(0),
        });
    }
    Ok(StoredImage { config, layers })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A store with one image of two layers, laid out as Podman 4 does.
    fn fake_store(root: &Path, config: &[u8], diff_ids: &[Digest]) -> Digest {
        let id = Digest::sha256_of(config);
        let images = root.join("overlay-images");
        std::fs::create_dir_all(images.join(id.hex())).unwrap();
        std::fs::write(
            images
                .join(id.hex())
                .join(format!("={}", STANDARD.encode(id.to_string()))),
            config,
        )
        .unwrap();
        std::fs::write(
            images.join("images.json"),
            format!(
                r#"[{{"id":"other"}},{{"id":"{}","layer":"top"}}]"#,
                id.hex()
            ),
        )
        .unwrap();
        let layers = root.join("overlay-layers");
        std::fs::create_dir_all(&layers).unwrap();
        std::fs::write(
            layers.join("layers.json"),
            format!(
                r#"[{{"id":"top","parent":"base","diff-digest":"{}","diff-size":7}},
                    {{"id":"base","diff-digest":"{}","diff-size":5}}]"#,
                diff_ids[1], diff_ids[0]
            ),
        )
        .unwrap();
        id
    }

    #[test]
    fn locate_follows_the_parents_from_the_top_layer() {
        let root = tempfile::tempdir().unwrap();
        let ids = [Digest::sha256_of(b"one"), Digest::sha256_of(b"two")];
        let id = fake_store(root.path(), b"{}", &ids);
        let image = locate(root.path(), &id, &ids).unwrap();
        assert_eq!(image.config, b"{}");
        assert_eq!(image.layers[0].diff, root.path().join("overlay/base/diff"));
        assert_eq!(
            image.layers[1].tar_split,
            root.path().join("overlay-layers/top.tar-split.gz")
        );
        assert_eq!(
            image.layers.iter().map(|l| l.size).collect::<Vec<_>>(),
            [5, 7]
        );
    }

    #[test]
    fn anything_unexpected_makes_the_store_unavailable() {
        let root = tempfile::tempdir().unwrap();
        let ids = [Digest::sha256_of(b"one"), Digest::sha256_of(b"two")];
        let id = fake_store(root.path(), b"{}", &ids);
        let err = |diff_ids: &[Digest]| locate(root.path(), &id, diff_ids).unwrap_err().0;
        assert!(err(&ids[..1]).contains("more layers"), "{}", err(&ids[..1]));
        let three = [ids[0].clone(), ids[1].clone(), ids[1].clone()];
        assert!(err(&three).contains("has 2 layers"), "{}", err(&three));
        let swapped = [ids[1].clone(), ids[0].clone()];
        assert!(err(&swapped).contains("records diff digest"));
        let missing = locate(root.path(), &Digest::sha256_of(b"x"), &ids).unwrap_err();
        assert!(missing.0.contains("not in overlay-images"), "{missing}");
        std::fs::write(
            root.path().join("overlay-layers/layers.json"),
            r#"[{"id":"top","parent":"../../x","diff-digest":"d"}]"#,
        )
        .unwrap();
        assert!(err(&ids).contains("not in overlay-layers"), "{}", err(&ids));
    }
}
