//! Fuzzes the seek map decoder (`image::seek::format::decode`): a map file in the cache
//! directory is input like any other. The first byte picks whether the last 8 bytes are replaced
//! by the right checksum, so that inputs get past it and the checks behind it are explored; a
//! decoded map is then looked up and opened over a blob of zeros (which fails its span checks).
#![no_main]

use std::io::Read;

use libfuzzer_sys::fuzz_target;
use plummet::image::seek::format::decode;

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
    if let Ok(map) = decode(&input) {
        let _ = map.member(b"etc/passwd", 0);
        let zeros = vec![0u8; map.compressed_len.min(1 << 20) as usize];
        for m in map.members.iter().take(4) {
            let opened = map.open_at(m.start, |offset| {
                let from = (offset as usize).min(zeros.len());
                Ok(Box::new(std::io::Cursor::new(zeros[from..].to_vec())) as Box<dyn Read + Send>)
            });
            if let Ok((_, mut reader)) = opened {
                let _ = reader.read(&mut [0u8; 64]);
            }
        }
    }
});
