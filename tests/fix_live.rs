//! `plummet fix`, proven by a rebuild (issue 16): each case builds a real image in the harness's
//! dockerd (network off, on the harness's local busybox base), runs `plummet fix`, rebuilds from
//! the fixed Dockerfile, and checks that the build succeeds, the container's command prints the
//! same, and the image shrinks by at least 80 % of what plummet predicted.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "setup helpers stop the test at the first failed step"
)]

use std::path::PathBuf;
use std::process::Command;

#[path = "daemon_support/live.rs"]
mod live;

use live::{docker, harness, run};

/// One case: its context files, its Dockerfile, and whether the fix needs BuildKit.
struct Case<'a> {
    name: &'a str,
    files: &'a [(&'a str, Vec<u8>)],
    dockerfile: String,
}

/// What a case measured.
#[derive(Debug)]
struct Measured {
    predicted: u64,
    saved: i64,
    report: String,
    fixed: String,
    dir: tempfile::TempDir,
}

fn plummet(host: &str) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_plummet"));
    c.env("DOCKER_HOST", host);
    c
}

fn size(host: &str, tag: &str) -> i64 {
    run(docker(host).args(["image", "inspect", "-f", "{{.Size}}", tag]))
        .trim()
        .parse()
        .unwrap()
}

fn output(host: &str, tag: &str) -> String {
    run(docker(host).args(["run", "--rm", "--network", "none", tag]))
}

/// The docker CLI that can build with BuildKit against the harness's 20.10 daemon (Debian's own
/// CLI; a newer one wants buildx).
fn buildkit_docker(host: &str) -> Command {
    let cli = ["/usr/bin/docker", "docker"]
        .into_iter()
        .find(|c| {
            Command::new(c)
                .env("DOCKER_BUILDKIT", "1")
                .args(["build", "--help"])
                .output()
                .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).contains("--secret"))
        })
        .expect("a docker CLI with BuildKit's --secret");
    let mut c = Command::new(cli);
    c.env("DOCKER_HOST", host).env("DOCKER_BUILDKIT", "1");
    c
}

/// Builds the case, fixes it, rebuilds, and checks behaviour and size.
fn prove(host: &str, case: &Case<'_>) -> Measured {
    let dir = tempfile::tempdir().unwrap();
    let ctx = dir.path().join("ctx");
    std::fs::create_dir_all(&ctx).unwrap();
    for (path, content) in case.files {
        let p = ctx.join(path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, content).unwrap();
    }
    std::fs::write(ctx.join("Dockerfile"), &case.dockerfile).unwrap();
    let before = format!("plummet-fix-live-{}:before", case.name);
    let after = format!("plummet-fix-live-{}:after", case.name);
    run(docker(host)
        .args(["build", "--network", "none", "-q", "-t", &before])
        .arg(&ctx));
    let out = dir.path().join("out");
    let report = run(plummet(host)
        .args([
            "fix",
            &format!("docker-daemon:{before}"),
            "-q",
            "--dockerfile",
        ])
        .arg(ctx.join("Dockerfile"))
        .arg("-o")
        .arg(&out));
    let predicted = predicted(&report);
    if out.join(".dockerignore").exists() {
        std::fs::copy(out.join(".dockerignore"), ctx.join(".dockerignore")).unwrap();
    }
    let fixed = std::fs::read_to_string(out.join("Dockerfile")).unwrap();
    let mut build = if fixed.contains("--mount=type=secret") {
        buildkit_docker(host)
    } else {
        docker(host)
    };
    build.args([
        "build",
        "--no-cache",
        "--network",
        "none",
        "-q",
        "-t",
        &after,
    ]);
    for line in report.lines() {
        if let Some(rest) = line.strip_prefix("Build: DOCKER_BUILDKIT=1 docker build ") {
            for secret in rest.split_whitespace().filter(|w| w.starts_with("id=")) {
                build.args(["--secret", secret]);
            }
        }
    }
    run(build.arg("-f").arg(out.join("Dockerfile")).arg(&ctx));
    assert_eq!(
        output(host, &before),
        output(host, &after),
        "the fixed image behaves differently:\n{fixed}"
    );
    let saved = size(host, &before) - size(host, &after);
    eprintln!(
        "fix case {}: predicted {predicted} bytes, measured {saved} bytes",
        case.name
    );
    let _ = docker(host).args(["rmi", "-f", &before, &after]).output();
    Measured {
        predicted,
        saved,
        report,
        fixed,
        dir,
    }
}

