//! Hostile and broken layers, each with its expected, clear outcome: an error that names the
//! limit (and its flag) or the layer, or an analysis that completes with correct figures.
#![expect(clippy::unwrap_used, reason = "tests fail on bad input")]

#[path = "hostile/rawtar.rs"]
mod rawtar;

use std::io::{self, Read, Write};

use plummet::analysis::{Analysis, analyze};
use plummet::image::index::{IndexOptions, LayerJob, Progress, index_blob, index_layers};
use plummet::image::{Expected, Image, ImageMeta, IndexedLayer};
use plummet::layer::{Budget, EntryKind, Limits};
use plummet::tree::{NodeId, Snapshot};
use rawtar::RawTar;

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    e.write_all(data).unwrap();
    e.finish().unwrap()
}

fn job(position: usize, data: Vec<u8>, size_hint: u64) -> LayerJob<'static> {
    LayerJob {
        position,
        name: format!("sha256:layer{position}"),
        size_hint,
        expected: Expected::default(),
        origin: None,
        open: Box::new(move || Ok(Box::new(io::Cursor::new(data)) as Box<dyn Read + Send>)),
    }
}

/// Reads blobs as layers of one image, in order.
fn read(blobs: Vec<Vec<u8>>, options: &IndexOptions) -> Result<Vec<IndexedLayer>, String> {
    let jobs = blobs
        .into_iter()
        .enumerate()
        .map(|(i, b)| {
            let len = b.len() as u64;
            job(i, b, len)
        })
        .collect();
    index_layers(jobs, options, &Progress::default()).map_err(|e| e.to_string())
}

fn image(blobs: Vec<Vec<u8>>) -> (Image, Analysis) {
    let layers = read(blobs, &IndexOptions::default()).unwrap();
    let image = Image::assemble(ImageMeta::default(), layers);
    let analysis = analyze(&image);
    (image, analysis)
}

fn visible_paths(image: &Image, analysis: &Analysis) -> Vec<String> {
    let mut out: Vec<String> = (0..image.tree.paths.len() as NodeId)
        .filter(|&n| n != 0 && analysis.final_state[n as usize].is_some())
        .map(|n| image.tree.paths.display(n))
        .collect();
    out.sort();
    out
}

fn tar_with_file(name: &str, size: usize) -> Vec<u8> {
    let mut b = tar::Builder::new(Vec::new());
    let mut h = tar::Header::new_gnu();
    h.set_size(size as u64);
    h.set_mode(0o644);
    b.append_data(&mut h, name, io::repeat(0).take(size as u64))
        .unwrap();
    b.into_inner().unwrap()
}

#[test]
fn decompression_bomb_stops_at_max_layer_bytes() {
    // 64 MiB of zeros gzip to about 64 KiB.
    let bomb = gzip(&tar_with_file("zeros", 64 << 20));
    assert!(bomb.len() < 200_000);
    let options = IndexOptions {
        max_layer_bytes: 8 << 20,
        ..IndexOptions::default()
    };
    let err = read(vec![bomb], &options).unwrap_err();
    assert!(err.contains("layer 0 (sha256:layer0)"), "{err}");
    assert!(err.contains("--max-layer-bytes"), "{err}");
}

#[test]
fn bombs_spread_over_layers_stop_at_max_total_bytes() {
    let layer = gzip(&tar_with_file("zeros", 4 << 20));
    let options = IndexOptions {
        limits: Limits {
            max_total_bytes: 10 << 20,
            ..Limits::default()
        },
        threads: 1,
        ..IndexOptions::default()
    };
    let err = read(vec![layer.clone(), layer.clone(), layer], &options).unwrap_err();
    assert!(err.contains("--max-total-bytes"), "{err}");
}

#[test]
fn too_many_entries_stop_at_max_entries() {
    let mut b = tar::Builder::new(Vec::new());
    for i in 0..3000 {
        let mut h = tar::Header::new_gnu();
        h.set_size(0);
        b.append_data(&mut h, format!("d/{i}"), io::empty())
            .unwrap();
    }
    let options = IndexOptions {
        limits: Limits {
            max_entries: 2000,
            ..Limits::default()
        },
        ..IndexOptions::default()
    };
    let err = read(vec![b.into_inner().unwrap()], &options).unwrap_err();
    assert!(
        err.contains("more than 2000 entries") && err.contains("--max-entries"),
        "{err}"
    );
}

#[test]
fn path_names_past_max_index_bytes_stop() {
    let tar = RawTar::new()
        .file(&[b'a'; 90], b"")
        .file(&[b'b'; 90], b"")
        .finish();
    let options = IndexOptions {
        limits: Limits {
            max_name_bytes: 100,
            ..Limits::default()
        },
        ..IndexOptions::default()
    };
    let err = read(vec![tar], &options).unwrap_err();
    assert!(err.contains("--max-index-bytes"), "{err}");
}

