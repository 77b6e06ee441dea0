//! Docker daemon and Podman (Docker-compatible API) sources: find the endpoint, agree on an API
//! version, inspect the image (with a capped client of our own, [`api`]), then stream its export
//! into the indexer through bollard.

pub mod api;
pub mod endpoint;
pub mod export;
mod idle;
pub mod probe;
mod reexport;
pub mod store;
pub mod tarsplit;

use std::io;

use bollard::models::{ImageHistoryResponseItem, ImageInspect, SystemInfo};
use bollard::{ClientVersion, Docker};
use futures_util::TryStreamExt;
use serde::de::DeserializeOwned;
use tokio::runtime::Runtime;
use tokio_util::io::{StreamReader, SyncIoBridge};

use self::endpoint::Endpoint;
use self::export::Known;
use super::{LoadOptions, SourceError};
use crate::image::{Digest, Image, ImageMeta, Progress};

/// How long to wait for the export's first byte: old daemons stage the whole image on disk
/// before they answer.
const HEADER_TIMEOUT_SECS: u64 = 3600;

/// Which engine serves the Docker API.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    Docker,
    Podman,
}

impl Engine {
    fn daemon_name(self) -> &'static str {
        match self {
            Engine::Docker => "Docker daemon",
            Engine::Podman => "Podman service",
        }
    }

    fn hint(self) -> &'static str {
        match self {
            Engine::Docker => "set DOCKER_HOST or --host",
            Engine::Podman => {
                "start it (`systemctl --user start podman.socket` or `podman system service`) \
                 or pass --host"
            }
        }
    }

    fn label(self) -> &'static str {
        match self {
            Engine::Docker => "docker",
            Engine::Podman => "podman",
        }
    }

    fn source_name(self) -> &'static str {
        match self {
            Engine::Docker => "docker-daemon",
            Engine::Podman => "podman",
        }
    }
}

/// A connection to an engine that answered `/version`.
struct Session {
    engine: Engine,
    endpoint: Endpoint,
    /// The API version agreed on, for request paths.
    version: (u32, u32),
    /// What bounds each buffered answer.
    limits: api::Limits,
    /// For the export only: it streams, so bollard's lack of a cap does not matter there.
    docker: Docker,
    /// How long the export may send nothing.
    export_idle: std::time::Duration,
}

/// A request that got no usable answer.
enum Failure {
    /// The daemon answered with this status and message.
    Status(http::StatusCode, String),
    /// No answer (connection, cap, deadline) or one that is not what the API documents.
    Other(String),
}

impl Session {
    /// GETs `/vX.Y{path}` within the limits and parses a 200 answer's JSON.
    async fn get<T: DeserializeOwned>(&self, path: &str) -> Result<T, Failure> {
        let (major, minor) = self.version;
        let path = format!("/v{major}.{minor}{path}");
        let answer = api::get(&self.endpoint, &path, self.limits)
            .await
            .map_err(|e| match e {
                api::ApiError::Connect(io) => {
                    Failure::Other(probe::connect_error(self.engine, &self.endpoint, &io))
                }
                other => Failure::Other(other.to_string()),
            })?;
        if answer.status != http::StatusCode::OK {
            return Err(Failure::Status(
                answer.status,
                api::error_message(&answer.body),
            ));
        }
        serde_json::from_slice(&answer.body).map_err(|e| {
            Failure::Other(format!(
                "the answer to GET {path} is not what the API documents: {e}"
            ))
        })
    }
}

/// What inspecting the image told us before the export.
struct Plan {
    id: String,
    repo_digest: Option<Digest>,
    known: Known,
    /// The inspect's `GraphDriver`: the driver's name and the top layer's `UpperDir`.
    driver: Option<(String, Option<String>)>,
}

