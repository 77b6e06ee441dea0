//! Escaping for every human-readable output: image-derived strings (layer commands, paths, the
//! config's user, tags, platform names, registry error texts) made safe for a terminal, a CI log
//! and Markdown. JSON keeps the exact strings and never comes through here.
//!
//! An image is untrusted input. A path or a `created_by` holding ESC, an OSC title sequence or a
//! CR would rewrite the reader's terminal or hide what comes before it; a backtick or `![x](…)`
//! in a path would break out of a Markdown code span and inject images, links or @mentions into a
//! pull-request comment. So control characters and the invisible characters that reorder or hide
//! text are shown as visible escapes (`\x1b`, `\n`, `\u{202e}`), and Markdown gets code spans
//! that nothing can leave.

use std::borrow::Cow;
use std::fmt::Write as _;
use std::ops::Range;

/// Whether `c` must not reach a terminal or a reader as itself: the C0 and C1 controls and DEL
/// (the ESC, OSC and 8-bit CSI of terminal injection, CR and newline that rewrite lines), and the
/// invisible characters that reorder or hide text (bidirectional overrides and isolates,
/// zero-width characters, line and paragraph separators, the byte-order mark, and the tag
/// characters that spell invisible ASCII).
fn hidden(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{061c}'
                | '\u{200b}'..='\u{200f}'
                | '\u{2028}'..='\u{202e}'
                | '\u{2060}'..='\u{2064}'
                | '\u{2066}'..='\u{2069}'
                | '\u{feff}'
                | '\u{e0000}'..='\u{e007f}'
        )
}

/// `s` with every hidden character shown as an escape, on one line; borrowed when nothing needed
/// escaping (the common case). A backslash is left as it is: the exact bytes are in the JSON.
pub fn text(s: &str) -> Cow<'_, str> {
    if !s.chars().any(hidden) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        push_escaped(&mut out, c);
    }
    Cow::Owned(out)
}

/// Bytes from an image (a tar path need not be UTF-8), escaped as [`text`] does, with each byte
/// that is not UTF-8 shown as `\xHH` (not as U+FFFD, which would make two names look alike).
pub fn bytes(b: &[u8]) -> String {
    let mut out = String::with_capacity(b.len());
    for chunk in b.utf8_chunks() {
        out.push_str(&text(chunk.valid()));
        for byte in chunk.invalid() {
            // Writing to a String cannot fail.
            let _ = write!(out, "\\x{byte:02x}");
        }
    }
    out
}

fn push_escaped(out: &mut String, c: char) {
    if !hidden(c) {
        out.push(c);
        return;
    }
    // Writing to a String cannot fail.
    let _ = match c {
        '\n' => write!(out, "\\n"),
        '\r' => write!(out, "\\r"),
        '\t' => write!(out, "\\t"),
        c if u32::from(c) < 0x80 => write!(out, "\\x{:02x}", u32::from(c)),
        c => write!(out, "\\u{{{:x}}}", u32::from(c)),
    };
}

/// `s` as a Markdown code span, for running text (a heading, a bullet). Nothing inside a code
/// span is read as Markdown or HTML, and the fence is longer than any run of backticks in `s`.
pub fn markdown_code(s: &str) -> String {
    code_span(&text(s))
}

/// `s` as a Markdown code span inside a table cell: as [`markdown_code`], and a `|` is escaped
/// so that it cannot end the cell (GitHub removes the backslash before the code span is read).
pub fn markdown_code_cell(s: &str) -> String {
    code_span(&text(s).replace('|', "\\|"))
}

fn code_span(s: &str) -> String {
    if s.is_empty() {
        return "` `".to_string();
    }
    let longest_run = s
        .split(|c| c != '`')
        .map(str::len)
        .max()
        .unwrap_or_default();
    let fence = "`".repeat(longest_run + 1);
    // CommonMark strips one space from each end when both ends have one; pad so that a span
    // starting or ending with a backtick (or with spaces at both ends) keeps its exact content.
    let pad = s.starts_with('`') || s.ends_with('`') || (s.starts_with(' ') && s.ends_with(' '));
    let space = if pad { " " } else { "" };
    format!("{fence}{space}{s}{space}{fence}")
}

/// Prose for a Markdown table cell that quotes image strings in backtick code spans, like a
/// finding's fix (``drop the bit: `RUN chmod u-s /app/x` ``): each backtick-delimited part
/// becomes a code span of its own (see [`markdown_code_cell`]) and the rest escaped text (see
/// [`markdown_text`]). Backticks inside `quoted` (the image string the prose embeds, such as the
/// finding's path) are content, not delimiters, so a path holding one stays in its span. Were
/// the split wrong anyway, every part is still a sealed code span or escaped text.
pub fn markdown_prose(s: &str, quoted: &str) -> String {
    let protected: Vec<Range<usize>> = if quoted.is_empty() {
        Vec::new()
    } else {
        s.match_indices(quoted)
            .map(|(i, m)| i..i + m.len())
            .collect()
    };
    let mut out = String::with_capacity(s.len() + 16);
    let (mut start, mut in_code) = (0, false);
    for (i, c) in s.char_indices() {
        if c == '`' && !protected.iter().any(|r| r.contains(&i)) {
            push_prose_part(&mut out, &s[start..i], in_code);
            (start, in_code) = (i + 1, !in_code);
        }
    }
    push_prose_part(&mut out, &s[start..], in_code);
    out
}

fn push_prose_part(out: &mut String, part: &str, in_code: bool) {
    if !in_code {
        out.push_str(&markdown_text(part));
    } else if !part.is_empty() {
        out.push_str(&markdown_code_cell(part));
    }
}

