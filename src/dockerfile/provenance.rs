//! Which instruction made each layer, from the build's own record: BuildKit's provenance maps
//! each LLB step to Dockerfile line ranges (`source.locations`) and each step's output to the
//! chain of layer blobs it is made of (`layers`). A layer is the work of the step with the
//! shortest chain that holds it: the step that added it, or for a base image's layers the
//! `FROM` that pulled them. Exact where history matching can only compare command text.

use std::collections::HashMap;

use super::{Dockerfile, LayerLines, Stage};
use crate::image::Digest;
use crate::image::provenance::{LineRange, Provenance};

/// The line of each layer (by blob digest) that the provenance gives for `df`, which must be the
/// provenance's own Dockerfile.
pub fn map_layers(prov: &Provenance, df: &Dockerfile, digests: &[Option<&Digest>]) -> LayerLines {
    let mut out = LayerLines {
        lines: vec![None; digests.len()],
        notes: Vec::new(),
    };
    let Some((source, _)) = prov.dockerfile() else {
        return out;
    };
    let stage = prov
        .target
        .as_deref()
        .and_then(|t| df.stage_named(t))
        .or_else(|| df.final_stage());
    let in_stage = |line: usize| stage.is_some_and(|s| span(df, s).contains(&line));
    // digest -> (chain length, step position) of its owner: the step with the shortest chain
    // holding it, the earlier on a tie (a step that adds nothing repeats its input's chain).
    // Every step counts, with a location or not: a base image pulled from a named context has
    // none, and its layers must not fall to the first later step that has one.
    let mut owner: HashMap<&Digest, (usize, usize)> = HashMap::new();
    for (position, step) in prov.steps.iter().enumerate() {
        for (_, chain) in &step.layers {
            for digest in chain {
                let key = (chain.len(), position);
                let slot = owner.entry(digest).or_insert(key);
                if key < *slot {
                    *slot = key;
                }
            }
        }
    }
    // The owner's line: its range inside the stage built (a step two stages share has both),
    // else its first; none when it has no location in the Dockerfile.
    let line_of = |position: usize| -> Option<usize> {
        let step = prov.steps.get(position)?;
        let ranges: Vec<&LineRange> = step.ranges.iter().filter(|r| r.source == source).collect();
        let range = ranges
            .iter()
            .find(|r| in_stage(r.first))
            .or_else(|| ranges.first())?;
        instruction_at(df, range.first)
    };
    for (slot, digest) in out.lines.iter_mut().zip(digests) {
        *slot = digest
            .and_then(|d| owner.get(d))
            .and_then(|(_, position)| line_of(*position));
    }
    let best = &owner;
    let missing = out.lines.iter().filter(|l| l.is_none()).count();
    if missing > 0 && !best.is_empty() {
        out.notes.push(format!(
            "{missing} of {} layers have no line in the provenance attestation (not in its layer map, or made by a step without a location, such as a base image from a named context)",
            digests.len()
        ));
    }
    out
}

/// Lines from the stage's `FROM` to its last instruction's end.
fn span(df: &Dockerfile, stage: &Stage) -> std::ops::RangeInclusive<usize> {
    let first = df.instructions.get(stage.from).map_or(0, |i| i.line);
    let last = stage
        .end
        .checked_sub(1)
        .and_then(|i| df.instructions.get(i))
        .map_or(first, |i| i.end_line);
    first..=last
}

/// The first line of the instruction that spans `line`.
fn instruction_at(df: &Dockerfile, line: usize) -> Option<usize> {
    df.instructions
        .iter()
        .find(|i| i.line <= line && line <= i.end_line)
        .map(|i| i.line)
}

#[cfg(test)]
mod tests {
    use imagegen::LayerBlob;
    use imagegen::provenance::{ProvenanceSpec, StepSpec, statement};

    use super::*;
    use crate::analysis::{LineMethod, analyze};
    use crate::image::ImageConfig;
    use crate::image::config::History;
    use crate::testutil::{TarBuilder, image_of};

    fn hex(n: u8) -> String {
        format!("{n:02x}").repeat(32)
    }

