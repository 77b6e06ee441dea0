//! The packages parts of the details panes: what the selected layer installed, upgraded or
//! removed, the image's largest packages, and "base" versus "your layers".

use ratatui::text::Line;

use crate::analysis::base::Detection;
use crate::escape;
use crate::packages::{Change, Package};
use crate::ui::app::Loaded;
use crate::ui::format;
use crate::ui::theme::Theme;

/// Package rows listed per pane (the largest).
const SHOWN: usize = 10;

/// `deb hello 2.0`, with the image's strings escaped.
fn label(p: &Package) -> String {
    format!(
        "{} {} {}",
        p.ecosystem.name(),
        escape::text(&p.name),
        escape::text(&p.version)
    )
}

fn row(p: &Package) -> String {
    let what = match p.change {
        Change::Installed => label(p),
        Change::Upgraded => format!(
            "{} (from {})",
            label(p),
            escape::text(p.previous_version.as_deref().unwrap_or("?"))
        ),
        Change::Removed => format!("{} (removed)", label(p)),
    };
    format!("{:>9} {:>5}  {what}", format::bytes(p.bytes), p.files)
}

fn largest<'a>(rows: impl Iterator<Item = &'a Package>) -> Vec<&'a Package> {
    let mut rows: Vec<_> = rows.collect();
    rows.sort_by(|a, b| b.bytes.cmp(&a.bytes).then_with(|| a.name.cmp(&b.name)));
    rows
}

/// The selected layer's package changes, largest first; nothing when it made none.
pub fn layer_lines(loaded: &Loaded, theme: Theme) -> Vec<Line<'static>> {
    let rows = largest(
        loaded
            .analysis
            .packages
            .list
            .iter()
            .filter(|p| p.layer == loaded.layer),
    );
    section(format!("Packages ({} changes)", rows.len()), &rows, theme)
}

/// The packages installed at the top of the image, largest first, and the base boundary.
pub fn image_lines(loaded: &Loaded, theme: Theme) -> Vec<Line<'static>> {
    let a = &loaded.analysis;
    let base_layers = a.layers.iter().filter(|l| l.base).count();
    let name = a
        .base
        .reference
        .as_deref()
        .map_or_else(|| "unknown".to_string(), |n| escape::text(n).into_owned());
    let mut lines = vec![
        Line::default(),
        Line::styled("Base and your layers", theme.heading()),
        Line::raw(match a.base.detected_by {
            Detection::Flag => format!(
                "base: {name}, {base_layers} {}, {}",
                if base_layers == 1 { "layer" } else { "layers" },
                format::bytes(a.base_size_bytes())
            ),
            Detection::Annotation => format!(
                "base: {name}; boundary unknown, layer 0: {}",
                format::bytes(a.base_size_bytes())
            ),
            Detection::Unknown => format!(
                "base: unknown; layer 0 as dive counts it: {}",
                format::bytes(a.base_size_bytes())
            ),
        }),
        Line::raw(format!(
            "yours: {} {}, {}",
            a.layers.len() - base_layers,
            if a.layers.len() - base_layers == 1 {
                "layer"
            } else {
                "layers"
            },
            format::bytes(
                a.layers
                    .iter()
                    .filter(|l| !l.base)
                    .map(|l| l.size_bytes)
                    .sum()
            )
        )),
    ];
    let rows = largest(a.packages.list.iter().filter(|p| p.visible));
    lines.extend(section(
        format!("Packages in the image ({})", rows.len()),
        &rows,
        theme,
    ));
    lines
}

fn section(title: String, rows: &[&Package], theme: Theme) -> Vec<Line<'static>> {
    if rows.is_empty() {
        return Vec::new();
    }
    let mut lines = vec![Line::default(), Line::styled(title, theme.heading())];
    lines.extend(rows.iter().take(SHOWN).map(|p| Line::raw(row(p))));
    if rows.len() > SHOWN {
        lines.push(Line::styled(
            format!("… and {} more", rows.len() - SHOWN),
            theme.dim(),
        ));
    }
    lines
}

/// `owned by deb hello 2.0 (layer 1)` for the selected file, when a package lists it.
pub fn owner(loaded: &Loaded, node: crate::tree::NodeId) -> Option<String> {
    let p = loaded.analysis.packages.owner(node)?;
    Some(format!("  owned by {} (layer {})", label(p), p.layer))
}

#[cfg(test)]
mod tests;
