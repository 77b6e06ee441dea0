//! BuildKit's SLSA provenance attestation: the in-toto statement an image index carries beside an
//! image (in an attestation manifest), which with `mode=max` holds the build's Dockerfile, its
//! LLB steps, where in the Dockerfile each step is, and the layers each step's output is made of.
//! Both predicate versions BuildKit writes are read (SLSA v0.2, v0.11 and later; SLSA v1,
//! v0.13 and later). Pure: it takes the statement's bytes and returns a value; nothing the
//! statement names is ever fetched.

use std::collections::BTreeMap;

use base64::Engine as _;
use serde::Deserialize;

use super::Digest;

/// The index annotation that marks an attestation manifest, and its value.
pub const REFERENCE_TYPE: &str = "vnd.docker.reference.type";
pub const ATTESTATION_MANIFEST: &str = "attestation-manifest";
/// The index annotation naming the image manifest an attestation manifest is about.
pub const REFERENCE_DIGEST: &str = "vnd.docker.reference.digest";
/// The media type of an attestation layer holding an in-toto statement.
pub const IN_TOTO: &str = "application/vnd.in-toto+json";
/// The layer annotation with the statement's predicate type.
pub const PREDICATE_TYPE: &str = "in-toto.io/predicate-type";
pub const SLSA_V02: &str = "https://slsa.dev/provenance/v0.2";
pub const SLSA_V1: &str = "https://slsa.dev/provenance/v1";
/// The largest attestation manifest and statement read: a `mode=max` statement of a long
/// Dockerfile is a few hundred KB (the LLB definition is in it twice).
pub const MAX_MANIFEST: u64 = 4 << 20;
pub const MAX_STATEMENT: u64 = 16 << 20;

/// What an image's provenance attestation says about its build.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Provenance {
    /// The attestation manifest's digest (how messages name the attestation).
    pub attestation: Option<Digest>,
    /// `https://slsa.dev/provenance/v0.2` or `.../v1`.
    pub predicate_type: String,
    /// `invocation.parameters.frontend` (`dockerfile.v0`, `gateway.v0`).
    pub frontend: Option<String>,
    /// The Dockerfile's name as the build was given it (`configSource.entryPoint` / `path`).
    pub entry_point: Option<String>,
    /// The `target` stage built, when the build named one.
    pub target: Option<String>,
    /// The source files the frontend recorded (the Dockerfile), `mode=max` only.
    pub sources: Vec<SourceFile>,
    /// The build steps, in the order of `buildConfig.llbDefinition` (inputs before users).
    pub steps: Vec<Step>,
}

/// One source file of the build, as recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceFile {
    pub filename: String,
    pub data: Vec<u8>,
}

/// One LLB step.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    /// `step3`, as the statement names it.
    pub id: String,
    pub kind: StepKind,
    /// Where in the sources the step comes from.
    pub ranges: Vec<LineRange>,
    /// The layer chain of each of its outputs that became layers: (output index, blob digests
    /// base first).
    pub layers: Vec<(u32, Vec<Digest>)>,
}

/// What an LLB step does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StepKind {
    /// A source (`docker-image://…`, `local://context`, `git://…`): its identifier.
    Source(String),
    Exec,
    File,
    Build,
    Merge,
    Diff,
    /// The definition's final vertex, or a step the definition does not list.
    Other,
}

/// Lines `first..=last` (1-based) of source `source`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LineRange {
    pub source: usize,
    pub first: usize,
    pub last: usize,
}

/// Why a statement could not be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProvenanceError {
    /// A statement of another kind (an SBOM): not an error where any kind may be.
    #[error("predicate type {0:?} is not SLSA provenance")]
    OtherPredicate(String),
    #[error("{0}")]
    Invalid(String),
}

impl Provenance {
    /// The Dockerfile among the sources: the one most step locations point into (the frontend's
    /// own file), else the one named like the entry point, else the only one.
    pub fn dockerfile(&self) -> Option<(usize, &SourceFile)> {
        let mut uses = vec![0usize; self.sources.len()];
        for r in self.steps.iter().flat_map(|s| &s.ranges) {
            if let Some(n) = uses.get_mut(r.source) {
                *n += 1;
            }
        }
        let most = uses
            .iter()
            .enumerate()
            .filter(|(_, n)| **n > 0)
            .max_by_key(|(i, n)| (**n, std::cmp::Reverse(*i)))
            .map(|(i, _)| i);
        let named = || {
            let entry = self.entry_point.as_deref()?;
            self.sources.iter().position(|s| {
                s.filename == entry || entry.rsplit('/').next() == Some(s.filename.as_str())
            })
        };
        let only = || (self.sources.len() == 1).then_some(0);
        let at = most.or_else(named).or_else(only)?;
        self.sources.get(at).map(|s| (at, s))
    }
}

