//! Writing to stderr without a panic when nobody reads it any more (`plummet … 2>&1 | head`,
//! a CI step that closed the pipe): `eprintln!` panics on a closed stderr, and a panicking log
//! writer took a whole index down with it. Here a line nobody can read is dropped instead.

use std::io::{self, Write};

/// stderr for the log (tracing's writer): a closed pipe is not an error, what nobody reads
/// is dropped.
#[derive(Debug, Clone, Copy, Default)]
pub struct Stderr;

impl Write for Stderr {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match io::stderr().write(buf) {
            Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(buf.len()),
            other => other,
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match io::stderr().flush() {
            Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(()),
            other => other,
        }
    }
}

/// One line on stderr, as `eprintln!` writes it but without its panic when stderr is closed:
/// a message nobody can read is dropped (there is nowhere else to say it).
pub fn line(args: std::fmt::Arguments<'_>) {
    let mut err = io::stderr().lock();
    let _ = err.write_fmt(args).and_then(|()| err.write_all(b"\n"));
}

/// `eprintln!` that drops the line instead of panicking when stderr is closed.
#[macro_export]
macro_rules! say {
    ($($arg:tt)*) => {
        $crate::stderr::line(format_args!($($arg)*))
    };
}
