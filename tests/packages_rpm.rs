//! rpm's SQLite database written by the real `rpm` (Debian's package): `rpmbuild` makes tiny
//! packages, `rpm --root` installs, upgrades and removes them, and `umoci repack` turns each step
//! into a layer. One step is committed only to the write-ahead log (a reader holds a snapshot,
//! so rpm cannot checkpoint, as in a layer committed while a process had the database open): the
//! layer ships `rpmdb.sqlite-wal` and not the database. plummet's figures are checked against
//! the files rpm says each package installed, read from the real rootfs.
#![allow(
    clippy::unwrap_used,
    reason = "setup helpers stop the test at the first failed step"
)]

use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::OnceLock;

use serde_json::Value;

#[path = "rpm_support/build.rs"]
mod build;
use build::{Expected, expect_row, rpm_package, rpm_rows, run};

fn rpm(root: &Path, args: &[&str]) -> String {
    run(Command::new("rpm")
        .arg("--root")
        .arg(root)
        .args(["--dbpath", "/var/lib/rpm"])
        .args(args))
}

/// Bytes and count of the regular files rpm lists for `name`, read from the rootfs.
fn on_disk(root: &Path, name: &str) -> (u64, u64) {
    let list = run(Command::new("rpm").arg("--root").arg(root).args([
        "--dbpath",
        "/var/lib/rpm",
        "-ql",
        name,
    ]));
    let (mut bytes, mut files) = (0, 0);
    for p in list.lines() {
        if let Ok(m) = std::fs::symlink_metadata(root.join(p.trim_start_matches('/'))) {
            if m.is_file() {
                bytes += m.len();
                files += 1;
            }
        }
    }
    (bytes, files)
}

struct Built {
    _dir: tempfile::TempDir,
    layout: String,
    /// (name, layer, change, bytes, files)
    expected: Vec<Expected>,
    /// Whether layer 1 shipped the WAL but not the database file.
    wal_only: bool,
}

