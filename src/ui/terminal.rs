//! The real terminal: taking it (raw mode, alternate screen, mouse), giving it back on exit, on
//! panic and on every signal that ends or stops the process, taking it again on resume, and
//! writing each frame out whole.
//!
//! ratatui's default terminal writes through `Stdout`, whose 1 KiB line buffer sends a full frame
//! out in dozens of pieces: over a slow link (or to a `tmux capture-pane`) the screen shows half
//! of the new frame over the old one. Here a frame is queued in one buffer large enough for it,
//! bracketed by the synchronized-update sequences (terminals that know them show the frame only
//! when it is complete, the others ignore them), and leaves in one write.
//!
//! Signals: SIGTERM, SIGHUP, SIGINT and SIGQUIT from outside would leave the shell in raw mode
//! on the alternate screen with the cursor hidden and mouse reporting on (every mouse move then
//! types escape codes). A thread waits for them, gives the terminal back and ends the process as
//! the signal would have. SIGTSTP (Ctrl-Z, or `kill -TSTP`) gives it back, stops, and on SIGCONT
//! takes it again and has the loop redraw everything.

use std::io::{self, BufWriter, Stdout, Write};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, MutexGuard, Once, PoisonError};

use crossterm::cursor::Show;
use crossterm::event::{DisableMouseCapture, EnableMouseCapture};
use crossterm::terminal::{
    BeginSynchronizedUpdate, EndSynchronizedUpdate, EnterAlternateScreen, enable_raw_mode,
};
use ratatui::backend::CrosstermBackend;
use ratatui::{Frame, Terminal};
use signal_hook::consts::{SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGTSTP, SIGWINCH};
use signal_hook::iterator::Signals;
use signal_hook::low_level;

/// Room for a whole frame: a 300x100 terminal with a colour change on every cell is ~600 KiB,
/// a typical full frame well under 64 KiB; a larger one goes out in more writes, nothing worse.
const FRAME_BUFFER: usize = 1 << 20;

/// Held while a frame, a restore or a re-take is written, so that a signal's restore never lands
/// in the middle of a frame and no frame follows it.
static WRITING: Mutex<()> = Mutex::new(());
/// Whether the UI holds the terminal now (only then does a signal give it back or take it again).
static TAKEN: AtomicBool = AtomicBool::new(false);
/// Set when the terminal was taken again after a stop: the screen is blank, so the next frame
/// must be drawn whole, not as a difference from the last one.
static RETAKEN: AtomicBool = AtomicBool::new(false);
static WATCH: Once = Once::new();

pub type UiTerminal = Terminal<CrosstermBackend<BufWriter<Stdout>>>;

fn writing() -> MutexGuard<'static, ()> {
    WRITING.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Takes the terminal. Call [`restore`] when done; a panic or a signal restores it too.
pub fn init() -> io::Result<UiTerminal> {
    install_restore_hook();
    let mut watching = Ok(());
    WATCH.call_once(|| watching = watch_signals());
    watching?;
    let taken = {
        let _writing = writing();
        let taken = take();
        TAKEN.store(taken.is_ok(), Ordering::SeqCst);
        taken
    };
    match taken.and_then(|()| Terminal::new(backend(io::stdout()))) {
        Ok(terminal) => Ok(terminal),
        Err(e) => {
            restore();
            Err(e)
        }
    }
}

/// Raw mode, the alternate screen and mouse reporting.
fn take() -> io::Result<()> {
    enable_raw_mode()
        .and_then(|()| crossterm::execute!(io::stdout(), EnterAlternateScreen, EnableMouseCapture))
}

/// The backend over `out`, with a buffer that holds a whole frame.
fn backend<W: Write>(out: W) -> CrosstermBackend<BufWriter<W>> {
    CrosstermBackend::new(BufWriter::with_capacity(FRAME_BUFFER, out))
}

/// Gives the terminal back: mouse reporting off, the cursor shown, then raw mode and the
/// alternate screen (the order ratatui uses: raw mode has the wider side effects).
pub fn restore() {
    let _writing = writing();
    give_back();
    TAKEN.store(false, Ordering::SeqCst);
}

/// [`restore`] without the lock, for the panic hook: the panicking thread may hold it.
fn give_back() {
    // Cursor visibility is one mode for both screens: leaving the alternate screen does not
    // show it again.
    let _ = crossterm::execute!(io::stdout(), DisableMouseCapture, Show);
    ratatui::restore();
}

/// A panic anywhere (the loader thread included) must not leave the shell in raw mode with mouse
/// reporting on.
fn install_restore_hook() {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        give_back();
        previous(info);
    }));
}

/// Stops the process as Ctrl-Z does in a cooked terminal (in raw mode the key arrives as a key):
/// the signal thread gives the terminal back, stops, and takes it again on resume.
pub fn suspend() {
    let _ = low_level::raise(SIGTSTP);
}

/// Whether the terminal was taken again since the last call: then the screen must be redrawn
/// whole.
pub fn take_retaken() -> bool {
    RETAKEN.swap(false, Ordering::SeqCst)
}

/// Starts the thread that answers the signals; it lives as long as the process.
fn watch_signals() -> io::Result<()> {
    let mut signals = Signals::new([SIGTERM, SIGHUP, SIGINT, SIGQUIT, SIGTSTP])?;
    std::thread::Builder::new()
        .name("plummet-signals".into())
        .spawn(move || {
            for signal in signals.forever() {
                on_signal(signal);
            }
        })?;
    Ok(())
}

fn on_signal(signal: i32) {
    let _writing = writing();
    let taken = TAKEN.load(Ordering::SeqCst);
    if taken {
        give_back();
    }
    // For SIGTSTP this stops the process, and returns once it is continued; for the others
    // it ends the process by the signal itself, so that the parent sees how it ended.
    let _ = low_level::emulate_default_handler(signal);
    if signal != SIGTSTP {
        std::process::exit(128 + signal);
    }
    if taken && take().is_ok() {
        RETAKEN.store(true, Ordering::SeqCst);
        // Wakes the loop, which may be waiting for input: crossterm turns SIGWINCH into a
        // resize event, and the loop then redraws.
        let _ = low_level::raise(SIGWINCH);
    }
}

/// Draws one frame with `render` and sends it as one synchronized update.
pub fn draw<W: Write>(
    terminal: &mut Terminal<CrosstermBackend<W>>,
    render: impl FnOnce(&mut Frame),
) -> io::Result<()> {
    let _writing = writing();
    if take_retaken() {
        terminal.clear()?;
    }
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
