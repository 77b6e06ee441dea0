//! Extra trust roots for one registry, where Docker and Podman users already keep them:
//! `/etc/docker/certs.d/HOST[:PORT]/*.crt` and `/etc/containers/certs.d/HOST[:PORT]/*.crt`
//! (the roots are `PLUMMET_CERTS_D="dir1:dir2"` when set), and the system's CA bundle when
//! `SSL_CERT_FILE` or `SSL_CERT_DIR` is set, so that those add to the system's CAs instead of
//! replacing them (reqwest's native roots read only them when they are set).

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use reqwest::Certificate;

/// The certs.d roots searched when `PLUMMET_CERTS_D` is not set.
const CERTS_D: &[&str] = &["/etc/docker/certs.d", "/etc/containers/certs.d"];

/// The system CA bundles, first found wins (openssl-probe's list for Linux).
const SYSTEM_BUNDLES: &[&str] = &[
    "/etc/ssl/certs/ca-certificates.crt",
    "/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem",
    "/etc/pki/tls/certs/ca-bundle.crt",
    "/etc/ssl/ca-bundle.pem",
    "/etc/pki/tls/cacert.pem",
    "/etc/ssl/cert.pem",
];

/// The `*.crt` files that apply to `hosts` (a reference's `host[:port]` and the host its API
/// is reached at), in name order: one directory per certs.d root and host.
pub fn certs_d_files(
    var: &impl Fn(&str) -> Option<OsString>,
    hosts: &[&str],
) -> Result<Vec<PathBuf>, String> {
    let roots: Vec<PathBuf> = match var("PLUMMET_CERTS_D") {
        Some(list) => std::env::split_paths(&list)
            .filter(|p| !p.as_os_str().is_empty())
            .collect(),
        None => CERTS_D.iter().map(PathBuf::from).collect(),
    };
    let mut files = Vec::new();
    for root in &roots {
        let mut seen: Vec<&str> = Vec::new();
        for host in hosts {
            // A host name never holds a path separator or `..` here (references are parsed
            // before), but refuse them anyway so that no file outside the root is read.
            if host.is_empty() || host.contains('/') || *host == ".." || seen.contains(host) {
                continue;
            }
            seen.push(host);
            let dir = root.join(host);
            let entries = match std::fs::read_dir(&dir) {
                Ok(entries) => entries,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
                Err(e) => return Err(format!("cannot read {}: {e}", dir.display())),
            };
            let mut here: Vec<PathBuf> = entries
                .filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|x| x == "crt"))
                .collect();
            here.sort();
            files.extend(here);
        }
    }
    Ok(files)
}

/// The certificates of one PEM file, or a one-line error naming it.
pub fn read_pem(path: &Path) -> Result<Vec<Certificate>, String> {
    let bytes = std::fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let certs = Certificate::from_pem_bundle(&bytes)
        .map_err(|_| format!("{} is not a PEM certificate file", path.display()))?;
    if certs.is_empty() {
        return Err(format!("{} holds no PEM certificate", path.display()));
    }
    Ok(certs)
}

/// The system bundle to add when `SSL_CERT_FILE` or `SSL_CERT_DIR` is set, if one exists.
pub fn system_bundle(var: &impl Fn(&str) -> Option<OsString>) -> Option<PathBuf> {
    if var("SSL_CERT_FILE").is_none() && var("SSL_CERT_DIR").is_none() {
        return None;
    }
    SYSTEM_BUNDLES
        .iter()
        .map(PathBuf::from)
        .find(|p| p.is_file())
}

/// Every extra root for a registry reached as `hosts`, from this process's environment.
pub fn extra_roots(hosts: &[&str]) -> Result<Vec<Certificate>, String> {
    let var = |name: &str| std::env::var_os(name).filter(|v| !v.is_empty());
    let mut certs = Vec::new();
    for file in certs_d_files(&var, hosts)? {
        certs.extend(read_pem(&file)?);
    }
    if let Some(bundle) = system_bundle(&var) {
        // The system's own bundle: a broken one is not the user's doing, and the user asked
        // only for their CA, so a failure here leaves the system's CAs out instead of failing.
        if let Ok(system) = read_pem(&bundle) {
            certs.extend(system);
        }
    }
    Ok(certs)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lookup(pairs: Vec<(&'static str, OsString)>) -> impl Fn(&str) -> Option<OsString> {
        move |name| {
            pairs
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| v.clone())
        }
    }

    #[test]
    fn certs_d_files_per_host_in_every_root() {
        let a = tempfile::tempdir().unwrap();
        let b = tempfile::tempdir().unwrap();
        for (root, host, name) in [
            (a.path(), "reg:5000", "z.crt"),
            (a.path(), "reg:5000", "a.crt"),
            (a.path(), "reg:5000", "client.key"),
            (a.path(), "other", "o.crt"),
            (b.path(), "reg:5000", "b.crt"),
        ] {
            std::fs::create_dir_all(root.join(host)).unwrap();
            std::fs::write(root.join(host).join(name), "x").unwrap();
        }
        let list = std::env::join_paths([a.path(), Path::new("/nonexistent"), b.path()]).unwrap();
        let var = lookup(vec![("PLUMMET_CERTS_D", list)]);
        let files = certs_d_files(&var, &["reg:5000", "reg:5000"]).unwrap();
        assert_eq!(
            files,
            [
                a.path().join("reg:5000/a.crt"),
                a.path().join("reg:5000/z.crt"),
                b.path().join("reg:5000/b.crt"),
            ]
        );
        assert!(certs_d_files(&var, &["nobody:1", ".."]).unwrap().is_empty());
    }

    #[test]
    fn bad_pem_files_are_named() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("bad.crt");
        std::fs::write(&path, "not a certificate\n").unwrap();
        let e = read_pem(&path).unwrap_err();
        assert!(e.contains("bad.crt") && e.contains("no PEM"), "{e}");
        let e = read_pem(&dir.path().join("gone.crt")).unwrap_err();
        assert!(
            e.starts_with("cannot read ") && e.contains("gone.crt"),
            "{e}"
        );
    }

    #[test]
    fn system_bundle_only_when_ssl_cert_variables_replace_it() {
        assert_eq!(system_bundle(&lookup(vec![])), None);
        let with = lookup(vec![("SSL_CERT_FILE", OsString::from("/ca.pem"))]);
        let expected = SYSTEM_BUNDLES
            .iter()
            .map(PathBuf::from)
            .find(|p| p.is_file());
        assert_eq!(system_bundle(&with), expected);
    }
}
