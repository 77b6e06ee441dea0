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
