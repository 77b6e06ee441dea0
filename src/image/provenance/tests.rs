//! The statement parser on statements in BuildKit's structure (imagegen's generator mirrors
//! BuildKit v0.11.6) and on bad ones: each is a clear error, never a panic.

use imagegen::LayerBlob;
use imagegen::provenance::{ProvenanceSpec, StepSpec, statement};

use super::*;

fn hex(n: u8) -> String {
    format!("{n:02x}").repeat(32)
}

fn blobs(n: u8) -> Vec<LayerBlob> {
    (1..=n)
        .map(|i| LayerBlob {
            digest: hex(i),
            size: 100 + u64::from(i),
            diff_id: hex(i + 100),
            media_type: "application/vnd.oci.image.layer.v1.tar+gzip",
        })
        .collect()
}

const DOCKERFILE: &str = "FROM alpine:3.19\nCOPY app /app\nRUN apk add --no-cache \\\n    curl\n";

fn spec() -> ProvenanceSpec {
    ProvenanceSpec {
        filename: "Dockerfile".into(),
        dockerfile: DOCKERFILE.into(),
        steps: vec![
            StepSpec::from_image("docker-image://docker.io/library/alpine:3.19", 1, 1),
            StepSpec::local("context"),
            StepSpec::copy(2, 2),
            StepSpec::run(&["/bin/sh", "-c", "apk add --no-cache curl"], 3, 4, 3),
        ],
    }
}

fn subject() -> Digest {
    Digest::parse(&format!("sha256:{}", hex(0xaa))).unwrap()
}

#[test]
fn reads_the_dockerfile_steps_and_layer_chains() {
    let bytes = statement(&spec(), &hex(0xaa), &blobs(3));
    let p = parse(&bytes, &subject()).unwrap();
    assert_eq!(p.predicate_type, SLSA_V02);
    assert_eq!(p.frontend.as_deref(), Some("dockerfile.v0"));
    // BuildKit leaves `configSource` empty unless the build named a `filename`.
    assert_eq!(p.entry_point, None);
    let (index, file) = p.dockerfile().unwrap();
    assert_eq!((index, file.filename.as_str()), (0, "Dockerfile"));
    assert_eq!(file.data, DOCKERFILE.as_bytes());
    // Four steps and the final vertex, in the definition's order.
    assert_eq!(p.steps.len(), 5);
    assert_eq!(
        p.steps[0].kind,
        StepKind::Source("docker-image://docker.io/library/alpine:3.19".into())
    );
    assert_eq!(p.steps[2].kind, StepKind::File);
    assert_eq!(p.steps[3].kind, StepKind::Exec);
    assert_eq!(p.steps[4].kind, StepKind::Other);
    // A RUN continued over two lines: a range per line, as BuildKit writes it.
    let range = |l| LineRange {
        source: 0,
        first: l,
        last: l,
    };
    assert_eq!(p.steps[3].ranges, vec![range(3), range(4)]);
    let chain = &p.steps[3].layers[0];
    assert_eq!(chain.0, 0);
    assert_eq!(chain.1.len(), 3);
    assert_eq!(chain.1[2].to_string(), format!("sha256:{}", hex(3)));
    assert!(p.steps[1].layers.is_empty() && p.steps[1].ranges.is_empty());
}

#[test]
fn reads_slsa_v1_as_buildkit_0_13_writes_it() {
    let layer = format!("sha256:{}", hex(1));
    let text = serde_json::json!({
        "_type": "https://in-toto.io/Statement/v0.1",
        "predicateType": SLSA_V1,
        "subject": [{"name": "x", "digest": {"sha256": hex(0xaa)}}],
        "predicate": {
            "buildDefinition": {
                "buildType": "https://github.com/moby/buildkit/blob/master/docs/attestations/slsa-definitions.md",
                "externalParameters": {
                    "configSource": {"path": "build.Dockerfile"},
                    "request": {"frontend": "dockerfile.v0", "args": {"target": "final"}}
                },
                "internalParameters": {
                    "buildConfig": {"llbDefinition": [{"id": "step0", "op": {"Op": {"Source": {"identifier": "docker-image://x"}}}}]},
                    "builderPlatform": "linux/amd64"
                }
            },
            "runDetails": {
                "builder": {"id": ""},
                "metadata": {
                    "invocationID": "abc",
                    "buildkit_metadata": {
                        "source": {
                            "locations": {"step0": {"locations": [{"ranges": [{"start": {"line": 1}, "end": {"line": 1}}]}]}},
                            "infos": [{"filename": "build.Dockerfile", "language": "Dockerfile", "data": "RlJPTSB4Cg=="}]
                        },
                        "layers": {"step0:0": [[{"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", "digest": layer, "size": 3}]]}
                    }
                }
            }
        }
    });
    let p = parse(text.to_string().as_bytes(), &subject()).unwrap();
    assert_eq!(p.predicate_type, SLSA_V1);
    assert_eq!(p.entry_point.as_deref(), Some("build.Dockerfile"));
    assert_eq!(p.target.as_deref(), Some("final"));
    assert_eq!(p.dockerfile().unwrap().1.data, b"FROM x\n");
    assert_eq!(p.steps[0].kind, StepKind::Source("docker-image://x".into()));
    assert_eq!(p.steps[0].layers[0].1[0].to_string(), layer);
}

#[test]
fn mode_min_has_no_dockerfile() {
    let text = serde_json::json!({
        "_type": "https://in-toto.io/Statement/v0.1",
        "predicateType": SLSA_V02,
        "subject": [{"digest": {"sha256": hex(0xaa)}}],
        "predicate": {"buildType": "https://mobyproject.org/buildkit@v1", "invocation": {"parameters": {"frontend": "dockerfile.v0"}}, "metadata": {}}
    });
    let p = parse(text.to_string().as_bytes(), &subject()).unwrap();
    assert!(p.dockerfile().is_none());
    assert!(p.steps.is_empty());
}

