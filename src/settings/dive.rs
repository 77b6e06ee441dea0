//! dive 0.13's rule values, read as dive reads them: `strconv.ParseFloat` for ratios with a 0-1 range
//! check, go-humanize's `ParseBytes` for sizes, and its spellings of "disabled".

/// Whether dive treats `value` as a disabled rule (its `isRuleDisabled`: trimmed, any case).
pub fn is_disabled(value: &str) -> bool {
    matches!(
        value.trim().to_ascii_lowercase().as_str(),
        "" | "disabled" | "off" | "false"
    )
}

/// A ratio rule (`lowestEfficiency`, `highestUserWastedPercent`): `None` when disabled.
pub fn ratio(value: &str, key: &str) -> Result<Option<f64>, String> {
    if is_disabled(value) {
        return Ok(None);
    }
    // Go's ParseFloat takes no surrounding space and no `%`; say how to write it instead of guessing.
    let n: f64 = value.parse().map_err(|_| {
        if value.trim_end().ends_with('%') {
            format!("{key}: {value:?} is a percentage; dive reads a ratio between 0 and 1 (50% is 0.5)")
        } else {
            format!("{key}: {value:?} is not a number; dive reads a ratio between 0 and 1 or \"disabled\"")
        }
    })?;
    // dive lets NaN through its range check, giving a rule that never fails: refuse it.
    if !(0.0..=1.0).contains(&n) {
        return Err(format!(
            "{key}: {value} is outside the allowed range 0-1 (a ratio: 0.9 means 90%)"
        ));
    }
    Ok(Some(n))
}

/// A size rule (`highestWastedBytes`): `None` when disabled.
pub fn bytes(value: &str, key: &str) -> Result<Option<u64>, String> {
    if is_disabled(value) {
        return Ok(None);
    }
    parse_bytes(value)
        .map(Some)
        .map_err(|e| format!("{key}: {value:?}: {e}"))
}

/// go-humanize's `ParseBytes`: digits, `.` and `,` then a unit, case-insensitive, so `20Mb` and
/// `20mb` are both 20 MB (10^6 bytes, not megabits); `Ki`/`KiB` are powers of 1024; fractions truncate.
pub fn parse_bytes(text: &str) -> Result<u64, String> {
    let split = text
        .find(|c: char| !(c.is_ascii_digit() || c == '.' || c == ','))
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let value: f64 = number
        .replace(',', "")
        .parse()
        .map_err(|_| "not a size (e.g. 20MB, 1.5GiB, 1048576)".to_string())?;
    let multiplier: f64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1.0,
        "k" | "kb" => 1e3,
        "m" | "mb" => 1e6,
        "g" | "gb" => 1e9,
        "t" | "tb" => 1e12,
        "p" | "pb" => 1e15,
        "e" | "eb" => 1e18,
        "ki" | "kib" => 1024.0,
        "mi" | "mib" => 1024f64.powi(2),
        "gi" | "gib" => 1024f64.powi(3),
        "ti" | "tib" => 1024f64.powi(4),
        "pi" | "pib" => 1024f64.powi(5),
        "ei" | "eib" => 1024f64.powi(6),
        other => {
            return Err(format!(
                "unknown size unit {other:?} (dive reads B, KB, MB, GB, TB, KiB, MiB, GiB, TiB)"
            ));
        }
    };
    let bytes = value * multiplier;
    if !bytes.is_finite() || bytes >= u64::MAX as f64 {
        return Err("too large".into());
    }
    // dive truncates (`uint64(f)`); the range is checked above.
    Ok(bytes as u64)
}
