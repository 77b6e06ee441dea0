//! Pulling straight from an OCI registry, no daemon needed: resolve the manifest (choosing a
//! platform from an index), fetch and verify the config, then stream the layer blobs into the
//! parallel indexer, which verifies their digests. Nothing is buffered whole or written to disk.

mod attest;
pub mod auth;
pub mod client;
pub mod manifest;
mod reopen;
pub mod roots;
pub mod stream;
pub mod tags;
pub mod tls;

use std::io::Read;
use std::sync::Arc;

use tokio::runtime::Runtime;

pub use client::{Client, describe};
use manifest::{Descriptor, Manifest};

use super::reference::Reference;
use super::{LoadOptions, SourceError};
use crate::image::digest::Hasher;
use crate::image::{
    Digest, Expected, Image, ImageConfig, ImageMeta, IndexOptions, LayerJob, LayerMeta, Platform,
    Progress, index,
};

/// Largest manifest and config accepted (both are small JSON documents in practice).
const MAX_MANIFEST: usize = 4 << 20;
const MAX_CONFIG: usize = 64 << 20;
/// Layers downloaded at once (one indexer thread each).
const MIN_STREAMS: usize = 4;
const MAX_STREAMS: usize = 6;

fn err(message: String) -> SourceError {
    SourceError::Registry(message)
}

/// Pulls and indexes an image from its registry.
pub fn load(
    reference: &str,
    options: &LoadOptions,
    progress: &Progress,
) -> Result<Image, SourceError> {
    let reference =
        Reference::parse(reference).map_err(|e| SourceError::Reference(e.to_string()))?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name("plummet-registry")
        .enable_all()
        .build()
        .map_err(|e| {
            err(format!(
                "{reference}: cannot start the network runtime: {e}"
            ))
        })?;
    let result = pull(&runtime, &reference, options, progress);
    runtime.shutdown_background();
    result
}

/// A resolved image: the manifest chosen and its parsed config.
struct Resolved {
    /// The digest the reference resolved to (the index's, for a multi-platform image).
    digest: Digest,
    config_digest: Digest,
    config: ImageConfig,
    layers: Vec<Descriptor>,
    /// The provenance attestation the index carries for the manifest chosen.
    attestation: crate::image::Attestation,
}

fn pull(
    runtime: &Runtime,
    reference: &Reference,
    options: &LoadOptions,
    progress: &Progress,
) -> Result<Image, SourceError> {
    progress.set_stage("connecting");
    let client = Arc::new(runtime.block_on(Client::connect(reference, options))?);
    progress.set_stage("pulling manifest");
    let platform = options.platform.clone().unwrap_or_else(Platform::host);
    let resolved = runtime.block_on(resolve(&client, reference, &platform))?;
    // Refused before any layer is pulled; with --force, source::load warns once it is read.
    if !options.force_platform {
        super::platform_check::check(&reference.to_string(), &resolved.config, options)?;
    }

    let layers: Vec<LayerMeta> = resolved
        .layers
        .iter()
        .enumerate()
        .map(|(i, d)| LayerMeta {
            digest: Some(d.digest.clone()),
            diff_id: resolved.config.diff_ids.get(i).cloned(),
            media_type: d.media_type.clone(),
            blob_size: Some(d.size),
        })
        .collect();
    let handle = runtime.handle();
    let jobs: Vec<LayerJob<'_>> = resolved
        .layers
        .iter()
        .zip(&layers)
        .enumerate()
        .map(|(position, (d, meta))| {
            let client = Arc::clone(&client);
            let (digest, size) = (d.digest.clone(), d.size);
            LayerJob {
                position,
                name: d.digest.to_string(),
                size_hint: d.size,
                expected: Expected {
                    digest: Some(d.digest.clone()),
                    diff_id: meta.diff_id.clone(),
                },
                origin: Some(client.blob_origin(&d.digest)),
                open: Box::new(move || {
                    stream::open(handle, client, digest, size)
                        .map(|r| Box::new(r) as Box<dyn Read + Send>)
                }),
            }
        })
        .collect();
    progress.start_layers(resolved.layers.iter().map(|d| d.size).collect());
    progress.set_stage("pulling layers");
    let index_options = IndexOptions {
        threads: match options.index.threads {
            0 => std::thread::available_parallelism()
                .map_or(MIN_STREAMS, |n| n.get())
                .clamp(MIN_STREAMS, MAX_STREAMS),
            n => n,
        },
        ..options.index.clone()
    };
    let indexed = index::index_layers(jobs, &index_options, progress)
        .map_err(|e| err(format!("{reference}: {e}")))?;
    let meta = ImageMeta {
        reference: reference.to_string(),
        source: "registry".into(),
        digest: Some(resolved.digest),
        config_digest: Some(resolved.config_digest),
        config: resolved.config,
        layers,
        annotations: Default::default(),
    };
    let reopen = reopen::RegistryBlobs {
        reference: reference.clone(),
        options: options.clone(),
        layers: resolved
            .layers
            .iter()
            .map(|d| (d.digest.clone(), d.size))
            .collect(),
    };
    Ok(Image::assemble(meta, indexed)
        .with_reopen(Arc::new(reopen))
        .with_attestation(resolved.attestation))
}

