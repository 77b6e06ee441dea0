//! Tests of the tree view model: no terminal, just rows.

use super::*;
use crate::analysis::{self, Analysis};
use crate::image::Image;
use crate::testutil::{TarBuilder, app_user, image_of};

struct Fixture {
    image: Image,
    snapshot: Snapshot,
    marks: Marks,
}

impl Fixture {
    fn new(layers: Vec<TarBuilder>, layer: usize) -> Fixture {
        let image = image_of(layers, app_user());
        let analysis: Analysis = analysis::analyze(&image);
        let marks = Marks::new(&image.tree.paths, &analysis);
        let snapshot = Snapshot::at(&image.tree, layer);
        Fixture {
            image,
            snapshot,
            marks,
        }
    }

    fn ctx(&self) -> TreeCtx<'_> {
        TreeCtx {
            tree: &self.image.tree,
            snapshot: &self.snapshot,
            marks: &self.marks,
        }
    }

    fn view(&self) -> TreeView {
        let mut view = TreeView::new(self.image.tree.paths.len());
        view.view.set_height(100);
        view.rebuild(self.ctx());
        view
    }

    /// The rows as indented names.
    fn rows(&self, view: &TreeView) -> Vec<String> {
        view.view
            .rows()
            .iter()
            .map(|r| {
                let name = String::from_utf8_lossy(self.image.tree.paths.name(r.node));
                format!("{}{name}", "  ".repeat(r.depth as usize))
            })
            .collect()
    }

    fn selected(&self, view: &TreeView) -> String {
        self.image.tree.paths.display(view.view.selected().unwrap())
    }
}

fn base() -> TarBuilder {
    TarBuilder::new()
        .dir("usr")
        .dir("usr/bin")
        .file("usr/bin/zsh", 50)
        .file("usr/bin/awk", 10)
        .dir("etc")
        .file("etc/passwd", 5)
        .file("etc/hosts", 7)
}

#[test]
fn rows_start_collapsed_and_sorted_by_name() {
    let f = Fixture::new(vec![base()], 0);
    let view = f.view();
    assert_eq!(f.rows(&view), ["etc", "usr"]);
    assert!(view.view.has_children(view.view.rows()[0].node));
}

#[test]
fn expanding_and_collapsing_splice_rows_and_keep_the_cursor() {
    let f = Fixture::new(vec![base()], 0);
    let mut view = f.view();
    view.view.move_by(1);
    view.toggle(f.ctx());
    assert_eq!(f.rows(&view), ["etc", "usr", "  bin"]);
    view.right(f.ctx());
    assert_eq!(f.selected(&view), "/usr/bin");
    view.right(f.ctx());
    assert_eq!(f.rows(&view), ["etc", "usr", "  bin", "    awk", "    zsh"]);
    view.view.home();
    view.toggle(f.ctx());
    assert_eq!(f.rows(&view).len(), 7);
    view.view.end();
    assert_eq!(f.selected(&view), "/usr/bin/zsh");
    view.left();
    assert_eq!(f.selected(&view), "/usr/bin");
    view.left();
    assert_eq!(
        f.rows(&view),
        ["etc", "  hosts", "  passwd", "usr", "  bin"]
    );
    view.view.home();
    view.toggle(f.ctx());
    assert_eq!(f.rows(&view), ["etc", "usr", "  bin"]);
}

#[test]
fn collapsing_above_the_cursor_moves_it_with_its_row() {
    let f = Fixture::new(vec![base()], 0);
    let mut view = f.view();
    view.expand_all(f.ctx());
    view.view.end();
    assert_eq!(f.selected(&view), "/usr/bin/zsh");
    view.view.home();
    view.toggle(f.ctx());
    view.view.end();
    assert_eq!(f.selected(&view), "/usr/bin/zsh");
    view.collapse_all(f.ctx());
    assert_eq!(f.rows(&view), ["etc", "usr"]);
    assert_eq!(f.selected(&view), "/usr");
}

#[test]
fn sorting_by_size_puts_the_largest_first() {
    let f = Fixture::new(vec![base()], 0);
    let mut view = f.view();
    view.sort = SortOrder::Size;
    view.expand_all(f.ctx());
    assert_eq!(
        f.rows(&view),
        [
            "usr", "  bin", "    zsh", "    awk", "etc", "  hosts", "  passwd"
        ]
    );
}

