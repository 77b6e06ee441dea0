//! A local engine's layer store, read directly. Docker's overlay2 store: the image config from
//! `image/overlay2/imagedb`, and for each layer its tar-split and `diff` directory found through
//! the layer database (`image/overlay2/layerdb/sha256/<chain id>`); Podman's in
//! [`podman`]. Reading these is what `docker save` does before it stages the whole image on disk
//! and streams it; skipping that makes a 1 GB image readable in a fraction of a second instead of
//! the daemon's ~12 s.
//!
//! Anything unexpected (another storage driver, the containerd image store, no permission, a
//! file missing) makes the store unavailable and plummet falls back to the export API.

mod podman;
pub mod root;

use std::io::Read;
use std::path::{Path, PathBuf};

use super::Engine;
use super::tarsplit::Reassembled;
use crate::image::digest::Algorithm;
use crate::image::index::index_layers;
use crate::image::{
    Digest, Expected, Image, ImageConfig, ImageMeta, LayerJob, LayerMeta, Progress,
};
use crate::source::LoadOptions;

/// Where one layer's bytes are.
#[derive(Debug, Clone)]
pub struct StoredLayer {
    pub diff_id: Digest,
    pub tar_split: PathBuf,
    pub diff: PathBuf,
    /// Content bytes as the daemon recorded them, for scheduling and progress.
    pub size: u64,
}

/// The image as found in the store.
#[derive(Debug)]
pub struct StoredImage {
    pub config: Vec<u8>,
    pub layers: Vec<StoredLayer>,
}

/// Why the store cannot be read; the export is used instead.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unavailable(pub String);

impl std::fmt::Display for Unavailable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// The chain IDs of a layer stack: the first is its diff_id, each next one is
/// `sha256("<parent chain id> <diff_id>")` (OCI image spec, "ChainID").
pub fn chain_ids(diff_ids: &[Digest]) -> Vec<Digest> {
    let mut chain: Vec<Digest> = Vec::with_capacity(diff_ids.len());
    for diff_id in diff_ids {
        let next = match chain.last() {
            None => diff_id.clone(),
            Some(parent) => Digest::sha256_of(format!("{parent} {diff_id}").as_bytes()),
        };
        chain.push(next);
    }
    chain
}

/// `id` when it can name a directory of the store: letters, digits, `-` and `_` only.
fn safe_id<'a>(id: &'a str, what: &str) -> Result<&'a str, Unavailable> {
    if !id.is_empty()
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    {
        Ok(id)
    } else {
        Err(Unavailable(format!(
            "{id:?} in the store is not a valid {what}"
        )))
    }
}

fn read_small(path: &Path, limit: u64) -> Result<Vec<u8>, Unavailable> {
    let meta = std::fs::metadata(path)
        .map_err(|e| Unavailable(format!("cannot read {}: {e}", path.display())))?;
    if meta.len() > limit {
        return Err(Unavailable(format!(
            "{} is larger than {limit} bytes",
            path.display()
        )));
    }
    std::fs::read(path).map_err(|e| Unavailable(format!("cannot read {}: {e}", path.display())))
}

fn read_text(path: &Path) -> Result<String, Unavailable> {
    let bytes = read_small(path, 4096)?;
    String::from_utf8(bytes)
        .map(|s| s.trim().to_string())
        .map_err(|_| Unavailable(format!("{} is not text", path.display())))
}

/// The image the daemon described: its ID (config digest), layers and repository digest.
pub struct Wanted<'a> {
    pub id: &'a str,
    pub diff_ids: &'a [Digest],
    pub repo_digest: Option<&'a Digest>,
}

/// Why the layer store was not used.
pub enum StoreError {
    /// It cannot be read here (remote daemon, another driver, no permission, ...).
    Unavailable(Unavailable),
    /// Reading it started and failed.
    Failed(String),
}

