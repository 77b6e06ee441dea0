//! BuildKit's provenance attestation read from OCI layouts (issue 16 §1): with no `--dockerfile`,
//! `ci`, `diff` and `fix` use the Dockerfile the attestation carries and say so; its step
//! locations map the layers the history cannot; a `--dockerfile` given wins and a difference is
//! said; a bad or oversized attestation is a warning naming its digest and the run goes on.
//! The layouts are generated in the structure BuildKit v0.11.6 writes (imagegen's
//! `provenance` module, checked against a real `buildctl` build).
#![expect(clippy::unwrap_used, reason = "tests fail on bad input")]

#[path = "tui_support/tmux.rs"]
#[expect(
    clippy::expect_used,
    clippy::panic,
    reason = "the helpers of a test fail it loudly"
)]
mod tmux;

use std::path::Path;
use std::process::Command;

use imagegen::provenance::{ProvenanceSpec, StepSpec, WrittenAttested, write_oci};
use imagegen::sink::{DirSink, TarSink};
use imagegen::{ImageSpec, LayerSpec, Op};

#[path = "cli_support/binary.rs"]
mod binary;
use binary::plummet;

const DOCKERFILE: &str = "FROM base:1\n\
COPY app /app\n\
RUN apt-get update && \\\n    apt-get install -y curl\n\
RUN rm -rf /var/lib/apt/lists/*\n\
CMD [\"/app/run\"]\n";

/// The image BuildKit would build from [`DOCKERFILE`]; its history's install RUN is recorded
/// with other text than the Dockerfile's (as a build argument or a rewritten line does), so
/// matching the history stops there and only the provenance maps the layers below it.
fn image() -> ImageSpec {
    ImageSpec::new(
        "prov16/app",
        vec![
            LayerSpec::new(vec![Op::text("bin/sh", 2_000)]),
            LayerSpec::new(vec![Op::text("app/run", 300)]),
            LayerSpec::new(vec![
                Op::random("var/lib/apt/lists/deb_bookworm_Packages", 200_000),
                Op::text("usr/bin/curl", 5_000),
            ]),
            LayerSpec::new(vec![Op::whiteout("var/lib/apt/lists/deb_bookworm_Packages")]),
        ],
    )
    .history(&[
        ("/bin/sh -c #(nop) ADD file:0a in / ", false),
        ("COPY app /app # buildkit", false),
        (
            "RUN |1 MIRROR=x /bin/sh -c apt-get -o Acquire::x=1 update && apt-get install -y curl # buildkit",
            false,
        ),
        ("RUN /bin/sh -c rm -rf /var/lib/apt/lists/* # buildkit", false),
        ("CMD [\"/app/run\"]", true),
    ])
}

fn provenance() -> ProvenanceSpec {
    ProvenanceSpec {
        filename: "Dockerfile".into(),
        dockerfile: DOCKERFILE.into(),
        steps: vec![
            StepSpec::from_image("docker-image://docker.io/library/base:1", 1, 1),
            StepSpec::local("context"),
            StepSpec::copy(2, 2),
            StepSpec::run(
                &[
                    "/bin/sh",
                    "-c",
                    "apt-get update &&     apt-get install -y curl",
                ],
                3,
                4,
                3,
            ),
            StepSpec::run(&["/bin/sh", "-c", "rm -rf /var/lib/apt/lists/*"], 5, 5, 4),
        ],
    }
}

/// Writes the layout as a tar at `path`, with the statement replaced when given.
fn write_tar(path: &Path, statement: Option<&[u8]>) -> WrittenAttested {
    let file = std::fs::File::create(path).unwrap();
    let mut sink = TarSink::new(file);
    let written = write_oci(&image(), &provenance(), statement, &mut sink).unwrap();
    sink.finish().unwrap();
    written
}

fn json(dir: &Path, args: &[&str]) -> (serde_json::Value, String) {
    let mut all = vec!["ci", "--json", "out.json", "--quiet"];
    all.extend_from_slice(args);
    let out = plummet(&all, dir);
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.code().is_some_and(|c| c < 2), "{stderr}");
    let text = std::fs::read_to_string(dir.join("out.json")).unwrap();
    (serde_json::from_str(&text).unwrap(), stderr)
}

