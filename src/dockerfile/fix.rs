//! `plummet fix`'s plan: the Dockerfile rewritten where the image shows the evidence, each change
//! with the bytes it saves (from the analysis) and what it assumes; changes that need judgement
//! are written as comments only.

mod rules;
mod secret;

use super::edit::{Edits, unified};
use super::{Args, Dockerfile, Instruction, LayerLines};
use crate::analysis::Analysis;
use crate::tree::{NodeId, Tree, Visible};

/// What `plan` reads.
#[derive(Debug, Clone, Copy)]
pub struct Input<'a> {
    pub dockerfile: &'a Dockerfile,
    /// The Dockerfile's text, as parsed.
    pub text: &'a str,
    pub analysis: &'a Analysis,
    pub tree: &'a Tree,
    pub lines: &'a LayerLines,
}

/// One change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    /// 1-based line of the instruction it changes in the original Dockerfile.
    pub line: usize,
    pub what: String,
    /// Bytes the image no longer carries, from the analysis; `None` when the analysis cannot
    /// measure it (a flag that changes what a package manager installs).
    pub saves_bytes: Option<u64>,
    pub assumes: String,
}

/// The result: the new Dockerfile, `.dockerignore` entries, changes and suggestions.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Plan {
    pub dockerfile: String,
    /// Entries the build context's `.dockerignore` needs (each with the bytes it keeps out).
    pub dockerignore: Vec<(String, u64)>,
    pub changes: Vec<Change>,
    /// Judgement calls, written as comments into the Dockerfile.
    pub suggestions: Vec<Change>,
    /// Build secrets the fixed Dockerfile mounts: (id, the file's path in the build context).
    pub secrets: Vec<(String, String)>,
    /// Evidence found but left alone, and why.
    pub skipped: Vec<String>,
}

impl Plan {
    /// The bytes all changes save together.
    pub fn predicted_bytes(&self) -> u64 {
        self.changes.iter().filter_map(|c| c.saves_bytes).sum()
    }

    /// The unified diff from `old` to the fixed Dockerfile.
    pub fn diff(&self, old: &str, old_name: &str, new_name: &str) -> String {
        unified(old, &self.dockerfile, old_name, new_name)
    }
}

/// A unified diff of two texts (for the `.dockerignore`).
pub fn unified_text(old: &str, new: &str, old_name: &str, new_name: &str) -> String {
    unified(old, new, old_name, new_name)
}

/// The final stage's instructions, the layer each made and the working directory before each.
pub(super) struct Ctx<'a> {
    pub input: Input<'a>,
    /// Indexes into `Dockerfile::instructions` of the final stage's body.
    pub body: std::ops::Range<usize>,
    /// Instruction index -> layer, for the final stage.
    pub layer: std::collections::BTreeMap<usize, usize>,
    /// Instruction index -> working directory in effect for it.
    pub workdir: std::collections::BTreeMap<usize, String>,
}

impl<'a> Ctx<'a> {
    fn new(input: Input<'a>) -> Option<Ctx<'a>> {
        let df = input.dockerfile;
        let stage = df.final_stage()?;
        let body = stage.from + 1..stage.end;
        let mut layer = std::collections::BTreeMap::new();
        for (l, line) in input.lines.lines.iter().enumerate() {
            let Some(line) = line else { continue };
            if let Some(i) = body.clone().find(|i| df.instructions[*i].line == *line) {
                layer.insert(i, l);
            }
        }
        let mut workdir = std::collections::BTreeMap::new();
        let mut cur = if df.body(stage).iter().any(|i| i.is("WORKDIR")) {
            "/".to_string()
        } else {
            non_empty_or_root(&input.analysis.config.working_dir)
        };
        for i in body.clone() {
            workdir.insert(i, cur.clone());
            let ins = &df.instructions[i];
            if ins.is("WORKDIR") {
                cur = resolve(&ins.expanded.text(), &cur);
            }
        }
        Some(Ctx {
            input,
            body,
            layer,
            workdir,
        })
    }

    pub fn ins(&self, i: usize) -> &'a Instruction {
        &self.input.dockerfile.instructions[i]
    }

    /// The final-stage instruction that made `layer`.
    pub fn instruction_of(&self, layer: usize) -> Option<usize> {
        self.layer
            .iter()
            .find(|(_, l)| **l == layer)
            .map(|(i, _)| *i)
    }

