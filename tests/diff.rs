//! `plummet diff` end to end: pairs of generated image archives with known differences, the
//! expected figures computed by imagegen's independent oracle.
#![expect(clippy::unwrap_used, reason = "tests fail on bad input")]

use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Command, Output};

use imagegen::spec::{Content, ImageSpec, LayerSpec, Op};
use imagegen::{Form, expected};
use serde_json::Value;

/// The binary under test; `PLUMMET_BIN` overrides it (a target directory shared between
/// worktrees can hold another worktree's `plummet` at the moment the tests run).
fn bin() -> std::ffi::OsString {
    std::env::var_os("PLUMMET_BIN").unwrap_or_else(|| env!("CARGO_BIN_EXE_plummet").into())
}

fn plummet(args: &[&str]) -> Output {
    Command::new(bin())
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .unwrap()
}

/// `plummet diff A B --json -`, which must pass (exit 0); its JSON.
fn diff_json(a: &str, b: &str) -> Value {
    let out = plummet(&["diff", a, b, "--json", "-", "--quiet"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

fn base() -> LayerSpec {
    LayerSpec::new(vec![
        Op::dir("/etc"),
        Op::text("/etc/os-release", 300),
        Op::dir("/bin"),
        Op::random("/bin/sh", 20_000).mode(0o755),
    ])
}

fn app(main_js: u64) -> LayerSpec {
    LayerSpec::new(vec![
        Op::dir("/app"),
        Op::text("/app/main.js", main_js),
        Op::file("/app/data.bin", 4096, Content::Zeros),
    ])
}

fn write(dir: &Path, name: &str, spec: &ImageSpec) -> String {
    let path = dir.join(format!("{name}.tar"));
    imagegen::write_tar_file(spec, Form::DockerLegacy, &path).unwrap();
    path.display().to_string()
}

/// What the oracle knows of a final file: kind, size, mode and the SHA-256 of its bytes.
type FileFacts = (String, u64, u32, Option<[u8; 32]>);

/// Non-directory paths of the oracle's final filesystem with their sizes and content digests.
fn final_files(spec: &ImageSpec) -> BTreeMap<String, FileFacts> {
    expected(spec)
        .files
        .into_iter()
        .filter(|f| format!("{:?}", f.kind) != "Dir")
        .map(|f| {
            let path = String::from_utf8_lossy(&f.path.0).into_owned();
            (path, (format!("{:?}", f.kind), f.size, f.mode, f.content))
        })
        .collect()
}

/// `path -> (change, bytes_a, bytes_b)` from the two oracles.
fn naive_files(a: &ImageSpec, b: &ImageSpec) -> BTreeMap<String, (String, u64, u64)> {
    let (fa, fb) = (final_files(a), final_files(b));
    let mut out = BTreeMap::new();
    for path in fa.keys().chain(fb.keys()) {
        let (x, y) = (fa.get(path), fb.get(path));
        let change = match (x, y) {
            (Some(x), Some(y)) if x == y => continue,
            (Some(_), Some(_)) => "changed",
            (None, _) => "added",
            (_, None) => "removed",
        };
        let bytes = |v: Option<&FileFacts>| v.map_or(0, |v| v.1);
        out.insert(path.clone(), (change.to_string(), bytes(x), bytes(y)));
    }
    out
}

fn json_files(v: &Value) -> BTreeMap<String, (String, u64, u64)> {
    v["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["path"].as_str().unwrap().to_string(),
                (
                    f["change"].as_str().unwrap().to_string(),
                    f["bytes_a"].as_u64().unwrap(),
                    f["bytes_b"].as_u64().unwrap(),
                ),
            )
        })
        .collect()
}

#[test]
fn a_pair_sharing_a_base_matches_the_oracle() {
    let dir = tempfile::tempdir().unwrap();
    let a = ImageSpec::new("app", vec![base(), app(1000)]);
    let mut b = ImageSpec::new("app", vec![base(), app(2500)]);
    b.layers.push(LayerSpec::new(vec![
        Op::dir("/app/.git"),
        Op::random("/app/.git/pack", 30_000),
        Op::whiteout("/app/data.bin"),
    ]));
    let (pa, pb) = (write(dir.path(), "a", &a), write(dir.path(), "b", &b));
    let v = diff_json(&pa, &pb);
    let statuses: Vec<_> = v["layers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["status"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(statuses, ["shared", "changed", "added"]);
    let (ea, eb) = (expected(&a), expected(&b));
    assert_eq!(
        v["summary"]["size_delta"].as_i64().unwrap(),
        eb.size_bytes as i64 - ea.size_bytes as i64
    );
    assert_eq!(v["a"]["size_bytes"].as_u64().unwrap(), ea.size_bytes);
    assert!((v["b"]["efficiency"].as_f64().unwrap() - eb.efficiency).abs() < 1e-12);
    assert_eq!(json_files(&v), naive_files(&a, &b));
    let added: Vec<_> = v["findings_added"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["kind"].as_str().unwrap(), f["path"].as_str().unwrap()))
        .collect();
    assert_eq!(added, [("git", "/app/.git")]);
}

#[test]
fn a_same_size_rewrite_is_a_changed_file() {
    let dir = tempfile::tempdir().unwrap();
    let layer = |seed: u64| {
        LayerSpec::new(vec![
            Op::dir("/app"),
            Op::file("/app/config.bin", 5000, Content::Random(seed)),
            Op::hardlink("/app/config.link", "/app/config.bin"),
            Op::file("/app/same.bin", 5000, Content::Random(99)),
        ])
    };
    let a = ImageSpec::new("app", vec![base(), layer(1)]);
    let b = ImageSpec::new("app", vec![base(), layer(2)]);
    let (pa, pb) = (write(dir.path(), "a", &a), write(dir.path(), "b", &b));
    let v = diff_json(&pa, &pb);
    let files = json_files(&v);
    assert_eq!(files, naive_files(&a, &b));
    let changed = ("changed".to_string(), 5000, 5000);
    assert_eq!(files.get("/app/config.bin"), Some(&changed));
    assert!(!files.contains_key("/app/same.bin"));
    let aspects: Vec<_> = v["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["path"].as_str().unwrap(), f["aspects"].clone()))
        .collect();
    assert_eq!(
        aspects,
        [
            ("/app/config.bin", serde_json::json!(["content"])),
            ("/app/config.link", serde_json::json!(["content"])),
        ]
    );
}

#[test]
fn identical_images_pass_every_rule() {
    let dir = tempfile::tempdir().unwrap();
    let spec = ImageSpec::new("same", vec![base(), app(1000)]);
    let (pa, pb) = (write(dir.path(), "a", &spec), write(dir.path(), "b", &spec));
    let out = plummet(&[
        "diff",
        &pa,
        &pb,
        "--quiet",
        "--json",
        "-",
        "--max-growth",
        "0",
        "--no-efficiency-drop",
        "--no-new-findings",
        "any",
    ]);
    assert_eq!(out.status.code(), Some(0));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(v["files"].as_array().unwrap().is_empty());
    assert!(
        v["layers"]
            .as_array()
            .unwrap()
            .iter()
            .all(|l| l["status"] == "shared")
    );
    assert_eq!(v["passed"], true);
}

#[test]
fn growth_past_the_limit_fails_with_exit_1_and_markdown_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let a = ImageSpec::new("a", vec![base()]);
    let b = ImageSpec::new("b", vec![base(), app(5000)]);
    let (pa, pb) = (write(dir.path(), "a", &a), write(dir.path(), "b", &b));
    let md = dir.path().join("pr.md");
    let out = plummet(&[
        "diff",
        &pa,
        &pb,
        "--quiet",
        "--max-growth",
        "1%",
        "--markdown",
        md.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("FAIL  maxGrowth"), "{text}");
    let markdown = std::fs::read_to_string(md).unwrap();
    assert!(markdown.contains("❌ fail") && markdown.contains("| maxGrowth | ❌ fail |"));
}

#[test]
fn errors_exit_2_and_name_the_problem() {
    let out = plummet(&[
        "diff",
        "/nonexistent/a.tar",
        "/nonexistent/b.tar",
        "--quiet",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("/nonexistent/"));
    let out = plummet(&["diff", "a.tar", "b.tar", "--max-growth", "lots"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--max-growth"));
    let out = plummet(&["diff", "a.tar", "b.tar", "--no-new-findings", "gti"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("\"gti\""));
}

/// With `--dockerfile` (B's), the text and Markdown layer tables show the Dockerfile line
/// of each B layer, as `plummet ci`'s do; A's removed layers and unmapped ones show none.
#[test]
fn dockerfile_lines_in_the_text_and_markdown_layer_tables() {
    let dir = tempfile::tempdir().unwrap();
    let history = [
        ("ADD rootfs.tar /", false),
        ("COPY app /app", false),
        ("RUN git clone https://example.com/app.git /app/.git", false),
    ];
    let a = ImageSpec::new("a", vec![base(), app(1000)]).history(&history[..2]);
    let mut b = ImageSpec::new("b", vec![base(), app(2500)]);
    b.layers.push(LayerSpec::new(vec![
        Op::dir("/app/.git"),
        Op::random("/app/.git/pack", 3_000),
    ]));
    let b = b.history(&history);
    let (pa, pb) = (write(dir.path(), "a", &a), write(dir.path(), "b", &b));
    let dockerfile = dir.path().join("Dockerfile");
    std::fs::write(
        &dockerfile,
        "FROM scratch\nADD rootfs.tar /\n\n# the app\nCOPY app /app\n\
         RUN git clone https://example.com/app.git /app/.git\n",
    )
    .unwrap();
    let md = dir.path().join("pr.md");
    let out = plummet(&[
        "diff",
        &pa,
        &pb,
        "--quiet",
        "--dockerfile",
        dockerfile.to_str().unwrap(),
        "--markdown",
        md.to_str().unwrap(),
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    let rows: Vec<&str> = text
        .lines()
        .skip_while(|l| !l.starts_with("Layers"))
        .skip(2)
        .take(3)
        .collect();
    assert!(rows[0].ends_with("[line 2] ADD rootfs.tar /"), "{text}");
    assert!(rows[1].ends_with("[line 5] COPY app /app"), "{text}");
    assert!(rows[2].contains("[line 6] RUN git clone"), "{text}");
    let markdown = std::fs::read_to_string(md).unwrap();
    for row in [
        "| shared | 0 | 0 (line 2) |",
        "| changed | 1 | 1 (line 5) |",
        "| added | – | 2 (line 6) |",
    ] {
        assert!(markdown.contains(row), "{row} in {markdown}");
    }

    // Without --dockerfile the tables are as before: no line anywhere.
    let out = plummet(&["diff", &pa, &pb, "--quiet"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(!text.contains("[line "), "{text}");
}