#[test]
fn dot_dot_and_absolute_paths_are_clamped_to_the_root() {
    let tar = RawTar::new()
        .file(b"../../etc/passwd", b"x")
        .file(b"/abs/file", b"y")
        .file(b"a/../../../b", b"z")
        .symlink(b"/../../link", b"../../../../etc/shadow")
        .hardlink(b"hard", b"../../../etc/passwd")
        .finish();
    let (image, analysis) = image(vec![tar]);
    assert_eq!(
        visible_paths(&image, &analysis),
        [
            "/abs",
            "/abs/file",
            "/b",
            "/etc",
            "/etc/passwd",
            "/hard",
            "/link"
        ]
    );
    let hard = image.tree.layers[0].entries[4];
    assert_eq!(image.tree.link(&hard), b"etc/passwd");
}

#[test]
fn symlink_loops_do_not_hang() {
    let tar = RawTar::new()
        .symlink(b"a", b"b")
        .symlink(b"b", b"a")
        .dir(b"d")
        .symlink(b"d/self", b".")
        .symlink(b"d/up", b"../d")
        .finish();
    let (image, analysis) = image(vec![tar.clone(), tar]);
    assert_eq!(visible_paths(&image, &analysis).len(), 5);
    // The second layer rewrites every link: each of the four is touched twice, with size 0.
    assert_eq!(analysis.wasted.len(), 4);
    assert_eq!(analysis.wasted_bytes, 0);
}

#[test]
fn hardlink_to_a_missing_target_is_kept_as_a_link() {
    let tar = RawTar::new().hardlink(b"orphan", b"never/was").finish();
    let (image, analysis) = image(vec![tar]);
    assert_eq!(visible_paths(&image, &analysis), ["/orphan"]);
    let entry = image.tree.layers[0].entries[0];
    assert_eq!(entry.kind, EntryKind::Hardlink);
    assert_eq!(image.tree.link(&entry), b"never/was");
    assert_eq!(analysis.final_size_bytes, 0);
}

#[test]
fn duplicate_entries_in_one_layer_keep_the_last_and_the_first_is_reclaimable() {
    let tar = RawTar::new()
        .file(b"f", &[1; 10])
        .file(b"f", &[2; 20])
        .finish();
    let (_, analysis) = image(vec![tar]);
    assert_eq!(analysis.final_size_bytes, 20);
    assert_eq!(analysis.size_bytes, 30);
    // The hidden first copy ships, so a rebuild saves it; waste follows dive, which touches a
    // path once per layer.
    assert_eq!(analysis.reclaimable_bytes, 10);
    assert_eq!(analysis.wasted_bytes, 0);
    assert_eq!(analysis.layers[0].changes.added, 1);
    assert_eq!(analysis.layers[0].changes.modified, 0);
}

#[test]
fn whiteout_of_a_path_that_never_existed_changes_nothing() {
    let base = RawTar::new().file(b"keep", &[0; 7]).finish();
    let top = RawTar::new()
        .file(b"ghost/.wh.nothing", b"")
        .file(b".wh.nope", b"")
        .finish();
    let (image, analysis) = image(vec![base, top]);
    assert_eq!(analysis.layers[1].changes.removed, 0);
    assert_eq!(analysis.wasted_bytes, 0);
    assert_eq!(analysis.final_size_bytes, 7);
    // A marker is not a filesystem object: it does not even create its parent directory.
    assert_eq!(visible_paths(&image, &analysis), ["/keep"]);
}

#[test]
fn entry_running_past_the_end_of_the_stream_names_the_layer() {
    let good = RawTar::new().file(b"ok", b"fine").finish();
    let short = RawTar::new()
        .lying_file(b"big", 1 << 20, &[0; 1000])
        .unterminated();
    let err = read(vec![good, gzip(&short)], &IndexOptions::default()).unwrap_err();
    assert!(
        err.starts_with("failed to read layer 1 (sha256:layer1)"),
        "{err}"
    );
}

#[test]
fn manifest_claiming_terabytes_does_not_preallocate() {
    let tar = RawTar::new().file(b"small", b"tiny").finish();
    let jobs = vec![job(0, tar.clone(), 5 << 40), job(1, tar, u64::MAX)];
    let progress = Progress::default();
    progress.start_layers(vec![5 << 40, u64::MAX]);
    let layers = index_layers(jobs, &IndexOptions::default(), &progress).unwrap();
    assert_eq!(layers.len(), 2);
    let view = progress.view();
    assert_eq!(view.finished(), 2);
}

#[test]
fn sparse_file_claiming_exabytes_stops_at_max_total_bytes() {
    // 1.5 KiB of tar claiming 4 EiB: summing two of these used to overflow u64.
    let tar = RawTar::new()
        .sparse(b"huge", 1 << 62)
        .sparse(b"huge2", 1 << 62)
        .finish();
    assert!(tar.len() < 4096);
    let err = read(vec![tar], &IndexOptions::default()).unwrap_err();
    assert!(err.contains("--max-total-bytes"), "{err}");
}

#[test]
fn sparse_files_within_the_budget_are_sized_by_their_claim() {
    let tar = RawTar::new().sparse(b"holes", 1 << 30).finish();
    let (_, analysis) = image(vec![tar]);
    assert_eq!(analysis.final_size_bytes, 1 << 30);
}

