//! The Dockerfile section of the text and Markdown reports (`--dockerfile`): the findings only
//! the Dockerfile shows, and why some layers have no line.

use std::fmt::Write as _;

use crate::analysis::Analysis;
use crate::escape;

/// The text section; nothing without `--dockerfile`.
pub fn section(a: &Analysis, color: bool, o: &mut String) {
    let Some(d) = &a.dockerfile else { return };
    let title = format!(
        "Dockerfile {} ({} of {} layers mapped)",
        escape::text(&d.path),
        d.mapped_layers,
        a.layers.len()
    );
    let _ = if color {
        writeln!(o, "\n\x1b[1m{title}\x1b[0m")
    } else {
        writeln!(o, "\n{title}")
    };
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
        "\n### Dockerfile {}\n\n{} of {} layers mapped to an instruction.\n",
        escape::markdown_code(&d.path),
        d.mapped_layers,
        a.layers.len()
    );
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
