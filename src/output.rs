//! Where reports go: each asked-for report rendered and written to its file or to stdout, and
//! every target checked before any image is read, so that a typo in a path fails in a second
//! rather than after minutes of pulling.

use std::io::Write;
use std::path::Path;

use rustix::fs::Access;

use crate::Error;
use crate::settings::{Format, Reports};

/// Checks that every report file can be created: its directory exists and is writable, and the
/// path is not a directory or a file we may not write. Settings already refused two reports on
/// stdout.
pub fn check_targets(reports: &Reports) -> Result<(), Error> {
    for (format, path) in reports.targets() {
        if path == Path::new("-") {
            continue;
        }
        let fail = |message: String| Error::Output {
            path: path.display().to_string(),
            message: format!("cannot write the {} report: {message}", format.flag()),
        };
        if path.is_dir() {
            return Err(fail("it is a directory".into()));
        }
        let dir = match path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p,
            _ => Path::new("."),
        };
        if dir.exists() && !dir.is_dir() {
            return Err(fail(format!("{} is not a directory", dir.display())));
        }
        if !dir.is_dir() {
            return Err(fail(format!("directory {} does not exist", dir.display())));
        }
        let (what, probe) = if path.exists() {
            ("the file", path)
        } else {
            ("directory", dir)
        };
        rustix::fs::access(probe, Access::WRITE_OK)
            .map_err(|e| fail(format!("{what} {} is not writable ({e})", probe.display())))?;
    }
    Ok(())
}

/// Writes the requested reports, each rendered only when asked for, to their files (or stdout
/// for `-`); then the text report to stdout unless a report already took it. The one place
/// `ci` and `diff` write their reports.
pub fn write_reports(
    reports: &Reports,
    render: impl Fn(Format) -> String,
    text: impl FnOnce() -> String,
) -> Result<(), Error> {
    let mut stdout_taken = false;
    for (format, path) in reports.targets() {
        stdout_taken |= write_output(path, &render(format))?;
    }
    if !stdout_taken {
        write_output(Path::new("-"), &text())?;
    }
    Ok(())
}

/// Writes to a file, or to stdout for `-`; returns whether stdout was used.
fn write_output(path: &Path, text: &str) -> Result<bool, Error> {
    if path == Path::new("-") {
        let mut out = std::io::stdout().lock();
        // A closed pipe (`| head`) is not an error worth reporting.
        match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {}
            Err(e) => {
                return Err(Error::Output {
                    path: "stdout".into(),
                    message: e.to_string(),
                });
            }
        }
        return Ok(true);
    }
    std::fs::write(path, text).map_err(|e| Error::Output {
        path: path.display().to_string(),
        message: format!("cannot write report: {e}"),
    })?;
    Ok(false)
}

/// Writes `text` to stdout; a closed pipe (`| head`) is not an error.
pub(crate) fn write_stdout(text: &str) -> Result<(), Error> {
    write_output(Path::new("-"), text).map(|_| ())
}
