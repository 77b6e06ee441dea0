//! Tests of parallel layer indexing: compressions, digests, limits and errors.
use super::*;
use crate::image::Digest;
use crate::testutil::{TarBuilder, gzip, zstd};

fn job(position: usize, data: Vec<u8>, expected: Expected) -> LayerJob<'static> {
    LayerJob {
        position,
        name: format!("layer{position}"),
        size_hint: data.len() as u64,
        expected,
        origin: None,
        open: Box::new(move || Ok(Box::new(io::Cursor::new(data)) as Box<dyn Read + Send>)),
    }
}

#[test]
fn indexes_plain_gzip_and_zstd_layers_in_image_order() {
    let tar = TarBuilder::new().file("a", 10).finish();
    let diff_id = Digest::sha256_of(&tar);
    let gz = gzip(&tar);
    let zs = zstd(&tar);
    let jobs = vec![
        job(
            0,
            tar.clone(),
            Expected {
                digest: Some(diff_id.clone()),
                diff_id: Some(diff_id.clone()),
            },
        ),
        job(
            1,
            gz.clone(),
            Expected {
                digest: Some(Digest::sha256_of(&gz)),
                diff_id: Some(diff_id.clone()),
            },
        ),
        job(
            2,
            zs.clone(),
            Expected {
                digest: Some(Digest::sha256_of(&zs)),
                diff_id: Some(diff_id.clone()),
            },
        ),
    ];
    let layers = index_layers(jobs, &IndexOptions::default(), &Progress::default()).unwrap();
    let kinds: Vec<_> = layers.iter().map(|l| l.blob.compression).collect();
    use crate::image::Compression::*;
    assert_eq!(kinds, [None, Gzip, Zstd]);
    assert!(
        layers
            .iter()
            .all(|l| l.blob.diff_id.as_ref() == Some(&diff_id))
    );
}

#[test]
fn digest_mismatch_names_the_layer() {
    let tar = TarBuilder::new().file("a", 10).finish();
    let wrong = Digest::sha256_of(b"other");
    let jobs = vec![job(
        0,
        gzip(&tar),
        Expected {
            digest: Some(wrong),
            diff_id: None,
        },
    )];
    let err = index_layers(jobs, &IndexOptions::default(), &Progress::default()).unwrap_err();
    let text = err.to_string();
    assert!(
        text.contains("layer 0 (layer0)") && text.contains("digest mismatch"),
        "{text}"
    );
}

#[test]
fn diff_id_mismatch_is_reported_and_no_verify_skips_it() {
    let tar = TarBuilder::new().file("a", 10).finish();
    let wrong = Digest::sha256_of(b"other");
    let expected = Expected {
        digest: None,
        diff_id: Some(wrong),
    };
    let err = index_layers(
        vec![job(0, gzip(&tar), expected.clone())],
        &IndexOptions::default(),
        &Progress::default(),
    )
    .unwrap_err();
    assert!(err.to_string().contains("diff_id mismatch"), "{err}");
    let options = IndexOptions {
        verify: false,
        ..IndexOptions::default()
    };
    assert!(
        index_layers(
            vec![job(0, gzip(&tar), expected)],
            &options,
            &Progress::default()
        )
        .is_ok()
    );
}

#[test]
fn corrupt_gzip_is_reported() {
    let tar = TarBuilder::new().file("a", 5000).finish();
    let mut gz = gzip(&tar);
    let mid = gz.len() / 2;
    for b in &mut gz[mid..mid + 8] {
        *b ^= 0x5a;
    }
    let err = index_layers(
        vec![job(0, gz, Expected::default())],
        &IndexOptions::default(),
        &Progress::default(),
    )
    .unwrap_err();
    assert!(err.to_string().contains("layer 0"), "{err}");
}

#[test]
fn truncated_zstd_is_reported() {
    let tar = TarBuilder::new().file("a", 5000).finish();
    let mut zs = zstd(&tar);
    zs.truncate(zs.len() / 2);
    assert!(
        index_layers(
            vec![job(0, zs, Expected::default())],
            &IndexOptions::default(),
            &Progress::default()
        )
        .is_err()
    );
}

#[test]
fn decompression_bomb_stops_at_the_limit() {
    let tar = TarBuilder::new().file("zeros", 1 << 20).finish();
    let options = IndexOptions {
        max_layer_bytes: 64 * 1024,
        ..IndexOptions::default()
    };
    let err = index_layers(
        vec![job(0, gzip(&tar), Expected::default())],
        &options,
        &Progress::default(),
    )
    .unwrap_err();
    assert!(err.to_string().contains("limit"), "{err}");
}

#[test]
fn xz_is_rejected_by_name() {
    let err = index_layers(
        vec![job(0, b"\xfd7zXZ\0rest".to_vec(), Expected::default())],
        &IndexOptions::default(),
        &Progress::default(),
    )
    .unwrap_err();
    assert!(err.to_string().contains("xz"), "{err}");
}
