//! `--estimate-zstd` from the real binary: every layer recompressed at zstd 3 and 19 while it
//! is read, in `ci`'s text, JSON and Markdown (testdata/example.tar, whose plain-tar layers make
//! the uncompressed sizes checkable) and in `plummet diff`'s.

use imagegen::{Form, ImageSpec, LayerSpec, Op};
use serde_json::Value;

#[path = "cli_support/binary.rs"]
mod binary;
use binary::{example_dir, plummet};

/// A base layer, one of text and one of random bytes; with `extra`, 9 kB more random bytes.
fn spec(extra: bool) -> ImageSpec {
    let mut layers = vec![
        imagegen::scenarios::base_layer(),
        LayerSpec::new(vec![Op::text("/app/notes.txt", 50_000)]),
        LayerSpec::new(vec![Op::random("/app/blob", 20_000)]),
    ];
    if extra {
        layers.push(LayerSpec::new(vec![Op::random("/app/more", 9_000)]));
    }
    ImageSpec::new("zstd/estimate", layers)
}

#[test]
fn estimate_zstd_reports_each_layer_and_the_image_in_every_format() {
    let tmp = example_dir();
    let o = plummet(
        &[
            "ci",
            "-q",
            "example.tar",
            "--estimate-zstd",
            "--json",
            "r.json",
            "--markdown",
            "r.md",
        ],
        tmp.path(),
    );
    assert_eq!(
        o.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let text = String::from_utf8(o.stdout).unwrap();
    let json: Value =
        serde_json::from_str(&std::fs::read_to_string(tmp.path().join("r.json")).unwrap()).unwrap();
    let markdown = std::fs::read_to_string(tmp.path().join("r.md")).unwrap();

    let z = &json["zstd_estimate"];
    let layers = z["layers"].as_array().unwrap();
    assert_eq!(layers.len(), 6);
    for (l, row) in layers.iter().zip(json["layers"].as_array().unwrap()) {
        // example.tar stores plain tars: what was recompressed is the blob itself.
        assert_eq!(l["uncompressed_bytes"], row["blob_bytes"], "{l}");
        let levels: Vec<i64> = l["levels"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v["level"].as_i64().unwrap())
            .collect();
        assert_eq!(levels, [3, 19]);
        for v in l["levels"].as_array().unwrap() {
            assert!(
                v["bytes"].as_u64().unwrap() > 0
                    && v["decompress_seconds"].as_f64().unwrap() >= 0.0
            );
        }
    }
    let image = z["image"].as_array().unwrap();
    let (l3, l19) = (
        image[0]["bytes"].as_u64().unwrap(),
        image[1]["bytes"].as_u64().unwrap(),
    );
    let sum3: u64 = layers
        .iter()
        .map(|l| l["levels"][0]["bytes"].as_u64().unwrap())
        .sum();
    assert_eq!(l3, sum3);
    assert!(
        l19 <= l3 && l3 < json["image"]["pull_bytes"].as_u64().unwrap() * 7 / 10,
        "{z}"
    );

    assert!(
        text.contains("zstd estimate (each layer recompressed here"),
        "{text}"
    );
    assert!(
        text.contains(&format!("zstd -3   pull {}", human(l3))),
        "{text}"
    );
    assert!(markdown.contains("### zstd estimate"), "{markdown}");
    assert!(
        markdown.contains(&format!("| zstd -19 | {} (", human(l19))),
        "{markdown}"
    );

    // Without the flag the key is absent and nothing is recompressed.
    let o = plummet(&["ci", "-q", "example.tar", "--json", "-"], tmp.path());
    let json: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert!(json.get("zstd_estimate").is_none());
}

/// As the reports print sizes (SI, two decimals).
fn human(bytes: u64) -> String {
    let kb = bytes as f64 / 1000.0;
    format!("{kb:.2} kB")
}

#[test]
fn diff_estimate_zstd_gives_both_images() {
    let tmp = tempfile::tempdir().unwrap();
    imagegen::write_tar_file(&spec(false), Form::DockerLegacy, &tmp.path().join("a.tar")).unwrap();
    imagegen::write_tar_file(&spec(true), Form::DockerLegacy, &tmp.path().join("b.tar")).unwrap();
    let args = ["diff", "-q", "a.tar", "b.tar", "--estimate-zstd"];
    let o = plummet(
        &[&args[..], &["--json", "d.json", "--markdown", "d.md"]].concat(),
        tmp.path(),
    );
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let text = String::from_utf8(o.stdout).unwrap();
    let json: Value =
        serde_json::from_str(&std::fs::read_to_string(tmp.path().join("d.json")).unwrap()).unwrap();
    let z = &json["zstd_estimate"];
    assert_eq!(z["a"]["layers"].as_array().unwrap().len(), 3, "{z}");
    assert_eq!(z["b"]["layers"].as_array().unwrap().len(), 4, "{z}");
    let (a3, b3) = (
        z["a"]["image"][0]["bytes"].as_u64().unwrap(),
        z["b"]["image"][0]["bytes"].as_u64().unwrap(),
    );
    // B adds 9 kB of random bytes: they do not compress.
    assert!(b3 > a3 + 8_000, "{a3} {b3}");
    // The section comes before the rules, so the verdict stays the last line.
    let at = text
        .find("zstd estimate (each layer recompressed here)")
        .expect(&text);
    assert!(at < text.find("\nRules").unwrap(), "{text}");
    let md = std::fs::read_to_string(tmp.path().join("d.md")).unwrap();
    assert!(
        md.contains("| | pull A | pull B | change | decompress B |"),
        "{md}"
    );
}
