//! Hostile strings from an image (terminal escapes, an OSC title, CR, backticks, `@user`,
//! Markdown images, HTML) driven through every human-readable output of the binary: `ci`,
//! `diff`, `--markdown` of both, and errors. Nothing may reach the reader raw; JSON stays exact.
//! The Markdown is rendered by a real GFM renderer (cmark-gfm, as GitHub's is derived from it).
#![expect(
    clippy::expect_used,
    clippy::unwrap_used,
    clippy::panic,
    reason = "the helpers of a test fail it loudly"
)]

use std::path::Path;
use std::process::{Command, Output};

use imagegen::{Form, ImageSpec, LayerSpec, Op, oci, sink::TarSink};

#[path = "daemon_support/live.rs"]
mod live;

/// Everything an attacker would put in one string: an OSC window title, CSI colour, a bare CR
/// that would overwrite the line, an 8-bit CSI, a right-to-left override, a backtick to leave
/// a code span, a mention, a Markdown image, HTML, an autolink and math.
const HOSTILE: &str = "\x1b]0;pwned\x07 \x1b[31mred\x1b[0m\rX\u{9b}2J\u{202e}rtl ` @user ![x](http://evil.example/p.png) <img src=x onerror=alert(1)> www.evil.example $\\color{red}x$ |cell";

/// The same without the slashes a path cannot hold in one component.
fn path_component() -> String {
    HOSTILE.replace('/', "\u{2215}")
}

fn hostile_image(extra_layer: bool) -> ImageSpec {
    let dir = format!("/app/{}", path_component());
    let mut layers = vec![
        imagegen::scenarios::base_layer(),
        LayerSpec::new(vec![
            Op::dir(&dir),
            Op::random(format!("{dir}/tool"), 3000).mode(0o4755),
            Op::random(format!("{dir}/data"), 5000),
            Op::random(format!("/tmp/{}", path_component()), 100).mode(0o666),
            // Not UTF-8: shown byte by byte, not as U+FFFD.
            Op::random(b"/app/bad\xff\xfe", 200).mode(0o4755),
        ]),
        // Overwrites the data: waste whose path is hostile.
        LayerSpec::new(vec![Op::random(format!("{dir}/data"), 6000)]),
    ];
    let mut history = vec![
        ("ADD rootfs.tar /".to_string(), false),
        (format!("RUN {HOSTILE}"), false),
        (format!("COPY {HOSTILE} /app/"), false),
    ];
    if extra_layer {
        layers.push(LayerSpec::new(vec![Op::random(
            format!("{dir}/more"),
            7000,
        )]));
        history.push((format!("RUN echo '{HOSTILE}'"), false));
    }
    let history: Vec<(&str, bool)> = history.iter().map(|(s, e)| (s.as_str(), *e)).collect();
    let mut spec = ImageSpec::new("hostile/image", layers)
        .user(HOSTILE)
        .history(&history);
    spec.config.architecture = format!("amd64{HOSTILE}");
    spec
}

fn plummet(args: &[&str], dir: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_plummet"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .env_remove("PLUMMET_LOG")
        .output()
        .expect("run plummet")
}

/// No control character but the newline, and none of the invisible reordering ones.
fn assert_no_raw_controls(what: &str, text: &str) {
    let bad: Vec<char> = text
        .chars()
        .filter(|&c| (c.is_control() && c != '\n') || c == '\u{202e}')
        .collect();
    assert!(bad.is_empty(), "{what} prints raw {bad:?}:\n{text}");
    // Escaped, not dropped: the reader can see that the string held an escape.
    assert!(text.contains("\\x1b]0;pwned\\x07"), "{what}:\n{text}");
}

/// Renders `markdown` as GitHub would (cmark-gfm with GitHub's extensions, raw HTML let through
/// so that an injection shows) and checks that nothing image-derived became markup.
fn assert_markdown_inert(what: &str, markdown: &str) {
    assert_no_raw_controls(what, markdown);
    let Some(html) = render_gfm(markdown) else {
        return;
    };
    for markup in ["<img", "<a ", "<script", "<em>", "<del>"] {
        assert!(!html.contains(markup), "{what} injects {markup}:\n{html}");
    }
    // Mentions are GitHub's own post-processing of text outside code elements.
    let outside_code = strip_code(&html);
    let mention = outside_code
        .as_bytes()
        .windows(2)
        .any(|w| w[0] == b'@' && w[1].is_ascii_alphanumeric());
    assert!(!mention, "{what} has an @mention outside code:\n{html}");
    // Every table row keeps its columns: a `|` from the image did not end a cell.
    for table in html.split("<table>").skip(1) {
        let table = &table[..table.find("</table>").expect("closed table")];
        let columns = table.matches("</th>").count();
        for row in table.split("<tr>").skip(1).filter(|r| r.contains("</td>")) {
            assert_eq!(row.matches("</td>").count(), columns, "{what}: {row}");
        }
    }
    assert!(html.contains("<code>"), "{what}:\n{html}");
}

