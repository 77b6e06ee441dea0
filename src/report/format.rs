//! Formatting at the edge: human sizes and ratios for people; exact numbers stay in JSON.

use humansize::{DECIMAL, format_size};

use super::rules::Value;

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
