//! The provenance attestation of the image chosen from an OCI layout: the attestation manifest
//! the index lists for it, and the in-toto statement that manifest holds, each read from the
//! layout (bounded, verified against its digest when verifying) and never from anywhere else.
//! Anything wrong with it is a warning: the image is read without it.

use super::members::Members;
use super::{blob_path, read_verified};
use crate::image::manifest::{Descriptor, Document};
use crate::image::provenance::{self, MAX_MANIFEST, MAX_STATEMENT};
use crate::image::{Attestation, Digest};

/// The attestation about `image` among `attestations` (the index's attestation entries).
pub(super) fn read(
    members: &Members,
    attestations: &[Descriptor],
    image: &Digest,
    verify: bool,
) -> Attestation {
    let Some(entry) = provenance::attestation_for(attestations, image) else {
        return Attestation::None;
    };
    match statement(members, entry, image, verify) {
        Ok(Some(mut p)) => {
            p.attestation = Some(entry.digest.clone());
            Attestation::Provenance(Box::new(p))
        }
        Ok(None) => Attestation::None,
        Err(why) => Attestation::Unreadable(format!("attestation {}: {why}", entry.digest)),
    }
}

/// The provenance statement of the attestation manifest `entry`; `None` when it holds none
/// (an SBOM only).
fn statement(
    members: &Members,
    entry: &Descriptor,
    image: &Digest,
    verify: bool,
) -> Result<Option<provenance::Provenance>, String> {
    let manifest = bounded(members, &entry.digest, entry.size, MAX_MANIFEST, verify)?;
    let manifest = match Document::parse(&manifest).map_err(|e| format!("manifest: {e}"))? {
        Document::Manifest(m) => m,
        Document::Index(_) => return Err("an index where a manifest was expected".into()),
    };
    let Some(layer) = provenance::provenance_layer(&manifest.layers) else {
        return Ok(None);
    };
    let bytes = bounded(members, &layer.digest, layer.size, MAX_STATEMENT, verify)
        .map_err(|e| format!("statement {}: {e}", layer.digest))?;
    match provenance::parse(&bytes, image) {
        Ok(p) => Ok(Some(p)),
        // A statement of another kind, without the annotation that would have said so.
        Err(provenance::ProvenanceError::OtherPredicate(_))
            if !layer.annotations.contains_key(provenance::PREDICATE_TYPE) =>
        {
            Ok(None)
        }
        Err(e) => Err(format!("statement {}: {e}", layer.digest)),
    }
}

/// A blob of at most `limit` bytes, checked against its descriptor.
fn bounded(
    members: &Members,
    digest: &Digest,
    declared: u64,
    limit: u64,
    verify: bool,
) -> Result<Vec<u8>, String> {
    let member = blob_path(digest);
    let size = members.size(&member)?;
    if size > limit || declared > limit {
        return Err(format!(
            "{member} is {} bytes, more than the {limit} read",
            size.max(declared)
        ));
    }
    read_verified(members, &member, Some(digest), Some(declared), verify)
}
