//! The one settings step per command, as ripgrep's `LowArgs -> HiArgs`: the parsed command line,
//! the config files and the environment (read once, here) become one validated value per
//! command. Nothing past this step sees `cli::` types or reads these variables.

use std::collections::{BTreeSet, HashMap};
use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use super::dive_config::is_dive_config;
use super::{ConfigError, ConfigFile, DiveConfig, RuleSet, load_options, parse_size, rules_from};
use crate::analysis::{FindingKind, Ignore};
use crate::cli::{CiArgs, Cli, Command, DiffArgs, ReportArgs, SourceArgs};
use crate::diff::rules::{DiffRules, Growth};
use crate::report::baseline::Baseline;
use crate::source::LoadOptions;

/// What plummet reads from its environment, read once.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Environment {
    /// `NO_COLOR` set and not empty (no-color.org).
    pub no_color: bool,
    /// `CI` set to a value Go's `strconv.ParseBool` reads as true: dive's switch to its CI mode.
    pub ci: bool,
    /// Standard output is a terminal (colours in the text report).
    pub stdout_is_terminal: bool,
}

impl Environment {
    pub fn read() -> Environment {
        Environment {
            no_color: std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty()),
            ci: std::env::var("CI")
                .is_ok_and(|v| matches!(v.as_str(), "1" | "t" | "T" | "true" | "TRUE" | "True")),
            stdout_is_terminal: std::io::stdout().is_terminal(),
        }
    }
}

/// A report a flag asks for, written to a file or to stdout.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Json,
    Markdown,
    Junit,
    CodeQuality,
    Sarif,
    Html,
}

impl Format {
    /// The flag that asks for it, for messages.
    pub fn flag(self) -> &'static str {
        match self {
            Format::Json => "--json",
            Format::Markdown => "--markdown",
            Format::Junit => "--junit",
            Format::CodeQuality => "--gitlab-codequality",
            Format::Sarif => "--sarif",
            Format::Html => "--html",
        }
    }
}

/// Where the reports go and how they look.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reports {
    pub json: Option<PathBuf>,
    pub markdown: Option<PathBuf>,
    pub junit: Option<PathBuf>,
    pub gitlab_codequality: Option<PathBuf>,
    pub sarif: Option<PathBuf>,
    pub html: Option<PathBuf>,
    /// How many of the largest paths to list.
    pub top: usize,
    /// Colours in the text report: stdout is a terminal and `NO_COLOR` is not set.
    pub color: bool,
}

impl Reports {
    /// Refuses two reports on stdout (`-`): interleaved, neither could be read.
    pub(super) fn new(args: &ReportArgs, env: &Environment) -> Result<Reports, ConfigError> {
        let reports = Reports {
            json: args.json.clone(),
            markdown: args.markdown.clone(),
            junit: args.junit.clone(),
            gitlab_codequality: args.gitlab_codequality.clone(),
            sarif: args.sarif.clone(),
            html: args.html.clone(),
            top: args.top,
            color: env.stdout_is_terminal && !env.no_color,
        };
        let stdout: Vec<&str> = reports
            .targets()
            .filter(|(_, path)| *path == Path::new("-"))
            .map(|(format, _)| format.flag())
            .collect();
        if let [first, second, ..] = stdout[..] {
            return Err(ConfigError::Invalid(format!(
                "{first} - and {second} - both write to standard output: give one of them a file"
            )));
        }
        Ok(reports)
    }

    /// The reports asked for, in the order they are written, with their targets.
    pub fn targets(&self) -> impl Iterator<Item = (Format, &Path)> {
        [
            (Format::Json, &self.json),
            (Format::Markdown, &self.markdown),
            (Format::Junit, &self.junit),
            (Format::CodeQuality, &self.gitlab_codequality),
            (Format::Sarif, &self.sarif),
            (Format::Html, &self.html),
        ]
        .into_iter()
        .filter_map(|(format, path)| path.as_deref().map(|p| (format, p)))
    }
}

