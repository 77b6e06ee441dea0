//! The real terminal: taking it (raw mode, alternate screen, mouse), giving it back on exit and on
//! panic, and writing each frame out whole.
//!
//! ratatui's default terminal writes through `Stdout`, whose 1 KiB line buffer sends a full frame
//! out in dozens of pieces: over a slow link (or to a `tmux capture-pane`) the screen shows half
//! of the new frame over the old one. Here a frame is queued in one buffer large enough for it,
//! bracketed by the synchronized-update sequences (terminals that know them show the frame only
//! when it is complete, the others ignore them), and leaves in one write.

use std::io::{self, BufWriter, Stdout, Write};

use crossterm::event::{DisableMouseCapture, EnableMouseCapture};
use crossterm::terminal::{
    BeginSynchronizedUpdate, EndSynchronizedUpdate, EnterAlternateScreen, enable_raw_mode,
};
use ratatui::backend::CrosstermBackend;
use ratatui::{Frame, Terminal};

/// Room for a whole frame: a 300x100 terminal with a colour change on every cell is ~600 KiB,
/// a typical full frame well under 64 KiB; a larger one goes out in more writes, nothing worse.
const FRAME_BUFFER: usize = 1 << 20;

pub type UiTerminal = Terminal<CrosstermBackend<BufWriter<Stdout>>>;

/// Takes the terminal. Call [`restore`] when done; a panic restores it too.
pub fn init() -> io::Result<UiTerminal> {
    install_restore_hook();
    let taken = enable_raw_mode()
        .and_then(|()| crossterm::execute!(io::stdout(), EnterAlternateScreen, EnableMouseCapture))
        .and_then(|()| Terminal::new(backend(io::stdout())));
    if taken.is_err() {
        restore();
    }
    taken
}

/// The backend over `out`, with a buffer that holds a whole frame.
fn backend<W: Write>(out: W) -> CrosstermBackend<BufWriter<W>> {
    CrosstermBackend::new(BufWriter::with_capacity(FRAME_BUFFER, out))
}

/// Gives the terminal back: mouse reporting off, then raw mode and the alternate screen (the
/// order ratatui uses: raw mode has the wider side effects).
pub fn restore() {
    let _ = crossterm::execute!(io::stdout(), DisableMouseCapture);
    ratatui::restore();
}

/// A panic anywhere (the loader thread included) must not leave the shell in raw mode with mouse
/// reporting on.
fn install_restore_hook() {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        restore();
        previous(info);
    }));
}

/// Draws one frame with `render` and sends it as one synchronized update.
pub fn draw<W: Write>(
    terminal: &mut Terminal<CrosstermBackend<W>>,
    render: impl FnOnce(&mut Frame),
) -> io::Result<()> {
    crossterm::queue!(terminal.backend_mut(), BeginSynchronizedUpdate)?;
    terminal.draw(render)?;
    crossterm::execute!(terminal.backend_mut(), EndSynchronizedUpdate)
}

#[cfg(test)]
mod tests {
    use std::cell::RefCell;
    use std::rc::Rc;

    use ratatui::widgets::{Block, Paragraph, Wrap};

    use super::*;

    /// Remembers what reached the "terminal" in each write call.
    #[derive(Clone, Default)]
    struct Writes(Rc<RefCell<Vec<Vec<u8>>>>);

    impl Write for Writes {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            self.0.borrow_mut().push(buf.to_vec());
            Ok(buf.len())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    fn sizes(writes: &[Vec<u8>]) -> Vec<usize> {
        writes.iter().map(Vec::len).collect()
    }

    #[test]
    fn a_frame_leaves_in_one_write_inside_a_synchronized_update() {
        let writes = Writes::default();
        let options = ratatui::TerminalOptions {
            viewport: ratatui::Viewport::Fixed(ratatui::layout::Rect::new(0, 0, 120, 40)),
        };
        let mut terminal = Terminal::with_options(backend(writes.clone()), options).unwrap();
        let text = "every cell of a busy frame ".repeat(200);
        draw(&mut terminal, |frame| {
            let area = frame.area();
            frame.render_widget(
                Paragraph::new(text)
                    .wrap(Wrap { trim: false })
                    .block(Block::bordered()),
                area,
            );
        })
        .unwrap();

        let writes = writes.0.borrow();
        let frame = writes
            .iter()
            .find(|w| w.len() > 4096)
            .unwrap_or_else(|| panic!("no write over 4 KiB: {:?}", sizes(&writes)));
        // Everything that draws cells went out in that one write, opened by the begin sequence.
        assert!(frame.starts_with(b"\x1b[?2026h"), "{:?}", &frame[..16]);
        let rest: usize = writes.iter().map(Vec::len).sum::<usize>() - frame.len();
        assert!(
            rest < 64,
            "{rest} bytes outside the frame: {:?}",
            sizes(&writes)
        );
        assert!(writes.concat().ends_with(b"\x1b[?2026l"));
    }
}
