//! The Dockerfile parser: parser directives, physical lines joined into instructions by the
//! escape character, comments, heredocs, flags, JSON and shell forms, then the stages and the
//! `ARG`/`ENV` substitution the builders apply. It never panics: every slice is cut at an ASCII
//! delimiter it found.

use std::collections::BTreeMap;

use super::expand::{Vars, expand_with};
use super::{Args, Dockerfile, Flag, Heredoc, Instruction, ParseError, Stage};

/// Keywords whose arguments the builders expand with `ARG`/`ENV` values.
const EXPANDED: [&str; 12] = [
    "ADD",
    "COPY",
    "ENV",
    "EXPOSE",
    "FROM",
    "LABEL",
    "STOPSIGNAL",
    "USER",
    "VOLUME",
    "WORKDIR",
    "ARG",
    "ONBUILD",
];

/// Keywords that may carry here-documents.
const HEREDOC: [&str; 3] = ["RUN", "COPY", "ADD"];

/// Parses `text`, the Dockerfile read from `file` (named in errors).
pub fn parse(file: &str, text: &str) -> Result<Dockerfile, ParseError> {
    let lines: Vec<&str> = text
        .split('\n')
        .map(|l| l.strip_suffix('\r').unwrap_or(l))
        .collect();
    let err = |line: usize, message: String| ParseError {
        file: file.to_string(),
        line,
        message,
    };
    let mut df = Dockerfile {
        escape: '\\',
        ..Dockerfile::default()
    };
    let mut i = directives(&lines, &mut df).map_err(|(l, m)| err(l, m))?;
    while i < lines.len() {
        let trimmed = lines[i].trim();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            i += 1;
            continue;
        }
        let start = i;
        let mut logical = String::new();
        let mut line = lines[i];
        loop {
            match strip_continuation(line, df.escape) {
                Some(head) => {
                    logical.push_str(head);
                    i += 1;
                    // Comment and blank lines inside a continuation are dropped, as BuildKit does.
                    while i < lines.len() && is_skipped_in_continuation(lines[i]) {
                        i += 1;
                    }
                    match lines.get(i) {
                        Some(next) => line = next,
                        None => break,
                    }
                }
                None => {
                    logical.push_str(line);
                    break;
                }
            }
        }
        i += 1;
        let mut ins = instruction(&logical, start + 1).map_err(|m| err(start + 1, m))?;
        if HEREDOC.iter().any(|k| ins.is(k)) {
            for (word, strip_tabs, quoted) in heredoc_words(&ins.args) {
                let (body, next) = heredoc_body(&lines, i, &word, strip_tabs).ok_or_else(|| {
                    err(
                        start + 1,
                        format!(
                            "here-document <<{} is never terminated",
                            crate::escape::text(&word)
                        ),
                    )
                })?;
                i = next;
                ins.heredocs.push(Heredoc {
                    word,
                    strip_tabs,
                    quoted,
                    body,
                });
            }
        }
        ins.end_line = i.min(lines.len()).max(start + 1);
        df.instructions.push(ins);
    }
    stages(file, &mut df)?;
    Ok(df)
}

/// Reads the parser directives at the top (`# syntax=`, `# escape=`, `# check=`); returns the
/// index of the first line after them. Directives end at the first line that is not one.
fn directives(lines: &[&str], df: &mut Dockerfile) -> Result<usize, (usize, String)> {
    let mut seen = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        let Some(rest) = line.trim().strip_prefix('#') else {
            return Ok(i);
        };
        let Some((key, value)) = rest.split_once('=') else {
            return Ok(i);
        };
        let key = key.trim().to_ascii_lowercase();
        if key.is_empty() || !key.chars().all(|c| c.is_ascii_alphanumeric()) {
            return Ok(i);
        }
        if seen.contains(&key) {
            return Err((i + 1, format!("parser directive `{key}` given twice")));
        }
        let value = value.trim();
        match key.as_str() {
            "syntax" => df.syntax = Some(value.to_string()),
            "escape" => {
                df.escape = match value {
                    "\\" => '\\',
                    "`" => '`',
                    _ => {
                        return Err((
                            i + 1,
                            format!(
                                "invalid escape directive `{}`: must be ` or \\",
                                crate::escape::text(value)
                            ),
                        ));
                    }
                }
            }
            _ => {}
        }
        seen.push(key);
    }
    Ok(lines.len())
}

/// The line without its trailing escape character (and the blanks after it), when it continues.
fn strip_continuation(line: &str, escape: char) -> Option<&str> {
    line.trim_end().strip_suffix(escape)
}

fn is_skipped_in_continuation(line: &str) -> bool {
    let t = line.trim_start();
    t.is_empty() || t.starts_with('#')
}