/// Plain text for Markdown, in running text or a table cell: hidden characters escaped, every
/// character that can open inline Markdown, HTML, an entity or math backslash-escaped, and the
/// autolinks GitHub makes by itself (`@user` mentions, `user@host` mails, `http://…`, `www.…`)
/// broken by an invisible word joiner, which no escape can do.
pub fn markdown_text(s: &str) -> String {
    let s = text(s);
    let mut out = String::with_capacity(s.len() + 16);
    for (i, c) in s.char_indices() {
        if matches!(
            c,
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '&' | '~' | '|' | '!' | '$'
        ) {
            out.push('\\');
        }
        out.push(c);
        let (done, rest) = s.split_at(i + c.len_utf8());
        let starts_link = (c == ':' && rest.starts_with("//"))
            || (rest.starts_with('.')
                && done.len() >= 3
                && done.as_bytes()[done.len() - 3..].eq_ignore_ascii_case(b"www"));
        if c == '@' || starts_link {
            out.push('\u{2060}');
        }
    }
    out
}

/// Text for HTML, in element content or a quoted attribute: hidden characters escaped as
/// [`text`] does, then `&`, `<`, `>`, `"` and `'` as character references, so nothing can open
/// a tag, leave an attribute or start an entity.
pub fn html(s: &str) -> String {
    let s = text(s);
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// JSON made safe to sit inside an HTML `<script>` element: `<`, `>` and `&` as `\u` escapes
/// (so neither `</script>` nor `<!--` can end or bend the script), and U+2028/U+2029, which
/// older JavaScript reads as line ends, escaped too. Each replaced character can only occur
/// inside a JSON string, where the escape means the same character.
pub fn script_json(json: &str) -> String {
    let mut out = String::with_capacity(json.len() + 16);
    for c in json.chars() {
        match c {
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '&' => out.push_str("\\u0026"),
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_and_invisible_characters_become_visible_escapes() {
        assert_eq!(text("/usr/bin/ls"), Cow::Borrowed("/usr/bin/ls"));
        assert_eq!(text("a\x1b]0;pwned\x07b"), "a\\x1b]0;pwned\\x07b");
        assert_eq!(
            text("a\x1b[2Jb\rc\nd\te\x7f"),
            "a\\x1b[2Jb\\rc\\nd\\te\\x7f"
        );
        // The 8-bit CSI and OSC, and a right-to-left override that would reorder the line.
        assert_eq!(
            text("a\u{9b}2J\u{9d}x\u{202e}y"),
            "a\\u{9b}2J\\u{9d}x\\u{202e}y"
        );
        // A tag character spells ASCII nobody sees.
        assert_eq!(text("ok\u{e0041}"), "ok\\u{e0041}");
        assert_eq!(
            bytes(b"caf\xc3\xa9 \xff\xfe\x1b/x"),
            "café \\xff\\xfe\\x1b/x"
        );
    }

    #[test]
    fn code_spans_outlast_every_backtick_run() {
        assert_eq!(markdown_code("/app/x"), "`/app/x`");
        assert_eq!(markdown_code("a`b"), "``a`b``");
        assert_eq!(markdown_code("``x"), "``` ``x ```");
        assert_eq!(markdown_code(" x "), "`  x  `");
        assert_eq!(markdown_code(""), "` `");
        assert_eq!(markdown_code("a\nb|c"), "`a\\nb|c`");
        assert_eq!(markdown_code_cell("a|b"), "`a\\|b`");
    }

    #[test]
    fn text_cannot_open_markdown_or_autolink() {
        let out = markdown_text("![x](http://evil/p.png) <img src=x> @user *em* $x$ www.evil.org");
        let wj = '\u{2060}';
        assert_eq!(
            out,
            format!(
                "\\!\\[x\\](http:{wj}//evil/p.png) \\<img src=x\\> @{wj}user \\*em\\* \\$x\\$ www{wj}.evil.org"
            )
        );
    }

    #[test]
    fn prose_keeps_its_code_spans_and_seals_a_hostile_path() {
        assert_eq!(
            markdown_prose("add `.git` to .dockerignore", "/app/.git"),
            "add `.git` to .dockerignore"
        );
        // The quoted path holds backticks: they stay inside its span, under a longer fence.
        let path = "/x`![p](http://e/)`";
        let out = markdown_prose(&format!("drop it: `RUN chmod u-s {path}`"), path);
        assert_eq!(out, "drop it: `` RUN chmod u-s /x`![p](http://e/)` ``");
        // Without knowing the path, the split goes wrong but nothing opens.
        let out = markdown_prose(&format!("drop it: `RUN chmod u-s {path}`"), "");
        assert!(!out.contains("!["), "{out}");
        assert!(!out.contains("http://"), "{out}");
    }

    #[test]
    fn html_escapes_markup_quotes_and_controls() {
        assert_eq!(
            html("<script>alert('x')</script> & \"q\" `b`\x1b\u{2028}"),
            "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;q&quot; `b`\\x1b\\u{2028}"
        );
    }

    #[test]
    fn script_json_cannot_end_the_script() {
        let json = serde_json::to_string("</script><!--\u{2028}\u{2029}&").unwrap();
        let out = script_json(&json);
        assert!(!out.contains('<') && !out.contains('\u{2028}'), "{out}");
        assert_eq!(
            serde_json::from_str::<String>(&out).unwrap(),
            "</script><!--\u{2028}\u{2029}&"
        );
    }
}
