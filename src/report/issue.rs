//! The findings as the CI formats (SARIF, GitLab Code Quality) see them: one value per finding
//! with its path as the exact bytes from the image, and the stable fingerprint CI systems use to
//! tell a finding seen before from a new one.

use sha2::{Digest as _, Sha256};

use crate::analysis::{Analysis, Finding, FindingKind};
use crate::image::Image;

/// One finding, ready for a CI format.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Issue<'a> {
    pub kind: FindingKind,
    /// The path inside the image, as stored (tar names need not be UTF-8).
    pub path: Vec<u8>,
    pub layer: Option<usize>,
    pub bytes: u64,
    pub visible: bool,
    pub reason: &'a str,
    pub fix: &'a str,
}

impl Issue<'_> {
    /// A hash of kind, path and layer: the same finding in the next build gets the same
    /// fingerprint, so GitLab and GitHub show it as existing rather than new.
    pub fn fingerprint(&self) -> String {
        let mut h = Sha256::new();
        h.update(self.kind.name().as_bytes());
        h.update([0]);
        h.update(&self.path);
        h.update([0]);
        match self.layer {
            Some(l) => h.update(l.to_string().as_bytes()),
            None => h.update(b"image"),
        }
        hex(&h.finalize())
    }
}

fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(char::from(DIGITS[usize::from(b >> 4)]));
        out.push(char::from(DIGITS[usize::from(b & 0xf)]));
    }
    out
}

fn issue<'a>(image: &Image, f: &'a Finding) -> Issue<'a> {
    Issue {
        kind: f.kind,
        path: image.tree.paths.path(f.node),
        layer: f.layer,
        bytes: f.bytes,
        visible: f.visible,
        reason: &f.reason,
        fix: &f.fix,
    }
}

/// Every finding of the analysis, in report order.
pub fn all<'a>(image: &Image, a: &'a Analysis) -> Vec<Issue<'a>> {
    a.findings.iter().map(|f| issue(image, f)).collect()
}

/// The findings `[ignore]` took out of the analysis, in report order.
pub fn dropped<'a>(image: &Image, a: &'a Analysis) -> Vec<Issue<'a>> {
    a.ignored.dropped.iter().map(|f| issue(image, f)).collect()
}

/// The findings at the given indexes into `a.findings` (the ones a comparison found new).
pub fn selected<'a>(
    image: &Image,
    a: &'a Analysis,
    indexes: impl IntoIterator<Item = usize>,
) -> Vec<Issue<'a>> {
    indexes
        .into_iter()
        .filter_map(|i| a.findings.get(i))
        .map(|f| issue(image, f))
        .collect()
}

/// How much a kind matters, on one scale the CI formats each map to their own words: a secret
/// is a leak, the other hygiene kinds are risks, the size kinds are waste.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Severity {
    Leak,
    Risk,
    Waste,
}

pub fn severity(kind: FindingKind) -> Severity {
    match kind {
        FindingKind::Secret => Severity::Leak,
        k if k.is_hygiene() => Severity::Risk,
        _ => Severity::Waste,
    }
}

/// A stable fingerprint for a failed rule: its name within its command, nothing that changes
/// between builds.
pub fn rule_fingerprint(suite: &str, rule: &str) -> String {
    let mut h = Sha256::new();
    h.update(suite.as_bytes());
    h.update([0]);
    h.update(rule.as_bytes());
    hex(&h.finalize())
}
