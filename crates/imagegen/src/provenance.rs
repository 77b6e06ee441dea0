//! BuildKit provenance attestations, as `buildctl build --opt attest:provenance=mode=max` writes
//! them into an OCI layout or pushes them: the index lists the image manifest and, after it, an
//! attestation manifest (platform `unknown/unknown`, annotations `vnd.docker.reference.type:
//! attestation-manifest` and `vnd.docker.reference.digest: <image manifest>`) whose one layer
//! (`application/vnd.in-toto+json`, annotation `in-toto.io/predicate-type`) is an in-toto
//! statement with an SLSA v0.2 predicate. The structure mirrors BuildKit v0.11.6's output,
//! checked against a real `buildctl` build (see docs/dockerfile.md "Provenance").

use std::io;

use base64::Engine as _;
use serde_json::{Value, json};

use crate::archive::{LayerBlob, MEDIA_CONFIG, MEDIA_INDEX, MEDIA_MANIFEST};
use crate::oci::{REF_NAME, Written, descriptor, index_json, write_image_blobs};
use crate::sink::{Sink, put, sha256_hex};
use crate::spec::ImageSpec;

pub const IN_TOTO: &str = "application/vnd.in-toto+json";
pub const SLSA_V02: &str = "https://slsa.dev/provenance/v0.2";

/// One LLB step of the build: its op, the Dockerfile lines it comes from, and (for steps whose
/// output the image is made of) how many of the image's layers, from the bottom, its output is.
#[derive(Clone, Debug)]
pub struct StepSpec {
    /// `{"source": {"identifier": ...}}`, `{"exec": {...}}`, `{"file": {...}}`.
    pub op: Value,
    /// 1-based (first, last) Dockerfile lines; empty for steps without a location.
    pub lines: Vec<(u32, u32)>,
    /// The layer chain of output 0: the image's first `n` layers.
    pub chain: Option<usize>,
}

impl StepSpec {
    /// A `FROM` pulling an image whose layers are the image's first `chain`.
    pub fn from_image(identifier: &str, line: u32, chain: usize) -> StepSpec {
        StepSpec {
            op: json!({"source": {"identifier": identifier}}),
            lines: vec![(line, line)],
            chain: Some(chain),
        }
    }

    /// A `RUN` over lines `first..=last` whose output is the first `chain` layers. BuildKit
    /// gives an instruction continued over several lines one range per line.
    pub fn run(args: &[&str], first: u32, last: u32, chain: usize) -> StepSpec {
        StepSpec {
            op: json!({"exec": {"meta": {"args": args, "cwd": "/"}, "mounts": [{"input": 0, "dest": "/", "output": 0}]}}),
            lines: (first..=last).map(|l| (l, l)).collect(),
            chain: Some(chain),
        }
    }

    /// A `COPY` (a file op) on `line` whose output is the first `chain` layers.
    pub fn copy(line: u32, chain: usize) -> StepSpec {
        StepSpec {
            op: json!({"file": {"actions": [{"input": 0, "secondaryInput": 1, "output": 0}]}}),
            lines: vec![(line, line)],
            chain: Some(chain),
        }
    }

    /// The build context (`local://context`), which has no location nor layers.
    pub fn local(name: &str) -> StepSpec {
        StepSpec {
            op: json!({"source": {"identifier": format!("local://{name}")}}),
            lines: Vec::new(),
            chain: None,
        }
    }
}

/// What the provenance says about the build.
#[derive(Clone, Debug)]
pub struct ProvenanceSpec {
    pub filename: String,
    pub dockerfile: String,
    pub steps: Vec<StepSpec>,
}

/// The in-toto statement about the image manifest `subject` with `layers`, as BuildKit v0.11.6
/// writes it (keys in its order; `null`s where Go's encoder leaves them).
pub fn statement(spec: &ProvenanceSpec, subject: &str, layers: &[LayerBlob]) -> Vec<u8> {
    let step_id = |i: usize| format!("step{i}");
    let mut definition: Vec<Value> = spec
        .steps
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let mut step = json!({"id": step_id(i), "op": {"Op": s.op, "platform": {"Architecture": "amd64", "OS": "linux"}, "constraints": {}}});
            if i > 0 {
                step["inputs"] = json!([format!("step{}:0", i - 1)]);
            }
            step
        })
        .collect();
    // The final vertex: no op of its own, one input.
    definition.push(json!({"id": step_id(spec.steps.len()), "op": {"Op": null}, "inputs": [format!("step{}:0", spec.steps.len().saturating_sub(1))]}));
    let mut locations = serde_json::Map::new();
    let mut layer_map = serde_json::Map::new();
    for (i, s) in spec.steps.iter().enumerate() {
        if !s.lines.is_empty() {
            let ranges: Vec<Value> = s
                .lines
                .iter()
                .map(|(a, b)| json!({"start": {"line": a}, "end": {"line": b}}))
                .collect();
            locations.insert(step_id(i), json!({"locations": [{"ranges": ranges}]}));
        }
        if let Some(n) = s.chain {
            let chain: Vec<Value> = layers
                .iter()
                .take(n)
                .map(|l| descriptor(l.media_type, &l.digest, l.size))
                .collect();
            layer_map.insert(format!("{}:0", step_id(i)), json!([chain]));
        }
    }
    let data = base64::engine::general_purpose::STANDARD.encode(spec.dockerfile.as_bytes());
    json!({
        "_type": "https://in-toto.io/Statement/v0.1",
        "predicateType": SLSA_V02,
        "subject": [{"name": "pkg:docker/prov/app@latest?platform=linux%2Famd64", "digest": {"sha256": subject}}],
        "predicate": {
            "builder": {"id": ""},
            "buildType": "https://mobyproject.org/buildkit@v1",
            "materials": [],
            "invocation": {
                // BuildKit names the file here only when the build was given `filename`.
                "configSource": {},
                "parameters": {"frontend": "dockerfile.v0", "locals": [{"name": "context"}, {"name": "dockerfile"}]},
                "environment": {"platform": "linux/amd64"}
            },
            "buildConfig": {"llbDefinition": definition},
            "metadata": {
                "buildInvocationID": "prov16",
                "buildStartedOn": "2026-01-01T00:00:00Z",
                "buildFinishedOn": "2026-01-01T00:00:01Z",
                "completeness": {"parameters": true, "environment": true, "materials": false},
                "reproducible": false,
                "https://mobyproject.org/buildkit@v1#metadata": {
                    "source": {
                        "locations": locations,
                        "infos": [{"filename": spec.filename, "data": data, "llbDefinition": []}]
                    },
                    "layers": layer_map
                }
            }
        }
    })
    .to_string()
    .into_bytes()
}

