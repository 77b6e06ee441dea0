//! Archive integration tests: every imagegen scenario, written in every archive form and
//! compression, loaded by plummet and analyzed, must agree with imagegen's independent oracle;
//! multi-platform layouts are chosen by platform; broken archives are one-line errors.
#![expect(clippy::unwrap_used, reason = "tests fail on bad input")]

use std::path::{Path, PathBuf};

use imagegen::sink::TarSink;
use imagegen::{Breakage, Compression, Form, ImageSpec, broken_oci, expected, oci, scenarios};
use plummet::analysis::{Analysis, analyze};
use plummet::image::{Image, Platform, Progress};
use plummet::source::archive::{self, ArchiveKind};
use plummet::source::{LoadOptions, SourceError};

/// The default options with the analysis's capture rule, as `pipeline::inspect` reads images:
/// the findings that need a file's content (private keys, dev dependencies) depend on it.
fn analyzed() -> LoadOptions {
    let mut options = LoadOptions::default();
    options.index.capture = plummet::analysis::CAPTURE;
    options
}

fn load(path: &Path, options: &LoadOptions) -> Result<Analysis, SourceError> {
    let mut options = options.clone();
    options.index.capture = plummet::analysis::CAPTURE;
    let image = archive::load(path, None, None, &options, &Progress::default())?;
    Ok(analyze(&image))
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-9
}

/// Compares the analysis with the oracle; returns the differences, one per line.
fn compare(label: &str, spec: &ImageSpec, image: &Image, findings: bool) -> Vec<String> {
    let analysis = &analyze(image);
    let want = expected(spec);
    let mut diffs = Vec::new();
    let mut check = |what: &str, ok: bool, got: String, want: String| {
        if !ok {
            diffs.push(format!("{label}: {what}: got {got}, want {want}"));
        }
    };
    let a = analysis;
    check(
        "size_bytes",
        a.size_bytes == want.size_bytes,
        a.size_bytes.to_string(),
        want.size_bytes.to_string(),
    );
    check(
        "user_size_bytes",
        a.user_size_bytes == want.user_size_bytes,
        a.user_size_bytes.to_string(),
        want.user_size_bytes.to_string(),
    );
    check(
        "wasted_bytes",
        a.wasted_bytes == want.wasted_bytes,
        a.wasted_bytes.to_string(),
        want.wasted_bytes.to_string(),
    );
    check(
        "efficiency",
        close(a.efficiency, want.efficiency),
        a.efficiency.to_string(),
        want.efficiency.to_string(),
    );
    check(
        "user_wasted_ratio",
        close(a.user_wasted_ratio, want.user_wasted_ratio),
        a.user_wasted_ratio.to_string(),
        want.user_wasted_ratio.to_string(),
    );
    check(
        "reclaimable_bytes",
        a.reclaimable_bytes == want.reclaimable_bytes,
        a.reclaimable_bytes.to_string(),
        want.reclaimable_bytes.to_string(),
    );
    check(
        "runs_as_root",
        a.runs_as_root == want.runs_as_root,
        a.runs_as_root.to_string(),
        want.runs_as_root.to_string(),
    );
    let got_layers: Vec<(u64, u64)> = a
        .layers
        .iter()
        .map(|l| (l.size_bytes, l.file_count as u64))
        .collect();
    let want_layers: Vec<(u64, u64)> = want
        .layers
        .iter()
        .map(|l| (l.size_bytes, l.file_count))
        .collect();
    check(
        "layers (size, files)",
        got_layers == want_layers,
        format!("{got_layers:?}"),
        format!("{want_layers:?}"),
    );
    if findings {
        diffs.extend(missing_findings(label, spec, image, analysis));
    }
    diffs
}

/// Oracle findings (kind, layer, path) that the analysis does not report.
fn missing_findings(
    label: &str,
    spec: &ImageSpec,
    image: &Image,
    analysis: &Analysis,
) -> Vec<String> {
    let got: Vec<(String, Option<usize>, String)> = analysis
        .findings
        .iter()
        .map(|f| {
            (
                f.kind.name().to_string(),
                f.layer,
                image.tree.paths.display(f.node),
            )
        })
        .collect();
    expected(spec)
        .findings
        .iter()
        .filter_map(|f| {
            let kind = serde_json::to_value(f.kind)
                .unwrap()
                .as_str()
                .unwrap()
                .to_string();
            let path = String::from_utf8_lossy(&f.path.0).into_owned();
            let found = got
                .iter()
                .any(|(k, l, p)| *k == kind && *l == f.layer && (f.layer.is_none() || *p == path));
            (!found).then(|| {
                format!(
                    "{label}: missing finding {kind} at {path} (layer {:?}); got {got:?}",
                    f.layer
                )
            })
        })
        .collect()
}

/// Loads, analyzes and compares.
fn check(label: &str, spec: &ImageSpec, path: &Path, findings: bool) -> Vec<String> {
    match archive::load(path, None, None, &analyzed(), &Progress::default()) {
        Ok(image) => compare(label, spec, &image, findings),
        Err(e) => vec![format!("{label}: failed to load: {e}")],
    }
}

