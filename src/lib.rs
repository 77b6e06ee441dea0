//! plummet: open a container image layer by layer, see what is inside, and learn what to trim.
//!
//! The pipeline is `source -> image -> layer index -> tree -> analysis -> report | ui | diff`;
//! [`run`] is the only place that wires the stages together.

pub mod analysis;
pub mod cli;
pub mod diff;
pub mod escape;
pub mod image;
pub mod layer;
pub mod pipeline;
mod progress;
pub mod report;
pub mod settings;
pub mod source;
#[cfg(test)]
pub mod testutil;
pub mod tree;
pub mod ui;

use std::io::{IsTerminal, Write};
use std::path::Path;
use std::sync::Arc;

use cli::{CiArgs, Cli, Command, DiffArgs, ReportArgs};
use image::Progress;
use settings::{ConfigError, ConfigFile};
use source::SourceError;

/// How a successful run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Every rule passed (or there were none).
    Passed,
    /// At least one CI rule failed.
    Failed,
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
        .with_writer(std::io::stderr)
        .try_init();
}

/// Runs the command line.
pub fn run(cli: Cli) -> Result<Outcome, Error> {
    match cli.command {
        Some(Command::Ci(args)) => ci(&args),
        Some(Command::Diff(args)) => diff(&args),
        Some(Command::Explore(args)) => explore(&args.image, &args.source),
        None => match &cli.image {
            Some(image) => explore(image, &cli.source),
            None => Err(Error::Usage(
                "no image given: try `plummet IMAGE` or `plummet ci IMAGE` (see --help)".into(),
            )),
        },
    }
}

fn explore(image: &str, source: &cli::SourceArgs) -> Result<Outcome, Error> {
    if ci_requested() {
        // dive's documented switch: in CI, the report and rules instead of the UI.
        return ci(&CiArgs {
            image: image.to_string(),
            source: source.clone(),
            ..CiArgs::default()
        });
    }
    require_terminal(source, "`plummet ci IMAGE` for a report")?;
    let file = ConfigFile::discover(source.config.as_deref())?;
    let options = settings::load_options(source, &file)?;
    let input = image.to_string();
    let settings = ui::UiSettings {
        reference: image.to_string(),
        keys: file.ui.keys.clone().into_iter().collect(),
        no_color: std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty()),
        initial_layer: None,
        changes_only: false,
    };
    ui::run(
        move |progress| pipeline::inspect(&input, &options, progress),
        settings,
    )?;
    Ok(Outcome::Passed)
}