    fn blobs(n: u8) -> Vec<LayerBlob> {
        (1..=n)
            .map(|i| LayerBlob {
                digest: hex(i),
                size: 10,
                diff_id: hex(i + 100),
                media_type: "application/vnd.oci.image.layer.v1.tar+gzip",
            })
            .collect()
    }

    fn digests(n: u8) -> Vec<Digest> {
        (1..=n)
            .map(|i| Digest::parse(&format!("sha256:{}", hex(i))).unwrap())
            .collect()
    }

    fn provenance(spec: &ProvenanceSpec, layers: u8) -> Provenance {
        let bytes = statement(spec, &hex(0xaa), &blobs(layers));
        crate::image::provenance::parse(
            &bytes,
            &Digest::parse(&format!("sha256:{}", hex(0xaa))).unwrap(),
        )
        .unwrap()
    }

    const DOCKERFILE: &str =
        "FROM base:1\nCOPY app /app\nRUN make \\\n    install\nCMD [\"app\"]\n";

    fn spec(text: &str) -> ProvenanceSpec {
        ProvenanceSpec {
            filename: "Dockerfile".into(),
            dockerfile: text.into(),
            steps: vec![
                StepSpec::from_image("docker-image://docker.io/library/base:1", 1, 2),
                StepSpec::local("context"),
                StepSpec::copy(2, 3),
                // BuildKit gives a RUN's whole range; the line is where it starts.
                StepSpec::run(&["/bin/sh", "-c", "make     install"], 3, 4, 4),
            ],
        }
    }

    #[test]
    fn base_layers_go_to_from_and_each_layer_to_its_step() {
        let df = crate::dockerfile::parse("Dockerfile", DOCKERFILE).unwrap();
        let p = provenance(&spec(DOCKERFILE), 4);
        let all = digests(5);
        let refs: Vec<Option<&Digest>> = all.iter().map(Some).chain([None]).collect();
        let out = map_layers(&p, &df, &refs);
        // Layer 4 (not in the provenance) and a layer without a digest stay unmapped.
        assert_eq!(out.lines, [Some(1), Some(1), Some(2), Some(3), None, None]);
        assert_eq!(
            out.notes,
            [
                "2 of 6 layers have no line in the provenance attestation (not in its layer map, or made by a step without a location, such as a base image from a named context)"
            ]
        );
    }

    #[test]
    fn a_base_shared_by_two_stages_goes_to_the_built_stage_s_from() {
        let text = "FROM base:1 AS build\nRUN make\nFROM base:1\nCOPY --from=build /out /out\n";
        let df = crate::dockerfile::parse("Dockerfile", text).unwrap();
        let mut from = StepSpec::from_image("docker-image://docker.io/library/base:1", 1, 1);
        // LLB merges the two identical image sources into one step with both locations.
        from.lines = vec![(1, 1), (3, 3)];
        let spec = ProvenanceSpec {
            filename: "Dockerfile".into(),
            dockerfile: text.into(),
            steps: vec![
                from,
                StepSpec::run(&["make"], 2, 2, 0),
                StepSpec::copy(4, 2),
            ],
        };
        let p = provenance(&spec, 2);
        let all = digests(2);
        let refs: Vec<Option<&Digest>> = all.iter().map(Some).collect();
        assert_eq!(map_layers(&p, &df, &refs).lines, [Some(3), Some(4)]);
    }

    fn history(created_by: &str, empty_layer: bool) -> History {
        History {
            created_by: created_by.into(),
            empty_layer,
            ..History::default()
        }
    }

    /// An analysis of a 4-layer image whose history matches [`DOCKERFILE`] except where
    /// `history` says otherwise, with the blob digests of [`blobs`].
    fn analysis(run: &str) -> crate::analysis::Analysis {
        let layers = (0..4)
            .map(|i| TarBuilder::new().file(&format!("f{i}"), 10))
            .collect();
        let config = ImageConfig {
            history: vec![
                history("/bin/sh -c #(nop) ADD file:0a in / ", false),
                history("/bin/sh -c #(nop) ADD file:0b in / ", false),
                history("COPY app /app # buildkit", false),
                history(run, false),
                history("CMD [\"app\"]", true),
            ],
            ..ImageConfig::default()
        };
        let mut a = analyze(&image_of(layers, config));
        for (l, d) in a.layers.iter_mut().zip(digests(4)) {
            l.digest = Some(d);
        }
        a
    }