fn variants(spec: &ImageSpec) -> Vec<(Form, &'static str, ImageSpec)> {
    let mut out = Vec::new();
    for form in Form::ALL {
        out.push((form, "plain", spec.clone()));
        out.push((form, "gzip", spec.clone().compressed(Compression::Gzip)));
        out.push((form, "zstd", spec.clone().compressed(Compression::Zstd)));
    }
    out
}

/// Writes every scenario in every form and compression (tars, and layouts as directories),
/// and compares each load with the oracle.
fn check_all(findings: bool) -> Vec<String> {
    let dir = tempfile::tempdir().unwrap();
    let mut diffs = Vec::new();
    let mut loaded = 0;
    for (name, spec) in scenarios::scenarios() {
        for (form, compression, spec) in variants(&spec) {
            let label = format!("{name}.{}.{compression}", form.suffix());
            let tar = dir.path().join(format!("{label}.tar"));
            imagegen::write_tar_file(&spec, form, &tar).unwrap();
            diffs.extend(check(&label, &spec, &tar, findings));
            loaded += 1;
            if form != Form::DockerLegacy {
                let layout = dir.path().join(format!("{label}.dir"));
                imagegen::write_dir(&spec, form, &layout).unwrap();
                diffs.extend(check(&format!("{label}.dir"), &spec, &layout, findings));
                loaded += 1;
            }
        }
    }
    assert!(loaded > 50, "only {loaded} archives");
    diffs
}

#[test]
fn every_scenario_in_every_form_matches_the_oracle_figures() {
    let diffs = check_all(false);
    assert!(
        diffs.is_empty(),
        "{} differences:\n{}",
        diffs.len(),
        diffs.join("\n")
    );
}

#[test]
fn every_scenario_in_every_form_reports_the_oracle_findings() {
    let diffs = check_all(true);
    assert!(
        diffs.is_empty(),
        "{} differences:\n{}",
        diffs.len(),
        diffs.join("\n")
    );
}

fn multi_platform_tar(dir: &Path, nested: bool) -> PathBuf {
    let path = dir.join(format!("multi-{nested}.tar"));
    let file = std::io::BufWriter::new(std::fs::File::create(&path).unwrap());
    let mut tar = TarSink::new(file);
    oci::write_oci_multi(&scenarios::multi_platform(), "latest", nested, &mut tar).unwrap();
    tar.finish().unwrap();
    path
}

#[test]
fn multi_platform_layouts_are_chosen_by_platform() {
    let dir = tempfile::tempdir().unwrap();
    let specs = scenarios::multi_platform();
    for nested in [true, false] {
        let path = multi_platform_tar(dir.path(), nested);
        for (platform, spec) in [
            ("linux/amd64", &specs[0]),
            ("linux/arm64", &specs[1]),
            ("linux/arm64/v8", &specs[1]),
        ] {
            let options = LoadOptions {
                platform: Some(Platform::parse(platform).unwrap()),
                ..LoadOptions::default()
            };
            let image = archive::load(
                &path,
                Some(ArchiveKind::OciArchive),
                Some("latest"),
                &options,
                &Progress::default(),
            )
            .unwrap();
            let marker = format!("platform/{}", spec.config.architecture);
            assert!(
                image.tree.paths.find(marker.as_bytes()).is_some(),
                "{platform} nested={nested}"
            );
            let diffs = compare(platform, spec, &image, true);
            assert!(diffs.is_empty(), "{diffs:?}");
        }
        let options = LoadOptions {
            platform: Some(Platform::parse("linux/s390x").unwrap()),
            ..LoadOptions::default()
        };
        let err = load(&path, &options).unwrap_err().to_string();
        assert!(
            err.contains("linux/amd64") && err.contains("linux/arm64/v8") && err.contains("s390x"),
            "{err}"
        );
    }
}

#[test]
fn broken_archives_are_one_line_errors() {
    let dir = tempfile::tempdir().unwrap();
    let basic = scenarios::scenarios()
        .into_iter()
        .find(|(n, _)| *n == "basic")
        .unwrap()
        .1;
    for breakage in Breakage::ALL {
        let path = dir.path().join(format!("{}.tar", breakage.name()));
        std::fs::write(&path, broken_oci(&basic, breakage).unwrap()).unwrap();
        let err = match load(&path, &LoadOptions::default()) {
            Ok(_) => panic!("{} loaded", breakage.name()),
            Err(e) => e.to_string(),
        };
        assert!(!err.contains('\n'), "{}: {err}", breakage.name());
        // A flipped deflate byte may decode to garbage that the tar reader trips on before the
        // gzip checksum is reached, so corrupt layers are only required to name the layer.
        let hint = match breakage {
            Breakage::WrongDigest => "digest mismatch",
            Breakage::Truncated => "truncated",
            Breakage::CorruptGzip | Breakage::CorruptZstd => "failed to read layer 0 (sha256:",
            Breakage::MissingBlob => "missing",
            Breakage::MalformedManifest => "malformed JSON",
            Breakage::UnknownMediaType => "media type",
        };
        assert!(err.contains(hint), "{}: {err}", breakage.name());
    }
}
