//! File contents: one file's bytes as of a layer (`plummet cat`, the viewer), files written out
//! confined beneath a directory (`plummet extract`), one file compared between two images
//! (`plummet diff --file`), and every layer's file list as CSV or JSON.
//!
//! The tree says which layer's entry is visible at a path as of a layer ([`locate`]); the bytes
//! come from that layer's blob read again through the source's [`crate::image::Reopen`]
//! ([`fetch`]), held in a [`Spool`] until the blob's digest has been checked.

pub mod compare;
pub mod extract;
pub mod fetch;
pub mod jump;
pub mod listing;
pub mod locate;
pub mod spool;

pub use fetch::{Blobs, FetchError, ReadOptions, Wanted};
pub use locate::{Found, LookupError, Member};
pub use spool::Spool;

use crate::image::Image;
use crate::tree::Snapshot;

/// Why a file's content could not be had.
#[derive(Debug, thiserror::Error)]
pub enum ContentError {
    #[error(transparent)]
    Lookup(#[from] LookupError),
    #[error(transparent)]
    Fetch(#[from] FetchError),
    #[error("--layer {asked}: the image has {count} layers (0 to {})", count.saturating_sub(1))]
    NoLayer { asked: usize, count: usize },
    #[error("the image has no layers")]
    Empty,
    #[error("{0}")]
    Output(String),
}

/// The layer to look at: `asked`, else the last one (the final filesystem).
pub fn layer_or_last(image: &Image, asked: Option<usize>) -> Result<usize, ContentError> {
    let count = image.tree.layers.len();
    match asked {
        Some(asked) if asked >= count => Err(ContentError::NoLayer { asked, count }),
        Some(asked) => Ok(asked),
        None => count.checked_sub(1).ok_or(ContentError::Empty),
    }
}

/// Finds the regular file at `path` as of `snapshot`'s layer (symlinks followed, hardlinks
/// taken to their file).
pub fn find_file(image: &Image, snapshot: &Snapshot, path: &[u8]) -> Result<Member, LookupError> {
    let found = locate::lookup(&image.tree, snapshot, path, true)?;
    locate::member(&image.tree, snapshot, found)
}

/// Reads `member`'s bytes into `spool`, returning once the blob is verified (see [`fetch`]).
pub fn read_member(
    blobs: &Blobs,
    member: &Member,
    spool: &mut Spool,
    options: ReadOptions,
) -> Result<(), FetchError> {
    let wanted = [Wanted {
        path: member.path.clone(),
        occurrence: member.occurrence,
    }];
    fetch::read_members(blobs, member.layer, &wanted, options, &mut |_, r| {
        spool.fill(r)
    })
}

/// The bytes of the file at `path` as of `layer` (the last one when `None`), in `spool`.
pub fn read_file(
    image: &Image,
    layer: Option<usize>,
    path: &[u8],
    spool: &mut Spool,
    options: ReadOptions,
) -> Result<Member, ContentError> {
    let layer = layer_or_last(image, layer)?;
    let snapshot = Snapshot::at(&image.tree, layer);
    let member = find_file(image, &snapshot, path)?;
    read_member(&Blobs::of(image), &member, spool, options)?;
    Ok(member)
}

#[cfg(test)]
mod tests;
