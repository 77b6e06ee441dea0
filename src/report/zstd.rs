//! The `--estimate-zstd` figures in the reports: per layer and for the image, the pull size zstd
//! levels 3 and 19 would give and the time decompressing it took, beside the blob as stored.

use std::collections::HashSet;
use std::fmt::Write as _;
use std::time::Duration;

use serde::Serialize;

use super::format::{percent, size};
use crate::analysis::Analysis;
use crate::image::Image;
use crate::image::recompress::ZstdEstimate;

/// One level over the whole image.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageLevel {
    pub level: i32,
    /// The distinct layers' recompressed sizes: the pull this level would give.
    pub pull_bytes: u64,
    /// Time to decompress all of them one after another.
    pub decompress: Duration,
}

/// The estimate of an image: each layer's, and the image's per level.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Summary<'a> {
    pub layers: Vec<(usize, &'a ZstdEstimate)>,
    pub image: Vec<ImageLevel>,
}

/// The image's estimate; `None` unless `--estimate-zstd` gave every layer one. A layer that
/// appears twice (the same diff_id) is pulled once, so it counts once in the image's figures.
pub fn summary(image: &Image) -> Option<Summary<'_>> {
    let layers: Vec<(usize, &ZstdEstimate)> = image
        .blobs
        .iter()
        .enumerate()
        .map(|(i, b)| b.zstd.as_ref().map(|z| (i, z)))
        .collect::<Option<_>>()?;
    if layers.is_empty() {
        return None;
    }
    let mut seen = HashSet::new();
    let mut totals: Vec<ImageLevel> = Vec::new();
    for (i, z) in &layers {
        let key = image.blobs[*i]
            .diff_id
            .clone()
            .or_else(|| image.meta.layers.get(*i).and_then(|m| m.diff_id.clone()));
        if let Some(key) = key {
            if !seen.insert(key) {
                continue;
            }
        }
        for l in &z.levels {
            match totals.iter_mut().find(|t| t.level == l.level) {
                Some(t) => {
                    t.pull_bytes += l.compressed_bytes;
                    t.decompress += l.decompress;
                }
                None => totals.push(ImageLevel {
                    level: l.level,
                    pull_bytes: l.compressed_bytes,
                    decompress: l.decompress,
                }),
            }
        }
    }
    Some(Summary {
        layers,
        image: totals,
    })
}

