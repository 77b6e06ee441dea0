//! Benchmark images: large ones whose layers are streamed to disk, never held in memory.

use crate::spec::{Content, ImageSpec, LayerSpec, Op, seed_of};

fn mix(i: u64) -> u64 {
    seed_of(&i.to_le_bytes())
}

/// ~1 GB in 8 layers of 15,000 files (2–15 KB each, half random, half text), where layers
/// 1..8 each overwrite 500 files of layer 0.
pub fn bench_large() -> ImageSpec {
    let layers = (0..8u64)
        .map(|l| {
            let ops = (0..15_000u64)
                .map(|i| {
                    let h = mix(l * 1_000_000 + i);
                    let owner = if l > 0 && i < 500 { 0 } else { l };
                    let path = format!("/data/l{owner}/d{:03}/f{i:05}.bin", i / 100);
                    let content = if h.is_multiple_of(2) {
                        Content::Random(h)
                    } else {
                        Content::Text(h)
                    };
                    Op::file(path, 2_048 + h % 13_000, content)
                })
                .collect();
            LayerSpec::new(ops)
        })
        .collect();
    ImageSpec::new("plummet-bench/large", layers)
}

fn modules(root: &str, packages: u64, files: u64, salt: u64) -> Vec<Op> {
    let mut ops = Vec::with_capacity((packages * files) as usize);
    for p in 0..packages {
        for f in 0..files {
            let h = mix(salt ^ (p * 1_000 + f));
            ops.push(Op::file(
                format!("{root}/pkg-{p:04}/lib/f{f:03}.js"),
                100 + h % 1_400,
                Content::Text(h),
            ));
        }
    }
    ops
}

/// ~400,000 small node_modules-like files in 4 layers; the last layer deletes the first
/// layer's `/app/node_modules` (200,000 files) and adds 20,000 more.
pub fn bench_many() -> ImageSpec {
    let mut last = vec![Op::whiteout("/app/node_modules")];
    last.extend(modules("/app/dist", 200, 100, 4));
    ImageSpec::new(
        "plummet-bench/many",
        vec![
            LayerSpec::new(modules("/app/node_modules", 2_000, 100, 1)),
            LayerSpec::new(modules("/srv/node_modules", 1_000, 100, 2)),
            LayerSpec::new(modules("/opt/node_modules", 800, 100, 3)),
            LayerSpec::new(last),
        ],
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn files_and_bytes(spec: &ImageSpec) -> (usize, u64) {
        let ops = spec.layers.iter().flat_map(|l| &l.ops);
        ops.filter_map(|op| match op {
            Op::File { size, .. } => Some(*size),
            _ => None,
        })
        .fold((0, 0), |(n, b), s| (n + 1, b + s))
    }

    #[test]
    fn bench_images_have_the_advertised_scale() {
        let (files, bytes) = files_and_bytes(&bench_large());
        assert_eq!(files, 120_000);
        assert!((900_000_000..1_200_000_000).contains(&bytes), "{bytes}");
        let (files, _) = files_and_bytes(&bench_many());
        assert_eq!(files, 400_000);
    }
}