/// Splits a logical line into keyword, flags and arguments.
fn instruction(logical: &str, line: usize) -> Result<Instruction, String> {
    let text = logical.trim();
    let (keyword, mut rest) = match text.find(char::is_whitespace) {
        Some(at) => (&text[..at], text[at..].trim_start()),
        None => (text, ""),
    };
    if !keyword.chars().all(|c| c.is_ascii_alphabetic() || c == '_') {
        return Err(format!(
            "unknown instruction `{}`",
            crate::escape::text(&excerpt(keyword))
        ));
    }
    let mut flags = Vec::new();
    while let Some(flag) = rest.strip_prefix("--") {
        let end = flag.find(char::is_whitespace).unwrap_or(flag.len());
        let (name, value) = match flag[..end].split_once('=') {
            Some((n, v)) => (n.to_string(), Some(v.to_string())),
            None => (flag[..end].to_string(), None),
        };
        if name.is_empty() {
            break;
        }
        flags.push(Flag { name, value });
        rest = flag[end..].trim_start();
    }
    let args = match rest.starts_with('[').then(|| json_array(rest)).flatten() {
        Some(words) => Args::Json(words),
        None => Args::Shell(rest.to_string()),
    };
    Ok(Instruction {
        line,
        end_line: line,
        keyword: keyword.to_ascii_uppercase(),
        flags,
        expanded: args.clone(),
        args,
        heredocs: Vec::new(),
        stage: None,
    })
}

/// At most 40 characters of `s`, for error messages.
fn excerpt(s: &str) -> String {
    let mut out: String = s.chars().take(40).collect();
    if out.len() < s.len() {
        out.push('…');
    }
    out
}

/// The here-document words of a `RUN`/`COPY`/`ADD`, in order: `<<EOF`, `<<-EOF`, `<<"EOF"`.
fn heredoc_words(args: &Args) -> Vec<(String, bool, bool)> {
    let Args::Shell(text) = args else {
        return Vec::new();
    };
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut at = 0;
    while let Some(found) = text[at..].find("<<") {
        let mut p = at + found + 2;
        let strip_tabs = bytes.get(p) == Some(&b'-');
        if strip_tabs {
            p += 1;
        }
        let quote = bytes.get(p).copied().filter(|c| *c == b'"' || *c == b'\'');
        if quote.is_some() {
            p += 1;
        }
        let start = p;
        while bytes
            .get(p)
            .is_some_and(|c| c.is_ascii_alphanumeric() || *c == b'_')
        {
            p += 1;
        }
        let word_ok = p > start && !bytes[start].is_ascii_digit();
        let closed = match quote {
            Some(q) => bytes.get(p) == Some(&q),
            None => true,
        };
        if word_ok && closed {
            out.push((text[start..p].to_string(), strip_tabs, quote.is_some()));
            if quote.is_some() {
                p += 1;
            }
        }
        at = p.max(at + found + 2);
    }
    out
}

/// The body of a here-document starting at line `from`, and the line after its terminator.
fn heredoc_body(
    lines: &[&str],
    from: usize,
    word: &str,
    strip_tabs: bool,
) -> Option<(String, usize)> {
    let mut body = String::new();
    for (i, line) in lines.iter().enumerate().skip(from) {
        let line = if strip_tabs {
            line.trim_start_matches('\t')
        } else {
            line
        };
        if line == word {
            return Some((body, i + 1));
        }
        body.push_str(line);
        body.push('\n');
    }
    None
}

/// A JSON array of strings, or `None` when `text` is not one (then it is shell form).
fn json_array(text: &str) -> Option<Vec<String>> {
    let mut chars = text.trim().chars().peekable();
    let mut out = Vec::new();
    if chars.next()? != '[' {
        return None;
    }
    let skip_ws = |c: &mut std::iter::Peekable<std::str::Chars<'_>>| {
        while c.peek().is_some_and(|c| c.is_whitespace()) {
            c.next();
        }
    };
    skip_ws(&mut chars);
    if chars.peek() == Some(&']') {
        chars.next();
        return chars.next().is_none().then_some(out);
    }
    loop {
        skip_ws(&mut chars);
        if chars.next()? != '"' {
            return None;
        }
        let mut s = String::new();
        loop {
            match chars.next()? {
                '"' => break,
                '\\' => s.push(match chars.next()? {
                    '"' => '"',
                    '\\' => '\\',
                    '/' => '/',
                    'b' => '\u{8}',
                    'f' => '\u{c}',
                    'n' => '\n',
                    'r' => '\r',
                    't' => '\t',
                    'u' => {
                        let hex: String = (0..4).filter_map(|_| chars.next()).collect();
                        char::from_u32(u32::from_str_radix(&hex, 16).ok()?)?
                    }
                    _ => return None,
                }),
                c => s.push(c),
            }
        }
        out.push(s);
        skip_ws(&mut chars);
        match chars.next()? {
            ',' => {}
            ']' => break,
            _ => return None,
        }
    }
    skip_ws(&mut chars);
    chars.next().is_none().then_some(out)
}

