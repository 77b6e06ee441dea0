//! Pulling from the harness's real registries: the analysis equals that of `docker save` of the
//! same image; anonymous, basic and token auth with good, wrong, expired and missing
//! credentials; unknown tags; platform choice; zstd layers.

#[cfg(test)]
#[path = "registry_support/fixture.rs"]
mod fixture;

use fixture::{MULTI, REPO, creds, fixture, load_saved, options};
use plummet::analysis::analyze;
use plummet::image::{Compression, Platform, Progress};
use plummet::source::{LoadOptions, Secret, registry};

#[cfg(test)]
fn pull(reference: &str, options: &LoadOptions) -> Result<plummet::image::Image, String> {
    registry::load(reference, options, &Progress::default()).map_err(|e| e.to_string())
}

#[test]
fn analysis_from_the_registry_equals_the_docker_save_analysis() {
    let Some(f) = fixture() else { return };
    let progress = Progress::default();
    let image = registry::load(
        &format!("{}/{REPO}:v1", f.env.registry),
        &options(),
        &progress,
    )
    .unwrap();
    let pulled = analyze(&image);
    let saved = analyze(&load_saved(&f.saved));
    assert!(pulled.layers.len() >= 3, "{}", pulled.layers.len());
    assert!(
        pulled.wasted_bytes >= 300_000,
        "the deleted file is waste: {}",
        pulled.wasted_bytes
    );
    assert_eq!(pulled.size_bytes, saved.size_bytes);
    assert_eq!(pulled.user_size_bytes, saved.user_size_bytes);
    assert_eq!(pulled.final_size_bytes, saved.final_size_bytes);
    assert_eq!(pulled.wasted_bytes, saved.wasted_bytes);
    assert_eq!(pulled.reclaimable_bytes, saved.reclaimable_bytes);
    assert!((pulled.efficiency - saved.efficiency).abs() < 1e-12);
    assert_eq!(pulled.wasted, saved.wasted);
    assert_eq!(pulled.runs_as_root, saved.runs_as_root);
    assert!(!pulled.runs_as_root);
    for (p, s) in pulled.layers.iter().zip(&saved.layers) {
        assert_eq!(
            (p.size_bytes, p.file_count),
            (s.size_bytes, s.file_count),
            "layer {}",
            p.index
        );
        assert_eq!(p.changes, s.changes, "layer {}", p.index);
        assert_eq!(p.command, s.command, "layer {}", p.index);
        assert_eq!(p.diff_id, s.diff_id, "layer {}", p.index);
        assert_eq!(p.compression, Some(Compression::Gzip));
    }
    assert_eq!(pulled.source, "registry");
    assert_eq!(pulled.reference, format!("{}/{REPO}:v1", f.env.registry));
    assert!(pulled.digest.is_some());
    // Progress saw every layer to its end, counted in blob bytes.
    let view = progress.view();
    assert_eq!(view.finished(), image.meta.layers.len());
    let blob_total: u64 = image.meta.layers.iter().filter_map(|l| l.blob_size).sum();
    assert_eq!(view.read(), blob_total);
}

#[test]
fn pulls_by_digest_and_checks_it() {
    let Some(f) = fixture() else { return };
    let by_tag = pull(&format!("{}/{REPO}:v1", f.env.registry), &options()).unwrap();
    let digest = by_tag.meta.digest.clone().unwrap();
    let by_digest = pull(&format!("{}/{REPO}@{digest}", f.env.registry), &options()).unwrap();
    assert_eq!(by_digest.meta.digest, Some(digest.clone()));
    assert_eq!(by_digest.meta.config_digest, by_tag.meta.config_digest);
    let both = pull(
        &format!("{}/{REPO}:v1@{digest}", f.env.registry),
        &options(),
    )
    .unwrap();
    assert_eq!(both.meta.digest, Some(digest));
    let absent = format!("sha256:{}", "0".repeat(64));
    let e = pull(&format!("{}/{REPO}@{absent}", f.env.registry), &options()).unwrap_err();
    assert!(e.contains(&absent) && e.contains("not found"), "{e}");
}

#[test]
fn zstd_layers_give_the_same_analysis() {
    let Some(f) = fixture() else { return };
    let gzip = analyze(&pull(&format!("{}/{REPO}:v1", f.env.registry), &options()).unwrap());
    let image = pull(&format!("{}/{REPO}:zstd", f.env.registry), &options()).unwrap();
    assert!(
        image
            .blobs
            .iter()
            .all(|b| b.compression == Compression::Zstd)
    );
    let zstd = analyze(&image);
    assert_eq!(zstd.wasted, gzip.wasted);
    assert_eq!(zstd.size_bytes, gzip.size_bytes);
    assert_eq!(zstd.final_size_bytes, gzip.final_size_bytes);
}

#[test]
fn unknown_tag_and_repository_are_named() {
    let Some(f) = fixture() else { return };
    let reference = format!("{}/{REPO}:no-such-tag", f.env.registry);
    let e = pull(&reference, &options()).unwrap_err();
    assert!(
        e.contains(&reference) && e.contains("MANIFEST_UNKNOWN"),
        "{e}"
    );
    assert!(!e.contains('\n'));
    let reference = format!("{}/plummet-registry-test/nothing-here:v1", f.env.registry);
    let e = pull(&reference, &options()).unwrap_err();
    assert!(e.contains(&reference) && e.contains("not found"), "{e}");
}

/// The config digest of the image in the open registry, which the copies share.
#[cfg(test)]
fn open_config(f: &fixture::Fixture) -> Option<plummet::image::Digest> {
    let image = pull(&format!("{}/{REPO}:v1", f.env.registry), &options()).unwrap();
    assert!(image.tree.layers.len() >= 3);
    image.meta.config_digest
}

