//! `--html` and `--estimate-zstd` on an image the harness's real Docker daemon built (`docker
//! build`, classic builder, COPY steps only so no base image is needed): the page names the
//! build's `.git` finding and its treemap adds up to the final filesystem, and every layer the
//! daemon exports gets its zstd figures.
#![expect(clippy::unwrap_used, reason = "tests fail on bad input")]

use std::process::Command;

use serde_json::Value;

#[path = "daemon_support/live.rs"]
mod live;

use live::{docker, harness, run};

const TAG: &str = "html13-html-live:1";

#[test]
fn a_daemon_built_image_gets_its_html_report_and_zstd_estimate() {
    let Some(host) = harness("PLUMMET_TEST_DOCKER_HOST") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let ctx = dir.path().join("ctx");
    std::fs::create_dir_all(ctx.join("app/.git/objects")).unwrap();
    std::fs::write(ctx.join("app/.git/objects/pack"), vec![b'g'; 30_000]).unwrap();
    std::fs::write(ctx.join("app/main.js"), "console.log('hi');\n".repeat(500)).unwrap();
    std::fs::write(ctx.join("data.bin"), vec![7u8; 20_000]).unwrap();
    std::fs::write(
        ctx.join("Dockerfile"),
        "FROM scratch\nCOPY app/ /app/\nCOPY data.bin /app/data.bin\nCOPY data.bin /app/data.bin\n",
    )
    .unwrap();
    run(docker(&host)
        .args(["build", "--network", "none", "-q", "-t", TAG])
        .arg(&ctx));
    let o = Command::new(env!("CARGO_BIN_EXE_plummet"))
        .args(["ci", "-q", &format!("docker-daemon:{TAG}"), "--host", &host])
        .args(["--html", "r.html", "--json", "r.json", "--estimate-zstd"])
        .current_dir(dir.path())
        .env_remove("CI")
        .output()
        .unwrap();
    let _ = docker(&host).args(["rmi", "-f", TAG]).output();
    assert!(
        matches!(o.status.code(), Some(0 | 1)),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let html = std::fs::read_to_string(dir.path().join("r.html")).unwrap();
    let json: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("r.json")).unwrap()).unwrap();
    assert!(html.contains("href=\"#zoom=/app/.git\""), "{html}");
    let start = html.find("id=\"plummet-data\">").unwrap() + "id=\"plummet-data\">".len();
    let end = start + html[start..].find("</script>").unwrap();
    let data: Value = serde_json::from_str(&html[start..end]).unwrap();
    assert_eq!(data["nodes"][0][2], json["image"]["final_size_bytes"]);
    // The data.bin written twice: wasted, and flagged so in the treemap.
    let nodes = data["nodes"].as_array().unwrap();
    let bin = nodes.iter().find(|n| n[1] == "data.bin").expect("data.bin");
    assert!(bin[6].as_u64().unwrap() & 1 != 0, "{bin}");
    let layers = json["zstd_estimate"]["layers"].as_array().unwrap();
    assert_eq!(layers.len(), json["layers"].as_array().unwrap().len());
    assert!(
        layers
            .iter()
            .all(|l| l["levels"][1]["bytes"].as_u64().unwrap() > 0)
    );
}
