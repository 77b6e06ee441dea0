//! Live tests of the findings on images a real `docker build` made in the harness's dockerd: the
//! cases where findings gave wrong or harmful advice on real images (issue 9.5), on a base made
//! by GNU tar from a rootfs with real device nodes.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "setup helpers stop the test at the first failed step"
)]

use std::path::Path;
use std::process::Command;
use std::sync::OnceLock;

use plummet::analysis::{Analysis, Finding, FindingKind, analyze};
use plummet::image::Image;

#[path = "daemon_support/live.rs"]
mod live;
#[path = "sarif_support/schema.rs"]
#[allow(
    clippy::panic,
    reason = "a test helper: a failed step fails the test that called it"
)]
mod sarif_schema;

use live::{build_and_load, docker, harness, run};

const BASE: &str = "plummet-findings-base:1";
const TAG: &str = "plummet-findings-advice:1";

/// A base image as a distribution ships one: a rootfs tarred by GNU tar with real device nodes
/// (`mknod`), a sticky /tmp, docs, and busybox for the RUN steps.
fn import_base(host: &str, dir: &Path) {
    let rootfs = dir.join("rootfs");
    for d in [
        "bin",
        "dev",
        "tmp",
        "etc",
        "root",
        "usr/share/doc/base-files",
    ] {
        std::fs::create_dir_all(rootfs.join(d)).unwrap();
    }
    let busybox = ["/bin/busybox", "/usr/bin/busybox"]
        .into_iter()
        .find(|p| Path::new(p).exists())
        .expect("busybox-static is installed");
    std::fs::copy(busybox, rootfs.join("bin/busybox")).unwrap();
    for applet in [
        "sh", "ls", "rm", "mkdir", "echo", "cat", "cp", "chmod", "touch", "dd", "chown",
    ] {
        std::os::unix::fs::symlink("busybox", rootfs.join("bin").join(applet)).unwrap();
    }
    for (name, major, minor) in [
        ("null", 1, 3),
        ("zero", 1, 5),
        ("tty", 5, 0),
        ("ptmx", 5, 2),
    ] {
        run(Command::new("mknod")
            .args(["-m", "666"])
            .arg(rootfs.join("dev").join(name))
            .args(["c", &major.to_string(), &minor.to_string()]));
    }
    run(Command::new("chmod").arg("1777").arg(rootfs.join("tmp")));
    std::fs::write(rootfs.join("etc/passwd"), "root:x:0:0:root:/root:/bin/sh\n").unwrap();
    std::fs::write(
        rootfs.join("usr/share/doc/base-files/copyright"),
        vec![b'c'; 3000],
    )
    .unwrap();
    let tar = dir.join("rootfs.tar");
    run(Command::new("tar")
        .args([
            "--format=gnu",
            "--numeric-owner",
            "--owner=0",
            "--group=0",
            "-C",
        ])
        .arg(&rootfs)
        .arg("-cf")
        .arg(&tar)
        .arg("."));
    run(docker(host)
        .args(["import", "--change", "ENV PATH=/bin"])
        .arg(&tar)
        .arg(BASE));
}

