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
    replace_file(path, text.as_bytes()).map_err(|e| Error::Output {
        path: path.display().to_string(),
        message: format!("cannot write report: {e}"),
    })?;
    Ok(false)
}

/// Writes `text` to stdout; a closed pipe (`| head`) is not an error.
pub(crate) fn write_stdout(text: &str) -> Result<(), Error> {
    write_output(Path::new("-"), text).map(|_| ())
}

/// Writes `bytes` to `path` so that an existing file is replaced only once the new one is
/// whole: written beside it under a temporary name, then renamed over it (a full disk leaves
/// last run's report as it was). A path that is not a regular file (`/dev/stdout`, a FIFO) is
/// written directly; a symlink is followed, so the file it points to is the one replaced.
fn replace_file(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let target = match std::fs::metadata(path) {
        Ok(meta) if !meta.is_file() => return std::fs::write(path, bytes),
        Ok(_) => std::fs::canonicalize(path)?,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => path.to_path_buf(),
        Err(e) => return Err(e),
    };
    let dir = match target.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let name = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let temporary = dir.join(format!(".{name}.{}.partial", std::process::id()));
    let written = std::fs::write(&temporary, bytes).and_then(|()| {
        // Keep the permissions of the file replaced, as a truncating write would.
        if let Ok(meta) = std::fs::metadata(&target) {
            std::fs::set_permissions(&temporary, meta.permissions())?;
        }
        std::fs::rename(&temporary, &target)
    });
    if written.is_err() {
        let _ = std::fs::remove_file(&temporary);
    }
    written
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_report_replaces_the_old_file_whole_and_follows_symlinks() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("r.json");
        std::fs::write(&file, b"old report").unwrap();
        replace_file(&file, b"new").unwrap();
        assert_eq!(std::fs::read(&file).unwrap(), b"new");
        let link = dir.path().join("latest.json");
        std::os::unix::fs::symlink(&file, &link).unwrap();
        replace_file(&link, b"newer").unwrap();
        assert!(std::fs::symlink_metadata(&link).unwrap().is_symlink());
        assert_eq!(std::fs::read(&file).unwrap(), b"newer");
        let left: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(left.len(), 2, "no temporary file left behind");
    }

    #[test]
    fn a_write_into_a_missing_directory_fails_and_leaves_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("missing-dir").join("r.json");
        assert!(replace_file(&file, b"x").is_err());
    }
}
