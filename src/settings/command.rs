//! The one settings step per command, as ripgrep's `LowArgs -> HiArgs`: the parsed command line,
//! the config files and the environment (read once, here) become one validated value per
//! command. Nothing past this step sees `cli::` types or reads these variables.

use std::collections::{BTreeSet, HashMap};
use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use super::{ConfigError, ConfigFile, RuleSet, load_options, parse_size, rules};
use crate::analysis::FindingKind;
use crate::cli::{CiArgs, Cli, Command, DiffArgs, ReportArgs, SourceArgs};
use crate::diff::rules::{DiffRules, Growth};
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
    /// How many of the largest paths to list.
    pub top: usize,
    /// Colours in the text report: stdout is a terminal and `NO_COLOR` is not set.
    pub color: bool,
}

impl Reports {
    /// Refuses two reports on stdout (`-`): interleaved, neither could be read.
    fn new(args: &ReportArgs, env: &Environment) -> Result<Reports, ConfigError> {
        let reports = Reports {
            json: args.json.clone(),
            markdown: args.markdown.clone(),
            junit: args.junit.clone(),
            gitlab_codequality: args.gitlab_codequality.clone(),
            sarif: args.sarif.clone(),
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
}

impl UiStart {
    fn new(source: &SourceArgs, file: &ConfigFile, env: &Environment) -> UiStart {
        UiStart {
            keys: file.ui.keys.clone().into_iter().collect(),
            no_color: env.no_color,
            stdin_taken: source.creds_stdin || source.token_stdin,
        }
    }
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
    /// `--file PATH`: compare this one file instead of the images.
    pub file: Option<String>,
}

/// One command, ready to run.
#[derive(Debug)]
pub enum Settings {
    Ci(CiSettings),
    Explore(ExploreSettings),
    Diff(DiffSettings),
    Cat(super::CatSettings),
    Extract(super::ExtractSettings),
}

/// Builds the settings of the command line's command. `None` when no image is given.
pub fn for_command(cli: Cli, env: &Environment) -> Result<Option<Settings>, ConfigError> {
    let (image, source) = match cli.command {
        Some(Command::Ci(args)) => return ci(&args, env).map(|s| Some(Settings::Ci(s))),
        Some(Command::Diff(args)) => return diff(&args, env).map(|s| Some(Settings::Diff(s))),
        Some(Command::Explore(args)) => (args.image, args.source),
        Some(Command::Cat(args)) => return super::files::cat(args).map(|s| Some(Settings::Cat(s))),
        Some(Command::Extract(args)) => {
            return super::files::extract(args).map(|s| Some(Settings::Extract(s)));
        }
        None => match cli.image {
            Some(image) => (image, cli.source),
            None => return Ok(None),
        },
    };
    if env.ci {
        // dive's documented switch: in CI, the report and rules instead of the UI.
        let args = CiArgs {
            image,
            source,
            ..CiArgs::default()
        };
        return ci(&args, env).map(|s| Some(Settings::Ci(s)));
    }
    let file = ConfigFile::discover(source.config.as_deref())?;
    Ok(Some(Settings::Explore(ExploreSettings {
        base: source.base.clone(),
        load: load_options(&source, &file)?,
        ui: UiStart::new(&source, &file, env),
        image,
    })))
}

fn ci(args: &CiArgs, env: &Environment) -> Result<CiSettings, ConfigError> {
    let file = ConfigFile::discover(args.source.config.as_deref())?;
    Ok(CiSettings {
        image: args.image.clone(),
        base: args.source.base.clone(),
        rules: rules(args, &file)?,
        load: load_options(&args.source, &file)?,
        reports: Reports::new(&args.report, env)?,
        quiet: args.source.quiet,
        files_csv: args.files_csv.clone(),
        json_files: args.json_files,
    })
}

fn diff(args: &DiffArgs, env: &Environment) -> Result<DiffSettings, ConfigError> {
    let file = ConfigFile::discover(args.source.config.as_deref())?;
    Ok(DiffSettings {
        image_a: args.image_a.clone(),
        image_b: args.image_b.clone(),
        rules: diff_rules(args)?,
        load: load_options(&args.source, &file)?,
        reports: Reports::new(&args.report, env)?,
        quiet: args.source.quiet,
        ui: (args.ui && !env.ci).then(|| UiStart::new(&args.source, &file, env)),
        file: args.file.clone(),
    })
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
