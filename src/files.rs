//! The file-content commands, wired: `plummet cat`, `plummet extract`, `plummet diff --file`,
//! and `ci --files-csv`. Each loads the image (no analysis needed), looks the path up in the
//! tree and reads the bytes from the layer's blob through [`crate::content`].

use std::io::{IsTerminal, Write};
use std::sync::Arc;

use crate::content::compare;
use crate::content::extract::{self, ExtractOptions};
use crate::content::{self, ReadOptions, Spool};
use crate::image::{Image, Progress};
use crate::settings::{CatSettings, DiffSettings, ExtractSettings};
use crate::source::LoadOptions;
use crate::{Error, Outcome, progress, source};

/// Loads and indexes an image (no analysis), with a progress bar on a terminal.
fn load(input: &str, options: &LoadOptions, quiet: bool) -> Result<Image, Error> {
    let progress = Arc::new(Progress::default());
    progress.set_stage(format!("reading {input}"));
    let bar = progress::Bar::start(Arc::clone(&progress), quiet);
    let image = source::load(input, options, &progress)?;
    drop(bar);
    Ok(image)
}

fn read_options(load: &LoadOptions) -> ReadOptions {
    ReadOptions {
        verify: load.index.verify,
        max_layer_bytes: load.index.max_layer_bytes,
    }
}

/// `plummet cat`: the file's bytes to stdout once its blob is verified.
///
/// On a terminal, only text is written: bytes that are not UTF-8 or control characters other
/// than newline and tab (a binary, or escape sequences that would drive the terminal) are
/// refused with a hint to redirect; through a pipe or into a file every byte is written as is.
pub fn cat(s: &CatSettings) -> Result<Outcome, Error> {
    let started = std::time::Instant::now();
    let image = load(&s.image, &s.load, s.quiet)?;
    let loaded = started.elapsed();
    let mut spool = Spool::unbounded();
    content::read_file(
        &image,
        s.layer,
        s.path.as_bytes(),
        &mut spool,
        read_options(&s.load),
    )?;
    // bench/files reads these: the index pass, then the file's own read.
    tracing::debug!(
        load_ms = loaded.as_millis() as u64,
        read_ms = (started.elapsed() - loaded).as_millis() as u64,
        bytes = spool.total(),
        "cat"
    );
    let mut stdout = std::io::stdout().lock();
    if stdout.is_terminal() && !spool.bytes().is_some_and(terminal_safe) {
        return Err(Error::Usage(format!(
            "{}: not written to the terminal: the file is binary or holds control characters; \
             redirect the output to a file or a pipe (e.g. `| less` or `| xxd`)",
            crate::escape::text(&s.path)
        )));
    }
    match spool.copy_to(&mut stdout).and_then(|_| stdout.flush()) {
        Ok(()) => Ok(Outcome::Passed),
        // A closed pipe (`| head`) is not an error worth reporting.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(Outcome::Passed),
        Err(e) => Err(Error::Output {
            path: "stdout".into(),
            message: e.to_string(),
        }),
    }
}

/// Text a terminal shows as text: UTF-8 without controls other than newline and tab.
fn terminal_safe(bytes: &[u8]) -> bool {
    std::str::from_utf8(bytes).is_ok_and(|t| {
        t.split(['\n', '\t'])
            .all(|piece| matches!(crate::escape::text(piece), std::borrow::Cow::Borrowed(_)))
    })
}

/// `plummet extract`: files beneath DIR, a one-line summary on stderr.
pub fn extract(s: &ExtractSettings) -> Result<Outcome, Error> {
    let image = load(&s.image, &s.load, s.quiet)?;
    let layer = content::layer_or_last(&image, s.layer)?;
    let paths: Vec<Vec<u8>> = s.paths.iter().map(|p| p.as_bytes().to_vec()).collect();
    let summary = extract::extract(
        &image,
        layer,
        &paths,
        &s.output,
        ExtractOptions {
            same_owner: s.same_owner,
            read: read_options(&s.load),
        },
    )?;
    if !s.quiet {
        for skipped in &summary.skipped {
            crate::say!("skipped {skipped}");
        }
        crate::say!(
            "extracted {} files ({} bytes), {} directories and {} symlinks into {}",
            summary.files,
            summary.bytes,
            summary.dirs,
            summary.symlinks,
            s.output.display()
        );
    }
    Ok(Outcome::Passed)
}

/// `plummet diff A B --file PATH`: the unified diff of one file's final versions.
pub fn diff_file(s: &DiffSettings, path: &str) -> Result<Outcome, Error> {
    let a = load(&s.image_a, &s.load, s.quiet)?;
    let b = load(&s.image_b, &s.load, s.quiet)?;
    let mut va = compare::final_version(&a, path.as_bytes(), read_options(&s.load))?;
    let mut vb = compare::final_version(&b, path.as_bytes(), read_options(&s.load))?;
    let shown = crate::escape::text(path.trim_start_matches('/')).into_owned();
    let (label_a, label_b) = compare::labels(path.as_bytes());
    let text =
        compare::render(&label_a, &mut va, &label_b, &mut vb).map_err(|e| Error::Output {
            path: "diff".into(),
            message: e.to_string(),
        })?;
    let text = if text.is_empty() {
        format!("/{shown}: the same in both images\n")
    } else {
        text
    };
    crate::output::write_stdout(&text)?;
    Ok(Outcome::Passed)
}

/// Refuses a `--files-csv` target that cannot be written, before any image is read: standard
/// output (it carries the report) or a file in a directory that does not exist.
pub fn check_files_csv(path: &std::path::Path) -> Result<(), Error> {
    let fail = |message: &str| Error::Output {
        path: path.display().to_string(),
        message: format!("cannot write the --files-csv list: {message}"),
    };
    if path == std::path::Path::new("-") {
        return Err(fail("standard output carries the report; give a file name"));
    }
    if path.is_dir() {
        return Err(fail("it is a directory"));
    }
    match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() && !dir.is_dir() => {
            Err(fail(&format!("directory {} does not exist", dir.display())))
        }
        _ => Ok(()),
    }
}

/// `ci --files-csv FILE`: every layer's file list.
pub fn write_files_csv(image: &Image, path: &std::path::Path) -> Result<(), Error> {
    let text = content::listing::csv(&content::listing::rows(&image.tree));
    std::fs::write(path, text).map_err(|e| Error::Output {
        path: path.display().to_string(),
        message: format!("cannot write the file list: {e}"),
    })
}
