//! Formatting at the edge: human sizes and ratios for people; exact numbers stay in JSON.

use humansize::{DECIMAL, format_size};

use super::rules::Value;
use crate::analysis::{LayerReport, PullSize};
use crate::image::Compression;

/// `1.2 MB` (SI units, as dive and docker print them).
pub fn size(bytes: u64) -> String {
    format_size(bytes, DECIMAL)
}

/// `81.23 %`
pub fn percent(ratio: f64) -> String {
    format!("{:.2} %", ratio * 100.0)
}

pub fn value(v: Value) -> String {
    match v {
        Value::Ratio(r) => format!("{r:.4}"),
        Value::Bytes(b) => size(b),
        Value::Count(c) => c.to_string(),
    }
}

/// Shortens `text` to `max` characters with an ellipsis.
pub fn truncate(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let mut out: String = text.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}

/// A layer's blob as stored: `12.3 MB` compressed, `45.6 MB tar` when stored uncompressed
/// (no compressed size exists to show), `–` when the source does not say.
pub fn blob(l: &LayerReport) -> String {
    match (l.blob_bytes, l.compression) {
        (None, _) => "–".into(),
        (Some(b), Some(Compression::None)) => format!("{} tar", size(b)),
        (Some(b), _) => size(b),
    }
}

/// A pull or download size with what it counts: `12.3 MB (3 blobs)`, noting blobs stored
/// uncompressed, whose size is not what a registry would send after a push compressed them.
pub fn pull(p: PullSize) -> String {
    let Some(bytes) = p.bytes else {
        return format!(
            "unknown ({} blobs, the source does not give every blob's size)",
            p.blobs
        );
    };
    let blobs = if p.blobs == 1 { "blob" } else { "blobs" };
    match p.uncompressed {
        0 => format!("{} ({} {blobs})", size(bytes), p.blobs),
        n => format!(
            "{} ({} {blobs}, {n} stored uncompressed: sizes as stored)",
            size(bytes),
            p.blobs
        ),
    }
}
