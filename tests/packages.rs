//! Package databases written by the real tools: `dpkg --root` installs, upgrades and removes
//! tiny .debs built with `dpkg-deb`, `pip install --target` installs a wheel that `pip wheel`
//! built, `npm install` installs local tarballs (nested and scoped); `umoci repack` turns each
//! step into a layer (real whiteouts for what a step removed). plummet's figures for each package
//! are checked against the files the tools really wrote.
#![allow(
    clippy::unwrap_used,
    reason = "setup helpers stop the test at the first failed step"
)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use serde_json::Value;

#[path = "harness/env.rs"]
mod harness_env;

/// Runs `cmd`, fails the test with its stderr when it fails, returns its stdout.
fn run(cmd: &mut Command) -> String {
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "{cmd:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Builds a .deb of `files` (path, size) with `dpkg-deb`.
fn deb(dir: &Path, name: &str, version: &str, files: &[(&str, usize)]) -> PathBuf {
    let root = dir.join(format!("{name}-{version}"));
    std::fs::create_dir_all(root.join("DEBIAN")).unwrap();
    std::fs::write(
        root.join("DEBIAN/control"),
        format!("Package: {name}\nVersion: {version}\nArchitecture: all\nMaintainer: t <t@example.org>\nDescription: plummet test package\n"),
    )
    .unwrap();
    for (i, (path, size)) in files.iter().enumerate() {
        let p = root.join(path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, vec![b'a' + i as u8; *size]).unwrap();
    }
    let out = dir.join(format!("{name}_{version}_all.deb"));
    run(Command::new("dpkg-deb")
        .args(["--root-owner-group", "-b"])
        .arg(&root)
        .arg(&out));
    out
}

/// Debian's own python3 has setuptools and wheel (python3-pip depends on them); a pyenv or
/// venv python first on PATH may not.
fn python() -> &'static str {
    if Path::new("/usr/bin/python3").exists() {
        "/usr/bin/python3"
    } else {
        "python3"
    }
}

fn dpkg(root: &Path, args: &[&str]) {
    run(Command::new("dpkg")
        .arg(format!("--root={}", root.display()))
        .args(["--force-all", "--log=/dev/null"])
        .args(args));
}

/// Sum and count of the regular files a tool says it installed, read from the real rootfs.
fn on_disk(root: &Path, paths: &[String]) -> (u64, u64) {
    let mut bytes = 0;
    let mut files = 0;
    for p in paths {
        if let Ok(m) = std::fs::metadata(root.join(p.trim_start_matches('/'))) {
            if m.is_file() {
                bytes += m.len();
                files += 1;
            }
        }
    }
    (bytes, files)
}

fn dpkg_list(root: &Path, name: &str) -> Vec<String> {
    std::fs::read_to_string(root.join(format!("var/lib/dpkg/info/{name}.list")))
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect()
}

/// Every regular file below `dir`, except those of nested node_modules.
fn npm_files(dir: &Path, out: &mut Vec<String>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let e = e.unwrap();
        let t = e.file_type().unwrap();
        if t.is_dir() && e.file_name() != "node_modules" {
            npm_files(&e.path(), out);
        } else if t.is_file() {
            out.push(e.path().display().to_string());
        }
    }
}

