//! Which Dockerfile instruction made each layer: the image's history (`created_by`, as the
//! classic builder and BuildKit write it) matched to the final stage's instructions in order,
//! from the top down. What lies below the final stage's first instruction belongs to its `FROM`
//! (or, for `FROM stage`, to that stage's instructions). Where a history row and the instruction
//! at its place disagree, the map stops there and says so instead of guessing.

use super::{Args, Dockerfile, Instruction};
use crate::analysis::HistoryRow;

/// The line of the instruction that made each layer, and what could not be matched.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LayerLines {
    /// 1-based line per layer index; `None` where the match was not certain.
    pub lines: Vec<Option<usize>>,
    /// Why some layers have no line (each a short sentence), empty when all matched.
    pub notes: Vec<String>,
}

/// Keywords that may leave no history row (BuildKit writes none for `ARG` in some versions).
const OPTIONAL: [&str; 2] = ["ARG", "ONBUILD"];

/// Maps the `layers` layers of an image with `history` to `df`'s final stage.
pub fn map_layers(df: &Dockerfile, history: &[HistoryRow], layers: usize) -> LayerLines {
    let mut out = LayerLines {
        lines: vec![None; layers],
        notes: Vec::new(),
    };
    let Some(mut stage) = df.final_stage() else {
        return out;
    };
    let mut body: Vec<&Instruction> = df.body(stage).iter().collect();
    let mut rows = history.iter().rev().peekable();
    while let Some(row) = rows.peek() {
        let Some(ins) = body.last() else {
            // The stage's own instructions are all matched: what remains is its base, another
            // stage of this Dockerfile or an image.
            match df.stage_named(&stage.base).filter(|s| s.from < stage.from) {
                Some(parent) => {
                    stage = parent;
                    body = df.body(stage).iter().collect();
                    continue;
                }
                None => {
                    let from = df.instructions.get(stage.from).map(|i| i.line);
                    for row in rows.by_ref() {
                        if let Some(l) = row.layer.and_then(|l| out.lines.get_mut(l)) {
                            *l = from;
                        }
                    }
                    break;
                }
            }
        };
        let command = normalize(&row.command);
        if matches(ins, &command) {
            if let Some(l) = row.layer.and_then(|l| out.lines.get_mut(l)) {
                *l = Some(ins.line);
            }
            body.pop();
            rows.next();
            continue;
        }
        if OPTIONAL.iter().any(|k| ins.is(k)) {
            body.pop();
            continue;
        }
        let layer = row.layer.map_or_else(
            || "a step without a layer".to_string(),
            |l| format!("layer {l}"),
        );
        out.notes.push(format!(
            "{layer} (`{}`) does not match line {} (`{} {}`): the image may not be built from this Dockerfile; layers from here down are not mapped",
            crate::escape::text(&short(&command)),
            ins.line,
            ins.keyword,
            crate::escape::text(&short(&ins.args.text()))
        ));
        break;
    }
    out
}

/// A history command as comparable text: BuildKit's `RUN /bin/sh -c cmd` and
/// `RUN |1 A=b /bin/sh -c cmd` become `RUN cmd`, blanks are collapsed.
fn normalize(command: &str) -> String {
    let mut c = command.trim();
    if let Some(rest) = c.strip_prefix("RUN ") {
        let rest = rest.trim_start();
        let rest = match rest.strip_prefix('|') {
            Some(args) => args.find("/bin/sh -c ").map_or(rest, |at| &args[at..]),
            None => rest,
        };
        let rest = rest.strip_prefix("/bin/sh -c ").unwrap_or(rest);
        return format!("RUN {}", collapse(rest));
    }
    c = c.strip_suffix("# buildkit").unwrap_or(c).trim_end();
    collapse(c)
}

fn collapse(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Whether the history command `command` (normalized) is what `ins` leaves.
fn matches(ins: &Instruction, command: &str) -> bool {
    let (keyword, rest) = command.split_once(' ').unwrap_or((command, ""));
    if !keyword.eq_ignore_ascii_case(&ins.keyword) {
        return false;
    }
    match ins.keyword.as_str() {
        "RUN" => run_matches(ins, rest),
        "COPY" | "ADD" => copy_matches(ins, rest),
        _ => true,
    }
}

fn run_matches(ins: &Instruction, rest: &str) -> bool {
    let ours = collapse(&ins.args.text());
    let theirs = collapse(rest);
    if ours == theirs || ours.is_empty() {
        return true;
    }
    // The exec form is recorded as its words, sometimes bracketed; BuildKit writes flags
    // (`--mount=...`) before the command and heredoc bodies after it.
    if let Args::Json(words) = &ins.args {
        return theirs.contains(&collapse(&words.join(" ")))
            || words.iter().all(|w| theirs.contains(w.as_str()));
    }
    theirs.ends_with(&ours) || theirs.starts_with(&ours) || theirs.contains(&ours)
}

fn copy_matches(ins: &Instruction, rest: &str) -> bool {
    let words = ins.expanded.words();
    let Some(dest) = words.last() else {
        return true;
    };
    let dest = dest.trim_end_matches('/');
    // The classic builder: `COPY file:<hash> in /dest`; the destination is all it keeps.
    if let Some((_, theirs)) = rest.rsplit_once(" in ") {
        let theirs = theirs.trim().trim_end_matches('/');
        return !dest.starts_with('/') || theirs == dest || theirs.is_empty();
    }
    // BuildKit: the instruction as written (flags included).
    let theirs: Vec<&str> = rest.split_whitespace().collect();
    theirs
        .last()
        .is_none_or(|t| t.trim_end_matches('/') == dest || !ins.heredocs.is_empty())
}

fn short(s: &str) -> String {
    let mut out: String = s.chars().take(60).collect();
    if out.len() < s.len() {
        out.push('…');
    }
    out
}
