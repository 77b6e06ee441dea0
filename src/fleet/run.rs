//! Running `plummet scan`: the image list (arguments, `--from-file`, `--all-tags`, `--shard`),
//! a bounded number of images analyzed at a time through the layer-index cache, each one's row
//! written as JSON lines as soon as it is done and its analysis dropped, so memory follows the
//! largest images in flight and not the fleet; then the fleet report.

use std::io::{IsTerminal, Write};
use std::path::Path;
use std::sync::mpsc;
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use indicatif::{ProgressBar, ProgressStyle};

use super::shard::{self, Shard};
use super::{ScanImage, ScanReport, render};
use crate::image::Progress;
use crate::settings::{Format, ScanSettings};
use crate::{Error, Outcome, output, pipeline};

/// Runs the scan (or the merge) and writes its reports.
pub fn run(s: &ScanSettings) -> Result<Outcome, Error> {
    output::check_targets(&s.reports)?;
    let report = if s.merge.is_empty() {
        scan(s)?
    } else {
        merge(&s.merge)?
    };
    let top = s.reports.top;
    let stdout_taken = s.jsonl.as_deref() == Some(Path::new("-"));
    let text = || {
        if stdout_taken {
            String::new()
        } else {
            render::text(&report, top)
        }
    };
    output::write_reports(
        &s.reports,
        |format| match format {
            Format::Json => to_json(&report),
            Format::Markdown => render::markdown(&report, top),
            _ => String::new(),
        },
        text,
    )?;
    Ok(if report.unreadable_images > 0 {
        Outcome::Incomplete
    } else if report.failed_images > 0 {
        Outcome::Failed
    } else {
        Outcome::Passed
    })
}

fn to_json(report: &ScanReport) -> String {
    serde_json::to_string_pretty(report)
        .map_or_else(|e| format!("{{\"error\": \"{e}\"}}"), |t| t + "\n")
}

fn merge(files: &[std::path::PathBuf]) -> Result<ScanReport, Error> {
    let mut reports = Vec::new();
    for path in files {
        let name = path.display().to_string();
        let fail = |message: String| Error::Output {
            path: name.clone(),
            message,
        };
        let text = std::fs::read_to_string(path)
            .map_err(|e| fail(format!("cannot read the shard report: {e}")))?;
        let report: ScanReport = serde_json::from_str(&text).map_err(|e| {
            fail(format!(
                "not a `plummet scan --json` report: {}",
                crate::layer::one_line(&e.to_string())
            ))
        })?;
        reports.push((name, report));
    }
    shard::merge(reports).map_err(Error::Usage)
}

/// The full image list, in order, without repeats: `--all-tags` asks each repository's registry.
fn images(s: &ScanSettings) -> Result<Vec<String>, Error> {
    let mut list = Vec::new();
    for input in &s.inputs {
        if s.all_tags {
            let repo = input.strip_prefix("docker://").unwrap_or(input);
            for tag in crate::source::registry::tags::list(input, &s.load)? {
                list.push(format!("docker://{repo}:{tag}"));
            }
        } else {
            list.push(input.clone());
        }
    }
    let mut seen = std::collections::HashSet::new();
    list.retain(|r| seen.insert(r.clone()));
    Ok(list)
}

