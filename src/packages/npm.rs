//! npm packages: each directory `node_modules/NAME` or `node_modules/@SCOPE/NAME` (at any depth)
//! with a package.json is one installed package; it owns the files below it, except those of
//! its own nested node_modules.

/// Whether `dir` (cleaned, relative) is a package directory directly under a node_modules.
pub fn package_dir(dir: &[u8]) -> Option<()> {
    let mut parts = dir.rsplit(|&b| b == b'/');
    let name = parts.next()?;
    if name.is_empty() || name == b"node_modules" || name.starts_with(b".") {
        return None;
    }
    let parent = parts.next()?;
    if parent == b"node_modules" && !name.starts_with(b"@") {
        return Some(());
    }
    (parent.starts_with(b"@") && parts.next()? == b"node_modules").then_some(())
}

/// What a package.json says about the package.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Manifest {
    pub name: Option<String>,
    pub version: String,
    /// `dependencies`, `optionalDependencies` and `peerDependencies` (npm 7+ installs peers).
    pub depends: Vec<String>,
}

/// A package.json's manifest; `None` when it is not a JSON object.
pub fn parse_manifest(text: &[u8]) -> Option<Manifest> {
    let json: serde_json::Value = serde_json::from_slice(text).ok()?;
    let object = json.as_object()?;
    let name = object
        .get("name")
        .and_then(|n| n.as_str())
        .map(str::to_string);
    let version = object
        .get("version")
        .and_then(|v| v.as_str())
        .unwrap_or_default()
        .to_string();
    let mut depends: Vec<String> = ["dependencies", "optionalDependencies", "peerDependencies"]
        .iter()
        .filter_map(|k| object.get(*k).and_then(|d| d.as_object()))
        .flat_map(|d| d.keys().cloned())
        .collect();
    depends.sort();
    depends.dedup();
    Some(Manifest {
        name,
        version,
        depends,
    })
}
