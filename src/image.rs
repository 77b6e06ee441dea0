//! Image metadata (manifests, configs, layer order), blob decompression and digest checks.

pub mod blob;
pub mod digest;
