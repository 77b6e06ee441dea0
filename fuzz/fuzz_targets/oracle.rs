//! Differential fuzzing against imagegen's independent oracle: decodes bytes into an image spec,
//! writes each layer as a real tar with imagegen, reads it back through `index_blob`, and checks
//! that plummet's figures equal the oracle's (no silent wrong answers).
#![no_main]

use libfuzzer_sys::fuzz_target;
use plummet::analysis::analyze;
use plummet::image::index::{IndexOptions, index_blob};
use plummet::image::{Expected, Image, ImageMeta, IndexedLayer};
use plummet::layer::{Budget, EntryKind};

use imagegen::{Content, ImageSpec, LayerSpec, Op};

const NAMES: [&str; 3] = ["a", "b", "c"];

fn path(byte: u8) -> String {
    let depth = 1 + usize::from(byte & 3) % 3;
    (0..depth)
        .map(|i| format!("/{}", NAMES[usize::from((byte >> (2 + 2 * i)) & 3) % 3]))
        .collect()
}

fn spec(data: &[u8]) -> ImageSpec {
    let mut layers = vec![Vec::new()];
    for chunk in data.chunks_exact(2) {
        let [op, p] = [chunk[0], chunk[1]];
        let path = path(p);
        let step = match op % 6 {
            0 => {
                layers.push(Vec::new());
                continue;
            }
            1 | 2 => Op::file(&path, u64::from(op >> 3), Content::Zeros),
            3 => Op::dir(&path),
            4 => Op::whiteout(&path),
            _ => Op::symlink(&path, "a"),
        };
        if let Some(layer) = layers.last_mut() {
            layer.push(step);
        }
    }
    ImageSpec::new("fuzz", layers.into_iter().map(LayerSpec::new).collect())
}

fuzz_target!(|data: &[u8]| {
    let spec = spec(data);
    let expected = imagegen::expected(&spec);
    let options = IndexOptions::default();
    let budget = Budget::new(options.limits);
    let mut layers: Vec<IndexedLayer> = Vec::new();
    for layer in &spec.layers {
        let mut blob = Vec::new();
        imagegen::archive::write_layer_blob(layer, &mut blob).unwrap();
        layers.push(index_blob(&blob[..], Expected::default(), &options, &budget, None).unwrap());
    }
    let image = Image::assemble(ImageMeta::default(), layers);
    let got = analyze(&image);
    assert_eq!(got.size_bytes, expected.size_bytes, "size");
    assert_eq!(got.reclaimable_bytes, expected.reclaimable_bytes, "reclaimable");
    assert_eq!(got.wasted_bytes, expected.wasted_bytes, "wasted");
    assert!((got.efficiency - expected.efficiency).abs() < 1e-9, "efficiency");
    let mut files: Vec<(Vec<u8>, u64, usize)> = Vec::new();
    for (node, visible) in got.final_state.iter().enumerate() {
        let Some(v) = visible else { continue };
        let entry = image.tree.entry_at(node as u32, *v);
        if entry.kind != EntryKind::Dir {
            files.push((image.tree.paths.path(node as u32), entry.size, v.layer() as usize));
        }
    }
    files.sort();
    let want: Vec<(Vec<u8>, u64, usize)> = expected
        .files
        .iter()
        .filter(|f| f.kind != imagegen::entries::EntryKind::Dir)
        .map(|f| (f.path.0.clone(), f.size, f.layer))
        .collect();
    assert_eq!(files, want, "final files");
    for (l, figures) in expected.layers.iter().enumerate() {
        let changes = &got.layers[l].changes;
        assert_eq!(got.layers[l].size_bytes, figures.size_bytes, "layer {l} size");
        assert_eq!(changes.removed, figures.removed, "layer {l} removed");
    }
});
