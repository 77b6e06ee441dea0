//! rpm's Berkeley DB `Packages` file (CentOS/RHEL 7 and 8, Amazon Linux 2), written by real
//! tools: `rpmbuild` makes tiny packages, the real `rpm --root` installs, upgrades and removes
//! them (Debian's rpm writes only SQLite), and Berkeley DB's own `db5.3_load` writes the header
//! blobs rpm stored into a hash `Packages` file keyed by instance number, as rpm 4.15 and older
//! did. rpm's own read-only Berkeley DB backend (`bdb_ro`) must read each file back before
//! plummet does, so the file is one rpm reads. `umoci repack` turns each step into a layer; one
//! is written big-endian (s390x, ppc64), and a last layer ships a truncated database beside an
//! apk one. plummet's bytes per package are checked against the files rpm lists, and against
//! rpm's `%{SIZE}` less what it counts that plummet does not (a symlink's target length).
#![allow(
    clippy::unwrap_used,
    reason = "setup helpers stop the test at the first failed step"
)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use serde_json::Value;

#[path = "rpm_support/build.rs"]
mod build;
use build::{Expected, expect_row, rpm_package, rpm_rows, run};

/// The real rpm on the rootfs, with its SQLite database moved in from `keep` for the call and
/// back out after it, so the image carries only the Berkeley DB file.
fn rpm_sqlite(root: &Path, keep: &Path, args: &[&str]) {
    let dbdir = root.join("var/lib/rpm");
    std::fs::create_dir_all(&dbdir).unwrap();
    for f in ["rpmdb.sqlite", "rpmdb.sqlite-wal", "rpmdb.sqlite-shm"] {
        if keep.join(f).exists() {
            std::fs::rename(keep.join(f), dbdir.join(f)).unwrap();
        }
    }
    run(Command::new("rpm")
        .arg("--root")
        .arg(root)
        .args(["--dbpath", "/var/lib/rpm"])
        .args(args));
    for f in ["rpmdb.sqlite", "rpmdb.sqlite-wal", "rpmdb.sqlite-shm"] {
        if dbdir.join(f).exists() {
            std::fs::rename(dbdir.join(f), keep.join(f)).unwrap();
        }
    }
}

/// Writes `var/lib/rpm/Packages` with `db5.3_load` from the headers in the kept SQLite
/// database: key 0 holds the next instance number, as rpm kept it, each key in `order`.
fn write_bdb(root: &Path, keep: &Path, big_endian: bool) {
    let dump = keep.join("dump.txt");
    let script = "import sqlite3,sys\nrows=sqlite3.connect(sys.argv[1]).execute('select hnum, blob from Packages order by hnum').fetchall()\norder=sys.argv[3]\ntop=max([h for h,_ in rows],default=0)+1\nwith open(sys.argv[2],'w') as f:\n f.write('VERSION=3\\nformat=bytevalue\\ntype=hash\\nHEADER=END\\n')\n for h,b in [(0,top.to_bytes(4,order))]+rows:\n  f.write(' '+h.to_bytes(4,order).hex()+'\\n '+bytes(b).hex()+'\\n')\n f.write('DATA=END\\n')\n";
    run(Command::new("python3")
        .args(["-c", script])
        .arg(keep.join("rpmdb.sqlite"))
        .arg(&dump)
        .arg(if big_endian { "big" } else { "little" }));
    let db = root.join("var/lib/rpm/Packages");
    let _ = std::fs::remove_file(&db);
    run(Command::new("db5.3_load")
        .args(["-t", "hash", "-c", "db_pagesize=4096"])
        .args([
            "-c",
            if big_endian {
                "db_lorder=4321"
            } else {
                "db_lorder=1234"
            },
        ])
        .arg("-f")
        .arg(&dump)
        .arg(&db));
}

/// `(name, %{SIZE})` of every package, as rpm's own Berkeley DB reader lists them.
fn rpm_bdb_sizes(root: &Path) -> Vec<(String, u64)> {
    let out = run(Command::new("rpm")
        .arg("--root")
        .arg(root)
        .args(["--dbpath", "/var/lib/rpm", "--define", "_db_backend bdb_ro"])
        .args(["-qa", "--qf", "%{NAME} %{SIZE}\\n"]));
    let mut v: Vec<(String, u64)> = out
        .lines()
        .map(|l| {
            let (n, s) = l.split_once(' ').unwrap();
            (n.to_string(), s.parse().unwrap())
        })
        .collect();
    v.sort();
    v
}

