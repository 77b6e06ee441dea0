//! Tests of `build_tools` counted by package (issue 11.1): whole toolchain packages from the
//! package databases, what only they pulled in, packaging tools, and npm dev dependencies'
//! own dependencies.

use super::*;
use crate::testutil::{TarBuilder, app_user, image_of};

/// A dpkg status stanza with its dependencies.
fn stanza(name: &str, depends: &str) -> String {
    format!(
        "Package: {name}\nStatus: install ok installed\nArchitecture: amd64\nVersion: 1\nDepends: {depends}\n\n"
    )
}

/// A layer that installs `packages` (name, depends, one file each of `size` bytes at `path`)
/// on top of the `before` stanzas.
fn dpkg_layer(before: &str, packages: &[(&str, &str, &str, usize)]) -> (TarBuilder, String) {
    let mut status = before.to_string();
    let mut layer = TarBuilder::new();
    for (name, depends, path, size) in packages {
        status.push_str(&stanza(name, depends));
        layer = layer
            .file_bytes(
                format!("var/lib/dpkg/info/{name}.list").as_bytes(),
                format!("/.\n/usr\n/{path}\n").as_bytes(),
            )
            .file(path, *size);
    }
    (
        layer.file_bytes(b"var/lib/dpkg/status", status.as_bytes()),
        status,
    )
}

fn build_tools(a: &Analysis) -> Vec<&Finding> {
    a.findings_of(FindingKind::BuildTools).collect()
}

#[test]
fn toolchain_packages_count_whole_with_what_only_they_need() {
    let (base, status) = dpkg_layer(
        "",
        &[
            ("libc6", "", "usr/lib/libc.so.6", 1000),
            ("libgmp10", "libc6", "usr/lib/libgmp.so.10", 500),
            ("coreutils", "libc6, libgmp10", "usr/bin/ls", 300),
            ("libgcc-s1", "libc6", "usr/lib/libgcc_s.so.1", 90),
        ],
    );
    let (tools, _) = dpkg_layer(
        &status,
        &[
            (
                "gcc-12",
                "cpp-12 (= 1), libgcc-12-dev, binutils, libmpc3, libgmp10",
                "usr/bin/gcc-12",
                4000,
            ),
            (
                "cpp-12",
                "libmpc3, libisl23",
                "usr/lib/gcc/x86_64-linux-gnu/12/cc1",
                30000,
            ),
            (
                "libgcc-12-dev",
                "libasan8, libgcc-s1",
                "usr/lib/gcc/x86_64-linux-gnu/12/libgcc.a",
                2000,
            ),
            ("libasan8", "libc6", "usr/lib/libasan.so.8", 1500),
            ("binutils", "libc6", "usr/bin/ld.bfd", 700),
            ("libmpc3", "libgmp10", "usr/lib/libmpc.so.3", 100),
            ("libisl23", "libgmp10", "usr/lib/libisl.so.23", 200),
            ("libc6-dev", "libc6", "usr/include/stdio.h", 50),
            // make is a toolchain package, but dkms (not one) needs it: purging make would
            // break dkms, so it is not counted.
            ("make", "libc6", "usr/bin/make", 250),
            ("dkms", "make | build-essential", "usr/sbin/dkms", 10),
        ],
    );
    let image = image_of(vec![base, tools.file("usr/include/mine.h", 8)], app_user());
    let a = analyze(&image);
    let found = build_tools(&a);
    let by_package: Vec<_> = found
        .iter()
        .filter(|f| f.reason.contains("deb package"))
        .collect();
    assert_eq!(by_package.len(), 1, "{found:#?}");
    let f = by_package[0];
    assert_eq!(f.layer, Some(1));
    assert_eq!(f.bytes, 4000 + 30000 + 2000 + 1500 + 700 + 100 + 200 + 50);
    assert_eq!(f.files, 8);
    assert!(
        f.reason.contains(
            "8 deb packages only to build: cpp-12, gcc-12, libgcc-12-dev, libasan8, binutils"
        ),
        "{}",
        f.reason
    );
    assert!(
        !f.reason.contains("make") && !f.reason.contains("libgmp10"),
        "{}",
        f.reason
    );
    // gcc-12 and libc6-dev are what the user installed by name; apt takes the rest along.
    assert!(
        f.fix
            .contains("apt-get purge -y --auto-remove gcc-12 libc6-dev`"),
        "{}",
        f.fix
    );
    assert!(
        f.fix.contains("a purge in a later RUN ships them anyway"),
        "{}",
        f.fix
    );
    // The header no package owns is still found by its path; the owned ones are not counted
    // again, nor is libgcc.a as a static library.
    let by_path: Vec<_> = found
        .iter()
        .filter(|f| !f.reason.contains("deb package"))
        .collect();
    assert_eq!(by_path.len(), 1, "{found:#?}");
    assert_eq!(image.tree.paths.display(by_path[0].node), "/usr/include");
    assert_eq!(by_path[0].bytes, 8);
    assert_eq!(a.findings_of(FindingKind::StaticLibraries).count(), 0);
}

