//! The base image boundary: which of an image's layers come from the image it was built `FROM`,
//! so reports can show "base" and "your layers" apart.

use crate::image::{Digest, Image, ImageMeta};

/// The annotations an OCI image may carry to name its base (image-spec annotations.md).
pub const BASE_NAME: &str = "org.opencontainers.image.base.name";
pub const BASE_DIGEST: &str = "org.opencontainers.image.base.digest";

/// How the boundary was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Detection {
    /// `--base REF`: the longest prefix of layers whose diff_ids are the base's.
    Flag,
    /// The image's base annotations name the base; they do not say how many layers it has, so
    /// the boundary itself stays dive's layer 0.
    Annotation,
    /// Nothing names the base: dive's rule, layer 0 is the base.
    Unknown,
}

impl Detection {
    pub fn name(self) -> &'static str {
        match self {
            Detection::Flag => "flag",
            Detection::Annotation => "annotation",
            Detection::Unknown => "unknown",
        }
    }
}

/// What is known of the base image.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Base {
    pub reference: Option<String>,
    pub digest: Option<String>,
    /// Layers of the image that are the base's; `None` when the boundary is unknown (then layer
    /// 0 alone is treated as the base, as dive does).
    pub layer_count: Option<usize>,
    pub detected_by: Detection,
}

impl Base {
    /// From the image's own annotations, when it has them.
    pub fn from_annotations(meta: &ImageMeta) -> Base {
        let reference = meta.annotations.get(BASE_NAME).cloned();
        let digest = meta.annotations.get(BASE_DIGEST).cloned();
        let detected_by = if reference.is_some() || digest.is_some() {
            Detection::Annotation
        } else {
            Detection::Unknown
        };
        Base {
            reference,
            digest,
            layer_count: None,
            detected_by,
        }
    }

    /// How many layers count as the base: the known boundary, else dive's layer 0.
    pub fn layers(&self, total: usize) -> usize {
        self.layer_count.unwrap_or(1).min(total)
    }
}

/// The diff_ids of an image's layers, in order (`None` where a source did not know one).
pub fn diff_ids(image: &Image) -> Vec<Option<Digest>> {
    (0..image.tree.layers.len())
        .map(|i| {
            image
                .meta
                .layers
                .get(i)
                .and_then(|m| m.diff_id.clone())
                .or_else(|| image.blobs.get(i).and_then(|b| b.diff_id.clone()))
        })
        .collect()
}

/// The boundary given by a base image named on the command line: the longest prefix of the
/// image's layers equal to the base's (a base rebuilt since may share only its first layers).
/// An error when not even the first layer matches.
pub fn from_image(image: &Image, reference: &str, base: &Image) -> Result<Base, String> {
    let ours = diff_ids(image);
    let theirs = diff_ids(base);
    let count = ours
        .iter()
        .zip(&theirs)
        .take_while(|(a, b)| a.is_some() && a == b)
        .count();
    if count == 0 {
        let first = |ids: &[Option<Digest>]| {
            ids.first()
                .cloned()
                .flatten()
                .map_or_else(|| "unknown".to_string(), |d| d.to_string())
        };
        return Err(format!(
            "--base {reference}: not a base of this image: its first layer is {}, the image's is {}",
            first(&theirs),
            first(&ours)
        ));
    }
    Ok(Base {
        reference: Some(reference.to_string()),
        digest: base.meta.digest.as_ref().map(ToString::to_string),
        layer_count: Some(count),
        detected_by: Detection::Flag,
    })
}
