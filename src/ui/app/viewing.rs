//! The file viewer's part of [`App`]: opening it on the selected file (or its diff against the
//! previous version), and the keys while it is open.

use super::App;
use crate::content::{self, Blobs, ReadOptions, locate};
use crate::layer::EntryKind;
use crate::tree::Snapshot;
use crate::ui::action::Action;
use crate::ui::layout::Pane;
use crate::ui::viewer::{self, Request, State, Viewer};

impl App {
    /// Whether `action` opens the viewer: `v`, or enter on a file of the tree.
    pub(super) fn opens_viewer(&self, action: Action) -> bool {
        match action {
            Action::View => true,
            Action::Toggle if self.focus == Pane::Tree => self.loaded().is_some_and(|l| {
                let Some(node) = l.tree.view.selected() else {
                    return false;
                };
                l.snapshot()
                    .entry(&l.image.tree, node)
                    .is_some_and(|e| e.kind != EntryKind::Dir)
            }),
            Action::ViewDiff => self.focus == Pane::Tree,
            _ => false,
        }
    }

    /// Opens the viewer on the selected file as of the selected layer (`diff`: against the
    /// file's version before that layer). Says in the status bar why not, when it cannot.
    pub(super) fn open_viewer(&mut self, diff: bool) {
        let Some(loaded) = self.loaded() else { return };
        let Some(node) = loaded.tree.view.selected() else {
            return;
        };
        let tree = &loaded.image.tree;
        let layer = loaded.layer;
        let rel = locate::relative(tree, node);
        let shown = crate::escape::bytes(&tree.paths.path(node));
        let snapshot = loaded.snapshot();
        let blobs = Blobs::of(&loaded.image);
        let now = content::find_file(&loaded.image, snapshot, &rel).map_err(|e| e.to_string());
        let (title, request) = if diff {
            let before = match layer.checked_sub(1) {
                Some(prev) => {
                    let lower = Snapshot::at(tree, prev);
                    content::find_file(&loaded.image, &lower, &rel).map_err(|e| e.to_string())
                }
                None => Err("layer 0 has no layer before it".to_string()),
            };
            if now.is_err() && before.is_err() {
                self.chrome.message = now.err();
                return;
            }
            let labels = (
                format!("a{shown} (layer {})", layer.saturating_sub(1)),
                format!("b{shown} (layer {layer})"),
            );
            let title = format!("{shown}: changes in layer {layer}");
            (
                title,
                Request::Diff {
                    before,
                    after: now,
                    labels,
                },
            )
        } else {
            match now {
                Ok(member) => (
                    format!("{shown} as of layer {layer}"),
                    Request::View(member),
                ),
                Err(why) => {
                    self.chrome.message = Some(why);
                    return;
                }
            }
        };
        let rx = viewer::spawn(blobs, request, ReadOptions::default());
        let mut v = Viewer::new(title, rx);
        v.height = self.viewer_height();
        self.viewer = Some(v);
    }

    /// Lines of file the viewer shows: the screen less its frame and the status bar.
    fn viewer_height(&self) -> usize {
        usize::from(self.chrome.size.height.saturating_sub(3))
    }

    /// Keys while the viewer is open.
    pub(super) fn update_viewer(&mut self, action: Action) {
        let height = self.viewer_height();
        let Some(v) = self.viewer.as_mut() else {
            return;
        };
        v.height = height;
        match action {
            // `esc` (clear_search) closes the viewer: one key, one action in the keymap.
            Action::ClearSearch | Action::View | Action::Left => self.viewer = None,
            Action::Up => v.scroll_by(-1),
            Action::Down => v.scroll_by(1),
            Action::PageUp => v.page(false),
            Action::PageDown => v.page(true),
            Action::First => v.first(),
            Action::Last => v.last(),
            Action::ViewWrap => v.wrap = !v.wrap,
            Action::NextMatch | Action::PrevMatch => {
                self.chrome.message = v.next_match(action == Action::NextMatch);
            }
            Action::ViewDiff if !matches!(v.state, State::Loading(_)) => {
                self.viewer = None;
                self.open_viewer(true);
            }
            _ => {}
        }
    }
}