    fn used<'a>(
        df: &'a crate::dockerfile::Dockerfile,
        text: &'a str,
        from: bool,
    ) -> crate::dockerfile::Used<'a> {
        crate::dockerfile::Used {
            path: "Dockerfile",
            dockerfile: df,
            text,
            from_provenance: from,
        }
    }

    #[test]
    fn the_provenance_maps_what_the_history_cannot_and_says_how() {
        // The history's RUN is not the Dockerfile's: matching stops there.
        let mut a = analysis("RUN /bin/sh -c something else # buildkit");
        let df = crate::dockerfile::parse("Dockerfile", DOCKERFILE).unwrap();
        let history_only = crate::dockerfile::apply("Dockerfile", &df, &mut a.clone());
        assert_eq!(history_only.lines, [None, None, None, None]);
        let p = provenance(&spec(DOCKERFILE), 4);
        let lines = crate::dockerfile::apply_with(used(&df, DOCKERFILE, true), Some(&p), &mut a);
        assert_eq!(lines.lines, [Some(1), Some(1), Some(2), Some(3)]);
        let d = a.dockerfile.as_ref().unwrap();
        assert!(d.from_provenance);
        assert_eq!(d.mapped_layers, 4);
        assert_eq!(d.methods, [Some(LineMethod::Provenance); 4]);
        assert!(d.notes.is_empty(), "{:?}", d.notes);
        let pf = d.provenance.as_ref().unwrap();
        assert_eq!(
            (pf.filename.as_str(), pf.same_as_used),
            ("Dockerfile", true)
        );
        assert_eq!(a.layers[3].dockerfile_line, Some(3));
    }

    #[test]
    fn a_given_dockerfile_that_differs_is_said_and_mapped_by_history() {
        let mut a = analysis("RUN /bin/sh -c make     install # buildkit");
        let given = "FROM base:1\nCOPY app /app\nRUN make     install\nCMD [\"app\"]\n";
        let df = crate::dockerfile::parse("Dockerfile", given).unwrap();
        let p = provenance(&spec(DOCKERFILE), 4);
        let lines = crate::dockerfile::apply_with(used(&df, given, false), Some(&p), &mut a);
        assert_eq!(lines.lines, [Some(1), Some(1), Some(2), Some(3)]);
        let d = a.dockerfile.as_ref().unwrap();
        assert!(!d.from_provenance);
        assert_eq!(d.methods, [Some(LineMethod::History); 4]);
        assert!(!d.provenance.as_ref().unwrap().same_as_used);
        assert!(
            d.notes.iter().any(|n| n.starts_with(
                "differs from the Dockerfile in the image's provenance attestation (Dockerfile"
            )),
            "{:?}",
            d.notes
        );
    }

    #[test]
    fn where_history_and_provenance_disagree_the_provenance_wins_and_says_so() {
        let mut a = analysis("RUN /bin/sh -c make     install # buildkit");
        let df = crate::dockerfile::parse("Dockerfile", DOCKERFILE).unwrap();
        let mut s = spec(DOCKERFILE);
        // The builder says the COPY's layer came from line 3 (as when two steps share text).
        s.steps[2] = StepSpec::copy(3, 3);
        s.steps[3] = StepSpec::run(&["x"], 3, 4, 4);
        let p = provenance(&s, 4);
        let lines = crate::dockerfile::apply_with(used(&df, DOCKERFILE, false), Some(&p), &mut a);
        assert_eq!(lines.lines, [Some(1), Some(1), Some(3), Some(3)]);
        let d = a.dockerfile.as_ref().unwrap();
        assert!(
            d.notes.iter().any(|n| n.contains("layer 2: line 3, not 2")),
            "{:?}",
            d.notes
        );
    }

    /// The statement a real BuildKit v0.11.6 wrote (`buildctl build --opt
    /// attest:provenance=mode=max --output type=oci`) for testdata/provenance/Dockerfile, with
    /// the image's real layer digests and history: the steps of the `FROM base` stage and of
    /// the final stage map every layer, the builder stage none.
    #[test]
    fn a_real_buildkit_0_11_6_statement_maps_every_layer() {
        let bytes =
            include_bytes!("../../testdata/provenance/buildkit-0.11.6-mode-max.intoto.json");
        let subject = Digest::parse(
            "sha256:1bd830d681020605dea0b24fc039a021f9168e74fdfc95de3ae483b9bb43fb11",
        )
        .unwrap();
        let p = crate::image::provenance::parse(bytes, &subject).unwrap();
        let (_, file) = p.dockerfile().unwrap();
        let text = std::str::from_utf8(&file.data).unwrap();
        assert_eq!(text, include_str!("../../testdata/provenance/Dockerfile"));
        assert_eq!(file.filename, "Dockerfile");
        let df = crate::dockerfile::parse("Dockerfile", text).unwrap();
        let layers: Vec<Digest> = [
            "55433e65969a6f94b655045869941167846de70477403c4a2a5271d9175e359e",
            "c206679f6cd4a171ad5bb8cbbb723ffb785bd2318c355ada241a1bf8cb18218b",
            "12cb54dc16ca6200dd356976d1b8ae645d884815b9aa8d74803013d31e2d1e66",
            "9f828537fd3aceefadbc5511031039c100eb026fd8f831d500d047f926a40a6b",
            "533b682a0218fcdc9e1f4fdc03a01c698c4565f3527eccb31e24eab46a7ef9db",
            "f67273312a087ce1aa8f89960cfe5ad5d24c3de5d6a6e9189997c573ba78eb9f",
        ]
        .iter()
        .map(|h| Digest::parse(&format!("sha256:{h}")).unwrap())
        .collect();
        let refs: Vec<Option<&Digest>> = layers.iter().map(Some).collect();
        let exact = map_layers(&p, &df, &refs);
        // The multi-line RUN (lines 10-11) has a range per line: its first line is the one.
        assert_eq!(
            exact.lines,
            [Some(2), Some(3), Some(9), Some(10), Some(12), Some(13)]
        );
        assert!(exact.notes.is_empty(), "{:?}", exact.notes);
        // The same image's history, as BuildKit recorded it: both ways agree.
        let history = [
            ("COPY busybox /bin/busybox # buildkit", false),
            ("RUN /bin/busybox --install -s /bin # buildkit", false),
            ("COPY app /app # buildkit", false),
            (
                "RUN /bin/sh -c mkdir -p /var/lib/apt/lists &&     head -c 200000 /dev/urandom > /var/lib/apt/lists/big # buildkit",
                false,
            ),
            ("COPY /out/app /usr/bin/app # buildkit", false),
            (
                "RUN /bin/sh -c rm -rf /var/lib/apt/lists/* # buildkit",
                false,
            ),
            ("CMD [\"/bin/sh\" \"/app/run.sh\"]", true),
        ];
        let mut next = 0;
        let rows: Vec<crate::analysis::HistoryRow> = history
            .iter()
            .map(|(c, empty)| crate::analysis::HistoryRow {
                command: (*c).to_string(),
                layer: (!empty).then(|| {
                    next += 1;
                    next - 1
                }),
                created: None,
            })
            .collect();
        let matched = crate::dockerfile::map_layers(&df, &rows, 6);
        assert_eq!(matched.lines, exact.lines, "{:?}", matched.notes);
    }

    /// BuildKit 0.11 gives a base image pulled from a named context (`--opt
    /// context:base:1=oci-layout://…`) no location: its layers belong to that step all the same,
    /// not to the first later step that has one, and so have no line from the provenance (the
    /// history maps them to the `FROM`).
    #[test]
    fn base_layers_of_a_step_without_location_stay_unmapped() {
        let text = "FROM base:1\nRUN echo hi > /hi && \\\n    rm -f /usr/bin/app\n";
        let df = crate::dockerfile::parse("Dockerfile", text).unwrap();
        let mut from = StepSpec::from_image("oci-layout://baselayout@sha256:1bd8", 1, 2);
        from.lines.clear();
        let spec = ProvenanceSpec {
            filename: "Dockerfile".into(),
            dockerfile: text.into(),
            steps: vec![from, StepSpec::run(&["/bin/sh", "-c", "echo"], 2, 3, 3)],
        };
        let p = provenance(&spec, 3);
        let all = digests(3);
        let refs: Vec<Option<&Digest>> = all.iter().map(Some).collect();
        assert_eq!(map_layers(&p, &df, &refs).lines, [None, None, Some(2)]);
        // Merged with the history, which maps the base to the FROM: no note, both methods.
        let mut a = analysis("RUN /bin/sh -c make     install # buildkit");
        a.layers.truncate(3);
        a.history = vec![
            crate::analysis::HistoryRow {
                command: "COPY a /a # buildkit".into(),
                layer: Some(0),
                created: None,
            },
            crate::analysis::HistoryRow {
                command: "COPY b /b # buildkit".into(),
                layer: Some(1),
                created: None,
            },
            crate::analysis::HistoryRow {
                command: "RUN /bin/sh -c echo hi > /hi &&     rm -f /usr/bin/app # buildkit".into(),
                layer: Some(2),
                created: None,
            },
        ];
        let lines = crate::dockerfile::apply_with(used(&df, text, true), Some(&p), &mut a);
        assert_eq!(lines.lines, [Some(1), Some(1), Some(2)]);
        let d = a.dockerfile.as_ref().unwrap();
        assert_eq!(
            d.methods,
            [
                Some(LineMethod::History),
                Some(LineMethod::History),
                Some(LineMethod::Provenance)
            ]
        );
        assert!(d.notes.is_empty(), "{:?}", d.notes);
    }

    /// A real BuildKit v0.11.6 statement of an unnamed build (`--output type=oci` without
    /// `name`: no subject) whose base came from an OCI layout as a named context (its source
    /// step has no location): only the RUN's layer gets a line from it.
    #[test]
    fn a_real_statement_without_subject_and_with_a_named_context_base() {
        let bytes =
            include_bytes!("../../testdata/provenance/buildkit-0.11.6-named-context.intoto.json");
        let image = Digest::parse(
            "sha256:0c2fb6e33444267418f6f5cc1ff97a7205239cd668f74ae1b0c81fe51c5e5892",
        )
        .unwrap();
        let p = crate::image::provenance::parse(bytes, &image).unwrap();
        let text = std::str::from_utf8(&p.dockerfile().unwrap().1.data).unwrap();
        assert_eq!(
            text,
            "FROM base:1\nRUN echo hi > /hi && \\\n    rm -f /usr/bin/app\n"
        );
        let df = crate::dockerfile::parse("Dockerfile", text).unwrap();
        let layers: Vec<Digest> = [
            "55433e65969a6f94b655045869941167846de70477403c4a2a5271d9175e359e",
            "c206679f6cd4a171ad5bb8cbbb723ffb785bd2318c355ada241a1bf8cb18218b",
            "12cb54dc16ca6200dd356976d1b8ae645d884815b9aa8d74803013d31e2d1e66",
            "9f828537fd3aceefadbc5511031039c100eb026fd8f831d500d047f926a40a6b",
            "533b682a0218fcdc9e1f4fdc03a01c698c4565f3527eccb31e24eab46a7ef9db",
            "f67273312a087ce1aa8f89960cfe5ad5d24c3de5d6a6e9189997c573ba78eb9f",
            "c8d3429a17f11ed767a980cbed1138d7ee44d4ba61544cfe36d4738d6e7f7e53",
        ]
        .iter()
        .map(|h| Digest::parse(&format!("sha256:{h}")).unwrap())
        .collect();
        let refs: Vec<Option<&Digest>> = layers.iter().map(Some).collect();
        let mut want = vec![None; 6];
        want.push(Some(2));
        assert_eq!(map_layers(&p, &df, &refs).lines, want);
    }
}