/// Bytes and count of the regular files of `files` (name, size) as installed.
fn regular(files: &[(&str, usize)]) -> (u64, u64) {
    (files.iter().map(|f| f.1 as u64).sum(), files.len() as u64)
}

struct Built {
    _dir: tempfile::TempDir,
    layout: String,
    /// (name, layer, change, bytes, files)
    expected: Vec<Expected>,
    /// rpm's `%{SIZE}` per layer, read back by its own Berkeley DB reader.
    rpm_sizes: Vec<Vec<(String, u64)>>,
}

const HELLO1: &[(&str, usize)] = &[("/usr/bin/hello", 5000), ("/usr/share/hello/data", 3000)];
const HELLO2: &[(&str, usize)] = &[("/usr/bin/hello", 6000)];
const LIB: &[(&str, usize)] = &[("/usr/lib64/libplummet.so.1", 7000)];
// A header larger than a 4 KiB page: its file list spans overflow pages.
const MANY: usize = 300;
const EXTRA: &[(&str, usize)] = &[("/opt/extra/data", 1234)];

fn built() -> &'static Built {
    static BUILT: OnceLock<Built> = OnceLock::new();
    BUILT.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        let (layout, bundle, keep) = (d.join("oci"), d.join("bundle"), d.join("keep"));
        std::fs::create_dir_all(&keep).unwrap();
        let rootfs = bundle.join("rootfs");
        let image = format!("{}:rpmbdb", layout.display());
        run(Command::new("umoci")
            .args(["init", "--layout"])
            .arg(&layout));
        run(Command::new("umoci").args(["new", "--image", &image]));
        let unpack = || {
            run(Command::new("umoci")
                .args(["unpack", "--rootless", "--image", &image])
                .arg(&bundle));
        };
        let repack = || {
            run(Command::new("umoci")
                .args(["repack", "--image", &image])
                .arg(&bundle));
            std::fs::remove_dir_all(&bundle).unwrap();
            unpack();
        };
        unpack();
        let many: Vec<(String, usize)> = (0..MANY)
            .map(|i| {
                (
                    format!("/usr/share/many/a-rather-long-file-name-{i:04}"),
                    10 + i,
                )
            })
            .collect();
        let many: Vec<(&str, usize)> = many.iter().map(|(p, s)| (p.as_str(), *s)).collect();
        let hello1 = rpm_package(d, "plummet-hello", "1.2", "", HELLO1);
        let hello2 = rpm_package(d, "plummet-hello", "2.0", "", HELLO2);
        let lib = rpm_package(d, "plummet-lib", "1.0", "", LIB);
        let big = rpm_package(d, "plummet-many", "3", "", &many);
        let extra = rpm_package(d, "plummet-extra", "0.1", "", EXTRA);
        let path = |p: &PathBuf| p.to_str().unwrap().to_string();
        let mut expected = Vec::new();
        let mut rpm_sizes = Vec::new();
        let (h1, h2, l, m, e) = (
            regular(HELLO1),
            regular(HELLO2),
            regular(LIB),
            regular(&many),
            regular(EXTRA),
        );

        // Layer 0: hello 1.2 and its library.
        rpm_sqlite(&rootfs, &keep, &["--initdb"]);
        rpm_sqlite(
            &rootfs,
            &keep,
            &["-i", "--nodeps", "--noscripts", &path(&hello1), &path(&lib)],
        );
        write_bdb(&rootfs, &keep, false);
        rpm_sizes.push(rpm_bdb_sizes(&rootfs));
        expected.push(("plummet-hello", 0, "installed", h1.0, h1.1));
        expected.push(("plummet-lib", 0, "installed", l.0, l.1));
        repack();

        // Layer 1: hello upgraded, the library removed, a package with a big header added.
        rpm_sqlite(
            &rootfs,
            &keep,
            &["-U", "--nodeps", "--noscripts", &path(&hello2)],
        );
        rpm_sqlite(
            &rootfs,
            &keep,
            &["-e", "--nodeps", "--noscripts", "plummet-lib"],
        );
        rpm_sqlite(
            &rootfs,
            &keep,
            &["-i", "--nodeps", "--noscripts", &path(&big)],
        );
        write_bdb(&rootfs, &keep, false);
        rpm_sizes.push(rpm_bdb_sizes(&rootfs));
        expected.push(("plummet-hello", 1, "upgraded", h2.0, h2.1));
        expected.push(("plummet-many", 1, "installed", m.0, m.1));
        expected.push(("plummet-lib", 1, "removed", 0, 0));
        repack();

        // Layer 2: written big-endian, as on s390x.
        rpm_sqlite(
            &rootfs,
            &keep,
            &["-i", "--nodeps", "--noscripts", &path(&extra)],
        );
        write_bdb(&rootfs, &keep, true);
        rpm_sizes.push(rpm_bdb_sizes(&rootfs));
        expected.push(("plummet-extra", 2, "installed", e.0, e.1));
        repack();

        // Layer 3: a database cut short (a half-written file), beside an apk database.
        let db = rootfs.join("var/lib/rpm/Packages");
        let bytes = std::fs::read(&db).unwrap();
        std::fs::write(&db, &bytes[..bytes.len() - 1000]).unwrap();
        std::fs::create_dir_all(rootfs.join("lib/apk/db")).unwrap();
        std::fs::write(
            rootfs.join("lib/apk/db/installed"),
            "P:musl\nV:1.2.4-r2\nF:lib\nR:ld-musl.so.1\n\n",
        )
        .unwrap();
        std::fs::write(rootfs.join("lib/ld-musl.so.1"), vec![0u8; 600]).unwrap();
        repack();
        Built {
            _dir: dir,
            layout: format!("oci:{}:rpmbdb", layout.display()),
            expected,
            rpm_sizes,
        }
    })
}

