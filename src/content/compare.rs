//! One file in two versions, compared for people: a unified line diff for text, sizes and XXH3
//! fingerprints for binary or very large files. Lines come from an image, so each is escaped
//! (a tab stays a tab; ESC and other controls are shown as `\x1b`).

use std::io::{self, Write};

use super::{ContentError, LookupError, ReadOptions, Spool};
use crate::image::Image;

/// Largest file compared line by line (each side); larger ones get sizes and fingerprints.
pub const MAX_TEXT_DIFF: u64 = 8 << 20;
/// Lines of context around each change, as `diff -u`.
const CONTEXT: usize = 3;

/// One side of a comparison.
#[derive(Debug)]
pub enum Version {
    /// No regular file there; the reason is shown (escaped already).
    Absent(String),
    File(Spool),
}

/// Whether `bytes` read as text: UTF-8 with no NUL byte.
pub fn is_text(bytes: &[u8]) -> bool {
    !bytes.contains(&0) && std::str::from_utf8(bytes).is_ok()
}

/// XXH3-64 of the whole content kept in the spool.
pub fn fingerprint(spool: &mut Spool) -> io::Result<u64> {
    struct Hasher(xxhash_rust::xxh3::Xxh3);
    impl Write for Hasher {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            self.0.update(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }
    let mut h = Hasher(xxhash_rust::xxh3::Xxh3::new());
    spool.copy_to(&mut h)?;
    Ok(h.0.digest())
}

/// A line of an image's file, escaped for a terminal: tabs kept.
pub fn escape_line(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    for (i, piece) in line.split('\t').enumerate() {
        if i > 0 {
            out.push('\t');
        }
        out.push_str(&crate::escape::text(piece));
    }
    out
}

/// The comparison as text: `--- a` / `+++ b` headers, then hunks or a binary summary. Empty
/// string when both versions are the same file.
pub fn render(
    label_a: &str,
    a: &mut Version,
    label_b: &str,
    b: &mut Version,
) -> io::Result<String> {
    let mut out = String::new();
    match (&mut *a, &mut *b) {
        (Version::Absent(why_a), Version::Absent(why_b)) => {
            out.push_str(&format!("{label_a}: {why_a}\n{label_b}: {why_b}\n"));
        }
        (Version::File(sa), Version::File(sb)) => {
            let text = |s: &Spool| s.total() <= MAX_TEXT_DIFF && s.bytes().is_some_and(is_text);
            if text(sa) && text(sb) {
                let (ta, tb) = (as_text(sa), as_text(sb));
                if ta == tb {
                    return Ok(String::new());
                }
                unified(&mut out, label_a, ta, label_b, tb);
            } else {
                let (fa, fb) = (fingerprint(sa)?, fingerprint(sb)?);
                if fa == fb && sa.total() == sb.total() {
                    return Ok(String::new());
                }
                out.push_str(&format!(
                    "binary files differ\n--- {label_a}: {} bytes, xxh3 {fa:016x}\n+++ {label_b}: {} bytes, xxh3 {fb:016x}\n",
                    sa.total(),
                    sb.total()
                ));
            }
        }
        (Version::Absent(why), Version::File(s)) => {
            one_sided(&mut out, label_a, why, label_b, s, '+')?;
        }
        (Version::File(s), Version::Absent(why)) => {
            one_sided(&mut out, label_b, why, label_a, s, '-')?;
        }
    }
    Ok(out)
}

/// One image's final version of the file at `path`: its bytes, or why there are none (a path
/// missing from one image is a difference, not an error; anything else is). `plummet diff
/// --file` and the diff UI's viewer compare what this returns.
pub fn final_version(
    image: &Image,
    path: &[u8],
    options: ReadOptions,
) -> Result<Version, ContentError> {
    let mut spool = Spool::unbounded();
    match super::read_file(image, None, path, &mut spool, options) {
        Ok(_) => Ok(Version::File(spool)),
        Err(ContentError::Lookup(e @ LookupError::Missing { .. })) => {
            Ok(Version::Absent(format!("absent ({e})")))
        }
        Err(e) => Err(e),
    }
}

/// The `a/…` and `b/…` labels of a comparison of `path` (escaped, without its leading slashes).
pub fn labels(path: &[u8]) -> (String, String) {
    let start = path.iter().position(|&c| c != b'/').unwrap_or(path.len());
    let path = &path[start..];
    let shown = crate::escape::bytes(path);
    (format!("a/{shown}"), format!("b/{shown}"))
}

fn as_text(s: &Spool) -> &str {
    s.bytes()
        .and_then(|b| std::str::from_utf8(b).ok())
        .unwrap_or_default()
}

/// A file on one side only: all its lines added (or removed), or its size for binary.
fn one_sided(
    out: &mut String,
    absent_label: &str,
    why: &str,
    present_label: &str,
    s: &mut Spool,
    sign: char,
) -> io::Result<()> {
    let text = s.total() <= MAX_TEXT_DIFF && s.bytes().is_some_and(is_text);
    if !text {
        let f = fingerprint(s)?;
        out.push_str(&format!(
            "{absent_label}: {why}\n{present_label}: binary, {} bytes, xxh3 {f:016x}\n",
            s.total()
        ));
        return Ok(());
    }
    let (a, b, la, lb) = if sign == '+' {
        (
            "",
            as_text(s),
            format!("{absent_label} ({why})"),
            present_label.to_string(),
        )
    } else {
        (
            as_text(s),
            "",
            present_label.to_string(),
            format!("{absent_label} ({why})"),
        )
    };
    unified(out, &la, a, &lb, b);
    Ok(())
}

fn unified(out: &mut String, label_a: &str, a: &str, label_b: &str, b: &str) {
    let diff = similar::TextDiff::from_lines(a, b);
    out.push_str(&format!("--- {label_a}\n+++ {label_b}\n"));
    for group in diff.grouped_ops(CONTEXT) {
        let (Some(first), Some(last)) = (group.first(), group.last()) else {
            continue;
        };
        let (ra, rb) = (
            first.old_range().start..last.old_range().end,
            first.new_range().start..last.new_range().end,
        );
        out.push_str(&format!(
            "@@ -{} +{} @@\n",
            hunk_range(ra.start, ra.len()),
            hunk_range(rb.start, rb.len())
        ));
        for op in &group {
            for change in diff.iter_changes(op) {
                let sign = match change.tag() {
                    similar::ChangeTag::Equal => ' ',
                    similar::ChangeTag::Delete => '-',
                    similar::ChangeTag::Insert => '+',
                };
                let line = change.value();
                let (body, newline) = match line.strip_suffix('\n') {
                    Some(body) => (body, true),
                    None => (line, false),
                };
                out.push(sign);
                out.push_str(&escape_line(body));
                out.push('\n');
                if !newline {
                    out.push_str("\\ No newline at end of file\n");
                }
            }
        }
    }
}

/// `start,len` as `diff -u` writes it (1-based; `start,0` is the line before an empty range).
fn hunk_range(start: usize, len: usize) -> String {
    match len {
        0 => format!("{start},0"),
        1 => format!("{}", start + 1),
        n => format!("{},{n}", start + 1),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(bytes: &[u8]) -> Version {
        let mut s = Spool::unbounded();
        s.write_all(bytes).unwrap();
        Version::File(s)
    }

    #[test]
    fn text_files_get_a_unified_diff_with_escaped_lines() {
        let mut a = file(b"one\ntwo\nthree\n");
        let mut b = file(b"one\n2\x1b[31m\nthree\n");
        let out = render("a/etc/x", &mut a, "b/etc/x", &mut b).unwrap();
        assert_eq!(
            out,
            "--- a/etc/x\n+++ b/etc/x\n@@ -1,3 +1,3 @@\n one\n-two\n+2\\x1b[31m\n three\n"
        );
    }

    #[test]
    fn same_content_is_no_difference() {
        let mut a = file(b"same\n");
        let mut b = file(b"same\n");
        assert_eq!(render("a", &mut a, "b", &mut b).unwrap(), "");
    }

    #[test]
    fn binary_files_get_sizes_and_fingerprints() {
        let mut a = file(b"\x7fELF\0\0\x01");
        let mut b = file(b"\x7fELF\0\0\x02\x03");
        let out = render("a", &mut a, "b", &mut b).unwrap();
        assert!(
            out.starts_with("binary files differ\n--- a: 7 bytes, xxh3 "),
            "{out}"
        );
        assert!(out.contains("+++ b: 8 bytes, xxh3 "), "{out}");
    }

    #[test]
    fn a_file_on_one_side_is_all_added_and_a_missing_newline_is_marked() {
        let mut a = Version::Absent("no such file".into());
        let mut b = file(b"x\ny");
        let out = render("a/f", &mut a, "b/f", &mut b).unwrap();
        assert_eq!(
            out,
            "--- a/f (no such file)\n+++ b/f\n@@ -0,0 +1,2 @@\n+x\n+y\n\\ No newline at end of file\n"
        );
    }
}
