//! The command line, as clap derive types only: no logic here, so that the binary, completions
//! and docs all read one definition.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

/// Examples shown at the end of `plummet --help`; a test parses each of them.
pub const EXAMPLES: &str = "\
Examples:
  plummet alpine:3.20
  plummet ./image.tar
  plummet ci myapp:latest --lowest-efficiency 0.95 --json report.json
  plummet ci myapp:latest --max-kind-bytes git=0 --no-secrets
  plummet diff myapp:1.0 myapp:1.1 --max-growth 5%
  plummet docker://registry.example.com/team/app:1 --tls-verify false
  plummet completions bash > ~/.local/share/bash-completion/completions/plummet
  plummet man > plummet.1";

/// Open a container image layer by layer, see what is inside, and learn what to trim.
#[derive(Debug, Parser)]
#[command(name = "plummet", version, about, long_about = None, args_conflicts_with_subcommands = true)]
#[command(after_help = EXAMPLES)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,

    /// Image to explore in the terminal UI: an archive path, oci:DIR[:TAG], oci-archive:PATH[:TAG],
    /// docker-archive:PATH, docker-daemon:REF, podman:REF, docker://REF, or a bare REF.
    pub image: Option<String>,

    #[command(flatten)]
    pub source: SourceArgs,

    #[command(flatten)]
    pub dive: DiveArgs,
}

/// dive's own flags on `plummet IMAGE`, so that a dive command line works as it is.
#[derive(Debug, Args, Clone, Default)]
#[command(next_help_heading = "dive's flags")]
pub struct DiveArgs {
    /// Run the CI report and rules instead of the UI (dive's --ci; the same as CI=true).
    #[arg(long)]
    pub ci: bool,

    /// dive's CI rules file (dive's --ci-config; default: ./.dive-ci when present).
    #[arg(long, value_name = "FILE")]
    pub ci_config: Option<PathBuf>,

    /// Write the JSON report to FILE instead of opening the UI (dive's -j/--json); rules are
    /// checked only with --ci.
    #[arg(short = 'j', long, value_name = "FILE")]
    pub json: Option<PathBuf>,

    /// Where a bare REF is read from (dive's --source): docker, podman or docker-archive.
    #[arg(long, value_name = "ENGINE", env = "DIVE_SOURCE")]
    pub source: Option<DiveSource>,

    /// With --ci: fail when efficiency is below this ratio (dive's --lowestEfficiency).
    #[arg(long = "lowestEfficiency", value_name = "RATIO|disabled")]
    pub lowest_efficiency: Option<String>,

    /// With --ci: fail when wasted bytes exceed this size (dive's --highestWastedBytes).
    #[arg(long = "highestWastedBytes", value_name = "SIZE|disabled")]
    pub highest_wasted_bytes: Option<String>,

    /// With --ci: fail when wasted/user size exceeds this ratio (dive's --highestUserWastedPercent).
    #[arg(long = "highestUserWastedPercent", value_name = "RATIO|disabled")]
    pub highest_user_wasted_percent: Option<String>,
}

/// dive's image sources.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum DiveSource {
    /// The Docker daemon (plummet's docker-daemon:REF).
    Docker,
    /// The Podman service (plummet's podman:REF).
    Podman,
    /// A `docker save` archive (plummet's docker-archive:PATH).
    DockerArchive,
}

/// The shells `plummet completions` writes for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum CompletionShell {
    Bash,
    Zsh,
    Fish,
    Powershell,
    Elvish,
}

