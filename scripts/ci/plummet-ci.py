#!/usr/bin/env python3
"""Runs plummet in a CI job and tells the people who need to know: the job summary, the
step outputs, and one pull/merge request comment that each push updates instead of adding
another. Used by the repository's action.yml (GitHub) and ci/gitlab/plummet.gitlab-ci.yml
(GitLab); python3's standard library only, so it runs on any runner without installing anything.

    plummet-ci.py github    reads the environment GitHub Actions sets (GITHUB_*, INPUT_*)
    plummet-ci.py gitlab    reads the environment GitLab CI sets (CI_*, PLUMMET_*)

Inputs (INPUT_* on GitHub as action.yml passes them, PLUMMET_* on GitLab):
    IMAGE           the image to analyze (any form plummet reads), required
    BASE_IMAGE      with it, `plummet diff BASE_IMAGE IMAGE` instead of `plummet ci IMAGE`
    BASELINE        a previous `plummet ci --json` report (ci only)
    ARGS            more arguments for plummet, split like a shell would
    COMMENT         "false" to leave the pull/merge request alone (default true)
    COMMENT_KEY     tells apart the comments of several jobs on one pull request
    FAIL_ON_RULES   "false" to pass the step when rules fail (default true)
    OUTPUT_DIR      where the reports go (default $RUNNER_TEMP/plummet or ./plummet-report)

The token (GITHUB_TOKEN / PLUMMET_GITLAB_TOKEN) is only ever sent in a request header: it is
never printed, and API errors are reported by status and the API's own message only.
"""

import json
import os
import re
import shlex
import subprocess
import sys
import urllib.error
import urllib.parse
import urllib.request

MARKER = "<!-- plummet -->"
# GitHub refuses comment bodies over 65536 characters; GitLab allows 1,000,000.
LIMITS = {"github": 65000, "gitlab": 999000}


def log(message):
    print(f"plummet-ci: {message}", file=sys.stderr, flush=True)


def env(name, default=""):
    return os.environ.get(name, default)


def flag(value, default=True):
    if value.strip() == "":
        return default
    return value.strip().lower() not in ("false", "0", "no", "off")


class Inputs:
    def __init__(self, platform):
        prefix = "INPUT_" if platform == "github" else "PLUMMET_"
        get = lambda name: env(prefix + name).strip()
        self.image = get("IMAGE")
        self.base_image = get("BASE_IMAGE")
        self.baseline = get("BASELINE")
        self.args = shlex.split(get("ARGS"))
        self.comment = flag(get("COMMENT"))
        self.key = get("COMMENT_KEY")
        self.fail_on_rules = flag(get("FAIL_ON_RULES"))
        default_dir = os.path.join(env("RUNNER_TEMP"), "plummet") if env("RUNNER_TEMP") else "plummet-report"
        self.output_dir = get("OUTPUT_DIR") or default_dir
        self.binary = env("PLUMMET", "plummet")

    def marker(self):
        if not self.key:
            return MARKER
        # The key goes inside an HTML comment: keep it to characters that cannot close one.
        safe = re.sub(r"[^A-Za-z0-9._:/@+-]", "_", self.key)
        return f"<!-- plummet:{safe} -->"


def redacted(command):
    """The command for the log, with the value of --creds (USER:PASSWORD) hidden."""
    out, hide = [], False
    for arg in command:
        if hide:
            out.append("***")
        elif arg.startswith("--creds="):
            out.append("--creds=***")
        else:
            out.append(arg)
        hide = arg == "--creds"
    return out


