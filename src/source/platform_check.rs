//! `--platform` against a single-platform image: a multi-platform index is chosen from by
//! platform, but an image with one manifest is read whatever `--platform` says, so a request
//! that its config contradicts is an error naming the image's platform (a warning on stderr
//! with `--force`).

use super::{LoadOptions, SourceError};
use crate::image::Platform;
use crate::image::config::ImageConfig;

/// What to tell the user when `options.platform` does not match `config`: `None` when it does,
/// nothing was asked, or the config names no platform.
pub fn mismatch(reference: &str, config: &ImageConfig, options: &LoadOptions) -> Option<String> {
    let wanted = options.platform.as_ref()?;
    if config.os.is_empty() || config.architecture.is_empty() {
        return None;
    }
    let have = Platform {
        os: config.os.clone(),
        architecture: config.architecture.clone(),
        variant: config.variant.clone(),
    };
    (!wanted.matches(&have)).then(|| {
        format!("{reference} is a single-platform image for {have}, not the requested {wanted}")
    })
}

/// Errs on a mismatch, or warns on stderr with `--force` and lets the image through.
pub fn check(
    reference: &str,
    config: &ImageConfig,
    options: &LoadOptions,
) -> Result<(), SourceError> {
    let Some(message) = mismatch(reference, config, options) else {
        return Ok(());
    };
    if options.force_platform {
        crate::say!(
            "plummet: warning: {} (reading it anyway: --force)",
            crate::escape::text(&message)
        );
        return Ok(());
    }
    Err(SourceError::Reference(format!(
        "{message}: drop --platform, or pass --force to read it anyway"
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(os: &str, arch: &str, variant: Option<&str>) -> ImageConfig {
        ImageConfig {
            os: os.into(),
            architecture: arch.into(),
            variant: variant.map(Into::into),
            ..ImageConfig::default()
        }
    }

    fn wanting(p: &str, force: bool) -> LoadOptions {
        LoadOptions {
            platform: Some(Platform::parse(p).unwrap()),
            force_platform: force,
            ..LoadOptions::default()
        }
    }

    #[test]
    fn mismatch_is_an_error_naming_both_platforms() {
        let amd = config("linux", "amd64", None);
        let e = check("app:1", &amd, &wanting("linux/arm64", false))
            .unwrap_err()
            .to_string();
        assert_eq!(
            e,
            "app:1 is a single-platform image for linux/amd64, not the requested linux/arm64: drop --platform, or pass --force to read it anyway"
        );
        assert!(check("app:1", &amd, &wanting("linux/arm64", true)).is_ok());
        assert!(check("app:1", &amd, &wanting("linux/amd64", false)).is_ok());
        assert!(check("app:1", &amd, &wanting("linux/x86_64", false)).is_ok());
        assert!(check("app:1", &amd, &LoadOptions::default()).is_ok());
        let arm = config("linux", "arm64", Some("v8"));
        assert!(check("a", &arm, &wanting("linux/aarch64", false)).is_ok());
        assert!(check("a", &arm, &wanting("linux/arm/v7", false)).is_err());
        assert!(mismatch("a", &config("", "", None), &wanting("linux/arm64", false)).is_none());
    }
}
