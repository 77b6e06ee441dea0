//! The fixes applied when the image shows the evidence: `.dockerignore` entries, package manager
//! cleanup in the installing `RUN`, `COPY --chown` instead of a later `chown -R`, a later cleanup
//! merged into the `RUN` that made the files; and the judgement calls written as comments.

use std::collections::BTreeMap;

use super::{Change, Ctx, Plan, commands, editable_run, resolve};
use crate::analysis::FindingKind;
use crate::dockerfile::edit::Edits;

/// `.dockerignore` entries for what a `COPY` of the build context brought in: `.git`, `.env`
/// and other secrets, caches and bytecode, and `node_modules` when a later `RUN` installs them.
pub(super) fn dockerignore(ctx: &Ctx<'_>, plan: &mut Plan) {
    let a = ctx.input.analysis;
    let mut entries: BTreeMap<String, (u64, usize, FindingKind)> = BTreeMap::new();
    for f in &a.findings {
        let Some(i) = f.layer.and_then(|l| ctx.instruction_of(l)) else {
            continue;
        };
        let ins = ctx.ins(i);
        if !(ins.is("COPY") || ins.is("ADD")) || ins.flag("from").is_some() {
            continue;
        }
        let wanted = match f.kind {
            FindingKind::Git | FindingKind::PythonBytecode | FindingKind::PackageCache => true,
            FindingKind::Secret => true,
            FindingKind::NodeModules => installs_node_modules(ctx, i),
            _ => false,
        };
        if !wanted {
            continue;
        }
        let words = ins.expanded.words();
        let [sources @ .., dest] = words.as_slice() else {
            continue;
        };
        let dest = resolve(dest, ctx.workdir(i));
        let path = ctx.path(f.node);
        let Some(rel) = path
            .strip_prefix(&dest)
            .map(|r| r.trim_start_matches('/'))
            .filter(|r| !r.is_empty() && path.len() > dest.len())
        else {
            continue;
        };
        // A file the COPY names itself is not excluded: that would break the COPY.
        let entry = match sources {
            [src] if *src == "." || *src == "./" => rel.to_string(),
            [src] if !src.contains('*') => format!("{}/{rel}", src.trim_end_matches('/')),
            _ => format!("**/{}", rel.rsplit('/').next().unwrap_or(rel)),
        };
        // A later `rm` without -f of the file would fail once the file is not copied.
        if let Some(r) = strict_rm_of(ctx, i, &path) {
            plan.skipped.push(format!(
                "`{}`: the `rm` at line {r} has no -f and would fail without the file; add -f there, then exclude it",
                crate::escape::text(&entry)
            ));
            continue;
        }
        let e = entries.entry(entry).or_insert((0, ins.line, f.kind));
        e.0 += f.bytes;
    }
    for (entry, (bytes, line, kind)) in entries {
        let assumes = match kind {
            FindingKind::Git => "no build step reads the repository (`git describe` and the like)",
            FindingKind::NodeModules => {
                "the `RUN` that installs the dependencies builds node_modules in the image"
            }
            FindingKind::Secret => {
                "the app reads this file at run time from a secret or the environment, not from the image"
            }
            _ => "the app does not read it at run time",
        };
        plan.changes.push(Change {
            line,
            what: format!(
                "`.dockerignore`: `{}` (the COPY at line {line} brought it in)",
                crate::escape::text(&entry)
            ),
            saves_bytes: Some(bytes),
            assumes: assumes.into(),
        });
        plan.dockerignore.push((entry, bytes));
    }
}

