//! Fuzzes the manifest and index parsers of both the archive and the registry sources: any bytes
//! give a document or an error, never a panic, and a parsed index can always be described and
//! chosen from (the choice either succeeds or says what is available).
#![no_main]

use libfuzzer_sys::fuzz_target;
use plummet::image::Platform;
use plummet::image::manifest::{Candidate, Document, choose, describe};

fuzz_target!(|data: &[u8]| {
    if let Ok(Document::Index(index)) = Document::parse(data) {
        let candidates: Vec<Candidate> = index
            .manifests
            .iter()
            .map(|d| Candidate {
                descriptor: d.clone(),
                tags: d.annotations.values().cloned().collect(),
                platform: d.platform.clone(),
            })
            .collect();
        let _ = describe(&candidates);
        for platform in [Platform::host(), Platform::new("linux", "arm64", Some("v8"))] {
            for tag in [None, Some("latest")] {
                if let Err(e) = choose(&candidates, tag, Some(&platform)) {
                    assert!(!e.is_empty());
                }
            }
        }
    }
    let _ = plummet::source::registry::manifest::parse(None, data);
    let _ = plummet::source::registry::manifest::parse(Some("application/vnd.oci.image.index.v1+json"), data);
});
