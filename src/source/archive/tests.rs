//! Tests of archive reading: every form, image choice, and one test per kind of bad input.

use std::path::PathBuf;

use serde_json::json;

use super::fixture::*;
use super::*;
use crate::image::ImageError;
use crate::image::Platform;
use crate::testutil::TarBuilder;

fn load_at(
    path: &Path,
    kind: Option<ArchiveKind>,
    tag: Option<&str>,
) -> Result<Image, SourceError> {
    load(
        path,
        kind,
        tag,
        &LoadOptions::default(),
        &Progress::default(),
    )
}

fn error(path: &Path, kind: Option<ArchiveKind>, tag: Option<&str>) -> String {
    match load_at(path, kind, tag) {
        Ok(_) => panic!("{} loaded", path.display()),
        Err(e) => e.to_string(),
    }
}

fn sizes(image: &Image) -> Vec<u64> {
    image.tree.layers.iter().map(|l| l.size_bytes()).collect()
}

#[test]
fn reads_legacy_docker_save() {
    let dir = tempfile::tempdir().unwrap();
    let layers = two_layers();
    let path = docker_legacy(&[(&["app:1"], &layers)]).write_tar(dir.path(), "a.tar");
    let progress = Progress::default();
    let image = load(&path, None, None, &LoadOptions::default(), &progress).unwrap();
    assert_eq!(image.meta.source, "docker-archive");
    assert_eq!(sizes(&image), [3000, 100]);
    assert_eq!(
        image.meta.layers[1].diff_id,
        Some(layers[1].diff_id.clone())
    );
    assert!(image.meta.config_digest.is_some());
    assert_eq!(progress.view().finished(), 2);
}

#[test]
fn legacy_archive_with_several_images_is_chosen_by_tag() {
    let dir = tempfile::tempdir().unwrap();
    let a = two_layers();
    let b = vec![Layer::gzip(TarBuilder::new().file("only", 7))];
    let path = docker_legacy(&[(&["a:1"], &a), (&["b:2"], &b)]).write_tar(dir.path(), "m.tar");
    let image = load_at(&path, None, Some("b:2")).unwrap();
    assert_eq!(sizes(&image), [7]);
    assert_eq!(image.meta.reference, format!("{}:b:2", path.display()));
    let err = error(&path, None, None);
    assert!(
        err.contains("a:1") && err.contains("b:2") && err.contains("2 images"),
        "{err}"
    );
    let err = error(&path, None, Some("c:3"));
    assert!(err.contains("no image tagged \"c:3\""), "{err}");
}

#[test]
fn a_docker_archive_reference_chooses_the_image_by_tag() {
    let dir = tempfile::tempdir().unwrap();
    let a = two_layers();
    let b = vec![Layer::gzip(TarBuilder::new().file("only", 7))];
    let path = docker_legacy(&[(&["a:1"], &a), (&["b:2"], &b)]).write_tar(dir.path(), "m.tar");
    let load =
        |input: String| crate::source::load(&input, &LoadOptions::default(), &Progress::default());
    let image = load(format!("docker-archive:{}:b:2", path.display())).unwrap();
    assert_eq!(sizes(&image), [7]);
    let image = load(format!("docker-archive:{}:a:1", path.display())).unwrap();
    assert_eq!(sizes(&image), [3000, 100]);
    let err = load(format!("docker-archive:{}", path.display()))
        .unwrap_err()
        .to_string();
    assert!(err.contains("docker-archive:PATH:REPO:TAG"), "{err}");
}

#[test]
fn reads_docker25_save_with_manifest_digest() {
    let dir = tempfile::tempdir().unwrap();
    let files = docker25(&two_layers());
    let path = files.write_tar(dir.path(), "d.tar");
    let image = load_at(&path, None, None).unwrap();
    assert_eq!(image.meta.source, "docker-archive");
    assert_eq!(sizes(&image), [3000, 100]);
    assert!(image.meta.digest.is_some());
    assert_eq!(image.meta.layers[0].media_type.as_deref(), Some(GZIP_LAYER));
    // The same tar read as an OCI archive gives the same image.
    let oci = load_at(&path, Some(ArchiveKind::OciArchive), None).unwrap();
    assert_eq!(oci.meta.source, "oci-archive");
    assert_eq!(oci.meta.digest, image.meta.digest);
}

