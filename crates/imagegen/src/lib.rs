//! Deterministic generator of container image archives for plummet's tests, benchmarks and
//! README example, with expected figures computed by an independent, naive oracle.

pub mod archive;
pub mod bench;
pub mod broken;
mod content;
pub mod docker;
pub mod entries;
pub mod example;
pub mod findings;
pub mod oci;
pub mod oracle;
pub mod provenance;
pub mod scenarios;
pub mod sink;
pub mod spec;
mod tarwrite;

pub use archive::{Form, LayerBlob, to_vec, write, write_dir, write_tar, write_tar_file};
pub use broken::{Breakage, broken_oci};
pub use oracle::{Expected, expected};
pub use spec::{
    Compression, ConfigSpec, Content, HistorySpec, ImageSpec, LayerSpec, LongNameFormat, Op,
};
