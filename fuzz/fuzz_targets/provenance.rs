//! Fuzzes the provenance statement parser and the layer map built on it: any bytes give a
//! provenance or a short one-line error, never a panic; what parses maps any layer list (the
//! chains' own digests, others, none) to lines of its Dockerfile, or to none.
#![no_main]

use libfuzzer_sys::fuzz_target;
use plummet::dockerfile;
use plummet::image::Digest;
use plummet::image::provenance;

fuzz_target!(|data: &[u8]| {
    let subject = Digest::sha256_of(b"image");
    match provenance::parse(data, &subject) {
        Err(e) => {
            let message = e.to_string();
            assert!(!message.contains('\n') && message.len() < 1024, "{message}");
        }
        Ok(p) => {
            let Some((_, file)) = p.dockerfile() else { return };
            let Ok(text) = std::str::from_utf8(&file.data) else { return };
            let Ok(df) = dockerfile::parse("Dockerfile", text) else { return };
            let mut digests: Vec<Option<&Digest>> = p
                .steps
                .iter()
                .flat_map(|s| s.layers.iter().flat_map(|(_, chain)| chain.iter().map(Some)))
                .collect();
            digests.push(None);
            digests.push(Some(&subject));
            let lines = dockerfile::provenance::map_layers(&p, &df, &digests);
            assert_eq!(lines.lines.len(), digests.len());
            let last = text.split('\n').count();
            assert!(lines.lines.iter().flatten().all(|l| (1..=last).contains(l)));
        }
    }
});