fn predicted(report: &str) -> u64 {
    let n = report
        .lines()
        .find_map(|l| l.strip_prefix("Predicted saving: "))
        .and_then(|l| l.split('(').nth(1))
        .and_then(|l| l.split_whitespace().next())
        .and_then(|n| n.parse().ok());
    assert!(n.is_some(), "no predicted saving in:\n{report}");
    n.unwrap()
}

fn assert_shrinks(m: &Measured) {
    assert!(m.predicted > 0, "{}", m.report);
    assert!(
        m.saved as f64 >= 0.8 * m.predicted as f64,
        "predicted {} bytes, measured {}:\n{}",
        m.predicted,
        m.saved,
        m.report
    );
}

fn random(n: usize, seed: u64) -> Vec<u8> {
    // xorshift: incompressible and deterministic.
    let mut x = seed | 1;
    (0..n)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        })
        .collect()
}

fn base(host: &str) -> Option<String> {
    let _ = host;
    harness("PLUMMET_TEST_DOCKER_BASE_IMAGE")
}

/// A stand-in for `npm ci` (the base has no node): installs package.json's dependencies, and
/// its devDependencies unless `--omit=dev`, from the context's `.registry`.
const FAKE_NPM: &str = "#!/bin/sh\nset -e\n[ \"$1\" = ci ] || { echo 'fake npm: ci only' >&2; exit 1; }\n\
mkdir -p node_modules && cp -r .registry/left-pad node_modules/\n\
case \" $* \" in *\" --omit=dev \"*) ;; *) cp -r .registry/jest node_modules/ ;; esac\n";

#[test]
fn node_app_git_env_and_dev_dependencies() {
    let Some(host) = harness("PLUMMET_TEST_DOCKER_HOST") else {
        return;
    };
    let Some(base) = base(&host) else { return };
    let files = [
        (".git/HEAD", b"ref: refs/heads/main\n".to_vec()),
        (".git/objects/pack/pack-1.pack", random(400_000, 1)),
        (".env", b"DB_PASSWORD=hunter2\nAPI_TOKEN=abc\n".to_vec()),
        (
            "package.json",
            br#"{"name":"app","dependencies":{"left-pad":"1"},"devDependencies":{"jest":"29"}}"#
                .to_vec(),
        ),
        (
            ".registry/left-pad/index.js",
            b"module.exports = 1\n".to_vec(),
        ),
        (
            ".registry/left-pad/package.json",
            br#"{"name":"left-pad","version":"1.3.0"}"#.to_vec(),
        ),
        (".registry/jest/index.js", random(200_000, 5)),
        (
            ".registry/jest/package.json",
            br#"{"name":"jest","version":"29.7.0"}"#.to_vec(),
        ),
        ("npm", FAKE_NPM.as_bytes().to_vec()),
        (
            "server.sh",
            b"#!/bin/sh\necho app up; cat /app/package.json /app/node_modules/left-pad/index.js\n"
                .to_vec(),
        ),
    ];
    let m = prove(
        &host,
        &Case {
            name: "node",
            files: &files,
            dockerfile: format!(
                "FROM {base}\nCOPY npm /bin/npm\nWORKDIR /app\nCOPY . .\nRUN sh /bin/npm ci\nCMD [\"sh\", \"/app/server.sh\"]\n"
            ),
        },
    );
    assert_shrinks(&m);
    let ignore = std::fs::read_to_string(m.dir.path().join("out/.dockerignore")).unwrap();
    assert!(ignore.lines().any(|l| l == ".git"), "{ignore}");
    assert!(ignore.lines().any(|l| l == ".env"), "{ignore}");
    assert!(
        m.fixed.contains("RUN sh /bin/npm ci --omit=dev\n"),
        "{}",
        m.fixed
    );
    // .git, .env and jest: 400 kB + 34 B + 200 kB and jest's package.json.
    assert!(m.predicted > 600_000, "{}", m.report);
}

#[test]
fn apt_lists_removed_in_a_later_layer_merge_into_the_installing_run() {
    let Some(host) = harness("PLUMMET_TEST_DOCKER_HOST") else {
        return;
    };
    let Some(base) = base(&host) else { return };
    let dockerfile = format!(
        "FROM {base}\n\
         RUN mkdir -p /var/lib/apt/lists /var/cache/apt/archives /opt/tool \\\n \
         && dd if=/dev/urandom of=/var/lib/apt/lists/deb.debian.org_debian_dists_bookworm_main_binary-amd64_Packages bs=1k count=600 2>/dev/null \\\n \
         && dd if=/dev/urandom of=/var/cache/apt/archives/tool_1.0_amd64.deb bs=1k count=300 2>/dev/null \\\n \
         && echo 'tool 1.0' > /opt/tool/VERSION\n\
         RUN rm -rf /var/lib/apt/lists/* /var/cache/apt/archives/*.deb\n\
         CMD [\"cat\", \"/opt/tool/VERSION\"]\n"
    );
    let m = prove(
        &host,
        &Case {
            name: "apt",
            files: &[],
            dockerfile,
        },
    );
    assert_shrinks(&m);
    assert_eq!(m.predicted, 900 * 1024, "{}", m.report);
    assert!(
        m.fixed.contains("    && rm -rf /var/lib/apt/lists/*"),
        "{}",
        m.fixed
    );
    assert!(!m.fixed.contains("\nRUN rm -rf"), "{}", m.fixed);
}