fn scan(s: &ScanSettings) -> Result<ScanReport, Error> {
    let all = images(s)?;
    let mine: Vec<(usize, String)> = all
        .into_iter()
        .enumerate()
        .filter(|(_, r)| {
            s.shard
                .is_none_or(|(index, count)| Shard { index, count }.takes(r))
        })
        .collect();
    let mut jsonl = open_jsonl(s.jsonl.as_deref())?;
    let bar = bar(mine.len() as u64, s.quiet);
    let queue = Mutex::new(mine.into_iter().rev().collect::<Vec<_>>());
    let in_flight = Mutex::new(Vec::<String>::new());
    let (tx, rx) = mpsc::channel::<ScanImage>();
    let mut rows = Vec::new();
    let mut write_error = None;
    std::thread::scope(|scope| {
        for _ in 0..s.jobs.max(1) {
            let tx = tx.clone();
            let (queue, in_flight) = (&queue, &in_flight);
            scope.spawn(move || {
                loop {
                    let next = queue.lock().unwrap_or_else(PoisonError::into_inner).pop();
                    let Some((position, reference)) = next else {
                        break;
                    };
                    set_in_flight(in_flight, &reference, true);
                    let row = analyze(position, &reference, s);
                    set_in_flight(in_flight, &reference, false);
                    if tx.send(row).is_err() {
                        break;
                    }
                }
            });
        }
        drop(tx);
        loop {
            match rx.recv_timeout(Duration::from_millis(200)) {
                Ok(row) => {
                    if let Some(out) = jsonl.as_mut() {
                        let line = serde_json::to_string(&row).unwrap_or_default();
                        if let Err(e) = writeln!(out, "{line}").and_then(|()| out.flush()) {
                            write_error.get_or_insert(e);
                        }
                    }
                    bar.inc(1);
                    rows.push(row);
                }
                Err(mpsc::RecvTimeoutError::Timeout) => {}
                Err(mpsc::RecvTimeoutError::Disconnected) => break,
            }
            let names = in_flight
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .join(", ");
            bar.set_message(crate::report::format::truncate(
                &crate::escape::text(&names),
                60,
            ));
        }
    });
    bar.finish_and_clear();
    if let Some(e) = write_error {
        if e.kind() != std::io::ErrorKind::BrokenPipe {
            return Err(Error::Output {
                path: s
                    .jsonl
                    .as_ref()
                    .map_or_else(String::new, |p| p.display().to_string()),
                message: format!("cannot write the --jsonl report: {e}"),
            });
        }
    }
    if let (Some(cache), false) = (&s.load.index.disk_cache, s.quiet) {
        crate::say!(
            "layer-index cache {}: {} layers reused, {} indexed and stored",
            cache.dir().display(),
            cache.hits(),
            cache.writes()
        );
    }
    Ok(super::report(rows))
}

fn set_in_flight(list: &Mutex<Vec<String>>, reference: &str, on: bool) {
    let mut list = list.lock().unwrap_or_else(PoisonError::into_inner);
    if on {
        list.push(reference.to_string());
    } else if let Some(at) = list.iter().position(|r| r == reference) {
        list.remove(at);
    }
}

/// One image's row; its analysis is dropped before the next image starts.
fn analyze(position: usize, reference: &str, s: &ScanSettings) -> ScanImage {
    let progress = Progress::default();
    match pipeline::inspect_on(reference, s.base.as_deref(), &s.load, &progress) {
        Ok(inspected) => {
            let (image, analysis) = inspected.parts();
            let results = crate::report::rules::evaluate(analysis, &s.rules);
            ScanImage::of(position, reference, image, analysis, &results)
        }
        Err(e) => {
            tracing::warn!("cannot read {}: {e}", crate::escape::text(reference));
            ScanImage::unreadable(position, reference, e.to_string())
        }
    }
}

fn open_jsonl(path: Option<&Path>) -> Result<Option<Box<dyn Write + Send>>, Error> {
    let Some(path) = path else { return Ok(None) };
    if path == Path::new("-") {
        return Ok(Some(Box::new(std::io::stdout())));
    }
    let file = std::fs::File::create(path).map_err(|e| Error::Output {
        path: path.display().to_string(),
        message: format!("cannot write the --jsonl report: {e}"),
    })?;
    Ok(Some(Box::new(std::io::BufWriter::new(file))))
}

/// One progress line for the whole scan, on a terminal only.
fn bar(images: u64, quiet: bool) -> ProgressBar {
    if quiet || !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(images);
    if let Ok(style) = ProgressStyle::with_template(
        "{spinner} scanning [{bar:30}] {pos}/{len} images {elapsed}  {msg}",
    ) {
        bar.set_style(style.progress_chars("=> "));
    }
    bar.enable_steady_tick(Duration::from_millis(120));
    bar
}