/// Indexes the image from the layer store: each layer tar rebuilt from its tar-split and
/// `diff` directory, in parallel, and checked against its diff_id like any other layer.
pub fn load(
    engine: Engine,
    root: &Path,
    reference: &str,
    wanted: &Wanted<'_>,
    options: &LoadOptions,
    progress: &Progress,
) -> Result<Image, StoreError> {
    let id = Digest::parse(wanted.id)
        .map_err(|e| StoreError::Unavailable(Unavailable(format!("image ID: {e}"))))?;
    // Docker's overlay2 store, or containers/storage's overlay one (Podman's).
    let stored = match engine {
        Engine::Docker => locate(root, &id, wanted.diff_ids),
        Engine::Podman => podman::locate(root, &id, wanted.diff_ids),
    }
    .map_err(StoreError::Unavailable)?;
    if let Some(first) = stored.layers.first() {
        probe_openat2(&first.diff).map_err(StoreError::Unavailable)?;
    }
    let config = ImageConfig::parse(&stored.config)
        .map_err(|e| StoreError::Unavailable(Unavailable(format!("the stored config: {e}"))))?;
    if config.diff_ids != wanted.diff_ids {
        return Err(StoreError::Unavailable(Unavailable(
            "the stored config lists other layers than the daemon".into(),
        )));
    }
    progress.set_stage(format!("reading {}'s layer store", engine.label()));
    progress.start_layers(stored.layers.iter().map(|l| l.size).collect());
    let jobs = stored
        .layers
        .iter()
        .enumerate()
        .map(|(position, layer)| LayerJob {
            position,
            name: layer.diff_id.to_string(),
            size_hint: layer.size,
            expected: Expected {
                digest: None,
                diff_id: Some(layer.diff_id.clone()),
            },
            // The daemon's own store: the same diff_id in one engine is the same directory.
            origin: Some(format!("{}:{}", engine.label(), layer.diff.display())),
            open: Box::new(move || {
                let reader = Reassembled::open(&layer.tar_split, &layer.diff)?;
                Ok(Box::new(reader) as Box<dyn Read + Send>)
            }),
        })
        .collect();
    let layers = index_layers(jobs, &options.index, progress).map_err(|e| {
        // Rootless stores hold files of other (mapped) users: not an error, just not readable.
        if permission_denied(&e) {
            StoreError::Unavailable(Unavailable(e.to_string()))
        } else {
            StoreError::Failed(e.to_string())
        }
    })?;
    tracing::debug!(
        "read {reference} from {}'s layer store at {}",
        engine.label(),
        root.display()
    );
    let metas = stored
        .layers
        .iter()
        .zip(&layers)
        .map(|(stored, layer)| LayerMeta {
            digest: None,
            diff_id: Some(stored.diff_id.clone()),
            media_type: None,
            blob_size: Some(layer.blob.uncompressed_bytes),
        })
        .collect();
    let meta = ImageMeta {
        reference: reference.to_string(),
        source: engine.source_name().to_string(),
        digest: wanted.repo_digest.cloned(),
        config_digest: Some(id),
        config,
        layers: metas,
        annotations: Default::default(),
    };
    let reopen = StoreBlobs {
        layers: stored.layers,
    };
    Ok(Image::assemble(meta, layers).with_reopen(std::sync::Arc::new(reopen)))
}

/// The store's layers, reassembled again for file contents.
#[derive(Debug)]
struct StoreBlobs {
    layers: Vec<StoredLayer>,
}

impl crate::image::Reopen for StoreBlobs {
    fn blob(&self, position: usize) -> std::io::Result<Box<dyn Read + Send>> {
        let layer = self
            .layers
            .get(position)
            .ok_or_else(|| std::io::Error::new(std::io::ErrorKind::NotFound, "no such layer"))?;
        Ok(Box::new(Reassembled::open(&layer.tar_split, &layer.diff)?))
    }
}

/// Whether an I/O error with "permission denied" is behind `e`.
fn permission_denied(e: &(dyn std::error::Error + 'static)) -> bool {
    let mut cur = Some(e);
    while let Some(err) = cur {
        if err
            .downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::PermissionDenied)
        {
            return true;
        }
        cur = err.source();
    }
    false
}

