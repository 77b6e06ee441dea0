//! Archive tests: every written archive is self-consistent (digests, sizes, diff_ids), its
//! layer tars hold what the oracle counted, and the committed example regenerates byte for byte.
#![expect(
    clippy::unwrap_used,
    reason = "test helpers fail the test on bad input"
)]

use std::io::Read;
use std::path::PathBuf;

use imagegen::sink::{MemSink, sha256_hex};
use imagegen::{Compression, Form, ImageSpec, expected, scenarios};
use serde_json::Value;

fn blob<'a>(mem: &'a MemSink, digest: &str) -> &'a [u8] {
    let hex = digest.trim_start_matches("sha256:");
    let bytes = &mem.files[&format!("blobs/sha256/{hex}")];
    assert_eq!(sha256_hex(bytes), hex, "blob {hex} holds other bytes");
    bytes
}

fn decompress(media_type: &str, bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    match media_type.rsplit('+').next() {
        Some("gzip") => flate2::read::GzDecoder::new(bytes)
            .read_to_end(&mut out)
            .unwrap(),
        Some("zstd") => zstd::stream::read::Decoder::new(bytes)
            .unwrap()
            .read_to_end(&mut out)
            .unwrap(),
        _ => return bytes.to_vec(),
    };
    out
}

/// Sum of entry sizes as a tar reader sees them (long-name entries are not entries).
fn tar_size(tar: &[u8]) -> u64 {
    let mut archive = tar::Archive::new(tar);
    archive
        .entries()
        .unwrap()
        .map(|e| e.unwrap().header().entry_size().unwrap())
        .sum()
}

fn check_oci(name: &str, spec: &ImageSpec) {
    let mut mem = MemSink::default();
    imagegen::write(spec, Form::Oci, &mut mem).unwrap();
    let index: Value = serde_json::from_slice(&mem.files["index.json"]).unwrap();
    let desc = &index["manifests"][0];
    assert_eq!(
        desc["annotations"]["org.opencontainers.image.ref.name"],
        "latest"
    );
    let manifest_bytes = blob(&mem, desc["digest"].as_str().unwrap());
    assert_eq!(desc["size"], manifest_bytes.len());
    let manifest: Value = serde_json::from_slice(manifest_bytes).unwrap();
    let config: Value =
        serde_json::from_slice(blob(&mem, manifest["config"]["digest"].as_str().unwrap())).unwrap();
    let want = expected(spec);
    for (i, layer) in manifest["layers"].as_array().unwrap().iter().enumerate() {
        let bytes = blob(&mem, layer["digest"].as_str().unwrap());
        assert_eq!(layer["size"], bytes.len(), "{name} layer {i}");
        let tar = decompress(layer["mediaType"].as_str().unwrap(), bytes);
        assert_eq!(
            config["rootfs"]["diff_ids"][i],
            format!("sha256:{}", sha256_hex(&tar)),
            "{name} layer {i}"
        );
        assert_eq!(
            tar_size(&tar),
            want.layers[i].size_bytes,
            "{name} layer {i}"
        );
    }
}

#[test]
fn every_scenario_writes_a_consistent_oci_layout() {
    for (name, spec) in scenarios::scenarios() {
        check_oci(name, &spec);
        check_oci(name, &spec.clone().compressed(Compression::Gzip));
    }
}

#[test]
fn every_form_is_deterministic() {
    for (_, spec) in scenarios::scenarios().into_iter().take(6) {
        for form in Form::ALL {
            assert_eq!(
                imagegen::to_vec(&spec, form).unwrap(),
                imagegen::to_vec(&spec, form).unwrap()
            );
        }
    }
}

#[test]
fn long_and_non_utf8_names_round_trip() {
    for name in ["pax_long_names", "gnu_long_names", "non_utf8_names"] {
        let spec = scenarios::scenarios()
            .into_iter()
            .find(|(n, _)| *n == name)
            .unwrap()
            .1;
        let mut tar = Vec::new();
        imagegen::archive::write_layer_blob(&spec.layers[1], &mut tar).unwrap();
        let mut archive = tar::Archive::new(tar.as_slice());
        let names: Vec<Vec<u8>> = archive
            .entries()
            .unwrap()
            .map(|e| e.unwrap().path_bytes().into_owned())
            .collect();
        let visible: Vec<Vec<u8>> = expected(&spec)
            .files
            .iter()
            .filter(|f| f.layer == 1)
            .map(|f| f.path.0[1..].to_vec())
            .collect();
        for path in visible {
            assert!(
                names
                    .iter()
                    .any(|n| n.strip_suffix(b"/").unwrap_or(n) == path.as_slice()),
                "{name}: {path:?}"
            );
        }
    }
}

fn testdata(file: &str) -> Vec<u8> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../testdata")
        .join(file);
    std::fs::read(path).unwrap()
}

#[test]
fn committed_example_regenerates_identically() {
    let spec = imagegen::example::example();
    assert!(imagegen::to_vec(&spec, Form::DockerLegacy).unwrap() == testdata("example.tar"));
    let oci = imagegen::to_vec(&spec.clone().compressed(Compression::Gzip), Form::Oci).unwrap();
    assert!(oci == testdata("example-oci.tar"));
    let json = serde_json::to_string_pretty(&expected(&spec)).unwrap() + "\n";
    assert_eq!(json.as_bytes(), testdata("example.expected.json"));
}
