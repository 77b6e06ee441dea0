//! The layer details pane: digests, command, what the layer added, modified and removed, and
//! the waste it adds.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Widget;

use super::pane_block;
use crate::escape;
use crate::image::Compression;
use crate::ui::app::Loaded;
use crate::ui::format;
use crate::ui::layout::Pane;
use crate::ui::theme::Theme;

pub struct LayerDetailsView<'a> {
    pub loaded: &'a Loaded,
    pub theme: Theme,
    pub focused: bool,
}

impl LayerDetailsView<'_> {
    fn lines(&self) -> Vec<Line<'static>> {
        let Some(layer) = self.loaded.analysis.layers.get(self.loaded.layer) else {
            return vec![Line::from("no layers")];
        };
        let label = |name: &str| Span::styled(format!("{name:<12}"), self.theme.heading());
        let row = |name: &str, value: String| Line::from(vec![label(name), Span::raw(value)]);
        let digest = |d: &Option<crate::image::Digest>| {
            d.as_ref()
                .map_or_else(|| "unknown".to_string(), ToString::to_string)
        };
        let c = &layer.changes;
        let count = |n: u64, bytes: u64| {
            let files = if n == 1 { "file" } else { "files" };
            format!("{n} {files}, {}", format::bytes(bytes))
        };
        let mut size = format!(
            "{} in {} files",
            format::bytes(layer.size_bytes),
            layer.file_count
        );
        if let Some(blob) = layer.blob_bytes {
            let how = match layer.compression {
                Some(Compression::None) => ", uncompressed".to_string(),
                Some(c) => format!(" {}", c.name()),
                None => String::new(),
            };
            size.push_str(&format!(" (blob {}{how})", format::bytes(blob)));
        }
        let mut lines = vec![
            row("Digest", digest(&layer.digest)),
            row("Diff ID", digest(&layer.diff_id)),
            row("Command", escape::text(&layer.command).into_owned()),
            row("Size", size),
            row("Added", count(c.added, c.added_bytes)),
            row("Modified", count(c.modified, c.modified_bytes)),
            row("Removed", count(c.removed, c.removed_bytes)),
            row("Wasted", format::bytes(c.wasted_bytes)),
            row("Reclaimable", format::bytes(c.reclaimable_bytes)),
        ];
        if let Some(d) = &self.loaded.analysis.dockerfile {
            let at = match layer.dockerfile_line {
                Some(n) => format!("{}:{n}", d.path),
                None => format!("{} (not mapped)", d.path),
            };
            // Say where the file and the line come from when the provenance attestation gave them.
            let how = d.methods.get(layer.index).copied().flatten();
            let at = match (d.from_provenance, how) {
                (true, _) => format!("{at} (from the provenance attestation)"),
                (false, Some(crate::analysis::LineMethod::Provenance)) => {
                    format!("{at} (mapped by the provenance attestation)")
                }
                _ => at,
            };
            lines.insert(3, row("Dockerfile", escape::text(&at).into_owned()));
        }
        lines.extend(super::packages::layer_lines(self.loaded, self.theme));
        lines
    }
}

impl LayerDetailsView<'_> {
    /// The furthest the pane scrolls in `area`.
    pub fn max_scroll(loaded: &Loaded, theme: Theme, area: Rect) -> u16 {
        let view = LayerDetailsView {
            loaded,
            theme,
            focused: false,
        };
        super::max_scroll(view.lines(), area)
    }
}

impl Widget for &LayerDetailsView<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let title = format!("{} {}", Pane::LayerDetails.title(), self.loaded.layer);
        super::render_text_pane(
            self.lines(),
            pane_block(title, self.focused, self.theme),
            self.loaded.layer_scroll,
            self.theme,
            area,
            buf,
        );
    }
}
