//! OCI image layouts (directory or tar): `index.json`, nested indexes, one manifest chosen by tag
//! and platform, its config and its layers in manifest order.

use std::collections::HashSet;

use super::members::Members;
use super::{Plan, PlannedLayer, blob_path, parse_config, read_verified};
use crate::image::manifest::{self, Candidate, Descriptor, Document, Index, MediaClass};
use crate::image::{Digest, Expected, LayerMeta, Platform};
use crate::source::LoadOptions;

/// Nested indexes followed before the layout is called malformed.
const MAX_DEPTH: usize = 8;

/// Reads `index.json`, chooses an image, and plans its layers.
pub(super) fn plan(
    members: &Members,
    tar: bool,
    tag: Option<&str>,
    options: &LoadOptions,
) -> Result<Plan, String> {
    let verify = options.index.verify;
    let index = match Document::parse(&members.read("index.json")?)
        .map_err(|e| format!("index.json: {e}"))?
    {
        Document::Index(index) => index,
        Document::Manifest(_) => return Err("index.json: is a manifest, not an index".into()),
    };
    let mut candidates = Vec::new();
    let mut walk = Walk {
        visited: HashSet::new(),
        out: &mut candidates,
        attestations: Vec::new(),
    };
    collect(members, &index, &[], 0, verify, &mut walk)?;
    let attestations = walk.attestations;
    let (present, absent): (Vec<Candidate>, Vec<Candidate>) = candidates
        .into_iter()
        .partition(|c| members.contains(&blob_path(&c.descriptor.digest)));
    if present.is_empty() {
        if let Some(c) = absent.first() {
            return Err(format!(
                "missing blob {} (the manifest of {})",
                blob_path(&c.descriptor.digest),
                manifest::describe(std::slice::from_ref(c))
            ));
        }
    }
    let chosen = manifest::choose(&present, tag, options.platform.as_ref())?;
    let descriptor = &chosen.descriptor;
    let member = blob_path(&descriptor.digest);
    let bytes = read_verified(
        members,
        &member,
        Some(&descriptor.digest),
        Some(descriptor.size),
        verify,
    )?;
    let manifest = match Document::parse(&bytes).map_err(|e| format!("manifest {member}: {e}"))? {
        Document::Manifest(m) => m,
        Document::Index(_) => {
            return Err(format!("{member}: an index where a manifest was expected"));
        }
    };
    if let Some(mt) = &manifest.config.media_type {
        if manifest::classify(mt) != MediaClass::Config {
            return Err(format!(
                "manifest {}: config media type {mt} is not a container image config",
                descriptor.digest
            ));
        }
    }
    let config_member = blob_path(&manifest.config.digest);
    let config_bytes = read_verified(
        members,
        &config_member,
        Some(&manifest.config.digest),
        Some(manifest.config.size),
        verify,
    )?;
    let config = parse_config(&config_bytes, &config_member)?;
    if let (Some(wanted), None, false) =
        (&options.platform, &chosen.platform, options.force_platform)
    {
        let have = Platform {
            os: config.os.clone(),
            architecture: config.architecture.clone(),
            variant: config.variant.clone(),
        };
        if !wanted.matches(&have) {
            return Err(format!(
                "no image for platform {wanted}; the layout holds {have}"
            ));
        }
    }
    let layers = manifest
        .layers
        .iter()
        .enumerate()
        .map(|(position, layer)| plan_layer(position, layer, config.diff_ids.get(position)))
        .collect::<Result<Vec<_>, _>>()?;
    let attestation = super::attest::read(members, &attestations, &descriptor.digest, verify);
    Ok(Plan {
        attestation,
        source: if tar { "oci-archive" } else { "oci" },
        digest: Some(descriptor.digest.clone()),
        config_digest: Some(manifest.config.digest.clone()),
        config,
        layers,
        // The index entry's annotations first, so the manifest's own win.
        annotations: descriptor
            .annotations
            .clone()
            .into_iter()
            .chain(manifest.annotations)
            .collect(),
    })
}