#[test]
fn reads_oci_dir_and_tar_in_manifest_order() {
    let dir = tempfile::tempdir().unwrap();
    let layers = vec![
        Layer::gzip(TarBuilder::new().file("first", 1)),
        Layer::plain(TarBuilder::new().file("second", 22)),
        Layer::gzip(TarBuilder::new().file("third", 333)),
    ];
    let files = simple_oci(&layers);
    for (path, source) in [
        (files.write_dir(dir.path(), "layout"), "oci"),
        (files.write_tar(dir.path(), "layout.tar"), "oci-archive"),
    ] {
        let image = load_at(&path, None, None).unwrap();
        assert_eq!(image.meta.source, source);
        assert_eq!(sizes(&image), [1, 22, 333], "{source}");
        assert_eq!(image.meta.layers[2].digest, Some(layers[2].digest()));
        assert_eq!(
            image.meta.layers[2].blob_size,
            Some(layers[2].blob.len() as u64)
        );
        assert!(load_at(&path, None, Some("v1")).is_ok());
        assert!(error(&path, None, Some("v9")).contains("v1 ("));
    }
}

#[test]
fn multi_platform_index_is_chosen_by_platform() {
    let dir = tempfile::tempdir().unwrap();
    let amd = vec![Layer::gzip(TarBuilder::new().file("amd", 5))];
    let arm = vec![Layer::gzip(TarBuilder::new().file("arm", 6))];
    let mut files = Files::default();
    let mut m1 = oci_image(&mut files, &amd, config(&amd, "", "amd64"));
    m1["platform"] = json!({"os": "linux", "architecture": "amd64"});
    let mut m2 = oci_image(&mut files, &arm, config(&arm, "", "arm64"));
    m2["platform"] = json!({"os": "linux", "architecture": "arm64", "variant": "v8"});
    let nested = json!({"schemaVersion": 2, "mediaType": crate::image::manifest::OCI_INDEX, "manifests": [m1, m2]});
    let mut top = files.blob(
        crate::image::manifest::OCI_INDEX,
        serde_json::to_vec(&nested).unwrap(),
    );
    top["annotations"] = json!({"org.opencontainers.image.ref.name": "multi"});
    oci_layout(&mut files, vec![top]);
    let path = files.write_dir(dir.path(), "multi");
    let options = |p: &str| LoadOptions {
        platform: Some(Platform::parse(p).unwrap()),
        ..LoadOptions::default()
    };
    let arm_image = load(
        &path,
        None,
        Some("multi"),
        &options("linux/arm64"),
        &Progress::default(),
    )
    .unwrap();
    assert_eq!(sizes(&arm_image), [6]);
    let amd_image = load(
        &path,
        None,
        None,
        &options("linux/amd64"),
        &Progress::default(),
    )
    .unwrap();
    assert_eq!(sizes(&amd_image), [5]);
    let err = load(
        &path,
        None,
        None,
        &options("linux/riscv64"),
        &Progress::default(),
    )
    .unwrap_err()
    .to_string();
    assert!(
        err.contains("multi (linux/amd64)") && err.contains("multi (linux/arm64/v8)"),
        "{err}"
    );
}

#[test]
fn gzip_media_type_on_a_plain_blob_still_reads() {
    let dir = tempfile::tempdir().unwrap();
    let mut layer = Layer::plain(TarBuilder::new().file("x", 42));
    layer.media_type = GZIP_LAYER.into();
    let path = simple_oci(&[layer]).write_dir(dir.path(), "l");
    let image = load_at(&path, None, None).unwrap();
    assert_eq!(image.blobs[0].compression, crate::image::Compression::None);
}

#[test]
fn unknown_layer_media_type_names_digest_and_type() {
    let dir = tempfile::tempdir().unwrap();
    let mut layer = Layer::gzip(TarBuilder::new().file("x", 1));
    layer.media_type = "application/vnd.oci.image.layer.v1.tar+foo".into();
    let path = simple_oci(std::slice::from_ref(&layer)).write_dir(dir.path(), "l");
    let err = error(&path, None, None);
    assert!(
        err.contains(&layer.digest().to_string()) && err.contains("tar+foo"),
        "{err}"
    );
}

#[test]
fn artifact_manifest_is_not_an_image() {
    let dir = tempfile::tempdir().unwrap();
    let mut files = Files::default();
    let config = files.blob("application/vnd.oci.empty.v1+json", b"{}".to_vec());
    let manifest = json!({"schemaVersion": 2, "mediaType": crate::image::manifest::OCI_MANIFEST,
        "artifactType": "application/example", "config": config, "layers": []});
    let m = files.blob(
        crate::image::manifest::OCI_MANIFEST,
        serde_json::to_vec(&manifest).unwrap(),
    );
    oci_layout(&mut files, vec![m]);
    let err = error(&files.write_dir(dir.path(), "a"), None, None);
    assert!(err.contains("application/vnd.oci.empty.v1+json"), "{err}");
}

