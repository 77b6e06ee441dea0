//! Tests that findings give right advice on the cases real images showed wrong (issue 9.5), and
//! the finding kinds real images need (issue 11.4), on images built in memory.

use super::*;
use crate::testutil::{TarBuilder, app_user, image_of};

fn base() -> TarBuilder {
    TarBuilder::new().dir("bin/").file("bin/sh", 100)
}

/// (kind, path, layer, bytes, visible) of every finding.
fn summary(image: &Image, a: &Analysis) -> Vec<(FindingKind, String, Option<usize>, u64, bool)> {
    a.findings
        .iter()
        .map(|f| {
            (
                f.kind,
                image.tree.paths.display(f.node),
                f.layer,
                f.bytes,
                f.visible,
            )
        })
        .collect()
}

#[test]
fn device_nodes_fifos_and_sticky_tmp_are_not_world_writable() {
    let image = image_of(
        vec![
            base(),
            TarBuilder::new()
                .dir("dev/")
                .special("dev/null", tar::EntryType::Char, 0o666)
                .special("dev/loop0", tar::EntryType::Block, 0o666)
                .special("run/fifo", tar::EntryType::Fifo, 0o666)
                .dir_mode("tmp/", 0o1777)
                .dir_mode("srv/drop/", 0o777)
                .file_mode("srv/open.txt", 3, 0o666),
        ],
        app_user(),
    );
    let a = analyze(&image);
    let ww: Vec<_> = a
        .findings_of(FindingKind::WorldWritable)
        .map(|f| image.tree.paths.display(f.node))
        .collect();
    assert_eq!(ww, ["/srv/open.txt", "/srv/drop"]);
    assert!(!a.findings.iter().any(|f| f.fix.contains("/dev/null")));
}

#[test]
fn mode_fix_is_in_the_creating_run_or_copy_chmod_never_a_new_run_chmod() {
    let image = image_of(
        vec![
            TarBuilder::new().file_mode("usr/bin/su", 50, 0o4755),
            TarBuilder::new()
                .file_mode("app/tool", 10, 0o4755)
                .file_mode("app/data", 1, 0o666),
        ],
        app_user(),
    );
    let a = analyze(&image);
    for f in a.findings.iter().filter(|f| f.layer == Some(1)) {
        assert!(!f.fix.contains("RUN chmod "), "{}", f.fix);
        assert!(f.fix.contains("same RUN that creates it"), "{}", f.fix);
        assert!(f.fix.contains("COPY --chmod="), "{}", f.fix);
    }
    let su = a
        .findings_of(FindingKind::Setuid)
        .find(|f| f.layer == Some(0));
    let su = su.unwrap();
    assert!(
        su.fix.starts_with("it comes from the base image"),
        "{}",
        su.fix
    );
    assert!(su.fix.contains("your first RUN"), "{}", su.fix);
}

#[test]
fn temp_and_logs_in_one_layer_name_each_directory_never_root() {
    let image = image_of(
        vec![
            base(),
            TarBuilder::new()
                .file("tmp/build/a.o", 30)
                .file("var/log/apt/term.log", 20)
                .file("app.log", 5),
        ],
        app_user(),
    );
    let a = analyze(&image);
    let got = summary(&image, &a);
    let tl: Vec<_> = got
        .iter()
        .filter(|f| f.0 == FindingKind::TempAndLogs)
        .map(|f| (f.1.as_str(), f.3))
        .collect();
    assert_eq!(
        tl,
        [("/tmp/build", 30), ("/var/log/apt", 20), ("/app.log", 5)]
    );
    assert!(
        !a.findings
            .iter()
            .any(|f| f.node == crate::tree::ROOT && f.kind != FindingKind::RunsAsRoot),
        "{got:?}"
    );
}

#[test]
fn empty_cache_after_apt_get_clean_is_not_a_finding() {
    // What `apt-get clean` leaves: the lock files and the empty partial directory.
    let image = image_of(
        vec![
            base(),
            TarBuilder::new()
                .dir("var/cache/apt/archives/partial/")
                .file("var/cache/apt/archives/lock", 0)
                .file("var/lib/apt/lists/lock", 0)
                .file_mode("app/.env", 0, 0o644),
        ],
        app_user(),
    );
    let a = analyze(&image);
    let kinds: Vec<_> = a.findings.iter().map(|f| f.kind).collect();
    // Hygiene kinds stand without bytes: an empty .env is still a secret file.
    assert_eq!(kinds, [FindingKind::Secret]);
}

