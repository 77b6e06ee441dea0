//! Every layer's file list (dive #508, #292): each entry of each layer's tar with what it did
//! to its path, for `plummet ci --files-csv` and `--json-files`.

use crate::layer::EntryKind;
use crate::tree::{Event, Replay, Tree};

/// What an entry did in its layer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RowStatus {
    Added,
    Modified,
    /// A directory entry repeated with the same metadata.
    Unchanged,
    /// A whiteout: the path is deleted.
    Removed,
    /// An opaque-directory marker: the directory's lower contents are hidden.
    Opaque,
}

impl RowStatus {
    pub fn name(self) -> &'static str {
        match self {
            RowStatus::Added => "added",
            RowStatus::Modified => "modified",
            RowStatus::Unchanged => "unchanged",
            RowStatus::Removed => "removed",
            RowStatus::Opaque => "opaque",
        }
    }
}

/// One entry of one layer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    /// Path without the leading `/` (bytes: tar names need not be UTF-8).
    pub path: Vec<u8>,
    pub layer: usize,
    pub status: RowStatus,
    pub kind: EntryKind,
    pub size: u64,
    pub mode: u32,
    pub uid: u32,
    pub gid: u32,
    pub link: Vec<u8>,
}

/// The rows of every layer, in image order and tar order within a layer.
pub fn rows(tree: &Tree) -> Vec<Row> {
    let mut rows = Vec::with_capacity(tree.entry_count());
    let mut replay = Replay::new(tree);
    for (layer_no, layer) in tree.layers.iter().enumerate() {
        let mut status = vec![RowStatus::Added; layer.entries.len()];
        replay.step(|event| {
            if let Event::Put {
                node,
                now,
                was: Some(was),
            } = event
            {
                let Some(i) = now.entry() else { return };
                let (old, new) = (tree.entry_at(node, was), tree.entry_at(node, now));
                let same_dir = old.kind == EntryKind::Dir
                    && new.kind == EntryKind::Dir
                    && (old.mode, old.uid, old.gid) == (new.mode, new.uid, new.gid);
                if let Some(s) = status.get_mut(i as usize) {
                    *s = if same_dir {
                        RowStatus::Unchanged
                    } else {
                        RowStatus::Modified
                    };
                }
            }
        });
        for (i, e) in layer.entries.iter().enumerate() {
            let status = match e.kind {
                EntryKind::Whiteout => RowStatus::Removed,
                EntryKind::Opaque => RowStatus::Opaque,
                _ => status[i],
            };
            rows.push(Row {
                path: super::locate::relative(tree, e.node),
                layer: layer_no,
                status,
                kind: e.kind,
                size: e.size,
                mode: e.mode,
                uid: e.uid,
                gid: e.gid,
                link: tree.link(e).to_vec(),
            });
        }
    }
    rows
}

/// The short name of an entry's type in the listing.
pub fn type_name(kind: EntryKind) -> &'static str {
    match kind {
        EntryKind::File => "file",
        EntryKind::Dir => "dir",
        EntryKind::Symlink => "symlink",
        EntryKind::Hardlink => "hardlink",
        EntryKind::CharDevice => "char",
        EntryKind::BlockDevice => "block",
        EntryKind::Fifo => "fifo",
        EntryKind::Whiteout => "whiteout",
        EntryKind::Opaque => "opaque",
    }
}

/// The listing as CSV (RFC 4180): a header line, then one line per entry. Paths and link
/// targets are escaped as every output escapes image strings (controls and bytes that are not
/// UTF-8 shown as `\xHH`), then quoted when they hold a comma, quote or line break.
pub fn csv(rows: &[Row]) -> String {
    let mut out = String::from("path,layer,status,type,size,mode,uid,gid,link_target\n");
    for r in rows {
        let path = format!("/{}", crate::escape::bytes(&r.path));
        let link = crate::escape::bytes(&r.link);
        out.push_str(&format!(
            "{},{},{},{},{},{:04o},{},{},{}\n",
            csv_field(&path),
            r.layer,
            r.status.name(),
            type_name(r.kind),
            r.size,
            r.mode & 0o7777,
            r.uid,
            r.gid,
            csv_field(&link)
        ));
    }
    out
}

/// One CSV field, quoted (quotes doubled) when it must be.
pub fn csv_field(s: &str) -> std::borrow::Cow<'_, str> {
    if s.contains([',', '"', '\n', '\r']) {
        std::borrow::Cow::Owned(format!("\"{}\"", s.replace('"', "\"\"")))
    } else {
        std::borrow::Cow::Borrowed(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::{TarBuilder, app_user, image_of};

    #[test]
    fn lists_each_layers_entries_with_status_and_quotes_csv_fields() {
        let image = image_of(
            vec![
                TarBuilder::new()
                    .dir("etc")
                    .file_mode("etc/a,b", 3, 0o4755)
                    .file("etc/\"q\"", 1)
                    .symlink("etc/l", "a,b"),
                TarBuilder::new()
                    .file("etc/a,b", 5)
                    .whiteout("etc/\"q\"")
                    .opaque("var"),
            ],
            app_user(),
        );
        let text = csv(&rows(&image.tree));
        assert_eq!(
            text,
            "path,layer,status,type,size,mode,uid,gid,link_target\n\
             /etc,0,added,dir,0,0755,0,0,\n\
             \"/etc/a,b\",0,added,file,3,4755,0,0,\n\
             \"/etc/\"\"q\"\"\",0,added,file,1,0644,0,0,\n\
             /etc/l,0,added,symlink,0,0777,0,0,\"a,b\"\n\
             \"/etc/a,b\",1,modified,file,5,0644,0,0,\n\
             \"/etc/\"\"q\"\"\",1,removed,whiteout,0,0644,0,0,\n\
             /var,1,opaque,opaque,0,0644,0,0,\n"
        );
    }
}
