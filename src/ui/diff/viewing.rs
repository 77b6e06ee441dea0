//! The file viewer in the diff UI: the selected path's file as of A or as of B, or its diff
//! A -> B exactly as `plummet diff A B --file` prints it. The viewer itself (scrolling, search,
//! wrap, drawing, the worker thread that reads) is the single-image UI's; this part decides what
//! to open, and reads from the image of the side shown.

use std::sync::Arc;

use super::app::{DiffApp, DiffPane};
use super::union::UnionNode;
use crate::content::{self, ReadOptions, Spool, compare, locate};
use crate::image::Image;
use crate::layer::EntryKind;
use crate::tree::NodeId;
use crate::ui::action::Action;
use crate::ui::viewer::{self, State, TEXT_LIMIT, Viewer};

/// One of the two images.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    A,
    B,
}

impl Side {
    pub fn other(self) -> Side {
        match self {
            Side::A => Side::B,
            Side::B => Side::A,
        }
    }

    pub fn letter(self) -> char {
        match self {
            Side::A => 'A',
            Side::B => 'B',
        }
    }

    fn index(self) -> usize {
        match self {
            Side::A => 0,
            Side::B => 1,
        }
    }

    /// The path's kind on this side.
    fn kind(self, node: &UnionNode) -> Option<EntryKind> {
        match self {
            Side::A => node.a,
            Side::B => node.b,
        }
    }

    /// Whether the path is a file on this side, or a link the reader follows to one.
    fn has_file(self, node: &UnionNode) -> bool {
        self.kind(node).is_some_and(|k| {
            matches!(
                k,
                EntryKind::File | EntryKind::Symlink | EntryKind::Hardlink
            )
        })
    }
}

/// What the open viewer shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shown {
    File(Side),
    /// The diff A -> B.
    Diff,
}

/// The open viewer, with the path and the side it was opened on.
#[derive(Debug)]
pub struct DiffViewer {
    pub viewer: Viewer,
    pub node: NodeId,
    pub shown: Shown,
}

/// The side the viewer opens first: B's version when B has the file, else A's.
pub fn default_side(node: &UnionNode) -> Option<Side> {
    [Side::B, Side::A].into_iter().find(|s| s.has_file(node))
}

/// Why `d` has nothing to show for `node` (at `path`, escaped), or `None` when its content
/// differs between A and B.
pub fn nothing_to_compare(node: &UnionNode, path: &str) -> Option<String> {
    let why = match (node.a, node.b) {
        (None, _) => format!("{path} is only in B"),
        (_, None) => format!("{path} is only in A"),
        (Some(EntryKind::Dir), Some(EntryKind::Dir)) => format!("{path} is a directory"),
        _ if !Side::A.has_file(node) => format!("{path} is a {} in A", kind_of(node.a)),
        _ if !Side::B.has_file(node) => format!("{path} is a {} in B", kind_of(node.b)),
        _ if node.aspects.content || node.aspects.kind || node.aspects.link => return None,
        _ => {
            let other = node.aspects.names();
            if other.is_empty() {
                format!("{path} has the same content in A and B")
            } else {
                format!(
                    "{path} has the same content in A and B ({} changed)",
                    other.join(", ")
                )
            }
        }
    };
    Some(format!("nothing to compare: {why}"))
}

fn kind_of(kind: Option<EntryKind>) -> &'static str {
    kind.map_or("path", locate::kind_name)
}

impl DiffApp {
    /// Whether `action` opens the viewer: `v`, `d` on the tree, or enter on a file of the tree.
    pub(super) fn opens_viewer(&self, action: Action) -> bool {
        match action {
            Action::View => true,
            Action::Toggle | Action::ViewDiff if self.focus == DiffPane::Tree => {
                action == Action::ViewDiff
                    || self.loaded().is_some_and(|l| {
                        l.tree
                            .view
                            .selected()
                            .is_some_and(|n| !l.model.union.node(n).is_dir())
                    })
            }
            _ => false,
        }
    }

    /// Opens the viewer on the selected path: its file on the default side, or (`diff`) its
    /// diff A -> B. Says in the status bar why not, when it cannot.
    pub(super) fn open_viewer(&mut self, diff: bool) {
        let Some(loaded) = self.loaded() else { return };
        let Some(node) = loaded.tree.view.selected() else {
            return;
        };
        let union = &loaded.model.union;
        let entry = union.node(node);
        let path = crate::escape::bytes(&union.paths.path(node));
        let shown = if diff {
            if let Some(why) = nothing_to_compare(&entry, &path) {
                self.chrome.message = Some(why);
                return;
            }
            Shown::Diff
        } else {
            match default_side(&entry) {
                Some(side) => Shown::File(side),
                None => {
                    let kind = entry.b.or(entry.a).map_or("path", locate::kind_name);
                    self.chrome.message = Some(format!("{path} is a {kind}"));
                    return;
                }
            }
        };
        self.show(node, shown);
    }

