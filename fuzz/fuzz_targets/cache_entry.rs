//! Fuzzes the layer-index cache's decoder (`image::index::store::format::decode`): a cache file
//! is input like any other. The first byte picks whether the last 8 bytes are replaced by the
//! right checksum, so that inputs get past it and the consistency checks behind it are explored.
#![no_main]

use libfuzzer_sys::fuzz_target;
use plummet::image::index::store::format::decode;

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let mut input = rest.to_vec();
    if mode % 2 == 1 && input.len() >= 8 {
        let end = input.len() - 8;
        let sum = xxhash_rust::xxh3::xxh3_64(&input[..end]);
        input[end..].copy_from_slice(&sum.to_le_bytes());
    }
    if let Ok(decoded) = decode(input.as_slice(), input.len() as u64) {
        let index = &decoded.layer.index;
        for (i, e) in index.entries().iter().enumerate() {
            let _ = (index.path(e), index.link(e), index.fingerprint(i));
        }
    }
});