#[test]
fn chown_of_copied_files_moves_onto_the_copy() {
    let Some(host) = harness("PLUMMET_TEST_DOCKER_HOST") else {
        return;
    };
    let Some(base) = base(&host) else { return };
    let files = [
        ("app/data.bin", random(300_000, 2)),
        ("app/run.sh", b"#!/bin/sh\necho hello\n".to_vec()),
    ];
    let m = prove(
        &host,
        &Case {
            name: "chown",
            files: &files,
            dockerfile: format!(
                "FROM {base}\nWORKDIR /app\nCOPY app/ /app/\nRUN chown -R 1000:1000 /app\nUSER 1000\n\
                 CMD [\"sh\", \"-c\", \"ls -ln /app | awk '{{print $1, $3, $4, $5, $9}}'; ls -lnd /app | awk '{{print $3, $4}}'\"]\n"
            ),
        },
    );
    assert_shrinks(&m);
    assert!(
        m.fixed.contains("COPY --chown=1000:1000 app/ /app/"),
        "{}",
        m.fixed
    );
    assert!(
        m.fixed.contains("RUN chown 1000:1000 /app\n"),
        "{}",
        m.fixed
    );
}

#[test]
fn ssh_key_copied_and_deleted_becomes_a_secret_mount() {
    let Some(host) = harness("PLUMMET_TEST_DOCKER_HOST") else {
        return;
    };
    let Some(base) = base(&host) else { return };
    let mut key = b"-----BEGIN OPENSSH PRIVATE KEY-----\n".to_vec();
    for chunk in random(2400, 3).chunks(52) {
        key.extend(chunk.iter().map(|b| {
            b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
                [usize::from(*b) % 64]
        }));
        key.push(b'\n');
    }
    key.extend_from_slice(b"-----END OPENSSH PRIVATE KEY-----\n");
    let files = [("id_rsa", key)];
    let m = prove(
        &host,
        &Case {
            name: "sshkey",
            files: &files,
            dockerfile: format!(
                "FROM {base}\nCOPY id_rsa /root/.ssh/id_rsa\nRUN wc -c < /root/.ssh/id_rsa > /keylen && rm /root/.ssh/id_rsa\nCMD [\"cat\", \"/keylen\"]\n"
            ),
        },
    );
    assert_shrinks(&m);
    assert!(
        m.fixed.contains(
            "RUN --mount=type=secret,id=id_rsa,target=/root/.ssh/id_rsa wc -c < /root/.ssh/id_rsa > /keylen\n"
        ),
        "{}",
        m.fixed
    );
    assert!(!m.fixed.contains("COPY id_rsa"), "{}", m.fixed);
}

#[test]
fn build_tools_get_a_commented_suggestion_only() {
    let Some(host) = harness("PLUMMET_TEST_DOCKER_HOST") else {
        return;
    };
    let Some(base) = base(&host) else { return };
    let dockerfile = format!(
        "FROM {base}\n\
         RUN mkdir -p /usr/lib/gcc/x86_64-linux-gnu/12 /usr/include /opt/app \\\n \
         && dd if=/dev/urandom of=/usr/lib/gcc/x86_64-linux-gnu/12/cc1 bs=1k count=200 2>/dev/null \\\n \
         && echo '#define X 1' > /usr/include/x.h && echo built > /opt/app/out\n\
         CMD [\"cat\", \"/opt/app/out\"]\n"
    );
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("Dockerfile"), &dockerfile).unwrap();
    let tag = "plummet-fix-live-tools:before";
    run(docker(&host)
        .args(["build", "--network", "none", "-q", "-t", tag])
        .arg(dir.path()));
    let out = dir.path().join("out");
    let report = run(plummet(&host)
        .args(["fix", &format!("docker-daemon:{tag}"), "-q", "--dockerfile"])
        .arg(dir.path().join("Dockerfile"))
        .arg("-o")
        .arg(&out));
    let fixed = std::fs::read_to_string(out.join("Dockerfile")).unwrap();
    // Only comments were added: every instruction is as it was.
    let code = |t: &str| -> Vec<String> {
        t.lines()
            .filter(|l| !l.starts_with('#'))
            .map(str::to_string)
            .collect()
    };
    assert_eq!(code(&fixed), code(&dockerfile), "{fixed}");
    assert!(fixed.contains("# plummet suggests: build tools"), "{fixed}");
    assert_eq!(predicted(&report), 0, "{report}");
    // The fixed file still builds to the same image behaviour.
    let after = "plummet-fix-live-tools:after";
    run(docker(&host)
        .args(["build", "--network", "none", "-q", "-t", after, "-f"])
        .arg(out.join("Dockerfile"))
        .arg(dir.path()));
    assert_eq!(output(&host, tag), output(&host, after));
    let _ = docker(&host).args(["rmi", "-f", tag, after]).output();
}

