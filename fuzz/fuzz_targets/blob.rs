//! Fuzzes the whole blob path (`image::index::index_blob`): the first byte picks whether the rest
//! is fed as is (sniffed: plain, or a possibly corrupt gzip/zstd stream) or compressed first with
//! gzip or zstd, so the tar parser behind each decompressor is explored too.
#![no_main]

use std::io::Write;

use libfuzzer_sys::fuzz_target;
use plummet::image::index::{IndexOptions, index_blob};
use plummet::image::{Compression, Expected};
use plummet::layer::Budget;

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let input = match mode % 3 {
        0 => rest.to_vec(),
        1 => {
            let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
            if gz.write_all(rest).is_err() {
                return;
            }
            let Ok(out) = gz.finish() else { return };
            out
        }
        _ => {
            let Ok(out) = zstd::encode_all(rest, 1) else {
                return;
            };
            out
        }
    };
    let options = IndexOptions {
        // Small, so that bombs stop fast and a slow input is a real finding.
        max_layer_bytes: 4 << 20,
        ..IndexOptions::default()
    };
    let budget = Budget::new(options.limits);
    if let Ok(layer) = index_blob(&input[..], Expected::default(), &options, &budget, None) {
        assert!(layer.blob.uncompressed_bytes <= options.max_layer_bytes);
        assert_eq!(layer.blob.compressed_bytes, input.len() as u64);
        if mode % 3 != 0 {
            assert_ne!(layer.blob.compression, Compression::None);
        }
    }
});