/// How the terminal UI starts, beyond the image.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UiStart {
    /// Key overrides from the config file.
    pub keys: HashMap<String, String>,
    pub no_color: bool,
    /// Standard input carries credentials: the UI's keys come from the controlling terminal.
    pub stdin_taken: bool,
    /// dive's `diff.hide`: statuses hidden at start (`added`, `removed`, `modified`, `unmodified`).
    pub hide: Vec<String>,
    /// dive's `filetree.collapse-dir`: the tree opens collapsed.
    pub collapsed: bool,
    /// dive's `filetree.show-attributes`.
    pub attributes: bool,
}

impl UiStart {
    /// dive's config first, then plummet's own `[ui.keys]`, which wins for an action both set.
    fn new(
        source: &SourceArgs,
        file: &ConfigFile,
        dive: &DiveConfig,
        env: &Environment,
    ) -> UiStart {
        let mut keys = dive.keys.clone();
        keys.extend(file.ui.keys.clone());
        UiStart {
            keys,
            no_color: env.no_color,
            stdin_taken: source.creds_stdin || source.token_stdin,
            hide: dive.hide.clone(),
            collapsed: dive.collapse_dir,
            attributes: dive.show_attributes,
        }
    }
}

/// plummet's TOML config and dive's YAML one: `--config` names either (by its extension); the
/// other is found where it usually is. dive's warnings are logged once here.
fn configs(source: &SourceArgs) -> Result<(ConfigFile, DiveConfig), ConfigError> {
    let explicit = source.config.as_deref();
    let dive_explicit = explicit.filter(|p| is_dive_config(p));
    let file = ConfigFile::discover(explicit.filter(|p| !is_dive_config(p)))?;
    let dive = DiveConfig::discover(dive_explicit)?;
    if let Some(path) = &dive.path {
        for warning in &dive.warnings {
            tracing::warn!("{}: {warning}", path.display());
        }
    }
    Ok((file, dive))
}

/// `plummet ci IMAGE`, or `plummet IMAGE` with `CI=true`.
#[derive(Debug)]
pub struct CiSettings {
    pub image: String,
    /// `--base IMAGE`: the image this one was built on.
    pub base: Option<String>,
    pub load: LoadOptions,
    pub rules: RuleSet,
    pub reports: Reports,
    pub quiet: bool,
    /// `--dockerfile PATH`.
    pub dockerfile: Option<PathBuf>,
    /// `[ignore]` of the config.
    pub ignore: Ignore,
    /// `--baseline FILE`, read and checked.
    pub baseline: Option<Baseline>,
    /// `--files-csv FILE`: every layer's file list as CSV.
    pub files_csv: Option<PathBuf>,
    /// `--json-files`: the file list in the JSON report too.
    pub json_files: bool,
}

/// `plummet IMAGE`: the terminal UI.
#[derive(Debug)]
pub struct ExploreSettings {
    pub image: String,
    /// `--base IMAGE`: the image this one was built on.
    pub base: Option<String>,
    pub load: LoadOptions,
    pub ui: UiStart,
    /// `--dockerfile PATH`.
    pub dockerfile: Option<PathBuf>,
}

/// `plummet diff A B`.
#[derive(Debug)]
pub struct DiffSettings {
    pub image_a: String,
    pub image_b: String,
    pub load: LoadOptions,
    pub rules: DiffRules,
    pub reports: Reports,
    pub quiet: bool,
    /// `--ui` without `CI=true`: the terminal UI instead of the reports.
    pub ui: Option<UiStart>,
    /// `[ignore]` of the config, applied to both images.
    pub ignore: Ignore,
    /// `--dockerfile PATH`: the Dockerfile of image B.
    pub dockerfile: Option<PathBuf>,
    /// `--file PATH`: compare this one file instead of the images.
    pub file: Option<String>,
}

/// `plummet fix IMAGE --dockerfile PATH -o OUTDIR`.
#[derive(Debug)]
pub struct FixSettings {
    pub image: String,
    pub base: Option<String>,
    pub load: LoadOptions,
    /// `--dockerfile PATH`; without it, the Dockerfile of the image's provenance attestation.
    pub dockerfile: Option<PathBuf>,
    /// The build context: `--context`, else the Dockerfile's directory (the current directory
    /// for a Dockerfile from the provenance attestation).
    pub context: PathBuf,
    pub output: PathBuf,
    pub quiet: bool,
}