type Expected = (&'static str, String, Option<String>, usize, u64, u64);

struct Built {
    _dir: tempfile::TempDir,
    layout: String,
    /// `(ecosystem, name, location, layer, bytes, files)` as measured on the real rootfs.
    expected: Vec<Expected>,
    /// The same layout's image as of its first layer.
    first_layer: String,
}

/// The OCI layout, built once: layer 0 dpkg installs two packages (one through a `/bin`
/// symlink, as merged-/usr Debian does), layer 1 upgrades one and removes the other, layer 2
/// is a `pip install --target`, layer 3 an `npm install`.
fn built() -> &'static Built {
    static BUILT: OnceLock<Built> = OnceLock::new();
    BUILT.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        let layout = d.join("oci");
        let bundle = d.join("bundle");
        let rootfs = bundle.join("rootfs");
        let image = format!("{}:pk", layout.display());
        run(Command::new("umoci").args(["init", "--layout"]).arg(&layout));
        run(Command::new("umoci").args(["new", "--image", &image]));
        let unpack = || {
            run(Command::new("umoci")
                .args(["unpack", "--rootless", "--image", &image])
                .arg(&bundle));
        };
        // umoci repack adds one layer to the image the bundle was unpacked from: unpack again
        // so the next step's layer holds only that step's changes.
        let repack = || {
            run(Command::new("umoci")
                .args(["repack", "--image", &image])
                .arg(&bundle));
            std::fs::remove_dir_all(&bundle).unwrap();
            unpack();
        };
        unpack();
        let mut expected = Vec::new();

        // Layer 0: dpkg installs hello 1.0 and libplummet 1 (its tool listed as /bin/...).
        for p in ["var/lib/dpkg/info", "var/lib/dpkg/updates", "usr/bin"] {
            std::fs::create_dir_all(rootfs.join(p)).unwrap();
        }
        std::fs::write(rootfs.join("var/lib/dpkg/status"), "").unwrap();
        std::os::unix::fs::symlink("usr/bin", rootfs.join("bin")).unwrap();
        let hello1 = deb(d, "hello", "1.0", &[("usr/bin/hello", 5000), ("usr/share/hello/data", 3000)]);
        let hello2 = deb(d, "hello", "2.0", &[("usr/bin/hello", 6000)]);
        let lib = deb(d, "libplummet", "1", &[("usr/lib/libplummet.so", 7000), ("bin/plummet-tool", 900)]);
        dpkg(&rootfs, &["-i", hello1.to_str().unwrap(), lib.to_str().unwrap()]);
        for name in ["hello", "libplummet"] {
            let (b, f) = on_disk(&rootfs, &dpkg_list(&rootfs, name));
            expected.push(("deb", name.to_string(), None, 0, b, f));
        }
        repack();
        // The image as of layer 0, for `plummet diff`.
        run(Command::new("umoci").args(["tag", "--image", &image, "pk0"]));

        // Layer 1: upgrade hello, remove libplummet.
        dpkg(&rootfs, &["-i", hello2.to_str().unwrap()]);
        dpkg(&rootfs, &["-r", "libplummet"]);
        let (b, f) = on_disk(&rootfs, &dpkg_list(&rootfs, "hello"));
        expected.push(("deb", "hello".into(), None, 1, b, f));
        expected.push(("deb", "libplummet".into(), None, 1, 0, 0));
        repack();

        // Layer 2: pip install --target of a wheel built here.
        let project = d.join("tiny");
        std::fs::create_dir_all(project.join("tinypkg")).unwrap();
        std::fs::write(
            project.join("setup.py"),
            "from setuptools import setup\nsetup(name='tiny-plummet', version='0.3.1', packages=['tinypkg'], entry_points={'console_scripts': ['tiny-plummet=tinypkg:main']})\n",
        )
        .unwrap();
        std::fs::write(project.join("tinypkg/__init__.py"), format!("def main():\n    return 0\n#{}\n", "x".repeat(4000))).unwrap();
        let wheels = d.join("wheels");
        run(Command::new(python())
            .args(["-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-index", "-q", "-w"])
            .arg(&wheels)
            .arg(&project));
        let wheel = std::fs::read_dir(&wheels).unwrap().next().unwrap().unwrap().path();
        let target = rootfs.join("app/deps");
        run(Command::new(python())
            .args(["-m", "pip", "install", "--no-index", "--no-compile", "-q", "--target"])
            .arg(&target)
            .arg(&wheel));
        let mut py = Vec::new();
        npm_files(&target, &mut py);
        let (b, f) = on_disk(Path::new("/"), &py);
        expected.push(("python", "tiny-plummet".into(), Some("/app/deps".into()), 2, b, f));
        repack();

        // Layer 3: npm install of local tarballs: a (which needs d 2 and @plummet/c) and d 1,
        // so d 2 nests under a.
        let npm = d.join("npm");
        let pack = |name: &str, version: &str, deps: &str| {
            let p = npm.join(format!("{name}-{version}"));
            std::fs::create_dir_all(&p).unwrap();
            std::fs::write(p.join("package.json"), format!("{{\"name\":\"{name}\",\"version\":\"{version}\",\"dependencies\":{{{deps}}}}}")).unwrap();
            std::fs::write(p.join("index.js"), format!("module.exports = {:?};\n", "v".repeat(100 * version.len() + name.len()))).unwrap();
            let out = run(Command::new("npm").args(["pack", "--silent", "--pack-destination"]).arg(&npm).current_dir(&p));
            npm.join(out.trim())
        };
        let c = pack("@plummet/c", "3.0.0", "");
        let d2 = pack("d", "2.0.0", "");
        let d1 = pack("d", "1.0.0", "");
        let a = pack("a", "1.2.0", &format!("\"d\":\"file:{}\",\"@plummet/c\":\"file:{}\"", d2.display(), c.display()));
        let app = rootfs.join("app");
        std::fs::write(
            app.join("package.json"),
            format!("{{\"name\":\"app\",\"version\":\"0.0.1\",\"dependencies\":{{\"a\":\"file:{}\",\"d\":\"file:{}\"}}}}", a.display(), d1.display()),
        )
        .unwrap();
        run(Command::new("npm")
            .args(["install", "--offline", "--no-audit", "--no-fund", "--cache"])
            .arg(d.join("npm-cache"))
            .current_dir(&app));
        for (name, path) in [
            ("a", "node_modules/a"),
            ("d", "node_modules/d"),
            ("d", "node_modules/a/node_modules/d"),
            ("@plummet/c", "node_modules/@plummet/c"),
        ] {
            let mut files = Vec::new();
            npm_files(&app.join(path), &mut files);
            let (b, f) = on_disk(Path::new("/"), &files);
            expected.push(("npm", name.into(), Some(format!("/app/{path}")), 3, b, f));
        }
        repack();
        Built {
            _dir: dir,
            layout: format!("oci:{}:pk", layout.display()),
            first_layer: format!("oci:{}:pk0", layout.display()),
            expected,
        }
    })
}

