//! The layer-index cache and `plummet scan` through the binary, on OCI layouts imagegen writes
//! (images sharing a base layer, as a fleet does): a hit skips the blob, a corrupt entry is
//! discarded with a warning, two processes fill one cache at once, and shards merge into the
//! single-run report.
#![allow(
    clippy::unwrap_used,
    reason = "setup helpers stop the test at the first failed step"
)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use imagegen::{Compression, Form, ImageSpec, LayerSpec, Op};
use serde_json::Value;

/// Writes `count` gzip OCI layouts under `dir`: one shared base layer, one layer of each app's
/// own, the odd ones wasting bytes (the base's library rewritten, failing the default rules).
fn fleet(dir: &Path, count: usize) -> Vec<String> {
    (0..count)
        .map(|i| {
            let base = LayerSpec::new(vec![
                Op::random("usr/lib/libbase.so", 150_000),
                Op::text("etc/os-release", 300),
            ]);
            let mut own = vec![Op::random(format!("app/app{i}.bin"), 20_000 + i as u64)];
            if i % 2 == 1 {
                own.push(Op::random("usr/lib/libbase.so", 150_000));
            }
            let spec = ImageSpec::new(&format!("app{i}"), vec![base, LayerSpec::new(own)])
                .user("app")
                .compressed(Compression::Gzip);
            let path = dir.join(format!("app{i}"));
            imagegen::write_dir(&spec, Form::Oci, &path).unwrap();
            format!("oci:{}", path.display())
        })
        .collect()
}

fn plummet(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_plummet"))
        .args(args)
        .env("PLUMMET_LOG", "warn")
        .env_remove("CI")
        .output()
        .unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn json(o: &Output) -> Value {
    let parsed = serde_json::from_slice(&o.stdout);
    assert!(parsed.is_ok(), "not JSON: {}", stderr(o));
    parsed.unwrap()
}

/// Every layer blob file of an OCI layout (the files over 1 KB: the rest is JSON).
fn layer_blobs(layout: &str) -> Vec<PathBuf> {
    let dir = Path::new(layout.strip_prefix("oci:").unwrap()).join("blobs/sha256");
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| std::fs::metadata(p).unwrap().len() > 1000)
        .collect()
}

#[test]
fn a_cached_layer_is_not_read_again_and_a_corrupt_entry_is_discarded() {
    let dir = tempfile::tempdir().unwrap();
    let images = fleet(dir.path(), 1);
    let cache = dir.path().join("cache");
    let cache = cache.to_str().unwrap();
    let args = ["ci", "-q", "--cache-dir", cache, "--json", "-", &images[0]];
    let first = plummet(&args);
    assert_eq!(first.status.code(), Some(0), "{}", stderr(&first));
    let names: Vec<String> = std::fs::read_dir(cache)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    // An index per layer, and (`ci` with a cache) each gzip layer's seek map beside it.
    let count = |prefix: &str| names.iter().filter(|n| n.starts_with(prefix)).count();
    assert_eq!(count("i"), 2, "one index entry per layer: {names:?}");
    assert_eq!(count("s"), 2, "one seek map per layer: {names:?}");

    // The blobs are damaged (same size): only the cache can answer, and it answers the same.
    let blobs = layer_blobs(&images[0]);
    let saved: Vec<Vec<u8>> = blobs.iter().map(|b| std::fs::read(b).unwrap()).collect();
    for (b, data) in blobs.iter().zip(&saved) {
        let mut bad = data.clone();
        let at = bad.len() / 2;
        bad[at] ^= 0xff;
        std::fs::write(b, bad).unwrap();
    }
    let second = plummet(&args);
    assert_eq!(second.status.code(), Some(0), "{}", stderr(&second));
    assert_eq!(json(&first), json(&second));
    let uncached = plummet(&["ci", "-q", "--json", "-", &images[0]]);
    assert_eq!(
        uncached.status.code(),
        Some(2),
        "without the cache the blobs are read"
    );

    // A flipped byte in an entry: discarded with a warning naming it, the blob read again.
    for (b, data) in blobs.iter().zip(&saved) {
        std::fs::write(b, data).unwrap();
    }
    for entry in std::fs::read_dir(cache).unwrap() {
        let path = entry.unwrap().path();
        let mut bytes = std::fs::read(&path).unwrap();
        let at = bytes.len() / 2;
        bytes[at] ^= 0x40;
        std::fs::write(&path, bytes).unwrap();
    }
    let third = plummet(&args);
    assert_eq!(third.status.code(), Some(0), "{}", stderr(&third));
    assert!(
        stderr(&third).contains("discarded the layer-index cache entry"),
        "{}",
        stderr(&third)
    );
    assert_eq!(json(&first), json(&third));
    // ... and written again, good.
    let fourth = plummet(&args);
    assert!(
        !stderr(&fourth).contains("discarded"),
        "{}",
        stderr(&fourth)
    );
}