    /// Starts reading what `shown` needs for `node` on a worker thread, and opens the viewer.
    fn show(&mut self, node: NodeId, shown: Shown) {
        let Some(loaded) = self.loaded() else { return };
        let Some(images) = loaded.model.images.clone() else {
            self.chrome.message = Some("file contents are not available in this diff".into());
            return;
        };
        let union = &loaded.model.union;
        let entry = union.node(node);
        let path = union.paths.path(node);
        let escaped = crate::escape::bytes(&path);
        let options = ReadOptions::default();
        let (title, rx) = match shown {
            Shown::File(side) => {
                let reference = match side {
                    Side::A => &self.reference_a,
                    Side::B => &self.reference_b,
                };
                let mut title = format!(
                    "{escaped} in {} ({})",
                    side.letter(),
                    crate::escape::text(reference)
                );
                let other = side.other();
                if let (true, Some(key)) = (
                    other.has_file(&entry),
                    self.chrome.keymap.first_key(Action::ViewSide),
                ) {
                    title.push_str(&format!("; {key}: {}'s version", other.letter()));
                }
                let image = Arc::clone(&images[side.index()]);
                let rx = viewer::spawn_job(move || {
                    let started = std::time::Instant::now();
                    let mut spool = Spool::in_memory(TEXT_LIMIT);
                    content::read_file(&image, None, &path, &mut spool, options)
                        .map_err(|e| e.to_string())?;
                    // bench/diff-viewer reads this: the file's lookup and read, off the UI loop.
                    tracing::debug!(
                        read_ms = started.elapsed().as_millis() as u64,
                        side = %side.letter(),
                        bytes = spool.total(),
                        "diff viewer file"
                    );
                    Ok(viewer::file_body(&spool))
                });
                (title, rx)
            }
            Shown::Diff => {
                let title = format!("{escaped}: A -> B");
                let rx = viewer::spawn_job(move || {
                    let started = std::time::Instant::now();
                    let [a, b] = &images;
                    let version = |image: &Image| {
                        compare::final_version(image, &path, options).map_err(|e| e.to_string())
                    };
                    let (mut va, mut vb) = (version(a.as_ref())?, version(b.as_ref())?);
                    let (la, lb) = compare::labels(&path);
                    let text =
                        compare::render(&la, &mut va, &lb, &mut vb).map_err(|e| e.to_string())?;
                    tracing::debug!(
                        read_ms = started.elapsed().as_millis() as u64,
                        "diff viewer diff"
                    );
                    Ok(viewer::diff_body(&text))
                });
                (title, rx)
            }
        };
        let mut viewer = Viewer::new(title, rx);
        viewer.height = self.viewer_height();
        self.viewer = Some(DiffViewer {
            viewer,
            node,
            shown,
        });
    }

    /// Lines of file the viewer shows: the screen less its frame and the status bar.
    fn viewer_height(&self) -> usize {
        usize::from(self.chrome.size.height.saturating_sub(3))
    }

    /// Keys while the viewer is open.
    pub(super) fn update_viewer(&mut self, action: Action) {
        let height = self.viewer_height();
        let Some(open) = self.viewer.as_mut() else {
            return;
        };
        let v = &mut open.viewer;
        v.height = height;
        match action {
            // `esc` (clear_search) closes the viewer, as in the single-image UI.
            Action::ClearSearch | Action::View | Action::Left => self.viewer = None,
            Action::Up => v.scroll_by(-1),
            Action::Down => v.scroll_by(1),
            Action::Scroll { down, .. } => v.scroll_by(if down { 3 } else { -3 }),
            Action::PageUp => v.page(false),
            Action::PageDown => v.page(true),
            Action::First => v.first(),
            Action::Last => v.last(),
            Action::ViewWrap => v.wrap = !v.wrap,
            Action::NextMatch | Action::PrevMatch => {
                self.chrome.message = v.next_match(action == Action::NextMatch);
            }
            // One read at a time: a worker cannot be stopped, so keys do not pile them up.
            Action::ViewDiff | Action::ViewSide if matches!(v.state, State::Loading(_)) => {
                self.chrome.message = Some("still reading: press it again once shown".into());
            }
            Action::ViewDiff | Action::ViewSide => {
                let (node, shown) = (open.node, open.shown);
                self.switch(node, shown, action);
            }
            _ => {}
        }
    }

    /// `d` or `o` in the open viewer: the diff, or the other side's file, when there is one.
    fn switch(&mut self, node: NodeId, shown: Shown, action: Action) {
        let Some(loaded) = self.loaded() else { return };
        let union = &loaded.model.union;
        let entry = union.node(node);
        let path = crate::escape::bytes(&union.paths.path(node));
        let next = match (action, shown) {
            (Action::ViewDiff, Shown::Diff) => return,
            (Action::ViewDiff, _) => match nothing_to_compare(&entry, &path) {
                None => Shown::Diff,
                Some(why) => {
                    self.chrome.message = Some(why);
                    return;
                }
            },
            (_, Shown::Diff) => {
                self.chrome.message = Some("the diff shows A -> B: esc goes back".into());
                return;
            }
            (_, Shown::File(side)) => {
                let other = side.other();
                if !other.has_file(&entry) {
                    self.chrome.message = Some(match other.kind(&entry) {
                        None => format!("{path} is only in {}", side.letter()),
                        kind => format!("{path} is a {} in {}", kind_of(kind), other.letter()),
                    });
                    return;
                }
                Shown::File(other)
            }
        };
        self.show(node, next);
    }
}
