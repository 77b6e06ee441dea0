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

/// A rule's measured value and threshold as a reader sees them. When rounding would print both
/// alike while they differ (efficiency 0.89996 against 0.9 prints `0.9000` twice, and fails), both
/// are given exactly, so that the line shows why it passed or failed.
pub fn rule_values(value_of: Value, threshold: Option<Value>) -> (String, String) {
    let Some(threshold) = threshold else {
        return (value(value_of), "disabled".to_string());
    };
    let (v, t) = (value(value_of), value(threshold));
    if value_of == threshold || shown_number(&v) != shown_number(&t) {
        return (v, t);
    }
    (exact(value_of), exact(threshold))
}

/// What a rounded value reads as: `20.00 MB` and `20 MB` are both (20, "MB").
fn shown_number(text: &str) -> (Option<f64>, &str) {
    let (number, unit) = text.split_once(' ').unwrap_or((text, ""));
    (number.parse().ok(), unit)
}

/// A value with every digit: the shortest decimal that reads back as the same ratio, or the
/// byte count itself.
fn exact(v: Value) -> String {
    match v {
        Value::Ratio(r) => format!("{r}"),
        Value::Bytes(b) => format!("{b} B"),
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

#[cfg(test)]
mod rule_value_tests {
    use super::*;

    #[test]
    fn rounding_never_hides_a_verdict() {
        assert_eq!(
            rule_values(Value::Ratio(0.899_996), Some(Value::Ratio(0.9))),
            ("0.899996".to_string(), "0.9".to_string())
        );
        assert_eq!(
            rule_values(Value::Bytes(20_000_001), Some(Value::Bytes(20_000_000))),
            ("20000001 B".to_string(), "20000000 B".to_string())
        );
        // Apart or equal, the rounded forms say enough.
        assert_eq!(
            rule_values(Value::Ratio(0.85), Some(Value::Ratio(0.9))),
            ("0.8500".to_string(), "0.9000".to_string())
        );
        assert_eq!(
            rule_values(Value::Bytes(5), Some(Value::Bytes(5))),
            ("5 B".to_string(), "5 B".to_string())
        );
        assert_eq!(
            rule_values(Value::Count(1), None),
            ("1".to_string(), "disabled".to_string())
        );
    }
}
