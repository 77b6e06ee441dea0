//! Reports of an analysis: CI rules, readable text, JSON and Markdown. All read the same
//! [`Analysis`](crate::analysis::Analysis); none does I/O.

pub mod base;
pub mod format;
pub mod json;
pub mod markdown;
pub mod packages;
pub mod rules;
pub mod text;

#[cfg(test)]
mod tests;