/// Exports an image from the engine and indexes it while it streams.
pub fn load(
    engine: Engine,
    reference: &str,
    options: &LoadOptions,
    progress: &Progress,
) -> Result<Image, SourceError> {
    let endpoint = resolve(engine, options)?;
    with_runtime(|rt| {
        progress.set_stage(format!("connecting to {}", engine.label()));
        let session = rt.block_on(connect(engine, endpoint, options))?;
        let plan = rt
            .block_on(inspect(&session, reference))?
            .ok_or_else(|| not_found(engine, reference))?;
        read(rt, &session, reference, &plan, options, progress)
    })?
}

/// A bare reference: the Docker daemon if one is reachable and has the image, otherwise the
/// registry.
pub fn load_bare(
    reference: &str,
    options: &LoadOptions,
    progress: &Progress,
) -> Result<Image, SourceError> {
    // Why the daemon did not give the image, for the error when the registry fails too.
    let mut daemon_said = String::new();
    let from_daemon = match resolve(Engine::Docker, options) {
        Ok(endpoint) => with_runtime(|rt| {
            progress.set_stage("looking for the image in docker");
            let at = endpoint.to_string();
            let session = match rt.block_on(connect(Engine::Docker, endpoint, options)) {
                Ok(session) => session,
                // A daemon the user named must answer; the default one is only a first try.
                Err(e) if options.host.is_some() => return Err(e),
                Err(e) => {
                    daemon_said = format!("no Docker daemon answered ({e})");
                    return Ok(None);
                }
            };
            match rt.block_on(inspect(&session, reference))? {
                Some(plan) => read(rt, &session, reference, &plan, options, progress).map(Some),
                None => {
                    daemon_said = format!("the Docker daemon at {at} does not have it");
                    Ok(None)
                }
            }
        })??,
        Err(e) if options.host.is_some() => return Err(e),
        Err(e) => {
            daemon_said = format!("no Docker daemon ({e})");
            None
        }
    };
    match from_daemon {
        Some(image) => Ok(image),
        None => super::registry::load(reference, options, progress).map_err(|e| match e {
            SourceError::Registry(why) => SourceError::Registry(format!(
                "{reference}: {daemon_said}, and the registry failed: {why}"
            )),
            other => other,
        }),
    }
}

/// Where the Docker daemon that has `reference` listens, if one does: for the error of a
/// `docker://` pull that failed. Any failure to ask means no.
pub fn holder_of(reference: &str, options: &LoadOptions) -> Option<String> {
    let endpoint = resolve(Engine::Docker, options).ok()?;
    with_runtime(|rt| {
        let at = endpoint.to_string();
        let session = rt
            .block_on(connect(Engine::Docker, endpoint, options))
            .ok()?;
        rt.block_on(inspect(&session, reference))
            .ok()
            .flatten()
            .map(|_| at)
    })
    .ok()
    .flatten()
}

fn resolve(engine: Engine, options: &LoadOptions) -> Result<Endpoint, SourceError> {
    let env = |key: &str| std::env::var(key).ok();
    endpoint::resolve(engine, options.host.as_deref(), &env).map_err(SourceError::Daemon)
}

/// Runs `work` with a small runtime whose one worker drives the connection while this thread
/// (or a helper thread, if we are already inside a runtime) reads the export synchronously.
fn with_runtime<T: Send>(work: impl FnOnce(&Runtime) -> T + Send) -> Result<T, SourceError> {
    let go = || {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name("plummet-daemon")
            .enable_all()
            .build()
            .map(|rt| work(&rt))
            .map_err(|e| SourceError::Daemon(format!("cannot start the async runtime: {e}")))
    };
    if tokio::runtime::Handle::try_current().is_err() {
        return go();
    }
    std::thread::scope(|scope| {
        scope
            .spawn(go)
            .join()
            .map_err(|_| SourceError::Daemon("the daemon reader thread panicked".into()))?
    })
}

