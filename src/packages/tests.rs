//! Tests of the package database parsers and of the as-of-each-layer history, on layers built
//! in memory (the real-tool tests are in tests/packages.rs).

use super::*;
use crate::testutil::{TarBuilder, app_user, image_of};

fn inventory(layers: Vec<TarBuilder>) -> Inventory {
    find(&image_of(layers, app_user()).tree)
}

fn row<'a>(inv: &'a Inventory, name: &str, layer: usize) -> &'a Package {
    let row = inv.list.iter().find(|p| p.name == name && p.layer == layer);
    assert!(row.is_some(), "no {name} in layer {layer}: {:#?}", inv.list);
    row.unwrap()
}

const STATUS_A: &str = "Package: hello\nStatus: install ok installed\nArchitecture: amd64\nVersion: 1.0\nDescription: x\n continued\n\nPackage: gone\nStatus: deinstall ok config-files\nVersion: 2\n\n";

#[test]
fn dpkg_status_keeps_installed_packages_only() {
    let s = dpkg::parse_status(STATUS_A.as_bytes());
    assert_eq!(s.len(), 1);
    assert_eq!(s[0].name, "hello");
    assert_eq!(s[0].version, "1.0");
    assert_eq!(s[0].architecture, "amd64");
}

#[test]
fn dpkg_list_and_md5sums_give_absolute_paths() {
    assert_eq!(
        dpkg::parse_list(b"/.\n/usr\n/usr/bin/hello\n"),
        [b"/".to_vec(), b"/usr".to_vec(), b"/usr/bin/hello".to_vec()]
    );
    assert_eq!(
        dpkg::parse_md5sums(b"d41d8cd98f00b204e9800998ecf8427e  usr/bin/hello\n"),
        [b"/usr/bin/hello".to_vec()]
    );
}

#[test]
fn apk_installed_joins_files_to_their_folder() {
    let db = b"C:Q1abc=\nP:musl\nV:1.2.4-r2\nA:x86_64\nF:lib\nR:ld-musl-x86_64.so.1\nR:libc.musl-x86_64.so.1\nF:usr/bin\nR:ldd\n\nP:busybox\nV:1.36.1-r5\nF:bin\nR:busybox\n";
    let r = apk::parse_installed(db);
    assert_eq!(r.len(), 2);
    assert_eq!(r[0].name, "musl");
    assert_eq!(r[0].version, "1.2.4-r2");
    assert_eq!(r[0].files[0], b"/lib/ld-musl-x86_64.so.1");
    assert_eq!(r[0].files[2], b"/usr/bin/ldd");
    assert_eq!(r[1].files, [b"/bin/busybox".to_vec()]);
}

#[test]
fn python_record_handles_quoted_paths() {
    let record = b"six.py,sha256=abc,1000\n\"we,ird.py\",sha256=x,1\n\"q\"\"uote.py\",,\nsix-1.16.0.dist-info/RECORD,,\r\n";
    assert_eq!(
        python::parse_record(record),
        [
            b"six.py".to_vec(),
            b"we,ird.py".to_vec(),
            b"q\"uote.py".to_vec(),
            b"six-1.16.0.dist-info/RECORD".to_vec()
        ]
    );
}

#[test]
fn python_names_come_from_metadata_or_the_folder() {
    assert_eq!(
        python::parse_metadata(
            b"Metadata-Version: 2.1\nName: PyYAML\nVersion: 6.0.1\n\nName: body\n"
        ),
        (Some("PyYAML".into()), Some("6.0.1".into()))
    );
    assert_eq!(
        python::parse_dir_name(b"typing_extensions-4.9.0.dist-info"),
        ("typing_extensions".into(), "4.9.0".into())
    );
    assert_eq!(
        python::parse_dir_name(b"Foo-1.0-py3.11.egg-info"),
        ("Foo".into(), "1.0".into())
    );
    assert_eq!(python::normalize("Py_YAML.x"), "py-yaml-x");
}