#[test]
fn ci_maps_layers_by_the_provenance_dockerfile_and_says_where_it_came_from() {
    let dir = tempfile::tempdir().unwrap();
    let written = write_tar(&dir.path().join("app.tar"), None);
    let (report, stderr) = json(dir.path(), &["oci-archive:app.tar"]);
    let d = &report["dockerfile"];
    assert_eq!(d["source"], "provenance", "{d}");
    assert_eq!(d["path"], "Dockerfile");
    assert_eq!(d["mapped_layers"], 4);
    assert_eq!(
        d["provenance"]["attestation"],
        format!("sha256:{}", written.attestation)
    );
    assert_eq!(d["provenance"]["same_as_used"], true);
    let lines: Vec<_> = report["layers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            (
                l["dockerfile_line"].clone(),
                l["dockerfile_line_method"].clone(),
            )
        })
        .collect();
    let p = |n: u64| (serde_json::json!(n), serde_json::json!("provenance"));
    assert_eq!(lines, [p(1), p(2), p(3), p(5)]);
    assert!(stderr.is_empty(), "{stderr}");
    // The text report says it too, and the finding about the lists names the installing line.
    let out = plummet(&["ci", "--quiet", "oci-archive:app.tar"], dir.path());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains(
            "Dockerfile Dockerfile (4 of 4 layers mapped: 4 by provenance, 0 by history)"
        ),
        "{text}"
    );
    assert!(
        text.contains(&format!(
            "  from: Dockerfile, from the image's provenance attestation sha256:{} (no --dockerfile given)",
            written.attestation
        )),
        "{text}"
    );
    // The layout as a directory reads the same.
    let layout = dir.path().join("layout");
    write_oci(
        &image(),
        &provenance(),
        None,
        &mut DirSink::new(&layout).unwrap(),
    )
    .unwrap();
    let (report, _) = json(dir.path(), &["oci:layout"]);
    assert_eq!(report["dockerfile"]["source"], "provenance");
    assert_eq!(report["layers"][2]["dockerfile_line"], 3);
}

#[test]
fn a_given_dockerfile_wins_and_a_difference_is_said() {
    let dir = tempfile::tempdir().unwrap();
    write_tar(&dir.path().join("app.tar"), None);
    // The same file: the provenance still maps it exactly.
    std::fs::write(dir.path().join("Dockerfile"), DOCKERFILE).unwrap();
    let (report, _) = json(
        dir.path(),
        &["oci-archive:app.tar", "--dockerfile", "Dockerfile"],
    );
    let d = &report["dockerfile"];
    assert_eq!(
        (d["source"].clone(), d["provenance"]["same_as_used"].clone()),
        ("file".into(), true.into())
    );
    assert_eq!(report["layers"][2]["dockerfile_line_method"], "provenance");
    // Another file: the history alone maps it, and both the report and stderr say why.
    let other = DOCKERFILE.replace("CMD [\"/app/run\"]", "USER app\nCMD [\"/app/run\"]");
    std::fs::write(dir.path().join("Other.Dockerfile"), &other).unwrap();
    let (report, stderr) = json(
        dir.path(),
        &["oci-archive:app.tar", "--dockerfile", "Other.Dockerfile"],
    );
    let d = &report["dockerfile"];
    assert_eq!(d["source"], "file");
    assert_eq!(d["path"], "Other.Dockerfile");
    assert_eq!(d["provenance"]["same_as_used"], false);
    assert!(
        d["notes"].as_array().unwrap().iter().any(|n| n
            .as_str()
            .unwrap()
            .starts_with("differs from the Dockerfile in the image's provenance attestation")),
        "{d}"
    );
    assert!(stderr.contains("differs from the Dockerfile"), "{stderr}");
    assert_ne!(report["layers"][3]["dockerfile_line_method"], "provenance");
}

