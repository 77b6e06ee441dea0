//! The command line, as clap derive types only: no logic here, so that the binary, completions
//! and docs all read one definition.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

/// Open a container image layer by layer, see what is inside, and learn what to trim.
#[derive(Debug, Parser)]
#[command(name = "plummet", version, about, long_about = None, args_conflicts_with_subcommands = true)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,

    /// Image to explore in the terminal UI: an archive path, oci:DIR[:TAG], oci-archive:PATH[:TAG],
    /// docker-archive:PATH, docker-daemon:REF, podman:REF, docker://REF, or a bare REF.
    pub image: Option<String>,

    #[command(flatten)]
    pub source: SourceArgs,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Analyze an image without a UI: report, rules, exit code (0 pass, 1 a rule failed, 2 error).
    Ci(CiArgs),
    /// Compare two images: layers, files, waste and findings.
    Diff(DiffArgs),
    /// Explore an image in the terminal UI (the default command).
    Explore(ExploreArgs),
    /// Write one file's bytes to standard output, as of the final filesystem or a layer.
    Cat(CatArgs),
    /// Write files and directories of an image beneath a directory.
    Extract(ExtractArgs),
}

#[derive(Debug, Args)]
pub struct CatArgs {
    /// The image to read.
    pub image: String,
    /// The file's path in the image (symlinks are followed inside the image).
    pub path: String,
    /// Read the file as of this layer (indexes from 0, as in the JSON report); default the last.
    #[arg(long, value_name = "N")]
    pub layer: Option<usize>,
    #[command(flatten)]
    pub source: SourceArgs,
}

#[derive(Debug, Args)]
pub struct ExtractArgs {
    /// The image to read.
    pub image: String,
    /// Paths in the image: files, symlinks (written as symlinks) and whole directories.
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<String>,
    /// The directory to write into (created if missing); files keep their paths in the image.
    #[arg(short, long, value_name = "DIR")]
    pub output: PathBuf,
    /// Extract as of this layer (indexes from 0, as in the JSON report); default the last.
    #[arg(long, value_name = "N")]
    pub layer: Option<usize>,
    /// Give files the owners (uid:gid) they have in the image.
    #[arg(long)]
    pub same_owner: bool,
    #[command(flatten)]
    pub source: SourceArgs,
}

#[derive(Debug, Args)]
pub struct ExploreArgs {
    /// The image to explore.
    pub image: String,
    #[command(flatten)]
    pub source: SourceArgs,
}

/// How to find and read images; shared by every command.
#[derive(Debug, Args, Clone, Default)]
pub struct SourceArgs {
    /// Platform to pick from a multi-platform index, os/arch[/variant] (default: this machine's).
    #[arg(long, global = true, value_name = "OS/ARCH[/VARIANT]")]
    pub platform: Option<String>,

    /// Docker or Podman API endpoint (unix:///path or tcp://host:port); overrides DOCKER_HOST.
    #[arg(long, global = true, value_name = "URL")]
    pub host: Option<String>,

    /// Registry credentials USER:PASSWORD (prefer --creds-stdin: arguments are visible to other users).
    #[arg(
        long,
        global = true,
        value_name = "USER:PASSWORD",
        hide_env_values = true
    )]
    pub creds: Option<String>,

    /// Read registry credentials USER:PASSWORD from the first line of standard input.
    #[arg(long, global = true, conflicts_with_all = ["creds", "token_stdin"])]
    pub creds_stdin: bool,

    /// Read a registry bearer token from the first line of standard input.
    #[arg(long, global = true)]
    pub token_stdin: bool,

    /// Skip TLS certificate checks, and allow plain HTTP to registries that are not on loopback.
    #[arg(long, global = true)]
    pub insecure: bool,

    /// skopeo's spelling of --insecure: --tls-verify=false.
    #[arg(long, global = true, value_name = "BOOL")]
    pub tls_verify: Option<bool>,

    /// Skip checking blob digests and diff_ids.
    #[arg(long, global = true)]
    pub no_verify: bool,

    /// Docker daemon and Podman: read the image through the export API even when plummet can
    /// read the engine's layer store directly (same host, overlay, permission to read it).
    #[arg(long, global = true)]
    pub export: bool,

    /// Stop with an error past this many entries in the image.
    #[arg(long, global = true, value_name = "N")]
    pub max_entries: Option<u64>,

    /// Stop with an error when one layer expands past this size (e.g. 64GiB).
    #[arg(long, global = true, value_name = "SIZE")]
    pub max_layer_bytes: Option<String>,

    /// Stop with an error when the image's path names take more than this memory (e.g. 2GiB).
    #[arg(long, global = true, value_name = "SIZE")]
    pub max_index_bytes: Option<String>,

    /// Stop with an error when all layers together expand past this size (e.g. 1TiB).
    #[arg(long, global = true, value_name = "SIZE")]
    pub max_total_bytes: Option<String>,

    /// Worker threads for reading layers (default: one per core).
    #[arg(long, global = true, value_name = "N")]
    pub threads: Option<usize>,

    /// plummet's config file (default: ./.plummet.toml, then $XDG_CONFIG_HOME/plummet/config.toml).
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// No progress output.
    #[arg(short, long, global = true)]
    pub quiet: bool,

    /// The base image (any IMAGE form): its layers at the bottom of the image are "base", the
    /// rest "your layers".
    #[arg(long, global = true, value_name = "IMAGE")]
    pub base: Option<String>,
}