def run_plummet(inputs, platform):
    """Runs plummet with every report this platform shows; returns (exit code, files)."""
    os.makedirs(inputs.output_dir, exist_ok=True)
    files = {
        "markdown": os.path.join(inputs.output_dir, "report.md"),
        "json": os.path.join(inputs.output_dir, "report.json"),
        "sarif": os.path.join(inputs.output_dir, "report.sarif"),
        "junit": os.path.join(inputs.output_dir, "junit.xml"),
        "codequality": os.path.join(inputs.output_dir, "gl-code-quality-report.json"),
    }
    if inputs.base_image:
        command = [inputs.binary, "diff", inputs.base_image, inputs.image]
    else:
        command = [inputs.binary, "ci", inputs.image]
        if inputs.baseline:
            command += ["--baseline", inputs.baseline]
    command += ["--quiet", "--markdown", files["markdown"], "--json", files["json"]]
    command += ["--sarif", files["sarif"], "--junit", files["junit"]]
    if platform == "gitlab":
        command += ["--gitlab-codequality", files["codequality"]]
    command += inputs.args
    log("running " + " ".join(shlex.quote(c) for c in redacted(command)))
    try:
        done = subprocess.run(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    except OSError as e:
        log(f"cannot run {inputs.binary}: {e.strerror}")
        return 2, files, ""
    sys.stdout.write(done.stdout)
    sys.stderr.write(done.stderr)
    return done.returncode, files, done.stderr


def read(path):
    try:
        with open(path, encoding="utf-8") as f:
            return f.read()
    except OSError:
        return None


def error_markdown(inputs, stderr):
    """The summary when plummet could not produce a report (exit code 2)."""
    last = [line for line in stderr.splitlines() if line.strip()][-3:]
    text = "\n".join(last) or "plummet stopped without a message"
    # Fenced, with a fence longer than any run of backticks in the text.
    fence = "`" * max(3, max((len(m) for m in re.findall(r"`+", text)), default=0) + 1)
    return f"## plummet: error\n\nplummet could not analyze the image:\n\n{fence}\n{text}\n{fence}\n"


def write_outputs(path, values):
    if not path:
        return
    with open(path, "a", encoding="utf-8") as f:
        for key, value in values.items():
            value = str(value)
            if "\n" in value:
                delimiter = "plummet_EOF_" + os.urandom(8).hex()
                f.write(f"{key}<<{delimiter}\n{value}\n{delimiter}\n")
            else:
                f.write(f"{key}={value}\n")


class Api:
    """A small JSON client for the forge's REST API."""

    def __init__(self, base, headers):
        self.base = base.rstrip("/")
        self.headers = headers

    def call(self, method, path, body=None):
        url = path if path.startswith("http") else self.base + path
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(url, data=data, method=method)
        for k, v in self.headers.items():
            request.add_header(k, v)
        request.add_header("Accept", "application/json")
        if data is not None:
            request.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                payload = response.read()
                link = response.headers.get("Link", "")
        except urllib.error.HTTPError as e:
            raise ApiError(method, path, e.code, api_message(e.read())) from None
        except urllib.error.URLError as e:
            raise ApiError(method, path, None, str(e.reason)) from None
        return (json.loads(payload) if payload else None), next_link(link)


class ApiError(Exception):
    def __init__(self, method, path, status, message):
        # The path carries no token: tokens travel in headers only.
        where = f"{method} {urllib.parse.urlsplit(path).path}"
        super().__init__(f"{where}: {status or 'no answer'}: {message}")


def api_message(payload):
    try:
        message = json.loads(payload).get("message", "")
    except (ValueError, AttributeError):
        message = ""
    return str(message)[:200] or "no message"


def next_link(header):
    for part in header.split(","):
        m = re.match(r'\s*<([^>]+)>\s*;\s*rel="?next"?', part)
        if m:
            return m.group(1)
    return None


def upsert(api, list_path, create_path, update_path, marker, body):
    """Updates the comment carrying `marker`, else creates one; returns ('created'|'updated', id)."""
    page, ours = list_path, None
    while page and ours is None:
        comments, page = api.call("GET", page)
        for c in comments or []:
            if marker in (c.get("body") or ""):
                ours = c["id"]
                break
    if ours is not None:
        api.call(update_path[0], update_path[1].format(id=ours), {"body": body})
        return "updated", ours
    created, _ = api.call("POST", create_path, {"body": body})
    return "created", (created or {}).get("id")


def comment_body(marker, markdown, platform):
    body = f"{marker}\n{markdown}"
    limit = LIMITS[platform]
    if len(body) > limit:
        body = body[:limit] + "\n\n_(report cut to fit the comment; the whole report is in the job's artifacts)_\n"
    return body


def github_comment(inputs, markdown):
    event_path = env("GITHUB_EVENT_PATH")
    try:
        with open(event_path, encoding="utf-8") as f:
            event = json.load(f)
    except (OSError, ValueError):
        event = {}
    number = (event.get("pull_request") or {}).get("number")
    if number is None:
        log("not a pull request event: no comment")
        return None
    token = env("INPUT_GITHUB_TOKEN") or env("GITHUB_TOKEN")
    repo = env("GITHUB_REPOSITORY")
    if not token or not repo:
        log("no token or repository: no comment")
        return None
    api = Api(env("GITHUB_API_URL", "https://api.github.com"), {
        "Authorization": f"Bearer {token}",
        "X-GitHub-Api-Version": "2022-11-28",
        "User-Agent": "plummet-ci",
    })
    return upsert(
        api,
        f"/repos/{repo}/issues/{number}/comments?per_page=100",
        f"/repos/{repo}/issues/{number}/comments",
        ("PATCH", f"/repos/{repo}/issues/comments/{{id}}"),
        inputs.marker(),
        comment_body(inputs.marker(), markdown, "github"),
    )


def gitlab_comment(inputs, markdown):
    iid = env("CI_MERGE_REQUEST_IID")
    if not iid:
        log("not a merge request pipeline: no note")
        return None
    token = env("PLUMMET_GITLAB_TOKEN")
    if not token:
        log("PLUMMET_GITLAB_TOKEN is not set (a project access token with the api scope): no note")
        return None
    project = env("CI_PROJECT_ID")
    api = Api(env("CI_API_V4_URL"), {"PRIVATE-TOKEN": token, "User-Agent": "plummet-ci"})
    notes = f"/projects/{project}/merge_requests/{iid}/notes"
    return upsert(
        api,
        notes + "?per_page=100&sort=asc",
        notes,
        ("PUT", notes + "/{id}"),
        inputs.marker(),
        comment_body(inputs.marker(), markdown, "gitlab"),
    )


def main(argv):
    if len(argv) != 2 or argv[1] not in ("github", "gitlab"):
        log("usage: plummet-ci.py github|gitlab")
        return 2
    platform = argv[1]
    inputs = Inputs(platform)
    if not inputs.image:
        log("no image given (the image input)")
        return 2
    code, files, stderr = run_plummet(inputs, platform)
    markdown = read(files["markdown"]) if code in (0, 1) else None
    if markdown is None:
        markdown = error_markdown(inputs, stderr)
        code = 2
    summary = env("GITHUB_STEP_SUMMARY") if platform == "github" else ""
    if summary:
        with open(summary, "a", encoding="utf-8") as f:
            f.write(markdown + "\n")
    outputs = {
        "exit-code": code,
        "passed": "true" if code == 0 else "false",
        "markdown": files["markdown"],
        "json": files["json"],
        "sarif": files["sarif"] if code in (0, 1) else "",
        "junit": files["junit"],
    }
    if inputs.comment:
        comment = github_comment if platform == "github" else gitlab_comment
        try:
            done = comment(inputs, markdown)
            if done:
                log(f"{done[0]} comment {done[1]}")
                outputs["comment-id"] = done[1]
        except ApiError as e:
            # A fork's pull request gets a read-only token: the report is still in the summary.
            log(f"could not comment: {e}")
    write_outputs(env("GITHUB_OUTPUT") if platform == "github" else "", outputs)
    if code == 1 and not inputs.fail_on_rules:
        return 0
    return code


if __name__ == "__main__":
    sys.exit(main(sys.argv))
