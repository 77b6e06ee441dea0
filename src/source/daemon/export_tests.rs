//! Tests of the streaming export reader on exports built in memory, in each daemon's layout.

use super::*;
use crate::testutil::TarBuilder;

fn layers() -> Vec<Vec<u8>> {
    vec![
        TarBuilder::new().dir("bin").file("bin/sh", 3000).finish(),
        TarBuilder::new()
            .file("app/a", 700)
            .file("app/b", 20)
            .finish(),
        TarBuilder::new().whiteout("app/b").finish(),
    ]
}

fn config_for(layers: &[Vec<u8>]) -> Vec<u8> {
    let diff_ids: Vec<String> = layers
        .iter()
        .map(|l| Digest::sha256_of(l).to_string())
        .collect();
    serde_json::to_vec(&serde_json::json!({
        "architecture": "amd64", "os": "linux",
        "config": {"User": "1000"},
        "rootfs": {"type": "layers", "diff_ids": diff_ids},
        "history": [{"created_by": "ADD a"}, {"created_by": "COPY b"}, {"created_by": "RUN rm b"}]
    }))
    .unwrap()
}

fn append(b: &mut tar::Builder<Vec<u8>>, path: &str, data: &[u8]) {
    let mut h = tar::Header::new_gnu();
    h.set_size(data.len() as u64);
    h.set_mode(0o644);
    h.set_entry_type(tar::EntryType::Regular);
    b.append_data(&mut h, path, data).unwrap();
}

fn symlink(b: &mut tar::Builder<Vec<u8>>, path: &str, target: &str) {
    let mut h = tar::Header::new_gnu();
    h.set_entry_type(tar::EntryType::Symlink);
    h.set_size(0);
    b.append_link(&mut h, path, target).unwrap();
}

fn known(layers: &[Vec<u8>]) -> Known {
    Known {
        diff_ids: layers.iter().map(|l| Digest::sha256_of(l)).collect(),
        sizes: layers.iter().map(|l| l.len() as u64).collect(),
    }
}

/// Docker 20.10: layer directories in id order (not image order), then config, then manifest.
fn legacy_export(layers: &[Vec<u8>]) -> Vec<u8> {
    let config = config_for(layers);
    let config_hex = Digest::sha256_of(&config).hex().to_string();
    let ids = ["ccc", "aaa", "bbb"];
    let mut b = tar::Builder::new(Vec::new());
    let mut order: Vec<usize> = (0..layers.len()).collect();
    order.sort_by_key(|&i| ids[i]);
    for i in order {
        append(&mut b, &format!("{}/VERSION", ids[i]), b"1.0");
        append(&mut b, &format!("{}/layer.tar", ids[i]), &layers[i]);
    }
    append(&mut b, &format!("{config_hex}.json"), &config);
    let manifest = serde_json::json!([{
        "Config": format!("{config_hex}.json"),
        "RepoTags": ["app:1"],
        "Layers": ids[..layers.len()].iter().map(|id| format!("{id}/layer.tar")).collect::<Vec<_>>()
    }]);
    append(
        &mut b,
        "manifest.json",
        &serde_json::to_vec(&manifest).unwrap(),
    );
    b.into_inner().unwrap()
}

fn read_all(export: &[u8], known: &Known) -> Result<Exported, ExportError> {
    read(
        export,
        known,
        &IndexOptions::default(),
        &Progress::default(),
    )
}

fn file_counts(e: &Exported) -> Vec<usize> {
    e.layers.iter().map(|l| l.index.entries().len()).collect()
}

#[test]
fn legacy_export_layers_come_back_in_image_order() {
    let layers = layers();
    let known = known(&layers);
    let progress = Progress::default();
    progress.start_layers(known.sizes.clone());
    let e = read(
        legacy_export(&layers).as_slice(),
        &known,
        &IndexOptions::default(),
        &progress,
    )
    .unwrap();
    assert_eq!(file_counts(&e), [2, 2, 1]);
    assert_eq!(e.config.diff_ids, known.diff_ids);
    assert_eq!(e.config.user, "1000");
    for (layer, diff_id) in e.layers.iter().zip(&known.diff_ids) {
        assert_eq!(layer.blob.diff_id.as_ref(), Some(diff_id));
    }
    let view = progress.view();
    assert_eq!(
        view.read(),
        layers.iter().map(|l| l.len() as u64).sum::<u64>()
    );
    assert_eq!(view.finished(), 3);
}

#[test]
fn podman_export_follows_symlinked_layers() {
    let layers = layers();
    let config = config_for(&layers);
    let config_hex = Digest::sha256_of(&config).hex().to_string();
    let mut b = tar::Builder::new(Vec::new());
    let mut paths = Vec::new();
    for (i, layer) in layers.iter().enumerate() {
        let hex = Digest::sha256_of(layer).hex().to_string();
        append(&mut b, &format!("{hex}.tar"), layer);
        symlink(
            &mut b,
            &format!("id{i}/layer.tar"),
            &format!("../{hex}.tar"),
        );
        paths.push(format!("id{i}/layer.tar"));
    }
    append(&mut b, &format!("{config_hex}.json"), &config);
    let manifest = serde_json::json!([{"Config": format!("{config_hex}.json"), "Layers": paths}]);
    append(
        &mut b,
        "manifest.json",
        &serde_json::to_vec(&manifest).unwrap(),
    );
    let e = read_all(&b.into_inner().unwrap(), &known(&layers)).unwrap();
    assert_eq!(file_counts(&e), [2, 2, 1]);
}