fn built() -> &'static Built {
    static BUILT: OnceLock<Built> = OnceLock::new();
    BUILT.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        let layout = d.join("oci");
        let bundle = d.join("bundle");
        let rootfs = bundle.join("rootfs");
        let image = format!("{}:rpm", layout.display());
        run(Command::new("umoci").args(["init", "--layout"]).arg(&layout));
        run(Command::new("umoci").args(["new", "--image", &image]));
        let unpack = || {
            run(Command::new("umoci")
                .args(["unpack", "--rootless", "--image", &image])
                .arg(&bundle));
        };
        let repack = || {
            run(Command::new("umoci").args(["repack", "--image", &image]).arg(&bundle));
            std::fs::remove_dir_all(&bundle).unwrap();
            unpack();
        };
        unpack();
        let hello1 = rpm_package(d, "plummet-hello", "1.2", "plummet-lib", &[("/usr/bin/hello", 5000), ("/usr/share/hello/data", 3000)]);
        let hello2 = rpm_package(d, "plummet-hello", "2.0", "", &[("/usr/bin/hello", 6000)]);
        let lib = rpm_package(d, "plummet-lib", "1.0", "", &[("/usr/lib64/libplummet.so.1", 7000)]);
        let gcc = rpm_package(d, "gcc", "11.4.1", "cpp", &[("/usr/bin/gcc", 9000)]);
        let cpp = rpm_package(d, "cpp", "11.4.1", "", &[("/usr/libexec/gcc/cc1", 30000)]);
        let extra = rpm_package(d, "plummet-extra", "0.1", "", &[("/opt/extra/data", 1234)]);
        let mut expected = Vec::new();

        // Layer 0: a fresh database with hello 1.2 and its library.
        rpm(&rootfs, &["--initdb"]);
        rpm(&rootfs, &["-i", "--nodeps", "--noscripts", hello1.to_str().unwrap(), lib.to_str().unwrap()]);
        for name in ["plummet-hello", "plummet-lib"] {
            let (b, f) = on_disk(&rootfs, name);
            expected.push((name, 0, "installed", b, f));
        }
        // rpm's own figure adds the symlink's target ("hello", 5 bytes) to the files' sizes.
        let size = run(Command::new("rpm")
            .arg("--root")
            .arg(&rootfs)
            .args(["--dbpath", "/var/lib/rpm", "-q", "--qf", "%{SIZE}", "plummet-hello"]));
        assert_eq!(size.trim(), (expected[0].3 + 5).to_string());
        repack();

        // Layer 1, committed to the WAL only: a reader holds a snapshot while rpm upgrades
        // hello, removes the library and installs gcc, and while umoci packs the layer.
        let db = rootfs.join("var/lib/rpm/rpmdb.sqlite");
        let mut reader = Command::new("python3")
            .args(["-c", "import sqlite3,sys\nc=sqlite3.connect(sys.argv[1],isolation_level=None)\nc.execute('BEGIN')\nc.execute('select count(*) from Packages').fetchall()\nprint('ready',flush=True)\nsys.stdin.read()\n"])
            .arg(&db)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let mut line = String::new();
        BufReader::new(reader.stdout.as_mut().unwrap()).read_line(&mut line).unwrap();
        assert_eq!(line.trim(), "ready");
        let before = std::fs::read(&db).unwrap();
        rpm(&rootfs, &["-U", "--nodeps", "--noscripts", hello2.to_str().unwrap()]);
        rpm(&rootfs, &["-e", "--nodeps", "--noscripts", "plummet-lib"]);
        rpm(&rootfs, &["-i", "--nodeps", "--noscripts", gcc.to_str().unwrap(), cpp.to_str().unwrap()]);
        let wal_only = std::fs::read(&db).unwrap() == before
            && std::fs::metadata(rootfs.join("var/lib/rpm/rpmdb.sqlite-wal")).unwrap().len() > 0;
        for name in ["plummet-hello", "gcc", "cpp"] {
            let (b, f) = on_disk(&rootfs, name);
            let change = if name == "plummet-hello" { "upgraded" } else { "installed" };
            expected.push((name, 1, change, b, f));
        }
        expected.push(("plummet-lib", 1, "removed", 0, 0));
        run(Command::new("umoci").args(["repack", "--image", &image]).arg(&bundle));
        reader.stdin.as_mut().unwrap().write_all(b"done").unwrap();
        drop(reader.stdin.take());
        reader.wait().unwrap();
        std::fs::remove_dir_all(&bundle).unwrap();
        unpack();

        // Layer 2: rpm alone again: it checkpoints the WAL into the database and removes it.
        rpm(&rootfs, &["-i", "--nodeps", "--noscripts", extra.to_str().unwrap()]);
        let (b, f) = on_disk(&rootfs, "plummet-extra");
        expected.push(("plummet-extra", 2, "installed", b, f));
        repack();
        Built {
            _dir: dir,
            layout: format!("oci:{}:rpm", layout.display()),
            expected,
            wal_only,
        }
    })
}

fn json_of(image: &str) -> Value {
    let o = Command::new(env!("CARGO_BIN_EXE_plummet"))
        .args(["ci", image, "--quiet", "--json", "-"])
        .output()
        .unwrap();
    assert!(
        matches!(o.status.code(), Some(0 | 1)),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    serde_json::from_slice(&o.stdout).unwrap()
}

#[test]
fn rpm_packages_are_read_from_the_sqlite_database_and_its_wal() {
    let built = built();
    assert!(
        built.wal_only,
        "the fixture's layer 1 must carry its changes in the WAL only"
    );
    let json = json_of(&built.layout);
    let packages = rpm_rows(&json);
    for expected in &built.expected {
        expect_row(&packages, expected);
    }
    assert_eq!(packages.len(), built.expected.len(), "{packages:#?}");
    let hello = packages
        .iter()
        .find(|p| p["name"] == "plummet-hello" && p["layer"] == 1)
        .unwrap();
    assert_eq!(hello["version"], "2.0-1");
    assert_eq!(hello["previous_version"], "1.2-1");
    assert_eq!(hello["visible"], true);

    // gcc and the cpp only it needs are one build_tools finding, with dnf's advice.
    let tools: Vec<&Value> = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["kind"] == "build_tools")
        .collect();
    assert_eq!(tools.len(), 1, "{tools:#?}");
    let gcc = built.expected.iter().find(|e| e.0 == "gcc").unwrap().3;
    let cpp = built.expected.iter().find(|e| e.0 == "cpp").unwrap().3;
    assert_eq!(tools[0]["bytes"], gcc + cpp, "{}", tools[0]);
    let fix = tools[0]["fix"].as_str().unwrap();
    assert!(fix.contains("dnf remove -y gcc`"), "{fix}");
}