/// Finds image `id` (its config digest) with layers `diff_ids` under the daemon's root
/// directory `root` (`DockerRootDir`).
pub fn locate(root: &Path, id: &Digest, diff_ids: &[Digest]) -> Result<StoredImage, Unavailable> {
    if id.algorithm() != Algorithm::Sha256 {
        return Err(Unavailable(format!("image ID {id} is not a sha256 digest")));
    }
    let store = root.join("image").join("overlay2");
    let config_path = store.join("imagedb/content").join("sha256").join(id.hex());
    let config = read_small(&config_path, 64 << 20)?;
    let actual = Digest::sha256_of(&config);
    if actual != *id {
        return Err(Unavailable(format!(
            "{} hashes to {actual}, not to the image ID",
            config_path.display()
        )));
    }
    let mut layers = Vec::with_capacity(diff_ids.len());
    for (diff_id, chain_id) in diff_ids.iter().zip(chain_ids(diff_ids)) {
        let dir = store.join("layerdb").join("sha256").join(chain_id.hex());
        let recorded = read_text(&dir.join("diff"))?;
        if recorded != diff_id.to_string() {
            return Err(Unavailable(format!(
                "{} records {recorded}, expected {diff_id}",
                dir.join("diff").display()
            )));
        }
        let cache_id = read_text(&dir.join("cache-id"))?;
        safe_id(&cache_id, "layer directory name")?;
        let size = read_text(&dir.join("size"))
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or(0);
        let tar_split = dir.join("tar-split.json.gz");
        let diff = root.join("overlay2").join(&cache_id).join("diff");
        for needed in [&tar_split, &diff] {
            std::fs::metadata(needed)
                .map_err(|e| Unavailable(format!("cannot read {}: {e}", needed.display())))?;
        }
        layers.push(StoredLayer {
            diff_id: diff_id.clone(),
            tar_split,
            diff,
            size,
        });
    }
    Ok(StoredImage { config, layers })
}

