//! Reading what the viewer shows, on a worker thread: the file's bytes (up to a limit) from its
//! layer's blob, turned into escaped lines, or the diff of two versions.

use std::sync::mpsc::{self, Receiver};

use super::{Body, HEX_LIMIT, Style, TEXT_LIMIT, kind};
use crate::content::compare::{self, Version};
use crate::content::{Blobs, Member, ReadOptions, Spool, read_member};

/// What to show.
#[derive(Debug, Clone)]
pub enum Request {
    /// One file.
    View(Member),
    /// Two versions of a file: each a member, or why there is none; with their labels.
    Diff {
        before: Result<Member, String>,
        after: Result<Member, String>,
        labels: (String, String),
    },
}

/// Starts reading on a worker thread; the answer arrives on the receiver.
pub fn spawn(
    blobs: Blobs,
    request: Request,
    options: ReadOptions,
) -> Receiver<Result<Body, String>> {
    spawn_job(move || build(&blobs, request, options))
}

/// Runs `job` on a worker thread; its answer arrives on the receiver. The diff UI's viewer,
/// which reads from two images, starts its reads through this too.
pub fn spawn_job(
    job: impl FnOnce() -> Result<Body, String> + Send + 'static,
) -> Receiver<Result<Body, String>> {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        // The receiver is gone only when the viewer was closed first.
        let _ = tx.send(job());
    });
    rx
}

/// The body for a request (synchronous: the worker's job, and tests').
pub fn build(blobs: &Blobs, request: Request, options: ReadOptions) -> Result<Body, String> {
    match request {
        Request::View(member) => {
            let mut spool = Spool::in_memory(TEXT_LIMIT);
            read_member(blobs, &member, &mut spool, options).map_err(|e| e.to_string())?;
            Ok(file_body(&spool))
        }
        Request::Diff {
            before,
            after,
            labels,
        } => {
            let version = |m: Result<Member, String>| -> Result<Version, String> {
                match m {
                    Err(why) => Ok(Version::Absent(why)),
                    Ok(member) => {
                        let mut spool = Spool::unbounded();
                        read_member(blobs, &member, &mut spool, options)
                            .map_err(|e| e.to_string())?;
                        Ok(Version::File(spool))
                    }
                }
            };
            let (mut a, mut b) = (version(before)?, version(after)?);
            let text =
                compare::render(&labels.0, &mut a, &labels.1, &mut b).map_err(|e| e.to_string())?;
            Ok(diff_body(&text))
        }
    }
}

/// The body of a diff as [`compare::render`] wrote it.
pub fn diff_body(text: &str) -> Body {
    let lines: Vec<String> = text.lines().map(|l| l.replace('\t', "    ")).collect();
    Body {
        style: Style::Diff,
        note: if lines.is_empty() {
            "the same content in both".into()
        } else {
            format!("{} lines of diff", lines.len())
        },
        lines,
    }
}

/// Text with line numbers, or hex with a type line; a note when the file is cut short.
pub fn file_body(spool: &Spool) -> Body {
    let bytes = spool.bytes().unwrap_or_default();
    let total = spool.total();
    let cut = |shown: u64| {
        if total > shown {
            format!("; showing the first {shown} bytes")
        } else {
            String::new()
        }
    };
    if let Some(text) = text_prefix(bytes) {
        let lines: Vec<String> = text
            .split_inclusive('\n')
            .map(|l| compare::escape_line(l.strip_suffix('\n').unwrap_or(l)).replace('\t', "    "))
            .collect();
        return Body {
            style: Style::Text,
            note: format!(
                "text, {total} bytes, {} lines{}",
                lines.len(),
                cut(bytes.len() as u64)
            ),
            lines,
        };
    }
    let shown = &bytes[..bytes.len().min(HEX_LIMIT as usize)];
    Body {
        style: Style::Hex,
        note: format!(
            "{}, {total} bytes{}",
            kind::describe(bytes),
            cut(shown.len() as u64)
        ),
        lines: kind::hex_lines(shown),
    }
}

/// The bytes as text when they are: UTF-8 without NUL (a multi-byte character cut by the limit
/// at the end is dropped).
fn text_prefix(bytes: &[u8]) -> Option<&str> {
    if bytes.contains(&0) {
        return None;
    }
    match std::str::from_utf8(bytes) {
        Ok(t) => Some(t),
        Err(e) if e.error_len().is_none() && bytes.len() - e.valid_up_to() < 4 => {
            std::str::from_utf8(&bytes[..e.valid_up_to()]).ok()
        }
        Err(_) => None,
    }
}
