//! `build_tools` counted by package on a real `docker build` in the harness's dockerd: the real
//! dpkg (copied with GNU tar and their libraries into a busybox base) installs toolchain-named
//! .debs built with `dpkg-deb`, with real Depends, in RUN steps. No network: the packages are
//! tiny and made here; what matters is how dpkg records them and how the layers carry them.
//! The same build copies in compiled locales the real `localedef` wrote.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "setup helpers stop the test at the first failed step"
)]

use std::path::Path;
use std::process::Command;

use plummet::analysis::{FindingKind, analyze};

#[path = "daemon_support/live.rs"]
mod live;

use live::{build_and_load, docker, harness, run};

const BASE: &str = "pkgs11-toolchain-base:1";
const TAG: &str = "pkgs11-toolchain:1";

/// Copies `bin` and the shared libraries it loads into the rootfs.
fn copy_binary(rootfs: &Path, bin: &str) {
    let real = std::fs::canonicalize(bin).unwrap();
    std::fs::copy(
        &real,
        rootfs.join("usr/bin").join(real.file_name().unwrap()),
    )
    .unwrap();
    let ldd = run(Command::new("ldd").arg(&real));
    for lib in ldd.split_whitespace().filter(|w| w.starts_with('/')) {
        let lib = Path::new(lib);
        let to = rootfs.join(lib.strip_prefix("/").unwrap());
        std::fs::create_dir_all(to.parent().unwrap()).unwrap();
        if !to.exists() {
            std::fs::copy(lib, to).unwrap();
        }
    }
}

/// busybox for the shell, and the host's real dpkg with the tools it runs (dpkg-deb, dpkg-split,
/// GNU tar), on an empty dpkg database.
fn import_base(host: &str, dir: &Path) {
    let rootfs = dir.join("rootfs");
    for d in [
        "bin",
        "usr/bin",
        "tmp",
        "var/lib/dpkg/info",
        "var/lib/dpkg/updates",
        "var/lib/dpkg/triggers",
    ] {
        std::fs::create_dir_all(rootfs.join(d)).unwrap();
    }
    let busybox = ["/bin/busybox", "/usr/bin/busybox"]
        .into_iter()
        .find(|p| Path::new(p).exists())
        .expect("busybox-static is installed");
    std::fs::copy(busybox, rootfs.join("bin/busybox")).unwrap();
    for applet in ["sh", "rm", "mkdir", "cat", "cp", "mv", "diff"] {
        std::os::unix::fs::symlink("busybox", rootfs.join("bin").join(applet)).unwrap();
    }
    for bin in [
        "/usr/bin/dpkg",
        "/usr/bin/dpkg-deb",
        "/usr/bin/dpkg-split",
        "/usr/bin/tar",
    ] {
        let bin = if Path::new(bin).exists() {
            bin.to_string()
        } else {
            bin.replace("/usr/bin", "/bin")
        };
        copy_binary(&rootfs, &bin);
    }
    std::fs::write(rootfs.join("var/lib/dpkg/status"), "").unwrap();
    let tar = dir.join("rootfs.tar");
    run(Command::new("tar")
        .args(["--numeric-owner", "--owner=0", "--group=0", "-C"])
        .arg(&rootfs)
        .arg("-cf")
        .arg(&tar)
        .arg("."));
    run(docker(host)
        .args(["import", "--change", "ENV PATH=/usr/bin:/bin"])
        .arg(&tar)
        .arg(BASE));
}

/// Builds a .deb with one file of `size` bytes at `path` and the given Depends.
fn deb(ctx: &Path, name: &str, depends: &str, path: &str, size: usize) {
    let root = ctx.join("src").join(name);
    std::fs::create_dir_all(root.join("DEBIAN")).unwrap();
    let depends = if depends.is_empty() {
        String::new()
    } else {
        format!("Depends: {depends}\n")
    };
    std::fs::write(
        root.join("DEBIAN/control"),
        format!("Package: {name}\nVersion: 1.0\nArchitecture: all\nMaintainer: t <t@example.org>\n{depends}Description: plummet test package\n"),
    )
    .unwrap();
    let file = root.join(path);
    std::fs::create_dir_all(file.parent().unwrap()).unwrap();
    std::fs::write(file, vec![b'x'; size]).unwrap();
    std::fs::create_dir_all(ctx.join("debs")).unwrap();
    run(Command::new("dpkg-deb")
        .args(["--root-owner-group", "-Zgzip", "-b"])
        .arg(&root)
        .arg(ctx.join("debs").join(format!("{name}.deb"))));
}

/// (name, depends, path, size, counted as a build tool)
const PACKAGES: &[(&str, &str, &str, usize, bool)] = &[
    ("libgmp10", "", "usr/lib/plummet/libgmp.so.10", 5_000, false),
    ("coreutils", "libgmp10", "usr/lib/plummet/ls", 7_000, false),
    (
        "gcc-12",
        "cpp-12 (= 1.0), libgcc-12-dev, binutils, libmpc3, libgmp10",
        "usr/bin/gcc-12",
        40_000,
        true,
    ),
    (
        "cpp-12",
        "libmpc3",
        "usr/libexec/plummet/cc1",
        300_000,
        true,
    ),
    (
        "libgcc-12-dev",
        "libasan8",
        "usr/lib/gcc/x86_64-linux-gnu/12/libgcc.a",
        20_000,
        true,
    ),
    ("libasan8", "", "usr/lib/plummet/libasan.so.8", 15_000, true),
    ("binutils", "", "usr/bin/ld.bfd", 7_000, true),
    (
        "libmpc3",
        "libgmp10",
        "usr/lib/plummet/libmpc.so.3",
        1_000,
        true,
    ),
    ("libc6-dev", "", "usr/include/stdio.h", 900, true),
    // dkms needs make: make stays.
    ("make", "", "usr/bin/make", 2_500, false),
    ("dkms", "make", "usr/sbin/dkms", 100, false),
    // Installed and purged in one RUN: never in a layer.
    ("gcc-13", "", "usr/bin/gcc-13", 50_000, false),
];

