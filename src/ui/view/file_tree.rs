//! The file tree pane: the visible rows of the tree view model with status, finding marks,
//! sizes, permissions and owners, and the details of the selected file at the bottom.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Widget, Wrap};

use super::pane_block;
use crate::escape;
use crate::layer::EntryKind;
use crate::tree::links::{self, Resolution};
use crate::tree::{NodeId, Status};
use crate::ui::app::Loaded;
use crate::ui::format;
use crate::ui::layout::{Pane, tree_parts};
use crate::ui::marks::FindingMark;
use crate::ui::rows::Row;
use crate::ui::theme::Theme;
use crate::ui::treeview::{Mode, SortOrder};

/// Deeper rows are indented no further, so deep paths keep their names on screen.
const MAX_INDENT: u32 = 24;

pub struct FileTreeView<'a> {
    pub loaded: &'a Loaded,
    pub theme: Theme,
    pub focused: bool,
}

/// Which optional columns fit (and are not hidden with dive's ctrl+b).
struct Columns {
    perms: bool,
    owner: bool,
}

impl Columns {
    fn for_width(width: u16, attributes: bool) -> Columns {
        Columns {
            perms: attributes && width >= 60,
            owner: attributes && width >= 80,
        }
    }

    fn right(&self, size: &str, perms: &str, owner: &str) -> String {
        let mut out = format!("{size:>10}");
        if self.perms {
            out.push_str(&format!(" {perms:<10}"));
        }
        if self.owner {
            out.push_str(&format!(" {owner:>11}"));
        }
        out
    }
}

