//! The image details pane: sizes, efficiency, waste, the largest wasted paths, and the findings
//! by kind with their fixes.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Widget;

use super::pane_block;
use crate::analysis::FindingKind;
use crate::escape;
use crate::ui::app::Loaded;
use crate::ui::format;
use crate::ui::layout::Pane;
use crate::ui::theme::Theme;

/// Wasted paths listed (the largest).
const WASTED_SHOWN: usize = 10;

pub struct ImageDetailsView<'a> {
    pub loaded: &'a Loaded,
    pub theme: Theme,
    pub focused: bool,
}

impl ImageDetailsView<'_> {
    fn lines(&self) -> Vec<Line<'static>> {
        let a = &self.loaded.analysis;
        let paths = &self.loaded.image.tree.paths;
        let heading = |text: String| Line::styled(text, self.theme.heading());
        let label = |name: &str| Span::styled(format!("{name:<13}"), self.theme.heading());
        let row = |name: &str, value: String| Line::from(vec![label(name), Span::raw(value)]);
        let mut lines = vec![
            row("Image", escape::text(&a.reference).into_owned()),
            row(
                "Total size",
                format!(
                    "{} (final {})",
                    format::bytes(a.size_bytes),
                    format::bytes(a.final_size_bytes)
                ),
            ),
            row("Efficiency", format::percent(a.efficiency)),
            row(
                "Wasted",
                format!(
                    "{} ({} of user layers)",
                    format::bytes(a.wasted_bytes),
                    format::percent(a.user_wasted_ratio)
                ),
            ),
            row("Reclaimable", format::bytes(a.reclaimable_bytes)),
        ];
        lines.extend(super::packages::image_lines(self.loaded, self.theme));
        if !a.wasted.is_empty() {
            lines.push(Line::default());
            lines.push(heading(format!(
                "Largest wasted paths ({})",
                a.wasted.len()
            )));
            for w in a.wasted.iter().take(WASTED_SHOWN) {
                lines.push(Line::raw(format!(
                    "{:>9} x{:<2} {}",
                    format::bytes(w.bytes),
                    w.touches,
                    escape::bytes(&paths.path(w.node))
                )));
            }
        }
        for kind in FindingKind::ALL {
            let mut of_kind = a.findings_of(kind).peekable();
            if of_kind.peek().is_none() {
                continue;
            }
            let findings: Vec<_> = of_kind.collect();
            lines.push(Line::default());
            lines.push(Line::styled(
                format!("{} ({})", kind.name(), findings.len()),
                self.theme.finding(true),
            ));
            for f in findings {
                let layer = f.layer.map_or_else(String::new, |l| format!("layer {l}, "));
                lines.push(Line::raw(format!(
                    "  {} ({layer}{}): {}",
                    escape::bytes(&paths.path(f.node)),
                    format::bytes(f.bytes),
                    escape::text(&f.reason)
                )));
                lines.push(Line::styled(
                    format!("    fix: {}", escape::text(&f.fix)),
                    self.theme.dim(),
                ));
            }
        }
        lines
    }
}

impl ImageDetailsView<'_> {
    /// The furthest the pane scrolls in `area`.
    pub fn max_scroll(loaded: &Loaded, theme: Theme, area: Rect) -> u16 {
        let view = ImageDetailsView {
            loaded,
            theme,
            focused: false,
        };
        super::max_scroll(view.lines(), area)
    }
}

impl Widget for &ImageDetailsView<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        super::render_text_pane(
            self.lines(),
            pane_block(Pane::ImageDetails.title().into(), self.focused, self.theme),
            self.loaded.image_scroll,
            self.theme,
            area,
            buf,
        );
    }
}