#[test]
fn toolchain_packages_a_real_dpkg_installed_are_one_build_tools_finding() {
    let Some(host) = harness("PLUMMET_TEST_DOCKER_HOST") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    import_base(&host, dir.path());
    let ctx = dir.path().join("ctx");
    for (name, depends, path, size, _) in PACKAGES {
        deb(&ctx, name, depends, path, *size);
    }
    let installed: Vec<String> = PACKAGES
        .iter()
        .filter(|p| p.0 != "gcc-13")
        .map(|p| format!("/debs/{}.deb", p.0))
        .collect();
    // Compiled locales made by the real localedef: C.UTF-8 as Debian ships it, the one the
    // config selects, and one more.
    let locale = ctx.join("locale");
    std::fs::create_dir_all(&locale).unwrap();
    run(Command::new("cp")
        .arg("-a")
        .arg("/usr/lib/locale/C.utf8")
        .arg(&locale));
    for l in ["de_DE", "fr_FR"] {
        // localedef exits 1 on mere warnings; the locale is written all the same.
        let _ = Command::new("localedef")
            .args(["-i", l, "-f", "UTF-8"])
            .arg(locale.join(format!("{l}.utf8")))
            .output()
            .unwrap();
        assert!(
            locale.join(format!("{l}.utf8/LC_CTYPE")).exists(),
            "localedef {l}"
        );
    }
    // localedef hardlinks the categories fr_FR shares with de_DE or C.utf8; the layer's tar
    // ships those once, under the name that comes first, so fr_FR's own bytes are its files
    // with no other link.
    let mut fr_bytes = 0;
    let mut dirs = vec![locale.join("fr_FR.utf8")];
    while let Some(dir) = dirs.pop() {
        for e in std::fs::read_dir(dir).unwrap() {
            let path = e.unwrap().path();
            let m = std::fs::symlink_metadata(&path).unwrap();
            if m.is_dir() {
                dirs.push(path);
            } else if m.is_file() && std::os::unix::fs::MetadataExt::nlink(&m) == 1 {
                fr_bytes += m.len();
            }
        }
    }
    std::fs::write(
        ctx.join("Dockerfile"),
        format!(
            "FROM {BASE}\n\
             ENV LANG=de_DE.UTF-8\n\
             COPY locale/ /usr/lib/locale/\n\
             COPY debs/ /debs/\n\
             RUN /usr/bin/dpkg --force-bad-path -i {}\n\
             RUN /usr/bin/dpkg --force-bad-path -i /debs/gcc-13.deb && /usr/bin/dpkg --force-bad-path --purge gcc-13\n",
            installed.join(" ")
        ),
    )
    .unwrap();
    let image = build_and_load(&host, &ctx, TAG);
    let a = analyze(&image);
    let tools: Vec<_> = a.findings_of(FindingKind::BuildTools).collect();
    assert_eq!(tools.len(), 1, "{tools:#?}");
    let f = tools[0];
    // The RUN that installed them is layer 3 (base, COPY locales, COPY debs, RUN).
    assert_eq!(f.layer, Some(3));
    let expected: u64 = PACKAGES.iter().filter(|p| p.4).map(|p| p.3 as u64).sum();
    assert_eq!(f.bytes, expected, "{f:#?}");
    assert_eq!(f.files, 7);
    // The package rows agree: the finding's bytes are theirs.
    let row = |name: &str| {
        a.packages
            .list
            .iter()
            .find(|p| p.name == name && p.visible)
            .unwrap()
    };
    assert_eq!(row("cpp-12").bytes, 300_000);
    for (name, ..) in PACKAGES.iter().filter(|p| p.4) {
        assert!(f.reason.contains(name), "{name} missing: {}", f.reason);
    }
    for name in ["make", "dkms", "libgmp10", "coreutils", "gcc-13"] {
        assert!(
            !f.reason.split([' ', ',']).any(|w| w == name),
            "{name} counted: {}",
            f.reason
        );
    }
    assert!(
        f.fix
            .contains("apt-get purge -y --auto-remove gcc-12 libc6-dev`"),
        "{}",
        f.fix
    );
    // Their files are not found again by path: libgcc.a is in the package, not a static
    // library finding; /usr/include is not its own finding.
    assert_eq!(a.findings_of(FindingKind::StaticLibraries).count(), 0);
    assert!(
        !a.findings.iter().any(|f| f.fix.contains("gcc-13")),
        "{:#?}",
        a.findings
    );
    // Of the compiled locales only fr_FR is trimmable: LANG selects de_DE, C.UTF-8 stays.
    let locales: Vec<_> = a
        .findings_of(FindingKind::Locales)
        .map(|f| (image.tree.paths.display(f.node), f.bytes))
        .collect();
    assert_eq!(
        locales,
        [("/usr/lib/locale/fr_FR.utf8".to_string(), fr_bytes)],
        "{locales:#?}"
    );
}
