//! Platforms (`os/arch[/variant]`) for choosing a manifest from a multi-platform index.

use std::fmt;

/// An OCI platform.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Platform {
    pub os: String,
    pub architecture: String,
    pub variant: Option<String>,
}

impl Platform {
    /// Parses `os/arch[/variant]`.
    pub fn parse(text: &str) -> Result<Platform, String> {
        // The kernel's names (`uname -m`) as OCI spells them, as Docker and skopeo accept them.
        fn oci(arch: &str) -> &str {
            match arch {
                "aarch64" => "arm64",
                "x86_64" | "x86-64" => "amd64",
                other => other,
            }
        }
        let parts: Vec<&str> = text.split('/').collect();
        match parts.as_slice() {
            [os, arch] if !os.is_empty() && !arch.is_empty() => {
                Ok(Platform::new(os, oci(arch), None))
            }
            [os, arch, variant] if !os.is_empty() && !arch.is_empty() && !variant.is_empty() => {
                Ok(Platform::new(os, oci(arch), Some(variant)))
            }
            _ => Err(format!(
                "invalid platform {text:?}: expected os/arch[/variant], e.g. linux/arm64/v8"
            )),
        }
    }

    pub fn new(os: &str, architecture: &str, variant: Option<&str>) -> Platform {
        Platform {
            os: os.to_string(),
            architecture: architecture.to_string(),
            variant: variant.map(str::to_string),
        }
    }

    /// The platform this binary runs on, in OCI spelling.
    pub fn host() -> Platform {
        let arch = match std::env::consts::ARCH {
            "x86_64" => "amd64",
            "aarch64" => "arm64",
            "x86" => "386",
            "arm" => "arm",
            "powerpc64" => "ppc64le",
            "s390x" => "s390x",
            "riscv64" => "riscv64",
            other => other,
        };
        Platform::new("linux", arch, None)
    }

    /// Whether a candidate satisfies this wanted platform. A wanted platform without a variant
    /// accepts any variant; `arm64` treats a missing variant as `v8`.
    pub fn matches(&self, candidate: &Platform) -> bool {
        if self.os != candidate.os || self.architecture != candidate.architecture {
            return false;
        }
        match (&self.variant, &candidate.variant) {
            (None, _) => true,
            (Some(want), Some(have)) => want == have,
            (Some(want), None) => self.architecture == "arm64" && want == "v8",
        }
    }
}

impl fmt::Display for Platform {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.os, self.architecture)?;
        if let Some(v) = &self.variant {
            write!(f, "/{v}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_matches() {
        let want = Platform::parse("linux/arm64").unwrap();
        assert!(want.matches(&Platform::new("linux", "arm64", Some("v8"))));
        assert!(!want.matches(&Platform::new("linux", "amd64", None)));
        let v8 = Platform::parse("linux/arm64/v8").unwrap();
        assert!(v8.matches(&Platform::new("linux", "arm64", None)));
        assert_eq!(v8.to_string(), "linux/arm64/v8");
        assert!(Platform::parse("linux").is_err());
        assert!(Platform::parse("a/b/c/d").is_err());
    }

    #[test]
    fn kernel_architecture_names_mean_the_oci_ones() {
        assert_eq!(
            Platform::parse("linux/aarch64"),
            Ok(Platform::new("linux", "arm64", None))
        );
        assert_eq!(
            Platform::parse("linux/aarch64/v8"),
            Ok(Platform::new("linux", "arm64", Some("v8")))
        );
        assert_eq!(
            Platform::parse("linux/x86_64"),
            Ok(Platform::new("linux", "amd64", None))
        );
        assert_eq!(
            Platform::parse("linux/riscv64"),
            Ok(Platform::new("linux", "riscv64", None))
        );
    }
}