fn render_gfm(markdown: &str) -> Option<String> {
    use std::io::Write as _;
    let child = Command::new("cmark-gfm")
        .args([
            "--unsafe",
            "-e",
            "table",
            "-e",
            "autolink",
            "-e",
            "strikethrough",
        ])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn();
    let Ok(mut child) = child else {
        if std::env::var("CI").is_ok_and(|v| v == "true") {
            panic!("cmark-gfm is not installed (CI=true, so this is a failure)");
        }
        eprintln!("SKIPPED: the Markdown rendering checks: cmark-gfm is not installed");
        return None;
    };
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(markdown.as_bytes())
        .expect("write to cmark-gfm");
    let out = child.wait_with_output().expect("cmark-gfm runs");
    assert!(out.status.success());
    Some(String::from_utf8(out.stdout).expect("UTF-8 HTML"))
}

/// `html` without the contents of its `<code>` elements.
fn strip_code(html: &str) -> String {
    let mut out = String::new();
    let mut rest = html;
    while let Some(start) = rest.find("<code>") {
        out.push_str(&rest[..start]);
        rest = &rest[start..];
        let end = rest.find("</code>").expect("closed code") + "</code>".len();
        rest = &rest[end..];
    }
    out.push_str(rest);
    out
}

fn write(spec: &ImageSpec, path: &Path) {
    imagegen::write_tar_file(spec, Form::DockerLegacy, path).expect("write the image");
}

#[test]
fn ci_text_and_markdown_escape_every_image_string() {
    let tmp = tempfile::tempdir().expect("tmp");
    let image = tmp.path().join("hostile.tar");
    write(&hostile_image(false), &image);
    let md = tmp.path().join("report.md");
    let image = image.to_str().expect("UTF-8");

    let o = plummet(&["ci", image], tmp.path());
    let text = String::from_utf8(o.stdout).expect("UTF-8");
    assert!(matches!(o.status.code(), Some(0 | 1)), "{text}");
    assert_no_raw_controls("ci text", &text);
    // The command, the user, the platform, a wasted path and a finding's fix all came through.
    for seen in [
        "RUN \\x1b]0;pwned",
        "user \\x1b]0;",
        "amd64\\x1b]0;",
        "chmod u-s,g-s /app/",
        "/app/bad\\xff\\xfe",
    ] {
        assert!(text.contains(seen), "{seen:?} missing:\n{text}");
    }

    let o = plummet(
        &["ci", image, "--markdown", md.to_str().expect("UTF-8")],
        tmp.path(),
    );
    assert!(matches!(o.status.code(), Some(0 | 1)));
    let markdown = std::fs::read_to_string(&md).expect("the Markdown report");
    assert_markdown_inert("ci --markdown", &markdown);

    // JSON stays exact: the strings as the image holds them.
    let o = plummet(&["ci", image, "--json", "-"], tmp.path());
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("JSON");
    let commands: Vec<&str> = v["layers"]
        .as_array()
        .expect("layers")
        .iter()
        .filter_map(|l| l["command"].as_str())
        .collect();
    assert!(
        commands.contains(&format!("RUN {HOSTILE}").as_str()),
        "{commands:?}"
    );
}

#[test]
fn diff_text_and_markdown_escape_every_image_string() {
    let tmp = tempfile::tempdir().expect("tmp");
    let (a, b) = (tmp.path().join("a.tar"), tmp.path().join("b.tar"));
    write(&hostile_image(false), &a);
    write(&hostile_image(true), &b);
    let (a, b) = (a.to_str().expect("UTF-8"), b.to_str().expect("UTF-8"));

    let o = plummet(&["diff", a, b], tmp.path());
    let text = String::from_utf8(o.stdout).expect("UTF-8");
    assert!(matches!(o.status.code(), Some(0 | 1)), "{text}");
    assert_no_raw_controls("diff text", &text);
    assert!(text.contains("RUN echo '\\x1b]0;pwned"), "{text}");

    let md = tmp.path().join("diff.md");
    let o = plummet(
        &["diff", a, b, "--markdown", md.to_str().expect("UTF-8")],
        tmp.path(),
    );
    assert!(matches!(o.status.code(), Some(0 | 1)));
    let markdown = std::fs::read_to_string(&md).expect("the Markdown report");
    assert_markdown_inert("diff --markdown", &markdown);
}

