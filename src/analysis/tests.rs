//! Tests of the analysis, one rule each, on images built in memory.

use super::*;
use crate::testutil::{TarBuilder, app_user, image_of};

fn run(layers: Vec<TarBuilder>) -> Analysis {
    analyze(&image_of(layers, app_user()))
}

fn path(a: &Analysis, image: &Image, f: &Finding) -> String {
    let _ = a;
    image.tree.paths.display(f.node)
}

#[test]
fn overwrite_counts_both_touches_as_waste() {
    let a = run(vec![
        TarBuilder::new().file("f", 100),
        TarBuilder::new().file("f", 30),
    ]);
    assert_eq!(a.size_bytes, 130);
    assert_eq!(a.user_size_bytes, 30);
    assert_eq!(a.wasted_bytes, 130);
    assert_eq!(a.efficiency, 30.0 / 130.0);
    assert_eq!(a.reclaimable_bytes, 100);
    assert_eq!(a.user_wasted_ratio, 130.0 / 30.0);
    assert_eq!(a.layers[0].changes.reclaimable_bytes, 100);
    assert_eq!(a.layers[1].changes.modified, 1);
    assert_eq!(a.wasted[0].touches, 2);
}

#[test]
fn file_whiteout_wastes_the_deleted_file() {
    let a = run(vec![
        TarBuilder::new().file("a", 10).file("b", 5),
        TarBuilder::new().whiteout("a"),
    ]);
    assert_eq!(a.wasted_bytes, 10);
    assert_eq!(a.efficiency, 5.0 / 15.0);
    assert_eq!(a.reclaimable_bytes, 10);
    assert_eq!(a.layers[1].changes.removed, 1);
    assert_eq!(a.layers[1].changes.removed_bytes, 10);
}

#[test]
fn directory_whiteout_wastes_every_file_below() {
    let a = run(vec![
        TarBuilder::new()
            .dir("d/")
            .file("d/x", 7)
            .dir("d/s/")
            .file("d/s/y", 3),
        TarBuilder::new().whiteout("d"),
    ]);
    assert_eq!(a.wasted_bytes, 10);
    assert_eq!(a.efficiency, 0.0);
    assert_eq!(a.reclaimable_bytes, 10);
}

#[test]
fn opaque_directory_wastes_lower_contents() {
    let a = run(vec![
        TarBuilder::new().dir("d/").file("d/x", 7),
        TarBuilder::new().dir("d/").opaque("d").file("d/z", 2),
    ]);
    assert_eq!(a.wasted_bytes, 7);
    assert_eq!(a.reclaimable_bytes, 7);
    assert_eq!(a.final_size_bytes, 2);
}

#[test]
fn untouched_image_is_fully_efficient() {
    let a = run(vec![TarBuilder::new().dir("d/").file("d/x", 7)]);
    assert_eq!(a.efficiency, 1.0);
    assert_eq!(a.wasted_bytes, 0);
    assert_eq!(a.user_wasted_ratio, 0.0);
    let empty = run(vec![TarBuilder::new()]);
    assert_eq!(empty.efficiency, 1.0);
}

#[test]
fn git_directory_is_found_with_its_bytes() {
    let image = image_of(
        vec![
            TarBuilder::new()
                .dir("app/")
                .dir("app/.git/")
                .file("app/.git/HEAD", 20)
                .file("app/.git/objects/ab", 80),
        ],
        app_user(),
    );
    let a = analyze(&image);
    let git: Vec<_> = a.findings_of(FindingKind::Git).collect();
    assert_eq!(git.len(), 1);
    assert_eq!(path(&a, &image, git[0]), "/app/.git");
    assert_eq!(git[0].bytes, 100);
    assert!(git[0].visible);
    assert!(git[0].fix.contains(".dockerignore"));
}

#[test]
fn secret_deleted_later_is_still_reported() {
    let image = image_of(
        vec![
            TarBuilder::new().file("bin/sh", 10),
            TarBuilder::new()
                .dir("root/.ssh/")
                .file("root/.ssh/id_rsa", 400),
            TarBuilder::new().whiteout("root/.ssh/id_rsa"),
        ],
        app_user(),
    );
    let a = analyze(&image);
    let s: Vec<_> = a.findings_of(FindingKind::Secret).collect();
    assert_eq!(s.len(), 1);
    assert_eq!(s[0].layer, Some(1));
    assert!(!s[0].visible);
    assert!(s[0].fix.contains("layer 1 still ships it"), "{}", s[0].fix);
}

#[test]
fn pem_private_key_is_a_secret_but_certificate_is_not() {
    let image = image_of(
        vec![
            TarBuilder::new()
                .file_bytes(
                    b"app/server.key",
                    b"-----BEGIN PRIVATE KEY-----\nabc\n-----END PRIVATE KEY-----\n",
                )
                .file_bytes(b"app/ca.pem", b"-----BEGIN CERTIFICATE-----\nabc\n"),
        ],
        app_user(),
    );
    let a = analyze(&image);
    let s: Vec<_> = a
        .findings_of(FindingKind::Secret)
        .map(|f| path(&a, &image, f))
        .collect();
    assert_eq!(s, ["/app/server.key"]);
}