#[test]
fn layer_count_must_match_diff_ids() {
    let dir = tempfile::tempdir().unwrap();
    let layers = two_layers();
    let mut files = Files::default();
    let m = oci_image(&mut files, &layers, config(&layers[..1], "", "amd64"));
    oci_layout(&mut files, vec![m]);
    let err = error(&files.write_dir(dir.path(), "c"), None, None);
    assert!(
        err.contains("2 layers but the config has 1 diff_ids"),
        "{err}"
    );
}

#[test]
fn descriptor_size_must_match_blob() {
    let dir = tempfile::tempdir().unwrap();
    let layers = two_layers();
    let mut files = simple_oci(&layers);
    let bigger = [layers[1].blob.clone(), vec![0; 10]].concat();
    files.add(&blob_name(&layers[1].digest()), bigger);
    let err = error(&files.write_dir(dir.path(), "s"), None, None);
    assert!(
        err.contains(&layers[1].digest().to_string()) && err.contains("bytes"),
        "{err}"
    );
}

#[test]
fn corrupt_layer_is_a_digest_mismatch_or_gzip_error() {
    let dir = tempfile::tempdir().unwrap();
    let layers = two_layers();
    let mut files = simple_oci(&layers);
    let mut blob = layers[0].blob.clone();
    let mid = blob.len() / 2;
    blob[mid] ^= 0xff;
    files.add(&blob_name(&layers[0].digest()), blob);
    let path = files.write_tar(dir.path(), "c.tar");
    match load_at(&path, None, None) {
        Err(SourceError::Image(ImageError::Layer { position, .. })) => assert_eq!(position, 0),
        other => panic!("unexpected {other:?}"),
    }
}

#[test]
fn malformed_json_names_the_member() {
    let dir = tempfile::tempdir().unwrap();
    let layers = two_layers();
    let mut files = simple_oci(&layers);
    files.add("index.json", b"{not json".to_vec());
    let err = error(&files.write_dir(dir.path(), "i"), None, None);
    assert!(err.contains("index.json: malformed JSON"), "{err}");

    let mut files = docker_legacy(&[(&["a:1"], &layers)]);
    files.add("manifest.json", b"[{".to_vec());
    let err = error(&files.write_tar(dir.path(), "m.tar"), None, None);
    assert!(err.contains("manifest.json: malformed JSON"), "{err}");

    // A config that is not JSON, given the digest it has so only parsing fails.
    let mut files = Files::default();
    let m = oci_image(&mut files, &layers, b"garbage".to_vec());
    oci_layout(&mut files, vec![m]);
    let err = error(&files.write_dir(dir.path(), "c"), None, None);
    assert!(
        err.contains("malformed image config") && err.contains("blobs/sha256/"),
        "{err}"
    );
}

#[test]
fn missing_blob_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let layers = two_layers();
    let mut files = simple_oci(&layers);
    let name = blob_name(&layers[1].digest());
    files.0.retain(|(n, _)| *n != name);
    let err = error(&files.write_tar(dir.path(), "m.tar"), None, None);
    assert!(err.contains(&format!("missing member {name}")), "{err}");
}

#[test]
fn bad_paths_are_one_line_errors() {
    let dir = tempfile::tempdir().unwrap();
    let err = error(&dir.path().join("absent.tar"), None, None);
    assert!(
        err.ends_with("absent.tar: no such file or directory"),
        "{err}"
    );
    let empty = dir.path().join("empty");
    std::fs::create_dir(&empty).unwrap();
    assert!(error(&empty, None, None).contains("not an OCI image layout"));
    let noise: Vec<u8> = (0..10_000u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 11) as u8)
        .collect();
    let random = dir.path().join("random.tar");
    std::fs::write(&random, noise).unwrap();
    assert!(error(&random, None, None).contains("not a"));
    let tar = docker_legacy(&[(&["a:1"], &two_layers())]).tar();
    let truncated = dir.path().join("t.tar");
    std::fs::write(&truncated, &tar[..tar.len() * 2 / 3]).unwrap();
    let err = error(&truncated, None, None);
    assert!(!err.contains('\n'), "{err}");
    // A text file is not a tar, and its content must not leak into the message.
    let text = dir.path().join("notes.json");
    std::fs::write(
        &text,
        "{\n  \"size_bytes\": 1,\n  \"x\": 0.5\n}\n".repeat(40),
    )
    .unwrap();
    let err = error(&text, None, None);
    assert!(
        err.ends_with("not a tar archive (no valid tar header at the start)"),
        "{err}"
    );
    let oci_tar = simple_oci(&two_layers()).write_tar(dir.path(), "o.tar");
    assert!(error(&oci_tar, Some(ArchiveKind::DockerArchive), None).contains("no manifest.json"));
    assert!(error(&oci_tar, Some(ArchiveKind::OciDir), None).contains("not a directory"));
}