/// The length of the symlink each package ships to its first file: the file's name.
fn link_target(name: &str) -> u64 {
    let first = match name {
        "plummet-hello" => "hello",
        "plummet-lib" => "libplummet.so.1",
        "plummet-many" => "a-rather-long-file-name-0000",
        _ => "data",
    };
    first.len() as u64
}

#[test]
fn rpm_packages_are_read_from_real_berkeley_db_files() {
    let built = built();
    let o = Command::new(env!("CARGO_BIN_EXE_plummet"))
        .args(["ci", &built.layout, "--quiet", "--json", "-"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(matches!(o.status.code(), Some(0 | 1)), "{stderr}");
    let json: Value = serde_json::from_slice(&o.stdout).unwrap();
    let packages = rpm_rows(&json);
    for expected in &built.expected {
        expect_row(&packages, expected);
        let &(name, layer, change, bytes, _) = expected;
        if change == "removed" {
            continue;
        }
        // rpm's %{SIZE} adds the symlink's target length (the name of the package's first file).
        let size = built.rpm_sizes[layer as usize]
            .iter()
            .find(|(n, _)| n == name)
            .map(|s| s.1);
        assert_eq!(
            size,
            Some(bytes + link_target(name)),
            "rpm's size of {name}"
        );
    }
    assert_eq!(packages.len(), built.expected.len(), "{packages:#?}");
    let hello = packages
        .iter()
        .find(|p| p["name"] == "plummet-hello" && p["layer"] == 1)
        .unwrap();
    assert_eq!(hello["version"], "2.0-1");
    assert_eq!(hello["previous_version"], "1.2-1");
    assert_eq!(hello["visible"], true);

    // Layer 3's database is named in one line; the apk database beside it is still read.
    let warnings: Vec<&str> = stderr.lines().filter(|l| l.contains("Packages")).collect();
    assert_eq!(warnings.len(), 1, "{stderr}");
    assert!(
        warnings[0].contains(
            "layer 3: /var/lib/rpm/Packages: not a readable rpm Berkeley DB database (truncated"
        ),
        "{stderr}"
    );
    let musl = json["packages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "musl")
        .unwrap();
    assert_eq!(musl["layer"], 3);
    assert_eq!(musl["bytes"], 600);
}
