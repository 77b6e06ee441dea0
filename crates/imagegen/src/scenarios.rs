//! The scenario catalogue: small images that each exercise one behaviour or plant one finding.

use crate::spec::{Compression, Content, ImageSpec, LayerSpec, LongNameFormat, Op};

pub(crate) const PRIVATE_KEY: &[u8] =
    b"-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQ\n-----END OPENSSH PRIVATE KEY-----\n";

/// A tiny distro base: a shell, a few config files.
pub fn base_layer() -> LayerSpec {
    LayerSpec::new(vec![
        Op::random("/bin/busybox", 4096).mode(0o755),
        Op::symlink("/bin/sh", "busybox"),
        Op::bytes("/etc/os-release", "NAME=\"Fake Linux\"\nVERSION_ID=1\n"),
        Op::bytes(
            "/etc/passwd",
            "root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000::/home/app:/bin/sh\n",
        ),
        Op::dir("/tmp").mode(0o1777),
        Op::dir("/root").mode(0o700),
    ])
}

fn img(name: &str, layers: Vec<LayerSpec>) -> ImageSpec {
    let mut all = vec![base_layer()];
    all.extend(layers);
    ImageSpec::new(&format!("plummet-test/{name}"), all)
}

fn layer(ops: Vec<Op>) -> LayerSpec {
    LayerSpec::new(ops)
}

fn long_path(prefix: &str) -> String {
    format!(
        "/{prefix}/{}/{}/file-with-a-rather-long-name.txt",
        "d".repeat(60),
        "e".repeat(50)
    )
}

fn behaviour() -> Vec<(&'static str, ImageSpec)> {
    vec![
        (
            "basic",
            img(
                "basic",
                vec![layer(vec![
                    Op::random("/app/main", 1000),
                    Op::text("/app/README", 300),
                ])],
            ),
        ),
        (
            "file_whiteout",
            img(
                "file_whiteout",
                vec![
                    layer(vec![Op::random("/app/a", 100), Op::random("/app/b", 50)]),
                    layer(vec![Op::whiteout("/app/a")]),
                ],
            ),
        ),
        (
            "dir_deletion",
            img(
                "dir_deletion",
                vec![
                    layer(vec![
                        Op::random("/data/one", 100),
                        Op::random("/data/sub/two", 200),
                        Op::random("/keep", 10),
                    ]),
                    layer(vec![Op::whiteout("/data")]),
                ],
            ),
        ),
        (
            "opaque_dir",
            img(
                "opaque_dir",
                vec![
                    layer(vec![
                        Op::random("/cfg/old1", 100),
                        Op::random("/cfg/old2", 200),
                    ]),
                    layer(vec![Op::opaque("/cfg"), Op::random("/cfg/new", 50)]),
                ],
            ),
        ),
        (
            "overwrite",
            img(
                "overwrite",
                vec![
                    layer(vec![Op::random("/app/data.bin", 100)]),
                    layer(vec![Op::random("/app/data.bin", 30)]),
                ],
            ),
        ),
        (
            "duplicate_in_layer",
            img(
                "duplicate_in_layer",
                vec![layer(vec![
                    Op::random("/app/x", 100),
                    Op::file("/app/x", 40, Content::Zeros),
                ])],
            ),
        ),
        (
            "links",
            img(
                "links",
                vec![layer(vec![
                    Op::random("/usr/bin/tool", 500).mode(0o755),
                    Op::hardlink("/usr/bin/tool-alias", "/usr/bin/tool"),
                    Op::symlink("/usr/bin/t", "tool"),
                    Op::symlink("/usr/bin/dangling", "/nowhere"),
                ])],
            ),
        ),
        (
            "pax_long_names",
            img(
                "pax_long_names",
                vec![
                    layer(vec![
                        Op::random(long_path("pax"), 120),
                        Op::symlink("/pax/link", long_path("pax")),
                        Op::hardlink(format!("{}-hard", long_path("pax")), long_path("pax")),
                    ])
                    .long_names(LongNameFormat::Pax),
                ],
            ),
        ),
        (
            "gnu_long_names",
            img(
                "gnu_long_names",
                vec![
                    layer(vec![
                        Op::random(long_path("gnu"), 120),
                        Op::symlink("/gnu/link", long_path("gnu")),
                        Op::hardlink(format!("{}-hard", long_path("gnu")), long_path("gnu")),
                    ])
                    .long_names(LongNameFormat::Gnu),
                ],
            ),
        ),
        (
            "non_utf8_names",
            img(
                "non_utf8_names",
                vec![
                    layer(vec![
                        Op::random(b"/data/caf\xe9.txt", 64),
                        Op::random(b"/data/\xff\xfe", 32),
                    ]),
                    layer(vec![Op::whiteout(b"/data/\xff\xfe")]),
                ],
            ),
        ),
        (
            "no_trailer",
            img(
                "no_trailer",
                vec![
                    layer(vec![Op::random("/app/a", 700)]).without_trailer(),
                    layer(vec![Op::random("/app/a", 300)]).without_trailer(),
                ],
            ),
        ),
        (
            "no_parents",
            img(
                "no_parents",
                vec![layer(vec![Op::random("/deep/er/file", 10)]).without_auto_parents()],
            ),
        ),
        ("gzip_layers", compressed("gzip_layers", Compression::Gzip)),
        ("zstd_layers", compressed("zstd_layers", Compression::Zstd)),
        ("mixed_compression", {
            let mut spec = compressed("mixed_compression", Compression::Gzip);
            spec.layers[2].compression = Compression::Zstd;
            spec
        }),
        (
            "empty_history_layers",
            img(
                "empty_history_layers",
                vec![layer(vec![Op::random("/app/a", 10)])],
            )
            .history(&[
                ("ADD rootfs.tar /", false),
                ("ENV A=1", true),
                ("LABEL x=y", true),
                ("COPY a /app/a", false),
                ("CMD [\"/app/a\"]", true),
            ]),
        ),
        (
            "phantom_whiteout",
            img(
                "phantom_whiteout",
                vec![
                    layer(vec![Op::random("/app/a", 10)]),
                    layer(vec![
                        Op::whiteout("/app/never"),
                        Op::whiteout("/nodir/never"),
                    ]),
                ],
            ),
        ),
    ]
}

