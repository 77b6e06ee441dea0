//! What `--dockerfile` adds to an analysis, as plain values: the file, the findings only the
//! Dockerfile shows, and why some layers could not be mapped to an instruction. The parsing and
//! mapping live in the top-level dockerfile module; the reports read these values.

/// The Dockerfile's part of an analysis.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DockerfileSummary {
    /// The path as given on the command line.
    pub path: String,
    /// Layers mapped to a line.
    pub mapped_layers: usize,
    /// Why some layers have no line (each a sentence); empty when all matched.
    pub notes: Vec<String>,
    pub findings: Vec<DockerfileFinding>,
    /// Whether the Dockerfile is the one the image's provenance attestation carries (no
    /// `--dockerfile` was given).
    pub from_provenance: bool,
    /// The Dockerfile the provenance attestation carries, when it carries one.
    pub provenance: Option<ProvenanceDockerfile>,
    /// How each layer's line was found (by layer index); `None` where it was not.
    pub methods: Vec<Option<LineMethod>>,
}

/// The Dockerfile of a provenance attestation, as the reports name it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProvenanceDockerfile {
    /// The attestation manifest's digest.
    pub attestation: Option<crate::image::Digest>,
    /// Its file name as the build recorded it.
    pub filename: String,
    /// Whether it is byte for byte the Dockerfile in use.
    pub same_as_used: bool,
}

/// How a layer was mapped to its instruction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LineMethod {
    /// The provenance attestation's step locations and layer map.
    Provenance,
    /// The image history's commands matched to the instructions.
    History,
}

impl LineMethod {
    pub fn name(self) -> &'static str {
        match self {
            LineMethod::Provenance => "provenance",
            LineMethod::History => "history",
        }
    }
}

/// A finding only the Dockerfile shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DockerfileFinding {
    /// Stable name: `unpinned_base`, `unpinned_packages`, `secret_in_build_arg`,
    /// `build_tool_entrypoint`, `copy_before_install`.
    pub rule: &'static str,
    /// 1-based line of the instruction.
    pub line: usize,
    pub message: String,
    pub fix: String,
}
