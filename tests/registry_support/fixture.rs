//! Shared set-up for the registry tests: builds a small image with the harness's dockerd, pushes
//! it to the open, basic-auth and token registries, makes a zstd variant and a multi-platform
//! index, and reads `docker save` of the same image for comparison. Included by the registry
//! test files with `#[path]`.

// Each including test file uses a different part of it.
#![allow(dead_code)]

use std::collections::HashMap;
use std::io::{Cursor, Read};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use plummet::image::{
    Expected, Image, ImageConfig, ImageMeta, IndexOptions, LayerJob, Progress, index,
};
use plummet::source::{Credentials, LoadOptions, Secret};

pub const REPO: &str = "plummet-registry-test/app";
pub const MULTI: &str = "plummet-registry-test/multi";

/// Where the harness is, from its environment variables.
pub struct Env {
    pub registry: String,
    pub basic: String,
    pub basic_user: String,
    pub basic_password: String,
    pub token: String,
    pub token_user: String,
    pub token_password: String,
    pub token_realm: String,
    pub token_service: String,
    pub docker_host: String,
    pub podman_conf: String,
    pub podman_storage: String,
}

pub struct Fixture {
    pub env: Env,
    /// `docker save` of the pushed image.
    pub saved: PathBuf,
    _dir: tempfile::TempDir,
}

#[path = "../harness/env.rs"]
mod harness_env;

use harness_env::var;

/// The harness, or `None` after a loud SKIPPED line (a failure when CI=true).
pub fn env() -> Option<Env> {
    let names = [
        "PLUMMET_TEST_REGISTRY",
        "PLUMMET_TEST_REGISTRY_BASIC",
        "PLUMMET_TEST_REGISTRY_TOKEN",
        "PLUMMET_TEST_DOCKER_HOST",
    ];
    if !harness_env::present("registry test", &names) {
        return None;
    }
    let get = |n: &str| var(n).unwrap_or_default();
    Some(Env {
        registry: get("PLUMMET_TEST_REGISTRY"),
        basic: get("PLUMMET_TEST_REGISTRY_BASIC"),
        basic_user: get("PLUMMET_TEST_REGISTRY_BASIC_USER"),
        basic_password: get("PLUMMET_TEST_REGISTRY_BASIC_PASSWORD"),
        token: get("PLUMMET_TEST_REGISTRY_TOKEN"),
        token_user: get("PLUMMET_TEST_REGISTRY_TOKEN_USER"),
        token_password: get("PLUMMET_TEST_REGISTRY_TOKEN_PASSWORD"),
        token_realm: get("PLUMMET_TEST_REGISTRY_TOKEN_REALM"),
        token_service: get("PLUMMET_TEST_REGISTRY_TOKEN_SERVICE"),
        docker_host: get("PLUMMET_TEST_DOCKER_HOST"),
        podman_conf: get("PLUMMET_TEST_PODMAN_CONTAINERS_CONF"),
        podman_storage: get("PLUMMET_TEST_PODMAN_STORAGE_CONF"),
    })
}

/// Builds and pushes everything once per test binary.
pub fn fixture() -> Option<&'static Fixture> {
    static FIXTURE: OnceLock<Option<Fixture>> = OnceLock::new();
    FIXTURE
        .get_or_init(|| env().map(|env| build(env).unwrap_or_else(|e| panic!("fixture: {e}"))))
        .as_ref()
}