fn compressed(name: &str, c: Compression) -> ImageSpec {
    let mut spec = img(
        name,
        vec![
            layer(vec![
                Op::text("/app/text", 20_000),
                Op::random("/app/bin", 5000),
            ]),
            layer(vec![Op::text("/app/text", 10_000)]),
        ],
    );
    spec.layers.iter_mut().for_each(|l| l.compression = c);
    spec
}

const PACKAGE_JSON: &str = r#"{"name":"app","version":"1.0.0","dependencies":{"left-pad":"1.3.0"},"devDependencies":{"jest":"29.0.0","typescript":"5.0.0"}}"#;

fn finding_kinds() -> Vec<(&'static str, ImageSpec)> {
    vec![
        (
            "find_git",
            img(
                "find_git",
                vec![layer(vec![
                    Op::random("/app/main.js", 100),
                    Op::bytes("/app/.git/HEAD", "ref: refs/heads/main\n"),
                    Op::random("/app/.git/objects/pack/pack-1.pack", 3000),
                    Op::text("/app/.git/config", 200),
                ])],
            ),
        ),
        (
            "find_node_modules",
            img(
                "find_node_modules",
                vec![layer(vec![
                    Op::bytes("/app/package.json", PACKAGE_JSON),
                    Op::text("/app/node_modules/left-pad/index.js", 400),
                    Op::text("/app/node_modules/jest/index.js", 900),
                    Op::text("/app/node_modules/typescript/lib/tsc.js", 2000),
                    Op::text("/app/node_modules/typescript/node_modules/x/i.js", 50),
                ])],
            ),
        ),
        (
            "find_pyc",
            img(
                "find_pyc",
                vec![layer(vec![
                    Op::text("/usr/lib/python3/site/mod.py", 300),
                    Op::random("/usr/lib/python3/site/__pycache__/mod.cpython-311.pyc", 250),
                    Op::random("/usr/lib/python3/site/pkg/other.pyc", 150),
                ])],
            ),
        ),
        (
            "find_apt_lists",
            img(
                "find_apt_lists",
                vec![layer(vec![
                    Op::text(
                        "/var/lib/apt/lists/deb.debian.org_debian_dists_bookworm_InRelease",
                        1500,
                    ),
                    Op::text(
                        "/var/lib/apt/lists/deb.debian.org_debian_dists_bookworm_main_binary-amd64_Packages",
                        5000,
                    ),
                ])],
            ),
        ),
        (
            "find_apt_archives",
            img(
                "find_apt_archives",
                vec![layer(vec![
                    Op::random("/var/cache/apt/archives/curl_7.88_amd64.deb", 4000),
                    Op::random("/var/cache/apt/archives/libssl3_3.0_amd64.deb", 6000),
                ])],
            ),
        ),
        (
            "find_pip_cache",
            img(
                "find_pip_cache",
                vec![layer(vec![
                    Op::random("/root/.cache/pip/http-v2/a/b/abcdef", 3000),
                    Op::random("/root/.cache/pip/wheels/x.whl", 1000),
                ])],
            ),
        ),
        (
            "find_npm_cache",
            img(
                "find_npm_cache",
                vec![layer(vec![
                    Op::random("/root/.npm/_cacache/content-v2/sha512/ab/cd", 2500),
                    Op::text("/root/.npm/_logs/debug.json", 100),
                ])],
            ),
        ),
        (
            "find_build_tools",
            img(
                "find_build_tools",
                vec![layer(vec![
                    Op::random("/usr/bin/gcc", 3000).mode(0o755),
                    Op::random("/usr/bin/make", 1000).mode(0o755),
                    Op::random("/usr/bin/ls", 500).mode(0o755),
                ])],
            ),
        ),
        (
            "find_docs",
            img(
                "find_docs",
                vec![layer(vec![
                    Op::text("/usr/share/doc/curl/README", 800),
                    Op::text("/usr/share/doc/curl/copyright", 400),
                    Op::text("/usr/share/doc/libssl3/changelog", 600),
                ])],
            ),
        ),
        (
            "find_temp_logs",
            img(
                "find_temp_logs",
                vec![
                    layer(vec![
                        Op::random("/tmp/obj.o", 700),
                        Op::text("/tmp/notes.txt", 100),
                    ]),
                    layer(vec![
                        Op::text("/var/log/apt/history.log", 300),
                        Op::text("/var/log/dpkg.log", 500),
                    ]),
                ],
            ),
        ),
        (
            "find_secret_deleted",
            img(
                "find_secret_deleted",
                vec![
                    layer(vec![
                        Op::bytes("/root/.ssh/id_rsa", PRIVATE_KEY).mode(0o600),
                        Op::random("/app/run", 50),
                    ]),
                    layer(vec![Op::whiteout("/root/.ssh/id_rsa")]),
                ],
            ),
        ),
        (
            "find_dotenv",
            img(
                "find_dotenv",
                vec![layer(vec![
                    Op::bytes("/app/.env", "DATABASE_URL=postgres://u:p@db/app\n"),
                    Op::bytes("/app/certs/server.key", PRIVATE_KEY),
                    Op::bytes(
                        "/app/certs/public.pem",
                        "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n",
                    ),
                ])],
            ),
        ),
        (
            "find_setuid",
            img(
                "find_setuid",
                vec![layer(vec![
                    Op::random("/usr/bin/su-like", 800).mode(0o4755),
                    Op::random("/usr/bin/wall-like", 300).mode(0o2755),
                ])],
            ),
        ),
        (
            "find_world_writable",
            img(
                "find_world_writable",
                vec![layer(vec![
                    Op::random("/app/shared.db", 200).mode(0o666),
                    Op::dir("/app/uploads").mode(0o777),
                    Op::dir("/app/scratch").mode(0o1777),
                ])],
            ),
        ),
        (
            "user_set",
            img("user_set", vec![layer(vec![Op::random("/app/a", 10)])]).user("1000:1000"),
        ),
        (
            "user_root_explicit",
            img(
                "user_root_explicit",
                vec![layer(vec![Op::random("/app/a", 10)])],
            )
            .user("root:root"),
        ),
        (
            "user_unset",
            img("user_unset", vec![layer(vec![Op::random("/app/a", 10)])]),
        ),
    ]
}

/// Every scenario, by stable name.
pub fn scenarios() -> Vec<(&'static str, ImageSpec)> {
    let mut all = behaviour();
    all.extend(finding_kinds());
    all
}

/// Two platforms of one image, with different content so a test can tell which was chosen:
/// linux/amd64 holds `/platform/amd64`, linux/arm64/v8 holds `/platform/arm64`.
pub fn multi_platform() -> Vec<ImageSpec> {
    let amd = img(
        "multi",
        vec![layer(vec![
            Op::bytes("/platform/amd64", "amd64\n"),
            Op::random("/app/bin", 1000),
        ])],
    );
    let mut arm = img(
        "multi",
        vec![layer(vec![
            Op::bytes("/platform/arm64", "arm64\n"),
            Op::random("/app/bin", 2000),
        ])],
    );
    arm.config.architecture = "arm64".into();
    arm.config.variant = Some("v8".into());
    vec![amd, arm]
}