#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell to complete for.
    pub shell: CompletionShell,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Analyze an image without a UI: report, rules, exit code (0 pass, 1 a rule failed, 2 error).
    Ci(CiArgs),
    /// Compare two images: layers, files, waste and findings.
    Diff(DiffArgs),
    /// Explore an image in the terminal UI (the default command).
    Explore(ExploreArgs),
    /// Rewrite the Dockerfile the image was built from: what the analysis found, fixed where it
    /// was made; prints a unified diff and what each change saves and assumes.
    Fix(FixArgs),
    /// Analyze many images with the layer-index cache: one row per image, what they share
    /// (exit 0 all pass, 1 an image failed its rules, 2 an image could not be read).
    Scan(ScanArgs),
    /// Print a shell completion script (bash, zsh, fish, powershell or elvish).
    Completions(CompletionsArgs),
    /// Print the man page (roff) on standard output, e.g. `plummet man > plummet.1`.
    Man,
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
#[command(next_help_heading = "Reading images")]
pub struct SourceArgs {
    /// Platform to pick from a multi-platform index, os/arch[/variant] (default: this machine's).
    #[arg(long, global = true, value_name = "OS/ARCH[/VARIANT]")]
    pub platform: Option<String>,

    /// Read a single-platform image that --platform does not match, with a warning.
    #[arg(long, global = true)]
    pub force: bool,

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

    /// The Dockerfile the image was built from: each layer and finding gets the line of the
    /// instruction that made it, and the Dockerfile's own findings are reported.
    #[arg(long, global = true, value_name = "PATH")]
    pub dockerfile: Option<PathBuf>,
    /// Keep layer indexes in DIR and reuse them for any image with the same layer (on by
    /// default for `scan`, `cat`, `extract`, the UI and `diff --ui`; see docs/fleet.md).
    #[arg(long, global = true, value_name = "DIR")]
    pub cache_dir: Option<PathBuf>,

    /// Use the layer-index cache in $XDG_CACHE_HOME/plummet (or ~/.cache/plummet).
    #[arg(long, global = true)]
    pub cache: bool,

    /// Read every layer's blob, without the layer-index cache.
    #[arg(long, global = true, conflicts_with_all = ["cache", "cache_dir"])]
    pub no_cache: bool,

    /// Largest size of the layer-index cache; least recently used entries go first (default 2GiB).
    #[arg(long, global = true, value_name = "SIZE")]
    pub cache_max_size: Option<String>,
}

/// The rule flags `ci` and `scan` share (with `scan`'s own wording of their help, see
/// [`ScanArgs`]); the settings step (`settings::rules`) reads them over the config files.
#[derive(Debug, Args, Clone, Default)]
pub struct RuleArgs {
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
}

#[derive(Debug, Args, Default)]
pub struct CiArgs {
    /// The image to analyze.
    pub image: String,

    // The rules come first in `ci --help`; how images are read and where reports go follow.
    #[command(flatten)]
    pub rules: RuleArgs,

    #[command(flatten)]
    pub source: SourceArgs,

    #[command(flatten)]
    pub report: ReportArgs,
    /// A previous `plummet ci --json` report: fail only on what is new or worse than it had
    /// (new findings by kind and path, waste grown beyond --baseline-tolerance).
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,

    /// How much a figure may grow over the baseline's and still pass: a size or a percentage
    /// of the baseline's figure (default 1MB).
    #[arg(long, value_name = "SIZE|PERCENT", requires = "baseline")]
    pub baseline_tolerance: Option<String>,
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
#[command(next_help_heading = "Reports")]
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

    /// Write a self-contained HTML report to FILE ("-" for standard output): a zoomable treemap,
    /// the layers, the findings with their fixes and the rules; no network needed to view it.
    #[arg(long, value_name = "FILE")]
    pub html: Option<PathBuf>,

    /// Also recompress every layer with zstd (levels 3 and 19) and report the pull size and
    /// decompression time each would give. Costly: level 19 runs at a few MB/s per core, so a
    /// 1 GB image takes minutes, and its encoder takes about 90 MB of memory per layer being
    /// read; the layers are still streamed, never held in memory.
    #[arg(long)]
    pub estimate_zstd: bool,
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
            html: None,
            estimate_zstd: false,
        }
    }
}

#[derive(Debug, Args)]
pub struct DiffArgs {
    /// The image before.
    pub image_a: String,
    /// The image after.
    pub image_b: String,

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