/// Files are opened with `openat2` (Linux 5.6+); without it the store is not read.
fn probe_openat2(diff: &Path) -> Result<(), Unavailable> {
    let unavailable = |e: rustix::io::Errno| {
        Unavailable(format!(
            "cannot open files beneath {} with openat2: {}",
            diff.display(),
            std::io::Error::from(e)
        ))
    };
    let root = rustix::fs::open(
        diff,
        rustix::fs::OFlags::RDONLY | rustix::fs::OFlags::DIRECTORY | rustix::fs::OFlags::CLOEXEC,
        rustix::fs::Mode::empty(),
    )
    .map_err(unavailable)?;
    super::tarsplit::open_beneath(&root, Path::new(".")).map_err(unavailable)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn digest(text: &str) -> Digest {
        Digest::parse(text).unwrap()
    }

    #[test]
    fn permission_denied_is_found_behind_a_layer_error() {
        use crate::image::blob::BlobError;
        use crate::image::{ImageError, LayerError};
        let layer = |e: BlobError| ImageError::Layer {
            position: 0,
            name: "sha256:x".into(),
            source: LayerError::Blob(e),
        };
        let denied = std::io::Error::new(std::io::ErrorKind::PermissionDenied, "etc/shadow");
        assert!(permission_denied(&layer(BlobError::Io(denied))));
        let mismatch = BlobError::DiffIdMismatch {
            expected: Digest::sha256_of(b"a"),
            actual: Digest::sha256_of(b"b"),
        };
        assert!(!permission_denied(&layer(mismatch)));
    }

    #[test]
    fn chain_ids_follow_the_oci_definition() {
        // The layers of the OCI image spec's ChainID example; the expected IDs were computed
        // independently (Python's hashlib over "<parent> <diff_id>").
        let a = digest("sha256:a9561eb1b190625c9adb5a9513e72c4dedafc1cb2d4c5236c9a6957ec7dfd5a9");
        let b = digest("sha256:3c3a4604a545cdc127456d94e421cd355bca5b528f4a9c1905b15da2eb4a4c6b");
        let c = digest("sha256:ec4b8955958665577945c89419d1af06b5f7636b4ac3da7f12184802ad867736");
        let ids = chain_ids(&[a.clone(), b, c]);
        assert_eq!(ids[0], a);
        assert_eq!(
            ids[1].to_string(),
            "sha256:c67c20fe26db968e22c104ef3b873b89b482672c4fe34acd4a7b903a75f84a1d"
        );
        assert_eq!(
            ids[2].to_string(),
            "sha256:1e15d942a2430e5d04d9b85576cc9ba8e73512816d71046866c43c4366bbe3dc"
        );
    }

    /// A store with one image of two layers, laid out as dockerd 20.10 does.
    fn fake_store(root: &Path, config: &[u8], diff_ids: &[Digest]) {
        let store = root.join("image/overlay2");
        let content = store.join("imagedb/content/sha256");
        std::fs::create_dir_all(&content).unwrap();
        std::fs::write(content.join(Digest::sha256_of(config).hex()), config).unwrap();
        for (i, (diff_id, chain)) in diff_ids.iter().zip(chain_ids(diff_ids)).enumerate() {
            let dir = store.join("layerdb/sha256").join(chain.hex());
            std::fs::create_dir_all(&dir).unwrap();
            std::fs::write(dir.join("diff"), diff_id.to_string()).unwrap();
            std::fs::write(dir.join("cache-id"), format!("cache{i}")).unwrap();
            std::fs::write(dir.join("size"), "123").unwrap();
            std::fs::write(dir.join("tar-split.json.gz"), b"").unwrap();
            std::fs::create_dir_all(root.join(format!("overlay2/cache{i}/diff"))).unwrap();
        }
    }

    #[test]
    fn locate_finds_the_config_and_each_layer() {
        let root = tempfile::tempdir().unwrap();
        let ids = [Digest::sha256_of(b"one"), Digest::sha256_of(b"two")];
        fake_store(root.path(), b"{}", &ids);
        let image = locate(root.path(), &Digest::sha256_of(b"{}"), &ids).unwrap();
        assert_eq!(image.config, b"{}");
        assert_eq!(image.layers.len(), 2);
        assert_eq!(
            image.layers[1].diff,
            root.path().join("overlay2/cache1/diff")
        );
        assert_eq!(image.layers[1].size, 123);
    }

    #[test]
    fn anything_unexpected_makes_the_store_unavailable() {
        let root = tempfile::tempdir().unwrap();
        let ids = [Digest::sha256_of(b"one"), Digest::sha256_of(b"two")];
        fake_store(root.path(), b"{}", &ids);
        let id = Digest::sha256_of(b"{}");
        let missing = locate(root.path(), &Digest::sha256_of(b"other"), &ids).unwrap_err();
        assert!(missing.0.contains("imagedb/content/sha256"), "{missing}");
        let wrong = locate(root.path(), &id, &[ids[1].clone(), ids[0].clone()]).unwrap_err();
        assert!(wrong.0.contains("cannot read"), "{wrong}");
        let chain = chain_ids(&ids);
        let layer = root
            .path()
            .join("image/overlay2/layerdb/sha256")
            .join(chain[1].hex());
        std::fs::write(layer.join("cache-id"), "../../etc").unwrap();
        let escape = locate(root.path(), &id, &ids).unwrap_err();
        assert!(
            escape.0.contains("is not a valid layer directory name"),
            "{escape}"
        );
        std::fs::write(layer.join("cache-id"), "cache1").unwrap();
        std::fs::write(layer.join("diff"), ids[0].to_string()).unwrap();
        let recorded = locate(root.path(), &id, &ids).unwrap_err();
        assert!(recorded.0.contains("expected"), "{recorded}");
    }
}