pub fn millis(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

/// `12.3 MB (−40.1 %)` against the current pull size, when it is known.
fn against(bytes: u64, now: Option<u64>) -> String {
    match now {
        Some(now) if now > 0 => {
            let change = bytes as f64 / now as f64 - 1.0;
            format!(
                "{} ({}{})",
                size(bytes),
                if change >= 0.0 { "+" } else { "" },
                percent(change)
            )
        }
        _ => size(bytes),
    }
}

/// The text report's section; empty without estimates.
pub fn text(image: &Image, a: &Analysis, out: &mut String) {
    let Some(s) = summary(image) else { return };
    let now = crate::analysis::pull_size(a).bytes;
    // Writing to a String cannot fail; the results are ignored for that reason.
    let _ = writeln!(
        out,
        "\nzstd estimate (each layer recompressed here; decompression timed on this machine)"
    );
    for t in &s.image {
        let _ = writeln!(
            out,
            "  zstd -{:<2}  pull {}, decompress {}",
            t.level,
            against(t.pull_bytes, now),
            millis(t.decompress)
        );
    }
    let _ = writeln!(
        out,
        "  {:>3}  {:>13}  {}",
        "#",
        "blob now",
        levels_header(&s, 24)
    );
    for (i, z) in &s.layers {
        let blob = a.layers.get(*i).map_or("–".into(), super::format::blob);
        let cells: Vec<String> = z
            .levels
            .iter()
            .map(|l| {
                format!(
                    "{:>24}",
                    format!("{} / {}", size(l.compressed_bytes), millis(l.decompress))
                )
            })
            .collect();
        let _ = writeln!(out, "  {i:>3}  {blob:>13}  {}", cells.join("  "));
    }
}

fn levels_header(s: &Summary<'_>, width: usize) -> String {
    let levels: Vec<i32> = s.image.iter().map(|t| t.level).collect();
    levels
        .iter()
        .map(|l| format!("{:>width$}", format!("zstd -{l} / decompress")))
        .collect::<Vec<_>>()
        .join("  ")
}

/// The Markdown report's section; empty without estimates.
pub fn markdown(image: &Image, a: &Analysis, out: &mut String) {
    let Some(s) = summary(image) else { return };
    let now = crate::analysis::pull_size(a).bytes;
    let _ = writeln!(
        out,
        "\n### zstd estimate\n\n| | pull size | decompress |\n|---|---:|---:|"
    );
    if let Some(now) = now {
        let _ = writeln!(out, "| as stored | {} | |", size(now));
    }
    for t in &s.image {
        let _ = writeln!(
            out,
            "| zstd -{} | {} | {} |",
            t.level,
            against(t.pull_bytes, now),
            millis(t.decompress)
        );
    }
    let header: Vec<String> = s
        .image
        .iter()
        .map(|t| format!("zstd -{} | decompress", t.level))
        .collect();
    let _ = writeln!(
        out,
        "\n<details><summary>Per layer</summary>\n\n| # | blob now | {} |\n|---:|---:|{}",
        header.join(" | "),
        "---:|---:|".repeat(s.image.len())
    );
    for (i, z) in &s.layers {
        let blob = a.layers.get(*i).map_or("–".into(), super::format::blob);
        let cells: Vec<String> = z
            .levels
            .iter()
            .map(|l| format!("{} | {}", size(l.compressed_bytes), millis(l.decompress)))
            .collect();
        let _ = writeln!(out, "| {i} | {blob} | {} |", cells.join(" | "));
    }
    let _ = writeln!(out, "\n</details>");
}

/// A layer's estimate for a tooltip: `, zstd -3 1.2 MB, -19 1.0 MB`; empty without one.
pub fn html_note(image: &Image, layer: usize) -> String {
    let Some(z) = image.blobs.get(layer).and_then(|b| b.zstd.as_ref()) else {
        return String::new();
    };
    z.levels
        .iter()
        .map(|l| format!(", zstd -{} {}", l.level, size(l.compressed_bytes)))
        .collect()
}

/// Per level, A's and B's pull sizes and B's decompression time; `None` unless both have estimates.
pub fn pairs(
    a: (&Image, &Analysis),
    b: (&Image, &Analysis),
) -> Option<Vec<(ImageLevel, ImageLevel)>> {
    let (sa, sb) = (summary(a.0)?, summary(b.0)?);
    Some(sa.image.into_iter().zip(sb.image).collect())
}

/// `zstd_estimate` in the JSON report.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct JsonZstd {
    /// Per level, for the image: the pull size and the decompression time of its distinct layers.
    pub image: Vec<JsonZstdLevel>,
    pub layers: Vec<JsonZstdLayer>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct JsonZstdLevel {
    pub level: i32,
    /// Bytes of the recompressed layer (a layer's row) or of the image's distinct layers.
    pub bytes: u64,
    pub decompress_seconds: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct JsonZstdLayer {
    pub index: usize,
    /// Bytes of the uncompressed tar that was recompressed.
    pub uncompressed_bytes: u64,
    pub levels: Vec<JsonZstdLevel>,
}

/// The JSON object; `None` without estimates (the key is then left out).
pub fn json(image: &Image) -> Option<JsonZstd> {
    let s = summary(image)?;
    Some(JsonZstd {
        image: s
            .image
            .iter()
            .map(|t| JsonZstdLevel {
                level: t.level,
                bytes: t.pull_bytes,
                decompress_seconds: t.decompress.as_secs_f64(),
            })
            .collect(),
        layers: s
            .layers
            .iter()
            .map(|(i, z)| JsonZstdLayer {
                index: *i,
                uncompressed_bytes: z.uncompressed_bytes,
                levels: z
                    .levels
                    .iter()
                    .map(|l| JsonZstdLevel {
                        level: l.level,
                        bytes: l.compressed_bytes,
                        decompress_seconds: l.decompress.as_secs_f64(),
                    })
                    .collect(),
            })
            .collect(),
    })
}
