//! Reading members through a layer's seek map ([`crate::image::seek`]): straight to each member's
//! tar header (from the nearest checkpoint of a gzip blob, or the member's offset in a plain
//! one), every compressed byte checked against its span's SHA-256 before it is used.
//!
//! The header found there must name the member asked for; when it does not (the map is of no
//! use for this read), the caller reads the blob from its start as without a map.

use std::io::{self, Read};

use crate::content::fetch::Wanted;
use crate::image::Reopen;
use crate::image::seek::{self, SeekMap};
use crate::layer::clean_path;

/// Reads more members than this from the start of the blob: one pass beats many jumps.
pub const MAX_JUMPS: usize = 8;

/// How a read through the map ended.
pub enum Jumped {
    Done,
    /// The map does not fit this read; nothing was handed to the sink.
    Unusable(&'static str),
}

/// Why a jump failed after it started: an error naming what is wrong (the caller names the layer).
#[derive(Debug)]
pub enum JumpError {
    Read(io::Error),
    Output(io::Error),
}

pub fn read(
    reopen: &dyn Reopen,
    layer: usize,
    map: &SeekMap,
    wanted: &[Wanted],
    sink: &mut dyn FnMut(usize, &mut dyn Read) -> io::Result<()>,
) -> Result<Jumped, JumpError> {
    if wanted.len() > MAX_JUMPS {
        return Ok(Jumped::Unusable("many members"));
    }
    let mut starts = Vec::with_capacity(wanted.len());
    for (i, w) in wanted.iter().enumerate() {
        match map.member(&w.path, w.occurrence) {
            Some(start) => starts.push((start, i)),
            None => return Ok(Jumped::Unusable("a member the map does not know")),
        }
    }
    starts.sort_unstable();
    let mut path = Vec::new();
    for (handed, (start, i)) in starts.into_iter().enumerate() {
        let open = |offset: u64| -> io::Result<Box<dyn Read + Send>> {
            match reopen.blob_from(layer, offset)? {
                Some(reader) => Ok(reader),
                None => {
                    // The source cannot start there: read from the start, without inflating.
                    let mut reader = reopen.blob(layer)?;
                    seek::skip(&mut reader, offset)?;
                    Ok(reader)
                }
            }
        };
        let (from, mut reader) = map.open_at(start, open).map_err(JumpError::Read)?;
        seek::skip(&mut reader, start - from.min(start)).map_err(JumpError::Read)?;
        let mut archive = tar::Archive::new(reader);
        let mut entries = archive.entries().map_err(JumpError::Read)?;
        let entry = entries.next().transpose().map_err(JumpError::Read)?;
        let Some(mut entry) = entry else {
            return unusable(handed, "no member where the map says");
        };
        path.clear();
        clean_path(&entry.path_bytes(), &mut path);
        let file_like = !matches!(
            entry.header().entry_type(),
            tar::EntryType::Directory
                | tar::EntryType::Symlink
                | tar::EntryType::Link
                | tar::EntryType::Char
                | tar::EntryType::Block
                | tar::EntryType::Fifo
                | tar::EntryType::GNUSparse
                | tar::EntryType::XGlobalHeader
        );
        if path != wanted[i].path || !file_like {
            return unusable(handed, "another member where the map says");
        }
        let size = entry.size();
        let mut member = (&mut entry).take(size);
        sink(i, &mut member).map_err(JumpError::Output)?;
    }
    Ok(Jumped::Done)
}

fn unusable(handed: usize, why: &'static str) -> Result<Jumped, JumpError> {
    if handed == 0 {
        Ok(Jumped::Unusable(why))
    } else {
        // Some members were handed on already: reading them again would hand them twice.
        Err(JumpError::Read(io::Error::new(
            io::ErrorKind::InvalidData,
            format!("the seek map is wrong ({why}); read again with --no-cache"),
        )))
    }
}

#[cfg(test)]
#[path = "jump_tests.rs"]
mod tests;