#[test]
fn toolchain_in_the_base_says_it_comes_from_the_base() {
    let (base, _) = dpkg_layer(
        "",
        &[
            ("libc6", "", "usr/lib/libc.so.6", 1000),
            ("gcc-12", "libc6", "usr/bin/gcc-12", 4000),
        ],
    );
    let image = image_of(
        vec![base, TarBuilder::new().file("app/main", 5)],
        app_user(),
    );
    let a = analyze(&image);
    let found = build_tools(&a);
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(found[0].bytes, 4000);
    assert!(
        found[0].fix.starts_with("it comes from the base image"),
        "{}",
        found[0].fix
    );
}

#[test]
fn a_toolchain_removed_later_is_hidden_waste_by_path() {
    let (base, status) = dpkg_layer("", &[("libc6", "", "usr/lib/libc.so.6", 1000)]);
    let (tools, _) = dpkg_layer(&status, &[("gcc-12", "libc6", "usr/bin/gcc-12", 4000)]);
    let purge = TarBuilder::new()
        .file_bytes(b"var/lib/dpkg/status", status.as_bytes())
        .whiteout("var/lib/dpkg/info/gcc-12.list")
        .whiteout("usr/bin/gcc-12");
    let a = analyze(&image_of(vec![base, tools, purge], app_user()));
    let found = build_tools(&a);
    assert_eq!(found.len(), 1, "{found:#?}");
    assert!(!found[0].visible);
    assert!(found[0].fix.contains("in the same RUN"), "{}", found[0].fix);
}

fn dist_info(
    site: &str,
    name: &str,
    requires: &[&str],
    size: usize,
    layer: TarBuilder,
) -> TarBuilder {
    let dir = format!("{site}/{name}-1.0.dist-info");
    let metadata: String = requires
        .iter()
        .map(|r| format!("Requires-Dist: {r}\n"))
        .collect();
    layer
        .file_bytes(
            format!("{dir}/METADATA").as_bytes(),
            format!("Metadata-Version: 2.1\nName: {name}\nVersion: 1.0\n{metadata}\nbody\n")
                .as_bytes(),
        )
        .file_bytes(
            format!("{dir}/RECORD").as_bytes(),
            format!("{name}/__init__.py,,\n").as_bytes(),
        )
        .file(&format!("{site}/{name}/__init__.py"), size)
}

#[test]
fn poetry_left_in_the_image_is_a_build_tool_but_what_the_app_may_use_is_not() {
    let site = "usr/local/lib/python3.12/site-packages";
    let mut layer = TarBuilder::new();
    layer = dist_info(
        site,
        "poetry",
        &["cleo (>=2.1)", "requests", "pysocks ; extra == \"socks\""],
        3000,
        layer,
    );
    layer = dist_info(site, "cleo", &["crashtest"], 400, layer);
    layer = dist_info(site, "crashtest", &[], 40, layer);
    layer = dist_info(site, "requests", &[], 900, layer);
    let a = analyze(&image_of(
        vec![TarBuilder::new().file("bin/sh", 1), layer],
        app_user(),
    ));
    let found = build_tools(&a);
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(found[0].bytes, 3000 + 400 + 40);
    assert!(
        found[0]
            .reason
            .contains("3 python packages only to build: poetry, cleo, crashtest"),
        "{}",
        found[0].reason
    );
    assert!(found[0].fix.contains("poetry export"), "{}", found[0].fix);
}