#[derive(Debug, Args, Default)]
pub struct CiArgs {
    /// The image to analyze.
    pub image: String,

    #[command(flatten)]
    pub source: SourceArgs,

    #[command(flatten)]
    pub report: ReportArgs,

    /// dive's CI rules file (default: ./.dive-ci when present).
    #[arg(long, value_name = "FILE")]
    pub ci_config: Option<PathBuf>,

    /// Fail when efficiency is below this ratio (dive's lowestEfficiency; 0.9 by default).
    #[arg(long, alias = "lowestEfficiency", value_name = "RATIO|disabled")]
    pub lowest_efficiency: Option<String>,

    /// Fail when wasted bytes exceed this size (dive's highestWastedBytes; disabled by default).
    #[arg(long, alias = "highestWastedBytes", value_name = "SIZE|disabled")]
    pub highest_wasted_bytes: Option<String>,

    /// Fail when wasted/user size exceeds this ratio (dive's highestUserWastedPercent; 0.1 by default).
    #[arg(
        long,
        alias = "highestUserWastedPercent",
        value_name = "RATIO|disabled"
    )]
    pub highest_user_wasted_percent: Option<String>,

    /// Fail when reclaimable bytes exceed this size (disabled by default).
    #[arg(long, value_name = "SIZE|disabled")]
    pub max_reclaimable_bytes: Option<String>,

    /// Fail when the image contains a secret (private key, credentials), even one deleted later.
    #[arg(long)]
    pub no_secrets: bool,

    /// Fail when the image runs as root.
    #[arg(long)]
    pub non_root: bool,

    /// Fail when findings of a kind exceed a size, KIND=SIZE (repeatable), e.g. git=0 node_modules=100MB.
    #[arg(long = "max-kind-bytes", value_name = "KIND=SIZE")]
    pub max_kind_bytes: Vec<String>,

    /// Count only findings in your own layers (not the base image's) for noSecrets,
    /// maxKindBytes and maxReclaimableBytes; dive's efficiency and waste rules are unchanged.
    #[arg(long)]
    pub user_layers_only: bool,

    /// Write every layer's file list as CSV to FILE: path, layer, status, type, size, mode,
    /// uid, gid, link target.
    #[arg(long, value_name = "FILE")]
    pub files_csv: Option<PathBuf>,

    /// Add every layer's file list to the JSON report (`files`); it can be large.
    #[arg(long)]
    pub json_files: bool,
}

/// How many of the largest paths a report lists unless `--top` says otherwise.
pub const DEFAULT_TOP: usize = 10;

/// Where reports go.
#[derive(Debug, Args, Clone)]
pub struct ReportArgs {
    /// Write the JSON report to FILE ("-" for standard output, replacing the text report).
    #[arg(long, value_name = "FILE")]
    pub json: Option<PathBuf>,

    /// Write a Markdown report to FILE ("-" for standard output), e.g. for a pull-request comment.
    #[arg(long, value_name = "FILE")]
    pub markdown: Option<PathBuf>,

    /// Write the rules as JUnit XML to FILE ("-" for standard output), for GitLab and Jenkins.
    #[arg(long, value_name = "FILE")]
    pub junit: Option<PathBuf>,

    /// Write GitLab Code Quality JSON to FILE ("-" for standard output): findings and failed rules.
    #[arg(long, value_name = "FILE")]
    pub gitlab_codequality: Option<PathBuf>,

    /// Write SARIF 2.1.0 to FILE ("-" for standard output), e.g. for GitHub code scanning.
    #[arg(long, value_name = "FILE")]
    pub sarif: Option<PathBuf>,

    /// How many of the largest wasted paths to list.
    #[arg(long, default_value_t = DEFAULT_TOP, value_name = "N")]
    pub top: usize,
}

impl Default for ReportArgs {
    /// The text report on stdout, as when no report flag is given.
    fn default() -> Self {
        ReportArgs {
            json: None,
            markdown: None,
            junit: None,
            gitlab_codequality: None,
            sarif: None,
            top: DEFAULT_TOP,
        }
    }
}

#[derive(Debug, Args)]
pub struct DiffArgs {
    /// The image before.
    pub image_a: String,
    /// The image after.
    pub image_b: String,

    #[command(flatten)]
    pub source: SourceArgs,

    #[command(flatten)]
    pub report: ReportArgs,

    /// Open the difference in the terminal UI instead of printing a report.
    #[arg(long)]
    pub ui: bool,

    /// Fail when the total size grows by more than SIZE or PERCENT% (e.g. 10MB or 5%).
    #[arg(long, value_name = "SIZE|PERCENT%")]
    pub max_growth: Option<String>,

    /// Fail when efficiency drops.
    #[arg(long)]
    pub no_efficiency_drop: bool,

    /// Fail when new findings of these kinds appear (comma-separated, or "any").
    #[arg(long, value_name = "KINDS")]
    pub no_new_findings: Option<String>,

    /// Compare one file (its final version in each image) instead of the images: a unified
    /// diff for text, sizes and fingerprints for binary files.
    #[arg(long, value_name = "PATH", conflicts_with = "ui")]
    pub file: Option<String>,
}
