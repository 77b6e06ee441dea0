//! `ARG`/`ENV` substitution as the builders do it: `$VAR`, `${VAR}`, `${VAR:-default}`,
//! `${VAR-default}`, `${VAR:+alt}`, `${VAR+alt}`, `${VAR:?message}`, an escaped `\$` kept
//! literally, and nothing inside single quotes. Unknown variables expand to nothing.

use std::collections::BTreeMap;

/// Variable name -> value.
pub type Vars = BTreeMap<String, String>;

/// Expands `word` with `vars` and the default escape character `\`.
pub fn expand(word: &str, vars: &Vars) -> Result<String, String> {
    expand_with(word, vars, '\\')
}

/// Expands `word` with `vars`; `escape` keeps the next character literally.
pub fn expand_with(word: &str, vars: &Vars, escape: char) -> Result<String, String> {
    let chars: Vec<char> = word.chars().collect();
    let mut out = String::with_capacity(word.len());
    let mut i = 0;
    let mut single = false;
    while i < chars.len() {
        let c = chars[i];
        if c == '\'' {
            single = !single;
            out.push(c);
            i += 1;
            continue;
        }
        if single {
            out.push(c);
            i += 1;
            continue;
        }
        if c == escape && chars.get(i + 1) == Some(&'$') {
            out.push('$');
            i += 2;
            continue;
        }
        if c != '$' {
            out.push(c);
            i += 1;
            continue;
        }
        match chars.get(i + 1) {
            Some('{') => {
                let end = closing_brace(&chars, i + 2).ok_or_else(|| {
                    format!(
                        "unterminated ${{ in `{}`",
                        crate::escape::text(&short(word))
                    )
                })?;
                let inner: String = chars[i + 2..end].iter().collect();
                out.push_str(&braced(&inner, vars, escape)?);
                i = end + 1;
            }
            Some(n) if n.is_ascii_alphabetic() || *n == '_' => {
                let mut j = i + 1;
                while chars
                    .get(j)
                    .is_some_and(|c| c.is_ascii_alphanumeric() || *c == '_')
                {
                    j += 1;
                }
                let name: String = chars[i + 1..j].iter().collect();
                out.push_str(vars.get(&name).map_or("", String::as_str));
                i = j;
            }
            _ => {
                out.push('$');
                i += 1;
            }
        }
    }
    Ok(out)
}

/// The index of the `}` closing a `${` whose content starts at `from`, counting nested `${`.
fn closing_brace(chars: &[char], from: usize) -> Option<usize> {
    let mut depth = 0usize;
    let mut i = from;
    while i < chars.len() {
        match chars[i] {
            '$' if chars.get(i + 1) == Some(&'{') => {
                depth += 1;
                i += 1;
            }
            '}' if depth == 0 => return Some(i),
            '}' => depth -= 1,
            _ => {}
        }
        i += 1;
    }
    None
}

/// `NAME`, `NAME:-word`, `NAME-word`, `NAME:+word`, `NAME+word`, `NAME:?msg`, `NAME?msg`.
fn braced(inner: &str, vars: &Vars, escape: char) -> Result<String, String> {
    let name_end = inner
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .unwrap_or(inner.len());
    let (name, op) = inner.split_at(name_end);
    if name.is_empty() {
        return Err(format!(
            "bad substitution `${{{}}}`",
            crate::escape::text(&short(inner))
        ));
    }
    let value = vars.get(name);
    let set_nonempty = value.is_some_and(|v| !v.is_empty());
    let (colon, rest) = match op.strip_prefix(':') {
        Some(r) => (true, r),
        None => (false, op),
    };
    let present = if colon { set_nonempty } else { value.is_some() };
    let mut ops = rest.chars();
    let Some(kind) = ops.next() else {
        return if colon {
            Err(format!(
                "bad substitution `${{{}}}`",
                crate::escape::text(&short(inner))
            ))
        } else {
            Ok(value.cloned().unwrap_or_default())
        };
    };
    let word = ops.as_str();
    match kind {
        '-' if present => Ok(value.cloned().unwrap_or_default()),
        '-' => expand_with(word, vars, escape),
        '+' if present => expand_with(word, vars, escape),
        '+' => Ok(String::new()),
        '?' if present => Ok(value.cloned().unwrap_or_default()),
        '?' => Err(format!(
            "{}: {}",
            crate::escape::text(name),
            crate::escape::text(&short(if word.is_empty() { "is not set" } else { word }))
        )),
        _ => Err(format!(
            "unsupported substitution `${{{}}}`",
            crate::escape::text(&short(inner))
        )),
    }
}

fn short(s: &str) -> String {
    let mut out: String = s.chars().take(40).collect();
    if out.len() < s.len() {
        out.push('…');
    }
    out
}
