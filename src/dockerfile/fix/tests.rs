use super::*;
use crate::analysis::analyze;
use crate::image::ImageConfig;
use crate::image::config::History;
use crate::testutil::{TarBuilder, image_of};

fn history(created_by: &str, empty_layer: bool) -> History {
    History {
        created_by: created_by.into(),
        empty_layer,
        ..History::default()
    }
}

const DOCKERFILE: &str = "FROM base:1\n\
RUN mkdir -p /var/lib/apt/lists && make-lists\n\
RUN rm -rf /var/lib/apt/lists/*\n\
WORKDIR /app\n\
COPY . .\n\
RUN chown -R 1000:1000 /app\n\
COPY id_rsa /root/.ssh/id_rsa\n\
RUN fetch && rm /root/.ssh/id_rsa\n\
CMD [\"app\"]\n";

/// An image as the classic builder makes it from [`DOCKERFILE`].
fn plan_for(text: &str) -> Plan {
    let data = vec![7u8; 20_000];
    let layers = vec![
        TarBuilder::new().file_mode("bin/sh", 1000, 0o755),
        TarBuilder::new()
            .file("var/lib/apt/lists/deb_Packages", 50_000)
            .file("opt/tool", 10),
        TarBuilder::new().whiteout("var/lib/apt/lists/deb_Packages"),
        TarBuilder::new()
            .file_owned("app/data", &data, 0, 0)
            .file("app/.git/objects/pack/p.pack", 30_000),
        TarBuilder::new()
            .file_owned("app/data", &data, 1000, 1000)
            .file_owned("app/.git/objects/pack/p.pack", &[0u8; 30_000], 1000, 1000),
        TarBuilder::new().file_bytes(
            b"root/.ssh/id_rsa",
            b"-----BEGIN OPENSSH PRIVATE KEY-----\nAAAA\n-----END OPENSSH PRIVATE KEY-----\n",
        ),
        TarBuilder::new()
            .whiteout("root/.ssh/id_rsa")
            .file("fetched", 5),
    ];
    let config = ImageConfig {
        history: vec![
            history("/bin/sh -c #(nop) ADD file:0a in / ", false),
            history(
                "/bin/sh -c mkdir -p /var/lib/apt/lists && make-lists",
                false,
            ),
            history("/bin/sh -c rm -rf /var/lib/apt/lists/*", false),
            history("/bin/sh -c #(nop) WORKDIR /app", true),
            history("/bin/sh -c #(nop) COPY dir:1b in . ", false),
            history("/bin/sh -c chown -R 1000:1000 /app", false),
            history(
                "/bin/sh -c #(nop) COPY file:2c in /root/.ssh/id_rsa ",
                false,
            ),
            history("/bin/sh -c fetch && rm /root/.ssh/id_rsa", false),
            history("/bin/sh -c #(nop)  CMD [\"app\"]", true),
        ],
        ..ImageConfig::default()
    };
    let image = image_of(layers, config);
    let mut analysis = analyze(&image);
    let df = crate::dockerfile::parse("Dockerfile", text).unwrap();
    let lines = crate::dockerfile::apply("Dockerfile", &df, &mut analysis);
    assert_eq!(
        lines.lines,
        [
            Some(1),
            Some(2),
            Some(3),
            Some(5),
            Some(6),
            Some(7),
            Some(8)
        ],
        "{:?}",
        lines.notes
    );
    plan(Input {
        dockerfile: &df,
        text,
        analysis: &analysis,
        tree: &image.tree,
        lines: &lines,
    })
}

#[test]
fn each_fix_is_made_from_its_evidence() {
    let p = plan_for(DOCKERFILE);
    let fixed = p.dockerfile.as_str();
    // The cleanup merged into the RUN that made the lists.
    assert!(
        fixed.contains(
            "RUN mkdir -p /var/lib/apt/lists && make-lists \\\n    && rm -rf /var/lib/apt/lists/*\n"
        ),
        "{fixed}"
    );
    // chown -R onto the COPY; the RUN keeps the directory.
    assert!(fixed.contains("COPY --chown=1000:1000 . .\n"), "{fixed}");
    assert!(fixed.contains("RUN chown 1000:1000 /app\n"), "{fixed}");
    // The key as a build secret.
    assert!(!fixed.contains("COPY id_rsa"), "{fixed}");
    assert!(
        fixed.contains("RUN --mount=type=secret,id=id_rsa,target=/root/.ssh/id_rsa fetch\n"),
        "{fixed}"
    );
    assert_eq!(p.secrets, [("id_rsa".to_string(), "id_rsa".to_string())]);
    // .git from the context.
    let ignored: Vec<&str> = p.dockerignore.iter().map(|(e, _)| e.as_str()).collect();
    assert!(
        ignored.contains(&".git") && ignored.contains(&"id_rsa"),
        "{ignored:?}"
    );
    // What stays: the CMD, the WORKDIR.
    assert!(
        fixed.contains("WORKDIR /app\n") && fixed.contains("CMD [\"app\"]"),
        "{fixed}"
    );
    let saved: Vec<(usize, Option<u64>)> =
        p.changes.iter().map(|c| (c.line, c.saves_bytes)).collect();
    assert!(saved.contains(&(3, Some(50_000))), "{saved:?}");
    assert!(saved.contains(&(5, Some(30_000))), "{saved:?}");
    assert!(saved.contains(&(6, Some(50_000))), "{saved:?}");
}

#[test]
fn a_dockerfile_that_does_not_match_changes_nothing_below_the_mismatch() {
    let text = DOCKERFILE.replace("RUN fetch && rm", "RUN other && rm");
    let df = crate::dockerfile::parse("Dockerfile", &text).unwrap();
    let image = image_of(vec![TarBuilder::new().file("a", 1)], ImageConfig::default());
    let analysis = analyze(&image);
    let lines = crate::dockerfile::map_layers(&df, &analysis.history, 1);
    let p = plan(Input {
        dockerfile: &df,
        text: &text,
        analysis: &analysis,
        tree: &image.tree,
        lines: &lines,
    });
    assert!(p.changes.is_empty(), "{:?}", p.changes);
}

#[test]
fn a_file_a_later_rm_needs_is_not_excluded() {
    let text = "FROM base\nWORKDIR /app\nCOPY . .\nRUN rm .git/config\n";
    let df = crate::dockerfile::parse("Dockerfile", text).unwrap();
    let layers = vec![
        TarBuilder::new().file_mode("bin/sh", 1000, 0o755),
        TarBuilder::new()
            .file("app/.git/config", 300)
            .file("app/.git/objects/pack/p.pack", 30_000),
        TarBuilder::new().whiteout("app/.git/config"),
    ];
    let config = ImageConfig {
        history: vec![
            history("/bin/sh -c #(nop) ADD file:0a in / ", false),
            history("/bin/sh -c #(nop) WORKDIR /app", true),
            history("/bin/sh -c #(nop) COPY dir:1b in . ", false),
            history("/bin/sh -c rm .git/config", false),
        ],
        ..ImageConfig::default()
    };
    let image = image_of(layers, config);
    let mut analysis = analyze(&image);
    let lines = crate::dockerfile::apply("Dockerfile", &df, &mut analysis);
    let p = plan(Input {
        dockerfile: &df,
        text,
        analysis: &analysis,
        tree: &image.tree,
        lines: &lines,
    });
    assert!(p.dockerignore.is_empty(), "{:?}", p.dockerignore);
    assert!(
        p.skipped.iter().any(|s| s.contains("line 4 has no -f")),
        "{:?}",
        p.skipped
    );
}
