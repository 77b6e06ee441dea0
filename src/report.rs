//! Reports of an analysis: CI rules, readable text, JSON and Markdown, and the formats CI
//! systems read (JUnit, GitLab Code Quality, SARIF). All read the same
//! [`Analysis`](crate::analysis::Analysis); none does I/O.

pub mod base;
pub mod baseline;
pub mod budgets;
pub mod codequality;
pub mod dockerfile;
pub mod fix;
pub mod format;
pub mod html;
pub mod ignored;
pub mod issue;
pub mod json;
pub mod junit;
pub mod markdown;
pub mod packages;
pub mod rules;
pub mod sarif;
pub mod text;
pub mod zstd;

#[cfg(test)]
mod tests;
