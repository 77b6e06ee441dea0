//! What a pull costs: the bytes a registry sends for an image (its distinct layer blobs as
//! stored), and for a host that already has one image, the bytes it must download to get
//! another. Figures are only of what the source knows: a blob stored uncompressed (a legacy
//! `docker save` layer.tar, a daemon export) is counted at its stored size, and said to be.

use std::collections::HashSet;

use super::{Analysis, LayerReport};
use crate::image::{Compression, Digest};

/// The pull size of one image, or the download from one image to another.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PullSize {
    /// Sum of the distinct blobs' stored sizes; `None` when a counted layer's size is unknown
    /// (a partial sum would look like a real figure).
    pub bytes: Option<u64>,
    /// Distinct blobs counted.
    pub blobs: usize,
    /// Of those, blobs stored uncompressed: their size is not what a registry would send
    /// after a push compressed them.
    pub uncompressed: usize,
}

/// The identity of a blob: its digest as stored, else (a source with no blob digest) the
/// digest of its content. Two layers with the same key are one download.
fn key(l: &LayerReport) -> Option<&Digest> {
    l.digest.as_ref().or(l.diff_id.as_ref())
}

fn sum<'a>(layers: impl Iterator<Item = &'a LayerReport>) -> PullSize {
    let mut seen = HashSet::new();
    let mut out = PullSize {
        bytes: Some(0),
        ..PullSize::default()
    };
    for l in layers {
        // A blob listed twice (the same layer made twice) is sent once; a layer with no
        // identity at all cannot be proven a repeat, so it counts.
        if let Some(k) = key(l)
            && !seen.insert(k)
        {
            continue;
        }
        out.blobs += 1;
        if l.compression == Some(Compression::None) {
            out.uncompressed += 1;
        }
        out.bytes = out.bytes.zip(l.blob_bytes).map(|(a, b)| a + b);
    }
    out
}

/// What pulling `a` transfers: each distinct layer blob once.
pub fn pull_size(a: &Analysis) -> PullSize {
    sum(a.layers.iter())
}

/// What a host that has `a` must download to get `b`: `b`'s blobs whose identity is not
/// among `a`'s.
pub fn download_size(a: &Analysis, b: &Analysis) -> PullSize {
    let have: HashSet<&Digest> = a.layers.iter().filter_map(key).collect();
    sum(b
        .layers
        .iter()
        .filter(|l| key(l).is_none_or(|k| !have.contains(k))))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::analyze;
    use crate::image::ImageConfig;
    use crate::testutil::{TarBuilder, image_of};

    /// An analysis whose layers are the given blobs: (digest seed, stored size, compression).
    fn blobs(layers: &[(u8, Option<u64>, Compression)]) -> Analysis {
        let tars = layers
            .iter()
            .map(|_| TarBuilder::new().file("f", 1))
            .collect();
        let mut a = analyze(&image_of(tars, ImageConfig::default()));
        for (l, (seed, bytes, compression)) in a.layers.iter_mut().zip(layers) {
            l.digest = Some(Digest::sha256_of(&[*seed]));
            l.blob_bytes = *bytes;
            l.compression = Some(*compression);
        }
        a
    }

    #[test]
    fn a_blob_listed_twice_is_pulled_once() {
        let a = blobs(&[
            (1, Some(100), Compression::Gzip),
            (2, Some(30), Compression::Gzip),
            (2, Some(30), Compression::Gzip),
        ]);
        let p = pull_size(&a);
        assert_eq!((p.bytes, p.blobs, p.uncompressed), (Some(130), 2, 0));
    }

    #[test]
    fn an_unknown_blob_size_makes_the_pull_size_unknown_not_smaller() {
        let a = blobs(&[
            (1, Some(100), Compression::Gzip),
            (2, None, Compression::Gzip),
        ]);
        assert_eq!(pull_size(&a).bytes, None);
    }

    #[test]
    fn uncompressed_blobs_are_counted_as_stored_and_said_to_be() {
        let a = blobs(&[
            (1, Some(5000), Compression::None),
            (2, Some(9), Compression::Zstd),
        ]);
        let p = pull_size(&a);
        assert_eq!((p.bytes, p.uncompressed), (Some(5009), 1));
    }

    #[test]
    fn download_counts_only_blobs_the_host_does_not_have() {
        let a = blobs(&[
            (1, Some(100), Compression::Gzip),
            (2, Some(30), Compression::Gzip),
        ]);
        let b = blobs(&[
            (1, Some(100), Compression::Gzip),
            (3, Some(7), Compression::Gzip),
            (3, Some(7), Compression::Gzip),
        ]);
        let d = download_size(&a, &b);
        assert_eq!((d.bytes, d.blobs), (Some(7), 1));
        assert_eq!(download_size(&b, &b).bytes, Some(0));
    }
}