#[test]
fn global_npm_is_not_the_apps_node_modules() {
    let image = image_of(
        vec![
            TarBuilder::new()
                .file("usr/local/lib/node_modules/npm/package.json", 40)
                .file("usr/local/lib/node_modules/npm/lib/npm.js", 4000)
                .file(
                    "usr/local/lib/node_modules/npm/node_modules/abbrev/index.js",
                    300,
                )
                .file("usr/local/lib/node_modules/corepack/dist/corepack.js", 900),
            TarBuilder::new()
                .file_bytes(b"app/package.json", br#"{"dependencies":{"express":"4"}}"#)
                .file("app/node_modules/express/index.js", 500),
        ],
        app_user(),
    );
    let a = analyze(&image);
    // A production-only install beside its package.json is what the app needs: no finding.
    assert_eq!(
        a.findings_of(FindingKind::NodeModules).count(),
        0,
        "{:?}",
        a.findings
    );
}

#[test]
fn dev_dependency_fix_only_when_dev_dependencies_are_installed() {
    let manifest = br#"{"dependencies":{"express":"4"},"devDependencies":{"jest":"29"}}"#;
    let prod = image_of(
        vec![
            base(),
            TarBuilder::new()
                .file_bytes(b"app/package.json", manifest)
                .file("app/node_modules/express/index.js", 500),
        ],
        app_user(),
    );
    assert_eq!(
        analyze(&prod).findings_of(FindingKind::NodeModules).count(),
        0
    );
    let dev = image_of(
        vec![
            base(),
            TarBuilder::new()
                .file_bytes(b"app/package.json", manifest)
                .file("app/node_modules/express/index.js", 500)
                .file("app/node_modules/jest/index.js", 700),
        ],
        app_user(),
    );
    let a = analyze(&dev);
    let nm: Vec<_> = a.findings_of(FindingKind::NodeModules).collect();
    assert_eq!(nm.len(), 1);
    assert!(nm[0].fix.contains("npm ci --omit=dev"), "{}", nm[0].fix);
    assert!(nm[0].reason.contains("jest"), "{}", nm[0].reason);
}

#[test]
fn docs_partly_deleted_later_are_split_into_visible_and_hidden() {
    let image = image_of(
        vec![
            base(),
            TarBuilder::new()
                .file("usr/share/doc/big/changelog.gz", 900)
                .file("usr/share/doc/small/copyright", 100),
            TarBuilder::new().whiteout("usr/share/doc/big"),
        ],
        app_user(),
    );
    let a = analyze(&image);
    let docs: Vec<_> = summary(&image, &a)
        .into_iter()
        .filter(|f| f.0 == FindingKind::Docs)
        .collect();
    assert_eq!(
        docs,
        [
            (
                FindingKind::Docs,
                "/usr/share/doc/big".into(),
                Some(1),
                900,
                false
            ),
            (
                FindingKind::Docs,
                "/usr/share/doc/small".into(),
                Some(1),
                100,
                true
            ),
        ]
    );
    let hidden = a
        .findings_of(FindingKind::Docs)
        .find(|f| !f.visible)
        .unwrap();
    assert!(
        hidden.fix.contains("layer 1 still ships it"),
        "{}",
        hidden.fix
    );
}

#[test]
fn base_layer_findings_say_they_come_from_the_base_image() {
    let image = image_of(
        vec![
            TarBuilder::new()
                .file("usr/share/doc/libc6/changelog.gz", 900)
                .file("var/lib/apt/lists/deb.debian.org_dists", 50),
            TarBuilder::new().file("usr/share/doc/app/README", 10),
        ],
        app_user(),
    );
    let a = analyze(&image);
    for f in &a.findings {
        let from_base = f.fix.starts_with("it comes from the base image");
        assert_eq!(from_base, f.layer == Some(0), "{f:?}");
    }
    assert!(a.findings.iter().any(|f| f.layer == Some(0)));
}
