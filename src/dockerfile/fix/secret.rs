//! A secret copied in and deleted later stays in the `COPY`'s layer for anyone who pulls the
//! image: the `COPY` goes, and the `RUN` steps up to the one that deleted it get the secret as a
//! build-time mount (`RUN --mount=type=secret`) instead.

use super::{Change, Ctx, Plan, commands, editable_run, resolve};
use crate::analysis::FindingKind;
use crate::dockerfile::edit::Edits;

pub(super) fn mounts(ctx: &Ctx<'_>, edits: &mut Edits<'_>, plan: &mut Plan) {
    for f in ctx.input.analysis.findings_of(FindingKind::Secret) {
        if f.visible {
            continue;
        }
        let Some(c) = f.layer.and_then(|l| ctx.instruction_of(l)) else {
            continue;
        };
        let copy = ctx.ins(c);
        if !copy.is("COPY") || copy.flag("from").is_some() || edits.is_deleted(c) {
            continue;
        }
        let words = copy.expanded.words();
        let [src, dest] = words.as_slice() else {
            continue;
        };
        let path = ctx.path(f.node);
        let dest = resolve(dest, ctx.workdir(c));
        let name = src.rsplit('/').next().unwrap_or(src);
        if dest != path && format!("{}/{name}", dest.trim_end_matches('/')) != path {
            continue;
        }
        // The RUN that deletes it, and the commands that do.
        let Some((r, rm)) = (c + 1..ctx.body.end).find_map(|r| {
            let ins = ctx.ins(r);
            if !editable_run(ins) {
                return None;
            }
            let cmds = commands(&ins.args.text());
            let rm: Vec<usize> = cmds
                .iter()
                .enumerate()
                .filter(|(_, cmd)| deletes(cmd, &path, ctx.workdir(r)))
                .map(|(k, _)| k)
                .collect();
            (!rm.is_empty()).then_some((r, rm))
        }) else {
            plan.skipped.push(format!(
                "line {}: the secret it copies is deleted by no RUN this fix can edit: move it to `RUN --mount=type=secret` by hand",
                copy.line
            ));
            continue;
        };
        let id: String = name
            .chars()
            .map(|ch| {
                if ch.is_ascii_alphanumeric() || ch == '_' || ch == '-' {
                    ch
                } else {
                    '_'
                }
            })
            .collect();
        let mount = format!("--mount=type=secret,id={id},target={path}");
        edits.delete(c);
        for j in c + 1..r {
            if ctx.ins(j).is("RUN") && !edits.is_deleted(j) {
                edits.add_flag(j, &mount);
            }
        }
        let cmds = commands(&ctx.ins(r).args.text());
        let kept: Vec<&String> = cmds
            .iter()
            .enumerate()
            .filter(|(k, _)| !rm.contains(k))
            .map(|(_, c)| c)
            .collect();
        if kept.is_empty() {
            edits.delete(r);
        } else {
            let joined: Vec<&str> = kept.iter().map(|s| s.as_str()).collect();
            edits.set_lines(r, vec![format!("RUN {mount} {}", joined.join(" && "))]);
        }
        plan.secrets.push((id.clone(), src.to_string()));
        plan.dockerignore.push((src.to_string(), 0));
        plan.changes.push(Change {
            line: copy.line,
            what: format!(
                "`COPY {}` and its deletion at line {} replaced by `RUN {mount}` on the steps that use it",
                crate::escape::text(&copy.args.text()),
                ctx.ins(r).line
            ),
            saves_bytes: Some(f.bytes),
            assumes: format!(
                "BuildKit builds the image and passes the file: `DOCKER_BUILDKIT=1 docker build --secret id={id},src={src} ...`; only the RUN steps up to line {} read it. Rotate the key: it is in every copy of the old image",
                ctx.ins(r).line
            ),
        });
    }
}

/// Whether the shell command `cmd` is an `rm` of `path` (or of a directory holding it), and of
/// nothing else.
fn deletes(cmd: &str, path: &str, workdir: &str) -> bool {
    let mut w = cmd.split_whitespace();
    if w.next() != Some("rm") {
        return false;
    }
    let targets: Vec<String> = w
        .filter(|t| !t.starts_with('-'))
        .map(|t| resolve(t, workdir))
        .collect();
    !targets.is_empty()
        && targets
            .iter()
            .all(|t| t == path || path.starts_with(&format!("{}/", t.trim_end_matches('/'))))
}