#[test]
fn oci_style_export_tells_layer_blobs_from_json_blobs() {
    let layers = layers();
    let config = config_for(&layers);
    let config_digest = Digest::sha256_of(&config);
    let mut b = tar::Builder::new(Vec::new());
    append(&mut b, "oci-layout", br#"{"imageLayoutVersion":"1.0.0"}"#);
    let mut paths = Vec::new();
    for layer in &layers {
        let path = format!("blobs/sha256/{}", Digest::sha256_of(layer).hex());
        append(&mut b, &path, layer);
        paths.push(path);
    }
    let config_path = format!("blobs/sha256/{}", config_digest.hex());
    append(&mut b, &config_path, &config);
    append(&mut b, "index.json", b"{}");
    let manifest = serde_json::json!([{"Config": config_path, "Layers": paths}]);
    append(
        &mut b,
        "manifest.json",
        &serde_json::to_vec(&manifest).unwrap(),
    );
    let e = read_all(&b.into_inner().unwrap(), &known(&layers)).unwrap();
    assert_eq!(file_counts(&e), [2, 2, 1]);
    assert_eq!(e.config_digest, config_digest);
    assert_eq!(
        e.metas[1].digest.as_ref(),
        Some(&known(&layers).diff_ids[1])
    );
}

#[test]
fn a_cut_stream_is_an_error_wherever_it_is_cut() {
    let layers = layers();
    let export = legacy_export(&layers);
    let known = known(&layers);
    // Past the manifest's last byte only padding and the end-of-archive blocks remain.
    let manifest_end = member_end(&export, "manifest.json");
    assert!(manifest_end > export.len() / 2);
    for cut in (0..manifest_end).step_by(509).chain([manifest_end - 1]) {
        let cut_stream = Cut {
            data: &export[..cut],
        };
        let result = read(
            cut_stream,
            &known,
            &IndexOptions::default(),
            &Progress::default(),
        );
        assert!(
            result.is_err(),
            "a stream cut at {cut} was read as complete"
        );
    }
}

/// Where a member's content ends in the export.
fn member_end(export: &[u8], name: &str) -> usize {
    let mut archive = tar::Archive::new(export);
    for entry in archive.entries().unwrap() {
        let entry = entry.unwrap();
        if entry.path().unwrap().to_str() == Some(name) {
            return (entry.raw_file_position() + entry.size()) as usize;
        }
    }
    panic!("no member {name}")
}

/// A stream that fails, as a dropped connection does, once its bytes run out.
struct Cut<'a> {
    data: &'a [u8],
}

impl Read for Cut<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.data.is_empty() {
            return Err(io::Error::new(
                io::ErrorKind::ConnectionReset,
                "connection closed before message completed",
            ));
        }
        let n = self.data.read(buf)?;
        Ok(n)
    }
}

#[test]
fn a_clean_end_before_the_manifest_is_an_error() {
    let layers = layers();
    let export = legacy_export(&layers);
    // Cut at a member boundary: the tar reader sees a clean end, the manifest is missing.
    let mut archive = tar::Archive::new(export.as_slice());
    let mut boundary = 0;
    for entry in archive.entries().unwrap() {
        let entry = entry.unwrap();
        if entry.path().unwrap().to_str() == Some("manifest.json") {
            boundary = entry.raw_header_position() as usize;
        }
    }
    let err = read_all(&export[..boundary], &known(&layers)).unwrap_err();
    assert!(err.to_string().contains("no manifest.json"), "{err}");
}

#[test]
fn a_layer_that_does_not_match_its_diff_id_is_refused() {
    let mut layers = layers();
    let export_for = layers.clone();
    let config = config_for(&export_for);
    layers[1] = TarBuilder::new().file("app/a", 701).finish();
    let config_hex = Digest::sha256_of(&config).hex().to_string();
    let mut b = tar::Builder::new(Vec::new());
    for (i, layer) in layers.iter().enumerate() {
        append(&mut b, &format!("l{i}/layer.tar"), layer);
    }
    append(&mut b, &format!("{config_hex}.json"), &config);
    let manifest = serde_json::json!([{"Config": format!("{config_hex}.json"),
        "Layers": ["l0/layer.tar", "l1/layer.tar", "l2/layer.tar"]}]);
    append(
        &mut b,
        "manifest.json",
        &serde_json::to_vec(&manifest).unwrap(),
    );
    let err = read_all(&b.into_inner().unwrap(), &known(&export_for)).unwrap_err();
    let text = err.to_string();
    assert!(
        text.contains("l1/layer.tar") && text.contains("diff_id mismatch"),
        "{text}"
    );
}

#[test]
fn a_corrupt_layer_names_its_member() {
    let layers = layers();
    let mut b = tar::Builder::new(Vec::new());
    append(
        &mut b,
        "x/layer.tar",
        &[0x1f, 0x8b, 8, 0, 1, 2, 3, 4, 5, 6, 7],
    );
    append(&mut b, "manifest.json", b"[]");
    let err = read_all(&b.into_inner().unwrap(), &known(&layers)).unwrap_err();
    assert!(err.to_string().contains("x/layer.tar"), "{err}");
}

#[test]
fn paths_normalise_and_links_resolve_relative_to_their_directory() {
    // Podman's exports link `<id>/layer.tar` to `../<diff_id>.tar`.
    assert_eq!(normalise("./a//b/"), "a/b");
    assert_eq!(resolve_relative("id1/layer.tar", "../abc.tar"), "abc.tar");
    assert_eq!(resolve_relative("x/y/link", "/z"), "z");
    assert_eq!(resolve_relative("link", "abc.tar"), "abc.tar");
}
