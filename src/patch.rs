//! `plummet fix` and `--dockerfile` at the edge: reads the Dockerfile (and the build context's
//! `.dockerignore`), maps the analysis to it, writes the fixed files to OUTDIR and prints the
//! diff and what each change saves and assumes.

use std::path::{Path, PathBuf};

use crate::analysis::Analysis;
use crate::dockerfile::{self, Dockerfile, LayerLines};
use crate::settings::FixSettings;
use crate::{Error, Outcome};

/// A Dockerfile read and parsed.
#[derive(Debug, Clone)]
pub struct Read {
    pub path: PathBuf,
    pub text: String,
    pub dockerfile: Dockerfile,
}

/// Reads and parses the Dockerfile at `path`: a missing file, one that is not text, or one that
/// does not parse is an error naming the file (and the line).
pub fn read(path: &Path) -> Result<Read, Error> {
    let shown = crate::escape::text(&path.to_string_lossy()).into_owned();
    let bytes = std::fs::read(path).map_err(|e| Error::Output {
        path: shown.clone(),
        message: format!("cannot read the Dockerfile: {e}"),
    })?;
    let text = String::from_utf8(bytes).map_err(|e| Error::Output {
        path: shown.clone(),
        message: format!(
            "not a Dockerfile: not UTF-8 text (at byte {})",
            e.utf8_error().valid_up_to()
        ),
    })?;
    let dockerfile = dockerfile::parse(&shown, &text).map_err(|e| Error::Usage(e.to_string()))?;
    Ok(Read {
        path: path.to_path_buf(),
        text,
        dockerfile,
    })
}

/// Maps `analysis` to the Dockerfile read, warning on stderr where layers could not be mapped.
pub fn attach(read: &Read, analysis: &mut Analysis) -> LayerLines {
    let lines = dockerfile::apply(&read.path.to_string_lossy(), &read.dockerfile, analysis);
    for note in &lines.notes {
        tracing::warn!("{}: {note}", read.path.display());
    }
    lines
}

/// `plummet fix`.
pub fn run(s: &FixSettings) -> Result<Outcome, Error> {
    let read = read(&s.dockerfile)?;
    let target = s.output.join("Dockerfile");
    if same_file(&target, &s.dockerfile) {
        return Err(Error::Usage(format!(
            "-o {}: the fixed Dockerfile would overwrite the one given: choose another directory",
            crate::escape::text(&s.output.to_string_lossy())
        )));
    }
    let mut inspected = crate::load_and_analyze(&s.image, s.base.as_deref(), &s.load, s.quiet)?;
    let lines = attach(&read, &mut inspected.analysis);
    let plan = dockerfile::fix::plan(dockerfile::fix::Input {
        dockerfile: &read.dockerfile,
        text: &read.text,
        analysis: &inspected.analysis,
        tree: &inspected.image.tree,
        lines: &lines,
    });
    let ignore_path = s.context.join(".dockerignore");
    let existing = std::fs::read_to_string(&ignore_path).ok();
    let ignore = dockerignore(existing.as_deref(), &plan.dockerignore);
    write(&s.output, "Dockerfile", &plan.dockerfile)?;
    if let Some(text) = &ignore {
        write(&s.output, ".dockerignore", text)?;
    }
    let old_name = format!("a/{}", s.dockerfile.display());
    let new_name = format!("b/{}", target.display());
    let mut out = plan.diff(&read.text, &old_name, &new_name);
    if let Some(text) = &ignore {
        out.push_str(&dockerfile::fix::unified_text(
            existing.as_deref().unwrap_or(""),
            text,
            &format!("a/{}", ignore_path.display()),
            &format!("b/{}", s.output.join(".dockerignore").display()),
        ));
    }
    out.push_str(&crate::report::fix::render(
        &plan,
        &lines.notes,
        &s.output,
        &s.context,
        ignore.is_some(),
    ));
    print!("{out}");
    Ok(Outcome::Passed)
}

/// The context's `.dockerignore` with the new entries appended (`None` when there are none).
fn dockerignore(existing: Option<&str>, entries: &[(String, u64)]) -> Option<String> {
    let have: Vec<&str> = existing.unwrap_or("").lines().map(str::trim).collect();
    let new: Vec<&str> = entries
        .iter()
        .map(|(e, _)| e.as_str())
        .filter(|e| !have.contains(e))
        .collect();
    if new.is_empty() {
        return None;
    }
    let mut text = existing.unwrap_or("").to_string();
    if !text.is_empty() && !text.ends_with('\n') {
        text.push('\n');
    }
    text.push_str("# added by plummet fix: found in the image under a COPY of the build context\n");
    let mut seen = Vec::new();
    for e in new {
        if !seen.contains(&e) {
            text.push_str(e);
            text.push('\n');
            seen.push(e);
        }
    }
    Some(text)
}

fn write(dir: &Path, name: &str, text: &str) -> Result<(), Error> {
    let err = |e: std::io::Error| Error::Output {
        path: crate::escape::text(&dir.join(name).to_string_lossy()).into_owned(),
        message: e.to_string(),
    };
    std::fs::create_dir_all(dir).map_err(err)?;
    std::fs::write(dir.join(name), text).map_err(err)
}

fn same_file(a: &Path, b: &Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
}