#[test]
fn database_files_are_recognised_by_path() {
    let cases: &[(&[u8], Option<DbFile>)] = &[
        (b"var/lib/dpkg/status", Some(DbFile::DpkgStatus)),
        (b"var/lib/dpkg/status-old", None),
        (
            b"var/lib/dpkg/info/libc6:amd64.list",
            Some(DbFile::DpkgList),
        ),
        (b"var/lib/dpkg/info/libc6.md5sums", None),
        (b"var/lib/dpkg/status.d/libc6", Some(DbFile::DpkgStatusD)),
        (
            b"var/lib/dpkg/status.d/libc6.md5sums",
            Some(DbFile::DpkgStatusDMd5sums),
        ),
        (b"lib/apk/db/installed", Some(DbFile::ApkInstalled)),
        (
            b"usr/lib/python3/dist-packages/six-1.16.0.dist-info/RECORD",
            Some(DbFile::PythonRecord),
        ),
        (
            b"app/deps/six-1.16.0.dist-info/METADATA",
            Some(DbFile::PythonMetadata),
        ),
        (b"x/six.egg-info/PKG-INFO", Some(DbFile::EggPkgInfo)),
        (
            b"app/node_modules/left-pad/package.json",
            Some(DbFile::NpmManifest),
        ),
        (
            b"app/node_modules/@scope/pkg/package.json",
            Some(DbFile::NpmManifest),
        ),
        (b"app/node_modules/@scope/package.json", None),
        (
            b"app/node_modules/a/node_modules/b/package.json",
            Some(DbFile::NpmManifest),
        ),
        (b"app/node_modules/a/lib/package.json", None),
        (b"app/package.json", None),
    ];
    for (path, want) in cases {
        assert_eq!(
            database_file(path),
            *want,
            "{}",
            String::from_utf8_lossy(path)
        );
    }
}

fn status(packages: &[(&str, &str)]) -> Vec<u8> {
    packages
        .iter()
        .map(|(n, v)| {
            format!(
                "Package: {n}\nStatus: install ok installed\nArchitecture: amd64\nVersion: {v}\n\n"
            )
        })
        .collect::<String>()
        .into_bytes()
}

#[test]
fn dpkg_history_finds_install_upgrade_and_removal_layers() {
    let base = TarBuilder::new()
        .file_bytes(
            b"var/lib/dpkg/status",
            &status(&[("libc6", "2.36"), ("tool", "1")]),
        )
        .file_bytes(
            b"var/lib/dpkg/info/libc6:amd64.list",
            b"/.\n/lib\n/lib/libc.so.6\n",
        )
        .file_bytes(
            b"var/lib/dpkg/info/tool.list",
            b"/usr/bin/tool\n/usr/share/tool/data\n",
        )
        .file("usr/lib/libc.so.6", 1000)
        .symlink("lib", "usr/lib")
        .file("usr/bin/tool", 300)
        .file("usr/share/tool/data", 20);
    let upgrade = TarBuilder::new()
        .file_bytes(
            b"var/lib/dpkg/status",
            &status(&[("libc6", "2.36"), ("tool", "2")]),
        )
        .file_bytes(b"var/lib/dpkg/info/tool.list", b"/usr/bin/tool\n")
        .file("usr/bin/tool", 400)
        .whiteout("usr/share/tool");
    let remove = TarBuilder::new()
        .file_bytes(b"var/lib/dpkg/status", &status(&[("libc6", "2.36")]))
        .whiteout("var/lib/dpkg/info/tool.list")
        .whiteout("usr/bin/tool");
    let inv = inventory(vec![base, upgrade, remove]);
    let libc = row(&inv, "libc6", 0);
    // Listed as /lib/libc.so.6; shipped at /usr/lib through the /lib symlink.
    assert_eq!((libc.bytes, libc.files, libc.visible), (1000, 1, true));
    assert_eq!(libc.change, Change::Installed);
    let tool = row(&inv, "tool", 0);
    assert_eq!((tool.bytes, tool.files, tool.visible), (320, 2, false));
    let up = row(&inv, "tool", 1);
    assert_eq!(up.change, Change::Upgraded);
    assert_eq!(up.previous_version.as_deref(), Some("1"));
    assert_eq!((up.bytes, up.files, up.visible), (400, 1, false));
    let gone = row(&inv, "tool", 2);
    assert_eq!(
        (gone.change, gone.bytes, gone.visible),
        (Change::Removed, 0, false)
    );
    assert_eq!(inv.list.len(), 4);
}

#[test]
fn npm_packages_own_their_files_but_not_nested_packages() {
    let layer = TarBuilder::new()
        .file_bytes(
            b"app/node_modules/a/package.json",
            br#"{"name":"a","version":"1.0.0"}"#,
        )
        .file("app/node_modules/a/index.js", 100)
        .file_bytes(
            b"app/node_modules/a/node_modules/b/package.json",
            br#"{"name":"b","version":"2.0.0"}"#,
        )
        .file("app/node_modules/a/node_modules/b/index.js", 50)
        .file("app/node_modules/a/node_modules/.bin/x", 7)
        .file_bytes(
            b"app/node_modules/@s/c/package.json",
            br#"{"name":"@s/c","version":"3.0.0"}"#,
        )
        .file("app/node_modules/.package-lock.json", 9);
    let inv = inventory(vec![TarBuilder::new().file("bin/sh", 1), layer]);
    let a = row(&inv, "a", 1);
    let a_json = br#"{"name":"a","version":"1.0.0"}"#.len() as u64;
    assert_eq!((a.bytes, a.files), (100 + a_json, 2));
    assert_eq!(a.location, "/app/node_modules/a");
    let b = row(&inv, "b", 1);
    assert_eq!(b.files, 2);
    assert_eq!(b.location, "/app/node_modules/a/node_modules/b");
    assert_eq!(row(&inv, "@s/c", 1).version, "3.0.0");
    assert_eq!(inv.list.len(), 3);
}