/// Errors quote tags and platform names from the image: one escaped line each.
#[test]
fn errors_escape_tags_and_platform_names() {
    let tmp = tempfile::tempdir().expect("tmp");
    let multi = tmp.path().join("multi.tar");
    let file = std::fs::File::create(&multi).expect("create");
    let mut sink = TarSink::new(file);
    let tag = HOSTILE.replace(' ', "_");
    oci::write_oci_multi(&[hostile_image(false)], &tag, false, &mut sink).expect("write");
    sink.finish().expect("finish");
    let archive = format!("oci-archive:{}", multi.display());
    let other_tag = format!("{archive}:other");

    for args in [
        vec!["ci", other_tag.as_str()],
        vec!["ci", archive.as_str(), "--platform", "linux/s390x"],
    ] {
        let o = plummet(&args, tmp.path());
        let err = String::from_utf8(o.stderr).expect("UTF-8");
        assert_eq!(o.status.code(), Some(2), "{err}");
        assert_eq!(err.trim_end().lines().count(), 1, "not one line: {err}");
        assert!(err.starts_with("plummet: error: "), "{err}");
        assert_no_raw_controls("the error", &err);
    }
}

/// The same strings in an image the real Docker daemon built: a file name made by `printf`, a
/// RUN line and a USER holding raw escapes. Read from `docker save` and from the daemon itself.
#[test]
fn a_real_docker_build_with_hostile_strings_reports_escaped() {
    let Some(host) = live::harness("PLUMMET_TEST_DOCKER_HOST") else {
        return;
    };
    let tmp = tempfile::tempdir().expect("tmp");
    let dockerfile = "FROM plummet-busybox:latest\n\
        RUN touch \"/$(printf 'evil\\033]0;pwned\\007')\" && chmod 4755 /evil* \
            && echo '\x1b]0;pwned\x07 \x1b[31m `@user' >/dev/null\n\
        USER 1000`@user ![x](http://evil.example/p.png)\x1b]0;pwned\x07\n";
    std::fs::write(tmp.path().join("Dockerfile"), dockerfile).expect("write the Dockerfile");
    let tag = format!("plummet-escaping-test:{}", std::process::id());
    live::run(
        live::docker(&host)
            .args(["build", "--network", "none", "-q", "-t", &tag])
            .arg(tmp.path()),
    );
    let saved = tmp.path().join("saved.tar");
    live::run(
        live::docker(&host)
            .args(["save", "-o"])
            .arg(&saved)
            .arg(&tag),
    );
    let daemon = format!("docker-daemon:{tag}");
    let md = tmp.path().join("report.md");
    let md_arg = md.to_str().expect("UTF-8");
    let saved = saved.to_str().expect("UTF-8");
    for image in [saved, daemon.as_str()] {
        let o = plummet(&["ci", image, "--host", &host], tmp.path());
        let text = String::from_utf8(o.stdout).expect("UTF-8");
        assert_eq!(
            o.status.code(),
            Some(0),
            "{text}{}",
            String::from_utf8_lossy(&o.stderr)
        );
        assert_no_raw_controls(image, &text);
        assert!(text.contains("/evil\\x1b]0;pwned\\x07"), "{text}");
        let o = plummet(
            &["ci", image, "--host", &host, "--markdown", md_arg],
            tmp.path(),
        );
        assert_eq!(o.status.code(), Some(0));
        let markdown = std::fs::read_to_string(&md).expect("the Markdown report");
        assert_markdown_inert(image, &markdown);
    }
    let _ = live::docker(&host).args(["rmi", "-f", &tag]).output();
}

/// A registry on loopback whose error answer holds an OSC title, CR-LF and an 8-bit CSI: the
/// error quoting it is one escaped line.
#[test]
fn registry_error_texts_are_escaped() {
    use std::io::{Read as _, Write as _};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind on loopback");
    let address = listener.local_addr().expect("address").to_string();
    std::thread::spawn(move || {
        for mut client in listener.incoming().flatten() {
            let mut head = Vec::new();
            let mut byte = [0u8; 1];
            while !head.ends_with(b"\r\n\r\n") && client.read(&mut byte).is_ok_and(|n| n == 1) {
                head.push(byte[0]);
            }
            let (status, body) = if head.starts_with(b"GET /v2/ ") {
                ("200 OK", "{}".to_string())
            } else {
                // JSON escapes: the registry sends the raw characters once decoded.
                let message = r"\u001b]0;pwned\u0007 manifest\r\nunknown \u009b2J";
                (
                    "404 Not Found",
                    format!(
                        r#"{{"errors":[{{"code":"MANIFEST_UNKNOWN","message":"{message}"}}]}}"#
                    ),
                )
            };
            let _ = client.write_all(
                format!(
                    "HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                    body.len()
                )
                .as_bytes(),
            );
        }
    });
    let tmp = tempfile::tempdir().expect("tmp");
    let o = plummet(&["ci", &format!("docker://{address}/app:1")], tmp.path());
    let err = String::from_utf8(o.stderr).expect("UTF-8");
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert_eq!(err.trim_end().lines().count(), 1, "not one line: {err}");
    assert_no_raw_controls("the registry error", &err);
    assert!(err.contains("manifest\\r\\nunknown \\u{9b}2J"), "{err}");
}
