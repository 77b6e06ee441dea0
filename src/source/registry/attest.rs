//! The provenance attestation of the image pulled: the attestation manifest the index lists for
//! the chosen manifest and the in-toto statement in it, fetched from the same repository, bounded
//! and verified against their digests as every other registry answer. Anything wrong with it is a
//! warning: the image is read without it.

use super::client::Client;
use super::manifest::{Descriptor, Manifest};
use super::{fetch_manifest, read_limited, verify};
use crate::image::provenance::{self, MAX_STATEMENT, ProvenanceError};
use crate::image::{Attestation, Digest};
use crate::source::SourceError;
use crate::source::reference::Reference;

/// The attestation `entry` (an index entry) about the image manifest `image`.
pub(super) async fn read(
    client: &Client,
    reference: &Reference,
    entry: &Descriptor,
    image: &Digest,
) -> Attestation {
    let unreadable =
        |why: String| Attestation::Unreadable(format!("attestation {}: {why}", entry.digest));
    if entry.size > provenance::MAX_MANIFEST {
        return unreadable(format!(
            "the index says it is {} bytes, more than the {} read",
            entry.size,
            provenance::MAX_MANIFEST
        ));
    }
    let layers = match fetch_manifest(
        client,
        reference,
        &entry.digest.to_string(),
        Some(&entry.digest),
    )
    .await
    {
        Ok((_, Manifest::Image { layers, .. })) => layers,
        Ok((_, Manifest::Index(_))) => {
            return unreadable("an index where a manifest was expected".into());
        }
        Err(e) => return unreadable(reason(e)),
    };
    let Some(layer) = provenance::provenance_layer(&layers) else {
        return Attestation::None;
    };
    let bytes = match blob(client, layer).await {
        Ok(bytes) => bytes,
        Err(e) => return unreadable(reason(e)),
    };
    match provenance::parse(&bytes, image) {
        Ok(mut p) => {
            p.attestation = Some(entry.digest.clone());
            Attestation::Provenance(Box::new(p))
        }
        Err(ProvenanceError::OtherPredicate(_))
            if !layer.annotations.contains_key(provenance::PREDICATE_TYPE) =>
        {
            Attestation::None
        }
        Err(e) => unreadable(format!("statement {}: {e}", layer.digest)),
    }
}

/// The statement blob, at most [`MAX_STATEMENT`] bytes, verified.
async fn blob(client: &Client, layer: &Descriptor) -> Result<Vec<u8>, SourceError> {
    let what = format!("statement {}", layer.digest);
    if layer.size > MAX_STATEMENT {
        return Err(SourceError::Registry(format!(
            "{what} is {} bytes, more than the {MAX_STATEMENT} read",
            layer.size
        )));
    }
    let response = client
        .get(&format!("blobs/{}", layer.digest), None, None)
        .await?;
    if !response.status().is_success() {
        return Err(client.error_for(response, &what).await);
    }
    let limit = usize::try_from(MAX_STATEMENT).unwrap_or(usize::MAX);
    let bytes = read_limited(response, limit, client.body_deadline, &what).await?;
    verify(&bytes, &layer.digest, &what)?;
    Ok(bytes)
}

fn reason(e: SourceError) -> String {
    e.to_string()
}
