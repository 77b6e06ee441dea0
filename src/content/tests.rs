//! Reading a file as of a layer from in-memory blobs: plain, gzip and zstd; whiteouts, opaque
//! directories, symlinks, hardlinks; and each kind of bad input.

use super::*;
use crate::testutil::{TarBuilder, gzip, image_of_blobs, zstd};

fn cat(image: &Image, layer: Option<usize>, path: &str) -> Result<Vec<u8>, ContentError> {
    let mut spool = Spool::unbounded();
    read_file(
        image,
        layer,
        path.as_bytes(),
        &mut spool,
        ReadOptions::default(),
    )?;
    let mut out = Vec::new();
    spool.copy_to(&mut out).unwrap();
    Ok(out)
}

fn three_layers(compress: fn(&[u8]) -> Vec<u8>) -> Image {
    image_of_blobs(vec![
        compress(
            &TarBuilder::new()
                .dir("etc")
                .file_owned("etc/app.conf", b"v1\n", 0, 0)
                .file_owned("etc/gone", b"bye\n", 0, 0)
                .file_owned("var/cache/x", b"cached\n", 0, 0)
                .finish(),
        ),
        compress(
            &TarBuilder::new()
                .file_owned("etc/app.conf", b"v2\n", 0, 0)
                .whiteout("etc/gone")
                .opaque("var/cache")
                .symlink("etc/link", "app.conf")
                .symlink("conf", "/etc")
                .hardlink("etc/hard", "etc/app.conf")
                .finish(),
        ),
        compress(
            &TarBuilder::new()
                .file_owned("etc/app.conf", b"first\n", 0, 0)
                .file_owned("etc/app.conf", b"v3 wins\n", 0, 0)
                .finish(),
        ),
    ])
}

#[test]
fn reads_each_version_as_of_its_layer_from_plain_gzip_and_zstd_blobs() {
    let plain: fn(&[u8]) -> Vec<u8> = <[u8]>::to_vec;
    for compress in [plain, gzip, zstd] {
        let image = three_layers(compress);
        assert_eq!(cat(&image, Some(0), "/etc/app.conf").unwrap(), b"v1\n");
        assert_eq!(cat(&image, Some(1), "etc/app.conf").unwrap(), b"v2\n");
        // The later of two members with one path is the file.
        assert_eq!(cat(&image, None, "/etc/app.conf").unwrap(), b"v3 wins\n");
        assert_eq!(cat(&image, Some(0), "/var/cache/x").unwrap(), b"cached\n");
    }
}

#[test]
fn follows_symlinks_and_hardlinks() {
    let image = three_layers(gzip);
    assert_eq!(cat(&image, Some(1), "/etc/link").unwrap(), b"v2\n");
    assert_eq!(cat(&image, Some(1), "/conf/app.conf").unwrap(), b"v2\n");
    // A hardlink shares the bytes of the member it names, as of its own layer.
    assert_eq!(cat(&image, Some(2), "/etc/hard").unwrap(), b"v2\n");
}

#[test]
fn a_missing_path_names_the_nearest_existing_parent() {
    let image = three_layers(gzip);
    let err = cat(&image, Some(1), "/etc/gone").unwrap_err().to_string();
    assert_eq!(
        err,
        "/etc/gone: no such file or directory as of layer 1; the nearest existing parent is /etc"
    );
    let err = cat(&image, Some(1), "/var/cache/x")
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("nearest existing parent is /var/cache"),
        "{err}"
    );
    let err = cat(&image, None, "/no/such/dir").unwrap_err().to_string();
    assert!(
        err.contains("nearest existing parent is /\n") || err.ends_with("parent is /"),
        "{err}"
    );
    let err = cat(&image, None, "/etc/app.conf/x")
        .unwrap_err()
        .to_string();
    assert!(err.ends_with("/etc/app.conf (not a directory)"), "{err}");
}

#[test]
fn a_directory_says_to_use_extract_and_a_bad_layer_says_how_many_there_are() {
    let image = three_layers(gzip);
    let err = cat(&image, None, "/etc").unwrap_err().to_string();
    assert_eq!(
        err,
        "/etc is a directory: use `plummet extract IMAGE /etc -o DIR` for its files"
    );
    let err = cat(&image, Some(7), "/etc/app.conf")
        .unwrap_err()
        .to_string();
    assert_eq!(err, "--layer 7: the image has 3 layers (0 to 2)");
}

#[test]
fn dangling_symlinks_and_loops_are_named() {
    let image = image_of_blobs(vec![
        TarBuilder::new()
            .symlink("a", "missing/file")
            .symlink("b", "c")
            .symlink("c", "b")
            .finish(),
    ]);
    let err = cat(&image, None, "/a").unwrap_err().to_string();
    assert_eq!(
        err,
        "/a is a symlink to /missing/file, which does not exist as of layer 0"
    );
    let err = cat(&image, None, "/b").unwrap_err().to_string();
    assert_eq!(err, "/b: too many levels of symbolic links");
}

#[test]
fn paths_from_the_image_are_escaped_in_errors() {
    let image = image_of_blobs(vec![TarBuilder::new().dir("d\x1b[2J").finish()]);
    let err = cat(&image, None, "/d\x1b[2J").unwrap_err().to_string();
    assert!(!err.contains('\x1b'), "{err}");
    assert!(err.contains("/d\\x1b[2J is a directory"), "{err}");
}

#[test]
fn a_blob_that_fails_its_digest_is_an_error_and_nothing_is_kept() {
    let good = TarBuilder::new()
        .file_owned("f", b"content\n", 0, 0)
        .file_owned("g", &[b'x'; 10_000], 0, 0)
        .finish();
    let mut image = image_of_blobs(vec![gzip(&good)]);
    // The same layer, recompressed differently: its bytes no longer match the digest.
    let mut other = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    std::io::Write::write_all(&mut other, &good).unwrap();
    image.reopen = Some(std::sync::Arc::new(crate::testutil::MemoryBlobs(vec![
        other.finish().unwrap(),
    ])));
    let mut spool = Spool::unbounded();
    let err = read_file(&image, None, b"f", &mut spool, ReadOptions::default())
        .unwrap_err()
        .to_string();
    assert!(
        err.starts_with("failed to read layer 0 (sha256:") && err.contains("blob digest mismatch"),
        "{err}"
    );
    // Without verification the early stop reads the member only.
    let options = ReadOptions {
        verify: false,
        ..ReadOptions::default()
    };
    let mut spool = Spool::unbounded();
    read_file(&image, None, b"f", &mut spool, options).unwrap();
    assert_eq!(spool.bytes(), Some(&b"content\n"[..]));
}

#[test]
fn an_image_without_blobs_says_contents_are_unavailable() {
    let mut image = three_layers(gzip);
    image.reopen = None;
    let err = cat(&image, None, "/etc/app.conf").unwrap_err().to_string();
    assert_eq!(err, "file contents are not available for images from test");
}
