//! Timings of the UI's tree operations on a synthetic 400,000-file image built in memory.
//! A benchmark, not a test: it prints the numbers rather than asserting them (machines differ),
//! so it is ignored in the default test run; run it with
//! `cargo test --release --test tui_perf -- --ignored --nocapture`. The target is under 50 ms each.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};
use plummet::analysis;
use plummet::image::{Image, ImageMeta};
use plummet::layer::{EntryKind, LayerIndex};
use plummet::tree::Tree;
use plummet::ui::app::{App, Start};
use plummet::ui::theme::Theme;
use plummet::ui::{Keymap, handle, view};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

/// 400 packages x 1,000 files in the base, then an update layer and a cleanup layer.
fn synthetic_image() -> Image {
    let mut base = LayerIndex::default();
    for p in 0..400 {
        for f in 0..1_000 {
            let path = format!("usr/lib/pkg{p:03}/sub{}/file{f:04}.so", f % 10);
            base.push(path.as_bytes(), b"", EntryKind::File, 1_000 + f, 0o644);
        }
    }
    let mut update = LayerIndex::default();
    for p in 0..40 {
        for f in 0..1_000 {
            let path = format!("usr/lib/pkg{p:03}/sub{}/file{f:04}.so", f % 10);
            update.push(path.as_bytes(), b"", EntryKind::File, 2_000 + f, 0o644);
        }
    }
    let mut cleanup = LayerIndex::default();
    for p in 300..310 {
        let path = format!("usr/lib/pkg{p:03}");
        cleanup.push(path.as_bytes(), b"", EntryKind::Whiteout, 0, 0);
    }
    cleanup.push(b"app/.git/HEAD", b"", EntryKind::File, 40, 0o644);
    Image {
        meta: ImageMeta::default(),
        tree: Tree::build([base, update, cleanup]),
        blobs: Vec::new(),
        reopen: None,
        seek_cache: None,
        attestation: Default::default(),
    }
}

/// One key press as the event loop handles it: update, then settle before drawing.
fn key(app: &mut App, code: KeyCode) {
    handle(app, Event::Key(KeyEvent::new(code, KeyModifiers::NONE)));
    app.settle();
}

fn time(label: &str, results: &mut Vec<(String, Duration)>, op: impl FnOnce()) {
    let start = Instant::now();
    op();
    let took = start.elapsed();
    println!("{label:<42} {:>8.2} ms", took.as_secs_f64() * 1e3);
    results.push((label.to_string(), took));
}

#[test]
#[ignore = "a benchmark: cargo test --release --test tui_perf -- --ignored --nocapture"]
fn tree_operations_on_400k_files() {
    let built = Instant::now();
    let image = synthetic_image();
    let files = image.tree.entry_count();
    let analysis = analysis::analyze(&image);
    println!(
        "built and analysed {files} entries, {} paths in {:.0} ms",
        image.tree.paths.len(),
        built.elapsed().as_secs_f64() * 1e3
    );
    assert!(files >= 400_000);

    let keymap = Keymap::new(&HashMap::new()).unwrap();
    let mut app = App::new(
        "synthetic".into(),
        Theme::new(true),
        keymap,
        Start::default(),
    );
    app.resize(160, 48);
    let mut terminal = Terminal::new(TestBackend::new(160, 48)).unwrap();
    let mut results = Vec::new();
    let r = &mut results;
    time("open (marks, snapshot, rows)", r, || {
        app.finish_loading(image, analysis)
    });
    time("draw one frame", r, || {
        terminal.draw(|f| view::render(&app, f)).unwrap();
    });
    key(&mut app, KeyCode::Tab);
    time("move down", r, || key(&mut app, KeyCode::Down));
    time("expand /usr", r, || key(&mut app, KeyCode::Enter));
    key(&mut app, KeyCode::Down);
    time("expand /usr/lib (400 dirs)", r, || {
        key(&mut app, KeyCode::Enter)
    });
    time("page down", r, || key(&mut app, KeyCode::PageDown));
    time("expand all (400k rows)", r, || {
        key(&mut app, KeyCode::Char('e'))
    });
    let rows = app.loaded().unwrap().tree.view.rows().len();
    println!("  ({rows} rows)");
    assert!(rows > 400_000);
    time("draw one frame (expanded)", r, || {
        terminal.draw(|f| view::render(&app, f)).unwrap();
    });
    time("end", r, || key(&mut app, KeyCode::Char('G')));
    time("filter: hide unchanged", r, || {
        key(&mut app, KeyCode::Char('U'))
    });
    time("filter: show unchanged", r, || {
        key(&mut app, KeyCode::Char('U'))
    });
    time("wasted only", r, || key(&mut app, KeyCode::Char('w')));
    key(&mut app, KeyCode::Char('w'));
    time("sort by size (expanded)", r, || {
        key(&mut app, KeyCode::Char('s'))
    });
    key(&mut app, KeyCode::Char('s'));
    time("collapse all", r, || key(&mut app, KeyCode::Char('c')));
    key(&mut app, KeyCode::Char('/'));
    for c in "*/sub3/file09*".chars() {
        key(&mut app, KeyCode::Char(c));
    }
    time("search glob (expands to first match)", r, || {
        key(&mut app, KeyCode::Enter)
    });
    time("next match", r, || key(&mut app, KeyCode::Char('n')));
    time("previous match", r, || key(&mut app, KeyCode::Char('N')));
    key(&mut app, KeyCode::BackTab);
    time("select next layer (replay + rows)", r, || {
        key(&mut app, KeyCode::Down);
    });
    time("select last layer (replay + rows)", r, || {
        key(&mut app, KeyCode::Char('G'));
    });
    time("back to a cached layer", r, || {
        key(&mut app, KeyCode::Char('g'));
    });
    time("layer changes only", r, || {
        key(&mut app, KeyCode::Char('a'));
    });
    let slowest = results.iter().max_by_key(|(_, d)| *d).unwrap();
    println!(
        "slowest: {} at {:.2} ms",
        slowest.0,
        slowest.1.as_secs_f64() * 1e3
    );
}
