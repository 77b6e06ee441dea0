//! `-`: an archive (`docker save`, OCI archive) read from standard input. Archives need
//! seeking (the manifest may come after the layers, and file contents are read again later),
//! so the bytes are first spooled to an unnamed temporary file, which vanishes when plummet
//! exits; a terminal on stdin is refused instead of waiting for bytes that will not come.

use std::io::IsTerminal as _;
use std::os::fd::AsRawFd as _;
use std::path::PathBuf;

use super::{LoadOptions, SourceError, archive};
use crate::image::{Image, Progress};

/// How standard input is named in messages and reports.
pub const STDIN: &str = "-";

fn fail(message: String) -> SourceError {
    SourceError::Archive {
        path: "- (standard input)".into(),
        message,
    }
}

/// Spools `input` to an unnamed temporary file and returns it, rewound.
pub fn spool(mut input: impl std::io::Read) -> Result<std::fs::File, SourceError> {
    use std::io::Seek as _;
    let mut file = tempfile::tempfile()
        .map_err(|e| fail(format!("cannot make a temporary file to hold it: {e}")))?;
    let copied = std::io::copy(&mut input, &mut file)
        .map_err(|e| fail(format!("cannot spool it to a temporary file: {e}")))?;
    if copied == 0 {
        return Err(fail("nothing was piped in (an empty input)".into()));
    }
    file.rewind()
        .map_err(|e| fail(format!("cannot rewind the temporary file: {e}")))?;
    Ok(file)
}

/// Loads the archive piped into standard input.
pub fn load(options: &LoadOptions, progress: &Progress) -> Result<Image, SourceError> {
    let stdin = std::io::stdin();
    if stdin.is_terminal() {
        return Err(fail(
            "standard input is a terminal: pipe an archive in (docker save IMAGE | plummet -)"
                .into(),
        ));
    }
    progress.set_stage("spooling standard input");
    let file = spool(stdin.lock())?;
    // The archive reader opens the file by path, now and again for file contents later: the
    // unnamed file's /proc entry serves as that path for as long as the descriptor stays open.
    let path = PathBuf::from(format!("/proc/self/fd/{}", file.as_raw_fd()));
    let shown = path.display().to_string();
    let loaded = archive::load(&path, None, None, options, progress);
    // The image may read its layers again at any time until the process ends (the TUI, cat),
    // so the descriptor is kept open for the life of the process; the OS removes the unnamed
    // file when it exits.
    std::mem::forget(file);
    let mut image = loaded.map_err(|e| match e {
        SourceError::Archive { message, .. } => fail(message.replace(&shown, STDIN)),
        other => other,
    })?;
    image.meta.reference = STDIN.into();
    Ok(image)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read as _;

    #[test]
    fn spooled_bytes_read_back_and_empty_input_is_an_error() {
        let mut file = spool(&b"archive bytes"[..]).unwrap();
        let mut back = String::new();
        file.read_to_string(&mut back).unwrap();
        assert_eq!(back, "archive bytes");
        let e = spool(&b""[..]).unwrap_err().to_string();
        assert_eq!(
            e,
            "- (standard input): nothing was piped in (an empty input)"
        );
    }
}