/// The bytes of the installed devDependencies, as the node_modules finding's reason gives them
/// (`2 dev dependencies installed (123 bytes): jest, ...`); their own dependencies are not
/// counted, so it is a lower bound. 0 when the reason does not say.
fn dev_dependency_bytes(reason: &str) -> u64 {
    reason
        .split("dev dependencies installed (")
        .nth(1)
        .and_then(|r| r.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or(0)
}

/// The line of a `RUN` after instruction `i` that deletes `path` (or a directory holding it)
/// with an `rm` that fails when it is missing.
fn strict_rm_of(ctx: &Ctx<'_>, i: usize, path: &str) -> Option<usize> {
    (i + 1..ctx.body.end).find_map(|j| {
        let ins = ctx.ins(j);
        if !ins.is("RUN") {
            return None;
        }
        let strict = commands(&ins.args.text()).iter().any(|c| {
            let words: Vec<&str> = c.split_whitespace().collect();
            if words.first() != Some(&"rm") {
                return false;
            }
            let forced = words
                .iter()
                .any(|w| w.starts_with('-') && !w.starts_with("--") && w.contains('f'))
                || words.contains(&"--force");
            !forced
                && words[1..].iter().filter(|w| !w.starts_with('-')).any(|t| {
                    let t = resolve(t, ctx.workdir(j));
                    t == path
                        || path.starts_with(&format!("{}/", t.trim_end_matches('/')))
                        || t.starts_with(&format!("{path}/"))
                })
        });
        strict.then_some(ins.line)
    })
}

/// Whether a `RUN` after instruction `i` installs node packages.
fn installs_node_modules(ctx: &Ctx<'_>, i: usize) -> bool {
    (i + 1..ctx.body.end).any(|j| {
        let t = ctx.ins(j).args.text();
        ctx.ins(j).is("RUN")
            && ["npm ci", "npm install", "yarn install", "pnpm install"]
                .iter()
                .any(|c| t.contains(c))
    })
}

/// Package manager lists and caches cleaned in the `RUN` that installs.
pub(super) fn caches(ctx: &Ctx<'_>, edits: &mut Edits<'_>, plan: &mut Plan) {
    // Per instruction, the bytes per kind of fix, summed over its findings.
    let mut per: BTreeMap<(usize, &'static str), u64> = BTreeMap::new();
    for f in &ctx.input.analysis.findings {
        if !f.visible {
            continue;
        }
        let Some(i) = f.layer.and_then(|l| ctx.instruction_of(l)) else {
            continue;
        };
        let ins = ctx.ins(i);
        if !editable_run(ins) {
            continue;
        }
        let text = ins.args.text();
        let path = ctx.path(f.node);
        let fix = match f.kind {
            FindingKind::AptLists
                if text.contains("apt-get update") || text.contains("apt update") =>
            {
                "apt_lists"
            }
            FindingKind::PackageCache
                if path.starts_with("/var/cache/apt") && text.contains("apt") =>
            {
                "apt_clean"
            }
            FindingKind::PackageCache
                if path.starts_with("/var/cache/apk") && text.contains("apk add") =>
            {
                "apk"
            }
            FindingKind::PackageCache if path.contains("/.cache/pip") && text.contains("pip") => {
                "pip"
            }
            FindingKind::PackageCache if path.contains("/.npm") && text.contains("npm ") => {
                "npm_cache"
            }
            FindingKind::NodeModules
                if f.fix.contains("--omit=dev")
                    && (text.contains("npm ci") || text.contains("npm install")) =>
            {
                "npm_dev"
            }
            _ => continue,
        };
        let bytes = if fix == "npm_dev" {
            dev_dependency_bytes(&f.reason)
        } else {
            f.bytes
        };
        *per.entry((i, fix)).or_insert(0) += bytes;
    }
    let mut recommends = Vec::new();
    for ((i, fix), bytes) in per {
        let ins = ctx.ins(i);
        let text = ins.args.text();
        let line = ins.line;
        let (what, saves, assumes): (String, Option<u64>, &str) = match fix {
            "apt_lists" if !text.contains("/var/lib/apt/lists") => {
                edits.append_command(i, "rm -rf /var/lib/apt/lists/*");
                recommends.push(i);
                ("`rm -rf /var/lib/apt/lists/*` at the end of the RUN that runs `apt-get update`".into(), Some(bytes), "no later step runs `apt-get install` without its own `apt-get update`")
            }
            "apt_clean" if !text.contains("apt-get clean") => {
                edits.append_command(i, "apt-get clean");
                recommends.push(i);
                ("`apt-get clean` at the end of the RUN that installs the packages (the downloaded .deb files)".into(), Some(bytes), "nothing later installs from the downloaded .deb files")
            }
            "apk" if !text.contains("--no-cache") => {
                edits.replace_first(i, "apk add", "apk add --no-cache");
                (
                    "`apk add --no-cache`: no package index or cache left in the layer".into(),
                    Some(bytes),
                    "no later step relies on the cached index",
                )
            }
            "pip" if !text.contains("--no-cache-dir") => {
                let from = if text.contains("pip3 install") {
                    "pip3 install"
                } else {
                    "pip install"
                };
                edits.replace_first(i, from, &format!("{from} --no-cache-dir"));
                (
                    "`pip install --no-cache-dir`: no wheel cache in the layer".into(),
                    Some(bytes),
                    "nothing later installs from pip's cache",
                )
            }
            "npm_cache" if !text.contains("npm cache clean") => {
                edits.append_command(i, "npm cache clean --force");
                (
                    "`npm cache clean --force` in the RUN that installs".into(),
                    Some(bytes),
                    "nothing later installs from npm's cache",
                )
            }
            "npm_dev" if !text.contains("--omit=dev") && !text.contains("--production") => {
                let from = if text.contains("npm ci") {
                    "npm ci"
                } else {
                    "npm install"
                };
                edits.replace_first(i, from, &format!("{from} --omit=dev"));
                (
                    "`--omit=dev`: the devDependencies package.json declares are not installed"
                        .into(),
                    Some(bytes).filter(|b| *b > 0),
                    "the app needs no devDependencies at run time (tests and build tools run elsewhere)",
                )
            }
            _ => continue,
        };
        plan.changes.push(Change {
            line,
            what,
            saves_bytes: saves,
            assumes: assumes.into(),
        });
    }
    for i in recommends {
        let text = ctx.ins(i).args.text();
        if !text.contains("apt-get install") || text.contains("--no-install-recommends") {
            continue;
        }
        edits.replace_first(
            i,
            "apt-get install",
            "apt-get install --no-install-recommends",
        );
        plan.changes.push(Change {
            line: ctx.ins(i).line,
            what: "`apt-get install --no-install-recommends`: only the packages asked for and their dependencies".into(),
            saves_bytes: None,
            assumes: "the app needs none of the merely recommended packages (check it runs; add any it needs by name)".into(),
        });
    }
}

/// A `RUN chown -R`/`chmod -R` of files `COPY` brought in ships them all again: the owner or mode
/// goes on the `COPY` (`--chown`, `--chmod`) and the `RUN` changes only the directory itself.
pub(super) fn ownership(ctx: &Ctx<'_>, edits: &mut Edits<'_>, plan: &mut Plan) {
    let a = ctx.input.analysis;
    for i in ctx.body.clone() {
        let ins = ctx.ins(i);
        let Some(&layer) = ctx.layer.get(&i) else {
            continue;
        };
        if !editable_run(ins)
            || edits.is_deleted(i)
            || !a
                .findings_of(FindingKind::MetadataCopy)
                .any(|f| f.layer == Some(layer))
        {
            continue;
        }
        let cmds = commands(&ins.args.text());
        let mut parsed = Vec::new();
        for c in &cmds {
            let w: Vec<&str> = c.split_whitespace().collect();
            match w.as_slice() {
                [tool @ ("chown" | "chmod"), "-R", value, targets @ ..] if !targets.is_empty() => {
                    parsed.push((*tool, *value, targets.to_vec()))
                }
                _ => break,
            }
        }
        if parsed.len() != cmds.len() || parsed.is_empty() {
            continue;
        }
        let mut copies: BTreeMap<usize, Vec<String>> = BTreeMap::new();
        let mut ok = true;
        for (tool, value, targets) in &parsed {
            if *tool == "chmod" && !value.chars().all(|c| c.is_ascii_digit()) {
                ok = false;
            }
            for t in targets {
                let target = resolve(t, ctx.workdir(i));
                for l in ctx.files_under(&target, layer).keys() {
                    match ctx.instruction_of(*l) {
                        Some(c) if (ctx.ins(c).is("COPY") || ctx.ins(c).is("ADD")) && c < i => {
                            copies
                                .entry(c)
                                .or_default()
                                .push(format!("--{tool}={value}"));
                        }
                        _ => ok = false,
                    }
                }
            }
        }
        if !ok || copies.is_empty() {
            plan.skipped.push(format!(
                "line {}: the files it changes were not all brought in by COPY in this stage, so it stays",
                ins.line
            ));
            continue;
        }
        let mut lines = Vec::new();
        for (c, flags) in &copies {
            let mut flags = flags.clone();
            flags.dedup();
            for flag in flags {
                let name = flag
                    .split('=')
                    .next()
                    .unwrap_or(&flag)
                    .trim_start_matches('-')
                    .to_string();
                if ctx.ins(*c).flag(&name).is_none() {
                    edits.add_flag(*c, &flag);
                }
            }
            lines.push(ctx.ins(*c).line.to_string());
        }
        // The directories named keep the owner and mode the RUN gave them: only they stay in
        // the RUN, without -R.
        let shallow: Vec<String> = parsed
            .iter()
            .map(|(tool, value, targets)| format!("{tool} {value} {}", targets.join(" ")))
            .collect();
        edits.set_lines(i, vec![format!("RUN {}", shallow.join(" && "))]);
        plan.changes.push(Change {
            line: ins.line,
            what: format!(
                "`{}` moved onto the COPY at line {} (`--chown`/`--chmod`); the RUN keeps only the directory itself",
                crate::escape::text(&cmds.join(" && ")),
                lines.join(", ")
            ),
            saves_bytes: Some(a.layers.get(layer).map_or(0, |l| l.size_bytes)),
            assumes: if parsed.iter().any(|p| p.0 == "chmod") {
                "BuildKit builds the image (`COPY --chmod` needs it: DOCKER_BUILDKIT=1)".into()
            } else {
                "the user and group exist when COPY runs (they are resolved in the image at that step)".into()
            },
        });
    }
}

/// Commands that only clean up.
fn is_cleanup(cmd: &str) -> bool {
    let w: Vec<&str> = cmd.split_whitespace().collect();
    matches!(
        w.as_slice(),
        ["rm", ..]
            | ["apt-get" | "apt", "clean"]
            | ["npm", "cache", "clean", ..]
            | ["yarn", "cache", "clean"]
            | ["pip" | "pip3", "cache", "purge"]
            | ["true"]
    )
}

/// A `RUN` that only deletes what an earlier `RUN` made saves nothing: the bytes stay in the
/// earlier layer. It is merged into that `RUN` (with any `RUN`s between them).
pub(super) fn later_cleanup(ctx: &Ctx<'_>, edits: &mut Edits<'_>, plan: &mut Plan) {
    for d in ctx.body.clone() {
        let ins = ctx.ins(d);
        let Some(&layer) = ctx.layer.get(&d) else {
            continue;
        };
        if !editable_run(ins) || !ins.flags.is_empty() || edits.is_deleted(d) {
            continue;
        }
        let cmds = commands(&ins.args.text());
        if cmds.is_empty() || !cmds.iter().all(|c| is_cleanup(c)) {
            continue;
        }
        let mut by_layer: BTreeMap<usize, u64> = BTreeMap::new();
        for c in &cmds {
            for t in c.split_whitespace().skip(1).filter(|w| !w.starts_with('-')) {
                let target = resolve(glob_base(t), ctx.workdir(d));
                for (l, b) in ctx.hidden_under(&target, layer) {
                    *by_layer.entry(l).or_insert(0) += b;
                }
            }
        }
        let sources: Vec<Option<usize>> = by_layer.keys().map(|l| ctx.instruction_of(*l)).collect();
        let Some(Some(first)) = sources.iter().min().copied() else {
            if !by_layer.is_empty() {
                plan.skipped.push(format!("line {}: what it deletes comes from the base image; deleting it later saves nothing, choose a base without it", ins.line));
            }
            continue;
        };
        let all_runs = sources
            .iter()
            .all(|s| s.is_some_and(|i| ctx.ins(i).is("RUN")));
        let between_ok = (first..d).all(|j| {
            let b = ctx.ins(j);
            (editable_run(b) && b.flags.is_empty() && !edits.is_deleted(j))
                || b.is("LABEL")
                || b.is("EXPOSE")
        });
        if !all_runs || !between_ok {
            plan.skipped.push(format!(
                "line {}: the files it deletes were made by more than RUN steps, or other steps lie between: merge it by hand into the step that creates them",
                ins.line
            ));
            continue;
        }
        let saves: u64 = by_layer.values().sum();
        let merged: Vec<usize> = (first + 1..=d).filter(|j| ctx.ins(*j).is("RUN")).collect();
        for j in &merged {
            merge_into(edits, first, *j);
        }
        let others = merged.len() > 1;
        plan.changes.push(Change {
            line: ins.line,
            what: format!(
                "the cleanup at line {} (`{}`) merged into the RUN at line {} that creates the files{}",
                ins.line,
                crate::escape::text(&cmds.join(" && ")),
                ctx.ins(first).line,
                if others { ", with the RUN steps between them" } else { "" }
            ),
            saves_bytes: Some(saves),
            assumes: "nothing after the merged RUN needs the deleted files".into(),
        });
    }
}

/// Appends `RUN` `j`'s command to `RUN` `into` and deletes `j`.
fn merge_into(edits: &mut Edits<'_>, into: usize, j: usize) {
    let mut lines = edits.lines(into);
    let more = edits.lines(j);
    let Some(first) = more.first() else { return };
    let rest = first.trim_start();
    let rest = rest.get(3..).unwrap_or("").trim_start();
    if let Some(last) = lines.last_mut() {
        last.push_str(" \\");
    }
    lines.push(format!("    && {rest}"));
    lines.extend(more.iter().skip(1).cloned());
    edits.set_lines(into, lines);
    edits.delete(j);
}

/// The directory part of a glob (`/var/lib/apt/lists/*` -> `/var/lib/apt/lists`).
fn glob_base(t: &str) -> &str {
    let cut = t.find(['*', '?', '[']).unwrap_or(t.len());
    let head = &t[..cut];
    if cut == t.len() {
        return t.trim_end_matches('/');
    }
    head.rfind('/')
        .map_or(".", |at| if at == 0 { "/" } else { &head[..at] })
}

/// Builder stage, slimmer base, non-root user: written as comments, never applied.
pub(super) fn suggestions(ctx: &Ctx<'_>, edits: &mut Edits<'_>, plan: &mut Plan) {
    let a = ctx.input.analysis;
    let df = ctx.input.dockerfile;
    let from = ctx.body.start.saturating_sub(1);
    let from_line = ctx.ins(from).line;
    let tools: u64 = a
        .findings_of(FindingKind::BuildTools)
        .filter(|f| f.visible && f.layer.is_some_and(|l| a.is_user_layer(l)))
        .map(|f| f.bytes)
        .sum();
    if tools > 0 {
        let text = format!(
            "plummet suggests: build tools ({tools} bytes) are in the final image. Compile in a builder stage\n(`FROM ... AS build`) and `COPY --from=build` only the artifacts into this one."
        );
        edits.comment_before(from, &text);
        plan.suggestions.push(Change {
            line: from_line,
            what: text.replace('\n', " "),
            saves_bytes: Some(tools),
            assumes: "the app needs no compiler at run time".into(),
        });
    }
    let base: u64 = a
        .findings
        .iter()
        .filter(|f| {
            f.visible && f.layer.is_some_and(|l| !a.is_user_layer(l)) && !f.kind.is_hygiene()
        })
        .map(|f| f.bytes)
        .sum();
    if base > 1 << 20 {
        let text = format!(
            "plummet suggests: the base image carries {base} bytes of trimmable files (docs, caches, ...):\nconsider a slimmer variant (`-slim`, distroless) of `{}`.",
            crate::escape::text(&df.final_stage().map(|s| s.base.clone()).unwrap_or_default())
        );
        edits.comment_before(from, &text);
        plan.suggestions.push(Change {
            line: from_line,
            what: text.replace('\n', " "),
            saves_bytes: Some(base),
            assumes: "the app works on the slimmer base".into(),
        });
    }
    if a.runs_as_root {
        let at = ctx
            .body
            .clone()
            .rev()
            .find(|i| ctx.ins(*i).is("CMD") || ctx.ins(*i).is("ENTRYPOINT"));
        let at = at.unwrap_or(ctx.body.end.saturating_sub(1).max(from));
        let text = "plummet suggests: the container runs as root. If the app needs no root, add a user\n(`RUN adduser -D -u 10001 app`) and `USER 10001` here.";
        edits.comment_before(at, text);
        plan.suggestions.push(Change {
            line: ctx.ins(at).line,
            what: text.replace('\n', " "),
            saves_bytes: None,
            assumes: "the app writes only where that user may".into(),
        });
    }
}
