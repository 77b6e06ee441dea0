//! The image configuration (Docker and OCI share the fields plummet reads): user, history with
//! the command of each layer, and the diff_ids of the layers.

use std::collections::BTreeMap;

use serde::Deserialize;

use super::digest::Digest;

/// One history entry: the command that made a layer, or an empty-layer step (ENV, USER, ...).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct History {
    pub created_by: String,
    pub created: Option<String>,
    pub comment: Option<String>,
    pub empty_layer: bool,
}

impl History {
    /// The step as a Dockerfile author wrote it; for steps without one (`docker import`), the
    /// comment (`Imported from -`).
    pub fn command(&self) -> String {
        let command = clean_command(&self.created_by);
        match (&self.comment, command.is_empty()) {
            (Some(comment), true) => comment.trim().to_string(),
            _ => command,
        }
    }
}

/// The parts of an image configuration plummet uses.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImageConfig {
    /// `Config.User`; empty means root.
    pub user: String,
    pub os: String,
    pub architecture: String,
    pub variant: Option<String>,
    pub created: Option<String>,
    pub env: Vec<String>,
    pub entrypoint: Vec<String>,
    pub cmd: Vec<String>,
    pub working_dir: String,
    pub exposed_ports: Vec<String>,
    pub labels: BTreeMap<String, String>,
    pub history: Vec<History>,
    pub diff_ids: Vec<Digest>,
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("malformed image config: {0}")]
    Json(#[from] serde_json::Error),
    #[error("image config has a bad diff_id: {0}")]
    DiffId(#[from] super::digest::DigestError),
}

// Wire types: lenient (configs from many builders carry extra fields), nulls accepted.
#[derive(Deserialize, Default)]
#[serde(default)]
struct Wire {
    architecture: Option<String>,
    os: Option<String>,
    variant: Option<String>,
    created: Option<String>,
    config: Option<WireRun>,
    rootfs: Option<WireRootfs>,
    history: Option<Vec<WireHistory>>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct WireRun {
    #[serde(rename = "User")]
    user: Option<String>,
    #[serde(rename = "Env")]
    env: Option<Vec<String>>,
    #[serde(rename = "Entrypoint")]
    entrypoint: Option<Vec<String>>,
    #[serde(rename = "Cmd")]
    cmd: Option<Vec<String>>,
    #[serde(rename = "WorkingDir")]
    working_dir: Option<String>,
    #[serde(rename = "ExposedPorts")]
    exposed_ports: Option<BTreeMap<String, serde_json::Value>>,
    #[serde(rename = "Labels")]
    labels: Option<BTreeMap<String, String>>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct WireRootfs {
    diff_ids: Option<Vec<String>>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct WireHistory {
    created: Option<String>,
    created_by: Option<String>,
    comment: Option<String>,
    empty_layer: Option<bool>,
}

impl ImageConfig {
    /// Parses a Docker or OCI image configuration.
    pub fn parse(bytes: &[u8]) -> Result<ImageConfig, ConfigError> {
        let wire: Wire = serde_json::from_slice(bytes)?;
        let run = wire.config.unwrap_or_default();
        let diff_ids = wire
            .rootfs
            .and_then(|r| r.diff_ids)
            .unwrap_or_default()
            .iter()
            .map(|d| Digest::parse(d))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(ImageConfig {
            user: run.user.unwrap_or_default(),
            os: wire.os.unwrap_or_default(),
            architecture: wire.architecture.unwrap_or_default(),
            variant: wire.variant,
            created: wire.created,
            env: run.env.unwrap_or_default(),
            entrypoint: run.entrypoint.unwrap_or_default(),
            cmd: run.cmd.unwrap_or_default(),
            working_dir: run.working_dir.unwrap_or_default(),
            exposed_ports: run.exposed_ports.unwrap_or_default().into_keys().collect(),
            labels: run.labels.unwrap_or_default(),
            history: wire
                .history
                .unwrap_or_default()
                .into_iter()
                .map(|h| History {
                    created_by: h.created_by.unwrap_or_default(),
                    created: h.created,
                    comment: h.comment,
                    empty_layer: h.empty_layer.unwrap_or(false),
                })
                .collect(),
            diff_ids,
        })
    }

    /// Whether the container's process runs as root: no user, `root`, `0`, or `root:…`/`0:…`.
    pub fn runs_as_root(&self) -> bool {
        let user = self.user.trim();
        let name = user.split(':').next().unwrap_or("");
        name.is_empty() || name == "root" || name == "0"
    }

    /// The command of each non-empty layer, in layer order, from the history. Layers beyond the
    /// history (or images without one) get an empty command.
    pub fn layer_commands(&self, layer_count: usize) -> Vec<String> {
        let mut commands: Vec<String> = self
            .history
            .iter()
            .filter(|h| !h.empty_layer)
            .map(History::command)
            .collect();
        commands.resize(layer_count, String::new());
        commands.truncate(layer_count);
        commands
    }
}

/// Turns `/bin/sh -c #(nop)  COPY dir:abc in /app` into `COPY dir:abc in /app` and
/// `/bin/sh -c apt-get …` into `RUN apt-get …`, as a Dockerfile author wrote them.
pub fn clean_command(created_by: &str) -> String {
    let s = created_by.trim();
    if let Some(rest) = s.strip_prefix("/bin/sh -c #(nop)") {
        return rest.trim().to_string();
    }
    if let Some(rest) = s.strip_prefix("/bin/sh -c ") {
        return format!("RUN {}", rest.trim());
    }
    if let Some(rest) = s.strip_prefix("|") {
        // BuildKit's `|N KEY=VAL … /bin/sh -c cmd` for RUN with build args.
        if let Some(pos) = rest.find("/bin/sh -c ") {
            return format!("RUN {}", rest[pos + "/bin/sh -c ".len()..].trim());
        }
    }
    s.strip_suffix(" # buildkit").unwrap_or(s).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_docker_config_with_history() {
        let json = br#"{"architecture":"amd64","os":"linux","config":{"User":"app","Env":["A=1"],"Cmd":null},
            "rootfs":{"type":"layers","diff_ids":["sha256:0000000000000000000000000000000000000000000000000000000000000000"]},
            "history":[{"created_by":"/bin/sh -c #(nop) ADD file:x in / "},{"created_by":"/bin/sh -c #(nop)  ENV A=1","empty_layer":true}],
            "unknown":42}"#;
        let c = ImageConfig::parse(json).unwrap();
        assert_eq!(c.user, "app");
        assert!(!c.runs_as_root());
        assert_eq!(c.diff_ids.len(), 1);
        assert_eq!(c.layer_commands(1), ["ADD file:x in /"]);
        assert_eq!(c.layer_commands(2), ["ADD file:x in /", ""]);
    }

    #[test]
    fn root_users() {
        for user in ["", "root", "0", "root:root", "0:1000", " "] {
            let c = ImageConfig {
                user: user.into(),
                ..Default::default()
            };
            assert!(c.runs_as_root(), "{user:?}");
        }
        for user in ["app", "1000", "1000:0", "nobody"] {
            let c = ImageConfig {
                user: user.into(),
                ..Default::default()
            };
            assert!(!c.runs_as_root(), "{user:?}");
        }
    }

    #[test]
    fn cleans_commands() {
        assert_eq!(
            clean_command("/bin/sh -c apt-get update"),
            "RUN apt-get update"
        );
        assert_eq!(clean_command("|1 X=1 /bin/sh -c make"), "RUN make");
        assert_eq!(clean_command("COPY . /app # buildkit"), "COPY . /app");
    }

    #[test]
    fn imported_layers_show_their_comment() {
        let h = History {
            comment: Some("Imported from -".into()),
            ..Default::default()
        };
        assert_eq!(h.command(), "Imported from -");
    }

    #[test]
    fn rejects_malformed_json() {
        assert!(ImageConfig::parse(b"{not json").is_err());
    }
}