fn plan_layer(
    position: usize,
    layer: &Descriptor,
    diff_id: Option<&crate::image::Digest>,
) -> Result<PlannedLayer, String> {
    if let Some(mt) = &layer.media_type {
        if manifest::classify(mt) != MediaClass::Layer {
            return Err(format!(
                "layer {position} ({}) has media type {mt}, which is not an image layer",
                layer.digest
            ));
        }
    }
    Ok(PlannedLayer {
        member: blob_path(&layer.digest),
        name: layer.digest.to_string(),
        meta: LayerMeta {
            digest: Some(layer.digest.clone()),
            diff_id: diff_id.cloned(),
            media_type: layer.media_type.clone(),
            blob_size: Some(layer.size),
        },
        expected: Expected {
            digest: Some(layer.digest.clone()),
            diff_id: diff_id.cloned(),
        },
    })
}

/// The state of one walk through nested indexes.
struct Walk<'a> {
    /// Nested indexes already followed: each is read once, so an index listing the same child
    /// index many times at every level costs its size, not fan-out^depth (7^8 reads from a 30 KB
    /// archive before).
    visited: HashSet<Digest>,
    out: &'a mut Vec<Candidate>,
    /// The attestation manifests met on the way (read only for the image chosen).
    attestations: Vec<Descriptor>,
}

/// Flattens an index into the images it offers, following nested indexes. Tags of an outer
/// descriptor carry over to the manifests of the index it points to (of the first descriptor,
/// when several point to one nested index).
fn collect(
    members: &Members,
    index: &Index,
    inherited: &[String],
    depth: usize,
    verify: bool,
    walk: &mut Walk<'_>,
) -> Result<(), String> {
    if depth > MAX_DEPTH {
        return Err(format!("indexes nested more than {MAX_DEPTH} deep"));
    }
    for descriptor in &index.manifests {
        if descriptor.is_attestation() {
            walk.attestations.push(descriptor.clone());
            continue;
        }
        let mut tags = descriptor.tags();
        if tags.is_empty() {
            tags = inherited.to_vec();
        }
        let class = descriptor.media_type.as_deref().map(manifest::classify);
        let member = blob_path(&descriptor.digest);
        match class {
            Some(MediaClass::Manifest) => walk.out.push(Candidate {
                descriptor: descriptor.clone(),
                tags,
                platform: descriptor.platform.clone(),
            }),
            Some(MediaClass::Index) | None => {
                // Without a media type, the blob itself says what it is.
                if walk.visited.contains(&descriptor.digest) {
                    continue;
                }
                let bytes = match members.read(&member) {
                    Ok(bytes) => bytes,
                    // Absent manifests are sorted out by the caller; an absent index is an error.
                    Err(_) if class.is_none() => {
                        walk.out.push(Candidate {
                            descriptor: descriptor.clone(),
                            tags,
                            platform: descriptor.platform.clone(),
                        });
                        continue;
                    }
                    Err(e) => return Err(format!("{e} (an index of {})", descriptor.digest)),
                };
                let document = Document::parse(&bytes).map_err(|e| format!("{member}: {e}"))?;
                match document {
                    Document::Index(nested) => {
                        walk.visited.insert(descriptor.digest.clone());
                        read_verified(
                            members,
                            &member,
                            Some(&descriptor.digest),
                            Some(descriptor.size),
                            verify,
                        )?;
                        collect(members, &nested, &tags, depth + 1, verify, walk)?;
                    }
                    Document::Manifest(_) => walk.out.push(Candidate {
                        descriptor: descriptor.clone(),
                        tags,
                        platform: descriptor.platform.clone(),
                    }),
                }
            }
            // Artifacts (signatures, SBOMs, Helm charts) are not images: leave them out.
            Some(_) => {}
        }
    }
    Ok(())
}
