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
