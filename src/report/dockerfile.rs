//! The Dockerfile section of the text and Markdown reports (`--dockerfile`): the findings only
//! the Dockerfile shows, and why some layers have no line.

use std::fmt::Write as _;

use crate::analysis::{Analysis, DockerfileSummary, LineMethod};
use crate::escape;

/// Where the Dockerfile came from, when a provenance attestation is involved: from it, or given
/// and the same as (or different from) the one it carries. `None` for a file given alone.
pub fn origin(d: &DockerfileSummary) -> Option<String> {
    let p = d.provenance.as_ref()?;
    let attestation = p
        .attestation
        .as_ref()
        .map_or_else(String::new, |a| format!(" {a}"));
    let name = escape::text(&p.filename);
    Some(if d.from_provenance {
        format!(
            "{name}, from the image's provenance attestation{attestation} (no --dockerfile given)"
        )
    } else if p.same_as_used {
        format!(
            "{} as given, the same as {name} in the image's provenance attestation{attestation}",
            escape::text(&d.path)
        )
    } else {
        format!(
            "{} as given; it differs from {name} in the image's provenance attestation{attestation}",
            escape::text(&d.path)
        )
    })
}

/// `3 by provenance, 1 by history` when the provenance mapped any layer, else nothing.
fn methods(d: &DockerfileSummary) -> Option<String> {
    let count = |m: LineMethod| d.methods.iter().filter(|x| **x == Some(m)).count();
    let (exact, history) = (count(LineMethod::Provenance), count(LineMethod::History));
    (exact > 0).then(|| format!("{exact} by provenance, {history} by history"))
}

/// The text section; nothing without `--dockerfile`.
pub fn section(a: &Analysis, color: bool, o: &mut String) {
    let Some(d) = &a.dockerfile else { return };
    let title = format!(
        "Dockerfile {} ({} of {} layers mapped{})",
        escape::text(&d.path),
        d.mapped_layers,
        a.layers.len(),
        methods(d).map(|m| format!(": {m}")).unwrap_or_default()
    );
    let _ = if color {
        writeln!(o, "\n\x1b[1m{title}\x1b[0m")
    } else {
        writeln!(o, "\n{title}")
    };
    if let Some(from) = origin(d) {
        let _ = writeln!(o, "  from: {from}");
    }
    for note in &d.notes {
        let _ = writeln!(o, "  note: {note}");
    }
    if d.findings.is_empty() {
        let _ = writeln!(o, "  no findings");
    }
    for f in &d.findings {
        let _ = writeln!(o, "  line {}  {}: {}", f.line, f.rule, f.message);
        let _ = writeln!(o, "      fix: {}", f.fix);
    }
}