    #[command(flatten)]
    pub source: SourceArgs,

    #[command(flatten)]
    pub report: ReportArgs,
    /// Compare one file (its final version in each image) instead of the images: a unified
    /// diff for text, sizes and fingerprints for binary files.
    #[arg(long, value_name = "PATH", conflicts_with = "ui")]
    pub file: Option<String>,
}

#[derive(Debug, Args)]
pub struct FixArgs {
    /// The image built from the Dockerfile.
    pub image: String,

    #[command(flatten)]
    pub source: SourceArgs,

    /// The build context (default: the Dockerfile's directory): its .dockerignore is extended.
    #[arg(long, value_name = "DIR")]
    pub context: Option<PathBuf>,

    /// Where to write the fixed Dockerfile and .dockerignore (created if missing).
    #[arg(short, long, value_name = "OUTDIR")]
    pub output: PathBuf,
}

/// `plummet scan`'s arguments. The rule flags are `ci`'s ([`RuleArgs`]), their help worded for
/// a fleet of images (without a final period, as clap shows a one-paragraph doc comment).
#[derive(Debug, Args, Default)]
#[command(mut_arg("lowest_efficiency", |a| a.help("Fail an image whose efficiency is below this ratio (0.9 by default, as `ci`)")))]
#[command(mut_arg("highest_wasted_bytes", |a| a.help("Fail an image whose wasted bytes exceed this size (disabled by default)")))]
#[command(mut_arg("highest_user_wasted_percent", |a| a.help("Fail an image whose wasted/user size exceeds this ratio (0.1 by default)")))]
#[command(mut_arg("max_reclaimable_bytes", |a| a.help("Fail an image whose reclaimable bytes exceed this size (disabled by default)")))]
#[command(mut_arg("no_secrets", |a| a.help("Fail an image that contains a secret")))]
#[command(mut_arg("non_root", |a| a.help("Fail an image that runs as root")))]
#[command(mut_arg("max_kind_bytes", |a| a.help("Fail an image whose findings of a kind exceed a size, KIND=SIZE (repeatable)")))]
#[command(mut_arg("user_layers_only", |a| a.help("Count only findings in an image's own layers for the finding rules")))]
pub struct ScanArgs {
    /// Images to analyze (any IMAGE form); with --all-tags, repositories docker://REGISTRY/REPO.
    pub images: Vec<String>,

    /// Also read images from FILE, one per line ("-" for standard input; # starts a comment).
    #[arg(long, value_name = "FILE")]
    pub from_file: Option<PathBuf>,

    /// Scan every tag of each repository given, from the registry's tag list.
    #[arg(long)]
    pub all_tags: bool,

    /// Images analyzed at once (default: half the cores, at least one).
    #[arg(long, value_name = "N")]
    pub jobs: Option<usize>,

    /// Scan only shard I of N of the list (deterministic by reference or digest), e.g. 2/4.
    #[arg(long, value_name = "I/N")]
    pub shard: Option<String>,

    /// Combine the --json reports of shards into one report instead of scanning.
    #[arg(long, value_name = "FILE", num_args = 1.., conflicts_with_all = ["images", "from_file", "all_tags", "shard"])]
    pub merge: Vec<PathBuf>,

    /// Write the JSON report to FILE ("-" for standard output).
    #[arg(long, value_name = "FILE")]
    pub json: Option<PathBuf>,

    /// Write a Markdown report to FILE ("-" for standard output).
    #[arg(long, value_name = "FILE")]
    pub markdown: Option<PathBuf>,

    /// Write one JSON line per image to FILE as each is done ("-" for standard output).
    #[arg(long, value_name = "FILE")]
    pub jsonl: Option<PathBuf>,

    /// How many of the largest unshared layers to list.
    #[arg(long, default_value_t = DEFAULT_TOP, value_name = "N")]
    pub top: usize,

    #[command(flatten)]
    pub source: SourceArgs,

    #[command(flatten)]
    pub rules: RuleArgs,
}