/// Loads and analyzes one image with a progress bar.
pub fn load_and_analyze(
    input: &str,
    source: &cli::SourceArgs,
    file: &ConfigFile,
) -> Result<pipeline::Inspected, Error> {
    let options = settings::load_options(source, file)?;
    let progress = Arc::new(Progress::default());
    progress.set_stage(format!("reading {input}"));
    let bar = progress::Bar::start(Arc::clone(&progress), source.quiet);
    let started = std::time::Instant::now();
    let inspected = pipeline::inspect(input, &options, &progress)?;
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

fn ci(args: &CiArgs) -> Result<Outcome, Error> {
    let file = ConfigFile::discover(args.source.config.as_deref())?;
    let rules = settings::rules(args, &file)?;
    let inspected = load_and_analyze(&args.image, &args.source, &file)?;
    let results = report::rules::evaluate(&inspected.analysis, &rules);
    write_reports(&inspected, &results, &args.report)?;
    Ok(if report::rules::passed(&results) {
        Outcome::Passed
    } else {
        Outcome::Failed
    })
}

fn diff(args: &DiffArgs) -> Result<Outcome, Error> {
    let file = ConfigFile::discover(args.source.config.as_deref())?;
    if args.ui && !ci_requested() {
        require_terminal(&args.source, "`plummet diff A B` without --ui for a report")?;
        return diff_ui(args, &file);
    }
    let rules = diff::rules::DiffRules::from_args(args)?;
    let options = settings::load_options(&args.source, &file)?;
    let (a, b, _cache) =
        diff::load::pair(&args.image_a, &args.image_b, &options, args.source.quiet)?;
    let (ia, aa) = a.parts();
    let (ib, ab) = b.parts();
    let comparison = diff::compare((ia, aa), (ib, ab));
    let results = diff::rules::evaluate(&comparison, &rules);
    let r = &args.report;
    let mut stdout_taken = false;
    if let Some(path) = &r.json {
        let report = diff::json::report(
            (ia, aa),
            (ib, ab),
            &comparison,
            &results,
            r.top.max(100),
        );
        stdout_taken |= write_output(path, &diff::json::to_string(&report))?;
    }
    if let Some(path) = &r.markdown {
        let text = diff::markdown::render(aa, ab, &comparison, &results, r.top);
        stdout_taken |= write_output(path, &text)?;
    }
    if !stdout_taken {
        let style = report::text::Style {
            color: color_wanted(),
        };
        let text = diff::text::render(aa, ab, &comparison, &results, r.top, style);
        write_output(Path::new("-"), &text)?;
    }
    Ok(if report::rules::passed(&results) {
        Outcome::Passed
    } else {
        Outcome::Failed
    })
}

/// `plummet diff A B --ui`: the terminal UI in diff mode, both images read concurrently.
fn diff_ui(args: &DiffArgs, file: &ConfigFile) -> Result<Outcome, Error> {
    let options = settings::load_options(&args.source, file)?;
    let (a, b) = (args.image_a.clone(), args.image_b.clone());
    let settings = ui::DiffSettings {
        reference_a: a.clone(),
        reference_b: b.clone(),
        ui: ui::UiSettings {
            keys: file.ui.keys.clone().into_iter().collect(),
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

/// Whether the environment asks for CI mode: `CI` set to a value Go's `strconv.ParseBool` reads
/// as true, since that is how dive reads the same switch.
fn ci_requested() -> bool {
    std::env::var("CI")
        .is_ok_and(|v| matches!(v.as_str(), "1" | "t" | "T" | "true" | "TRUE" | "True"))
}

/// Refuses to start the terminal UI without a terminal, before anything is written to it: drawing
/// into a pipe or a file, or waiting for keys that cannot come, helps nobody. When the
/// credentials come on stdin, the UI reads its keys from the controlling terminal instead.
fn require_terminal(source: &cli::SourceArgs, instead: &str) -> Result<(), Error> {
    let input = if source.creds_stdin || source.token_stdin {
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

fn color_wanted() -> bool {
    std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()) && std::io::stdout().is_terminal()
}

fn write_reports(
    inspected: &pipeline::Inspected,
    results: &[report::rules::RuleResult],
    args: &ReportArgs,
) -> Result<(), Error> {
    let (image, analysis) = inspected.parts();
    let mut stdout_taken = false;
    if let Some(path) = &args.json {
        let text = report::json::to_string(&report::json::report(
            image,
            analysis,
            results,
            args.top.max(100),
        ));
        stdout_taken |= write_output(path, &text)?;
    }
    if let Some(path) = &args.markdown {
        let text = report::markdown::render(image, analysis, results, args.top);
        stdout_taken |= write_output(path, &text)?;
    }
    if !stdout_taken {
        let style = report::text::Style {
            color: color_wanted(),
        };
        let text = report::text::render(image, analysis, results, args.top, style);
        write_output(Path::new("-"), &text)?;
    }
    Ok(())
}

/// Writes to a file, or to stdout for `-`; returns whether stdout was used.
fn write_output(path: &Path, text: &str) -> Result<bool, Error> {
    if path == Path::new("-") {
        let mut out = std::io::stdout().lock();
        // A closed pipe (`| head`) is not an error worth reporting.
        match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {}
            Err(e) => {
                return Err(Error::Output {
                    path: "stdout".into(),
                    message: e.to_string(),
                });
            }
        }
        return Ok(true);
    }
    std::fs::write(path, text).map_err(|e| Error::Output {
        path: path.display().to_string(),
        message: format!("cannot write report: {e}"),
    })?;
    Ok(false)
}
