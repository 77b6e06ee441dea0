//! A cache of indexed layers keyed by digest, shared between loads that may read the same blob
//! (`plummet diff` of two images built on one base): the first load indexes the layer, the
//! other waits for it and takes a copy instead of indexing the blob again. The other's own bytes
//! are still hashed unless they come from the very same place (see [`Hit`]).

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use super::IndexedLayer;
use crate::image::Digest;

/// Indexed layers by blob digest (or diff_id when the blob digest is unknown).
///
/// Share one cache only between loads with the same [`IndexOptions`](super::IndexOptions): the
/// cached index was made with the options of whichever load read the blob first. Layers taken
/// from the cache are not counted against the second load's entry budget.
#[derive(Debug, Default)]
pub struct LayerCache {
    slots: Mutex<HashMap<Digest, Arc<Mutex<Option<Cached>>>>>,
    hits: AtomicU64,
}

#[derive(Debug)]
struct Cached {
    layer: IndexedLayer,
    origin: Option<String>,
}

/// Where a layer from [`LayerCache::get_or_index`] came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Hit {
    /// Indexed now, from the caller's own bytes.
    Miss,
    /// Indexed by another load from the very same file or URL: the bytes were checked then.
    SameOrigin,
    /// Indexed by another load from other bytes (another archive, another registry): the
    /// caller's copy of the blob has not been checked and must still be hashed, or a corrupt copy
    /// would pass for the good one.
    OtherOrigin,
}

impl LayerCache {
    /// Returns the layer cached under `key`, or runs `index` to make it. `origin` names where the
    /// caller's bytes are (a file and offset, a blob URL), `None` when unknown. A caller with the
    /// same key as one indexing waits for it (each slot is locked while its layer is read); when
    /// the first failed, the next runs its own `index`, so each reports an error naming its own
    /// layer.
    pub fn get_or_index<E>(
        &self,
        key: &Digest,
        origin: Option<&str>,
        index: impl FnOnce() -> Result<IndexedLayer, E>,
    ) -> Result<(IndexedLayer, Hit), E> {
        let slot = {
            let mut slots = self.slots.lock().unwrap_or_else(PoisonError::into_inner);
            Arc::clone(slots.entry(key.clone()).or_default())
        };
        // A worker holds at most one slot at a time and reading a layer takes no other slot, so
        // waiting here cannot deadlock.
        let mut cached = slot.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(found) = cached.as_ref() {
            self.hits.fetch_add(1, Ordering::Relaxed);
            let hit = match (found.origin.as_deref(), origin) {
                (Some(a), Some(b)) if a == b => Hit::SameOrigin,
                _ => Hit::OtherOrigin,
            };
            return Ok((found.layer.clone(), hit));
        }
        let layer = index()?;
        *cached = Some(Cached {
            layer: layer.clone(),
            origin: origin.map(str::to_owned),
        });
        Ok((layer, Hit::Miss))
    }

    /// How many layers were served from the cache instead of being read.
    pub fn hits(&self) -> u64 {
        self.hits.load(Ordering::Relaxed)
    }
}

#[cfg(test)]
mod tests {
    use std::io;

    use super::*;
    use crate::image::index::{IndexOptions, index_blob};
    use crate::layer::Budget;
    use crate::testutil::TarBuilder;

    fn layer() -> IndexedLayer {
        let tar = TarBuilder::new().file("a", 10).finish();
        index_blob(
            tar.as_slice(),
            Default::default(),
            &IndexOptions::default(),
            &Budget::default(),
            None,
        )
        .unwrap()
    }

    #[test]
    fn second_lookup_is_served_from_the_cache() {
        let cache = LayerCache::default();
        let key = Digest::sha256_of(b"layer");
        let first: Result<_, io::Error> = cache.get_or_index(&key, Some("a"), || Ok(layer()));
        assert_eq!(first.unwrap().1, Hit::Miss);
        let second: Result<_, io::Error> =
            cache.get_or_index(&key, Some("a"), || Err(io::Error::other("must not run")));
        let (layer, hit) = second.unwrap();
        assert_eq!(hit, Hit::SameOrigin);
        let third: Result<_, io::Error> =
            cache.get_or_index(&key, Some("b"), || Err(io::Error::other("must not run")));
        assert_eq!(third.unwrap().1, Hit::OtherOrigin);
        assert_eq!(layer.index.entries().len(), 1);
        assert_eq!(cache.hits(), 2);
    }

    #[test]
    fn a_failure_is_not_cached_and_each_caller_reports_its_own() {
        let cache = LayerCache::default();
        let key = Digest::sha256_of(b"layer");
        let first = cache.get_or_index(&key, None, || Err::<IndexedLayer, _>("first"));
        assert_eq!(first.unwrap_err(), "first");
        let second = cache.get_or_index(&key, None, || Err::<IndexedLayer, _>("second"));
        assert_eq!(second.unwrap_err(), "second");
        assert_eq!(cache.hits(), 0);
    }

    #[test]
    fn concurrent_callers_index_once() {
        let cache = LayerCache::default();
        let key = Digest::sha256_of(b"layer");
        let runs = AtomicU64::new(0);
        std::thread::scope(|s| {
            for _ in 0..4 {
                s.spawn(|| {
                    let r: Result<_, io::Error> = cache.get_or_index(&key, None, || {
                        runs.fetch_add(1, Ordering::Relaxed);
                        std::thread::sleep(std::time::Duration::from_millis(20));
                        Ok(layer())
                    });
                    assert!(r.is_ok());
                });
            }
        });
        assert_eq!(runs.load(Ordering::Relaxed), 1);
        assert_eq!(cache.hits(), 3);
    }

    #[test]
    fn index_layers_reads_a_shared_blob_once_across_two_loads() {
        use std::io::Read;

        use crate::image::Expected;
        use crate::image::index::{LayerJob, Progress, index_layers};

        let tar = TarBuilder::new().file("a", 10).finish();
        let digest = Digest::sha256_of(&tar);
        let cache = Arc::new(LayerCache::default());
        let options = IndexOptions {
            layer_cache: Some(Arc::clone(&cache)),
            ..IndexOptions::default()
        };
        let job = |data: Option<Vec<u8>>, origin: &str| LayerJob {
            position: 0,
            name: "layer0".into(),
            size_hint: tar.len() as u64,
            expected: Expected {
                digest: Some(digest.clone()),
                diff_id: None,
            },
            origin: Some(origin.into()),
            open: Box::new(move || match data {
                Some(d) => Ok(Box::new(io::Cursor::new(d)) as Box<dyn Read + Send>),
                None => Err(io::Error::other("the second load must not open the blob")),
            }),
        };
        let progress = Progress::default();
        progress.start_layers(vec![tar.len() as u64]);
        let a = index_layers(vec![job(Some(tar.clone()), "f")], &options, &progress).unwrap();
        let b = index_layers(vec![job(None, "f")], &options, &progress).unwrap();
        assert_eq!(a[0].index.entries().len(), b[0].index.entries().len());
        assert_eq!(cache.hits(), 1);
        assert_eq!(progress.view().read(), 2 * tar.len() as u64);

        // Another copy of the same blob is hashed: intact it passes, corrupt it is an error.
        let c = index_layers(vec![job(Some(tar.clone()), "g")], &options, &progress).unwrap();
        assert_eq!(c[0].index.entries().len(), 1);
        let mut corrupt = tar.clone();
        corrupt[600] ^= 1;
        let err = index_layers(vec![job(Some(corrupt), "h")], &options, &progress).unwrap_err();
        assert!(err.to_string().contains("digest mismatch"), "{err}");
    }
}