/// The Markdown section; nothing without `--dockerfile`.
pub fn markdown(a: &Analysis, o: &mut String) {
    let Some(d) = &a.dockerfile else { return };
    let _ = writeln!(
        o,
        "\n### Dockerfile {}\n\n{} of {} layers mapped to an instruction{}.\n",
        escape::markdown_code(&d.path),
        d.mapped_layers,
        a.layers.len(),
        methods(d).map(|m| format!(" ({m})")).unwrap_or_default()
    );
    if let Some(from) = origin(d) {
        let _ = writeln!(o, "From: {}\n", escape::markdown_text(&from));
    }
    for note in &d.notes {
        let _ = writeln!(o, "> {}\n", escape::markdown_text(note));
    }
    if d.findings.is_empty() {
        return;
    }
    let _ = writeln!(o, "| Line | Rule | Finding | Fix |\n|---:|---|---|---|");
    for f in &d.findings {
        let _ = writeln!(
            o,
            "| {} | `{}` | {} | {} |",
            f.line,
            f.rule,
            escape::markdown_text(&f.message),
            escape::markdown_text(&f.fix)
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::{DockerfileFinding, DockerfileSummary, analyze};
    use crate::testutil::{TarBuilder, image_of};

    fn analysis() -> Analysis {
        let image = image_of(
            vec![TarBuilder::new().file("a", 1)],
            crate::image::ImageConfig::default(),
        );
        let mut a = analyze(&image);
        a.dockerfile = Some(DockerfileSummary {
            path: "ctx/\x1b[31mDockerfile".into(),
            mapped_layers: 0,
            notes: vec!["layer 0 (`RUN x`) does not match line 2".into()],
            findings: vec![DockerfileFinding {
                rule: "unpinned_base",
                line: 1,
                message: "base `node` has no tag".into(),
                fix: "pin it".into(),
            }],
            ..DockerfileSummary::default()
        });
        a
    }

    #[test]
    fn text_section_names_lines_and_escapes_the_path() {
        let mut o = String::new();
        section(&analysis(), false, &mut o);
        assert!(!o.contains('\x1b'), "{o}");
        assert!(o.contains("(0 of 1 layers mapped)"), "{o}");
        assert!(
            o.contains("  note: layer 0 (`RUN x`) does not match line 2\n"),
            "{o}"
        );
        assert!(
            o.contains("  line 1  unpinned_base: base `node` has no tag\n      fix: pin it\n"),
            "{o}"
        );
    }

    #[test]
    fn markdown_section_is_a_table() {
        let mut o = String::new();
        markdown(&analysis(), &mut o);
        assert!(o.contains("| 1 | `unpinned_base` |"), "{o}");
        assert!(!o.contains('\x1b'), "{o}");
    }

    #[test]
    fn nothing_without_a_dockerfile() {
        let mut a = analysis();
        a.dockerfile = None;
        let mut o = String::new();
        section(&a, false, &mut o);
        markdown(&a, &mut o);
        assert!(o.is_empty());
    }

    #[test]
    fn the_origin_and_the_methods_are_said_in_text_and_markdown() {
        use crate::analysis::ProvenanceDockerfile;
        let mut a = analysis();
        let d = a.dockerfile.as_mut().unwrap();
        d.path = "Dockerfile".into();
        d.mapped_layers = 1;
        d.from_provenance = true;
        d.methods = vec![Some(LineMethod::Provenance)];
        d.provenance = Some(ProvenanceDockerfile {
            attestation: Some(crate::image::Digest::sha256_of(b"a")),
            filename: "Docker\x1b[31mfile".into(),
            same_as_used: true,
        });
        let digest = crate::image::Digest::sha256_of(b"a");
        let mut o = String::new();
        section(&a, false, &mut o);
        assert!(
            o.contains(
                "Dockerfile Dockerfile (1 of 1 layers mapped: 1 by provenance, 0 by history)"
            ),
            "{o}"
        );
        assert!(
            o.contains(&format!(
                "  from: Docker\\x1b[31mfile, from the image's provenance attestation {digest} (no --dockerfile given)"
            )),
            "{o}"
        );
        let mut md = String::new();
        markdown(&a, &mut md);
        assert!(
            md.contains("1 of 1 layers mapped to an instruction (1 by provenance, 0 by history)."),
            "{md}"
        );
        assert!(md.contains("From: Docker"), "{md}");
        assert!(!md.contains('\x1b') && !o.contains('\x1b'));
        // Given and different: said so.
        let d = a.dockerfile.as_mut().unwrap();
        d.from_provenance = false;
        d.path = "ctx/Dockerfile".into();
        if let Some(p) = d.provenance.as_mut() {
            p.same_as_used = false;
        }
        let from = origin(a.dockerfile.as_ref().unwrap()).unwrap();
        assert!(
            from.starts_with("ctx/Dockerfile as given; it differs from Docker"),
            "{from}"
        );
        // A file given alone has no origin line.
        a.dockerfile.as_mut().unwrap().provenance = None;
        assert_eq!(origin(a.dockerfile.as_ref().unwrap()), None);
    }
}