fn json_of(image: &str, host: Option<&str>) -> Value {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out.json");
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_plummet"));
    if let Some(host) = host {
        cmd.env("DOCKER_HOST", host);
    }
    let o = cmd
        .args(["ci", image, "--quiet", "--json"])
        .arg(&out)
        .output()
        .unwrap();
    assert!(
        o.status.code() == Some(0) || o.status.code() == Some(1),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    serde_json::from_slice(&std::fs::read(&out).unwrap()).unwrap()
}

fn check(json: &Value, built: &Built) {
    let packages = json["packages"].as_array().unwrap();
    for (eco, name, location, layer, bytes, files) in &built.expected {
        let row = packages.iter().find(|p| {
            p["ecosystem"] == *eco
                && p["name"] == name.as_str()
                && p["layer"] == *layer
                && location.as_ref().is_none_or(|l| p["location"] == *l)
        });
        assert!(
            row.is_some(),
            "no {eco} {name} in layer {layer}: {packages:#?}"
        );
        let row = row.unwrap();
        assert_eq!(row["bytes"], *bytes, "{eco} {name} layer {layer}: {row}");
        assert_eq!(row["files"], *files, "{eco} {name} layer {layer}: {row}");
    }
}

#[test]
fn packages_installed_by_real_tools_are_attributed_to_their_layers() {
    let built = built();
    let json = json_of(&built.layout, None);
    check(&json, built);
    let packages = json["packages"].as_array().unwrap();
    let find = |name: &str, layer: u64| {
        packages
            .iter()
            .find(|p| p["name"] == name && p["layer"] == layer)
            .unwrap()
    };
    assert_eq!(find("hello", 0)["change"], "installed");
    assert_eq!(find("hello", 0)["visible"], false);
    assert_eq!(find("hello", 1)["change"], "upgraded");
    assert_eq!(find("hello", 1)["previous_version"], "1.0");
    assert_eq!(find("hello", 1)["visible"], true);
    assert_eq!(find("libplummet", 1)["change"], "removed");
    assert_eq!(find("tiny-plummet", 2)["version"], "0.3.1");
    // The tool dpkg installed through the /bin symlink counts.
    assert_eq!(find("libplummet", 0)["files"], 2);
    // Exactly: 2 + 2 deb changes, 1 python, 4 npm.
    assert_eq!(packages.len(), 9, "{packages:#?}");

    // The text and Markdown reports list them too.
    let report = |flag: &[&str]| {
        let o = Command::new(env!("CARGO_BIN_EXE_plummet"))
            .args(["ci", &built.layout, "--quiet"])
            .args(flag)
            .output()
            .unwrap();
        String::from_utf8_lossy(&o.stdout).into_owned()
    };
    let text = report(&[]);
    assert!(
        text.contains(
            "Packages (6 in the final image: 1 deb, 1 python, 4 npm; 1 upgraded; 1 removed)"
        ),
        "{text}"
    );
    assert!(
        text.contains("deb     hello 1.0 -> 2.0 (upgraded)"),
        "{text}"
    );
    let markdown = report(&["--markdown", "-"]);
    assert!(markdown.contains("| deb hello | 2.0 | 1 |"), "{markdown}");
}

#[test]
fn packages_read_from_the_docker_daemon_match_the_layout() {
    if !harness_env::present("live test", &["PLUMMET_TEST_DOCKER_HOST"]) {
        return;
    }
    let host = harness_env::var("PLUMMET_TEST_DOCKER_HOST").unwrap();
    let built = built();
    let tag = "plummet-packages-test:1";
    run(Command::new("skopeo")
        .args(["copy", "--quiet", "--dest-daemon-host", &host])
        .arg(&built.layout)
        .arg(format!("docker-daemon:{tag}")));
    let json = json_of(&format!("docker-daemon:{tag}"), Some(&host));
    check(&json, built);
}

#[test]
fn diff_lists_packages_added_removed_and_upgraded_with_the_bytes_they_moved() {
    let built = built();
    let o = Command::new(env!("CARGO_BIN_EXE_plummet"))
        .args([
            "diff",
            &built.first_layer,
            &built.layout,
            "--quiet",
            "--json",
            "-",
        ])
        .output()
        .unwrap();
    assert!(
        matches!(o.status.code(), Some(0 | 1)),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let json: Value = serde_json::from_slice(&o.stdout).unwrap();
    let packages = json["packages"].as_array().unwrap();
    let find = |name: &str| {
        let p = packages.iter().find(|p| p["name"] == name);
        assert!(p.is_some(), "no {name}: {packages:#?}");
        p.unwrap()
    };
    let expected = |name: &str, layer: usize| {
        built
            .expected
            .iter()
            .find(|e| e.1 == name && e.3 == layer)
            .map(|e| e.4)
            .unwrap()
    };
    let hello = find("hello");
    assert_eq!(hello["change"], "upgraded");
    assert_eq!(
        (hello["version_a"].as_str(), hello["version_b"].as_str()),
        (Some("1.0"), Some("2.0"))
    );
    assert_eq!(hello["bytes_a"], expected("hello", 0));
    assert_eq!(hello["bytes_b"], expected("hello", 1));
    let lib = find("libplummet");
    assert_eq!(lib["change"], "removed");
    assert_eq!(lib["delta"], -(expected("libplummet", 0) as i64));
    let tiny = find("tiny-plummet");
    assert_eq!(tiny["change"], "added");
    assert_eq!(tiny["bytes_b"], expected("tiny-plummet", 2));
    // hello, libplummet, tiny-plummet and the four npm packages.
    assert_eq!(packages.len(), 7, "{packages:#?}");

    let o = Command::new(env!("CARGO_BIN_EXE_plummet"))
        .args(["diff", &built.first_layer, &built.layout, "--quiet"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(
        text.contains("Packages (5 added, 1 removed, 1 upgraded)"),
        "{text}"
    );
    assert!(text.contains("deb hello 1.0 -> 2.0"), "{text}");
    let o = Command::new(env!("CARGO_BIN_EXE_plummet"))
        .args([
            "diff",
            &built.first_layer,
            &built.layout,
            "--quiet",
            "--markdown",
            "-",
        ])
        .output()
        .unwrap();
    let markdown = String::from_utf8_lossy(&o.stdout);
    assert!(
        markdown.contains("| upgraded | -2 kB | deb hello | 1.0 | 2.0 |"),
        "{markdown}"
    );
}