#[test]
fn pax_header_bomb_is_stopped_before_it_is_buffered() {
    let tar = RawTar::new().pax_bomb(40 << 20).finish();
    let err = read(vec![gzip(&tar)], &IndexOptions::default()).unwrap_err();
    assert!(
        err.contains("layer 0") && err.contains("tar headers"),
        "{err}"
    );
}

#[test]
fn gnu_long_name_bomb_is_stopped_before_it_is_buffered() {
    let tar = RawTar::new().long_name(40 << 20).finish();
    let err = read(vec![gzip(&tar)], &IndexOptions::default()).unwrap_err();
    assert!(err.contains("tar headers"), "{err}");
}

#[test]
fn long_names_and_pax_records_of_normal_size_still_work() {
    let tar = RawTar::new().long_name(3000).finish();
    let (image, analysis) = image(vec![tar]);
    assert_eq!(
        visible_paths(&image, &analysis),
        [format!("/{}", "n".repeat(3000))]
    );
}

#[test]
fn fifteen_hundred_layers_are_read_and_analyzed() {
    let blobs: Vec<Vec<u8>> = (0..1500)
        .map(|i| {
            RawTar::new()
                .file(b"shared", &vec![0; i % 7])
                .file(format!("own{i}").as_bytes(), b"x")
                .finish()
        })
        .collect();
    let (image, analysis) = image(blobs);
    assert_eq!(analysis.layers.len(), 1500);
    assert_eq!(visible_paths(&image, &analysis).len(), 1501);
    let last = Snapshot::at(&image.tree, 1499);
    assert_eq!(last.total_size(), analysis.final_size_bytes);
    assert_eq!(analysis.final_size_bytes, 1500 + (1499 % 7) as u64);
}

#[test]
fn a_file_replacing_a_directory_counts_what_it_hides_as_deleted() {
    // Found by the `oracle` fuzz target: imagegen's oracle drops what a type change hides
    // without a touch; plummet counts the hidden file as deleted (a touch of 0), like a whiteout.
    let base = RawTar::new().file(b"d/inner", &[0; 5]).finish();
    let top = RawTar::new().file(b"d", &[0; 3]).finish();
    let (image, analysis) = image(vec![base, top]);
    assert_eq!(visible_paths(&image, &analysis), ["/d"]);
    assert_eq!(analysis.layers[1].changes.removed, 1);
    assert_eq!(analysis.wasted_bytes, 5);
    assert_eq!(analysis.reclaimable_bytes, 5);
    assert_eq!(analysis.final_size_bytes, 3);
}

/// Runs `f` on a thread with a small stack, so any recursion over path depth overflows it.
fn on_small_stack(f: impl FnOnce() + Send + 'static) {
    std::thread::Builder::new()
        .stack_size(256 * 1024)
        .spawn(f)
        .unwrap()
        .join()
        .unwrap();
}

#[test]
fn paths_4096_bytes_deep_never_recurse() {
    on_small_stack(|| {
        let deep = "d/".repeat(2047) + "f";
        assert!(deep.len() >= 4095);
        let mut b = tar::Builder::new(Vec::new());
        let mut h = tar::Header::new_gnu();
        h.set_size(3);
        b.append_data(&mut h, &deep, &b"abc"[..]).unwrap();
        let base = b.into_inner().unwrap();
        let top = RawTar::new().file(b".wh.d", b"").finish();
        let (image, analysis) = image(vec![base, top]);
        assert_eq!(analysis.layers[1].changes.removed, 1);
        assert_eq!(analysis.wasted_bytes, 3);
        for layer in 0..2 {
            let snapshot = Snapshot::at(&image.tree, layer);
            assert_eq!(snapshot.total_size(), if layer == 0 { 3 } else { 0 });
        }
        let leaf = image.tree.paths.find(deep.as_bytes()).unwrap();
        assert_eq!(image.tree.paths.depth(leaf), 2048);
        let rules =
            plummet::report::rules::evaluate(&analysis, &plummet::settings::RuleSet::default());
        let json = plummet::report::json::report(&image, &analysis, &rules, 10);
        assert!(plummet::report::json::to_string(&json).contains(&deep));
        let text = plummet::report::text::render(
            &image,
            &analysis,
            &rules,
            10,
            plummet::report::text::Style { color: false },
        );
        assert!(text.contains(&deep));
        plummet::report::markdown::render(&image, &analysis, &rules, 10);
    });
}

#[test]
fn budget_is_shared_by_index_blob_calls() {
    let options = IndexOptions {
        limits: Limits {
            max_total_bytes: 3 << 20,
            ..Limits::default()
        },
        ..IndexOptions::default()
    };
    let budget = Budget::new(options.limits);
    let tar = tar_with_file("z", 2 << 20);
    assert!(index_blob(&tar[..], Expected::default(), &options, &budget, None).is_ok());
    let err = index_blob(&tar[..], Expected::default(), &options, &budget, None).unwrap_err();
    assert!(err.to_string().contains("--max-total-bytes"), "{err}");
}
