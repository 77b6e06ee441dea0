//! The CI integrations' script (`scripts/ci/plummet-ci.py`, run by action.yml and the GitLab
//! template) with the environment GitHub Actions and GitLab CI set, the real binary on
//! testdata/example.tar, and a tiny fake forge API in this test that records every call: the
//! job summary and outputs are written, the first push creates the comment, the next push
//! updates that same comment (found by its marker across pages), and the token is sent but
//! never printed.
#![expect(clippy::unwrap_used, reason = "tests fail on bad input")]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::{Arc, Mutex};

use serde_json::{Value, json};

#[path = "sarif_support/schema.rs"]
#[allow(
    clippy::expect_used,
    clippy::panic,
    reason = "a test helper: a failed step fails the test that called it"
)]
mod sarif_schema;

const TOKEN: &str = "tok-SECRET-1234567890";

fn bin() -> std::ffi::OsString {
    std::env::var_os("PLUMMET_BIN").unwrap_or_else(|| env!("CARGO_BIN_EXE_plummet").into())
}

fn script() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/ci/plummet-ci.py")
}

/// One request the fake API received.
#[derive(Debug, Clone)]
struct Call {
    method: String,
    path: String,
    auth: String,
    body: Value,
}

#[derive(Default)]
struct Forge {
    calls: Vec<Call>,
    /// (id, body) of the comments on the one pull/merge request.
    comments: Vec<(u64, String)>,
}

/// A fake GitHub/GitLab comments API on a loopback port, two comments a page with `Link`
/// headers so the script must follow pages to find its own.
fn serve(forge: Arc<Mutex<Forge>>) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let own = base.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            handle(stream, &forge, &own);
        }
    });
    base
}

fn handle(stream: TcpStream, forge: &Mutex<Forge>, base: &str) {
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut line = String::new();
    reader.read_line(&mut line).unwrap();
    let mut parts = line.split_whitespace();
    let (method, target) = (
        parts.next().unwrap_or("").to_string(),
        parts.next().unwrap_or("").to_string(),
    );
    let (mut length, mut auth) = (0usize, String::new());
    loop {
        let mut h = String::new();
        reader.read_line(&mut h).unwrap();
        let h = h.trim_end();
        if h.is_empty() {
            break;
        }
        let (name, value) = h.split_once(':').unwrap();
        match name.to_ascii_lowercase().as_str() {
            "content-length" => length = value.trim().parse().unwrap(),
            // Header names are case-insensitive (urllib sends `Private-token`).
            "authorization" | "private-token" => {
                auth = format!("{}: {}", name.to_ascii_lowercase(), value.trim());
            }
            _ => {}
        }
    }
    let mut body = vec![0; length];
    reader.read_exact(&mut body).unwrap();
    let body: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let (path, query) = target.split_once('?').unwrap_or((&target, ""));
    let mut f = forge.lock().unwrap();
    f.calls.push(Call {
        method: method.clone(),
        path: path.to_string(),
        auth,
        body: body.clone(),
    });
    let (status, payload, link) = match method.as_str() {
        "GET" => {
            let page: usize = query
                .split('&')
                .find_map(|kv| kv.strip_prefix("page="))
                .map_or(1, |p| p.parse().unwrap());
            let items: Vec<Value> = f
                .comments
                .iter()
                .skip((page - 1) * 2)
                .take(2)
                .map(|(id, b)| json!({"id": id, "body": b}))
                .collect();
            let rest: Vec<&str> = query
                .split('&')
                .filter(|kv| !kv.starts_with("page="))
                .collect();
            let link = (f.comments.len() > page * 2).then(|| {
                format!(
                    "<{base}{path}?{}&page={}>; rel=\"next\"",
                    rest.join("&"),
                    page + 1
                )
            });
            (200, Value::from(items), link)
        }
        "POST" => {
            let id = 9000 + f.comments.len() as u64;
            let text = body["body"].as_str().unwrap().to_string();
            f.comments.push((id, text.clone()));
            (201, json!({"id": id, "body": text}), None)
        }
        "PATCH" | "PUT" => {
            let id: u64 = path.rsplit('/').next().unwrap().parse().unwrap();
            let text = body["body"].as_str().unwrap().to_string();
            match f.comments.iter_mut().find(|(i, _)| *i == id) {
                Some(c) => {
                    c.1 = text.clone();
                    (200, json!({"id": id, "body": text}), None)
                }
                None => (404, json!({"message": "Not Found"}), None),
            }
        }
        _ => (405, json!({"message": "no"}), None),
    };
    drop(f);
    let payload = payload.to_string();
    let mut out = stream;
    let link = link.map_or(String::new(), |l| format!("Link: {l}\r\n"));
    let _ = write!(
        out,
        "HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nContent-Length: {}\r\n{link}Connection: close\r\n\r\n{payload}",
        payload.len()
    );
}

