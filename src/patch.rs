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
    /// Whether it is the Dockerfile of the image's provenance attestation (then `path` is the
    /// file name the build recorded, not a file on disk).
    pub from_provenance: bool,
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
        from_provenance: false,
    })
}

/// The Dockerfile to map `image` to: the one given (`--dockerfile`), else the one the image's
/// provenance attestation carries. An attestation that could not be read, or whose Dockerfile
/// is not UTF-8 or does not parse, is a warning naming its digest: the run goes on without it.
pub fn choose(given: Option<&Read>, image: &crate::image::Image) -> Option<Read> {
    let provenance = provenance_of(image);
    if let Some(read) = given {
        return Some(read.clone());
    }
    let p = provenance?;
    let (_, file) = p.dockerfile()?;
    let attestation = p.attestation.as_ref().map_or_else(
        || "the provenance attestation".to_string(),
        |d| format!("attestation {d}"),
    );
    let shown = crate::escape::text(&file.filename).into_owned();
    let Ok(text) = String::from_utf8(file.data.clone()) else {
        tracing::warn!("{attestation}: its Dockerfile {shown} is not UTF-8 text; not using it");
        return None;
    };
    match dockerfile::parse(&shown, &text) {
        Ok(parsed) => Some(Read {
            path: PathBuf::from(&file.filename),
            text,
            dockerfile: parsed,
            from_provenance: true,
        }),
        Err(e) => {
            tracing::warn!("{attestation}: its Dockerfile does not parse ({e}); not using it");
            None
        }
    }
}

/// The image's provenance, warning when its attestation is there but unusable.
fn provenance_of(image: &crate::image::Image) -> Option<&crate::image::provenance::Provenance> {
    match &image.attestation {
        crate::image::Attestation::Provenance(p) => Some(p),
        crate::image::Attestation::Unreadable(why) => {
            tracing::warn!("{}; going on without it", crate::escape::text(why));
            None
        }
        crate::image::Attestation::None => None,
    }
}

/// Maps `analysis` of `image` to the Dockerfile read (with the image's provenance attestation,
/// when it has one), warning on stderr where layers could not be mapped.
pub fn attach(read: &Read, image: &crate::image::Image, analysis: &mut Analysis) -> LayerLines {
    let provenance = match &image.attestation {
        crate::image::Attestation::Provenance(p) => Some(p.as_ref()),
        _ => None,
    };
    let path = read.path.to_string_lossy();
    let used = dockerfile::Used {
        path: &path,
        dockerfile: &read.dockerfile,
        text: &read.text,
        from_provenance: read.from_provenance,
    };
    let lines = dockerfile::apply_with(used, provenance, analysis);
    for note in &lines.notes {
        // The path may be a file name from the image (its provenance): escaped like any.
        tracing::warn!("{}: {note}", crate::escape::text(&path));
    }
    lines
}

/// `plummet fix`.
pub fn run(s: &FixSettings) -> Result<Outcome, Error> {
    let given = s.dockerfile.as_deref().map(read).transpose()?;
    let target = s.output.join("Dockerfile");
    if let Some(path) = s.dockerfile.as_deref().filter(|p| same_file(&target, p)) {
        return Err(Error::Usage(format!(
            "-o {}: the fixed Dockerfile would overwrite the one given ({}): choose another directory",
            crate::escape::text(&s.output.to_string_lossy()),
            crate::escape::text(&path.to_string_lossy())
        )));
    }
    let mut inspected = crate::load_and_analyze(&s.image, s.base.as_deref(), &s.load, s.quiet)?;
    let Some(read) = choose(given.as_ref(), &inspected.image) else {
        return Err(Error::Usage(format!(
            "plummet fix needs the Dockerfile {} was built from: --dockerfile PATH (the image \
             carries no provenance attestation with its Dockerfile)",
            crate::escape::text(&s.image)
        )));
    };
    let lines = attach(&read, &inspected.image, &mut inspected.analysis);
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
    let old_name = format!("a/{}", crate::escape::text(&read.path.to_string_lossy()));
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
    if let Some(origin) = inspected
        .analysis
        .dockerfile
        .as_ref()
        .and_then(crate::report::dockerfile::origin)
    {
        out.push_str(&format!("\nDockerfile: {origin}\n"));
    }
    out.push_str(&crate::report::fix::render(
        &plan,
        &lines.notes,
        &s.output,
        &s.context,
        ignore.is_some(),
    ));
    crate::output::write_stdout(&out)?;
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
