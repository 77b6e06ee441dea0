//! plummet: open a container image layer by layer, see what is inside, and learn what to trim.
//!
//! The pipeline is `source -> image -> layer index -> tree -> analysis -> report | ui | diff`;
//! [`run`] is the only place that wires the stages together.

pub mod analysis;
pub mod cli;
pub mod content;
pub mod diff;
pub mod dockerfile;
pub mod escape;
mod files;
pub mod fleet;
pub mod image;
pub mod layer;
pub mod manual;
mod output;
pub mod packages;
pub mod patch;
pub mod pipeline;
mod progress;
pub mod report;
pub mod settings;
pub mod source;
pub mod stderr;
pub mod suggestion;
#[cfg(test)]
pub mod testutil;
pub mod tree;
pub mod ui;

use std::io::IsTerminal;
use std::sync::Arc;

use cli::{Cli, Command};
use image::Progress;
use settings::{CiSettings, ConfigError, DiffSettings, ExploreSettings, Format, Reports, Settings};
use source::{LoadOptions, SourceError};

/// How a successful run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Every rule passed (or there were none).
    Passed,
    /// At least one CI rule failed.
    Failed,
    /// Reports were written, but an image of a scan could not be read.
    Incomplete,
}

/// Anything that stops plummet; all map to exit code 2.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Source(#[from] SourceError),
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error("{path}: {message}")]
    Output { path: String, message: String },
    #[error("{0}")]
    Usage(String),
    #[error(transparent)]
    Ui(#[from] ui::UiError),
    #[error(transparent)]
    Content(#[from] content::ContentError),
}

impl Error {
    /// The process exit code for this error.
    pub fn exit_code(&self) -> u8 {
        2
    }
}

impl Outcome {
    pub fn exit_code(self) -> u8 {
        match self {
            Outcome::Passed => 0,
            Outcome::Failed => 1,
            Outcome::Incomplete => 2,
        }
    }
}

/// Sets up `tracing` from `PLUMMET_LOG` (e.g. `PLUMMET_LOG=debug`). Reports own stdout; logs go to
/// stderr, except while the terminal UI runs, when they go to `PLUMMET_LOG_FILE` (default
/// `plummet.log` in the temporary directory) so they never touch the UI's screen.
pub fn init_logging(cli: &Cli) {
    let filter = match tracing_subscriber::EnvFilter::try_from_env("PLUMMET_LOG") {
        Ok(f) => f,
        Err(_) => tracing_subscriber::EnvFilter::new("warn"),
    };
    let interactive = matches!(cli.command, None | Some(Command::Explore(_)))
        || matches!(&cli.command, Some(Command::Diff(d)) if d.ui);
    if interactive {
        let path = std::env::var_os("PLUMMET_LOG_FILE")
            .map(std::path::PathBuf::from)
            .unwrap_or_else(|| std::env::temp_dir().join("plummet.log"));
        if std::env::var_os("PLUMMET_LOG").is_none() {
            return;
        }
        if let Ok(file) = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
        {
            let _ = tracing_subscriber::fmt()
                .with_env_filter(filter)
                .with_ansi(false)
                .with_writer(std::sync::Mutex::new(file))
                .try_init();
        }
        return;
    }
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(|| stderr::Stderr)
        .try_init();
}

/// Runs the command line: one settings step, then the command.
pub fn run(cli: Cli) -> Result<Outcome, Error> {
    let written = match &cli.command {
        Some(Command::Completions(args)) => Some(manual::completions(
            args.shell,
            &mut std::io::stdout().lock(),
        )),
        Some(Command::Man) => Some(manual::man(&mut std::io::stdout().lock())),
        _ => None,
    };
    if let Some(result) = written {
        return result.map(|()| Outcome::Passed).map_err(|e| Error::Output {
            path: "standard output".into(),
            message: e.to_string(),
        });
    }
    if let (None, Some(word)) = (&cli.command, &cli.image) {
        if let Some(command) = suggestion::mistyped_command(word) {
            return Err(Error::Usage(suggestion::message(word, command)));
        }
    }
    let env = settings::Environment::read();
    match settings::for_command(cli, &env)? {
        Some(Settings::Ci(s)) => ci(&s),
        Some(Settings::Explore(s)) => explore(s),
        Some(Settings::Diff(s)) => diff(&s),
        Some(Settings::Fix(s)) => patch::run(&s),
        Some(Settings::Scan(s)) => fleet::run::run(&s),
        Some(Settings::Cat(s)) => files::cat(&s),
        Some(Settings::Extract(s)) => files::extract(&s),
        None => Err(Error::Usage(
            "no image given: try `plummet IMAGE` or `plummet ci IMAGE` (see --help)".into(),
        )),
    }
}

fn explore(s: ExploreSettings) -> Result<Outcome, Error> {
    require_terminal(&s.ui, "`plummet ci IMAGE` for a report")?;
    let settings = ui::UiSettings {
        reference: s.image.clone(),
        keys: s.ui.keys,
        no_color: s.ui.no_color,
        initial_layer: None,
        changes_only: false,
        hide: s.ui.hide,
        collapsed: s.ui.collapsed,
        no_attributes: !s.ui.attributes,
    };
    let (input, base, options) = (s.image, s.base, s.load);
    let dockerfile = s.dockerfile.as_deref().map(patch::read).transpose()?;
    ui::run(
        move |progress| {
            let mut inspected = pipeline::inspect_on(&input, base.as_deref(), &options, progress)?;
            if let Some(read) = patch::choose(dockerfile.as_ref(), &inspected.image) {
                patch::attach(&read, &inspected.image, &mut inspected.analysis);
            }
            Ok(inspected)
        },
        settings,
    )?;
    Ok(Outcome::Passed)
}

/// Loads and analyzes one image with a progress bar.
pub fn load_and_analyze(
    input: &str,
    base: Option<&str>,
    options: &LoadOptions,
    quiet: bool,
) -> Result<pipeline::Inspected, Error> {
    let progress = Arc::new(Progress::default());
    progress.set_stage(format!("reading {input}"));
    let bar = progress::Bar::start(Arc::clone(&progress), quiet);
    let started = std::time::Instant::now();
    let inspected = pipeline::inspect_on(input, base, options, &progress)?;
    drop(bar);
    let image = &inspected.image;
    tracing::debug!(
        image = input,
        layers = image.tree.layers.len(),
        entries = image.tree.entry_count(),
        tree_bytes = image.tree.heap_bytes(),
        load_and_analyze_ms = started.elapsed().as_millis() as u64,
        "analyzed"
    );
    Ok(inspected)
}

fn ci(s: &CiSettings) -> Result<Outcome, Error> {
    output::check_targets(&s.reports)?;
    let dockerfile = s.dockerfile.as_deref().map(patch::read).transpose()?;
    if let Some(path) = &s.files_csv {
        files::check_files_csv(path)?;
    }
    let mut inspected = load_and_analyze(&s.image, s.base.as_deref(), &s.load, s.quiet)?;
    analysis::ignore::apply(&mut inspected.analysis, &inspected.image.tree, &s.ignore);
    if let Some(read) = patch::choose(dockerfile.as_ref(), &inspected.image) {
        patch::attach(&read, &inspected.image, &mut inspected.analysis);
    }
    let (image, analysis) = inspected.parts();
    if let Some(path) = &s.files_csv {
        files::write_files_csv(image, path)?;
    }
    let mut results = report::rules::evaluate(analysis, &s.rules);
    results.extend(report::budgets::evaluate(
        &image.tree,
        analysis,
        &s.rules.max_path_bytes,
    ));
    let forgiven = s
        .baseline
        .as_ref()
        .map(|b| report::baseline::forgive(&mut results, image, analysis, &s.rules, b));
    let r = &s.reports;
    output::write_reports(
        r,
        |format| match format {
            Format::Json => {
                let mut json = report::json::report(image, analysis, &results, r.top.max(100));
                json.baseline = s
                    .baseline
                    .as_ref()
                    .zip(forgiven)
                    .map(|(b, n)| report::json::baseline(b, n));
                if s.json_files {
                    json.files = Some(report::json::files(image));
                }
                report::json::to_string(&json)
            }
            Format::Markdown => report::markdown::render(image, analysis, &results, r.top),
            Format::Junit => {
                let mut properties = report::junit::Properties::new();
                report::junit::ignored_properties("", &analysis.ignored, &mut properties);
                if let Some(b) = &s.baseline {
                    report::junit::baseline_properties(b, &results, &mut properties);
                }
                report::junit::render("plummet ci", &analysis.reference, &results, &properties)
            }
            Format::CodeQuality => report::codequality::render(
                "ci",
                &analysis.reference,
                &report::issue::all(image, analysis),
                &results,
            ),
            Format::Sarif => report::sarif::ci(image, analysis, &results, s.baseline.as_ref()),
            Format::Html => report::html::render(image, analysis, &results),
        },
        || report::text::render(image, analysis, &results, r.top, text_style(r)),
    )?;
    Ok(outcome(&results))
}

fn diff(s: &DiffSettings) -> Result<Outcome, Error> {
    if let Some(path) = &s.file {
        return files::diff_file(s, path);
    }
    if let Some(ui) = &s.ui {
        require_terminal(ui, "`plummet diff A B` without --ui for a report")?;
        return diff_ui(s, ui);
    }
    output::check_targets(&s.reports)?;
    let dockerfile = s.dockerfile.as_deref().map(patch::read).transpose()?;
    let (mut a, mut b, _cache) = diff::load::pair(&s.image_a, &s.image_b, &s.load, s.quiet)?;
    for side in [&mut a, &mut b] {
        analysis::ignore::apply(&mut side.analysis, &side.image.tree, &s.ignore);
    }
    // The Dockerfile is the one image B (the change under review) was built from.
    if let Some(read) = patch::choose(dockerfile.as_ref(), &b.image) {
        patch::attach(&read, &b.image, &mut b.analysis);
    }
    let (ia, aa) = a.parts();
    let (ib, ab) = b.parts();
    let comparison = diff::compare((ia, aa), (ib, ab));
    let results = diff::rules::evaluate(&comparison, &s.rules);
    let r = &s.reports;
    let subject = format!("{} -> {}", aa.reference, ab.reference);
    // What B brings that A did not have: the findings a CI system should flag as new.
    let new_findings = || {
        let indexes = comparison
            .findings_added
            .iter()
            .flat_map(|c| c.in_b.iter().copied());
        report::issue::selected(ib, ab, indexes)
    };
    output::write_reports(
        r,
        |format| match format {
            Format::Json => {
                let report =
                    diff::json::report((ia, aa), (ib, ab), &comparison, &results, r.top.max(100));
                diff::json::to_string(&report)
            }
            Format::Markdown => {
                let mut md = diff::markdown::render(aa, ab, &comparison, &results, r.top);
                diff::zstd::markdown((ia, aa), (ib, ab), &mut md);
                md
            }
            Format::Junit => {
                let mut properties = report::junit::Properties::new();
                report::junit::ignored_properties(".a", &aa.ignored, &mut properties);
                report::junit::ignored_properties(".b", &ab.ignored, &mut properties);
                report::junit::render("plummet diff", &subject, &results, &properties)
            }
            Format::CodeQuality => {
                report::codequality::render("diff", &subject, &new_findings(), &results)
            }
            Format::Sarif => report::sarif::diff(&new_findings(), aa, ab),
            Format::Html => diff::html::render((ia, aa), (ib, ab), &comparison, &results),
        },
        || {
            let mut zstd = String::new();
            diff::zstd::text((ia, aa), (ib, ab), &mut zstd);
            diff::text::render_with(aa, ab, &comparison, &results, r.top, text_style(r), &zstd)
        },
    )?;
    Ok(outcome(&results))
}

/// `plummet diff A B --ui`: the terminal UI in diff mode, both images read concurrently.
fn diff_ui(s: &DiffSettings, ui: &settings::UiStart) -> Result<Outcome, Error> {
    let (a, b) = (s.image_a.clone(), s.image_b.clone());
    let options = s.load.clone();
    let settings = ui::DiffSettings {
        reference_a: a.clone(),
        reference_b: b.clone(),
        ui: ui::UiSettings {
            keys: ui.keys.clone(),
            no_color: ui.no_color,
            ..ui::UiSettings::default()
        },
    };
    ui::run_diff(
        move |progress_a, progress_b| {
            diff::load::pair_with_progress(&a, &b, &options, progress_a, progress_b)
        },
        settings,
    )?;
    Ok(Outcome::Passed)
}

fn outcome(results: &[report::rules::RuleResult]) -> Outcome {
    if report::rules::passed(results) {
        Outcome::Passed
    } else {
        Outcome::Failed
    }
}

fn text_style(r: &Reports) -> report::text::Style {
    report::text::Style { color: r.color }
}

/// Refuses to start the terminal UI without a terminal, before anything is written to it: drawing
/// into a pipe or a file, or waiting for keys that cannot come, helps nobody. When the
/// credentials come on stdin, the UI reads its keys from the controlling terminal instead.
fn require_terminal(ui: &settings::UiStart, instead: &str) -> Result<(), Error> {
    let input = if ui.stdin_taken {
        std::fs::File::open("/dev/tty").is_ok()
    } else {
        std::io::stdin().is_terminal()
    };
    if input && std::io::stdout().is_terminal() {
        return Ok(());
    }
    Err(Error::Usage(format!(
        "the terminal UI needs a terminal on standard input and output: use {instead}"
    )))
}
