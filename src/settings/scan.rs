//! `plummet scan`'s settings: the image list (arguments and `--from-file`), how many at a time,
//! the shard, the rules every image is held to (as `ci`'s), and the cache, on by default here.

use std::path::PathBuf;

use super::{
    ConfigError, ConfigFile, Environment, Reports, RuleSet, disk_cache, load_options, rules,
};
use crate::cli::{ReportArgs, ScanArgs};
use crate::source::LoadOptions;

/// `plummet scan`.
#[derive(Debug)]
pub struct ScanSettings {
    /// Images, or repositories with `all_tags`.
    pub inputs: Vec<String>,
    /// `--base IMAGE`: the image every one of them was built on.
    pub base: Option<String>,
    pub all_tags: bool,
    /// Images analyzed at once.
    pub jobs: usize,
    /// `--shard I/N` as (I - 1, N).
    pub shard: Option<(u32, u32)>,
    /// Shard reports to combine instead of scanning.
    pub merge: Vec<PathBuf>,
    pub load: LoadOptions,
    pub rules: RuleSet,
    /// `--json` and `--markdown`.
    pub reports: Reports,
    pub jsonl: Option<PathBuf>,
    pub quiet: bool,
}

pub fn scan(args: &ScanArgs, env: &Environment) -> Result<ScanSettings, ConfigError> {
    let file = ConfigFile::discover(args.source.config.as_deref())?;
    let mut inputs = args.images.clone();
    if let Some(path) = &args.from_file {
        inputs.extend(read_list(path)?);
    }
    if inputs.is_empty() && args.merge.is_empty() {
        return Err(ConfigError::Invalid(
            "no images to scan: give IMAGE..., --from-file FILE or --merge FILE...".into(),
        ));
    }
    let shard = args.shard.as_deref().map(parse_shard).transpose()?;
    let jobs = match args.jobs {
        Some(0) => {
            return Err(ConfigError::Invalid(
                "--jobs 0: at least one image at a time".into(),
            ));
        }
        Some(n) => n,
        None => std::thread::available_parallelism().map_or(1, |n| n.get().div_ceil(2)),
    };
    if [&args.json, &args.markdown, &args.jsonl]
        .iter()
        .filter(|p| p.as_deref() == Some(std::path::Path::new("-")))
        .count()
        > 1
    {
        return Err(ConfigError::Invalid(
            "two of --json -, --markdown - and --jsonl - write to standard output: give the others files".into(),
        ));
    }
    let report = ReportArgs {
        json: args.json.clone(),
        markdown: args.markdown.clone(),
        top: args.top,
        ..ReportArgs::default()
    };
    let mut load = load_options(&args.source, &file)?;
    // A fleet repeats its base layers: the cache is what makes scanning it cheap.
    // (`--merge` reads no image: no cache directory to find.)
    load.index.disk_cache = disk_cache(&args.source, args.merge.is_empty())?;
    // A fleet scan opens no file: its cache keeps layer indexes only, not seek maps.
    load.index.seek_maps = false;
    Ok(ScanSettings {
        inputs,
        base: args.source.base.clone(),
        all_tags: args.all_tags,
        jobs,
        shard,
        merge: args.merge.clone(),
        load,
        rules: rules(&args.rules, &file)?,
        reports: Reports::new(&report, env)?,
        jsonl: args.jsonl.clone(),
        quiet: args.source.quiet,
    })
}

fn parse_shard(text: &str) -> Result<(u32, u32), ConfigError> {
    let bad = || {
        ConfigError::Invalid(format!(
            "--shard {text:?}: expected I/N with 1 <= I <= N (e.g. 2/4)"
        ))
    };
    let (i, n) = text.split_once('/').ok_or_else(bad)?;
    let i: u32 = i.trim().parse().map_err(|_| bad())?;
    let n: u32 = n.trim().parse().map_err(|_| bad())?;
    if n == 0 || i == 0 || i > n {
        return Err(bad());
    }
    Ok((i - 1, n))
}

/// One image a line; blank lines and `#` comments skipped.
fn read_list(path: &std::path::Path) -> Result<Vec<String>, ConfigError> {
    let text = if path == std::path::Path::new("-") {
        std::io::read_to_string(std::io::stdin())
    } else {
        std::fs::read_to_string(path)
    }
    .map_err(|e| ConfigError::File {
        path: path.display().to_string(),
        message: format!("cannot read the image list: {e}"),
    })?;
    Ok(text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(str::to_string)
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `scan`'s rule flags are `ci`'s: each one reaches the rules every image is held to.
    #[test]
    fn rule_flags_set_the_rules_of_every_image() {
        use clap::Parser;
        let argv = [
            "plummet",
            "scan",
            "a.tar",
            "--no-cache",
            "--ci-config",
            "/dev/null",
            "--lowest-efficiency",
            "0.5",
            "--highestWastedBytes",
            "2MB",
            "--highest-user-wasted-percent",
            "disabled",
            "--max-reclaimable-bytes",
            "1MB",
            "--no-secrets",
            "--non-root",
            "--max-kind-bytes",
            "git=0",
            "--user-layers-only",
        ];
        let Some(crate::cli::Command::Scan(args)) = crate::cli::Cli::parse_from(argv).command
        else {
            panic!("not scan");
        };
        let rules = scan(&args, &Environment::default()).unwrap().rules;
        assert_eq!(rules.lowest_efficiency, Some(0.5));
        assert_eq!(rules.highest_wasted_bytes, Some(2_000_000));
        assert_eq!(rules.highest_user_wasted_percent, None);
        assert_eq!(rules.max_reclaimable_bytes, Some(1_000_000));
        assert!(rules.no_secrets && rules.non_root && rules.user_layers_only);
        assert_eq!(rules.max_kind_bytes.len(), 1);
    }

    /// A fleet scan keeps layer indexes in its cache but records no seek maps (it opens no
    /// file); the commands that open files keep the default, on.
    #[test]
    fn scan_records_no_seek_maps() {
        use clap::Parser;
        let argv = ["plummet", "scan", "a.tar", "--cache-dir", "/var/cache/p"];
        let Some(crate::cli::Command::Scan(args)) = crate::cli::Cli::parse_from(argv).command
        else {
            panic!("not scan");
        };
        let load = scan(&args, &Environment::default()).unwrap().load;
        assert!(load.index.disk_cache.is_some());
        assert!(!load.index.seek_maps);
        assert!(crate::image::IndexOptions::default().seek_maps);
    }

    #[test]
    fn shards_count_from_one() {
        assert_eq!(parse_shard("1/4").unwrap(), (0, 4));
        assert_eq!(parse_shard("4/4").unwrap(), (3, 4));
        for bad in ["0/4", "5/4", "1/0", "x", "1/"] {
            let err = parse_shard(bad).unwrap_err().to_string();
            assert!(err.contains("--shard"), "{err}");
        }
    }
}