#[test]
fn two_processes_fill_the_same_cache_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let images = fleet(dir.path(), 4);
    let cache = dir.path().join("cache");
    let spawn = |out: &str| {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_plummet"));
        cmd.args(["scan", "--jobs", "2", "--cache-dir"])
            .arg(&cache)
            .args(["--json", out])
            .args(&images)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped());
        cmd.spawn().unwrap()
    };
    let (a, b) = (dir.path().join("a.json"), dir.path().join("b.json"));
    let pa = spawn(a.to_str().unwrap());
    let pb = spawn(b.to_str().unwrap());
    for p in [pa, pb] {
        let o = p.wait_with_output().unwrap();
        assert_eq!(o.status.code(), Some(1), "odd images fail: {}", stderr(&o));
        assert!(!stderr(&o).contains("discarded"), "{}", stderr(&o));
    }
    let read = |p: &Path| -> Value { serde_json::from_slice(&std::fs::read(p).unwrap()).unwrap() };
    assert_eq!(read(&a), read(&b));
    let names: Vec<String> = std::fs::read_dir(&cache)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(names.iter().all(|n| n.ends_with(".idx")), "{names:?}");
    assert_eq!(names.len(), 5, "the base once, four apps: {names:?}");
    // A third run reads no blob at all.
    let c = plummet(&[
        "scan",
        "--cache-dir",
        cache.to_str().unwrap(),
        "--json",
        "-",
        &images[0],
        &images[1],
        &images[2],
        &images[3],
    ]);
    assert!(
        stderr(&c).contains("8 layers reused, 0 indexed"),
        "{}",
        stderr(&c)
    );
    assert_eq!(json(&c), read(&a));
}

#[test]
fn scan_reports_rows_sharing_and_unreadable_images() {
    let dir = tempfile::tempdir().unwrap();
    let mut images = fleet(dir.path(), 3);
    images.push(format!("oci:{}", dir.path().join("missing").display()));
    let list = dir.path().join("list.txt");
    std::fs::write(
        &list,
        format!("# the fleet\n{}\n\n{}\n", images[2], images[3]),
    )
    .unwrap();
    let jsonl = dir.path().join("rows.jsonl");
    let o = plummet(&[
        "scan",
        "--no-cache",
        "--jobs",
        "2",
        "--jsonl",
        jsonl.to_str().unwrap(),
        "--json",
        "-",
        "--from-file",
        list.to_str().unwrap(),
        &images[0],
        &images[1],
    ]);
    assert_eq!(
        o.status.code(),
        Some(2),
        "an unreadable image: {}",
        stderr(&o)
    );
    let r = json(&o);
    let rows = r["images"].as_array().unwrap();
    assert_eq!(rows.len(), 4);
    let refs: Vec<&str> = rows
        .iter()
        .map(|i| i["reference"].as_str().unwrap())
        .collect();
    assert!(
        refs[0].contains("app0") && refs[3].contains("missing"),
        "{refs:?}"
    );
    assert_eq!(r["unreadable_images"], 1);
    assert_eq!(r["failed_images"], 1, "app1 rewrites a file: {r}");
    assert_eq!(rows[1]["rules"], "failed");
    assert!(rows[3]["error"].as_str().unwrap().contains("missing"));
    // The base layer is shared by the three readable images, its blob counted once.
    let layers = r["layers"].as_array().unwrap();
    let base = layers
        .iter()
        .find(|l| l["images"].as_array().unwrap().len() > 1)
        .unwrap();
    assert_eq!(base["images"].as_array().unwrap().len(), 3, "{base}");
    assert_eq!(r["shared_bytes"], base["blob_bytes"]);
    let lines = std::fs::read_to_string(&jsonl).unwrap();
    assert_eq!(lines.lines().count(), 4);
    for line in lines.lines() {
        let row: Value = serde_json::from_str(line).unwrap();
        assert!(row["reference"].is_string());
    }
    // The text report: one row per image and the largest unshared layers.
    let text = plummet(&["scan", "--no-cache", &images[0], &images[1]]);
    let out = String::from_utf8_lossy(&text.stdout);
    assert!(out.contains("FAIL ("), "{out}");
    assert!(out.contains("Largest layers only one image uses:"), "{out}");
    assert_eq!(text.status.code(), Some(1));
}

