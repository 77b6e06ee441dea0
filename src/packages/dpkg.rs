//! dpkg's database: `var/lib/dpkg/status` (one stanza per package) and `info/NAME[:ARCH].list`
//! (the paths each package installed); distroless images keep one stanza per file in
//! `status.d/` with the paths in `status.d/NAME.md5sums`.

use super::{header, relation_names};

/// One package stanza of a status file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stanza {
    pub name: String,
    pub architecture: String,
    pub version: String,
    /// `Depends` and `Pre-Depends`, every alternative.
    pub depends: Vec<String>,
    pub provides: Vec<String>,
}

/// The installed packages of a status file (or a status.d stanza). Packages only unpacked,
/// half-configured or removed with their config files kept are not installed.
pub fn parse_status(text: &[u8]) -> Vec<Stanza> {
    let text = String::from_utf8_lossy(text);
    let mut out = Vec::new();
    for block in text.split("\n\n") {
        let (mut name, mut arch, mut version, mut status) = (None, "", "", None);
        let (mut depends, mut provides) = (Vec::new(), Vec::new());
        for line in block.lines() {
            if let Some(v) = header(line, "Package") {
                name = Some(v);
            } else if let Some(v) = header(line, "Architecture") {
                arch = v;
            } else if let Some(v) = header(line, "Version") {
                version = v;
            } else if let Some(v) = header(line, "Status") {
                status = Some(v);
            } else if let Some(v) = header(line, "Depends").or_else(|| header(line, "Pre-Depends"))
            {
                depends.extend(relation_names(v));
            } else if let Some(v) = header(line, "Provides") {
                provides.extend(relation_names(v));
            }
        }
        // status.d stanzas (distroless) carry no Status field: they list installed packages only.
        let installed = status.is_none_or(|s| s.ends_with(" installed"));
        if let Some(name) = name.filter(|n| !n.is_empty() && installed) {
            out.push(Stanza {
                name: name.to_string(),
                architecture: arch.to_string(),
                version: version.to_string(),
                depends,
                provides,
            });
        }
    }
    out
}

/// The paths of a `.list` file (absolute, one a line; `/.` is the root).
pub fn parse_list(text: &[u8]) -> Vec<Vec<u8>> {
    text.split(|&b| b == b'\n')
        .filter(|l| !l.is_empty())
        .map(|l| super::join(b"/", l))
        .collect()
}

/// The paths of an `md5sums` file: `HASH  relative/path` a line.
pub fn parse_md5sums(text: &[u8]) -> Vec<Vec<u8>> {
    text.split(|&b| b == b'\n')
        .filter_map(|l| {
            let at = l.windows(2).position(|w| w == b"  ")?;
            Some(super::join(b"/", &l[at + 2..]))
        })
        .collect()
}

/// The `.list` file names dpkg may use for a package: `NAME.list`, or `NAME:ARCH.list` for
/// packages that can be installed for several architectures.
pub fn list_names(stanza: &Stanza) -> [String; 2] {
    [
        format!("{}.list", stanza.name),
        format!("{}:{}.list", stanza.name, stanza.architecture),
    ]
}
