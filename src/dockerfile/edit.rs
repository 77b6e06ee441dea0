//! Line edits of a Dockerfile's text, instruction by instruction, so that what a fix does not
//! touch keeps its formatting; and the unified diff between the old and new text.

use super::Dockerfile;

/// The edits to one instruction.
#[derive(Debug, Clone, Default)]
pub struct Edit {
    /// The instruction's physical lines as they will be written (`None`: unchanged).
    pub lines: Option<Vec<String>>,
    pub delete: bool,
    /// Comment lines written before it.
    pub before: Vec<String>,
}

/// The Dockerfile's text with per-instruction edits.
#[derive(Debug, Clone)]
pub struct Edits<'a> {
    text: Vec<&'a str>,
    df: &'a Dockerfile,
    pub edits: Vec<Edit>,
}

impl<'a> Edits<'a> {
    pub fn new(text: &'a str, df: &'a Dockerfile) -> Self {
        Edits {
            text: text
                .split('\n')
                .map(|l| l.strip_suffix('\r').unwrap_or(l))
                .collect(),
            df,
            edits: vec![Edit::default(); df.instructions.len()],
        }
    }

    /// The current lines of instruction `i`.
    pub fn lines(&self, i: usize) -> Vec<String> {
        if let Some(lines) = self.edits.get(i).and_then(|e| e.lines.clone()) {
            return lines;
        }
        let Some(ins) = self.df.instructions.get(i) else {
            return Vec::new();
        };
        self.text
            .get(ins.line.saturating_sub(1)..ins.end_line.min(self.text.len()))
            .unwrap_or_default()
            .iter()
            .map(|s| (*s).to_string())
            .collect()
    }

    pub fn set_lines(&mut self, i: usize, lines: Vec<String>) {
        if let Some(e) = self.edits.get_mut(i) {
            e.lines = Some(lines);
        }
    }

    /// Appends `&& command` to a shell-form `RUN` on a continuation line of its own.
    pub fn append_command(&mut self, i: usize, command: &str) {
        let mut lines = self.lines(i);
        let escape = self.df.escape;
        if let Some(last) = lines.last_mut() {
            last.push_str(&format!(" {escape}"));
            lines.push(format!("    && {command}"));
        }
        self.set_lines(i, lines);
    }

    /// Replaces the first occurrence of `from` by `to` in instruction `i`'s lines.
    pub fn replace_first(&mut self, i: usize, from: &str, to: &str) -> bool {
        let mut lines = self.lines(i);
        for line in &mut lines {
            if let Some(at) = line.find(from) {
                line.replace_range(at..at + from.len(), to);
                self.set_lines(i, lines);
                return true;
            }
        }
        false
    }

    /// Inserts `flag` right after the keyword of instruction `i` (`COPY --chown=1:1 ...`).
    pub fn add_flag(&mut self, i: usize, flag: &str) {
        let mut lines = self.lines(i);
        if let Some(first) = lines.first_mut() {
            let indent = first.len() - first.trim_start().len();
            let keyword_end = first[indent..]
                .find(char::is_whitespace)
                .map_or(first.len(), |at| indent + at);
            first.insert_str(keyword_end, &format!(" {flag}"));
        }
        self.set_lines(i, lines);
    }

    pub fn delete(&mut self, i: usize) {
        if let Some(e) = self.edits.get_mut(i) {
            e.delete = true;
        }
    }

    pub fn is_deleted(&self, i: usize) -> bool {
        self.edits.get(i).is_some_and(|e| e.delete)
    }

    pub fn comment_before(&mut self, i: usize, comment: &str) {
        if let Some(e) = self.edits.get_mut(i) {
            for line in comment.lines() {
                e.before.push(format!("# {line}"));
            }
        }
    }

    /// The edited text.
    pub fn render(&self) -> String {
        let mut out: Vec<String> = Vec::with_capacity(self.text.len());
        let mut next = 0usize;
        for (i, ins) in self.df.instructions.iter().enumerate() {
            let start = ins.line.saturating_sub(1).min(self.text.len());
            let end = ins.end_line.min(self.text.len()).max(start);
            out.extend(
                self.text
                    .get(next..start)
                    .unwrap_or_default()
                    .iter()
                    .map(|s| (*s).to_string()),
            );
            let edit = &self.edits[i];
            out.extend(edit.before.iter().cloned());
            if !edit.delete {
                out.extend(self.lines(i));
            }
            next = end;
        }
        out.extend(
            self.text
                .get(next..)
                .unwrap_or_default()
                .iter()
                .map(|s| (*s).to_string()),
        );
        out.join("\n")
    }
}

