//! The bounds of one layer's tar stream: how much the parser may read between two entries, the
//! padding a real tool left out, and a member whose data the stream cut short.

use std::cell::Cell;
use std::io::{self, Read};
use std::rc::Rc;

use super::{IndexError, excerpt};

/// The most bytes the tar parser may read between two entries: headers, padding, and the PAX
/// and GNU long-name records it keeps in memory (without this bound a hostile layer could make
/// it buffer gigabytes for one "name").
pub const MAX_HEADER_BYTES: u64 = 16 << 20;

/// Counts the bytes the tar parser reads while it looks for the next entry, and fails past
/// [`MAX_HEADER_BYTES`]. Armed only between entries: file contents are read while disarmed.
///
/// It also supplies the padding of a member that the stream lacks: umoci 0.4.7 `insert` ends a
/// layer right after the last file's data, without the zeros up to the next 512-byte block (Docker
/// and Podman read such layers). Padding is only supplied while armed, that is while the parser
/// skips to the next header, after [`index`] has read and counted the member's data, so a member
/// whose data is short is still caught (by [`index`]).
pub(super) struct HeaderGuard<R> {
    pub(super) inner: R,
    /// Bytes left while armed; `None` while an entry's content is read.
    pub(super) left: Rc<Cell<Option<u64>>>,
    /// Bytes passed to the parser so far (real or supplied padding).
    pub(super) position: u64,
    /// Bytes read while disarmed: the current member's data.
    pub(super) data: Rc<Cell<u64>>,
}

impl<R: Read> Read for HeaderGuard<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let mut n = self.inner.read(buf)?;
        let armed = self.left.get();
        if n == 0 && armed.is_some() && !buf.is_empty() {
            // End of stream inside a block: supply the missing padding of the last member.
            let missing = (512 - self.position % 512) % 512;
            n = buf.len().min(missing as usize);
            buf[..n].fill(0);
        }
        self.position += n as u64;
        match armed {
            Some(left) => {
                let Some(rest) = left.checked_sub(n as u64) else {
                    return Err(io::Error::other(format!(
                        "limit reached: tar headers (PAX or long-name records) of one entry exceed {MAX_HEADER_BYTES} bytes"
                    )));
                };
                self.left.set(Some(rest));
            }
            None => self.data.set(self.data.get() + n as u64),
        }
        Ok(n)
    }
}

/// Fails when the stream ended before the member's data did (the tar parser itself just stops).
pub(super) fn check_complete<R: Read>(
    entry: &tar::Entry<'_, R>,
    read: u64,
) -> Result<(), IndexError> {
    // A GNU sparse member stores fewer bytes than its size; the header's own size field counts
    // the stored ones.
    let size = if entry.header().entry_type() == tar::EntryType::GNUSparse {
        entry.header().entry_size().unwrap_or(0)
    } else {
        entry.size()
    };
    if read >= size {
        return Ok(());
    }
    Err(IndexError::Truncated {
        path: excerpt(&entry.path_bytes()),
        read,
        size,
    })
}
