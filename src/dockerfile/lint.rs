//! Findings only the Dockerfile shows: an unpinned base, unpinned package installs, secrets
//! passed through `ARG`/`ENV`, an entrypoint that runs the app through a build tool, and a
//! `COPY . .` before the dependency install that defeats the layer cache.

use super::{Args, Dockerfile, Instruction};

use crate::analysis::DockerfileFinding as Lint;

/// Every Dockerfile finding, in line order.
pub fn check(df: &Dockerfile) -> Vec<Lint> {
    let mut out = Vec::new();
    for stage in &df.stages {
        if let Some(from) = df.instructions.get(stage.from) {
            unpinned_base(df, stage.base.as_str(), from, &mut out);
        }
        copy_before_install(df.body(stage), &mut out);
    }
    for ins in &df.instructions {
        if ins.is("RUN") {
            unpinned_packages(ins, &mut out);
        }
        if ins.is("ARG") || ins.is("ENV") {
            secret_variable(ins, &mut out);
        }
    }
    if let Some(stage) = df.final_stage() {
        let body = df.body(stage);
        for keyword in ["ENTRYPOINT", "CMD"] {
            if let Some(ins) = body.iter().rev().find(|i| i.is(keyword)) {
                build_tool_entrypoint(ins, &mut out);
            }
        }
    }
    out.sort_by_key(|l| l.line);
    out
}

fn unpinned_base(df: &Dockerfile, base: &str, from: &Instruction, out: &mut Vec<Lint>) {
    let earlier_stage = df
        .stage_named(base)
        .is_some_and(|s| s.from < df.instructions.iter().position(|i| i == from).unwrap_or(0));
    if base == "scratch" || earlier_stage || base.contains("@sha256:") {
        return;
    }
    let shown = crate::escape::text(base);
    let name_part = base.rsplit('/').next().unwrap_or(base);
    let (message, fix) = match name_part.split_once(':') {
        None => (
            format!("base `{shown}` has no tag: each build takes whatever `latest` is that day"),
            format!(
                "pin a version and its digest: `FROM {shown}:<version>@sha256:<digest>` (`docker buildx imagetools inspect` or `skopeo inspect` prints the digest)"
            ),
        ),
        Some((_, "latest")) => (
            format!("base `{shown}` is `latest`: the build is not reproducible"),
            "pin a version and its digest: `FROM image:<version>@sha256:<digest>`".to_string(),
        ),
        Some(_) => (
            format!("base `{shown}` is not pinned by digest: the tag can move under the build"),
            format!("add the digest: `FROM {shown}@sha256:<digest>`"),
        ),
    };
    out.push(Lint {
        rule: "unpinned_base",
        line: from.line,
        message,
        fix,
    });
}

/// The package managers' install commands and how each pins a version.
const INSTALLERS: [(&str, &str, &str); 5] = [
    ("apt-get install", "=", "`apt-get install -y pkg=1.2-3`"),
    ("apt install", "=", "`apt install -y pkg=1.2-3`"),
    ("apk add", "=", "`apk add pkg=1.2.3-r0`"),
    (
        "pip install",
        "==",
        "`pip install pkg==1.2.3` (or a requirements file with hashes)",
    ),
    (
        "gem install",
        ":",
        "`gem install pkg -v 1.2.3` (or `pkg:1.2.3`)",
    ),
];

fn unpinned_packages(ins: &Instruction, out: &mut Vec<Lint>) {
    let text = run_text(ins);
    for command in super::fix::commands(&text) {
        let command = command.trim();
        for (prefix, pin, example) in INSTALLERS {
            let Some(at) = find_command(command, prefix) else {
                continue;
            };
            let rest = &command[at + prefix.len()..];
            let words: Vec<&str> = rest.split_whitespace().collect();
            // Options and their values are not packages; a requirements or local file is pinned
            // elsewhere.
            if words
                .iter()
                .any(|w| *w == "-r" || w.starts_with("--requirement"))
            {
                continue;
            }
            let loose: Vec<&str> = words
                .iter()
                .copied()
                .filter(|w| !w.starts_with('-') && !w.contains('/') && !w.starts_with('.'))
                .filter(|w| !w.contains(pin) && !w.contains('$'))
                .filter(|_| !(prefix == "gem install" && words.contains(&"-v")))
                .collect();
            if loose.is_empty() {
                continue;
            }
            out.push(Lint {
                rule: "unpinned_packages",
                line: ins.line,
                message: format!(
                    "`{prefix}` without versions: {}",
                    crate::escape::text(&loose.join(" "))
                ),
                fix: format!(
                    "pin the versions the image was tested with, e.g. {example}, so a rebuild installs the same packages"
                ),
            });
        }
    }
}

