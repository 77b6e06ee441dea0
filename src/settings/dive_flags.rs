//! dive's flags on `plummet IMAGE` (`--ci`, `--ci-config`, `-j/--json`, `--source`, and the three
//! rule flags) turned into what plummet's own commands take.

use super::ConfigError;
use crate::cli::{CiArgs, DiveArgs, DiveSource, ReportArgs, RuleArgs, SourceArgs};

/// Prefixes that already say where an image comes from; `--source` leaves those alone.
const TRANSPORTS: &[&str] = &[
    "oci:",
    "oci-archive:",
    "docker-archive:",
    "docker-daemon:",
    "podman:",
    "docker://",
];

/// The image as plummet names it: with dive's `--source`, a bare reference gets that engine's
/// prefix (`--source podman alpine` reads `podman:alpine`).
pub fn image(image: &str, source: Option<DiveSource>) -> String {
    let Some(source) = source else {
        return image.to_string();
    };
    if TRANSPORTS.iter().any(|t| image.starts_with(t)) {
        return image.to_string();
    }
    let prefix = match source {
        DiveSource::Docker => "docker-daemon:",
        DiveSource::Podman => "podman:",
        DiveSource::DockerArchive => "docker-archive:",
    };
    format!("{prefix}{image}")
}

/// `plummet IMAGE --ci ...` as `plummet ci IMAGE ...`.
pub fn ci_args(image: String, source: SourceArgs, dive: DiveArgs) -> CiArgs {
    CiArgs {
        image,
        source,
        report: ReportArgs {
            json: dive.json,
            ..ReportArgs::default()
        },
        rules: RuleArgs {
            ci_config: dive.ci_config,
            lowest_efficiency: dive.lowest_efficiency,
            highest_wasted_bytes: dive.highest_wasted_bytes,
            highest_user_wasted_percent: dive.highest_user_wasted_percent,
            ..RuleArgs::default()
        },
        ..CiArgs::default()
    }
}

/// Rule flags without `--ci` would be ignored by the UI: said, not silently dropped.
pub fn refuse_ci_only(dive: &DiveArgs) -> Result<(), ConfigError> {
    let given: Vec<&str> = [
        (dive.ci_config.is_some(), "--ci-config"),
        (dive.lowest_efficiency.is_some(), "--lowestEfficiency"),
        (dive.highest_wasted_bytes.is_some(), "--highestWastedBytes"),
        (
            dive.highest_user_wasted_percent.is_some(),
            "--highestUserWastedPercent",
        ),
    ]
    .into_iter()
    .filter_map(|(on, flag)| on.then_some(flag))
    .collect();
    match given.first() {
        None => Ok(()),
        Some(flag) => Err(ConfigError::Invalid(format!(
            "{flag} applies to the CI check: add --ci (or use `plummet ci IMAGE {flag} ...`)"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::*;

    #[test]
    fn source_prefixes_a_bare_reference_only() {
        assert_eq!(image("alpine", None), "alpine");
        assert_eq!(
            image("alpine", Some(DiveSource::Docker)),
            "docker-daemon:alpine"
        );
        assert_eq!(
            image("alpine:3", Some(DiveSource::Podman)),
            "podman:alpine:3"
        );
        assert_eq!(
            image("img.tar", Some(DiveSource::DockerArchive)),
            "docker-archive:img.tar"
        );
        assert_eq!(
            image("oci:dir:tag", Some(DiveSource::Podman)),
            "oci:dir:tag"
        );
    }

    #[test]
    fn rule_flags_without_ci_are_an_error() {
        let dive = DiveArgs {
            lowest_efficiency: Some("0.9".into()),
            ..DiveArgs::default()
        };
        let err = refuse_ci_only(&dive).unwrap_err().to_string();
        assert!(
            err.starts_with("--lowestEfficiency applies to the CI check"),
            "{err}"
        );
        let dive = DiveArgs {
            ci_config: Some(PathBuf::from(".dive-ci")),
            ..DiveArgs::default()
        };
        assert!(refuse_ci_only(&dive).is_err());
        assert!(refuse_ci_only(&DiveArgs::default()).is_ok());
    }
}