struct Job {
    dir: tempfile::TempDir,
    forge: Arc<Mutex<Forge>>,
    api: String,
}

impl Job {
    fn new() -> Job {
        let dir = tempfile::tempdir().unwrap();
        let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/example.tar");
        std::fs::copy(src, dir.path().join("example.tar")).unwrap();
        let forge = Arc::new(Mutex::new(Forge::default()));
        // Somebody else's comments come first, so ours is on the second page.
        forge.lock().unwrap().comments = vec![
            (1, "LGTM".into()),
            (2, "plummet is nice <!-- not ours -->".into()),
            (3, "ship it".into()),
        ];
        let api = serve(Arc::clone(&forge));
        Job { dir, forge, api }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn command(&self, platform: &str) -> Command {
        let mut c = Command::new("python3");
        c.arg(script())
            .arg(platform)
            .current_dir(self.dir.path())
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("PLUMMET", bin())
            .env("NO_COLOR", "1")
            .env("RUNNER_TEMP", self.dir.path());
        c
    }

    fn github(&self, extra: &[(&str, &str)]) -> Output {
        std::fs::write(
            self.path("event.json"),
            json!({"action": "synchronize", "pull_request": {"number": 7}}).to_string(),
        )
        .unwrap();
        let mut c = self.command("github");
        c.env("GITHUB_ACTIONS", "true")
            .env("GITHUB_REPOSITORY", "team/app")
            .env("GITHUB_API_URL", &self.api)
            .env("GITHUB_EVENT_PATH", self.path("event.json"))
            .env("GITHUB_STEP_SUMMARY", self.path("summary.md"))
            .env("GITHUB_OUTPUT", self.path("output.txt"))
            .env("INPUT_IMAGE", "example.tar")
            .env("INPUT_GITHUB_TOKEN", TOKEN);
        for (k, v) in extra {
            c.env(k, v);
        }
        c.output().unwrap()
    }

    fn calls(&self) -> Vec<Call> {
        std::mem::take(&mut self.forge.lock().unwrap().calls)
    }
}

fn printed(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

fn writes(calls: &[Call]) -> Vec<(String, String)> {
    calls
        .iter()
        .filter(|c| c.method != "GET")
        .map(|c| (c.method.clone(), c.path.clone()))
        .collect()
}

#[test]
fn github_action_writes_the_summary_and_outputs_then_creates_and_updates_one_comment() {
    let job = Job::new();
    // example.tar fails dive's default efficiency rule: the step fails with plummet's code.
    let first = job.github(&[("INPUT_ARGS", "--lowest-efficiency 0.5")]);
    let code = first.status.code().unwrap();
    assert!(code == 0 || code == 1, "{}", printed(&first));
    let summary = std::fs::read_to_string(job.path("summary.md")).unwrap();
    assert!(
        summary.starts_with("## plummet: `example.tar`"),
        "{summary}"
    );
    let outputs = std::fs::read_to_string(job.path("output.txt")).unwrap();
    assert!(
        outputs.contains(&format!("exit-code={code}\n")),
        "{outputs}"
    );
    assert!(outputs.contains(&format!("passed={}\n", code == 0)));
    let sarif_line = outputs.lines().find(|l| l.starts_with("sarif=")).unwrap();
    let sarif_text = std::fs::read_to_string(&sarif_line[6..]).unwrap();
    // What the action uploads to code scanning is valid against the official schema.
    sarif_schema::assert_valid(&sarif_text);
    let sarif: Value = serde_json::from_str(&sarif_text).unwrap();
    assert_eq!(sarif["version"], "2.1.0");
    assert!(outputs.contains("comment-id=9003\n"), "{outputs}");

    let calls = job.calls();
    assert_eq!(
        writes(&calls),
        [(
            "POST".to_string(),
            "/repos/team/app/issues/7/comments".to_string()
        )]
    );
    // Both pages were read before deciding there was no comment of ours.
    assert_eq!(calls.iter().filter(|c| c.method == "GET").count(), 2);
    assert!(
        calls
            .iter()
            .all(|c| c.auth == format!("authorization: Bearer {TOKEN}"))
    );
    let body = calls.last().unwrap().body["body"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        body.starts_with("<!-- plummet -->\n## plummet: `example.tar`"),
        "{body}"
    );
    assert!(!printed(&first).contains(TOKEN));

    // The next push: the same comment is updated, no new one.
    let second = job.github(&[("INPUT_ARGS", "--lowest-efficiency 0.5")]);
    assert_eq!(second.status.code(), Some(code), "{}", printed(&second));
    let calls = job.calls();
    assert_eq!(
        writes(&calls),
        [(
            "PATCH".to_string(),
            "/repos/team/app/issues/comments/9003".to_string()
        )]
    );
    let f = job.forge.lock().unwrap();
    assert_eq!(f.comments.len(), 4);
    assert_eq!(f.comments[3].1, body);
    assert!(!printed(&second).contains(TOKEN));
}

#[test]
fn github_action_fails_on_rules_reports_errors_and_keys_its_comment() {
    let job = Job::new();
    let failed = job.github(&[
        (
            "INPUT_ARGS",
            "--max-kind-bytes secret=0 --lowest-efficiency 1",
        ),
        ("INPUT_COMMENT_KEY", "amd64 image"),
    ]);
    assert_eq!(failed.status.code(), Some(1), "{}", printed(&failed));
    let f = job.forge.lock().unwrap().comments.clone();
    assert!(
        f[3].1.starts_with("<!-- plummet:amd64_image -->\n"),
        "{}",
        f[3].1
    );
    // Reporting only: the same failure passes the step.
    let report_only = job.github(&[
        (
            "INPUT_ARGS",
            "--lowest-efficiency 1 --creds ci:hunter2-pass",
        ),
        ("INPUT_COMMENT", "false"),
        ("INPUT_FAIL_ON_RULES", "false"),
    ]);
    assert_eq!(
        report_only.status.code(),
        Some(0),
        "{}",
        printed(&report_only)
    );
    // The command is logged, a registry password in it is not.
    assert!(
        printed(&report_only).contains("--creds '***'"),
        "{}",
        printed(&report_only)
    );
    assert!(!printed(&report_only).contains("hunter2"));
    // A missing image: exit 2, the error in the summary, no comment posted.
    let _ = job.calls();
    let broken = job.github(&[("INPUT_IMAGE", "missing.tar"), ("INPUT_COMMENT", "false")]);
    assert_eq!(broken.status.code(), Some(2));
    let summary = std::fs::read_to_string(job.path("summary.md")).unwrap();
    assert!(summary.contains("## plummet: error"), "{summary}");
    assert!(summary.contains("missing.tar"), "{summary}");
    assert!(writes(&job.calls()).is_empty());
}

#[test]
fn github_action_outside_a_pull_request_does_not_comment_and_a_refusing_api_does_not_fail() {
    let job = Job::new();
    std::fs::write(job.path("push.json"), r#"{"ref": "refs/heads/main"}"#).unwrap();
    let mut c = job.command("github");
    c.env("GITHUB_REPOSITORY", "team/app")
        .env("GITHUB_API_URL", &job.api)
        .env("GITHUB_EVENT_PATH", job.path("push.json"))
        .env("GITHUB_STEP_SUMMARY", job.path("summary.md"))
        .env("INPUT_IMAGE", "example.tar")
        .env(
            "INPUT_ARGS",
            "--lowest-efficiency 0 --highest-user-wasted-percent disabled",
        )
        .env("INPUT_GITHUB_TOKEN", TOKEN);
    let push = c.output().unwrap();
    assert_eq!(push.status.code(), Some(0), "{}", printed(&push));
    assert!(job.calls().is_empty());
    // An API that refuses (a fork's read-only token) leaves the step's verdict to the rules.
    let dead = "http://127.0.0.1:9";
    let o = job.github(&[
        ("GITHUB_API_URL", dead),
        (
            "INPUT_ARGS",
            "--lowest-efficiency 0 --highest-user-wasted-percent disabled",
        ),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", printed(&o));
    assert!(printed(&o).contains("could not comment"), "{}", printed(&o));
    assert!(!printed(&o).contains(TOKEN));
}

#[test]
fn gitlab_template_script_writes_the_ci_reports_and_keeps_one_merge_request_note() {
    let job = Job::new();
    let run = || {
        let mut c = job.command("gitlab");
        c.env("GITLAB_CI", "true")
            .env("CI_API_V4_URL", format!("{}/api/v4", job.api))
            .env("CI_PROJECT_ID", "42")
            .env("CI_MERGE_REQUEST_IID", "5")
            .env("PLUMMET_GITLAB_TOKEN", TOKEN)
            .env("PLUMMET_IMAGE", "example.tar")
            .env("PLUMMET_OUTPUT_DIR", "plummet-report")
            .env(
                "PLUMMET_ARGS",
                "--lowest-efficiency 0 --highest-user-wasted-percent disabled",
            );
        c.output().unwrap()
    };
    let first = run();
    assert_eq!(first.status.code(), Some(0), "{}", printed(&first));
    for file in ["gl-code-quality-report.json", "junit.xml", "report.md"] {
        assert!(job.path("plummet-report").join(file).is_file(), "{file}");
    }
    let notes = "/api/v4/projects/42/merge_requests/5/notes";
    let calls = job.calls();
    assert_eq!(writes(&calls), [("POST".to_string(), notes.to_string())]);
    assert!(
        calls
            .iter()
            .all(|c| c.auth == format!("private-token: {TOKEN}"))
    );
    let second = run();
    assert_eq!(second.status.code(), Some(0), "{}", printed(&second));
    assert_eq!(
        writes(&job.calls()),
        [("PUT".to_string(), format!("{notes}/9003"))]
    );
    assert!(!printed(&first).contains(TOKEN) && !printed(&second).contains(TOKEN));
}

fn yaml(path: &str) -> serde_yaml_ng::Value {
    let text = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(path)).unwrap();
    serde_yaml_ng::from_str(&text).unwrap()
}

#[test]
fn the_action_passes_every_input_to_the_script_and_uploads_its_sarif() {
    let action = yaml("action.yml");
    assert_eq!(action["runs"]["using"].as_str(), Some("composite"));
    let steps = action["runs"]["steps"].as_sequence().unwrap();
    let run = steps
        .iter()
        .find(|s| s["id"].as_str() == Some("run"))
        .unwrap();
    assert!(
        run["run"]
            .as_str()
            .unwrap()
            .contains("scripts/ci/plummet-ci.py\" github")
    );
    let script = std::fs::read_to_string(script()).unwrap();
    for (name, _) in action["inputs"].as_mapping().unwrap() {
        let name = name.as_str().unwrap();
        if matches!(name, "sarif" | "plummet-path") {
            continue; // used by the action's own steps
        }
        let var = format!("INPUT_{}", name.to_uppercase().replace('-', "_"));
        assert!(!run["env"][var.as_str()].is_null(), "{var} not passed");
        let key = var.trim_start_matches("INPUT_");
        assert!(
            script.contains(&format!("\"{key}\"")),
            "the script does not read {key}"
        );
    }
    for (name, _) in action["outputs"].as_mapping().unwrap() {
        let name = name.as_str().unwrap();
        assert!(
            script.contains(&format!("\"{name}\":")),
            "the script sets no {name}"
        );
    }
    let upload = steps
        .iter()
        .find(|s| {
            s["uses"]
                .as_str()
                .is_some_and(|u| u.starts_with("github/codeql-action/upload-sarif@"))
        })
        .unwrap();
    assert_eq!(
        upload["with"]["sarif_file"].as_str(),
        Some("${{ steps.run.outputs.sarif }}")
    );
}

#[test]
fn the_gitlab_template_keeps_the_reports_the_script_writes() {
    let template = yaml("ci/gitlab/plummet.gitlab-ci.yml");
    let job = &template[".plummet"];
    let script = std::fs::read_to_string(script()).unwrap();
    let reports = &job["artifacts"]["reports"];
    for (kind, file) in [
        ("codequality", "gl-code-quality-report.json"),
        ("junit", "junit.xml"),
    ] {
        assert_eq!(
            reports[kind].as_str(),
            Some(format!("plummet-report/{file}").as_str())
        );
        assert!(script.contains(&format!("\"{file}\"")), "{file}");
    }
    assert_eq!(
        job["variables"]["PLUMMET_OUTPUT_DIR"].as_str(),
        Some("plummet-report")
    );
    let commands: Vec<&str> = job["script"]
        .as_sequence()
        .unwrap()
        .iter()
        .filter_map(|c| c.as_str())
        .collect();
    assert_eq!(commands, ["python3 plummet-ci.py gitlab"]);
}
