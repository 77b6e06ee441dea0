//! Dockerfiles: a parser of our own (directives, continuations, heredocs, JSON and shell forms,
//! stages, `ARG`/`ENV` substitution), the map from an image's layers to the instructions that
//! made them, the findings only a Dockerfile shows, and `plummet fix`'s rewrite. Pure: it takes
//! text and analyses and returns values.

mod edit;
mod expand;
pub mod fix;
pub mod lint;
pub mod map;
mod parse;
pub mod provenance;

pub use expand::expand;
pub use map::{LayerLines, map_layers};
pub use parse::parse;

/// A parse error: the file, the 1-based line and what is wrong there.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}:{line}: {message}")]
pub struct ParseError {
    pub file: String,
    pub line: usize,
    pub message: String,
}

/// A whole Dockerfile.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Dockerfile {
    /// The `# syntax=` directive, when there is one.
    pub syntax: Option<String>,
    /// The escape character (`\` unless `# escape=` says otherwise).
    pub escape: char,
    pub instructions: Vec<Instruction>,
    pub stages: Vec<Stage>,
    /// `ARG`s before the first `FROM` (name, default), usable in `FROM` lines.
    pub global_args: Vec<(String, Option<String>)>,
}

/// One build stage: a `FROM` and the instructions up to the next one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stage {
    /// The base as written, after `ARG` substitution.
    pub base: String,
    /// The `AS` name, lowercased as the builders compare it.
    pub name: Option<String>,
    pub platform: Option<String>,
    /// Index of its `FROM` in [`Dockerfile::instructions`].
    pub from: usize,
    /// Index one past its last instruction.
    pub end: usize,
}

/// One instruction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Instruction {
    /// 1-based line where it starts.
    pub line: usize,
    /// 1-based line where it ends (its last continuation or heredoc terminator).
    pub end_line: usize,
    /// The keyword, uppercased (`RUN`, `COPY`, ...).
    pub keyword: String,
    /// Leading `--name[=value]` flags, in order.
    pub flags: Vec<Flag>,
    pub args: Args,
    pub heredocs: Vec<Heredoc>,
    /// The stage it belongs to (index into [`Dockerfile::stages`]); instructions before the first
    /// `FROM` (global `ARG`s) have none.
    pub stage: Option<usize>,
    /// The arguments after `ARG`/`ENV` substitution, for instructions the builders expand
    /// (`FROM`, `COPY`, `ADD`, `ENV`, `WORKDIR`, `USER`, ...); `RUN`, `CMD` and `ENTRYPOINT` are
    /// the shell's to expand and keep their text.
    pub expanded: Args,
}

/// An instruction's arguments.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Args {
    /// Shell form: the logical line after the keyword and flags, continuations joined.
    Shell(String),
    /// JSON (exec) form.
    Json(Vec<String>),
}

impl Args {
    /// The words: the JSON array, or the shell form split on whitespace.
    pub fn words(&self) -> Vec<&str> {
        match self {
            Args::Shell(s) => s.split_whitespace().collect(),
            Args::Json(v) => v.iter().map(String::as_str).collect(),
        }
    }

    /// The text as one line: the shell form itself, or the JSON words joined by spaces.
    pub fn text(&self) -> String {
        match self {
            Args::Shell(s) => s.clone(),
            Args::Json(v) => v.join(" "),
        }
    }
}

/// A `--name[=value]` flag.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Flag {
    pub name: String,
    pub value: Option<String>,
}

/// A here-document (`<<EOF` ... `EOF`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Heredoc {
    pub word: String,
    /// `<<-`: leading tabs are stripped from the body.
    pub strip_tabs: bool,
    /// The word was quoted: the body is not expanded.
    pub quoted: bool,
    /// The body, every line ending with a newline.
    pub body: String,
}

impl Instruction {
    /// The value of flag `name` (the last one given), `Some("")` for a flag without a value.
    pub fn flag(&self, name: &str) -> Option<&str> {
        self.flags
            .iter()
            .rev()
            .find(|f| f.name == name)
            .map(|f| f.value.as_deref().unwrap_or(""))
    }

    /// Whether this is a `RUN`, `COPY`, ... (case-insensitive keyword).
    pub fn is(&self, keyword: &str) -> bool {
        self.keyword.eq_ignore_ascii_case(keyword)
    }
}

impl Dockerfile {
    /// The stage the image is built from: the last one (no `--target` is known).
    pub fn final_stage(&self) -> Option<&Stage> {
        self.stages.last()
    }

    /// The instructions of a stage after its `FROM`.
    pub fn body(&self, stage: &Stage) -> &[Instruction] {
        self.instructions
            .get(stage.from + 1..stage.end)
            .unwrap_or_default()
    }

    /// The stage named `name` (or given by its index), as `COPY --from` and `FROM` refer to it.
    pub fn stage_named(&self, name: &str) -> Option<&Stage> {
        let lower = name.to_ascii_lowercase();
        self.stages
            .iter()
            .find(|s| s.name.as_deref() == Some(lower.as_str()))
            .or_else(|| name.parse::<usize>().ok().and_then(|i| self.stages.get(i)))
    }
}