    pub fn workdir(&self, i: usize) -> &str {
        self.workdir.get(&i).map_or("/", String::as_str)
    }

    /// A finding's path as text.
    pub fn path(&self, node: NodeId) -> String {
        String::from_utf8_lossy(&self.input.tree.paths.path(node)).into_owned()
    }

    /// Bytes per layer below `before` of files at or under `path` that are not in the final
    /// filesystem.
    pub fn hidden_under(
        &self,
        path: &str,
        before: usize,
    ) -> std::collections::BTreeMap<usize, u64> {
        self.under(path, before, true)
    }

    /// Bytes per layer below `before` of files at or under `path`.
    pub fn files_under(&self, path: &str, before: usize) -> std::collections::BTreeMap<usize, u64> {
        self.under(path, before, false)
    }

    fn under(
        &self,
        path: &str,
        before: usize,
        hidden_only: bool,
    ) -> std::collections::BTreeMap<usize, u64> {
        let tree = self.input.tree;
        let state = &self.input.analysis.final_state;
        let mut out = std::collections::BTreeMap::new();
        let Some(root) = tree.paths.find(path.trim_matches('/').as_bytes()) else {
            return out;
        };
        for (l, layer) in tree.layers.iter().enumerate().take(before) {
            for (e_i, e) in layer.entries.iter().enumerate() {
                if !e.kind.is_file_like() || !is_under(tree, e.node, root) {
                    continue;
                }
                let visible =
                    state.get(e.node as usize) == Some(&Some(Visible::new(l as u32, e_i as u32)));
                if !hidden_only || !visible {
                    *out.entry(l).or_insert(0) += e.size;
                }
            }
        }
        out
    }
}

fn non_empty_or_root(s: &str) -> String {
    if s.is_empty() {
        "/".into()
    } else {
        s.to_string()
    }
}

fn is_under(tree: &Tree, mut node: NodeId, root: NodeId) -> bool {
    loop {
        if node == root {
            return true;
        }
        match tree.paths.parent(node) {
            Some(p) => node = p,
            None => return false,
        }
    }
}

/// `dest` made absolute against `workdir`, without a trailing slash (`/` stays `/`).
pub fn resolve(dest: &str, workdir: &str) -> String {
    let joined = if dest.starts_with('/') {
        dest.to_string()
    } else {
        format!("{}/{}", workdir.trim_end_matches('/'), dest)
    };
    let mut parts: Vec<&str> = Vec::new();
    for part in joined.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            p => parts.push(p),
        }
    }
    format!("/{}", parts.join("/"))
}

/// The commands of a shell line, split at `&&` and `;` outside quotes.
pub fn commands(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quote: Option<char> = None;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match (quote, c) {
            (None, '\'' | '"') => {
                quote = Some(c);
                cur.push(c);
            }
            (Some(q), c) if c == q => {
                quote = None;
                cur.push(c);
            }
            (None, '&') if chars.peek() == Some(&'&') => {
                chars.next();
                out.push(std::mem::take(&mut cur).trim().to_string());
            }
            (None, ';') => out.push(std::mem::take(&mut cur).trim().to_string()),
            (_, c) => cur.push(c),
        }
    }
    out.push(cur.trim().to_string());
    out.retain(|c| !c.is_empty());
    out
}

/// Whether a `RUN` can be edited as text: shell form, no here-document.
pub(super) fn editable_run(ins: &Instruction) -> bool {
    ins.is("RUN") && matches!(ins.args, Args::Shell(_)) && ins.heredocs.is_empty()
}

/// Plans the fix.
pub fn plan(input: Input<'_>) -> Plan {
    let mut plan = Plan::default();
    let mut edits = Edits::new(input.text, input.dockerfile);
    if let Some(ctx) = Ctx::new(input) {
        secret::mounts(&ctx, &mut edits, &mut plan);
        rules::dockerignore(&ctx, &mut plan);
        rules::caches(&ctx, &mut edits, &mut plan);
        rules::ownership(&ctx, &mut edits, &mut plan);
        rules::later_cleanup(&ctx, &mut edits, &mut plan);
        rules::suggestions(&ctx, &mut edits, &mut plan);
    } else {
        plan.skipped
            .push("the Dockerfile has no FROM: nothing to map the image to".into());
    }
    plan.dockerfile = edits.render();
    plan.changes.sort_by_key(|c| c.line);
    plan
}

#[cfg(test)]
mod tests;