/// Fetches the manifest (through an index if needed) and the config.
async fn resolve(
    client: &Client,
    reference: &Reference,
    platform: &Platform,
) -> Result<Resolved, SourceError> {
    let wanted = reference.digest.clone();
    let (top_digest, top) = fetch_manifest(
        client,
        reference,
        &reference.manifest_reference(),
        wanted.as_ref(),
    )
    .await?;
    let mut attestation = crate::image::Attestation::None;
    let (config, layers) = match top {
        Manifest::Image { config, layers } => (config, layers),
        Manifest::Index(entries) => {
            let chosen = manifest::select(&entries, platform)
                .map_err(|e| err(format!("{reference}: {e}")))?;
            let digest = chosen.digest.to_string();
            if let Some(entry) = crate::image::provenance::attestation_for(&entries, &chosen.digest)
            {
                attestation = attest::read(client, reference, entry, &chosen.digest).await;
            }
            match fetch_manifest(client, reference, &digest, Some(&chosen.digest)).await? {
                (_, Manifest::Image { config, layers }) => (config, layers),
                (_, Manifest::Index(_)) => {
                    return Err(err(format!(
                        "{reference}: the index entry for {platform} is itself an index"
                    )));
                }
            }
        }
    };
    if config
        .media_type
        .as_deref()
        .is_some_and(|m| !m.contains("container.image") && !m.contains("image.config"))
    {
        return Err(err(format!(
            "{reference} is not a container image (its config is {})",
            config.media_type.as_deref().unwrap_or_default()
        )));
    }
    if let Some(encrypted) = layers.iter().find(|l| {
        l.media_type
            .as_deref()
            .is_some_and(|m| m.contains("encrypted"))
    }) {
        return Err(err(format!(
            "{reference}: layer {} is encrypted, which plummet cannot read",
            encrypted.digest
        )));
    }
    let what = format!("config {} of {reference}", config.digest);
    let response = client
        .get(&format!("blobs/{}", config.digest), None, None)
        .await?;
    if !response.status().is_success() {
        return Err(client.error_for(response, &what).await);
    }
    let bytes = read_limited(response, MAX_CONFIG, client.body_deadline, &what).await?;
    verify(&bytes, &config.digest, &what)?;
    let parsed = ImageConfig::parse(&bytes).map_err(|e| err(format!("{what}: {e}")))?;
    if parsed.diff_ids.len() != layers.len() {
        return Err(err(format!(
            "{reference}: the manifest lists {} layers but the config has {} diff_ids",
            layers.len(),
            parsed.diff_ids.len()
        )));
    }
    Ok(Resolved {
        digest: top_digest,
        config_digest: config.digest,
        config: parsed,
        layers,
        attestation,
    })
}

/// GETs `manifests/<tag or digest>`, checks its digest, parses it.
async fn fetch_manifest(
    client: &Client,
    reference: &Reference,
    tag_or_digest: &str,
    expected: Option<&Digest>,
) -> Result<(Digest, Manifest), SourceError> {
    let what = if tag_or_digest.contains(':') {
        format!(
            "manifest {tag_or_digest} of {}/{}",
            reference.registry, reference.repository
        )
    } else {
        format!("{reference}")
    };
    let response = client
        .get(
            &format!("manifests/{tag_or_digest}"),
            Some(manifest::ACCEPT),
            None,
        )
        .await?;
    if !response.status().is_success() {
        return Err(client.error_for(response, &what).await);
    }
    let content_type = response
        .headers()
        .get(http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let announced = response
        .headers()
        .get("docker-content-digest")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| Digest::parse(v).ok());
    let body = read_limited(response, MAX_MANIFEST, client.body_deadline, &what).await?;
    let digest = match expected.or(announced.as_ref()) {
        Some(d) => verify(&body, d, &what)?,
        None => Digest::sha256_of(&body),
    };
    let parsed =
        manifest::parse(content_type.as_deref(), &body).map_err(|e| err(format!("{what}: {e}")))?;
    Ok((digest, parsed))
}

/// Checks that `bytes` hash to `expected`; returns the digest.
fn verify(bytes: &[u8], expected: &Digest, what: &str) -> Result<Digest, SourceError> {
    let mut hasher = Hasher::new(expected.algorithm());
    hasher.update(bytes);
    let actual = hasher.finish();
    if &actual != expected {
        return Err(err(format!(
            "{what}: digest mismatch: expected {expected}, got {actual}"
        )));
    }
    Ok(actual)
}

/// The default for [`LoadOptions::body_deadline`]: a manifest or token is kilobytes, so a server
/// still sending one after a minute is stalling (1 byte/s slips under every idle timeout).
pub const BODY_DEADLINE: std::time::Duration = std::time::Duration::from_secs(60);

/// Reads a whole body into memory, failing past `limit` bytes (what is read so far is all that is
/// held: a 3 GiB answer costs `limit`, not 3 GiB) or when it has not all arrived by `deadline`.
pub async fn read_limited(
    mut response: reqwest::Response,
    limit: usize,
    deadline: std::time::Duration,
    what: &str,
) -> Result<Vec<u8>, SourceError> {
    let mut out = Vec::new();
    let until = tokio::time::Instant::now() + deadline;
    loop {
        let Ok(next) = tokio::time::timeout_at(until, response.chunk()).await else {
            return Err(err(format!(
                "limit reached: {what} did not arrive within {} s ({} bytes came)",
                deadline.as_secs_f64(),
                out.len()
            )));
        };
        match next {
            Ok(Some(chunk)) => {
                if out.len() + chunk.len() > limit {
                    return Err(err(format!("{what} is larger than {limit} bytes")));
                }
                out.extend_from_slice(&chunk);
            }
            Ok(None) => return Ok(out),
            Err(e) => return Err(err(format!("reading {what}: {}", describe(&e)))),
        }
    }
}