#[test]
fn layer_changes_show_only_changed_paths_and_their_directories() {
    let top = TarBuilder::new()
        .file("usr/bin/awk", 20)
        .file("opt/new", 1)
        .whiteout("etc/hosts");
    let f = Fixture::new(vec![base(), top], 1);
    let mut view = f.view();
    view.mode = Mode::LayerChanges;
    view.expand_all(f.ctx());
    assert_eq!(
        f.rows(&view),
        ["etc", "  hosts", "opt", "  new", "usr", "  bin", "    awk"]
    );
    view.mode = Mode::Aggregated;
    view.filters.unchanged = false;
    view.filters.removed = false;
    view.rebuild(f.ctx());
    assert_eq!(f.rows(&view), ["opt", "  new", "usr", "  bin", "    awk"]);
}

#[test]
fn wasted_only_shows_wasted_paths_and_findings() {
    let top = TarBuilder::new()
        .file("usr/bin/awk", 20)
        .file("app/.git/HEAD", 3)
        .file("app/main.py", 3);
    let f = Fixture::new(vec![base(), top], 1);
    let mut view = f.view();
    view.filters.wasted_only = true;
    view.expand_all(f.ctx());
    assert_eq!(
        f.rows(&view),
        ["app", "  .git", "    HEAD", "usr", "  bin", "    awk"]
    );
}

#[test]
fn search_jumps_through_matches_in_display_order_expanding_directories() {
    let f = Fixture::new(vec![base()], 0);
    let mut view = f.view();
    let matcher = Matcher::parse("*/bin/*").unwrap();
    assert_eq!(view.search(f.ctx(), matcher), 2);
    assert_eq!(f.selected(&view), "/usr/bin/awk");
    assert!(view.next_match(f.ctx()));
    assert_eq!(f.selected(&view), "/usr/bin/zsh");
    assert!(view.next_match(f.ctx()));
    assert_eq!(f.selected(&view), "/usr/bin/awk");
    assert!(view.prev_match(f.ctx()));
    assert_eq!(f.selected(&view), "/usr/bin/zsh");

    view.collapse_all(f.ctx());
    view.view.home();
    assert!(view.prev_match(f.ctx()));
    assert_eq!(f.selected(&view), "/usr/bin/zsh");

    assert_eq!(view.search(f.ctx(), Matcher::parse("pass").unwrap()), 1);
    assert_eq!(f.selected(&view), "/etc/passwd");
    assert!(view.next_match(f.ctx()));
    assert_eq!(f.selected(&view), "/etc/passwd");
    assert_eq!(view.search(f.ctx(), Matcher::parse("nothing").unwrap()), 0);
    assert!(!view.next_match(f.ctx()));
    assert!(Matcher::parse("[").is_err());
}

#[test]
fn rebuilding_for_another_layer_keeps_the_selected_path() {
    let top = || TarBuilder::new().file("usr/bin/awk", 20);
    let f0 = Fixture::new(vec![base(), top()], 0);
    let f1 = Fixture::new(vec![base(), top()], 1);
    let mut view = f0.view();
    view.expand_all(f0.ctx());
    view.view.move_by(4);
    assert_eq!(f0.selected(&view), "/usr/bin");
    view.mode = Mode::LayerChanges;
    view.rebuild(f1.ctx());
    assert_eq!(f1.selected(&view), "/usr/bin");
}

#[test]
fn scrolling_keeps_the_cursor_in_view() {
    let mut layer = TarBuilder::new();
    for i in 0..50 {
        layer = layer.file(&format!("f{i:02}"), 1);
    }
    let f = Fixture::new(vec![layer], 0);
    let mut view = f.view();
    view.view.set_height(10);
    view.view.page(1);
    assert_eq!((view.view.cursor(), view.view.offset()), (10, 1));
    view.view.end();
    assert_eq!((view.view.cursor(), view.view.offset()), (49, 40));
    assert_eq!(view.view.visible_rows().len(), 10);
    view.view.click(3);
    assert_eq!(view.view.cursor(), 43);
    view.view.page(-1);
    assert_eq!((view.view.cursor(), view.view.offset()), (33, 33));
}

#[test]
fn deep_paths_flatten_without_recursion() {
    let deep = vec!["d"; 3000].join("/");
    let f = Fixture::new(vec![TarBuilder::new().file(&format!("{deep}/leaf"), 1)], 0);
    let mut view = f.view();
    view.expand_all(f.ctx());
    assert_eq!(view.view.rows().len(), 3001);
    view.view.end();
    assert_eq!(view.view.rows()[view.view.cursor()].depth, 3000);
}