#[test]
fn fix_without_dockerfile_rewrites_the_provenance_one() {
    let dir = tempfile::tempdir().unwrap();
    write_tar(&dir.path().join("app.tar"), None);
    let out = plummet(
        &["fix", "oci-archive:app.tar", "-o", "out", "--quiet"],
        dir.path(),
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("--- a/Dockerfile"), "{stdout}");
    assert!(
        stdout.contains("Dockerfile: Dockerfile, from the image's provenance attestation"),
        "{stdout}"
    );
    let fixed = std::fs::read_to_string(dir.path().join("out/Dockerfile")).unwrap();
    // The later cleanup is merged into the RUN that made the lists (line 3 of the provenance's
    // Dockerfile), which the history alone could not find.
    let install = fixed
        .split("\nRUN ")
        .find(|run| run.contains("apt-get install -y curl"))
        .unwrap();
    assert!(install.contains("rm -rf /var/lib/apt/lists/*"), "{fixed}");
    assert_eq!(
        fixed.matches("rm -rf /var/lib/apt/lists/*").count(),
        1,
        "{fixed}"
    );
    // An image without a provenance attestation still needs --dockerfile.
    let plain = dir.path().join("plain.tar");
    imagegen::write_tar_file(&image(), imagegen::Form::Oci, &plain).unwrap();
    let out = plummet(
        &["fix", "oci-archive:plain.tar", "-o", "out2", "--quiet"],
        dir.path(),
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains(
            "--dockerfile PATH (the image carries no provenance attestation with its Dockerfile)"
        ),
        "{stderr}"
    );
}

#[test]
fn diff_uses_image_b_s_provenance_dockerfile() {
    let dir = tempfile::tempdir().unwrap();
    write_tar(&dir.path().join("app.tar"), None);
    let plain = dir.path().join("plain.tar");
    imagegen::write_tar_file(&image(), imagegen::Form::Oci, &plain).unwrap();
    let out = plummet(
        &[
            "diff",
            "oci-archive:plain.tar",
            "oci-archive:app.tar",
            "--quiet",
        ],
        dir.path(),
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.code().is_some_and(|c| c < 2), "{text}");
    // B's layers carry their Dockerfile lines.
    assert!(text.contains("[line 3] RUN"), "{text}");
}

/// Each bad attestation: a warning naming the attestation's digest, and the report without it.
#[test]
fn bad_attestations_are_warnings_and_the_analysis_goes_on() {
    let dir = tempfile::tempdir().unwrap();
    let big = vec![b' '; 17 << 20];
    let cases: [(&str, &[u8], &str); 4] = [
        ("malformed", b"{\"_type\": ", "malformed statement"),
        (
            "wrong subject",
            br#"{"_type":"https://in-toto.io/Statement/v0.1","predicateType":"https://slsa.dev/provenance/v0.2","subject":[{"digest":{"sha256":"00"}}],"predicate":{}}"#,
            "not about this image",
        ),
        ("oversized", &big, "more than the 16777216 read"),
        (
            "hostile",
            b"{\"_type\":\"\x1b[31m\xff\"}",
            "malformed statement",
        ),
    ];
    for (name, statement, why) in cases {
        let tar = dir.path().join(format!("{}.tar", name.replace(' ', "_")));
        let written = write_tar(&tar, Some(statement));
        let (report, stderr) = json(dir.path(), &[&format!("oci-archive:{}", tar.display())]);
        assert!(
            stderr.contains(&format!("attestation sha256:{}", written.attestation))
                && stderr.contains(why)
                && stderr.contains("going on without it")
                && !stderr.contains('\x1b'),
            "{name}: {stderr}"
        );
        assert_eq!(stderr.trim().lines().count(), 1, "{name}: {stderr}");
        assert!(report.get("dockerfile").is_none(), "{name}");
        assert_eq!(report["layers"].as_array().unwrap().len(), 4, "{name}");
    }
}

/// The real binary's UI in tmux, no `--dockerfile`: the layer details give the line from the
/// attestation's Dockerfile and say where it came from.
#[test]
fn the_ui_shows_lines_from_the_provenance_dockerfile() {
    if Command::new("tmux").arg("-V").output().is_err() {
        return tmux::skip("provenance ui", "tmux is not installed");
    }
    let dir = tempfile::tempdir().unwrap();
    let tar = dir.path().join("app.tar");
    write_tar(&tar, None);
    let arg = format!("oci-archive:{}", tar.display());
    let session = tmux::Session::start(
        "prov16",
        Path::new(env!("CARGO_BIN_EXE_plummet")),
        &[Path::new(&arg)],
    );
    session.wait_for("Layers (at 0 of");
    session.keys(&["j", "j"]);
    // The details pane wraps the row: its parts are on the screen.
    session.wait_for_all(&["Dockerfile:3 (from", "provenance"]);
    session.keys(&["q"]);
    assert_eq!(session.wait_for_exit(), "0");
}
