//! `docker save` archives: `manifest.json` naming a config and layer members, either legacy
//! (`<id>/layer.tar`, the uncompressed layer itself) or Docker 25+ (`blobs/sha256/<hex>`).

use std::collections::BTreeMap;

use serde::Deserialize;

use super::members::Members;
use super::{Plan, PlannedLayer, digest_of_blob_path, parse_config, read_verified};
use crate::image::digest::Digest;
use crate::image::manifest::{self, Document, MediaClass};
use crate::image::{Expected, LayerMeta};
use crate::source::LoadOptions;

#[derive(Deserialize)]
struct Entry {
    #[serde(rename = "Config")]
    config: String,
    #[serde(rename = "RepoTags", default)]
    repo_tags: Option<Vec<String>>,
    #[serde(rename = "Layers", default)]
    layers: Vec<String>,
    #[serde(rename = "LayerSources", default)]
    layer_sources: Option<BTreeMap<String, Source>>,
}

/// Docker 25+ records each layer's descriptor here.
#[derive(Deserialize)]
struct Source {
    #[serde(rename = "mediaType", default)]
    media_type: Option<String>,
    #[serde(default)]
    size: Option<u64>,
}

/// Reads `manifest.json`, chooses the image, and plans its layers.
pub(super) fn plan(
    members: &Members,
    tag: Option<&str>,
    options: &LoadOptions,
) -> Result<Plan, String> {
    let verify = options.index.verify;
    let bytes = members.read("manifest.json")?;
    let entries: Vec<Entry> = serde_json::from_slice(&bytes)
        .map_err(|e| format!("manifest.json: malformed JSON: {e}"))?;
    let entry = choose(&entries, tag)?;
    let config_member = super::members::normalise(&entry.config);
    let config_digest = digest_of_blob_path(&config_member).or_else(|| {
        // Legacy archives name the config `<hex>.json`, the image id.
        let hex = config_member.strip_suffix(".json")?;
        Digest::parse(&format!("sha256:{hex}")).ok()
    });
    let config_bytes = read_verified(
        members,
        &config_member,
        config_digest.as_ref(),
        None,
        verify,
    )?;
    let config = parse_config(&config_bytes, &config_member)?;
    let sources = entry.layer_sources.as_ref();
    let mut layers = Vec::with_capacity(entry.layers.len());
    for (position, layer) in entry.layers.iter().enumerate() {
        let member = super::members::normalise(layer);
        let diff_id = config.diff_ids.get(position).cloned();
        let digest = digest_of_blob_path(&member);
        let source = digest
            .as_ref()
            .and_then(|d| sources.and_then(|s| s.get(&d.to_string())));
        let media_type = source.and_then(|s| s.media_type.clone());
        if let Some(mt) = &media_type {
            if manifest::classify(mt) != MediaClass::Layer {
                return Err(format!(
                    "layer {position} ({member}) has media type {mt}, which is not an image layer"
                ));
            }
        }
        layers.push(PlannedLayer {
            name: digest
                .as_ref()
                .map_or_else(|| member.clone(), ToString::to_string),
            expected: Expected {
                // A legacy layer.tar is the uncompressed layer: the diff_id check covers it.
                digest: digest.clone(),
                diff_id: diff_id.clone(),
            },
            meta: LayerMeta {
                // A legacy layer.tar's own digest is its diff_id.
                digest: digest.or_else(|| diff_id.clone()),
                diff_id,
                media_type,
                blob_size: source.and_then(|s| s.size),
            },
            member,
        });
    }
    Ok(Plan {
        source: "docker-archive",
        digest: config_digest
            .as_ref()
            .and_then(|c| manifest_digest(members, c)),
        config_digest,
        config,
        layers,
        annotations: Default::default(),
        attestation: Default::default(),
    })
}

/// The image of a multi-image archive named by `tag`, or the only one.
fn choose<'a>(entries: &'a [Entry], tag: Option<&str>) -> Result<&'a Entry, String> {
    let tags_of = |e: &Entry| e.repo_tags.clone().unwrap_or_default();
    let list = || {
        let names: Vec<String> = entries
            .iter()
            .map(|e| {
                let tags = tags_of(e);
                if tags.is_empty() {
                    format!("untagged {}", e.config)
                } else {
                    tags.join(", ")
                }
            })
            .collect();
        names.join("; ")
    };
    let chosen: Vec<&Entry> = match tag {
        Some(t) => entries
            .iter()
            .filter(|e| tags_of(e).iter().any(|have| manifest::tag_matches(t, have)))
            .collect(),
        None => entries.iter().collect(),
    };
    match (chosen.as_slice(), tag) {
        ([one], _) => Ok(one),
        ([], None) => Err("manifest.json lists no images".into()),
        ([], Some(t)) => Err(format!(
            "no image tagged {t:?} in manifest.json; available: {}",
            list()
        )),
        (_, _) => Err(format!(
            "manifest.json lists {} images; choose one by tag (docker-archive:PATH:REPO:TAG); \
             available: {}",
            chosen.len(),
            list()
        )),
    }
}

/// Docker 25+ archives also carry an OCI `index.json`: the manifest whose config is ours gives
/// the image's manifest digest. Absent or unreadable, the image simply has no manifest digest.
fn manifest_digest(members: &Members, config: &Digest) -> Option<Digest> {
    let index = match Document::parse(&members.read("index.json").ok()?).ok()? {
        Document::Index(index) => index,
        Document::Manifest(_) => return None,
    };
    let mut pending = index.manifests;
    let mut seen = 0;
    while let Some(descriptor) = pending.pop() {
        seen += 1;
        if seen > 256 {
            return None;
        }
        let Ok(bytes) = members.read(&super::blob_path(&descriptor.digest)) else {
            continue;
        };
        match Document::parse(&bytes).ok()? {
            Document::Manifest(m) if &m.config.digest == config => return Some(descriptor.digest),
            Document::Manifest(_) => {}
            Document::Index(nested) => pending.extend(nested.manifests),
        }
    }
    None
}