/// The digests of what [`write_oci`] wrote.
#[derive(Clone, Debug)]
pub struct WrittenAttested {
    pub image: Written,
    pub attestation: String,
    pub statement: String,
    /// The image index that lists the image and its attestation.
    pub index: String,
}

/// Writes the attestation manifest (an empty config and the statement's layer) for `image`;
/// returns its index descriptor and the digests.
pub fn write_attestation(
    image: &Written,
    statement_bytes: &[u8],
    sink: &mut dyn Sink,
) -> io::Result<(Value, String, String)> {
    let statement_digest = sha256_hex(statement_bytes);
    put(
        sink,
        &format!("blobs/sha256/{statement_digest}"),
        statement_bytes,
    )?;
    let config = json!({"architecture": "unknown", "os": "unknown", "config": {}, "rootfs": {"type": "layers", "diff_ids": [format!("sha256:{statement_digest}")]}})
        .to_string()
        .into_bytes();
    let config_digest = sha256_hex(&config);
    put(sink, &format!("blobs/sha256/{config_digest}"), &config)?;
    let mut layer = descriptor(IN_TOTO, &statement_digest, statement_bytes.len() as u64);
    layer["annotations"] = json!({"in-toto.io/predicate-type": SLSA_V02});
    let manifest = json!({
        "schemaVersion": 2,
        "mediaType": MEDIA_MANIFEST,
        "config": descriptor(MEDIA_CONFIG, &config_digest, config.len() as u64),
        "layers": [layer],
    })
    .to_string()
    .into_bytes();
    let digest = sha256_hex(&manifest);
    put(sink, &format!("blobs/sha256/{digest}"), &manifest)?;
    let mut desc = descriptor(MEDIA_MANIFEST, &digest, manifest.len() as u64);
    desc["annotations"] = json!({
        "vnd.docker.reference.digest": format!("sha256:{}", image.digest),
        "vnd.docker.reference.type": "attestation-manifest",
    });
    desc["platform"] = json!({"architecture": "unknown", "os": "unknown"});
    Ok((desc, digest, statement_digest))
}

/// Writes `spec` as an OCI layout tagged `spec.tag` whose index also holds the provenance
/// attestation `provenance` describes (its statement made by [`statement`], or replaced by
/// `statement_override` to test bad ones).
pub fn write_oci(
    spec: &ImageSpec,
    provenance: &ProvenanceSpec,
    statement_override: Option<&[u8]>,
    sink: &mut dyn Sink,
) -> io::Result<WrittenAttested> {
    put(sink, "oci-layout", br#"{"imageLayoutVersion":"1.0.0"}"#)?;
    sink.dir("blobs")?;
    sink.dir("blobs/sha256")?;
    let image = write_image_blobs(spec, sink)?;
    let made = statement(provenance, &image.digest, &image.layers);
    let (attestation_desc, attestation, statement) =
        write_attestation(&image, statement_override.unwrap_or(&made), sink)?;
    // As BuildKit's OCI exporter: index.json names one image index (tagged), which lists the
    // image manifest and, after it, its attestation manifest.
    let mut desc = descriptor(MEDIA_MANIFEST, &image.digest, image.size);
    desc["platform"] = json!({"architecture": spec.config.architecture, "os": spec.config.os});
    let inner = index_json(vec![desc, attestation_desc]);
    let inner_digest = sha256_hex(&inner);
    put(sink, &format!("blobs/sha256/{inner_digest}"), &inner)?;
    let mut top = descriptor(MEDIA_INDEX, &inner_digest, inner.len() as u64);
    top["annotations"] = json!({ REF_NAME: spec.tag });
    put(sink, "index.json", &index_json(vec![top]))?;
    Ok(WrittenAttested {
        image,
        attestation,
        statement,
        index: inner_digest,
    })
}
