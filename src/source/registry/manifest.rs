//! Manifests as registries serve them: OCI and Docker v2 schema 2 image manifests, OCI indexes
//! and Docker manifest lists, and choosing one platform's manifest from an index.

use crate::image::Platform;

/// What the manifest endpoint is asked to return.
pub const ACCEPT: &str = "application/vnd.oci.image.index.v1+json, \
application/vnd.oci.image.manifest.v1+json, \
application/vnd.docker.distribution.manifest.list.v2+json, \
application/vnd.docker.distribution.manifest.v2+json";

pub use crate::image::manifest::Descriptor;
use crate::image::manifest::Document;

/// A parsed manifest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Manifest {
    Image {
        config: Descriptor,
        layers: Vec<Descriptor>,
    },
    Index(Vec<Descriptor>),
}

/// Parses a manifest body with the archive sources' parser; `content_type` is the response's,
/// which wins over the body's own `mediaType` when they disagree on index versus image.
pub fn parse(content_type: Option<&str>, body: &[u8]) -> Result<Manifest, String> {
    use crate::image::manifest::ManifestError;
    match Document::parse_as(body, content_type) {
        Ok(Document::Manifest(m)) => Ok(Manifest::Image {
            config: m.config,
            layers: m.layers,
        }),
        Ok(Document::Index(i)) => Ok(Manifest::Index(i.manifests)),
        Err(ManifestError::NotAManifest(_)) => Err("the manifest has no config".into()),
        Err(e @ ManifestError::SchemaV1) => Err(e.to_string()),
        Err(e) => Err(format!("malformed manifest: {e}")),
    }
}

/// Chooses the manifest for `wanted` from an index. Several matches are fine only when exactly
/// one of them has precisely the wanted variant (or lack of one).
pub fn select<'a>(entries: &'a [Descriptor], wanted: &Platform) -> Result<&'a Descriptor, String> {
    let images: Vec<&Descriptor> = entries.iter().filter(|d| !d.is_attestation()).collect();
    let candidates: Vec<&Descriptor> = images
        .iter()
        .copied()
        .filter(|d| d.platform.as_ref().is_some_and(|p| wanted.matches(p)))
        .collect();
    let list = |ds: &[&Descriptor]| {
        let mut names: Vec<String> = ds
            .iter()
            .map(|d| {
                d.platform
                    .as_ref()
                    .map_or_else(|| "unknown".to_string(), ToString::to_string)
            })
            .collect();
        names.dedup();
        names.join(", ")
    };
    match candidates.as_slice() {
        [] => Err(format!(
            "no image for {wanted}; available: {}: choose one with --platform",
            if images.is_empty() {
                "none".to_string()
            } else {
                list(&images)
            }
        )),
        [one] => Ok(one),
        several => {
            let exact: Vec<&Descriptor> = several
                .iter()
                .copied()
                .filter(|d| {
                    d.platform
                        .as_ref()
                        .is_some_and(|p| p.variant == wanted.variant)
                })
                .collect();
            let distinct = |ds: &[&Descriptor]| {
                let mut ps: Vec<_> = ds.iter().map(|d| d.platform.clone()).collect();
                ps.sort();
                ps.dedup();
                ps.len()
            };
            match exact.first() {
                Some(first) if distinct(&exact) == 1 => Ok(first),
                _ if distinct(several) == 1 => Ok(several[0]),
                _ => Err(format!(
                    "{wanted} is ambiguous: it matches {}: choose one with --platform",
                    list(several)
                )),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(n: u8) -> String {
        format!("sha256:{}", format!("{n:02x}").repeat(32))
    }

    fn index(platforms: &[&str]) -> Vec<Descriptor> {
        let entries: Vec<String> = platforms
            .iter()
            .enumerate()
            .map(|(i, p)| {
                let parts: Vec<&str> = p.split('/').collect();
                let variant = parts.get(2).map(|v| format!(r#","variant":"{v}""#)).unwrap_or_default();
                format!(
                    r#"{{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"{}","size":10,"platform":{{"os":"{}","architecture":"{}"{variant}}}}}"#,
                    d(i as u8),
                    parts[0],
                    parts[1]
                )
            })
            .collect();
        let body = format!(
            r#"{{"schemaVersion":2,"manifests":[{}]}}"#,
            entries.join(",")
        );
        match parse(
            Some("application/vnd.oci.image.index.v1+json"),
            body.as_bytes(),
        )
        .unwrap()
        {
            Manifest::Index(e) => e,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn parses_a_docker_image_manifest() {
        let body = format!(
            r#"{{"schemaVersion":2,"mediaType":"application/vnd.docker.distribution.manifest.v2+json",
            "config":{{"mediaType":"application/vnd.docker.container.image.v1+json","size":7,"digest":"{}"}},
            "layers":[{{"mediaType":"application/vnd.docker.image.rootfs.diff.tar.gzip","size":99,"digest":"{}"}}]}}"#,
            d(1),
            d(2)
        );
        let Manifest::Image { config, layers } = parse(None, body.as_bytes()).unwrap() else {
            panic!("not an image")
        };
        assert_eq!(config.size, 7);
        assert_eq!(layers.len(), 1);
        assert_eq!(layers[0].digest.to_string(), d(2));
    }

    #[test]
    fn rejects_schema1_and_garbage() {
        assert!(
            parse(None, br#"{"schemaVersion":1,"fsLayers":[]}"#)
                .unwrap_err()
                .contains("schema 1")
        );
        assert!(parse(None, b"nope").is_err());
        assert!(
            parse(None, br#"{"schemaVersion":2}"#)
                .unwrap_err()
                .contains("no config")
        );
    }

    #[test]
    fn selects_the_host_platform() {
        let entries = index(&["linux/amd64", "linux/arm64/v8", "unknown/unknown"]);
        assert_eq!(entries.iter().filter(|e| e.is_attestation()).count(), 1);
        let got = select(&entries, &Platform::parse("linux/arm64").unwrap()).unwrap();
        assert_eq!(got.digest.to_string(), d(1));
        let got = select(&entries, &Platform::parse("linux/amd64").unwrap()).unwrap();
        assert_eq!(got.digest.to_string(), d(0));
    }

    #[test]
    fn missing_platform_lists_the_available_ones() {
        let entries = index(&["linux/amd64", "linux/arm/v7", "unknown/unknown"]);
        let e = select(&entries, &Platform::parse("linux/s390x").unwrap()).unwrap_err();
        assert_eq!(
            e,
            "no image for linux/s390x; available: linux/amd64, linux/arm/v7: choose one with --platform"
        );
    }

    #[test]
    fn ambiguity_lists_the_candidates_and_exact_variants_win() {
        let entries = index(&[
            "linux/arm/v6",
            "linux/arm/v7",
            "linux/amd64",
            "linux/amd64/v3",
        ]);
        let e = select(&entries, &Platform::parse("linux/arm").unwrap()).unwrap_err();
        assert!(
            e.contains("ambiguous") && e.contains("linux/arm/v6, linux/arm/v7"),
            "{e}"
        );
        let got = select(&entries, &Platform::parse("linux/amd64").unwrap()).unwrap();
        assert_eq!(got.digest.to_string(), d(2));
        let got = select(&entries, &Platform::parse("linux/arm/v7").unwrap()).unwrap();
        assert_eq!(got.digest.to_string(), d(1));
    }
}