#[test]
fn shards_merge_into_the_single_run_report() {
    let dir = tempfile::tempdir().unwrap();
    let images = fleet(dir.path(), 6);
    let cache = dir.path().join("cache");
    let cache = cache.to_str().unwrap();
    let mut single = vec!["scan", "-q", "--cache-dir", cache, "--json", "-"];
    single.extend(images.iter().map(String::as_str));
    let whole = plummet(&single);
    let n = 3;
    let outs: Vec<PathBuf> = (1..=n)
        .map(|i| dir.path().join(format!("shard{i}.json")))
        .collect();
    let children: Vec<_> = outs
        .iter()
        .enumerate()
        .map(|(i, out)| {
            Command::new(env!("CARGO_BIN_EXE_plummet"))
                .args(["scan", "-q", "--cache-dir", cache, "--shard"])
                .arg(format!("{}/{n}", i + 1))
                .arg("--json")
                .arg(out)
                .args(&images)
                .stdout(std::process::Stdio::null())
                .spawn()
                .unwrap()
        })
        .collect();
    let mut counted = 0;
    for (child, out) in children.into_iter().zip(&outs) {
        assert!(child.wait_with_output().unwrap().status.code().unwrap() <= 1);
        let shard: Value = serde_json::from_slice(&std::fs::read(out).unwrap()).unwrap();
        counted += shard["images"].as_array().unwrap().len();
    }
    assert_eq!(counted, images.len(), "every image in exactly one shard");
    let mut merge = vec!["scan", "--json", "-", "--merge"];
    merge.extend(outs.iter().map(|p| p.to_str().unwrap()));
    let merged = plummet(&merge);
    assert_eq!(
        merged.status.code(),
        whole.status.code(),
        "{}",
        stderr(&merged)
    );
    assert_eq!(json(&merged), json(&whole));
    // Garbage is refused with the file's name.
    let bad = dir.path().join("bad.json");
    std::fs::write(&bad, "{\"images\": 3}").unwrap();
    let o = plummet(&["scan", "--merge", bad.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("bad.json"), "{}", stderr(&o));
}

#[test]
fn the_cache_stays_within_its_bound() {
    let dir = tempfile::tempdir().unwrap();
    let images = fleet(dir.path(), 4);
    let cache = dir.path().join("cache");
    // Room for about two of the five entries.
    let mut args = vec![
        "scan",
        "-q",
        "--cache-dir",
        cache.to_str().unwrap(),
        "--cache-max-size",
        "1500B",
    ];
    args.extend(images.iter().map(String::as_str));
    let o = plummet(&args);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let sizes: Vec<u64> = std::fs::read_dir(&cache)
        .unwrap()
        .map(|e| e.unwrap().metadata().unwrap().len())
        .collect();
    assert!(sizes.iter().sum::<u64>() <= 1500, "{sizes:?}");
    assert!(!sizes.is_empty(), "the newest entries stay");
    let bad = plummet(&["scan", "--cache-max-size", "lots", &images[0]]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(
        stderr(&bad).contains("--cache-max-size"),
        "{}",
        stderr(&bad)
    );
}

#[test]
fn bad_scan_arguments_are_one_line_errors() {
    for (args, says) in [
        (vec!["scan"], "no images to scan"),
        (
            vec!["scan", "--from-file", "/nonexistent/list"],
            "/nonexistent/list",
        ),
        (vec!["scan", "--jobs", "0", "x.tar"], "--jobs 0"),
        (vec!["scan", "--shard", "5/4", "x.tar"], "--shard"),
        (
            vec!["scan", "--json", "-", "--jsonl", "-", "x.tar"],
            "standard output",
        ),
        (
            vec!["scan", "--no-cache", "--cache-dir", "/tmp/x", "x.tar"],
            "--no-cache",
        ),
    ] {
        let o = plummet(&args);
        assert_eq!(o.status.code(), Some(2), "{args:?}");
        let err = stderr(&o);
        assert!(
            err.contains(says) && err.lines().count() == 1,
            "{args:?}: {err}"
        );
    }
}