/// Assigns instructions to stages and expands the arguments the builders expand: global `ARG`s
/// in `FROM`, then per stage the `ARG`s declared in it (global defaults when redeclared without
/// one) and its `ENV`s, in order.
fn stages(file: &str, df: &mut Dockerfile) -> Result<(), ParseError> {
    let err = |line: usize, message: String| ParseError {
        file: file.to_string(),
        line,
        message,
    };
    let mut globals: Vars = BTreeMap::new();
    let mut vars: Vars = BTreeMap::new();
    let escape = df.escape;
    let count = df.instructions.len();
    for idx in 0..count {
        let ins = &mut df.instructions[idx];
        let line = ins.line;
        let in_stage = !df.stages.is_empty();
        if ins.is("FROM") {
            let words: Vec<String> = ins
                .args
                .words()
                .iter()
                .map(|w| expand_with(w, &globals, escape))
                .collect::<Result<_, _>>()
                .map_err(|m| err(line, m))?;
            let platform = ins.flag("platform").map(str::to_string);
            let (base, name) = match words.as_slice() {
                [base] => (base.clone(), None),
                [base, as_, name] if as_.eq_ignore_ascii_case("as") => {
                    (base.clone(), Some(name.to_ascii_lowercase()))
                }
                _ => {
                    return Err(err(
                        line,
                        "FROM needs an image and optionally `AS name`".into(),
                    ));
                }
            };
            ins.expanded = Args::Shell(words.join(" "));
            if let Some(last) = df.stages.last_mut() {
                last.end = idx;
            }
            ins.stage = Some(df.stages.len());
            df.stages.push(Stage {
                base,
                name,
                platform,
                from: idx,
                end: count,
            });
            vars = BTreeMap::new();
            continue;
        }
        if !in_stage {
            if !ins.is("ARG") {
                return Err(err(
                    line,
                    format!(
                        "{} before the first FROM (only ARG may come before it)",
                        ins.keyword
                    ),
                ));
            }
            for (name, default) in arg_pairs(&ins.args) {
                let value = match &default {
                    Some(d) => Some(expand_with(d, &globals, escape).map_err(|m| err(line, m))?),
                    None => None,
                };
                if let Some(v) = &value {
                    globals.insert(name.clone(), v.clone());
                }
                df.global_args.push((name, value));
            }
            continue;
        }
        ins.stage = Some(df.stages.len() - 1);
        if !EXPANDED.iter().any(|k| ins.is(k)) {
            continue;
        }
        if ins.is("ARG") {
            for (name, default) in arg_pairs(&ins.args) {
                let value = match default {
                    Some(d) => Some(expand_with(&d, &vars, escape).map_err(|m| err(line, m))?),
                    None => globals.get(&name).cloned(),
                };
                // A value given with ENV earlier wins over an ARG default, as in the builders.
                if let Some(v) = value {
                    vars.entry(name).or_insert(v);
                }
            }
            continue;
        }
        ins.expanded = match &ins.args {
            Args::Shell(s) => Args::Shell(expand_with(s, &vars, escape).map_err(|m| err(line, m))?),
            Args::Json(v) => Args::Json(
                v.iter()
                    .map(|w| expand_with(w, &vars, escape))
                    .collect::<Result<_, _>>()
                    .map_err(|m| err(line, m))?,
            ),
        };
        if ins.is("ENV") {
            for (name, value) in env_pairs(&ins.expanded.text()) {
                vars.insert(name, value);
            }
        }
    }
    Ok(())
}

/// `ARG A=1 B` -> [("A", Some("1")), ("B", None)].
fn arg_pairs(args: &Args) -> Vec<(String, Option<String>)> {
    args.words()
        .into_iter()
        .map(|w| match w.split_once('=') {
            Some((n, v)) => (n.to_string(), Some(unquote(v).to_string())),
            None => (w.to_string(), None),
        })
        .collect()
}

/// `ENV A=1 B="x y"` or the legacy `ENV A 1 2` -> pairs.
pub(super) fn env_pairs(text: &str) -> Vec<(String, String)> {
    let text = text.trim();
    let first = text.split_whitespace().next().unwrap_or("");
    if !first.contains('=') {
        // Legacy form: one name, the rest of the line is the value.
        return match text.split_once(char::is_whitespace) {
            Some((n, v)) => vec![(n.to_string(), v.trim().to_string())],
            None => Vec::new(),
        };
    }
    let mut out = Vec::new();
    for word in shell_words(text) {
        if let Some((n, v)) = word.split_once('=') {
            out.push((n.to_string(), v.to_string()));
        }
    }
    out
}

/// Splits on blanks outside quotes and removes the quotes (enough for `ENV`/`LABEL` pairs).
fn shell_words(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quote: Option<char> = None;
    let mut any = false;
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        match (quote, c) {
            (None, c) if c.is_whitespace() => {
                if any {
                    out.push(std::mem::take(&mut cur));
                    any = false;
                }
            }
            (None, '"' | '\'') => {
                quote = Some(c);
                any = true;
            }
            (Some(q), c) if c == q => quote = None,
            (_, '\\') if quote != Some('\'') => {
                if let Some(n) = chars.next() {
                    cur.push(n);
                }
                any = true;
            }
            (_, c) => {
                cur.push(c);
                any = true;
            }
        }
    }
    if any {
        out.push(cur);
    }
    out
}

fn unquote(v: &str) -> &str {
    for q in ['"', '\''] {
        if let Some(inner) = v.strip_prefix(q).and_then(|s| s.strip_suffix(q)) {
            return inner;
        }
    }
    v
}