impl FileTreeView<'_> {
    fn title(&self) -> String {
        let tree = &self.loaded.tree;
        let layer = self.loaded.layer;
        let mut mode = match tree.mode {
            Mode::Aggregated => format!("all up to layer {layer}"),
            Mode::LayerChanges => format!("changes of layer {layer}"),
        };
        if tree.is_narrowed() {
            mode = format!("matches in {mode}, sizes of the matches");
        }
        let sort = match tree.sort {
            SortOrder::Name => "",
            SortOrder::Size => ", by size",
        };
        format!("{}: {mode}{sort}", Pane::Tree.title())
    }

    fn marker(&self, node: NodeId) -> Span<'static> {
        match self
            .loaded
            .marks
            .finding(&self.loaded.image.tree.paths, node, self.loaded.layer)
        {
            Some(FindingMark::Direct(_)) => Span::styled("!", self.theme.finding(true)),
            Some(FindingMark::Inherited(_)) => Span::styled("·", self.theme.finding(false)),
            None if self.loaded.marks.is_wasted(node) => Span::styled("*", self.theme.warning()),
            None => Span::raw(" "),
        }
    }

    fn row_line(&self, row: Row, width: u16, columns: &Columns) -> Line<'static> {
        let loaded = self.loaded;
        let tree = &loaded.image.tree;
        let snap = loaded.snapshot();
        let node = row.node;
        let status = snap.status(node);
        let entry = snap.entry(tree, node);
        let view = &loaded.tree;
        let fold = if view.view.has_children(node) {
            if view.view.is_expanded(node) {
                "▾ "
            } else {
                "▸ "
            }
        } else {
            "  "
        };
        let indent = "  ".repeat(row.depth.min(MAX_INDENT) as usize);
        let mut name = escape::bytes(tree.paths.name(node));
        if let Some(e) =
            entry.filter(|e| matches!(e.kind, EntryKind::Symlink | EntryKind::Hardlink))
        {
            let arrow = if e.kind == EntryKind::Symlink {
                "→"
            } else {
                "⇒"
            };
            name = format!("{name} {arrow} {}", escape::bytes(tree.link(&e)));
        }
        let (perms, owner) = entry.map_or((String::new(), String::new()), |e| {
            (
                format::permissions(e.kind, e.mode),
                format!("{}:{}", e.uid, e.gid),
            )
        });
        let size = view.matched_bytes(node).unwrap_or_else(|| snap.size(node));
        let right = columns.right(&format::bytes(size), &perms, &owner);
        let left_width = (width as usize).saturating_sub(format::width(&right) + 1);
        let prefix = format!("{} {indent}{fold}", Theme::status_mark(status));
        let name_width = left_width.saturating_sub(format::width(&prefix) + 1);
        let name = format::truncate(&name, name_width);
        let pad = name_width.saturating_sub(format::width(&name));
        let status_style = self.theme.status(status);
        let name_style = if view.view.is_match(node) {
            status_style.patch(self.theme.matched())
        } else {
            status_style
        };
        Line::from(vec![
            self.marker(node),
            Span::styled(prefix, status_style),
            Span::styled(name, name_style),
            Span::raw(" ".repeat(pad + 1)),
            Span::styled(right, status_style),
        ])
    }

    /// The selected file: path and metadata, where a link leads, and its finding or waste.
    fn footer(&self) -> Vec<Line<'static>> {
        let loaded = self.loaded;
        let Some(node) = loaded.tree.view.selected() else {
            return vec![Line::styled(
                "nothing to show with these filters",
                self.theme.dim(),
            )];
        };
        let tree = &loaded.image.tree;
        let snap = loaded.snapshot();
        let status = snap.status(node);
        let mut first = vec![
            Span::styled(escape::bytes(&tree.paths.path(node)), self.theme.heading()),
            Span::styled(format!("  {}", status.name()), self.theme.status(status)),
        ];
        if status != Status::Removed {
            first.push(Span::raw(format!("  {}", format::bytes(snap.size(node)))));
            let matched = loaded.tree.matched_bytes(node);
            if let Some(m) = matched.filter(|m| *m != snap.size(node)) {
                first.push(Span::raw(format!(", {} in matches", format::bytes(m))));
            }
        }
        if let Some(owner) = super::packages::owner(loaded, node) {
            first.push(Span::styled(owner, self.theme.dim()));
        }
        let second = match links::resolve(tree, snap, node) {
            Some(Resolution::Target(t)) => {
                Line::raw(format!("link to {}", escape::bytes(&tree.paths.path(t))))
            }
            Some(Resolution::Dangling(p)) => Line::styled(
                format!("dangling link: nothing at {}", escape::text(&p)),
                self.theme.warning(),
            ),
            Some(Resolution::Loop) => {
                Line::styled("link loop: too many symlinks", self.theme.warning())
            }
            None => Line::default(),
        };
        let third = match loaded
            .marks
            .finding(&loaded.image.tree.paths, node, loaded.layer)
        {
            Some(mark) => {
                loaded
                    .analysis
                    .findings
                    .get(mark.index())
                    .map_or_else(Line::default, |f| {
                        let within = match mark {
                            FindingMark::Direct(_) => String::new(),
                            FindingMark::Inherited(_) => {
                                format!(" (in {})", escape::bytes(&tree.paths.path(f.node)))
                            }
                        };
                        Line::from(vec![
                            Span::styled(
                                format!("{}{within}: {}. ", f.kind.name(), escape::text(&f.reason)),
                                self.theme.finding(true),
                            ),
                            Span::raw(format!("Fix: {}", escape::text(&f.fix))),
                        ])
                    })
            }
            None => match loaded.analysis.wasted.iter().find(|w| w.node == node) {
                Some(w) => Line::styled(
                    format!(
                        "touched {} times, wastes {}",
                        w.touches,
                        format::bytes(w.bytes)
                    ),
                    self.theme.warning(),
                ),
                None => Line::default(),
            },
        };
        [Line::from(first), second, third]
            .into_iter()
            .filter(|l| l.width() > 0)
            .collect()
    }
}

impl Widget for &FileTreeView<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let block = pane_block(self.title(), self.focused, self.theme);
        block.render(area, buf);
        let [header, rows, footer] = tree_parts(area);
        let columns = Columns::for_width(rows.width, self.loaded.tree.attributes);
        let right = columns.right("Size", "Perms", "UID:GID");
        let name_width = (header.width as usize).saturating_sub(format::width(&right) + 1);
        Line::styled(
            format!("{:<name_width$} {right}", "  Name"),
            self.theme.heading(),
        )
        .render(header, buf);
        let view = &self.loaded.tree;
        for (i, row) in view.view.visible_rows().iter().enumerate() {
            let mut line = self.row_line(*row, rows.width, &columns);
            if view.view.offset() + i == view.view.cursor() {
                line = line.patch_style(self.theme.selected(self.focused));
            }
            let y = rows.y + i as u16;
            line.render(Rect::new(rows.x, y, rows.width, 1), buf);
        }
        if view.view.rows().is_empty() && rows.height > 0 {
            Line::styled("  (no files match the filters)", self.theme.dim()).render(rows, buf);
        }
        Paragraph::new(self.footer())
            .wrap(Wrap { trim: false })
            .render(footer, buf);
    }
}
