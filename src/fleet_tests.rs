//! Tests of the fleet report: sharing, the order of rows, and shard + merge.
use super::shard::{Shard, merge};
use super::*;

fn layer(digest: &str, blob: u64) -> ImageLayer {
    ImageLayer {
        digest: digest.into(),
        diff_id: None,
        blob_bytes: blob,
        size_bytes: blob * 3,
    }
}

fn row(position: usize, reference: &str, layers: Vec<ImageLayer>, failed: bool) -> ScanImage {
    ScanImage {
        position,
        reference: reference.into(),
        digest: None,
        error: None,
        size_bytes: layers.iter().map(|l| l.size_bytes).sum(),
        efficiency: 0.75,
        wasted_bytes: 10,
        reclaimable_bytes: 5,
        findings: [("cache".to_string(), 2)].into_iter().collect(),
        rules: if failed { "failed" } else { "passed" }.into(),
        failed_rules: if failed {
            vec!["lowestEfficiency".into()]
        } else {
            Vec::new()
        },
        layers,
    }
}

fn fleet() -> Vec<ScanImage> {
    vec![
        row(0, "app:1", vec![layer("base", 100), layer("a1", 30)], false),
        row(1, "app:2", vec![layer("base", 100), layer("a2", 50)], true),
        row(2, "tool:1", vec![layer("other", 70), layer("t1", 5)], false),
        ScanImage::unreadable(3, "gone:1", "registry said no".into()),
    ]
}

#[test]
fn shared_bytes_count_each_shared_layer_once() {
    let r = report(fleet());
    assert_eq!(r.shared_bytes, 100);
    assert_eq!(r.unshared_bytes, 30 + 50 + 70 + 5);
    let base = r.layers.iter().find(|l| l.digest == "base").unwrap();
    assert_eq!(base.images, ["app:1", "app:2"]);
    let unshared: Vec<_> = r.unshared(2).map(|l| l.digest.as_str()).collect();
    assert_eq!(unshared, ["other", "a2"]);
    assert_eq!(
        (r.failed_images, r.unreadable_images, r.passed),
        (1, 1, false)
    );
}

#[test]
fn the_report_depends_only_on_the_rows_not_their_order() {
    let mut reversed = fleet();
    reversed.reverse();
    assert_eq!(report(fleet()), report(reversed));
}

#[test]
fn shards_partition_the_list_and_merge_into_the_single_report() {
    let count = 3;
    let shards: Vec<(String, ScanReport)> = (0..count)
        .map(|index| {
            let shard = Shard { index, count };
            let rows = fleet()
                .into_iter()
                .filter(|r| shard.takes(&r.reference))
                .collect();
            (format!("shard{index}"), report(rows))
        })
        .collect();
    let total: usize = shards.iter().map(|(_, r)| r.images.len()).sum();
    assert_eq!(total, fleet().len(), "each image in exactly one shard");
    // Through JSON, as the shards hand their reports over.
    let shards = shards
        .into_iter()
        .map(|(n, r)| {
            let text = serde_json::to_string(&r).unwrap();
            (n, serde_json::from_str(&text).unwrap())
        })
        .collect();
    assert_eq!(merge(shards).unwrap(), report(fleet()));
}

#[test]
fn merging_one_shard_twice_is_an_error() {
    let r = report(fleet());
    let err = merge(vec![("a".into(), r.clone()), ("b".into(), r)]).unwrap_err();
    assert!(err.contains("in two of the reports"), "{err}");
}

#[test]
fn reports_escape_image_strings() {
    let mut rows = fleet();
    rows[0].reference = "evil\u{1b}[2Jname".into();
    let r = report(rows);
    let text = render::text(&r, 5);
    assert!(!text.contains('\u{1b}'), "{text}");
    assert!(text.contains("FAIL (lowestEfficiency)"), "{text}");
    assert!(text.contains("ERROR: registry said no"), "{text}");
    let md = render::markdown(&r, 5);
    assert!(!md.contains('\u{1b}'), "{md}");
    assert!(md.contains("| `app:2` |"), "{md}");
}
