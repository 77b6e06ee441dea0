//! "base" and "your layers" apart, for the text and Markdown reports: what the base image
//! brings, and what the user's own steps add, waste and trigger.

use super::format::size;
use crate::analysis::Analysis;
use crate::analysis::base::Detection;

/// What the reports say about the base and the user's layers.
pub struct Split {
    /// `python:3.12 (5 layers, 1.02 GB, from --base)`
    pub base: String,
    /// `3 layers, 12 MB, 1 MB wasted, 4 findings`
    pub yours: String,
}

/// Describes the split; image strings are left for the caller to escape.
pub fn split(a: &Analysis) -> Split {
    let count = a.layers.iter().filter(|l| l.base).count();
    let layers = |n: usize| if n == 1 { "layer" } else { "layers" };
    let name = a
        .base
        .reference
        .clone()
        .or_else(|| a.base.digest.clone())
        .map_or_else(
            || "unknown".into(),
            |n| crate::escape::text(&n).into_owned(),
        );
    let how = match a.base.detected_by {
        Detection::Flag => "from --base".to_string(),
        Detection::Annotation => {
            "named by the image's annotations; boundary unknown, layer 0 counted (dive's rule)"
                .to_string()
        }
        Detection::Unknown => {
            "boundary unknown: layer 0 counted, as dive does; name it with --base".to_string()
        }
    };
    let base = format!(
        "{name} ({count} {}, {}; {how})",
        layers(count),
        size(a.base_size_bytes())
    );
    let user: Vec<_> = a.layers.iter().filter(|l| !l.base).collect();
    let bytes: u64 = user.iter().map(|l| l.size_bytes).sum();
    let wasted: u64 = user.iter().map(|l| l.changes.wasted_bytes).sum();
    let findings = a
        .findings
        .iter()
        .filter(|f| f.layer.is_some_and(|l| a.is_user_layer(l)))
        .count();
    let yours = format!(
        "{} {}, {}, {} wasted, {findings} findings",
        user.len(),
        layers(user.len()),
        size(bytes),
        size(wasted)
    );
    Split { base, yours }
}