// Wire types: unknown keys are ignored (BuildKit adds some in each release), `null` is taken as
// empty (Go writes it for nil slices and maps); a known key of another type is an error.

/// A value, or its default for `null`.
fn nullable<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de> + Default,
{
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

#[derive(Deserialize)]
struct WireStatement {
    #[serde(rename = "_type", default)]
    #[serde(deserialize_with = "nullable")]
    kind: String,
    #[serde(rename = "predicateType", default)]
    #[serde(deserialize_with = "nullable")]
    predicate_type: String,
    #[serde(default)]
    #[serde(deserialize_with = "nullable")]
    subject: Vec<WireSubject>,
    #[serde(default)]
    predicate: WirePredicate,
}

/// Both versions' keys in one type, so the statement is parsed in one pass: v0.2 uses the first
/// three, v1 the last two.
#[derive(Deserialize, Default)]
#[serde(default)]
struct WirePredicate {
    invocation: WireInvocation,
    #[serde(rename = "buildConfig")]
    build_config: Option<WireBuildConfig>,
    metadata: Option<WireMetadataV02>,
    #[serde(rename = "buildDefinition")]
    build_definition: WireBuildDefinition,
    #[serde(rename = "runDetails")]
    run_details: WireRunDetails,
}

#[derive(Deserialize)]
struct WireSubject {
    #[serde(default)]
    #[serde(deserialize_with = "nullable")]
    digest: BTreeMap<String, String>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct WireInvocation {
    #[serde(rename = "configSource")]
    config_source: WireConfigSource,
    parameters: WireParameters,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct WireConfigSource {
    #[serde(rename = "entryPoint")]
    entry_point: Option<String>,
    /// SLSA v1's name for it.
    path: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct WireParameters {
    frontend: Option<String>,
    #[serde(deserialize_with = "nullable")]
    args: BTreeMap<String, String>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct WireBuildConfig {
    #[serde(rename = "llbDefinition")]
    #[serde(deserialize_with = "nullable")]
    llb_definition: Vec<WireStep>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct WireStep {
    #[serde(deserialize_with = "nullable")]
    id: String,
    op: Option<WireOp>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct WireOp {
    /// The op's one-of: `{"exec": {...}}` (BuildKit 0.11's gogo JSON) or `{"Exec": {...}}`.
    #[serde(rename = "Op")]
    op: Option<BTreeMap<String, WireOpBody>>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct WireOpBody {
    identifier: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct WireMetadataV02 {
    #[serde(rename = "https://mobyproject.org/buildkit@v1#metadata")]
    buildkit: WireBuildKit,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct WireBuildKit {
    source: Option<WireSource>,
    #[serde(deserialize_with = "nullable")]
    layers: BTreeMap<String, Vec<Vec<WireDescriptor>>>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct WireSource {
    #[serde(deserialize_with = "nullable")]
    locations: BTreeMap<String, WireLocations>,
    #[serde(deserialize_with = "nullable")]
    infos: Vec<WireInfo>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct WireLocations {
    #[serde(deserialize_with = "nullable")]
    locations: Vec<WireLocation>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct WireLocation {
    #[serde(rename = "sourceIndex")]
    source_index: i64,
    #[serde(deserialize_with = "nullable")]
    ranges: Vec<WireRange>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct WireRange {
    start: WirePosition,
    end: WirePosition,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct WirePosition {
    line: i64,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct WireInfo {
    #[serde(deserialize_with = "nullable")]
    filename: String,
    /// Base64, as Go's encoding/json writes a byte slice.
    data: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct WireDescriptor {
    #[serde(deserialize_with = "nullable")]
    digest: String,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct WireBuildDefinition {
    #[serde(rename = "externalParameters")]
    external: WireExternal,
    #[serde(rename = "internalParameters")]
    internal: WireInternal,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct WireExternal {
    #[serde(rename = "configSource")]
    config_source: WireConfigSource,
    request: WireParameters,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct WireInternal {
    #[serde(rename = "buildConfig")]
    build_config: Option<WireBuildConfig>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct WireRunDetails {
    metadata: Option<WireMetadataV1>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct WireMetadataV1 {
    buildkit_metadata: WireBuildKit,
}

/// The attestation manifest among an index's `entries` that is about the image manifest `image`.
pub fn attestation_for<'a>(
    entries: &'a [super::manifest::Descriptor],
    image: &Digest,
) -> Option<&'a super::manifest::Descriptor> {
    let wanted = image.to_string();
    entries.iter().find(|d| {
        d.annotations.get(REFERENCE_TYPE).map(String::as_str) == Some(ATTESTATION_MANIFEST)
            && d.annotations.get(REFERENCE_DIGEST) == Some(&wanted)
    })
}

/// The layer of an attestation manifest holding the provenance statement: an in-toto layer
/// whose predicate-type annotation names SLSA provenance (one without the annotation is taken
/// when no layer has it, and its statement says what it is).
pub fn provenance_layer(
    layers: &[super::manifest::Descriptor],
) -> Option<&super::manifest::Descriptor> {
    let in_toto = |d: &&super::manifest::Descriptor| d.media_type.as_deref() == Some(IN_TOTO);
    let annotated = layers.iter().filter(in_toto).find(|d| {
        d.annotations
            .get(PREDICATE_TYPE)
            .is_some_and(|t| is_provenance(t))
    });
    annotated.or_else(|| {
        layers
            .iter()
            .filter(in_toto)
            .find(|d| !d.annotations.contains_key(PREDICATE_TYPE))
    })
}

/// Whether a predicate type is one of the SLSA provenance versions read here.
pub fn is_provenance(predicate_type: &str) -> bool {
    predicate_type == SLSA_V02 || predicate_type == SLSA_V1
}

/// Parses an in-toto statement that must be about the image manifest `subject`.
pub fn parse(bytes: &[u8], subject: &Digest) -> Result<Provenance, ProvenanceError> {
    let statement: WireStatement = serde_json::from_slice(bytes).map_err(|e| {
        ProvenanceError::Invalid(format!("malformed statement: {}", json_error(&e)))
    })?;
    if !statement.kind.starts_with("https://in-toto.io/Statement/") {
        return Err(ProvenanceError::Invalid(format!(
            "not an in-toto statement (_type {:?})",
            crate::escape::text(&short(&statement.kind))
        )));
    }
    // BuildKit writes no subject for an image built without a name (`--output type=oci` alone):
    // the index's `vnd.docker.reference.digest` is then the only link, and enough. A subject
    // that names other digests is another image's statement.
    let about = statement.subject.is_empty()
        || statement.subject.iter().any(|s| {
            s.digest
                .get(subject.algorithm_name())
                .is_some_and(|hex| hex.eq_ignore_ascii_case(subject.hex()))
        });
    if !about {
        return Err(ProvenanceError::Invalid(format!(
            "the statement is not about this image (its subject does not name {subject})"
        )));
    }
    let p = statement.predicate;
    let (invocation, config, buildkit) = match statement.predicate_type.as_str() {
        SLSA_V02 => (
            p.invocation,
            p.build_config,
            p.metadata.map(|m| m.buildkit).unwrap_or_default(),
        ),
        SLSA_V1 => {
            let d = p.build_definition;
            let invocation = WireInvocation {
                config_source: d.external.config_source,
                parameters: d.external.request,
            };
            let buildkit = p.run_details.metadata.map(|m| m.buildkit_metadata);
            (
                invocation,
                d.internal.build_config,
                buildkit.unwrap_or_default(),
            )
        }
        other => {
            return Err(ProvenanceError::OtherPredicate(
                crate::escape::text(&short(other)).into_owned(),
            ));
        }
    };
    let source = buildkit.source.unwrap_or_default();
    let sources = source
        .infos
        .into_iter()
        .enumerate()
        .map(|(i, info)| {
            let data = match info.data {
                Some(b64) => base64::engine::general_purpose::STANDARD
                    .decode(b64.as_bytes())
                    .map_err(|e| {
                        ProvenanceError::Invalid(format!("source {i}: bad base64 data: {e}"))
                    })?,
                None => Vec::new(),
            };
            Ok(SourceFile {
                filename: info.filename,
                data,
            })
        })
        .collect::<Result<Vec<_>, ProvenanceError>>()?;
    let steps = steps(
        config.map(|c| c.llb_definition).unwrap_or_default(),
        source.locations,
        buildkit.layers,
        sources.len(),
    )?;
    let entry_point = invocation
        .config_source
        .entry_point
        .or(invocation.config_source.path)
        .filter(|e| !e.is_empty());
    let mut args = invocation.parameters.args;
    Ok(Provenance {
        attestation: None,
        predicate_type: statement.predicate_type,
        frontend: invocation.parameters.frontend.filter(|f| !f.is_empty()),
        entry_point: entry_point.or_else(|| args.remove("filename")),
        target: args.remove("target").filter(|t| !t.is_empty()),
        sources,
        steps,
    })
}

/// The steps: those `llbDefinition` lists, in its order, then any only `locations` or `layers`
/// name, with their source ranges and layer chains.
fn steps(
    definition: Vec<WireStep>,
    locations: BTreeMap<String, WireLocations>,
    layers: BTreeMap<String, Vec<Vec<WireDescriptor>>>,
    sources: usize,
) -> Result<Vec<Step>, ProvenanceError> {
    let mut steps: Vec<Step> = definition
        .into_iter()
        .map(|s| Step {
            kind: s.op.map_or(StepKind::Other, kind),
            id: s.id,
            ranges: Vec::new(),
            layers: Vec::new(),
        })
        .collect();
    let at = |id: &str, steps: &mut Vec<Step>| -> usize {
        steps.iter().position(|s| s.id == id).unwrap_or_else(|| {
            steps.push(Step {
                id: id.to_string(),
                kind: StepKind::Other,
                ranges: Vec::new(),
                layers: Vec::new(),
            });
            steps.len() - 1
        })
    };
    for (id, locs) in locations {
        let i = at(&id, &mut steps);
        for loc in locs.locations {
            let source = usize::try_from(loc.source_index)
                .ok()
                .filter(|s| *s < sources)
                .ok_or_else(|| {
                    ProvenanceError::Invalid(format!(
                        "{}: source index {} is not one of the {sources} sources",
                        crate::escape::text(&short(&id)),
                        loc.source_index
                    ))
                })?;
            for r in loc.ranges {
                let line = |l: i64| usize::try_from(l).ok().filter(|l| *l > 0);
                let (Some(first), last) = (line(r.start.line), line(r.end.line)) else {
                    return Err(ProvenanceError::Invalid(format!(
                        "{}: line {} is not a line number",
                        crate::escape::text(&short(&id)),
                        r.start.line
                    )));
                };
                if let Some(step) = steps.get_mut(i) {
                    step.ranges.push(LineRange {
                        source,
                        first,
                        last: last.unwrap_or(first).max(first),
                    });
                }
            }
        }
    }
    for (key, chains) in layers {
        let (id, output) = match key.rsplit_once(':') {
            Some((id, n)) => (id, n.parse::<u32>().ok()),
            None => (key.as_str(), Some(0)),
        };
        let Some(output) = output else {
            return Err(ProvenanceError::Invalid(format!(
                "layers: {:?} does not name a step output",
                crate::escape::text(&short(&key))
            )));
        };
        let i = at(id, &mut steps);
        for chain in chains {
            let digests = chain
                .iter()
                .map(|d| {
                    Digest::parse(&d.digest).map_err(|e| {
                        ProvenanceError::Invalid(format!(
                            "layers of {}: {e}",
                            crate::escape::text(&short(id))
                        ))
                    })
                })
                .collect::<Result<Vec<_>, _>>()?;
            if let Some(step) = steps.get_mut(i) {
                step.layers.push((output, digests));
            }
        }
    }
    Ok(steps)
}

fn kind(op: WireOp) -> StepKind {
    let Some((name, body)) = op.op.and_then(|m| m.into_iter().next()) else {
        return StepKind::Other;
    };
    match name.to_ascii_lowercase().as_str() {
        "source" => StepKind::Source(body.identifier.unwrap_or_default()),
        "exec" => StepKind::Exec,
        "file" => StepKind::File,
        "build" => StepKind::Build,
        "merge" => StepKind::Merge,
        "diff" => StepKind::Diff,
        _ => StepKind::Other,
    }
}

/// A JSON error as a short escaped line: serde's messages quote the offending value whole.
fn json_error(e: &serde_json::Error) -> String {
    let text = e.to_string();
    let mut out = String::new();
    for c in text.chars().take(160) {
        out.push(c);
    }
    if out.len() < text.len() {
        out.push('…');
    }
    crate::escape::text(&out).into_owned()
}

/// At most 60 characters of `s`, for messages.
fn short(s: &str) -> String {
    let mut out: String = s.chars().take(60).collect();
    if out.len() < s.len() {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests;