/// One command, ready to run.
#[derive(Debug)]
pub enum Settings {
    Ci(CiSettings),
    Explore(ExploreSettings),
    Diff(DiffSettings),
    Fix(FixSettings),
    Scan(super::ScanSettings),
    Cat(super::CatSettings),
    Extract(super::ExtractSettings),
}

/// Builds the settings of the command line's command. `None` when no image is given.
pub fn for_command(cli: Cli, env: &Environment) -> Result<Option<Settings>, ConfigError> {
    let dive_flags = cli.dive;
    let (image, source) = match cli.command {
        Some(Command::Ci(args)) => return ci(args, env).map(|s| Some(Settings::Ci(s))),
        Some(Command::Diff(args)) => return diff(&args, env).map(|s| Some(Settings::Diff(s))),
        Some(Command::Explore(args)) => (args.image, args.source),
        Some(Command::Fix(args)) => return fix(args).map(|s| Some(Settings::Fix(s))),
        Some(Command::Scan(args)) => {
            return super::scan::scan(&args, env).map(|s| Some(Settings::Scan(s)));
        }
        // Written by `plummet::run` before any settings are needed.
        Some(Command::Completions(_) | Command::Man) => return Ok(None),
        Some(Command::Cat(args)) => return super::files::cat(args).map(|s| Some(Settings::Cat(s))),
        Some(Command::Extract(args)) => {
            return super::files::extract(args).map(|s| Some(Settings::Extract(s)));
        }
        None => match cli.image {
            Some(image) => (image, cli.source),
            None => return Ok(None),
        },
    };
    let (file, dive) = configs(&source)?;
    let image = super::dive_flags::image(&image, dive_flags.source.or(dive.source));
    let json = dive_flags.json.clone().or_else(|| dive.json_path.clone());
    let checks_rules = env.ci || dive_flags.ci || dive.ci;
    if checks_rules || json.is_some() {
        // dive's switches: in CI (CI=true, --ci or `ci: true`), the report and rules instead of
        // the UI; with --json alone, the JSON report without rules, as dive exports.
        let mut args = super::dive_flags::ci_args(image, source, dive_flags);
        args.report.json = json;
        let mut settings = ci(args, env)?;
        if !checks_rules {
            settings.rules = RuleSet::none();
        }
        return Ok(Some(Settings::Ci(settings)));
    }
    super::dive_flags::refuse_ci_only(&dive_flags)?;
    Ok(Some(Settings::Explore(ExploreSettings {
        dockerfile: source.dockerfile.clone(),
        base: source.base.clone(),
        // The viewer opens files: the cache is on by default, as for `cat` (docs/files.md).
        load: super::files::content_load_options(&source, &file)?,
        ui: UiStart::new(&source, &file, &dive, env),
        image,
    })))
}

fn ci(mut args: CiArgs, env: &Environment) -> Result<CiSettings, ConfigError> {
    let (file, dive) = configs(&args.source)?;
    if args.rules.ci_config.is_none() {
        args.rules.ci_config = dive.ci_config.clone();
    }
    Ok(CiSettings {
        image: args.image.clone(),
        base: args.source.base.clone(),
        rules: rules_from(dive.rule_base(), &args.rules, &file)?,
        load: estimating(load_options(&args.source, &file)?, &args.report),
        reports: Reports::new(&args.report, env)?,
        quiet: args.source.quiet,
        ignore: super::noise::ignore(&file)?,
        baseline: super::noise::baseline(
            args.baseline.as_deref(),
            args.baseline_tolerance.as_deref(),
        )?,
        dockerfile: args.source.dockerfile.clone(),
        files_csv: args.files_csv.clone(),
        json_files: args.json_files,
    })
}