/// Maps `analysis`'s layers to `df` (read from `path`), sets each layer's `dockerfile_line` and
/// adds the Dockerfile's own findings; returns the map for `plummet fix`.
pub fn apply(path: &str, df: &Dockerfile, analysis: &mut crate::analysis::Analysis) -> LayerLines {
    apply_with(
        Used {
            path,
            dockerfile: df,
            text: "",
            from_provenance: false,
        },
        None,
        analysis,
    )
}

/// The Dockerfile a run maps the image to.
#[derive(Debug, Clone, Copy)]
pub struct Used<'a> {
    /// As given on the command line, or the provenance's file name.
    pub path: &'a str,
    pub dockerfile: &'a Dockerfile,
    /// Its text, to compare with the provenance's.
    pub text: &'a str,
    /// Whether it came from the provenance attestation.
    pub from_provenance: bool,
}

/// As [`apply`], with the image's provenance attestation: when its Dockerfile is the one used,
/// its step locations map the layers they cover (exactly, by blob digest) and the history maps
/// the rest; when it differs, a note says so and the history alone maps.
pub fn apply_with(
    used: Used<'_>,
    provenance: Option<&crate::image::provenance::Provenance>,
    analysis: &mut crate::analysis::Analysis,
) -> LayerLines {
    use crate::analysis::{LineMethod, ProvenanceDockerfile};
    let df = used.dockerfile;
    let mut lines = map_layers(df, &analysis.history, analysis.layers.len());
    let mut methods: Vec<Option<LineMethod>> = lines
        .lines
        .iter()
        .map(|l| l.map(|_| LineMethod::History))
        .collect();
    let recorded = provenance.and_then(|p| p.dockerfile().map(|(_, file)| (p, file)));
    let provenance_file = recorded.map(|(p, file)| ProvenanceDockerfile {
        attestation: p.attestation.clone(),
        filename: file.filename.clone(),
        same_as_used: used.from_provenance || file.data == used.text.as_bytes(),
    });
    if let (Some((p, _)), Some(pf)) = (recorded, &provenance_file) {
        if pf.same_as_used {
            let digests: Vec<Option<&crate::image::Digest>> =
                analysis.layers.iter().map(|l| l.digest.as_ref()).collect();
            let exact = provenance::map_layers(p, df, &digests);
            merge(&mut lines, &mut methods, exact);
        } else {
            lines.notes.push(format!(
                "differs from the Dockerfile in the image's provenance attestation ({}{}): layers are mapped from the history only",
                escape_short(&pf.filename),
                pf.attestation
                    .as_ref()
                    .map(|d| format!(", attestation {d}"))
                    .unwrap_or_default()
            ));
        }
    }
    for (layer, line) in analysis.layers.iter_mut().zip(&lines.lines) {
        layer.dockerfile_line = *line;
    }
    analysis.dockerfile = Some(crate::analysis::DockerfileSummary {
        path: used.path.to_string(),
        mapped_layers: lines.lines.iter().flatten().count(),
        notes: lines.notes.clone(),
        findings: lint::check(df),
        from_provenance: used.from_provenance,
        provenance: provenance_file,
        methods,
    });
    lines
}

/// The provenance's lines over the history's: where both map a layer to different lines, the
/// provenance (the builder's own record) wins and a note says so; where the provenance has no
/// line, the history's stays. The history's notes about where its match stopped are kept only
/// for layers the provenance did not map.
fn merge(
    lines: &mut LayerLines,
    methods: &mut [Option<crate::analysis::LineMethod>],
    exact: LayerLines,
) {
    use crate::analysis::LineMethod;
    let mut disagree = Vec::new();
    for (layer, (have, new)) in lines.lines.iter_mut().zip(exact.lines).enumerate() {
        let Some(new) = new else { continue };
        if have.is_some_and(|h| h != new) {
            disagree.push(format!(
                "layer {layer}: line {new}, not {}",
                have.unwrap_or(0)
            ));
        }
        *have = Some(new);
        if let Some(m) = methods.get_mut(layer) {
            *m = Some(LineMethod::Provenance);
        }
    }
    // What the history could not match is moot where the provenance mapped it, and what the
    // provenance left out is moot where the history mapped it.
    if lines.lines.iter().all(Option::is_some) {
        lines.notes.clear();
    } else {
        lines.notes.extend(exact.notes);
    }
    if !disagree.is_empty() {
        lines.notes.push(format!(
            "the provenance attestation maps {} than the history does ({}): its lines are used",
            if disagree.len() == 1 {
                "a layer to another line"
            } else {
                "layers to other lines"
            },
            disagree.join("; ")
        ));
    }
}

fn escape_short(s: &str) -> String {
    let short: String = s.chars().take(80).collect();
    crate::escape::text(&short).into_owned()
}

#[cfg(test)]
mod tests;
