//! The file viewer, drawn over the panes: a frame titled with the file and layer, the lines
//! (numbered for text, `+`/`-` styled for a diff), and the note about the content below.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Clear, Paragraph, Widget, Wrap};

use crate::ui::theme::Theme;
use crate::ui::viewer::{State, Style, Viewer};

pub struct ViewerView<'a> {
    pub viewer: &'a Viewer,
    pub theme: Theme,
}

impl Widget for &ViewerView<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let v = self.viewer;
        let theme = self.theme;
        Clear.render(area, buf);
        let mut block = Block::bordered()
            .border_type(BorderType::Rounded)
            .border_style(theme.border(true))
            .title(Span::styled(format!(" {} ", v.title), theme.heading()));
        let lines: Vec<Line> = match &v.state {
            State::Loading(_) => vec![Line::styled(
                "reading the file from its layer blob...",
                theme.dim(),
            )],
            State::Failed(message) => vec![Line::styled(message.clone(), theme.warning())],
            State::Ready(body) => {
                let wrap = if v.wrap { "wrap on" } else { "wrap off" };
                block = block.title_bottom(Span::styled(
                    format!(" {}; {wrap}; esc closes ", body.note),
                    theme.dim(),
                ));
                let width = body.lines.len().max(1).to_string().len();
                body.lines
                    .iter()
                    .enumerate()
                    .skip(v.scroll)
                    .take(v.height.max(1))
                    .map(|(i, text)| {
                        let matched = v.matches.binary_search(&i).is_ok();
                        let style = match body.style {
                            _ if matched => theme.matched(),
                            Style::Diff => diff_style(theme, text),
                            Style::Text | Style::Hex => ratatui::style::Style::new(),
                        };
                        let mut spans = Vec::with_capacity(2);
                        if body.style == Style::Text {
                            spans.push(Span::styled(format!("{:>width$} ", i + 1), theme.dim()));
                        }
                        spans.push(Span::styled(text.clone(), style));
                        Line::from(spans)
                    })
                    .collect()
            }
        };
        let mut paragraph = Paragraph::new(lines).block(block);
        if v.wrap {
            paragraph = paragraph.wrap(Wrap { trim: false });
        }
        paragraph.render(area, buf);
    }
}

fn diff_style(theme: Theme, line: &str) -> ratatui::style::Style {
    use crate::tree::Status;
    if line.starts_with("+++") || line.starts_with("---") {
        theme.heading()
    } else if line.starts_with('+') {
        theme.status(Status::Added)
    } else if line.starts_with('-') {
        theme.status(Status::Removed)
    } else if line.starts_with("@@") {
        theme.dim()
    } else {
        ratatui::style::Style::new()
    }
}