/// The classic mistakes of issue 9.5, built once per test run.
fn built(host: &str) -> &'static Image {
    static IMAGE: OnceLock<Image> = OnceLock::new();
    IMAGE.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        import_base(host, dir.path());
        let ctx = dir.path().join("ctx");
        let app = ctx.join("app");
        std::fs::create_dir_all(app.join("node_modules/express")).unwrap();
        std::fs::write(
            app.join("package.json"),
            r#"{"dependencies":{"express":"4"},"devDependencies":{"jest":"29"}}"#,
        )
        .unwrap();
        std::fs::write(app.join("node_modules/express/index.js"), vec![b'e'; 5000]).unwrap();
        let dev = ctx.join("devapp");
        std::fs::create_dir_all(dev.join("node_modules/jest")).unwrap();
        std::fs::create_dir_all(dev.join("node_modules/express")).unwrap();
        std::fs::write(
            dev.join("package.json"),
            r#"{"dependencies":{"express":"4"},"devDependencies":{"jest":"29"}}"#,
        )
        .unwrap();
        std::fs::write(dev.join("node_modules/express/index.js"), vec![b'e'; 5000]).unwrap();
        std::fs::write(dev.join("node_modules/jest/index.js"), vec![b'j'; 7000]).unwrap();
        std::fs::write(
            ctx.join("Dockerfile"),
            format!(
                "FROM {BASE}\n\
                 RUN mkdir -p /var/cache/apt/archives/partial /var/lib/apt/lists/partial /tmp/build /var/log/app \
                  && touch /var/cache/apt/archives/lock /var/lib/apt/lists/lock \
                  && dd if=/dev/zero of=/tmp/build/main.o bs=1k count=4 \
                  && echo started > /var/log/app/run.log\n\
                 RUN mkdir -p /usr/local/lib/node_modules/npm/lib /usr/local/lib/node_modules/npm/node_modules/abbrev /usr/local/lib/node_modules/corepack/dist \
                  && echo '{{\"name\":\"npm\",\"devDependencies\":{{\"tap\":\"1\"}}}}' > /usr/local/lib/node_modules/npm/package.json \
                  && dd if=/dev/zero of=/usr/local/lib/node_modules/npm/lib/npm.js bs=1k count=8 \
                  && dd if=/dev/zero of=/usr/local/lib/node_modules/npm/node_modules/abbrev/index.js bs=1k count=1 \
                  && dd if=/dev/zero of=/usr/local/lib/node_modules/corepack/dist/corepack.js bs=1k count=2\n\
                 COPY app/ /app/\n\
                 COPY devapp/ /devapp/\n\
                 RUN mkdir -p /usr/share/doc/big /usr/share/doc/small \
                  && dd if=/dev/zero of=/usr/share/doc/big/changelog bs=1k count=20 \
                  && echo c > /usr/share/doc/small/copyright\n\
                 RUN rm -rf /usr/share/doc/big\n\
                 RUN cp /bin/busybox /app/tool && chmod u+s /app/tool \
                  && echo x > /app/shared && chmod 666 /app/shared\n\
                 USER 1000\n"
            ),
        )
        .unwrap();
        build_and_load(host, &ctx, TAG)
    })
}

fn path(image: &Image, f: &Finding) -> String {
    image.tree.paths.display(f.node)
}

fn of_kind<'a>(image: &Image, a: &'a Analysis, kind: FindingKind) -> Vec<(String, &'a Finding)> {
    a.findings_of(kind).map(|f| (path(image, f), f)).collect()
}

#[test]
fn device_nodes_and_sticky_tmp_are_not_world_writable_on_a_real_build() {
    let Some(host) = harness("PLUMMET_TEST_DOCKER_HOST") else {
        return;
    };
    let image = built(&host);
    let a = analyze(image);
    let ww = of_kind(image, &a, FindingKind::WorldWritable);
    let paths: Vec<_> = ww.iter().map(|(p, _)| p.as_str()).collect();
    assert_eq!(paths, ["/app/shared"], "{:#?}", a.findings);
    let fix = &ww[0].1.fix;
    assert!(fix.contains("same RUN that creates it"), "{fix}");
    assert!(!fix.contains("RUN chmod o-w"), "{fix}");
    let setuid = of_kind(image, &a, FindingKind::Setuid);
    assert_eq!(setuid.len(), 1, "{setuid:#?}");
    assert_eq!(setuid[0].0, "/app/tool");
    assert!(
        setuid[0].1.fix.contains("COPY --chmod="),
        "{}",
        setuid[0].1.fix
    );
    assert!(
        !a.findings.iter().any(|f| f.fix.contains("/dev/")),
        "{:#?}",
        a.findings
    );
}

#[test]
fn no_finding_names_root_and_each_needs_bytes_on_a_real_build() {
    let Some(host) = harness("PLUMMET_TEST_DOCKER_HOST") else {
        return;
    };
    let image = built(&host);
    let a = analyze(image);
    for f in &a.findings {
        assert!(
            f.kind == FindingKind::RunsAsRoot || path(image, f) != "/",
            "{f:#?}"
        );
        assert!(f.kind.is_hygiene() || f.bytes > 0, "{f:#?}");
    }
    // apt-get clean leaves only lock files: nothing to trim.
    assert_eq!(a.findings_of(FindingKind::PackageCache).count(), 0);
    assert_eq!(a.findings_of(FindingKind::AptLists).count(), 0);
    let temp: Vec<_> = of_kind(image, &a, FindingKind::TempAndLogs)
        .into_iter()
        .map(|(p, f)| (p, f.bytes))
        .collect();
    assert_eq!(
        temp,
        [
            ("/tmp/build".to_string(), 4096),
            ("/var/log/app".to_string(), 8)
        ]
    );
}