pub fn run(cmd: &mut Command) -> Result<String, String> {
    let out = cmd.output().map_err(|e| format!("{cmd:?}: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "{cmd:?} failed: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

fn build(env: Env) -> Result<Fixture, String> {
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let d = dir.path();
    let context = d.join("context");
    std::fs::create_dir_all(&context).map_err(|e| e.to_string())?;
    // Incompressible bytes so that the deleted file is real waste in every layer form.
    let mut big = vec![0u8; 300_000];
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    for b in &mut big {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        *b = x as u8;
    }
    std::fs::write(context.join("big.bin"), &big).map_err(|e| e.to_string())?;
    std::fs::write(context.join("keep.txt"), "hello\n").map_err(|e| e.to_string())?;
    std::fs::write(
        context.join("Dockerfile"),
        "FROM plummet-busybox:latest\nCOPY big.bin keep.txt /data/\nRUN rm /data/big.bin && echo done >/data/done\nUSER 1000\n",
    )
    .map_err(|e| e.to_string())?;
    let docker = || {
        let mut c = Command::new("docker");
        c.env("DOCKER_HOST", &env.docker_host)
            .env("DOCKER_CONFIG", d.join("docker-config"));
        c
    };
    let open = format!("{}/{REPO}:v1", env.registry);
    run(docker()
        .args(["build", "--network", "none", "-q", "-t", &open])
        .arg(&context))?;
    run(docker().args(["push", "-q", &open]))?;
    let saved = d.join("saved.tar");
    run(docker().arg("save").arg("-o").arg(&saved).arg(&open))?;
    let skopeo = |args: &[&str]| {
        run(Command::new("skopeo")
            .args([
                "copy",
                "-q",
                "--src-tls-verify=false",
                "--dest-tls-verify=false",
            ])
            .args(args))
    };
    let src = format!("docker://{open}");
    let basic_creds = format!("{}:{}", env.basic_user, env.basic_password);
    skopeo(&[
        "--dest-creds",
        &basic_creds,
        &src,
        &format!("docker://{}/{REPO}:v1", env.basic),
    ])?;
    let token_creds = format!("{}:{}", env.token_user, env.token_password);
    skopeo(&[
        "--dest-creds",
        &token_creds,
        &src,
        &format!("docker://{}/{REPO}:v1", env.token),
    ])?;
    let layout = format!("oci:{}:zstd", d.join("zstd").display());
    skopeo(&[
        "--dest-compress-format",
        "zstd",
        "--dest-compress",
        &src,
        &layout,
    ])?;
    skopeo(&[
        "--preserve-digests",
        &layout,
        &format!("docker://{}/{REPO}:zstd", env.registry),
    ])?;
    multi_platform(&env, d)?;
    Ok(Fixture {
        env,
        saved,
        _dir: dir,
    })
}

/// A three-platform index (linux/amd64, linux/arm/v6, linux/arm/v7) of distinct images, each
/// holding `/platform.txt` with its platform.
fn multi_platform(env: &Env, d: &Path) -> Result<(), String> {
    let podman = || {
        let mut c = Command::new("podman");
        c.env("CONTAINERS_CONF", &env.podman_conf)
            .env("CONTAINERS_STORAGE_CONF", &env.podman_storage);
        c
    };
    let list = "plummet-registry-test-multi";
    let _ = podman().args(["manifest", "rm", list]).output();
    run(podman().args(["manifest", "create", list]))?;
    for platform in ["linux/amd64", "linux/arm/v6", "linux/arm/v7"] {
        let name = platform.replace('/', "-");
        let context = d.join(&name);
        std::fs::create_dir_all(&context).map_err(|e| e.to_string())?;
        std::fs::write(context.join("platform.txt"), platform).map_err(|e| e.to_string())?;
        std::fs::write(
            context.join("Dockerfile"),
            "FROM scratch\nCOPY platform.txt /\n",
        )
        .map_err(|e| e.to_string())?;
        let tag = format!("localhost/{MULTI}:{name}");
        run(podman()
            .args([
                "build",
                "-q",
                "--isolation",
                "chroot",
                "--no-cache",
                "--platform",
                platform,
                "-t",
                &tag,
            ])
            .arg(&context))?;
        let parts: Vec<&str> = platform.split('/').collect();
        let mut add = podman();
        add.args(["manifest", "add", "--os", parts[0], "--arch", parts[1]]);
        if let Some(v) = parts.get(2) {
            add.args(["--variant", v]);
        }
        run(add.args([list, &format!("containers-storage:{tag}")]))?;
    }
    run(podman().args([
        "manifest",
        "push",
        "-q",
        "--all",
        "--tls-verify=false",
        list,
        &format!("docker://{}/{MULTI}:v1", env.registry),
    ]))?;
    Ok(())
}

pub fn creds(user: &str, password: &str) -> Option<Credentials> {
    Some(Credentials {
        username: user.to_string(),
        secret: Secret(password.to_string()),
    })
}

pub fn options() -> LoadOptions {
    LoadOptions::default()
}

/// Reads a legacy `docker save` archive with the same indexer (uncompressed layer tars).
pub fn load_saved(path: &Path) -> Image {
    let mut files: HashMap<String, Vec<u8>> = HashMap::new();
    let mut archive = tar::Archive::new(std::fs::File::open(path).unwrap());
    for entry in archive.entries().unwrap() {
        let mut entry = entry.unwrap();
        let name = entry.path().unwrap().to_string_lossy().into_owned();
        let mut data = Vec::new();
        entry.read_to_end(&mut data).unwrap();
        files.insert(name, data);
    }
    let manifest: serde_json::Value = serde_json::from_slice(&files["manifest.json"]).unwrap();
    let config_name = manifest[0]["Config"].as_str().unwrap();
    let config = ImageConfig::parse(&files[config_name]).unwrap();
    let layer_names: Vec<String> = manifest[0]["Layers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l.as_str().unwrap().to_string())
        .collect();
    let jobs: Vec<LayerJob<'static>> = layer_names
        .iter()
        .enumerate()
        .map(|(i, name)| {
            let data = files[name].clone();
            LayerJob {
                position: i,
                name: name.clone(),
                size_hint: data.len() as u64,
                expected: Expected {
                    digest: None,
                    diff_id: config.diff_ids.get(i).cloned(),
                },
                origin: None,
                open: Box::new(move || Ok(Box::new(Cursor::new(data)) as Box<dyn Read + Send>)),
            }
        })
        .collect();
    let layers = index::index_layers(jobs, &IndexOptions::default(), &Progress::default()).unwrap();
    let meta = ImageMeta {
        reference: path.display().to_string(),
        source: "docker-archive".into(),
        config,
        ..ImageMeta::default()
    };
    Image::assemble(meta, layers)
}
