//! Tests of directory changes: a directory's own mode or owner is a difference even when every
//! file below it is the same, as when `node_modules` is replaced through an opaque directory.

use super::*;
use crate::analysis::analyze;
use crate::image::{Image, IndexOptions};
use crate::testutil::{TarBuilder, app_user, image_with};

/// `plummet diff`'s index options: content fingerprints on.
fn options() -> IndexOptions {
    IndexOptions {
        content_digests: true,
        ..IndexOptions::default()
    }
}

/// The app as `COPY --chown=1000:1000 app /app` writes it.
fn app_layer() -> TarBuilder {
    TarBuilder::new()
        .dir_owned("app/", 1000, 1000)
        .file_owned("app/package.json", b"{\"name\":\"app\"}\n", 1000, 1000)
        .dir_owned("app/node_modules/", 1000, 1000)
        .dir_owned("app/node_modules/left-pad/", 1000, 1000)
        .file_owned(
            "app/node_modules/left-pad/index.js",
            b"module.exports = 1;\n",
            1000,
            1000,
        )
}

/// A: the app as copied. B: then `node_modules` moved away, recreated by root and the same
/// files copied back with their owners (`cp -a`): the layer holds an opaque directory owned by
/// root and the very same files.
pub(super) fn node_modules_pair() -> (Image, Image) {
    let a = image_with(vec![app_layer()], app_user(), &options());
    let replaced = TarBuilder::new()
        .dir("app/node_modules/")
        .opaque("app/node_modules")
        .dir_owned("app/node_modules/left-pad/", 1000, 1000)
        .file_owned(
            "app/node_modules/left-pad/index.js",
            b"module.exports = 1;\n",
            1000,
            1000,
        );
    let b = image_with(vec![app_layer(), replaced], app_user(), &options());
    (a, b)
}

fn run(a: &Image, b: &Image) -> Comparison {
    compare((a, &analyze(a)), (b, &analyze(b)))
}

#[test]
fn a_directory_owner_change_through_an_opaque_replacement_is_the_one_change() {
    let (a, b) = node_modules_pair();
    let c = run(&a, &b);
    let rows: Vec<_> = c
        .files
        .iter()
        .map(|f| (f.display(), f.change, f.aspects.names()))
        .collect();
    assert_eq!(
        rows,
        [(
            "/app/node_modules".to_string(),
            PathChange::Changed,
            vec!["owner"]
        )]
    );
    let f = &c.files[0];
    let owner = |m: Option<Meta>| m.map(|m| (m.uid, m.gid));
    assert_eq!(
        (owner(f.meta_a), owner(f.meta_b)),
        (Some((1000, 1000)), Some((0, 0)))
    );
    assert!(!c.is_empty());
    let dirs: Vec<_> = c.dir_entries().iter().map(|f| f.display()).collect();
    assert_eq!(dirs, ["/app/node_modules"]);
}

#[test]
fn an_added_empty_directory_is_listed_but_not_one_with_changed_files_below() {
    let a = image_with(vec![TarBuilder::new().dir("etc/")], app_user(), &options());
    let b = image_with(
        vec![
            TarBuilder::new()
                .dir("etc/")
                .dir("var/empty/")
                .dir("opt/")
                .file("opt/tool", 5),
        ],
        app_user(),
        &options(),
    );
    let c = run(&a, &b);
    let dirs: Vec<_> = c
        .dir_entries()
        .iter()
        .map(|f| (f.display(), f.change))
        .collect();
    assert_eq!(
        dirs,
        [
            ("/var".to_string(), PathChange::Added),
            ("/var/empty".to_string(), PathChange::Added)
        ]
    );
}

#[test]
fn text_markdown_and_json_show_the_directory_owner_change() {
    let (a, b) = node_modules_pair();
    let (aa, ab) = (analyze(&a), analyze(&b));
    let c = compare((&a, &aa), (&b, &ab));
    let style = crate::report::text::Style { color: false };
    let text = text::render(&aa, &ab, &c, &[], 10, style);
    assert!(!text.contains("identical"), "{text}");
    assert!(
        text.contains(
            "Directory changes (1)\n  changed  /app/node_modules  (owner 1000:1000 -> 0:0)\n"
        ),
        "{text}"
    );
    let md = markdown::render(&aa, &ab, &c, &[], 10);
    assert!(
        md.contains("| changed | `/app/node_modules` | owner 1000:1000 -> 0:0 |"),
        "{md}"
    );
    let v: serde_json::Value = serde_json::from_str(&json::to_string(&json::report(
        (&a, &aa),
        (&b, &ab),
        &c,
        &[],
        100,
    )))
    .unwrap();
    assert_eq!(
        v["dir_entries"],
        serde_json::json!([{
            "path": "/app/node_modules",
            "change": "changed",
            "aspects": ["owner"],
            "mode_a": 0o755,
            "mode_b": 0o755,
            "uid_a": 1000,
            "uid_b": 0,
            "gid_a": 1000,
            "gid_b": 0,
        }])
    );
    // `files[]` keeps its contract: no directories.
    assert_eq!(v["files"], serde_json::json!([]));
}

#[test]
fn file_type_bits_in_the_mode_field_are_no_mode_change() {
    // Docker writes a directory's mode as 0o41777, `docker import`ed rootfs tars as 0o1777.
    let a = image_with(
        vec![TarBuilder::new().dir_mode("tmp/", 0o1777)],
        app_user(),
        &options(),
    );
    let b = image_with(
        vec![TarBuilder::new().dir_mode("tmp/", 0o41777)],
        app_user(),
        &options(),
    );
    assert!(run(&a, &b).files.is_empty());
    let c = image_with(
        vec![TarBuilder::new().dir_mode("tmp/", 0o40700)],
        app_user(),
        &options(),
    );
    let changed = run(&a, &c);
    assert_eq!(changed.files[0].aspects.names(), ["mode"]);
    let f = &changed.files[0];
    assert_eq!(text::dir_entry_change(f), "mode 1777 -> 700");
}