#[test]
fn global_npm_and_production_node_modules_are_not_the_apps_waste_on_a_real_build() {
    let Some(host) = harness("PLUMMET_TEST_DOCKER_HOST") else {
        return;
    };
    let image = built(&host);
    let a = analyze(image);
    let nm = of_kind(image, &a, FindingKind::NodeModules);
    // /usr/local/lib/node_modules is npm's own; /app has only its production dependency.
    assert_eq!(nm.len(), 1, "{nm:#?}");
    assert_eq!(nm[0].0, "/devapp/node_modules");
    assert!(
        nm[0]
            .1
            .reason
            .contains("1 dev dependencies installed (7000 bytes): jest"),
        "{}",
        nm[0].1.reason
    );
    assert!(nm[0].1.fix.contains("npm ci --omit=dev"), "{}", nm[0].1.fix);
}

#[test]
fn docs_deleted_later_and_base_docs_are_told_apart_on_a_real_build() {
    let Some(host) = harness("PLUMMET_TEST_DOCKER_HOST") else {
        return;
    };
    let image = built(&host);
    let a = analyze(image);
    let docs: Vec<_> = of_kind(image, &a, FindingKind::Docs)
        .into_iter()
        .map(|(p, f)| (p, f.layer, f.bytes, f.visible))
        .collect();
    assert_eq!(
        docs,
        [
            ("/usr/share/doc/big".to_string(), Some(5), 20 * 1024, false),
            ("/usr/share/doc/base-files".to_string(), Some(0), 3000, true),
            ("/usr/share/doc/small".to_string(), Some(5), 2, true),
        ]
    );
    let base = a
        .findings_of(FindingKind::Docs)
        .find(|f| f.layer == Some(0))
        .unwrap();
    assert!(
        base.fix.starts_with("it comes from the base image"),
        "{}",
        base.fix
    );
    let hidden = a
        .findings_of(FindingKind::Docs)
        .find(|f| !f.visible)
        .unwrap();
    assert!(
        hidden.fix.contains("layer 5 still ships it"),
        "{}",
        hidden.fix
    );
}

/// SARIF of a real build, plain and with `[ignore]` and a `--baseline`, is valid against the
/// official SARIF 2.1.0 schema: the ignored findings and the ones the baseline had are
/// suppressed results, the one finding the baseline lacks is the one new, open result.
#[test]
fn sarif_of_a_real_build_with_ignore_and_baseline_is_valid_against_the_schema() {
    use plummet::report::baseline::{Baseline, Tolerance};
    use plummet::report::rules::{RuleSet, evaluate};
    use plummet::report::{json, sarif};
    let Some(host) = harness("PLUMMET_TEST_DOCKER_HOST") else {
        return;
    };
    let image = built(&host);
    let plain = analyze(image);
    let results = evaluate(&plain, &RuleSet::default());
    sarif_schema::assert_valid(&sarif::ci(image, &plain, &results, None));

    let report = json::to_string(&json::report(image, &plain, &results, 100));
    let mut old: serde_json::Value = serde_json::from_str(&report).unwrap();
    let findings = old["findings"].as_array_mut().unwrap();
    let setuid = findings
        .iter()
        .position(|f| f["kind"] == "setuid")
        .expect("a setuid finding");
    findings.remove(setuid);
    let base = Baseline::parse(old.to_string().as_bytes(), Tolerance::default()).unwrap();
    let mut a = analyze(image);
    let ignore = plummet::analysis::Ignore::new(&["/usr/share/**".to_string()], false).unwrap();
    plummet::analysis::ignore::apply(&mut a, &image.tree, &ignore);
    assert!(a.ignored.findings > 0);
    let text = sarif::ci(image, &a, &results, Some(&base));
    sarif_schema::assert_valid(&text);
    let log: serde_json::Value = serde_json::from_str(&text).unwrap();
    let results = log["runs"][0]["results"].as_array().unwrap();
    assert_eq!(results.len(), plain.findings.len());
    let why = |r: &serde_json::Value| {
        r["suppressions"][0]["justification"]
            .as_str()
            .map(str::to_owned)
    };
    let ignored = results
        .iter()
        .filter(|r| why(r).is_some_and(|j| j.starts_with("left out by [ignore]")))
        .count();
    assert_eq!(ignored as u64, a.ignored.findings);
    let open: Vec<_> = results.iter().filter(|r| why(r).is_none()).collect();
    assert_eq!(open.len(), 1, "{log}");
    assert_eq!(open[0]["ruleId"], "setuid");
    assert_eq!(open[0]["baselineState"], "new");
}
