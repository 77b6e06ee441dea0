//! plummet: open a container image layer by layer, see what is inside, and learn what to trim.

pub mod analysis;
pub mod image;
pub mod layer;
pub mod source;
#[cfg(test)]
pub mod testutil;
pub mod tree;
pub mod ui;