fn fix(args: crate::cli::FixArgs) -> Result<FixSettings, ConfigError> {
    let file = ConfigFile::discover(args.source.config.as_deref())?;
    // Without --dockerfile, the image's provenance attestation may carry it: `patch::run`
    // says so when it does not.
    let dockerfile = args.source.dockerfile.clone();
    let context = args.context.clone().unwrap_or_else(|| {
        dockerfile
            .as_deref()
            .and_then(Path::parent)
            .filter(|p| !p.as_os_str().is_empty())
            .map_or_else(|| PathBuf::from("."), Path::to_path_buf)
    });
    Ok(FixSettings {
        image: args.image.clone(),
        base: args.source.base.clone(),
        load: load_options(&args.source, &file)?,
        dockerfile,
        context,
        output: args.output.clone(),
        quiet: args.source.quiet,
    })
}

fn diff(args: &DiffArgs, env: &Environment) -> Result<DiffSettings, ConfigError> {
    let (file, dive) = configs(&args.source)?;
    Ok(DiffSettings {
        image_a: args.image_a.clone(),
        image_b: args.image_b.clone(),
        rules: diff_rules(args)?,
        // The diff UI's viewer opens files as the single-image UI's does: the cache (and its seek
        // maps) on by default there; the reports keep it opt-in, as `ci` does.
        load: estimating(
            if args.ui && !env.ci {
                super::files::content_load_options(&args.source, &file)?
            } else {
                load_options(&args.source, &file)?
            },
            &args.report,
        ),
        reports: Reports::new(&args.report, env)?,
        quiet: args.source.quiet,
        ui: (args.ui && !env.ci).then(|| UiStart::new(&args.source, &file, &dive, env)),
        dockerfile: args.source.dockerfile.clone(),
        ignore: super::noise::ignore(&file)?,
        file: args.file.clone(),
    })
}

/// The load options with `--estimate-zstd` applied: the recompression runs as the layers are read.
fn estimating(mut load: LoadOptions, report: &ReportArgs) -> LoadOptions {
    load.index.estimate_zstd = report.estimate_zstd;
    load
}

/// Validates the rule flags of `plummet diff`.
pub fn diff_rules(args: &DiffArgs) -> Result<DiffRules, ConfigError> {
    Ok(DiffRules {
        max_growth: args.max_growth.as_deref().map(parse_growth).transpose()?,
        no_efficiency_drop: args.no_efficiency_drop,
        no_new_findings: match args.no_new_findings.as_deref() {
            Some(kinds) => parse_kinds(kinds)?,
            None => BTreeSet::new(),
        },
    })
}

/// `10MB`, `1GiB`, `0`, or `5%`.
pub fn parse_growth(text: &str) -> Result<Growth, ConfigError> {
    let t = text.trim();
    if let Some(p) = t.strip_suffix('%') {
        return p
            .trim()
            .parse::<f64>()
            .ok()
            .filter(|n| n.is_finite() && *n >= 0.0)
            .map(|n| Growth::Ratio(n / 100.0))
            .ok_or_else(|| {
                ConfigError::Invalid(format!("--max-growth {text:?}: not a percentage (e.g. 5%)"))
            });
    }
    parse_size(t)
        .map(Growth::Bytes)
        .map_err(|e| ConfigError::Invalid(format!("--max-growth: {e}")))
}

/// `any`, or comma-separated kind names.
pub fn parse_kinds(text: &str) -> Result<BTreeSet<FindingKind>, ConfigError> {
    if text.trim() == "any" {
        return Ok(FindingKind::ALL.into_iter().collect());
    }
    text.split(',')
        .map(str::trim)
        .filter(|k| !k.is_empty())
        .map(|k| {
            FindingKind::from_name(k).ok_or_else(|| {
                let names: Vec<_> = FindingKind::ALL.iter().map(|k| k.name()).collect();
                ConfigError::Invalid(format!(
                    "--no-new-findings: unknown finding kind {k:?}; kinds are any, {}",
                    names.join(", ")
                ))
            })
        })
        .collect::<Result<BTreeSet<_>, _>>()
        .and_then(|set| {
            if set.is_empty() {
                Err(ConfigError::Invalid(
                    "--no-new-findings: no kinds given (use \"any\" for all)".into(),
                ))
            } else {
                Ok(set)
            }
        })
}

#[cfg(test)]
#[path = "command_tests.rs"]
mod tests;
