//! A cache of indexed layers keyed by digest, shared between loads that may read the same blob
//! (`plummet diff` of two images built on one base): the first load indexes the layer, the
//! other waits for it and takes a copy instead of reading the blob again.

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
    slots: Mutex<HashMap<Digest, Arc<Mutex<Option<IndexedLayer>>>>>,
    hits: AtomicU64,
}

impl LayerCache {
    /// Returns the layer cached under `key` (and `true`), or runs `index` to make it (`false`). A caller with the same
    /// key as one indexing waits for it (each slot is locked while its layer is read); when the
    /// first failed, the next runs its own `index`, so each reports an error naming its own layer.
    pub fn get_or_index<E>(
        &self,
        key: &Digest,
        index: impl FnOnce() -> Result<IndexedLayer, E>,
    ) -> Result<(IndexedLayer, bool), E> {
        let slot = {
            let mut slots = self.slots.lock().unwrap_or_else(PoisonError::into_inner);
            Arc::clone(slots.entry(key.clone()).or_default())
        };
        // A worker holds at most one slot at a time and reading a layer takes no other slot, so
        // waiting here cannot deadlock.
        let mut cached = slot.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(layer) = cached.as_ref() {
            self.hits.fetch_add(1, Ordering::Relaxed);
            return Ok((layer.clone(), true));
        }
        let layer = index()?;
        *cached = Some(layer.clone());
        Ok((layer, false))
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
        let first: Result<_, io::Error> = cache.get_or_index(&key, || Ok(layer()));
        assert!(!first.unwrap().1);
        let second: Result<_, io::Error> =
            cache.get_or_index(&key, || Err(io::Error::other("must not run")));
        let (layer, hit) = second.unwrap();
        assert!(hit);
        assert_eq!(layer.index.entries().len(), 1);
        assert_eq!(cache.hits(), 1);
    }

    #[test]
    fn a_failure_is_not_cached_and_each_caller_reports_its_own() {
        let cache = LayerCache::default();
        let key = Digest::sha256_of(b"layer");
        let first = cache.get_or_index(&key, || Err::<IndexedLayer, _>("first"));
        assert_eq!(first.unwrap_err(), "first");
        let second = cache.get_or_index(&key, || Err::<IndexedLayer, _>("second"));
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
                    let r: Result<_, io::Error> = cache.get_or_index(&key, || {
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
        let job = |data: Option<Vec<u8>>| LayerJob {
            position: 0,
            name: "layer0".into(),
            size_hint: tar.len() as u64,
            expected: Expected {
                digest: Some(digest.clone()),
                diff_id: None,
            },
            open: Box::new(move || match data {
                Some(d) => Ok(Box::new(io::Cursor::new(d)) as Box<dyn Read + Send>),
                None => Err(io::Error::other("the second load must not open the blob")),
            }),
        };
        let progress = Progress::default();
        progress.start_layers(vec![tar.len() as u64]);
        let a = index_layers(vec![job(Some(tar.clone()))], &options, &progress).unwrap();
        let b = index_layers(vec![job(None)], &options, &progress).unwrap();
        assert_eq!(a[0].index.entries().len(), b[0].index.entries().len());
        assert_eq!(cache.hits(), 1);
        assert_eq!(progress.view().read(), 2 * tar.len() as u64);
    }
}