#[test]
fn basic_auth_good_wrong_and_missing() {
    let Some(f) = fixture() else { return };
    let env = &f.env;
    let reference = format!("{}/{REPO}:v1", env.basic);
    let good = LoadOptions {
        credentials: creds(&env.basic_user, &env.basic_password),
        ..options()
    };
    assert_eq!(
        pull(&reference, &good).unwrap().meta.config_digest,
        open_config(f)
    );
    let wrong = LoadOptions {
        credentials: creds(&env.basic_user, "wrong-Pa55word"),
        ..options()
    };
    let e = pull(&reference, &wrong).unwrap_err();
    assert_eq!(
        e,
        format!(
            "authentication failed for {} as {}: check the user name and password",
            env.basic, env.basic_user
        )
    );
    assert!(!e.contains("wrong-Pa55word") && !e.contains(&env.basic_password));
    let e = pull(&reference, &options()).unwrap_err();
    assert!(
        e.contains("requires credentials: use --creds or docker login"),
        "{e}"
    );
}

#[test]
fn token_auth_good_wrong_and_missing() {
    let Some(f) = fixture() else { return };
    let env = &f.env;
    let reference = format!("{}/{REPO}:v1", env.token);
    let good = LoadOptions {
        credentials: creds(&env.token_user, &env.token_password),
        ..options()
    };
    let image = pull(&reference, &good).unwrap();
    assert_eq!(image.meta.config_digest, open_config(f));
    let wrong = LoadOptions {
        credentials: creds(&env.token_user, "wrong-t0ken-pass"),
        ..options()
    };
    let e = pull(&reference, &wrong).unwrap_err();
    assert!(
        e.starts_with(&format!(
            "authentication failed for {} as {}",
            env.token, env.token_user
        )),
        "{e}"
    );
    assert!(!e.contains("wrong-t0ken-pass") && !e.contains(&env.token_password));
    let e = pull(&reference, &options()).unwrap_err();
    assert!(
        e.contains(&format!("{}/{REPO} requires credentials", env.token)),
        "{e}"
    );
}

/// A token from the harness's token server, `ttl` seconds from now (negative: expired).
#[cfg(test)]
fn token(env: &fixture::Env, ttl: i64) -> String {
    let url = format!(
        "{}?service={}&scope=repository:{REPO}:pull&ttl={ttl}",
        env.token_realm, env.token_service
    );
    let out = fixture::run(std::process::Command::new("curl").args([
        "-fsS",
        "-u",
        &format!("{}:{}", env.token_user, env.token_password),
        &url,
    ]))
    .unwrap();
    let answer: serde_json::Value = serde_json::from_str(&out).unwrap();
    answer["token"].as_str().unwrap().to_string()
}

#[test]
fn given_tokens_valid_and_expired() {
    let Some(f) = fixture() else { return };
    let env = &f.env;
    let reference = format!("{}/{REPO}:v1", env.token);
    let valid = LoadOptions {
        registry_token: Some(Secret(token(env, 300))),
        ..options()
    };
    assert_eq!(
        pull(&reference, &valid).unwrap().meta.config_digest,
        open_config(f)
    );
    let expired = token(env, -600);
    let options = LoadOptions {
        registry_token: Some(Secret(expired.clone())),
        ..options()
    };
    let e = pull(&reference, &options).unwrap_err();
    assert!(
        e.contains(&format!(
            "the registry token for {} was rejected (expired",
            env.token
        )),
        "{e}"
    );
    assert!(!e.contains(&expired));
}

#[test]
fn platform_selection_and_ambiguity() {
    let Some(f) = fixture() else { return };
    let reference = format!("{}/{MULTI}:v1", f.env.registry);
    let platform_file = |platform: &str| {
        let options = LoadOptions {
            platform: Some(Platform::parse(platform).unwrap()),
            ..options()
        };
        let image = pull(&reference, &options).unwrap();
        assert_eq!(
            image.meta.config.architecture,
            platform.split('/').nth(1).unwrap()
        );
        let analysis = analyze(&image);
        (analysis.final_size_bytes, image.meta.digest.clone())
    };
    let (size_v7, index_digest) = platform_file("linux/arm/v7");
    let (size_amd64, same_index) = platform_file("linux/amd64");
    assert_eq!(
        index_digest, same_index,
        "the reference resolves to the index"
    );
    assert_eq!(size_v7, "linux/arm/v7".len() as u64);
    assert_eq!(size_amd64, "linux/amd64".len() as u64);
    let ambiguous = LoadOptions {
        platform: Some(Platform::parse("linux/arm").unwrap()),
        ..options()
    };
    let e = pull(&reference, &ambiguous).unwrap_err();
    assert!(
        e.contains(&reference)
            && e.contains("ambiguous")
            && e.contains("linux/arm/v6, linux/arm/v7"),
        "{e}"
    );
    let missing = LoadOptions {
        platform: Some(Platform::parse("linux/s390x").unwrap()),
        ..options()
    };
    let e = pull(&reference, &missing).unwrap_err();
    assert!(
        e.contains("available: linux/amd64, linux/arm/v6, linux/arm/v7"),
        "{e}"
    );
}

#[test]
fn malformed_references_are_rejected_before_any_request() {
    let e = pull("127.0.0.1:5000/Upper/case", &options()).unwrap_err();
    assert!(
        e.contains("127.0.0.1:5000/Upper/case") && e.contains("lowercase"),
        "{e}"
    );
}