#[test]
fn ci_maps_layers_and_findings_to_lines_on_classic_and_buildkit_builds() {
    let Some(host) = harness("PLUMMET_TEST_DOCKER_HOST") else {
        return;
    };
    let Some(base) = base(&host) else { return };
    let dir = tempfile::tempdir().unwrap();
    let ctx: PathBuf = dir.path().to_path_buf();
    std::fs::write(ctx.join("a.txt"), random(5000, 4)).unwrap();
    std::fs::write(
        ctx.join("Dockerfile"),
        format!(
            "# the app\nARG BASE={base}\nFROM $BASE\nENV DIR=/srv\n\n# copy the data\nCOPY a.txt ${{DIR}}/a.txt\nRUN mkdir -p /tmp/t \\\n  && echo x > /tmp/t/log\nCMD [\"cat\", \"/srv/a.txt\"]\n"
        ),
    )
    .unwrap();
    for (tag, buildkit) in [
        ("plummet-fix-live-map:classic", false),
        ("plummet-fix-live-map:buildkit", true),
    ] {
        let mut build = if buildkit {
            buildkit_docker(&host)
        } else {
            docker(&host)
        };
        run(build
            .args(["build", "--network", "none", "-q", "-t", tag])
            .arg(&ctx));
        let json = run(plummet(&host)
            .args(["ci", &format!("docker-daemon:{tag}"), "-q", "--json", "-"])
            .arg("--dockerfile")
            .arg(ctx.join("Dockerfile"))
            .args([
                "--lowest-efficiency",
                "disabled",
                "--highest-user-wasted-percent",
                "disabled",
            ]));
        let v: serde_json::Value = serde_json::from_str(&json).unwrap();
        let lines: Vec<Option<u64>> = v["layers"]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| l["dockerfile_line"].as_u64())
            .collect();
        assert_eq!(lines.last(), Some(&Some(8)), "{tag}: {json}");
        assert_eq!(lines[lines.len() - 2], Some(7), "{tag}: {json}");
        assert!(
            lines[..lines.len() - 2].iter().all(|l| *l == Some(3)),
            "{tag}: {json}"
        );
        assert_eq!(
            v["dockerfile"]["notes"].as_array().unwrap().len(),
            0,
            "{json}"
        );
        let temp = v["findings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["kind"] == "temp_and_logs");
        assert!(temp.is_some(), "{json}");
        let temp = temp.unwrap();
        assert_eq!(temp["dockerfile_line"], 8, "{json}");
        let rules: Vec<&str> = v["dockerfile"]["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|f| f["rule"].as_str())
            .collect();
        assert!(rules.contains(&"unpinned_base"), "{json}");
        let _ = docker(&host).args(["rmi", "-f", tag]).output();
    }
}

#[test]
fn fix_errors_name_the_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("Dockerfile");
    std::fs::write(&bad, "FROM a\nRUN <<EOF\necho never closed\n").unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_plummet"))
        .args(["fix", "missing.tar", "--dockerfile"])
        .arg(&bad)
        .arg("-o")
        .arg(dir.path().join("out"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("Dockerfile:2: here-document <<EOF is never terminated"),
        "{err}"
    );
    std::fs::write(&bad, b"FROM a\n\xff\xfe\n").unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_plummet"))
        .args(["fix", "missing.tar", "--dockerfile"])
        .arg(&bad)
        .arg("-o")
        .arg(dir.path().join("out"))
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("not UTF-8 text (at byte 7)"), "{err}");
    let out = Command::new(env!("CARGO_BIN_EXE_plummet"))
        .args(["fix", "missing.tar", "-o", "x"])
        .output()
        .unwrap();
    // Without --dockerfile the image is read first (its provenance attestation may carry the
    // Dockerfile): here it is missing, and the error says so. An image without the attestation
    // asks for --dockerfile PATH (tests/provenance.rs).
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("missing.tar: no such file or directory"),
        "{err}"
    );
}