#[test]
fn python_record_paths_are_relative_to_site_packages() {
    let record = b"six.py,sha256=x,500\nsix-1.16.0.dist-info/METADATA,,\nsix-1.16.0.dist-info/RECORD,,\n../../bin/six-tool,,\n";
    let layer = TarBuilder::new()
        .file_bytes(b"app/lib/site/six-1.16.0.dist-info/RECORD", record)
        .file_bytes(
            b"app/lib/site/six-1.16.0.dist-info/METADATA",
            b"Name: six\nVersion: 1.16.0\n",
        )
        .file("app/lib/site/six.py", 500)
        .file("app/bin/six-tool", 10);
    let inv = inventory(vec![layer]);
    let six = row(&inv, "six", 0);
    let meta = b"Name: six\nVersion: 1.16.0\n".len() as u64;
    assert_eq!(six.files, 4);
    assert_eq!(six.bytes, 500 + 10 + meta + record.len() as u64);
    assert_eq!(six.location, "/app/lib/site");
    assert!(six.visible);
}

#[test]
fn a_database_too_large_to_read_is_not_taken_as_empty() {
    // Layer 1 rewrites the status file with content the indexer did not keep: its state is
    // unknown, so nothing may be reported as removed.
    let big = TarBuilder::new().file(
        "var/lib/dpkg/status",
        (DbFile::DpkgStatus.max_bytes() + 1) as usize,
    );
    let base = TarBuilder::new().file_bytes(b"var/lib/dpkg/status", &status(&[("libc6", "2.36")]));
    let inv = inventory(vec![base, big]);
    assert_eq!(inv.list.len(), 1);
    assert_eq!(inv.list[0].change, Change::Installed);
}

/// An apk database as the "Apk spec" describes it (apk-tools is not reachable here): the
/// fields apk writes, in its order, with a checksum line and permissions lines to skip.
const APK_V1: &[u8] = b"C:Q1SJKl3gqf5yTTJM8jUQ2JrKbnWO8=
P:musl
V:1.2.4-r2
A:x86_64
S:383152
I:622592
T:the musl c library (libc) implementation
U:https://musl.libc.org/
L:MIT
o:musl
m:Natanael Copa <ncopa@alpinelinux.org>
t:1698692386
c:83b858f83b658bd34eca5d8ad4d145f673ae7e5e
p:so:libc.musl-x86_64.so.1=1
F:lib
R:ld-musl-x86_64.so.1
a:0:0:755
Z:Q1DHUQ3pkl9jHKfN1kQh/MDg7GPCc=
R:libc.musl-x86_64.so.1
a:0:0:777
Z:Q17yJ3JFNypA4mxhJJr0ou6CzsJVI=

P:zlib
V:1.3-r2
A:x86_64
F:lib
R:libz.so.1.3
";

#[test]
fn apk_history_finds_an_upgrade_through_the_installed_database() {
    let apk_v2 = String::from_utf8_lossy(APK_V1).replace("1.3-r2", "1.3.1-r0");
    let base = TarBuilder::new()
        .file_bytes(b"lib/apk/db/installed", APK_V1)
        .file("lib/ld-musl-x86_64.so.1", 600_000)
        .symlink("lib/libc.musl-x86_64.so.1", "ld-musl-x86_64.so.1")
        .file("lib/libz.so.1.3", 100_000);
    let upgrade = TarBuilder::new()
        .file_bytes(b"lib/apk/db/installed", apk_v2.as_bytes())
        .file("lib/libz.so.1.3", 101_000);
    let inv = inventory(vec![base, upgrade]);
    let musl = row(&inv, "musl", 0);
    // The symlink is listed but is not a regular file: only the loader's bytes count.
    assert_eq!((musl.bytes, musl.files, musl.visible), (600_000, 1, true));
    assert_eq!(musl.ecosystem, Ecosystem::Apk);
    let z = row(&inv, "zlib", 1);
    assert_eq!(z.change, Change::Upgraded);
    assert_eq!(z.previous_version.as_deref(), Some("1.3-r2"));
    assert_eq!((z.bytes, z.visible), (101_000, true));
    assert!(!row(&inv, "zlib", 0).visible);
    assert_eq!(inv.list.len(), 3);
}

