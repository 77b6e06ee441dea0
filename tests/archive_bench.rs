//! Timing of archive loading on imagegen's bench images: run with
//! `PLUMMET_BENCH_DIR=/tmp/bench cargo test --release --test archive_bench -- --ignored --nocapture`
//! after `cargo run --release -p imagegen -- bench /tmp/bench`. Checks the figures against the
//! oracle's expected JSON written beside each archive.

use std::path::PathBuf;
use std::time::Instant;

use plummet::analysis::analyze;
use plummet::image::Progress;
use plummet::source::LoadOptions;
use plummet::source::archive;

#[test]
#[ignore = "needs PLUMMET_BENCH_DIR with imagegen's bench archives"]
fn bench_archives_load_quickly_and_match_the_oracle() {
    let Some(dir) = std::env::var_os("PLUMMET_BENCH_DIR").map(PathBuf::from) else {
        eprintln!("SKIPPED: PLUMMET_BENCH_DIR not set");
        return;
    };
    for name in ["bench-large", "bench-many"] {
        let want: serde_json::Value = serde_json::from_slice(
            &std::fs::read(dir.join(format!("{name}.expected.json"))).unwrap(),
        )
        .unwrap();
        for file in [format!("{name}.tar"), format!("{name}-oci.tar")] {
            let path = dir.join(&file);
            let size = std::fs::metadata(&path).unwrap().len();
            let start = Instant::now();
            let image = archive::load(
                &path,
                None,
                None,
                &LoadOptions::default(),
                &Progress::default(),
            )
            .unwrap();
            let loaded = start.elapsed();
            let analysis = analyze(&image);
            let total = start.elapsed();
            eprintln!(
                "{file}: {} MB, {} layers, {} entries: load {:.2}s, load+analyze {:.2}s",
                size >> 20,
                image.tree.layers.len(),
                image.tree.entry_count(),
                loaded.as_secs_f64(),
                total.as_secs_f64()
            );
            assert_eq!(
                analysis.size_bytes,
                want["size_bytes"].as_u64().unwrap(),
                "{file}"
            );
            assert_eq!(
                analysis.wasted_bytes,
                want["wasted_bytes"].as_u64().unwrap(),
                "{file}"
            );
            assert_eq!(
                analysis.reclaimable_bytes,
                want["reclaimable_bytes"].as_u64().unwrap(),
                "{file}"
            );
        }
    }
}