fn error(bytes: &[u8]) -> String {
    parse(bytes, &subject()).unwrap_err().to_string()
}

#[test]
fn bad_statements_are_errors_that_quote_little() {
    assert!(error(b"").contains("malformed statement"));
    assert!(error(b"[1,2]").contains("malformed statement"));
    let good = String::from_utf8(statement(&spec(), &hex(0xaa), &blobs(3))).unwrap();
    // Another image's statement.
    let other = good.replace(&hex(0xaa), &hex(0xbb));
    assert!(
        error(other.as_bytes()).contains("not about this image"),
        "{}",
        error(other.as_bytes())
    );
    // No subject at all, as BuildKit writes for an image built without a name: the index's
    // annotation is the link.
    let unnamed = good.replace(
        &format!(
            "[{{\"digest\":{{\"sha256\":\"{}\"}},\"name\":\"pkg:docker/prov/app@latest?platform=linux%2Famd64\"}}]",
            hex(0xaa)
        ),
        "[]",
    );
    assert_ne!(unnamed, good);
    assert!(parse(unnamed.as_bytes(), &subject()).is_ok());
    // Not in-toto.
    let e = error(
        good.replace("https://in-toto.io/Statement/v0.1", "x\\u001b[31m")
            .as_bytes(),
    );
    assert!(
        e.contains("not an in-toto statement") && !e.contains('\u{1b}'),
        "{e}"
    );
    // An SBOM is another predicate, told apart.
    let sbom = good.replace(SLSA_V02, "https://spdx.dev/Document");
    assert!(matches!(
        parse(sbom.as_bytes(), &subject()),
        Err(ProvenanceError::OtherPredicate(_))
    ));
    // A wrong type deep inside, with a long value: the message stays short and escaped.
    let long = "\\u001b".repeat(5000);
    let bad = good.replacen(
        "\"filename\":\"Dockerfile\"",
        &format!("\"filename\":[\"{long}\"]"),
        1,
    );
    let e = error(bad.as_bytes());
    assert!(e.len() < 400 && !e.contains('\u{1b}'), "{e}");
    let bad = good.replacen(
        "\"start\":{\"line\":3}",
        "\"start\":{\"line\":\"three\"}",
        1,
    );
    assert!(error(bad.as_bytes()).contains("malformed statement"));
    // Lines that are no lines, sources that are not there, digests that are no digests.
    let bad = good.replacen("\"start\":{\"line\":3}", "\"start\":{\"line\":-3}", 1);
    assert!(
        error(bad.as_bytes()).contains("not a line number"),
        "{}",
        error(bad.as_bytes())
    );
    let bad = good.replacen("{\"ranges\"", "{\"sourceIndex\":7,\"ranges\"", 1);
    assert!(
        error(bad.as_bytes()).contains("source index 7"),
        "{}",
        error(bad.as_bytes())
    );
    let bad = good.replacen(&format!("sha256:{}", hex(2)), "sha256:zz", 1);
    assert!(
        error(bad.as_bytes()).contains("malformed digest"),
        "{}",
        error(bad.as_bytes())
    );
    let bad = good.replacen("\"data\":\"", "\"data\":\"*", 1);
    assert!(
        error(bad.as_bytes()).contains("bad base64"),
        "{}",
        error(bad.as_bytes())
    );
    let bad = good.replacen("\"step2:0\":[[", "\"step2:x\":[[", 1);
    assert!(error(bad.as_bytes()).contains("does not name a step output"));
}

#[test]
fn finds_the_attestation_of_an_image_and_its_provenance_layer() {
    use crate::image::manifest::Document;
    let image = format!("sha256:{}", hex(0xaa));
    let index = serde_json::json!({
        "schemaVersion": 2,
        "manifests": [
            {"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": image, "size": 1, "platform": {"os": "linux", "architecture": "amd64"}},
            {"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": format!("sha256:{}", hex(0xcc)), "size": 1,
             "annotations": {"vnd.docker.reference.digest": format!("sha256:{}", hex(0xdd)), "vnd.docker.reference.type": "attestation-manifest"},
             "platform": {"os": "unknown", "architecture": "unknown"}},
            {"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": format!("sha256:{}", hex(0xbb)), "size": 1,
             "annotations": {"vnd.docker.reference.digest": image, "vnd.docker.reference.type": "attestation-manifest"},
             "platform": {"os": "unknown", "architecture": "unknown"}}
        ]
    });
    let Document::Index(index) = Document::parse(index.to_string().as_bytes()).unwrap() else {
        panic!("not an index")
    };
    let found = attestation_for(&index.manifests, &subject()).unwrap();
    assert_eq!(found.digest.to_string(), format!("sha256:{}", hex(0xbb)));
    let manifest = serde_json::json!({
        "schemaVersion": 2,
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": format!("sha256:{}", hex(1)), "size": 1},
        "layers": [
            {"mediaType": IN_TOTO, "digest": format!("sha256:{}", hex(2)), "size": 1, "annotations": {PREDICATE_TYPE: "https://spdx.dev/Document"}},
            {"mediaType": IN_TOTO, "digest": format!("sha256:{}", hex(3)), "size": 1, "annotations": {PREDICATE_TYPE: SLSA_V02}}
        ]
    });
    let Document::Manifest(m) = Document::parse(manifest.to_string().as_bytes()).unwrap() else {
        panic!("not a manifest")
    };
    let layer = provenance_layer(&m.layers).unwrap();
    assert_eq!(layer.digest.to_string(), format!("sha256:{}", hex(3)));
    assert!(provenance_layer(&m.layers[..1]).is_none());
}
