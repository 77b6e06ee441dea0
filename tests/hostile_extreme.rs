//! Legal but extreme images that the default limits must let through, each analyzed in under
//! 60 s. Ignored by default (too slow for CI): `scripts/extreme` runs them in release mode and
//! reports time and peak RSS per case. Also the memory cost per file entry, which is cheap.
#![expect(clippy::unwrap_used, reason = "tests fail on bad input")]

use std::fs::File;
use std::io::{self, BufWriter, Read};
use std::time::{Duration, Instant};

use plummet::analysis::analyze;
use plummet::image::index::{IndexOptions, LayerJob, Progress, index_layers};
use plummet::image::{Expected, Image, ImageMeta};
use plummet::layer::{EntryKind, LayerIndex};
use plummet::tree::{Snapshot, Tree};

const BUDGET: Duration = Duration::from_secs(60);

/// Writes the entries of one layer.
type Fill = Box<dyn FnOnce(&mut tar::Builder<&mut dyn io::Write>)>;

fn header(kind: tar::EntryType, size: u64) -> tar::Header {
    let mut h = tar::Header::new_gnu();
    h.set_entry_type(kind);
    h.set_size(size);
    h.set_mode(if kind == tar::EntryType::Directory {
        0o755
    } else {
        0o644
    });
    h
}

/// Writes each layer to a temporary file (gzip), then reads, indexes and analyzes the image
/// with the default limits, a snapshot of the last layer included, within [`BUDGET`].
fn analyze_layers(layers: Vec<Fill>) -> Image {
    let dir = tempfile::tempdir().unwrap();
    let mut paths = Vec::new();
    for (i, fill) in layers.into_iter().enumerate() {
        let path = dir.path().join(format!("layer{i}.tar.gz"));
        let file = BufWriter::new(File::create(&path).unwrap());
        let mut gz = flate2::write::GzEncoder::new(file, flate2::Compression::fast());
        {
            let mut b = tar::Builder::new(&mut gz as &mut dyn io::Write);
            fill(&mut b);
            b.finish().unwrap();
        }
        gz.finish().unwrap();
        paths.push(path);
    }
    let start = Instant::now();
    let jobs = paths
        .into_iter()
        .enumerate()
        .map(|(position, path)| LayerJob {
            position,
            name: path.display().to_string(),
            size_hint: std::fs::metadata(&path).unwrap().len(),
            expected: Expected::default(),
            origin: None,
            open: Box::new(move || Ok(Box::new(File::open(&path)?) as Box<dyn Read + Send>)),
        })
        .collect();
    let layers = index_layers(jobs, &IndexOptions::default(), &Progress::default()).unwrap();
    let image = Image::assemble(ImageMeta::default(), layers);
    let analysis = analyze(&image);
    let last = Snapshot::at(&image.tree, image.tree.layers.len() - 1);
    assert_eq!(last.total_size(), analysis.final_size_bytes);
    let took = start.elapsed();
    eprintln!(
        "read and analyzed {} entries in {} layers in {took:.2?}; tree heap {} bytes",
        image.tree.entry_count(),
        image.tree.layers.len(),
        image.tree.heap_bytes()
    );
    assert!(took < BUDGET, "took {took:?}");
    image
}

#[test]
#[ignore = "slow: run by scripts/extreme"]
fn extreme_one_gib_file_of_zeros() {
    let image = analyze_layers(vec![Box::new(|b| {
        let mut h = header(tar::EntryType::Regular, 1 << 30);
        b.append_data(&mut h, "zeros", io::repeat(0).take(1 << 30))
            .unwrap();
    })]);
    assert_eq!(image.tree.layers[0].size_bytes(), 1 << 30);
}

#[test]
#[ignore = "slow: run by scripts/extreme"]
fn extreme_paths_2000_directories_deep() {
    let image = analyze_layers(vec![
        Box::new(|b| {
            let mut path = String::new();
            for i in 0..2000 {
                path.push_str(if i == 0 { "d" } else { "/d" });
                let mut h = header(tar::EntryType::Directory, 0);
                b.append_data(&mut h, &path, io::empty()).unwrap();
                let mut h = header(tar::EntryType::Regular, 1);
                b.append_data(&mut h, format!("{path}/f"), &b"x"[..])
                    .unwrap();
            }
        }),
        Box::new(|b| {
            let mut h = header(tar::EntryType::Regular, 0);
            b.append_data(&mut h, "d/d/.wh.d", io::empty()).unwrap();
        }),
    ]);
    assert_eq!(image.tree.entry_count(), 4001);
}

#[test]
#[ignore = "slow: run by scripts/extreme"]
fn extreme_500k_entries_in_one_directory() {
    let image = analyze_layers(vec![Box::new(|b| {
        for i in 0..500_000 {
            let mut h = header(tar::EntryType::Regular, 0);
            b.append_data(&mut h, format!("dir/file-{i:07}"), io::empty())
                .unwrap();
        }
    })]);
    assert_eq!(image.tree.entry_count(), 500_000);
}

#[test]
#[ignore = "slow: run by scripts/extreme"]
fn extreme_1500_layers() {
    let layers = (0..1500)
        .map(|l| -> Fill {
            Box::new(move |b| {
                for i in 0..20 {
                    let mut h = header(tar::EntryType::Regular, 100);
                    let name = format!("shared/{i}");
                    b.append_data(&mut h, name, io::repeat(l as u8).take(100))
                        .unwrap();
                }
                let mut h = header(tar::EntryType::Regular, 10);
                b.append_data(&mut h, format!("own/{l}"), io::repeat(1).take(10))
                    .unwrap();
            })
        })
        .collect();
    let image = analyze_layers(layers);
    assert_eq!(image.tree.layers.len(), 1500);
}

/// Heap bytes per file entry for the tree of 400k entries, and for the per-layer index the
/// tree is built from (both hold names once; the index is dropped once the tree is built).
#[test]
fn memory_per_file_entry_stays_under_200_bytes() {
    let mut index = LayerIndex::default();
    let count = 400_000;
    for i in 0..count {
        let path = format!(
            "usr/lib/python3/site-packages/pkg{:04}/module_{i:06}.py",
            i / 100
        );
        index.push(path.as_bytes(), b"", EntryKind::File, 1000, 0o644);
    }
    let index_bytes = index.heap_bytes();
    let tree = Tree::build([index]);
    let tree_bytes = tree.heap_bytes() as u64;
    let per_entry_tree = tree_bytes / count;
    let per_entry_index = index_bytes / count;
    eprintln!("400k entries: tree {per_entry_tree} B/entry, layer index {per_entry_index} B/entry");
    assert!(
        per_entry_tree < 200,
        "tree: {per_entry_tree} bytes per entry"
    );
    assert!(
        per_entry_index < 200,
        "index: {per_entry_index} bytes per entry"
    );
}
