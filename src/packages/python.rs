//! Python's installed-package metadata: `NAME-VERSION.dist-info/{RECORD,METADATA}` (pip, wheels)
//! and `*.egg-info/{PKG-INFO,installed-files.txt}` (setuptools, Debian's python3-* packages),
//! in any site-packages or `pip install --target` directory.

use super::header;

/// `Name` and `Version` from the headers of METADATA or PKG-INFO (the body is ignored).
pub fn parse_metadata(text: &[u8]) -> (Option<String>, Option<String>) {
    let text = String::from_utf8_lossy(text);
    let (mut name, mut version) = (None, None);
    for line in text.lines() {
        if line.is_empty() {
            break;
        }
        if let Some(v) = header(line, "Name") {
            name = Some(v.to_string());
        } else if let Some(v) = header(line, "Version") {
            version = Some(v.to_string());
        }
    }
    (name, version)
}

/// The distributions METADATA says it needs (`Requires-Dist`), normalised; requirements that
/// only an extra asks for (`; extra == "socks"`) are not installed by default and are left out.
pub fn requirements(text: &[u8]) -> Vec<String> {
    let text = String::from_utf8_lossy(text);
    let mut out = Vec::new();
    for line in text.lines() {
        if line.is_empty() {
            break;
        }
        let Some(v) = header(line, "Requires-Dist") else {
            continue;
        };
        if v.split_once(';')
            .is_some_and(|(_, marker)| marker.contains("extra"))
        {
            continue;
        }
        let end = v
            .find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')))
            .unwrap_or(v.len());
        if end > 0 {
            out.push(normalize(&v[..end]));
        }
    }
    out
}

/// The name and version a `.dist-info` or `.egg-info` directory name carries:
/// `requests-2.31.0.dist-info`, `Foo-1.0-py3.11.egg-info`, `foo.egg-info` (no version).
pub fn parse_dir_name(dir: &[u8]) -> (String, String) {
    let dir = String::from_utf8_lossy(dir);
    let stem = dir
        .strip_suffix(".dist-info")
        .or_else(|| dir.strip_suffix(".egg-info"))
        .unwrap_or(&dir);
    let mut parts = stem.splitn(3, '-');
    let name = parts.next().unwrap_or_default().to_string();
    let version = parts.next().unwrap_or_default().to_string();
    (name, version)
}

/// The paths a RECORD lists (CSV: `path,hash,size`; a path with a comma or quote is quoted),
/// relative to the directory that holds the `.dist-info`.
pub fn parse_record(text: &[u8]) -> Vec<Vec<u8>> {
    text.split(|&b| b == b'\n')
        .filter_map(|line| {
            let line = line.strip_suffix(b"\r").unwrap_or(line);
            let path = match line.strip_prefix(b"\"") {
                Some(rest) => unquote(rest),
                None => line
                    .split(|&b| b == b',')
                    .next()
                    .unwrap_or_default()
                    .to_vec(),
            };
            (!path.is_empty()).then_some(path)
        })
        .collect()
}

/// The content of a quoted CSV field after its opening quote (`""` is a quote).
fn unquote(rest: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut i = 0;
    while let Some(&b) = rest.get(i) {
        if b == b'"' {
            if rest.get(i + 1) == Some(&b'"') {
                out.push(b'"');
                i += 2;
                continue;
            }
            break;
        }
        out.push(b);
        i += 1;
    }
    out
}

/// The paths of `installed-files.txt`, relative to the `.egg-info` directory.
pub fn parse_installed_files(text: &[u8]) -> Vec<Vec<u8>> {
    text.split(|&b| b == b'\n')
        .map(|l| l.strip_suffix(b"\r").unwrap_or(l))
        .filter(|l| !l.is_empty())
        .map(<[u8]>::to_vec)
        .collect()
}

/// PEP 503 normalisation, so `PyYAML`, `pyyaml` and `py_yaml` name one package.
pub fn normalize(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut sep = false;
    for c in name.chars() {
        if matches!(c, '-' | '_' | '.') {
            sep = true;
            continue;
        }
        if sep && !out.is_empty() {
            out.push('-');
        }
        sep = false;
        out.extend(c.to_lowercase());
    }
    out
}
