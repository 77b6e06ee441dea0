//! Tests of manifest parsing and image choice.

use super::*;

fn digest(c: char) -> String {
    format!("sha256:{}", c.to_string().repeat(64))
}

fn candidate(c: char, tags: &[&str], platform: Option<&str>) -> Candidate {
    Candidate {
        descriptor: Descriptor {
            media_type: Some(OCI_MANIFEST.into()),
            digest: Digest::parse(&digest(c)).unwrap(),
            size: 1,
            platform: None,
            annotations: BTreeMap::new(),
        },
        tags: tags.iter().map(ToString::to_string).collect(),
        platform: platform.map(|p| Platform::parse(p).unwrap()),
    }
}

#[test]
fn parses_docker_manifest_list_and_manifest() {
    let list = format!(
        r#"{{"schemaVersion":2,"mediaType":"{DOCKER_MANIFEST_LIST}","manifests":[
        {{"mediaType":"{DOCKER_MANIFEST}","digest":"{}","size":7,
          "platform":{{"architecture":"arm64","os":"linux","variant":"v8"}}}}]}}"#,
        digest('a')
    );
    let Document::Index(index) = Document::parse(list.as_bytes()).unwrap() else {
        panic!("expected an index");
    };
    assert_eq!(
        index.manifests[0].platform,
        Some(Platform::new("linux", "arm64", Some("v8")))
    );
    let manifest = format!(
        r#"{{"schemaVersion":2,"config":{{"mediaType":"application/vnd.docker.container.image.v1+json","digest":"{}","size":3}},
        "layers":[{{"mediaType":"application/vnd.docker.image.rootfs.diff.tar.gzip","digest":"{}","size":9}}]}}"#,
        digest('b'),
        digest('c')
    );
    let Document::Manifest(m) = Document::parse(manifest.as_bytes()).unwrap() else {
        panic!("expected a manifest");
    };
    assert_eq!(m.layers[0].size, 9);
    assert_eq!(
        classify(m.layers[0].media_type.as_deref().unwrap()),
        MediaClass::Layer
    );
}

#[test]
fn rejects_bad_documents() {
    assert!(matches!(
        Document::parse(b"{oops"),
        Err(ManifestError::Json(_))
    ));
    assert!(matches!(
        Document::parse(br#"{"layers":[]}"#),
        Err(ManifestError::NotAManifest(_))
    ));
    let bad = br#"{"manifests":[{"digest":"sha256:12","size":1}]}"#;
    assert!(matches!(
        Document::parse(bad),
        Err(ManifestError::Digest(_))
    ));
}

#[test]
fn classifies_unknown_layer_types_as_other() {
    assert_eq!(
        classify("application/vnd.oci.image.layer.v1.tar+foo"),
        MediaClass::Other
    );
    assert_eq!(
        classify("application/vnd.oci.image.layer.v1.tar+zstd"),
        MediaClass::Layer
    );
}

#[test]
fn tags_match_short_and_full_names() {
    assert!(tag_matches("latest", "docker.io/library/alpine:latest"));
    assert!(tag_matches(
        "alpine:latest",
        "docker.io/library/alpine:latest"
    ));
    assert!(tag_matches("alpine", "docker.io/library/alpine:latest"));
    assert!(tag_matches("v1", "v1"));
    assert!(tag_matches("app:1", "app:1"));
    assert!(!tag_matches("v2", "app:1"));
    assert!(!tag_matches("5000", "localhost:5000/app"));
}

#[test]
fn chooses_by_tag_then_platform() {
    let list = [
        candidate('a', &["v1"], Some("linux/amd64")),
        candidate('b', &["v1"], Some("linux/arm64/v8")),
        candidate('c', &["v2"], None),
    ];
    let arm = Platform::parse("linux/arm64").unwrap();
    let amd = Platform::parse("linux/amd64").unwrap();
    assert_eq!(choose(&list, Some("v1"), Some(&arm)).unwrap(), &list[1]);
    assert_eq!(choose(&list, Some("v1"), Some(&amd)).unwrap(), &list[0]);
    assert_eq!(choose(&list, Some("v2"), None).unwrap(), &list[2]);
    let err = choose(&list, Some("v3"), None).unwrap_err();
    assert!(
        err.contains("v1 (linux/amd64)") && err.contains("v2 (unknown platform)"),
        "{err}"
    );
    let s390 = Platform::parse("linux/s390x").unwrap();
    let err = choose(&list, Some("v1"), Some(&s390)).unwrap_err();
    assert!(err.contains("no image for platform linux/s390x"), "{err}");
    assert!(err.contains("linux/arm64/v8"), "{err}");
}

#[test]
fn ambiguity_lists_the_choices() {
    let list = [candidate('a', &["v1"], None), candidate('b', &["v2"], None)];
    let err = choose(&list, None, None).unwrap_err();
    assert!(
        err.contains("several images") && err.contains("v1") && err.contains("v2"),
        "{err}"
    );
    // The same manifest under two tags is one image.
    let same = [candidate('a', &["v1"], None), candidate('a', &["v2"], None)];
    assert!(choose(&same, None, None).is_ok());
}
