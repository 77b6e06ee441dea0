//! Tests of the finding kinds real images needed (issue 11.4): locales, test suites inside
//! installed packages, static libraries, downloaded archives and language caches.

use super::*;
use crate::image::ImageConfig;
use crate::testutil::{TarBuilder, image_of};

fn found(layer: TarBuilder, workdir: &str) -> Vec<(&'static str, String, u64)> {
    let config = ImageConfig {
        user: "app".into(),
        working_dir: workdir.into(),
        ..Default::default()
    };
    let image = image_of(vec![TarBuilder::new().file("bin/sh", 10), layer], config);
    let a = analyze(&image);
    a.findings
        .iter()
        .map(|f| (f.kind.name(), image.tree.paths.display(f.node), f.bytes))
        .collect()
}

#[test]
fn locales_tests_static_libraries_and_archives_are_found() {
    let got = found(
        TarBuilder::new()
            .file("usr/share/locale/de/LC_MESSAGES/coreutils.mo", 300)
            .file("usr/share/locale/fr/LC_MESSAGES/coreutils.mo", 200)
            .file("usr/share/i18n/locales/de_DE", 100)
            .file(
                "usr/local/lib/python3.12/site-packages/numpy/tests/test_a.py",
                70,
            )
            .file("usr/local/lib/python3.12/site-packages/numpy/core.py", 900)
            .file("usr/lib/x86_64-linux-gnu/libssl.a", 5000)
            .file("tmp/node-v20.tar.gz", 4000)
            .file("root/get-pip.zip", 600)
            .file("srv/app/release.tgz", 800)
            .file("srv/app/main.py", 10)
            .file("opt/data/model.zip", 999),
        "/srv/app",
    );
    let expect = [
        (
            "static_libraries",
            "/usr/lib/x86_64-linux-gnu/libssl.a",
            5000,
        ),
        (
            "test_files",
            "/usr/local/lib/python3.12/site-packages/numpy/tests",
            70,
        ),
        // Both locale trees of one layer, under their common directory.
        ("locales", "/usr/share", 600),
        ("downloaded_archives", "/tmp/node-v20.tar.gz", 4000),
        ("downloaded_archives", "/srv/app/release.tgz", 800),
        ("downloaded_archives", "/root/get-pip.zip", 600),
    ];
    for e in expect {
        assert!(
            got.contains(&(e.0, e.1.to_string(), e.2)),
            "missing {e:?} in {got:#?}"
        );
    }
    // A zip the app reads at run time, outside download places, is not flagged.
    assert!(
        !got.iter().any(|f| f.1 == "/opt/data/model.zip"),
        "{got:#?}"
    );
    // The archive in /tmp is not counted twice.
    assert!(!got.iter().any(|f| f.0 == "temp_and_logs"), "{got:#?}");
}

#[test]
fn test_suites_inside_node_modules_are_their_own_finding() {
    let got = found(
        TarBuilder::new()
            .file("app/node_modules/lodash/lodash.js", 900)
            .file("app/node_modules/lodash/test/test.js", 90)
            .file("app/node_modules/x/__tests__/a.js", 9),
        "/app",
    );
    let kinds: Vec<_> = got.iter().map(|f| (f.0, f.1.as_str(), f.2)).collect();
    assert!(
        kinds.contains(&("test_files", "/app/node_modules", 99)),
        "{kinds:#?}"
    );
    assert!(
        kinds.contains(&("node_modules", "/app/node_modules", 900)),
        "{kinds:#?}"
    );
}

#[test]
fn language_caches_are_package_caches() {
    let got = found(
        TarBuilder::new()
            .file("root/.cargo/registry/cache/x.crate", 100)
            .file("usr/local/cargo/registry/index/y", 110)
            .file("root/.m2/repository/a.jar", 120)
            .file("home/dev/.gradle/caches/b.jar", 130)
            .file("go/pkg/mod/cache/z", 140)
            .file("root/go/pkg/mod/w", 150)
            .file("root/.yarn/berry/cache/c.zip", 160)
            .file("opt/conda/pkgs/numpy.tar.bz2", 170),
        "/app",
    );
    for (path, bytes) in [
        ("/root/.cargo/registry", 100),
        ("/usr/local/cargo/registry", 110),
        ("/root/.m2", 120),
        ("/home/dev/.gradle", 130),
        ("/go/pkg/mod", 140),
        ("/root/go/pkg/mod", 150),
        ("/root/.yarn", 160),
        ("/opt/conda/pkgs", 170),
    ] {
        assert!(
            got.contains(&("package_cache", path.to_string(), bytes)),
            "missing {path} in {got:#?}"
        );
    }
}

fn locale_findings(env: &[&str]) -> Vec<(String, u64, String)> {
    let config = ImageConfig {
        user: "app".into(),
        env: env.iter().map(|e| e.to_string()).collect(),
        ..Default::default()
    };
    let layer = TarBuilder::new()
        .file("usr/lib/locale/C.utf8/LC_CTYPE", 300)
        .file("usr/lib/locale/de_DE.utf8/LC_CTYPE", 200)
        .file("usr/lib/locale/fr_FR.utf8/LC_CTYPE", 100)
        .file("usr/lib/locale/locale-archive", 3000)
        .file("srv/x", 1);
    let image = image_of(vec![TarBuilder::new().file("bin/sh", 10), layer], config);
    let a = analyze(&image);
    a.findings_of(FindingKind::Locales)
        .map(|f| (image.tree.paths.display(f.node), f.bytes, f.reason.clone()))
        .collect()
}

#[test]
fn compiled_locales_beyond_the_one_in_use_are_found() {
    // LANG selects de_DE.UTF-8 (glibc's directory is de_DE.utf8): it, C.utf8 and the archive
    // that may hold it stay; fr_FR is trimmable.
    let found = locale_findings(&["PATH=/bin", "LANG=de_DE.UTF-8"]);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(
        (found[0].0.as_str(), found[0].1),
        ("/usr/lib/locale/fr_FR.utf8", 100)
    );
    assert!(
        found[0]
            .2
            .contains("in use: de_DE.UTF-8 (kept, with C.UTF-8)"),
        "{}",
        found[0].2
    );
    // Nothing set: only C.UTF-8 is used, so the archive and every compiled locale go.
    let found = locale_findings(&[]);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!((found[0].0.as_str(), found[0].1), ("/usr/lib/locale", 3300));
    assert!(found[0].2.contains("C.UTF-8 is kept"), "{}", found[0].2);
    // LC_ALL=C.UTF-8 is the same as nothing.
    assert_eq!(locale_findings(&["LC_ALL=C.UTF-8"])[0].1, 3300);
}

#[test]
fn translations_of_the_language_in_use_are_kept() {
    let config = ImageConfig {
        user: "app".into(),
        env: vec!["LANG=pt_BR.UTF-8".into()],
        ..Default::default()
    };
    let layer = TarBuilder::new()
        .file("usr/share/locale/pt_BR/LC_MESSAGES/coreutils.mo", 300)
        .file("usr/share/locale/pt/LC_MESSAGES/coreutils.mo", 200)
        .file("usr/share/locale/fr/LC_MESSAGES/coreutils.mo", 100)
        .file("usr/share/locale/locale.alias", 50);
    let image = image_of(vec![TarBuilder::new().file("bin/sh", 10), layer], config);
    let a = analyze(&image);
    let found: Vec<_> = a
        .findings_of(FindingKind::Locales)
        .map(|f| (image.tree.paths.display(f.node), f.bytes))
        .collect();
    assert_eq!(
        found,
        [("/usr/share/locale/fr/LC_MESSAGES".to_string(), 100)]
    );
}
