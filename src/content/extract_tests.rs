use std::os::unix::fs::PermissionsExt;

use super::*;
use crate::testutil::{TarBuilder, gzip, image_of_blobs};

fn image() -> Image {
    image_of_blobs(vec![
        gzip(
            &TarBuilder::new()
                .dir_mode("app", 0o2775)
                .file_mode("app/run", 4, 0o4755)
                .file_owned("app/conf", b"key=1\n", 0, 0)
                .symlink("app/link", "/etc/shadow")
                .symlink("app/up", "../..")
                .hardlink("app/conf2", "app/conf")
                .special("app/null", tar::EntryType::Char, 0o666)
                .finish(),
        ),
        gzip(
            &TarBuilder::new()
                .file_owned("app/conf", b"key=2\n", 0, 0)
                .finish(),
        ),
    ])
}

#[test]
fn writes_files_dirs_and_symlinks_without_special_bits_or_devices() {
    let image = image();
    let out = tempfile::tempdir().unwrap();
    let summary = extract(
        &image,
        1,
        &[b"/app".to_vec()],
        out.path(),
        ExtractOptions::default(),
    )
    .unwrap();
    assert_eq!((summary.files, summary.dirs, summary.symlinks), (3, 1, 2));
    assert_eq!(summary.skipped.len(), 1, "{:?}", summary.skipped);
    let app = out.path().join("app");
    assert_eq!(std::fs::read(app.join("conf")).unwrap(), b"key=2\n");
    // The hardlink keeps the bytes of its layer's member.
    assert_eq!(std::fs::read(app.join("conf2")).unwrap(), b"key=1\n");
    let mode = std::fs::metadata(app.join("run"))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o7777, 0o755, "setuid dropped");
    let mode = std::fs::metadata(&app).unwrap().permissions().mode();
    assert_eq!(mode & 0o7777, 0o775, "setgid dropped");
    assert_eq!(
        std::fs::read_link(app.join("link")).unwrap(),
        std::path::Path::new("/etc/shadow")
    );
    assert!(!app.join("null").exists());
    assert!(
        std::fs::read_dir(&app).unwrap().all(|e| !e
            .unwrap()
            .file_name()
            .to_string_lossy()
            .contains("partial"))
    );
}

#[test]
fn refuses_to_write_through_a_symlink_and_does_not_overwrite() {
    let image = image();
    let out = tempfile::tempdir().unwrap();
    let outside = tempfile::tempdir().unwrap();
    // A symlink already in DIR where the image has a directory.
    std::os::unix::fs::symlink(outside.path(), out.path().join("app")).unwrap();
    let err = extract(
        &image,
        1,
        &[b"/app/conf".to_vec()],
        out.path(),
        ExtractOptions::default(),
    )
    .unwrap_err()
    .to_string();
    assert!(
        err.starts_with("refusing to write /app/conf under "),
        "{err}"
    );
    assert!(err.contains("could lead outside it"), "{err}");
    assert_eq!(std::fs::read_dir(outside.path()).unwrap().count(), 0);

    let out = tempfile::tempdir().unwrap();
    extract(
        &image,
        1,
        &[b"/app/conf".to_vec()],
        out.path(),
        ExtractOptions::default(),
    )
    .unwrap();
    let err = extract(
        &image,
        1,
        &[b"/app/conf".to_vec()],
        out.path(),
        ExtractOptions::default(),
    )
    .unwrap_err()
    .to_string();
    assert!(err.contains("already there"), "{err}");
}

#[test]
fn a_file_below_an_extracted_symlink_is_refused() {
    // Layer 0 makes `d` a symlink out of DIR; asking for it and, through a second request at a
    // layer where `d` is a directory, a file below it must not write outside.
    let image = image_of_blobs(vec![
        TarBuilder::new().symlink("d", "/tmp").finish(),
        TarBuilder::new()
            .whiteout("d")
            .file_owned("d/x", b"x", 0, 0)
            .finish(),
    ]);
    let out = tempfile::tempdir().unwrap();
    extract(
        &image,
        0,
        &[b"/d".to_vec()],
        out.path(),
        ExtractOptions::default(),
    )
    .unwrap();
    let err = extract(
        &image,
        1,
        &[b"/d/x".to_vec()],
        out.path(),
        ExtractOptions::default(),
    )
    .unwrap_err()
    .to_string();
    assert!(err.contains("refusing to write /d/x"), "{err}");
}

#[test]
fn a_missing_path_is_an_error_before_anything_is_written() {
    let image = image();
    let out = tempfile::tempdir().unwrap();
    let err = extract(
        &image,
        0,
        &[b"/app/nope".to_vec()],
        out.path(),
        ExtractOptions::default(),
    )
    .unwrap_err()
    .to_string();
    assert!(err.contains("nearest existing parent is /app"), "{err}");
    assert_eq!(std::fs::read_dir(out.path()).unwrap().count(), 0);
}