#[test]
fn node_modules_dev_dependencies_are_named() {
    let image = image_of(
        vec![
            TarBuilder::new()
                .file_bytes(b"app/package.json", br#"{"dependencies":{"express":"1"},"devDependencies":{"jest":"29","typescript":"5"}}"#)
                .file("app/node_modules/express/index.js", 10)
                .file("app/node_modules/jest/index.js", 300)
                .file("app/node_modules/typescript/lib.js", 700),
        ],
        app_user(),
    );
    let a = analyze(&image);
    let nm: Vec<_> = a.findings_of(FindingKind::NodeModules).collect();
    assert_eq!(nm.len(), 1);
    assert_eq!(nm[0].bytes, 1010);
    assert!(
        nm[0]
            .reason
            .contains("2 dev dependencies installed (1000 bytes): jest, typescript"),
        "{}",
        nm[0].reason
    );
    assert!(nm[0].fix.contains("npm ci --omit=dev"));
}

#[test]
fn caches_lists_bytecode_and_tools_are_categorised() {
    let image = image_of(
        vec![
            TarBuilder::new()
                .file("var/lib/apt/lists/deb.debian.org_dists", 50)
                .file("var/cache/apt/archives/gcc.deb", 60)
                .file("root/.cache/pip/http/x", 70)
                .file("usr/lib/python3/x/__pycache__/a.cpython-311.pyc", 5)
                .file("usr/lib/python3/y/b.pyc", 6)
                .file("usr/bin/gcc-12", 90)
                .file("usr/include/stdio.h", 4)
                .file("usr/share/doc/pkg/README", 3)
                .file("var/log/dpkg.log", 2)
                .file("usr/bin/ls", 1),
        ],
        app_user(),
    );
    let a = analyze(&image);
    let got: Vec<(String, String, u64)> = a
        .findings
        .iter()
        .map(|f| (f.kind.name().to_string(), path(&a, &image, f), f.bytes))
        .collect();
    let expect = |k: &str, p: &str, b: u64| {
        assert!(
            got.contains(&(k.to_string(), p.to_string(), b)),
            "missing {k} {p} {b} in {got:?}"
        );
    };
    expect("apt_lists", "/var/lib/apt/lists", 50);
    expect("package_cache", "/var/cache/apt/archives", 60);
    expect("package_cache", "/root/.cache/pip", 70);
    expect("python_bytecode", "/usr/lib/python3", 11);
    expect("docs", "/usr/share/doc/pkg", 3);
    expect("temp_and_logs", "/var/log", 2);
    expect("build_tools", "/usr", 94);
    assert!(!got.iter().any(|(_, p, _)| p == "/usr/bin/ls"));
}

#[test]
fn hygiene_setuid_world_writable_and_root_user() {
    let image = image_of(
        vec![
            TarBuilder::new()
                .file_mode("usr/bin/passwd", 10, 0o4755)
                .file_mode("app/open", 1, 0o666)
                .dir("tmp/"),
        ],
        ImageConfig::default(),
    );
    let a = analyze(&image);
    assert!(a.runs_as_root);
    let kinds: Vec<_> = a
        .findings
        .iter()
        .map(|f| (f.kind, path(&a, &image, f)))
        .collect();
    assert!(kinds.contains(&(FindingKind::Setuid, "/usr/bin/passwd".into())));
    assert!(kinds.contains(&(FindingKind::WorldWritable, "/app/open".into())));
    assert!(kinds.iter().any(|(k, _)| *k == FindingKind::RunsAsRoot));
}

#[test]
fn history_lists_empty_layers() {
    let config = ImageConfig {
        user: "app".into(),
        history: vec![
            crate::image::History {
                created_by: "/bin/sh -c #(nop) ADD file:x in /".into(),
                ..Default::default()
            },
            crate::image::History {
                created_by: "/bin/sh -c #(nop)  ENV A=1".into(),
                empty_layer: true,
                ..Default::default()
            },
            crate::image::History {
                created_by: "/bin/sh -c make".into(),
                ..Default::default()
            },
        ],
        ..Default::default()
    };
    let a = analyze(&image_of(
        vec![
            TarBuilder::new().file("a", 1),
            TarBuilder::new().file("b", 1),
        ],
        config,
    ));
    let rows: Vec<_> = a
        .history
        .iter()
        .map(|h| (h.command.as_str(), h.layer))
        .collect();
    assert_eq!(
        rows,
        [
            ("ADD file:x in /", Some(0)),
            ("ENV A=1", None),
            ("RUN make", Some(1))
        ]
    );
    assert_eq!(a.layers[1].command, "RUN make");
}

#[test]
fn duplicate_entry_in_one_layer_is_one_touch_but_reclaimable() {
    // dive touches a path once per layer (its last entry); the hidden first copy still ships.
    let a = run(vec![
        TarBuilder::new().file("f", 100).file("f", 40),
        TarBuilder::new().file("g", 1),
    ]);
    assert_eq!(a.size_bytes, 141);
    assert_eq!(a.wasted_bytes, 0);
    assert_eq!(a.efficiency, 1.0);
    assert_eq!(a.reclaimable_bytes, 100);
    assert_eq!(a.layers[0].changes.added, 1);
}

mod advice;
mod copies;
mod kinds;
mod secrets;
mod toolchain;
