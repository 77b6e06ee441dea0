//! Past one machine: `--shard I/N` takes a deterministic share of the image list, and `--merge`
//! combines the shards' JSON reports into the report one run over the whole list writes.

use super::{ScanImage, ScanReport, report};

/// Shard `index` (0-based) of `count`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    pub index: u32,
    pub count: u32,
}

impl Shard {
    /// Whether the image at this place of the list is this shard's. An image goes by its pinned
    /// digest when the reference has one (`...@sha256:...`), else by the reference: the same
    /// list gives every machine the same share whatever order it runs in.
    pub fn takes(&self, reference: &str) -> bool {
        let key = reference
            .rsplit_once('@')
            .map_or(reference, |(_, digest)| digest);
        xxhash_rust::xxh3::xxh3_64(key.as_bytes()) % u64::from(self.count) == u64::from(self.index)
    }
}

/// Combines shard reports: every row of every shard, the fleet figures computed again over all
/// of them. An image in two shards' reports (the same list given twice) is an error.
pub fn merge(reports: Vec<(String, ScanReport)>) -> Result<ScanReport, String> {
    let mut images: Vec<ScanImage> = Vec::new();
    for (name, r) in reports {
        if r.schema_version != crate::report::json::SCHEMA_VERSION {
            return Err(format!(
                "{name}: schema_version {} (this plummet writes {})",
                r.schema_version,
                crate::report::json::SCHEMA_VERSION
            ));
        }
        images.extend(r.images);
    }
    images.sort_by_key(|i| i.position);
    if let Some(pair) = images.windows(2).find(|w| w[0].position == w[1].position) {
        return Err(format!(
            "image {} (position {}) is in two of the reports: merge the shards of one scan, each once",
            crate::escape::text(&pair[1].reference),
            pair[1].position
        ));
    }
    Ok(report(images))
}
