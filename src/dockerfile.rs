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
    let lines = map_layers(df, &analysis.history, analysis.layers.len());
    for (layer, line) in analysis.layers.iter_mut().zip(&lines.lines) {
        layer.dockerfile_line = *line;
    }
    analysis.dockerfile = Some(crate::analysis::DockerfileSummary {
        path: path.to_string(),
        mapped_layers: lines.lines.iter().flatten().count(),
        notes: lines.notes.clone(),
        findings: lint::check(df),
    });
    lines
}

#[cfg(test)]
mod tests;