/// Where `prefix` starts in `command` as a command (at the start or after `sudo`, `env`, ...).
fn find_command(command: &str, prefix: &str) -> Option<usize> {
    let at = command.find(prefix)?;
    let before = command[..at].trim_end();
    (before.is_empty() || before.ends_with("sudo") || before.ends_with("-m")).then_some(at)
}

fn run_text(ins: &Instruction) -> String {
    match &ins.args {
        Args::Shell(s) => s.clone(),
        Args::Json(v) => v.join(" "),
    }
}

/// Variable names that carry credentials.
const SECRET_NAMES: [&str; 9] = [
    "PASSWORD",
    "PASSWD",
    "SECRET",
    "TOKEN",
    "API_KEY",
    "APIKEY",
    "PRIVATE_KEY",
    "ACCESS_KEY",
    "CREDENTIALS",
];

fn secret_variable(ins: &Instruction, out: &mut Vec<Lint>) {
    let names: Vec<String> = if ins.is("ENV") {
        super::parse::env_pairs(&ins.args.text())
            .into_iter()
            .map(|(n, _)| n)
            .collect()
    } else {
        ins.args
            .words()
            .iter()
            .map(|w| w.split('=').next().unwrap_or(w).to_string())
            .collect()
    };
    for name in names {
        let upper = name.to_ascii_uppercase();
        if !SECRET_NAMES.iter().any(|s| upper.contains(s)) {
            continue;
        }
        let shown = crate::escape::text(&name);
        out.push(Lint {
            rule: "secret_in_build_arg",
            line: ins.line,
            message: format!(
                "{} `{shown}` looks like a credential: its value is kept in the image's config or history",
                ins.keyword
            ),
            fix: format!(
                "pass it as a build secret: `RUN --mount=type=secret,id={}` and `docker build --secret id={},src=FILE`",
                shown.to_ascii_lowercase(),
                shown.to_ascii_lowercase()
            ),
        });
    }
}

/// Build tools that start an app: the final image would not need them otherwise.
const TOOL_RUNNERS: [(&str, &str); 7] = [
    (
        "poetry run",
        "`CMD [\"python\", \"-m\", \"app\"]` with the virtualenv on PATH",
    ),
    (
        "pipenv run",
        "`CMD [\"python\", \"app.py\"]` with the packages installed system-wide",
    ),
    (
        "npm start",
        "`CMD [\"node\", \"server.js\"]` (npm also swallows signals meant for node)",
    ),
    (
        "npm run",
        "`CMD [\"node\", \"server.js\"]` (npm also swallows signals meant for node)",
    ),
    ("yarn start", "`CMD [\"node\", \"server.js\"]`"),
    (
        "mvn ",
        "`CMD [\"java\", \"-jar\", \"app.jar\"]` with the jar built in a builder stage",
    ),
    (
        "gradle ",
        "`CMD [\"java\", \"-jar\", \"app.jar\"]` with the jar built in a builder stage",
    ),
];

fn build_tool_entrypoint(ins: &Instruction, out: &mut Vec<Lint>) {
    let text = format!("{} ", ins.args.text());
    for (tool, instead) in TOOL_RUNNERS {
        if text.trim_start().starts_with(tool) || text.contains(&format!("sh -c {tool}")) {
            out.push(Lint {
                rule: "build_tool_entrypoint",
                line: ins.line,
                message: format!(
                    "{} runs the app through `{}`: the final image must carry the build tool",
                    ins.keyword,
                    tool.trim()
                ),
                fix: format!("start the app directly, e.g. {instead}"),
            });
            return;
        }
    }
}

/// Commands that install dependencies from a manifest.
const INSTALLS: [&str; 9] = [
    "npm ci",
    "npm install",
    "yarn install",
    "pnpm install",
    "pip install -r",
    "poetry install",
    "bundle install",
    "go mod download",
    "composer install",
];

fn copy_before_install(body: &[Instruction], out: &mut Vec<Lint>) {
    let mut copy_all: Option<&Instruction> = None;
    for ins in body {
        if (ins.is("COPY") || ins.is("ADD")) && ins.flag("from").is_none() {
            let words = ins.expanded.words();
            if words.len() >= 2
                && words[..words.len() - 1]
                    .iter()
                    .any(|w| *w == "." || *w == "./")
            {
                copy_all.get_or_insert(ins);
            }
        }
        if ins.is("RUN") {
            let text = run_text(ins);
            if let (Some(copy), Some(install)) =
                (copy_all, INSTALLS.iter().find(|i| text.contains(**i)))
            {
                out.push(Lint {
                    rule: "copy_before_install",
                    line: copy.line,
                    message: format!(
                        "the whole context is copied (line {}) before `{install}` (line {}): any source change reinstalls every dependency",
                        copy.line, ins.line
                    ),
                    fix: "copy only the dependency manifests (package.json and its lock file, requirements.txt, ...) first, install, then `COPY . .`".into(),
                });
                return;
            }
        }
    }
}
