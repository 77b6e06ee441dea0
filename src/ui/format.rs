//! Formatting at the UI's edge: sizes for humans, permission strings, percentages.

use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

use crate::layer::EntryKind;

/// Bytes as a short decimal size (`1.23 MB`), like dive.
pub fn bytes(n: u64) -> String {
    humansize::format_size(n, humansize::DECIMAL)
}

/// `ls -l` style permissions, including the type character and setuid, setgid and sticky bits.
pub fn permissions(kind: EntryKind, mode: u32) -> String {
    let kind_char = match kind {
        EntryKind::Dir => 'd',
        EntryKind::Symlink => 'l',
        EntryKind::CharDevice => 'c',
        EntryKind::BlockDevice => 'b',
        EntryKind::Fifo => 'p',
        EntryKind::File | EntryKind::Hardlink | EntryKind::Whiteout | EntryKind::Opaque => '-',
    };
    let mut out = String::with_capacity(10);
    out.push(kind_char);
    let special = [(0o4000, 's', 'S'), (0o2000, 's', 'S'), (0o1000, 't', 'T')];
    for (i, shift) in [6u32, 3, 0].into_iter().enumerate() {
        let bits = (mode >> shift) & 0o7;
        out.push(if bits & 4 != 0 { 'r' } else { '-' });
        out.push(if bits & 2 != 0 { 'w' } else { '-' });
        let (flag, set, unset) = special[i];
        let exec = bits & 1 != 0;
        out.push(match (mode & flag != 0, exec) {
            (true, true) => set,
            (true, false) => unset,
            (false, true) => 'x',
            (false, false) => '-',
        });
    }
    out
}

/// A ratio as a percentage with one decimal.
pub fn percent(ratio: f64) -> String {
    format!("{:.1}%", ratio * 100.0)
}

/// How many terminal columns `text` takes: CJK ideographs and most emoji take two.
pub fn width(text: &str) -> usize {
    UnicodeWidthStr::width(text)
}

/// Cuts `text` to at most `width` terminal columns, ending with `…` when cut (so that wide
/// characters keep the columns after them aligned).
pub fn truncate(text: &str, width: usize) -> String {
    if self::width(text) <= width {
        return text.to_string();
    }
    if width == 0 {
        return String::new();
    }
    let mut out = String::new();
    let mut used = 0;
    for c in text.chars() {
        let w = UnicodeWidthChar::width(c).unwrap_or(0);
        if used + w > width - 1 {
            break;
        }
        used += w;
        out.push(c);
    }
    out.push('…');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn permissions_show_type_and_special_bits() {
        assert_eq!(permissions(EntryKind::Dir, 0o755), "drwxr-xr-x");
        assert_eq!(permissions(EntryKind::File, 0o4755), "-rwsr-xr-x");
        assert_eq!(permissions(EntryKind::File, 0o2644), "-rw-r-Sr--");
        assert_eq!(permissions(EntryKind::Dir, 0o1777), "drwxrwxrwt");
        assert_eq!(permissions(EntryKind::Symlink, 0o777), "lrwxrwxrwx");
    }

    #[test]
    fn sizes_and_truncation() {
        assert_eq!(bytes(0), "0 B");
        assert_eq!(bytes(1_500_000), "1.50 MB");
        assert_eq!(truncate("abcdef", 4), "abc…");
        assert_eq!(truncate("abc", 4), "abc");
        assert_eq!(percent(0.5), "50.0%");
    }

    #[test]
    fn wide_characters_count_two_columns_when_cut() {
        assert_eq!(width("日本語"), 6);
        assert_eq!(truncate("日本語.txt", 6), "日本…");
        assert_eq!(width(&truncate("日本語.txt", 6)), 5);
        assert_eq!(truncate("📦📦📦", 4), "📦…");
        assert_eq!(truncate("日本語", 6), "日本語");
    }
}