async fn connect(
    engine: Engine,
    endpoint: Endpoint,
    options: &LoadOptions,
) -> Result<Session, SourceError> {
    let api = probe::probe(engine, &endpoint)
        .await
        .map_err(SourceError::Daemon)?;
    let (major, minor) = api.negotiate();
    let version = ClientVersion {
        major_version: major as usize,
        minor_version: minor as usize,
    };
    let docker = match &endpoint {
        Endpoint::Unix(path) => {
            Docker::connect_with_unix(&path.to_string_lossy(), HEADER_TIMEOUT_SECS, &version)
        }
        Endpoint::Tcp(addr) => Docker::connect_with_http(addr, HEADER_TIMEOUT_SECS, &version),
    }
    .map_err(|e| {
        SourceError::Daemon(format!(
            "cannot connect to the {} at {endpoint}: {e}; {}",
            engine.daemon_name(),
            engine.hint()
        ))
    })?;
    let limits = api::Limits {
        deadline: options.body_deadline.unwrap_or(api::ANSWER_DEADLINE),
        ..api::Limits::default()
    };
    Ok(Session {
        engine,
        endpoint,
        version: (major, minor),
        limits,
        docker,
        export_idle: options.export_idle.unwrap_or(idle::EXPORT_IDLE),
    })
}

/// Inspects the image; `None` when the engine does not have it.
async fn inspect(session: &Session, reference: &str) -> Result<Option<Plan>, SourceError> {
    let path = format!("/images/{}/json", api::path_segment(reference));
    let image: ImageInspect = match session.get(&path).await {
        Ok(image) => image,
        Err(Failure::Status(http::StatusCode::NOT_FOUND, _)) => return Ok(None),
        Err(e) => return Err(api_error(session, reference, e)),
    };
    let id = image.id.clone().unwrap_or_else(|| reference.to_string());
    let diff_ids: Vec<Digest> = image
        .root_fs
        .as_ref()
        .and_then(|r| r.layers.as_ref())
        .map(|layers| {
            layers
                .iter()
                .filter_map(|d| Digest::parse(d).ok())
                .collect()
        })
        .unwrap_or_default();
    let repo_digest = image.repo_digests.iter().flatten().find_map(|d| {
        d.rsplit_once('@')
            .and_then(|(_, digest)| Digest::parse(digest).ok())
    });
    // Layer sizes for progress: the history's non-empty steps, oldest first, when they match.
    let history: Vec<ImageHistoryResponseItem> = session
        .get(&format!("/images/{}/history", api::path_segment(&id)))
        .await
        .map_err(|e| api_error(session, reference, e))?;
    let mut sizes: Vec<u64> = history
        .iter()
        .rev()
        .filter(|h| h.size > 0)
        .map(|h| u64::try_from(h.size).unwrap_or(0))
        .collect();
    if sizes.len() != diff_ids.len() {
        let total = image.size.and_then(|s| u64::try_from(s).ok()).unwrap_or(0);
        let count = diff_ids.len().max(1) as u64;
        sizes = vec![total / count; diff_ids.len()];
    }
    let driver = image
        .graph_driver
        .map(|d| (d.name, d.data.get("UpperDir").cloned()));
    Ok(Some(Plan {
        id,
        repo_digest,
        known: Known { diff_ids, sizes },
        driver,
    }))
}

/// Reads the image from the daemon's layer store when possible, else through the export.
fn read(
    rt: &Runtime,
    session: &Session,
    reference: &str,
    plan: &Plan,
    options: &LoadOptions,
    progress: &Progress,
) -> Result<Image, SourceError> {
    if !options.export {
        let outcome = rt
            .block_on(store_root(session, plan))
            .map_err(store::StoreError::Unavailable)
            .and_then(|root| {
                store::load(
                    session.engine,
                    &root,
                    reference,
                    &stored_plan(plan),
                    options,
                    progress,
                )
            });
        match outcome {
            Ok(image) => return Ok(image),
            Err(store::StoreError::Unavailable(why)) => {
                tracing::debug!("not reading the layer store: {why}; using the export");
            }
            Err(store::StoreError::Failed(why)) => tracing::warn!(
                "reading {reference} from the {}'s layer store failed ({why}); using the \
                 export instead",
                session.engine.daemon_name()
            ),
        }
    }
    export(rt, session, reference, plan, options, progress)
}

