//! Tests of the comparison on pairs of in-memory images with known differences.