fn npm_package(layer: TarBuilder, dir: &str, name: &str, deps: &[&str], size: usize) -> TarBuilder {
    let deps: Vec<String> = deps.iter().map(|d| format!("\"{d}\":\"*\"")).collect();
    layer
        .file_bytes(
            format!("{dir}/package.json").as_bytes(),
            format!(
                "{{\"name\":\"{name}\",\"version\":\"1.0.0\",\"dependencies\":{{{}}}}}",
                deps.join(",")
            )
            .as_bytes(),
        )
        .file(&format!("{dir}/index.js"), size)
}

#[test]
fn node_gyp_and_what_only_it_needs_are_build_tools_and_dev_dependencies_count_their_own() {
    let nm = "app/node_modules";
    let mut layer = TarBuilder::new().file_bytes(
        b"app/package.json",
        br#"{"dependencies":{"bcrypt":"5","semver":"7"},"devDependencies":{"jest":"29"}}"#,
    );
    layer = npm_package(
        layer,
        &format!("{nm}/bcrypt"),
        "bcrypt",
        &["node-addon-api"],
        100,
    );
    layer = npm_package(
        layer,
        &format!("{nm}/node-addon-api"),
        "node-addon-api",
        &[],
        10,
    );
    layer = npm_package(
        layer,
        &format!("{nm}/node-gyp"),
        "node-gyp",
        &["semver", "make-fetch-happen"],
        2000,
    );
    layer = npm_package(
        layer,
        &format!("{nm}/make-fetch-happen"),
        "make-fetch-happen",
        &[],
        500,
    );
    layer = npm_package(layer, &format!("{nm}/semver"), "semver", &[], 60);
    layer = npm_package(
        layer,
        &format!("{nm}/jest"),
        "jest",
        &["jest-cli", "semver"],
        300,
    );
    layer = npm_package(
        layer,
        &format!("{nm}/jest-cli"),
        "jest-cli",
        &["yargs"],
        3000,
    );
    layer = npm_package(layer, &format!("{nm}/yargs"), "yargs", &[], 700);
    // npm's own node-gyp is npm's, not the app's.
    layer = npm_package(
        layer,
        "usr/local/lib/node_modules/npm/node_modules/node-gyp",
        "node-gyp",
        &[],
        999,
    );
    let a = analyze(&image_of(
        vec![TarBuilder::new().file("bin/sh", 1), layer],
        app_user(),
    ));
    let found = build_tools(&a);
    assert_eq!(found.len(), 1, "{found:#?}");
    let manifest = |name: &str, deps: &[&str]| {
        let deps: Vec<String> = deps.iter().map(|d| format!("\"{d}\":\"*\"")).collect();
        format!(
            "{{\"name\":\"{name}\",\"version\":\"1.0.0\",\"dependencies\":{{{}}}}}",
            deps.join(",")
        )
        .len() as u64
    };
    // semver is the app's own dependency: not counted.
    assert_eq!(
        found[0].bytes,
        2000 + manifest("node-gyp", &["semver", "make-fetch-happen"])
            + 500
            + manifest("make-fetch-happen", &[])
    );
    let modules = a.findings_of(FindingKind::NodeModules).next().unwrap();
    assert!(
        modules.reason.contains("1 dev dependencies installed")
            && modules
                .reason
                .contains("; with 2 more packages only they need ("),
        "{}",
        modules.reason
    );
    let only = 3000 + manifest("jest-cli", &["yargs"]) + 700 + manifest("yargs", &[]);
    assert!(
        modules.reason.contains(&format!("({only} bytes)")),
        "{}",
        modules.reason
    );
}