fn stored_plan(plan: &Plan) -> store::Wanted<'_> {
    store::Wanted {
        id: &plan.id,
        diff_ids: &plan.known.diff_ids,
        repo_digest: plan.repo_digest.as_ref(),
    }
}

/// The engine's store root directory, when its layer store is on this machine in a layout
/// plummet reads (Docker's overlay2, containers/storage's overlay): from the image's
/// `GraphDriver`, else from `/info`.
async fn store_root(
    session: &Session,
    plan: &Plan,
) -> Result<std::path::PathBuf, store::Unavailable> {
    if !matches!(session.endpoint, Endpoint::Unix(_)) {
        return Err(store::Unavailable(
            "the engine is not on a local socket".into(),
        ));
    }
    let engine = session.engine;
    if let Some(root) = plan
        .driver
        .as_ref()
        .and_then(|(name, upper)| store::root::from_graph_driver(engine, name, upper.as_deref()))
    {
        return Ok(root);
    }
    let info: SystemInfo = session.get("/info").await.map_err(|e| {
        store::Unavailable(match e {
            Failure::Status(status, message) => format!("/info failed: {status}: {message}"),
            Failure::Other(why) => format!("/info failed: {why}"),
        })
    })?;
    let root = store::root::from_info(
        engine,
        info.driver.as_deref(),
        info.docker_root_dir.as_deref(),
    )?;
    Ok(root)
}

/// Streams the export into the indexer and assembles the image.
fn export(
    rt: &Runtime,
    session: &Session,
    reference: &str,
    plan: &Plan,
    options: &LoadOptions,
    progress: &Progress,
) -> Result<Image, SourceError> {
    progress.set_stage(format!("exporting from {}", session.engine.label()));
    progress.start_layers(plan.known.sizes.clone());
    let stream = idle::limited(
        session
            .docker
            .export_image(&plan.id)
            .map_err(io::Error::other),
        session.export_idle,
    );
    let reader =
        SyncIoBridge::new_with_handle(StreamReader::new(Box::pin(stream)), rt.handle().clone());
    let exported = export::read(reader, &plan.known, &options.index, progress).map_err(|e| {
        let hint = match &e {
            // The idle timeout says what happened; other breaks are mostly a daemon that went away.
            export::ExportError::Stream { source, .. }
                if source.kind() != io::ErrorKind::TimedOut =>
            {
                " (did the daemon stop or restart?)"
            }
            _ => "",
        };
        SourceError::Daemon(format!(
            "failed to export {reference} from the {} at {}: {e}{hint}",
            session.engine.daemon_name(),
            session.endpoint
        ))
    })?;
    let meta = ImageMeta {
        reference: reference.to_string(),
        source: session.engine.source_name().to_string(),
        digest: plan.repo_digest.clone(),
        config_digest: Some(exported.config_digest),
        config: exported.config,
        layers: exported.metas,
        annotations: Default::default(),
    };
    let reopen = reexport::ExportBlobs {
        engine: session.engine,
        endpoint: session.endpoint.clone(),
        id: plan.id.clone(),
        members: exported.members,
        options: options.clone(),
    };
    Ok(Image::assemble(meta, exported.layers).with_reopen(std::sync::Arc::new(reopen)))
}

fn not_found(engine: Engine, reference: &str) -> SourceError {
    SourceError::Daemon(match engine {
        Engine::Docker => format!(
            "image {reference} not found in the Docker daemon; pull it first or use \
             docker://{reference} to read it from the registry"
        ),
        Engine::Podman => format!(
            "image {reference} not found in Podman; pull it first (podman pull {reference}) or \
             use docker://{reference} to read it from the registry"
        ),
    })
}

fn api_error(session: &Session, reference: &str, e: Failure) -> SourceError {
    let detail = match e {
        Failure::Status(status, message) => format!("it answered {}: {message}", status.as_u16()),
        Failure::Other(why) => why,
    };
    SourceError::Daemon(format!(
        "the {} at {} failed on {reference}: {detail}",
        session.engine.daemon_name(),
        session.endpoint
    ))
}
