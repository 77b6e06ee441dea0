//! Real rpm packages for the rpm database tests (included with `#[path]`): `rpmbuild` of a
//! package whose files have the given sizes, and a command run that stops the test on failure.
#![allow(dead_code, reason = "each test binary uses a different part")]

use std::path::{Path, PathBuf};
use std::process::Command;

/// Runs `cmd`, stops the test with its stderr when it fails, and returns its stdout.
pub fn run(cmd: &mut Command) -> String {
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "{cmd:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Builds `NAME-VERSION-1.noarch.rpm` with `rpmbuild` in `dir`: files of the given sizes (file
/// `i` filled with one letter, so files differ), one symlink to the first file, and `Requires:
/// REQUIRES` unless it is empty.
pub fn rpm_package(
    dir: &Path,
    name: &str,
    version: &str,
    requires: &str,
    files: &[(&str, usize)],
) -> PathBuf {
    let top = dir.join(format!("top-{name}-{version}"));
    std::fs::create_dir_all(top.join("SPECS")).unwrap();
    let mut install = String::new();
    let mut listed = String::new();
    for (i, (path, size)) in files.iter().enumerate() {
        let parent = Path::new(path).parent().unwrap().display().to_string();
        let letter = (b'a' + (i % 26) as u8) as char;
        install.push_str(&format!(
            "mkdir -p %{{buildroot}}{parent}\nhead -c {size} /dev/zero | tr '\\0' '{letter}' > %{{buildroot}}{path}\n"
        ));
        listed.push_str(&format!("{path}\n"));
    }
    let (first, _) = files[0];
    install.push_str(&format!(
        "ln -s {} %{{buildroot}}{first}.link\n",
        Path::new(first).file_name().unwrap().to_str().unwrap()
    ));
    listed.push_str(&format!("{first}.link\n"));
    let requires = if requires.is_empty() {
        String::new()
    } else {
        format!("Requires: {requires}\n")
    };
    std::fs::write(
        top.join("SPECS/p.spec"),
        format!("Name: {name}\nVersion: {version}\nRelease: 1\nSummary: plummet test\nLicense: MIT\nBuildArch: noarch\n{requires}%description\nplummet test package\n%install\n{install}%files\n{listed}"),
    )
    .unwrap();
    run(Command::new("rpmbuild")
        .arg("--define")
        .arg(format!("_topdir {}", top.display()))
        .args(["--quiet", "-bb"])
        .arg(top.join("SPECS/p.spec")));
    top.join(format!("RPMS/noarch/{name}-{version}-1.noarch.rpm"))
}

/// A package the fixture expects in the report: name, layer, change, bytes, files.
pub type Expected = (&'static str, u64, &'static str, u64, u64);

/// The `rpm` rows of a report's `packages[]`.
pub fn rpm_rows(json: &serde_json::Value) -> Vec<&serde_json::Value> {
    json["packages"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["ecosystem"] == "rpm")
        .collect()
}

/// The row of an expected package, checked against it: its change, bytes and files, read from
/// `/var/lib/rpm`.
pub fn expect_row<'a>(
    packages: &[&'a serde_json::Value],
    &(name, layer, change, bytes, files): &Expected,
) -> &'a serde_json::Value {
    let row = packages
        .iter()
        .find(|p| p["name"] == name && p["layer"] == layer);
    assert!(
        row.is_some(),
        "no rpm {name} in layer {layer}: {packages:#?}"
    );
    let row = row.unwrap();
    assert_eq!(row["change"], change, "{row}");
    assert_eq!(row["bytes"], bytes, "{row}");
    assert_eq!(row["files"], files, "{row}");
    assert_eq!(row["location"], "/var/lib/rpm", "{row}");
    row
}
