//! `plummet fix`'s report after the diff: per change what it saves and assumes, the suggestions
//! left as comments, what was left alone and why, and how to build the result.

use std::fmt::Write as _;
use std::path::Path;

use super::format::size;
use crate::dockerfile::fix::{Change, Plan};
use crate::escape;

/// The text after the diff.
pub fn render(
    plan: &Plan,
    notes: &[String],
    output: &Path,
    context: &Path,
    dockerignore: bool,
) -> String {
    let mut o = String::new();
    let _ = writeln!(o, "\nChanges ({})", plan.changes.len());
    if plan.changes.is_empty() {
        let _ = writeln!(
            o,
            "  none: the image shows nothing this Dockerfile can be fixed for"
        );
    }
    for c in &plan.changes {
        change(&mut o, c);
    }
    if !plan.suggestions.is_empty() {
        let _ = writeln!(o, "\nSuggestions (written as comments, not applied)");
        for c in &plan.suggestions {
            change(&mut o, c);
        }
    }
    if !plan.skipped.is_empty() || !notes.is_empty() {
        let _ = writeln!(o, "\nLeft alone");
        for s in notes.iter().chain(&plan.skipped) {
            let _ = writeln!(o, "  {s}");
        }
    }
    let predicted = plan.predicted_bytes();
    let _ = writeln!(
        o,
        "\nPredicted saving: {} ({predicted} bytes)",
        size(predicted)
    );
    let shown = |p: &Path| escape::text(&p.to_string_lossy()).into_owned();
    let _ = writeln!(o, "Wrote {}", shown(&output.join("Dockerfile")));
    let build = if plan.secrets.is_empty() {
        "docker build".to_string()
    } else {
        let secrets: Vec<String> = plan
            .secrets
            .iter()
            .map(|(id, src)| format!("--secret id={id},src={}", shown(&context.join(src))))
            .collect();
        format!("DOCKER_BUILDKIT=1 docker build {}", secrets.join(" "))
    };
    if dockerignore {
        let _ = writeln!(
            o,
            "Wrote {}: copy it into the build context ({}) before building",
            shown(&output.join(".dockerignore")),
            shown(context)
        );
    }
    let _ = writeln!(
        o,
        "Build: {build} -f {} {}",
        shown(&output.join("Dockerfile")),
        shown(context)
    );
    o
}

fn change(o: &mut String, c: &Change) {
    let saves = match c.saves_bytes {
        Some(b) => format!("saves {} ({b} bytes)", size(b)),
        None => "saving not measured".into(),
    };
    let _ = writeln!(o, "  line {}: {}", c.line, c.what);
    let _ = writeln!(o, "    {saves}; assumes {}", c.assumes);
}
