//! Noise control on images a real `docker build` made in the harness's dockerd: `[ignore]` with
//! `figures` on a real whiteout (`RUN rm -rf`), a path budget, and a baseline from the first
//! build judging the second, which adds a secret and grows the budgeted path.
#![expect(
    clippy::unwrap_used,
    reason = "setup helpers stop the test at the first failed step"
)]

use std::path::Path;
use std::process::{Command, Output};

use serde_json::Value;

#[path = "daemon_support/live.rs"]
mod live;

use live::{docker, harness, run};

const V1: &str = "gate13-noise-live:1";
const V2: &str = "gate13-noise-live:2";

fn build(host: &str, ctx: &Path, tag: &str, dockerfile: &str) {
    std::fs::write(ctx.join("Dockerfile"), dockerfile).unwrap();
    run(docker(host)
        .args(["build", "--network", "none", "-q", "-t", tag])
        .arg(ctx));
}

fn ci(host: &str, dir: &Path, tag: &str, extra: &[&str]) -> (Option<i32>, Value) {
    let o: Output = Command::new(env!("CARGO_BIN_EXE_plummet"))
        .args(["ci", &format!("docker-daemon:{tag}"), "--host", host, "-q"])
        .args(["--json", "-"])
        .args(extra)
        .current_dir(dir)
        .env_remove("CI")
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        !err.contains("panicked") && o.status.code() != Some(2),
        "{err}"
    );
    (o.status.code(), serde_json::from_slice(&o.stdout).unwrap())
}

fn status(report: &Value, rule: &str) -> String {
    report["rules"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == rule)
        .map(|r| r["status"].as_str().unwrap().to_string())
        .unwrap_or_else(|| format!("no rule {rule}"))
}

#[test]
fn ignore_budgets_and_a_baseline_on_real_builds() {
    let (Some(host), Some(base)) = (
        harness("PLUMMET_TEST_DOCKER_HOST"),
        harness("PLUMMET_TEST_DOCKER_BASE_IMAGE"),
    ) else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let ctx = tmp.path().join("ctx");
    for d in ["doc", "nm", "more", "ssh"] {
        std::fs::create_dir_all(ctx.join(d)).unwrap();
    }
    std::fs::write(ctx.join("doc/changelog"), vec![b'c'; 30_000]).unwrap();
    std::fs::write(ctx.join("nm/index.js"), vec![b'n'; 200_000]).unwrap();
    std::fs::write(ctx.join("more/extra.js"), vec![b'm'; 50_000]).unwrap();
    std::fs::write(
        ctx.join("ssh/id_rsa"),
        "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----\n",
    )
    .unwrap();
    build(
        &host,
        &ctx,
        V1,
        &format!(
            "FROM {base}\nCOPY doc/ /usr/share/doc/pkg/\nCOPY nm/ /app/node_modules/lib/\nRUN rm -rf /usr/share/doc/pkg\n"
        ),
    );
    build(
        &host,
        &ctx,
        V2,
        &format!(
            "FROM {V1}\nCOPY ssh/id_rsa /root/.ssh/id_rsa\nCOPY more/ /app/node_modules/more/\n"
        ),
    );
    let dir = tmp.path();
    std::fs::write(
        dir.join(".plummet.toml"),
        "[ignore]\npaths = [\"/usr/share/**\"]\nfigures = true\n\n[rules.max_path_bytes]\n\"/app/node_modules\" = \"100kB\"\n",
    )
    .unwrap();
    let (_, plain) = ci(&host, dir, V1, &["--config", "/dev/null"]);
    let (code, first) = ci(&host, dir, V1, &[]);
    assert_eq!(code, Some(1));
    // The changelog the whiteout deleted was waste; ignored, it is not.
    assert_eq!(
        first["ignored"]["wasted_bytes"], 30_000,
        "{}",
        first["ignored"]
    );
    assert_eq!(
        plain["image"]["wasted_bytes"].as_u64().unwrap() - 30_000,
        first["image"]["wasted_bytes"].as_u64().unwrap()
    );
    assert_eq!(status(&first, "maxPathBytes:/app/node_modules"), "fail");
    std::fs::write(dir.join("base.json"), first.to_string()).unwrap();

    // The second build against the first: the budget overrun is old news within 1 MB, the
    // secret is new.
    let (code, second) = ci(&host, dir, V2, &["--no-secrets", "--baseline", "base.json"]);
    assert_eq!(code, Some(1));
    assert_eq!(
        status(&second, "maxPathBytes:/app/node_modules"),
        "forgiven"
    );
    assert_eq!(status(&second, "noSecrets"), "fail");
    let (code, tight) = ci(
        &host,
        dir,
        V2,
        &["--baseline", "base.json", "--baseline-tolerance", "10kB"],
    );
    assert_eq!(code, Some(1));
    assert_eq!(status(&tight, "maxPathBytes:/app/node_modules"), "fail");
    run(docker(&host).args(["rmi", V2, V1]));
}
