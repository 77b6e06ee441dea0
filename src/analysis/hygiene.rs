//! Hygiene findings on the final filesystem: setuid/setgid executables, world-writable paths,
//! and a container that runs as root.

use super::findings::{Finding, is_base_layer};
use super::kind::FindingKind;
use crate::image::ImageConfig;
use crate::layer::EntryKind;
use crate::tree::{NodeId, ROOT, Tree, Visible};

/// Setuid/setgid regular files and world-writable regular files and directories in the final
/// filesystem. Device nodes and FIFOs are not files to fix (`/dev/null` is mode 666 by design),
/// links carry no mode of their own, and a sticky world-writable directory (`/tmp`) is normal.
pub(super) fn find(
    tree: &Tree,
    final_state: &[Option<Visible>],
    base_layers: usize,
    findings: &mut Vec<Finding>,
) {
    for (node, v) in final_state.iter().enumerate() {
        let Some(v) = v else { continue };
        let Some(_) = v.entry() else { continue };
        let e = tree.entry_at(node as NodeId, *v);
        let layer = v.layer() as usize;
        let base = is_base_layer(base_layers, layer);
        let path = tree.paths.display(node as NodeId);
        if e.kind == EntryKind::File && e.mode & 0o6000 != 0 {
            let bit = if e.mode & 0o4000 != 0 {
                "setuid"
            } else {
                "setgid"
            };
            findings.push(Finding {
                kind: FindingKind::Setuid,
                node: node as NodeId,
                layer: Some(layer),
                bytes: e.size,
                files: 1,
                visible: true,
                reason: format!("{bit} (mode {:o})", e.mode & 0o7777),
                fix: mode_fix(FindingKind::Setuid, &path, e.size, base),
            });
        }
        let world_writable = e.mode & 0o002 != 0
            && match e.kind {
                EntryKind::File => true,
                EntryKind::Dir => e.mode & 0o1000 == 0,
                _ => false,
            };
        if world_writable {
            findings.push(Finding {
                kind: FindingKind::WorldWritable,
                node: node as NodeId,
                layer: Some(layer),
                bytes: e.size,
                files: 1,
                visible: true,
                reason: format!("writable by any user (mode {:o})", e.mode & 0o7777),
                fix: mode_fix(FindingKind::WorldWritable, &path, e.size, base),
            });
        }
    }
}

/// The fix for a mode problem. A `RUN chmod` of its own would ship the file again in a new
/// layer, so the change belongs where the file is created; a base image's file can only be
/// changed by such a copy, which the fix says, with its cost.
fn mode_fix(kind: FindingKind, path: &str, bytes: u64, base: bool) -> String {
    if !base {
        return kind.fix(path, false);
    }
    let chmod = match kind {
        FindingKind::Setuid => "chmod u-s,g-s",
        _ => "chmod o-w",
    };
    format!(
        "it comes from the base image: if nothing needs it, `{chmod} {path}` in your first RUN (that ships the file again in your layer, {bytes} bytes), or pick a base image without it"
    )
}

/// The image-level finding for a config that leaves the user as root.
pub(super) fn runs_as_root(config: &ImageConfig) -> Finding {
    Finding {
        kind: FindingKind::RunsAsRoot,
        node: ROOT,
        layer: None,
        bytes: 0,
        files: 0,
        visible: true,
        reason: if config.user.trim().is_empty() {
            "the config sets no user, so the container runs as root".to_string()
        } else {
            format!(
                "the config's user is {:?}, so the container runs as root",
                config.user
            )
        },
        fix: FindingKind::RunsAsRoot.fix("/", false),
    }
}
