//! Deterministic test image generator.
