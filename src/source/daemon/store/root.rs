//! Where an engine's layer store is, and in which layout: from the image's own `GraphDriver`
//! when it names a layer directory, else from `/info`. Podman answers `/info` in ~135 ms (it
//! gathers host and runtime details), a tenth of reading a 1 GB image from its store, while the
//! inspect that plummet already made names the top layer's directory for free.

use std::path::{Component, Path, PathBuf};

use super::Unavailable;
use crate::source::daemon::Engine;

/// The storage driver whose layout plummet reads for each engine.
fn driver_of(engine: Engine) -> &'static str {
    match engine {
        Engine::Docker => "overlay2",
        Engine::Podman => "overlay",
    }
}

/// The store root from an inspected image's `GraphDriver`: its `UpperDir` (the top layer's
/// directory) is `<root>/overlay2/<id>/diff` for Docker and `<root>/overlay/<id>/diff` for
/// containers/storage. `None` for another driver, a missing `UpperDir` (an image with no
/// layers) or a path of another shape; the caller then asks `/info`.
pub fn from_graph_driver(engine: Engine, driver: &str, upper_dir: Option<&str>) -> Option<PathBuf> {
    if driver != driver_of(engine) {
        return None;
    }
    let upper = Path::new(upper_dir?);
    let mut parts = upper.components().rev();
    let diff = parts.next()?;
    let id = parts.next()?;
    let named = parts.next()?;
    let plain = |c: Component<'_>| matches!(c, Component::Normal(_));
    if !upper.is_absolute()
        || diff != Component::Normal("diff".as_ref())
        || !plain(id)
        || named != Component::Normal(driver.as_ref())
        || upper
            .components()
            .any(|c| matches!(c, Component::ParentDir))
    {
        return None;
    }
    upper.ancestors().nth(3).map(Path::to_path_buf)
}

/// The store root from `/info`'s `Driver` and `DockerRootDir`.
pub fn from_info(
    engine: Engine,
    driver: Option<&str>,
    root_dir: Option<&str>,
) -> Result<PathBuf, Unavailable> {
    if driver != Some(driver_of(engine)) {
        return Err(Unavailable(format!(
            "the storage driver is {}",
            driver.unwrap_or("unknown")
        )));
    }
    root_dir
        .filter(|d| !d.is_empty())
        .map(PathBuf::from)
        .ok_or_else(|| Unavailable("/info gives no DockerRootDir".into()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn docker_and_podman_upper_dirs_give_their_roots() {
        assert_eq!(
            from_graph_driver(
                Engine::Docker,
                "overlay2",
                Some("/var/lib/docker/overlay2/4c1f2e/diff")
            ),
            Some(PathBuf::from("/var/lib/docker"))
        );
        assert_eq!(
            from_graph_driver(
                Engine::Podman,
                "overlay",
                Some("/home/u/.local/share/containers/storage/overlay/58914e/diff")
            ),
            Some(PathBuf::from("/home/u/.local/share/containers/storage"))
        );
    }

    #[test]
    fn other_drivers_and_shapes_are_left_to_info() {
        let docker = |driver, upper| from_graph_driver(Engine::Docker, driver, upper);
        // The containerd image store, another driver, a layout for the other engine.
        assert_eq!(
            docker("overlayfs", Some("/var/lib/docker/overlay2/a/diff")),
            None
        );
        assert_eq!(
            docker("btrfs", Some("/var/lib/docker/btrfs/subvolumes/a")),
            None
        );
        assert_eq!(
            docker("overlay", Some("/var/lib/docker/overlay/a/diff")),
            None
        );
        // No layers, relative paths, `..`, the wrong directory names.
        assert_eq!(docker("overlay2", None), None);
        assert_eq!(docker("overlay2", Some("overlay2/a/diff")), None);
        assert_eq!(docker("overlay2", Some("/x/../overlay2/a/diff")), None);
        assert_eq!(
            docker("overlay2", Some("/var/lib/docker/overlay2/a/merged")),
            None
        );
        assert_eq!(
            docker("overlay2", Some("/var/lib/docker/other/a/diff")),
            None
        );
        assert_eq!(docker("overlay2", Some("/overlay2/diff")), None);
        // A store at the file system's root is still a root.
        assert_eq!(
            docker("overlay2", Some("/overlay2/a/diff")),
            Some(PathBuf::from("/"))
        );
    }

    #[test]
    fn info_names_the_driver_when_it_is_not_read() {
        assert_eq!(
            from_info(Engine::Docker, Some("overlay2"), Some("/var/lib/docker")),
            Ok(PathBuf::from("/var/lib/docker"))
        );
        assert_eq!(
            from_info(Engine::Podman, Some("vfs"), Some("/x")),
            Err(Unavailable("the storage driver is vfs".into()))
        );
        assert_eq!(
            from_info(Engine::Docker, None, Some("/x")),
            Err(Unavailable("the storage driver is unknown".into()))
        );
        assert_eq!(
            from_info(Engine::Docker, Some("overlay2"), Some("")),
            Err(Unavailable("/info gives no DockerRootDir".into()))
        );
    }
}