/// A unified diff of `old` and `new` (three lines of context), empty when they are equal.
pub fn unified(old: &str, new: &str, old_name: &str, new_name: &str) -> String {
    let a: Vec<&str> = old.lines().collect();
    let b: Vec<&str> = new.lines().collect();
    if a == b {
        return String::new();
    }
    let ops = line_ops(&a, &b);
    let mut out = format!("--- {old_name}\n+++ {new_name}\n");
    // Group the operations into hunks with three lines of context around each change.
    let changed: Vec<usize> = ops
        .iter()
        .enumerate()
        .filter(|(_, op)| !matches!(op, Op::Same(..)))
        .map(|(i, _)| i)
        .collect();
    let mut k = 0;
    while k < changed.len() {
        let start = changed[k].saturating_sub(3);
        let mut end = changed[k] + 1;
        while k + 1 < changed.len() && changed[k + 1] <= end + 6 {
            k += 1;
            end = changed[k] + 1;
        }
        let end = (end + 3).min(ops.len());
        k += 1;
        let (mut a_start, mut b_start) = (1, 1);
        for op in &ops[..start] {
            match op {
                Op::Same(..) => {
                    a_start += 1;
                    b_start += 1;
                }
                Op::Del(_) => a_start += 1,
                Op::Add(_) => b_start += 1,
            }
        }
        let hunk = &ops[start..end];
        let a_len = hunk.iter().filter(|o| !matches!(o, Op::Add(_))).count();
        let b_len = hunk.iter().filter(|o| !matches!(o, Op::Del(_))).count();
        // An empty side is numbered from the line before it, as diff(1) does.
        let a_start = if a_len == 0 { a_start - 1 } else { a_start };
        let b_start = if b_len == 0 { b_start - 1 } else { b_start };
        out.push_str(&format!("@@ -{a_start},{a_len} +{b_start},{b_len} @@\n"));
        for op in hunk {
            match op {
                Op::Same(l) => out.push_str(&format!(" {l}\n")),
                Op::Del(l) => out.push_str(&format!("-{l}\n")),
                Op::Add(l) => out.push_str(&format!("+{l}\n")),
            }
        }
    }
    out
}

enum Op<'a> {
    Same(&'a str),
    Del(&'a str),
    Add(&'a str),
}

/// The edit script by longest common subsequence; Dockerfiles are short, and past 4,000 lines
/// a side the whole file is shown as replaced rather than spending quadratic memory.
fn line_ops<'a>(a: &[&'a str], b: &[&'a str]) -> Vec<Op<'a>> {
    if a.len() > 4000 || b.len() > 4000 {
        return a
            .iter()
            .map(|l| Op::Del(l))
            .chain(b.iter().map(|l| Op::Add(l)))
            .collect();
    }
    let (n, m) = (a.len(), b.len());
    let mut lcs = vec![0u32; (n + 1) * (m + 1)];
    for i in (0..n).rev() {
        for j in (0..m).rev() {
            lcs[i * (m + 1) + j] = if a[i] == b[j] {
                lcs[(i + 1) * (m + 1) + j + 1] + 1
            } else {
                lcs[(i + 1) * (m + 1) + j].max(lcs[i * (m + 1) + j + 1])
            };
        }
    }
    let (mut i, mut j) = (0, 0);
    let mut ops = Vec::new();
    while i < n || j < m {
        if i < n && j < m && a[i] == b[j] {
            ops.push(Op::Same(a[i]));
            i += 1;
            j += 1;
        } else if i < n && (j == m || lcs[(i + 1) * (m + 1) + j] >= lcs[i * (m + 1) + j + 1]) {
            ops.push(Op::Del(a[i]));
            i += 1;
        } else {
            ops.push(Op::Add(b[j]));
            j += 1;
        }
    }
    ops
}
