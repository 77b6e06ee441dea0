//! SARIF 2.1.0 (GitHub code scanning, GitLab, IDEs): one rule per finding kind with its help
//! and fix, one result per finding located at the path inside the image. Shared by `plummet ci`
//! (every finding) and `plummet diff` (the new ones). What the user has accepted stays in the
//! log the way SARIF means it to: a finding `[ignore]` took out, or one the `--baseline` already
//! had, is a result with an external, accepted suppression (viewers hide it, nothing forgets
//! it), each result says its `baselineState` against a baseline, and `run.properties` carries
//! what `[ignore]` left out and which rules the baseline forgave.

mod properties;

use serde::Serialize;

pub use self::properties::{ci, diff};
use super::issue::{self, Issue, Severity};
use crate::analysis::FindingKind;
use crate::escape;

const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";
/// Cargo's `repository` field: SARIF's `informationUri`, left out while the package names none
/// rather than pointing readers at an invented address.
const INFORMATION_URI: Option<&str> = option_env!("CARGO_PKG_REPOSITORY");

#[derive(Debug, Serialize)]
struct Log {
    #[serde(rename = "$schema")]
    schema: &'static str,
    version: &'static str,
    runs: Vec<Run>,
}

#[derive(Debug, Serialize)]
struct Run {
    tool: Tool,
    results: Vec<SarifResult>,
    /// SARIF's property bag: what `[ignore]` and `--baseline` did to this run.
    #[serde(skip_serializing_if = "Option::is_none")]
    properties: Option<serde_json::Value>,
}

#[derive(Debug, Serialize)]
struct Tool {
    driver: Driver,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct Driver {
    name: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    information_uri: Option<&'static str>,
    version: &'static str,
    rules: Vec<Rule>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct Rule {
    id: &'static str,
    name: String,
    short_description: Message,
    full_description: Message,
    help: Message,
    default_configuration: Configuration,
}

#[derive(Debug, Serialize)]
struct Configuration {
    level: &'static str,
}

#[derive(Debug, Serialize)]
struct Message {
    text: String,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifResult {
    rule_id: &'static str,
    rule_index: usize,
    level: &'static str,
    message: Message,
    locations: Vec<Location>,
    partial_fingerprints: Fingerprints,
    /// `new` or `unchanged` against the `--baseline`; absent without one.
    #[serde(skip_serializing_if = "Option::is_none")]
    baseline_state: Option<&'static str>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    suppressions: Vec<Suppression>,
}

/// SARIF §3.35: `external` because the decision lives outside the image (the config, the
/// baseline report), `accepted` because the user made it.
#[derive(Debug, Serialize)]
struct Suppression {
    kind: &'static str,
    status: &'static str,
    justification: String,
}

/// Where one result stands with what the user has already accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Standing {
    /// A result to act on; `new` says whether it is new against the `--baseline`, `None`
    /// without one.
    Open { new: Option<bool> },
    /// Taken out by `[ignore]`, or already in the baseline: suppressed with this justification.
    Accepted {
        new: Option<bool>,
        justification: String,
    },
}

/// One result to write: a finding and where it stands.
#[derive(Debug, Clone)]
struct Entry<'a> {
    issue: Issue<'a>,
    standing: Standing,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct Location {
    physical_location: PhysicalLocation,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct PhysicalLocation {
    artifact_location: ArtifactLocation,
}

#[derive(Debug, Serialize)]
struct ArtifactLocation {
    uri: String,
}

#[derive(Debug, Serialize)]
struct Fingerprints {
    #[serde(rename = "plummetFinding/v1")]
    finding: String,
}

fn level(s: Severity) -> &'static str {
    match s {
        Severity::Leak => "error",
        Severity::Risk => "warning",
        Severity::Waste => "note",
    }
}

fn rule(kind: FindingKind) -> Rule {
    // The fix of a kind can depend on the path; the help shows its general form.
    let fix = kind.fix("PATH", false);
    Rule {
        id: kind.name(),
        name: kind.name().replace('_', " "),
        short_description: Message {
            text: kind.reason().to_string(),
        },
        full_description: Message {
            text: format!(
                "{} ({}).",
                kind.reason(),
                if kind.is_hygiene() {
                    "a hygiene risk"
                } else {
                    "bytes every pull pays for"
                }
            ),
        },
        help: Message {
            text: format!("Fix: {fix}. Each result's message gives the fix for its own path."),
        },
        default_configuration: Configuration {
            level: level(issue::severity(kind)),
        },
    }
}

fn result(e: &Entry<'_>) -> SarifResult {
    let i = &e.issue;
    let index = FindingKind::ALL
        .iter()
        .position(|k| *k == i.kind)
        .unwrap_or_default();
    let layer = i
        .layer
        .map_or_else(|| "the image config".to_string(), |l| format!("layer {l}"));
    let (new, suppressions) = match &e.standing {
        Standing::Open { new } => (*new, Vec::new()),
        Standing::Accepted { new, justification } => (
            *new,
            vec![Suppression {
                kind: "external",
                status: "accepted",
                justification: justification.clone(),
            }],
        ),
    };
    SarifResult {
        rule_id: i.kind.name(),
        rule_index: index,
        level: level(issue::severity(i.kind)),
        message: Message {
            text: format!(
                "{}: {} ({layer}, {} bytes{}). Fix: {}",
                escape::text(i.reason),
                escape::bytes(&i.path),
                i.bytes,
                if i.visible { "" } else { ", deleted later" },
                escape::text(i.fix)
            ),
        },
        locations: vec![Location {
            physical_location: PhysicalLocation {
                artifact_location: ArtifactLocation { uri: uri(&i.path) },
            },
        }],
        partial_fingerprints: Fingerprints {
            finding: i.fingerprint(),
        },
        baseline_state: new.map(|n| if n { "new" } else { "unchanged" }),
        suppressions,
    }
}

/// The log of one run: `entries` in order, and `properties` as the run's property bag.
fn render_run(entries: &[Entry<'_>], properties: Option<serde_json::Value>) -> String {
    let log = Log {
        schema: SCHEMA,
        version: "2.1.0",
        runs: vec![Run {
            tool: Tool {
                driver: Driver {
                    name: "plummet",
                    information_uri: INFORMATION_URI.filter(|u| !u.is_empty()),
                    version: env!("CARGO_PKG_VERSION"),
                    rules: FindingKind::ALL.into_iter().map(rule).collect(),
                },
            },
            results: entries.iter().map(result).collect(),
            properties,
        }],
    };
    let mut s =
        serde_json::to_string_pretty(&log).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"));
    s.push('\n');
    s
}

/// The path inside the image as a URI reference: every byte but RFC 3986's unreserved
/// characters and `/` percent-encoded, so spaces, `#`, `?`, `%`, controls and non-UTF-8 bytes
/// all survive exactly.
pub fn uri(path: &[u8]) -> String {
    let mut out = String::with_capacity(path.len());
    for &b in path {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'/') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}
