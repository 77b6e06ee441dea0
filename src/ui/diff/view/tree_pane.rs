//! The union tree pane: one row per shown path, marked and coloured by change, with its size in
//! A, in B and the change (directories sum what is below them), and what changed.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Widget;

use super::{change_mark, change_style, pane_block, signed_bytes};
use crate::escape;
use crate::tree::NodeId;
use crate::ui::diff::app::{DiffLoaded, tree_parts};
use crate::ui::diff::union::{Change, UnionNode};
use crate::ui::format;
use crate::ui::theme::Theme;

/// Width of the size columns on the right: size A, size B, change.
const SIZES_WIDTH: usize = 33;

pub struct DiffTreePane<'a> {
    pub loaded: &'a DiffLoaded,
    pub theme: Theme,
    pub focused: bool,
}

fn size_of(n: &UnionNode, side: Option<crate::layer::EntryKind>, bytes: u64) -> String {
    match side {
        None => "-".into(),
        Some(_) if bytes == 0 && n.is_dir() => String::new(),
        Some(_) => format::bytes(bytes),
    }
}

fn sizes(n: &UnionNode) -> String {
    format!(
        "{:>10} {:>10} {:>11}",
        size_of(n, n.a, n.bytes_a),
        size_of(n, n.b, n.bytes_b),
        signed_bytes(n.delta())
    )
}

/// What changed, for a changed path: `(content, mode)`.
fn aspects(n: &UnionNode) -> String {
    if n.change == Change::Changed {
        format!(" ({})", n.aspects.names().join(", "))
    } else {
        String::new()
    }
}

impl DiffTreePane<'_> {
    fn row(&self, node: NodeId, depth: u32, width: usize) -> Line<'static> {
        let union = &self.loaded.model.union;
        let view = &self.loaded.tree;
        let n = union.node(node);
        let arrow = if !view.view.has_children(node) {
            "  "
        } else if view.view.is_expanded(node) {
            "▾ "
        } else {
            "▸ "
        };
        let mut name = escape::bytes(union.paths.name(node));
        if n.is_dir() {
            name.push('/');
        }
        let left = format!(
            "{} {}{arrow}{name}",
            change_mark(n.change),
            "  ".repeat(depth as usize)
        );
        let extra = aspects(&n);
        let room = width.saturating_sub(SIZES_WIDTH + 1);
        let left_text = format::truncate(&(left + &extra), room);
        let pad = room.saturating_sub(left_text.chars().count());
        let mut name_style = change_style(self.theme, n.change);
        if view.view.is_match(node) {
            name_style = name_style.patch(self.theme.matched());
        }
        Line::from(vec![
            Span::styled(left_text, name_style),
            Span::raw(" ".repeat(pad + 1)),
            Span::raw(sizes(&n)),
        ])
    }

    fn footer(&self) -> Line<'static> {
        let union = &self.loaded.model.union;
        let Some(node) = self.loaded.tree.view.selected() else {
            return Line::raw("");
        };
        let n = union.node(node);
        let what = match n.change {
            Change::Unchanged if n.changes > 0 => format!("{} changes below", n.changes),
            Change::Unchanged => "unchanged".into(),
            Change::Added => "added (only in B)".into(),
            Change::Removed => "removed (only in A)".into(),
            Change::Changed => format!("changed: {}", n.aspects.names().join(", ")),
        };
        Line::from(vec![
            Span::styled(escape::bytes(&union.paths.path(node)), self.theme.heading()),
            Span::raw(format!("  {what}")),
        ])
    }
}

impl Widget for &DiffTreePane<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let view = &self.loaded.tree;
        let title = format!("Files: {} shown", view.view.included_count());
        let block = pane_block(title, self.focused, self.theme);
        block.render(area, buf);
        let [header, rows, footer] = tree_parts(area);
        let width = rows.width as usize;
        let room = width.saturating_sub(SIZES_WIDTH + 1);
        Line::styled(
            format!(
                "{:<room$} {:>10} {:>10} {:>11}",
                "  path", "size A", "size B", "change"
            ),
            self.theme.heading(),
        )
        .render(header, buf);
        for (i, row) in view.view.visible_rows().iter().enumerate() {
            let mut line = self.row(row.node, row.depth, width);
            if view.view.offset() + i == view.view.cursor() {
                line = line.style(self.theme.selected(self.focused));
            }
            line.render(Rect::new(rows.x, rows.y + i as u16, rows.width, 1), buf);
        }
        if view.view.rows().is_empty() {
            Line::styled(
                "  no path differs (press a to show every path)",
                self.theme.dim(),
            )
            .render(rows, buf);
        }
        if footer.height > 0 {
            self.footer().render(footer, buf);
        }
    }
}
