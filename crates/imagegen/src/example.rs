//! The README demo image: a small, realistic-looking app image with the usual waste.

use crate::scenarios::PRIVATE_KEY;
use crate::spec::{ImageSpec, LayerSpec, Op};

const PACKAGE_JSON: &str = r#"{
  "name": "shop-api",
  "version": "2.3.1",
  "dependencies": {"express": "4.18.2", "lodash": "4.17.21"},
  "devDependencies": {"jest": "29.7.0", "typescript": "5.4.5", "eslint": "8.57.0"}
}
"#;

fn distro() -> LayerSpec {
    let mut ops = vec![
        Op::random("/bin/busybox", 150_000).mode(0o755),
        Op::random("/lib/x86_64-linux-gnu/libc.so.6", 90_000).mode(0o755),
        Op::bytes("/etc/os-release", "NAME=\"Fakebian\"\nVERSION_ID=\"12\"\n"),
        Op::bytes(
            "/etc/passwd",
            "root:x:0:0:root:/root:/bin/sh\nnode:x:1000:1000::/home/node:/bin/sh\n",
        ),
        Op::dir("/tmp").mode(0o1777),
        Op::dir("/root").mode(0o700),
    ];
    for tool in ["sh", "ls", "cat", "rm", "mkdir", "echo"] {
        ops.push(Op::symlink(format!("/bin/{tool}"), "busybox"));
    }
    for pkg in [
        "base-files",
        "libc6",
        "coreutils",
        "dash",
        "tzdata",
        "ca-certificates",
        "openssl",
        "zlib1g",
    ] {
        ops.push(Op::text(format!("/usr/share/doc/{pkg}/copyright"), 6_000));
        ops.push(Op::text(
            format!("/usr/share/doc/{pkg}/changelog.Debian"),
            9_000,
        ));
    }
    for list in [
        "bookworm_InRelease",
        "bookworm_main_binary-amd64_Packages",
        "bookworm-updates_InRelease",
    ] {
        ops.push(Op::text(
            format!("/var/lib/apt/lists/deb.debian.org_debian_dists_{list}"),
            50_000,
        ));
    }
    LayerSpec::new(ops)
}

fn install_node() -> LayerSpec {
    LayerSpec::new(vec![
        Op::random("/usr/local/bin/node", 120_000).mode(0o755),
        Op::random("/usr/lib/x86_64-linux-gnu/libssl.so.3", 60_000),
        Op::text("/usr/share/doc/nodejs/README.md", 12_000),
        Op::random("/var/cache/apt/archives/nodejs_18.19_amd64.deb", 50_000),
        Op::text(
            "/var/lib/apt/lists/deb.debian.org_debian_dists_bookworm_main_binary-amd64_Packages",
            52_000,
        ),
        Op::text("/var/log/apt/history.log", 2_000),
        Op::random("/root/.npm/_cacache/content-v2/sha512/aa/bb", 30_000),
    ])
}

fn copy_app() -> LayerSpec {
    let mut ops = vec![
        Op::bytes("/app/package.json", PACKAGE_JSON),
        Op::text("/app/src/server.js", 8_000),
        Op::text("/app/src/routes.js", 6_000),
        Op::bytes(
            "/app/.env",
            "DATABASE_URL=postgres://shop:hunter2@db/shop\n",
        ),
        Op::bytes("/app/.git/HEAD", "ref: refs/heads/main\n"),
        Op::text("/app/.git/config", 300),
        Op::random("/app/.git/objects/pack/pack-5e1f.pack", 60_000),
        Op::random("/app/.git/index", 4_000),
    ];
    let modules = [
        ("express", 12, 2_500),
        ("lodash", 20, 3_000),
        ("jest", 30, 2_000),
        ("typescript", 8, 20_000),
        ("eslint", 25, 1_500),
    ];
    for (name, files, size) in modules {
        ops.push(Op::bytes(
            format!("/app/node_modules/{name}/package.json"),
            format!("{{\"name\":\"{name}\"}}\n"),
        ));
        for i in 0..files {
            ops.push(Op::text(
                format!("/app/node_modules/{name}/lib/m{i}.js"),
                size,
            ));
        }
    }
    LayerSpec::new(ops)
}

/// A ~1.2 MB image (plain layers; compress with `ImageSpec::compressed` for OCI) with docs,
/// apt lists and archives, an app copied with `.git`, `.env` and dev dependencies, a key
/// added then "removed" in the next layer, and apt lists deleted in a last layer.
pub fn example() -> ImageSpec {
    let layers = vec![
        distro(),
        install_node(),
        copy_app(),
        LayerSpec::new(vec![
            Op::bytes("/root/.ssh/id_rsa", PRIVATE_KEY).mode(0o600),
            Op::text("/app/deploy.sh", 700).mode(0o755),
        ]),
        LayerSpec::new(vec![Op::whiteout("/root/.ssh/id_rsa")]),
        LayerSpec::new(vec![Op::whiteout("/var/lib/apt/lists")]),
    ];
    let mut spec = ImageSpec::new("shop-api", layers).history(&[
        ("ADD fakebian-rootfs.tar.xz /", false),
        ("CMD [\"bash\"]", true),
        (
            "RUN apt-get update && apt-get install -y nodejs && npm i -g npm",
            false,
        ),
        ("ENV NODE_ENV=production", true),
        ("COPY . /app", false),
        ("RUN ssh-keygen -f /root/.ssh/id_rsa && ./deploy.sh", false),
        ("RUN rm /root/.ssh/id_rsa", false),
        ("RUN rm -rf /var/lib/apt/lists", false),
        ("WORKDIR /app", true),
        ("CMD [\"node\", \"src/server.js\"]", true),
    ]);
    spec.tag = "1.0".into();
    spec
}
