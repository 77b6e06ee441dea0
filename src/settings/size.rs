//! Human sizes as dive and docker write them: `20MB` (SI, 1000^2), `20MiB` (1024^2), plain bytes.

/// 2^64, the first size a `u64` cannot hold. Every size at or above it is an error: it must
/// never saturate to `u64::MAX`, which the limits read as "no limit".
const TOO_LARGE: f64 = 18_446_744_073_709_551_616.0;

/// Parses `123`, `1.5GB`, `20 MiB`, `10k`. Whole numbers are exact (no float rounding); a size
/// that does not fit in 64 bits is an error.
pub fn parse_size(text: &str) -> Result<u64, String> {
    let t = text.trim();
    let split = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(t.len());
    let (number, unit) = t.split_at(split);
    let multiplier: u64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "k" | "kb" => 1_000,
        "m" | "mb" => 1_000_000,
        "g" | "gb" => 1_000_000_000,
        "t" | "tb" => 1_000_000_000_000,
        "ki" | "kib" => 1 << 10,
        "mi" | "mib" => 1 << 20,
        "gi" | "gib" => 1 << 30,
        "ti" | "tib" => 1 << 40,
        other => {
            return Err(format!(
                "{text:?}: unknown size unit {other:?} (use B, KB, MB, GB, KiB, MiB, GiB)"
            ));
        }
    };
    let not_a_size = || format!("{text:?} is not a size (e.g. 20MB, 1.5GiB, 1048576)");
    let out_of_range = || format!("{text:?} is out of range (the largest size is 2^64-1 bytes)");
    if !number.contains('.') {
        let whole: u64 = match number.parse() {
            Ok(n) => n,
            Err(e) if *e.kind() == std::num::IntErrorKind::PosOverflow => {
                return Err(out_of_range());
            }
            Err(_) => return Err(not_a_size()),
        };
        return whole.checked_mul(multiplier).ok_or_else(out_of_range);
    }
    let value: f64 = number.parse().map_err(|_| not_a_size())?;
    size_from_number(value * multiplier as f64).map_err(|_| out_of_range())
}

/// A size given as a number (a YAML or TOML float): finite, not negative, below 2^64.
pub fn size_from_number(bytes: f64) -> Result<u64, String> {
    if !bytes.is_finite() || bytes < 0.0 || bytes.round() >= TOO_LARGE {
        return Err(format!(
            "{bytes} is not a size in range (0 to 2^64-1 bytes)"
        ));
    }
    Ok(bytes.round() as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_sizes() {
        assert_eq!(parse_size("123").unwrap(), 123);
        assert_eq!(parse_size("20MB").unwrap(), 20_000_000);
        assert_eq!(parse_size("20 MiB").unwrap(), 20 * 1024 * 1024);
        assert_eq!(parse_size("1.5GB").unwrap(), 1_500_000_000);
        assert_eq!(parse_size("10k").unwrap(), 10_000);
        assert!(parse_size("ten").is_err());
        assert!(parse_size("5 parsecs").is_err());
    }

    #[test]
    fn sizes_past_64_bits_are_errors_not_no_limit() {
        assert_eq!(parse_size("18446744073709551615").unwrap(), u64::MAX);
        assert_eq!(
            parse_size("18446744073709551616").unwrap_err(),
            "\"18446744073709551616\" is out of range (the largest size is 2^64-1 bytes)"
        );
        assert!(parse_size("99999999999999999999999").is_err());
        assert!(parse_size("18446744073709551616.0").is_err());
        assert!(parse_size("16EiB").is_err());
        assert!(parse_size("20000000TB").is_err());
        assert!(parse_size("18446744073709551615k").is_err());
        assert_eq!(
            parse_size("9007199254740993").unwrap(),
            9_007_199_254_740_993
        );
        assert!(size_from_number(18_446_744_073_709_551_616.0).is_err());
        assert!(size_from_number(f64::INFINITY).is_err());
        assert_eq!(size_from_number(1024.0).unwrap(), 1024);
    }
}