#[test]
fn no_verify_skips_digest_checks() {
    let dir = tempfile::tempdir().unwrap();
    let layers = two_layers();
    let mut files = docker_legacy(&[(&["a:1"], &layers)]);
    // A layer.tar that differs from the diff_id the config records.
    let name = files
        .0
        .iter()
        .find(|(n, _)| n.ends_with("1/layer.tar"))
        .unwrap()
        .0
        .clone();
    let other = TarBuilder::new().file("app", 100).finish();
    files.add(&name, other);
    let path = files.write_tar(dir.path(), "v.tar");
    assert!(error(&path, None, None).contains("diff_id mismatch"));
    let options = LoadOptions {
        index: crate::image::IndexOptions {
            verify: false,
            ..Default::default()
        },
        ..LoadOptions::default()
    };
    assert!(load(&path, None, None, &options, &Progress::default()).is_ok());
}

/// A docker-save directory whose first layer file is replaced by `make(path)`.
fn layout_with_first_layer(root: &Path, make: impl FnOnce(&Path)) -> PathBuf {
    let dir = docker_legacy(&[(&["app:1"], &two_layers())]).write_dir(root, "img");
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("manifest.json")).unwrap()).unwrap();
    let layer = dir.join(manifest[0]["Layers"][0].as_str().unwrap());
    std::fs::remove_file(&layer).unwrap();
    make(&layer);
    dir
}

#[test]
fn directory_members_never_resolve_outside_the_directory() {
    let root = tempfile::tempdir().unwrap();
    let secret = root.path().join("secret");
    std::fs::write(&secret, "TOP-SECRET host file\n".repeat(50)).unwrap();
    for target in [secret.clone(), PathBuf::from("../../secret")] {
        let dir = layout_with_first_layer(root.path(), |layer| {
            std::os::unix::fs::symlink(&target, layer).unwrap();
        });
        let err = error(&dir, None, None);
        assert!(err.contains("points outside the image directory"), "{err}");
        assert!(!err.contains("TOP-SECRET"), "{err}");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}

#[test]
fn directory_members_that_are_not_regular_files_are_refused() {
    let root = tempfile::tempdir().unwrap();
    let dir = layout_with_first_layer(root.path(), |layer| {
        rustix::fs::mknodat(
            rustix::fs::CWD,
            layer,
            rustix::fs::FileType::Fifo,
            rustix::fs::Mode::from_raw_mode(0o600),
            0,
        )
        .unwrap();
    });
    // A FIFO would block a plain open forever; it is refused at once.
    let err = error(&dir, None, None);
    assert!(err.contains("is not a regular file"), "{err}");
}

#[test]
fn directory_members_may_link_within_the_directory() {
    let root = tempfile::tempdir().unwrap();
    let whole = docker_legacy(&[(&["app:1"], &two_layers())]).write_dir(root.path(), "ref");
    let expected = sizes(&load_at(&whole, None, None).unwrap());
    let dir = layout_with_first_layer(root.path(), |layer| {
        let manifest: serde_json::Value =
            serde_json::from_slice(&std::fs::read(whole.join("manifest.json")).unwrap()).unwrap();
        let original = whole.join(manifest[0]["Layers"][0].as_str().unwrap());
        let inside = layer.parent().unwrap().parent().unwrap().join("copy.tar");
        std::fs::copy(original, &inside).unwrap();
        std::os::unix::fs::symlink("../copy.tar", layer).unwrap();
    });
    assert_eq!(sizes(&load_at(&dir, None, None).unwrap()), expected);
}

#[test]
fn nested_indexes_listing_one_child_many_times_are_read_once_each() {
    // Fan-out 7 at each of 8 levels: 7^8 (5.7 million) index reads if each listing were followed.
    let dir = tempfile::tempdir().unwrap();
    let layers = vec![Layer::gzip(TarBuilder::new().file("app", 5))];
    let mut files = Files::default();
    let mut child = oci_image(&mut files, &layers, config(&layers, "", "amd64"));
    for _ in 0..8 {
        let index = json!({
            "schemaVersion": 2,
            "mediaType": crate::image::manifest::OCI_INDEX,
            "manifests": vec![child.clone(); 7],
        });
        child = files.blob(
            crate::image::manifest::OCI_INDEX,
            serde_json::to_vec(&index).unwrap(),
        );
    }
    oci_layout(&mut files, vec![child]);
    let path = files.write_dir(dir.path(), "fan");
    let options = LoadOptions {
        platform: Some(Platform::parse("linux/amd64").unwrap()),
        ..LoadOptions::default()
    };
    let image = load(&path, None, None, &options, &Progress::default()).unwrap();
    assert_eq!(sizes(&image), [5]);
}