#[test]
fn pip_target_scripts_are_found_where_pip_moved_them() {
    // `pip install --target /app/deps` records its scripts as ../../bin/NAME but puts them in
    // /app/deps/bin/NAME (seen with pip 23 in tests/packages.rs).
    let record = b"tool/__init__.py,,\n../../bin/tool,,\n";
    let layer = TarBuilder::new()
        .file_bytes(b"app/deps/tool-1.0.dist-info/RECORD", record)
        .file("app/deps/tool/__init__.py", 30)
        .file("app/deps/bin/tool", 200);
    let inv = inventory(vec![layer]);
    let tool = row(&inv, "tool", 0);
    // The RECORD above does not list itself, so only the module and the script count.
    assert_eq!((tool.files, tool.bytes), (2, 230));
}

#[test]
fn the_owner_of_a_file_is_the_package_that_shipped_it_last() {
    let image = image_of(
        vec![
            TarBuilder::new()
                .file_bytes(b"var/lib/dpkg/status", &status(&[("tool", "1")]))
                .file_bytes(b"var/lib/dpkg/info/tool.list", b"/usr/bin/tool\n")
                .file("usr/bin/tool", 10)
                .file("etc/other", 1),
            TarBuilder::new()
                .file_bytes(b"var/lib/dpkg/status", &status(&[("tool", "2")]))
                .file("usr/bin/tool", 12),
        ],
        app_user(),
    );
    let inv = find(&image.tree);
    let node = |p: &[u8]| image.tree.paths.find(p).unwrap();
    let owner = inv.owner(node(b"usr/bin/tool")).unwrap();
    assert_eq!((owner.version.as_str(), owner.layer), ("2", 1));
    assert!(inv.owner(node(b"etc/other")).is_none());
}

#[test]
fn a_listed_symlink_is_not_followed_and_no_file_counts_twice() {
    // bash lists /bin/bash and /bin/rbash (a link to bash) on a merged-/usr root, where /bin
    // is a link to usr/bin: the binary counts once.
    let layer = TarBuilder::new()
        .file_bytes(b"var/lib/dpkg/status", &status(&[("bash", "5.2")]))
        .file_bytes(
            b"var/lib/dpkg/info/bash.list",
            b"/bin/bash\n/bin/rbash\n/usr/bin/bash\n",
        )
        .symlink("bin", "usr/bin")
        .file("usr/bin/bash", 1_000)
        .symlink("usr/bin/rbash", "bash");
    let inv = inventory(vec![layer]);
    let bash = row(&inv, "bash", 0);
    assert_eq!((bash.bytes, bash.files), (1_000, 1));
}

#[test]
fn relations_are_read_from_each_database() {
    let s = dpkg::parse_status(
        b"Package: gcc-12\nStatus: install ok installed\nVersion: 1\nDepends: cpp-12 (= 12.2.0-14), libgcc-12-dev (>= 12), binutils | binutils-multiarch:any\nPre-Depends: libc6\nProvides: c-compiler, gcc-x86-64-linux-gnu (= 1)\n\n",
    );
    assert_eq!(
        s[0].depends,
        [
            "cpp-12",
            "libgcc-12-dev",
            "binutils",
            "binutils-multiarch",
            "libc6"
        ]
    );
    assert_eq!(s[0].provides, ["c-compiler", "gcc-x86-64-linux-gnu"]);
    let r = apk::parse_installed(
        b"P:gcc\nV:13.2.1_git20231014-r0\nD:binutils so:libc.musl-x86_64.so.1 isl26>=0.26 !gcc-doc\np:cmd:gcc=13.2.1 cc\n",
    );
    assert_eq!(
        r[0].depends,
        ["binutils", "so:libc.musl-x86_64.so.1", "isl26"]
    );
    assert_eq!(r[0].provides, ["cmd:gcc", "cc"]);
    assert_eq!(
        python::requirements(
            b"Name: poetry\nRequires-Dist: Cleo (>=2.1.0,<3.0.0)\nRequires-Dist: requests[socks]>=2\nRequires-Dist: pywin32 ; sys_platform == \"win32\"\nRequires-Dist: pytest ; extra == \"test\"\n\nRequires-Dist: body\n"
        ),
        ["cleo", "requests", "pywin32"]
    );
    let m = npm::parse_manifest(
        br#"{"name":"a","version":"1","dependencies":{"b":"1"},"optionalDependencies":{"c":"1"},"peerDependencies":{"b":"1"},"devDependencies":{"jest":"1"}}"#,
    )
    .unwrap();
    assert_eq!(m.depends, ["b", "c"]);
}

mod bdb;
mod ndb;
mod rpm;
