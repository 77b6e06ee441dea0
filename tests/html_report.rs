//! `--html` from the real binary: the page's sections and data on testdata/example.tar, in a real
//! browser (Debian's headless Chromium: screenshots at two sizes, the DOM after the script ran,
//! a zoomed state through `#zoom=`), hostile image strings kept as text in the markup, in the
//! script's data and in the DOM, the aggregation's bound on a many-file image, `plummet diff
//! --html`, and `--estimate-zstd` in every format that shows it.
#![expect(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "tests fail on bad input"
)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use imagegen::{Form, ImageSpec, LayerSpec, Op};
use serde_json::Value;

#[path = "cli_support/binary.rs"]
mod binary;
use binary::{example_dir, plummet};

/// `plummet ci example.tar --html report.html` (plus `extra`), the page as a string.
fn example_report(dir: &Path, extra: &[&str]) -> String {
    let mut args = vec!["ci", "-q", "example.tar", "--html", "report.html"];
    args.extend_from_slice(extra);
    let o = plummet(&args, dir);
    assert_eq!(
        o.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    std::fs::read_to_string(dir.join("report.html")).unwrap()
}

/// The treemap's data as the page's script reads it.
fn page_data(html: &str) -> Value {
    let start = html
        .find("<script type=\"application/json\" id=\"plummet-data\">")
        .expect("the data script");
    let rest = &html[start..];
    let open = rest.find('>').unwrap() + 1;
    let close = rest.find("</script>").unwrap();
    serde_json::from_str(&rest[open..close]).expect("the data is JSON")
}

/// Where the browser tests leave their screenshots: under target/, never in git.
fn output_dir(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("html_report")
        .join(name);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Debian's chromium, or `None` with a SKIPPED line; under CI=true its absence fails the test.
fn chromium() -> Option<PathBuf> {
    let path = std::env::var_os("PLUMMET_CHROMIUM")
        .map_or_else(|| PathBuf::from("/usr/bin/chromium"), PathBuf::from);
    if path.exists() {
        return Some(path);
    }
    assert!(
        std::env::var("CI").as_deref() != Ok("true"),
        "chromium is not installed but CI=true (.ci/run installs Debian's chromium)"
    );
    eprintln!(
        "SKIPPED: the browser checks: {} is not installed",
        path.display()
    );
    None
}

/// Runs headless Chromium on `url` with `what` (`--screenshot=…` or `--dump-dom`) at `size`.
fn browse(chromium: &Path, url: &str, size: &str, what: &str) -> Output {
    let profile = tempfile::tempdir().unwrap();
    let o = Command::new(chromium)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .arg(format!("--window-size={size}"))
        .arg(what)
        .arg(url)
        .output()
        .expect("run chromium");
    assert!(
        o.status.success(),
        "chromium {what} {url}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    o
}

fn dom(chromium: &Path, url: &str) -> String {
    String::from_utf8(browse(chromium, url, "1280,800", "--dump-dom").stdout).unwrap()
}

fn screenshot(chromium: &Path, url: &str, size: &str, out: &Path) {
    let _ = std::fs::remove_file(out);
    browse(
        chromium,
        url,
        size,
        &format!("--screenshot={}", out.display()),
    );
    let png = std::fs::read(out).unwrap_or_else(|e| panic!("{}: {e}", out.display()));
    assert!(
        png.starts_with(b"\x89PNG\r\n\x1a\n") && png.len() > 10_000,
        "{}",
        out.display()
    );
}

fn file_url(path: &Path) -> String {
    format!("file://{}", path.canonicalize().unwrap().display())
}

#[test]
fn ci_html_has_the_figures_treemap_layers_findings_and_rules() {
    let tmp = example_dir();
    let html = example_report(tmp.path(), &[]);
    let o = plummet(&["ci", "-q", "example.tar", "--json", "-"], tmp.path());
    let json: Value = serde_json::from_slice(&o.stdout).unwrap();

    for section in [
        "id=\"treemap-section\"",
        "id=\"layer-bars\"",
        "id=\"findings\"",
        "id=\"rules\"",
    ] {
        assert!(html.contains(section), "{section} missing");
    }
    // The most important finding, with its fix, and every rule with its verdict.
    let top = &json["findings"][0];
    assert_eq!(top["path"], "/root/.ssh/id_rsa");
    assert!(html.contains("<code>/root/.ssh/id_rsa</code>"));
    assert!(html.contains("pass it with `RUN --mount=type=secret` instead"));
    for rule in json["rules"].as_array().unwrap() {
        assert!(html.contains(&format!("<td>{}</td>", rule["name"].as_str().unwrap())));
    }
    assert!(html.contains("<span class=\"badge fail verdict\">fail</span>"));
    // One bar per layer, the base's marked.
    assert_eq!(html.matches("<g><title>layer ").count(), 6);
    assert!(html.contains(">#0 base</text>"));
    // Findings in the final image link to their place in the treemap.
    assert!(html.contains("<a class=\"path\" href=\"#zoom=/app/node_modules\">"));

    // The data: the final filesystem's bytes at the root, parents before children, and each
    // directory's shown children and "other" node adding up to it.
    let data = page_data(&html);
    let nodes = data["nodes"].as_array().unwrap();
    assert_eq!(nodes[0][2], json["image"]["final_size_bytes"]);
    let mut below = vec![0u64; nodes.len()];
    for (i, n) in nodes.iter().enumerate() {
        let parent = n[0].as_i64().unwrap();
        if i > 0 {
            assert!((0..i as i64).contains(&parent), "node {i}: parent {parent}");
            below[parent as usize] += n[2].as_u64().unwrap();
        }
    }
    for (i, n) in nodes.iter().enumerate() {
        assert!(
            below[i] == 0 || below[i] == n[2].as_u64().unwrap(),
            "node {i}: {n}"
        );
    }
    // The key and its hover details: a package the package index knows, a finding's fix.
    let packages = data["packages"].as_array().unwrap();
    assert!(
        packages.iter().any(|p| p[0] == "typescript"),
        "{packages:?}"
    );
    let owned = nodes
        .iter()
        .find(|n| n[4].as_i64().unwrap() >= 0)
        .expect("a file of a package");
    let package = &packages[owned[4].as_u64().unwrap() as usize];
    assert!(
        ["typescript", "lodash", "jest", "eslint", "express"]
            .contains(&package[0].as_str().unwrap()),
        "{owned} {package}"
    );
    // Under /app/node_modules, a finding: flagged, and pointing at it.
    assert!(owned[6].as_u64().unwrap() & 2 != 0, "{owned}");
    let finding = &data["findings"][owned[5].as_u64().unwrap() as usize];
    assert_eq!(finding[0], "node_modules", "{finding}");

    // Self-contained: nothing to fetch.
    // (The SVG namespace is a name, not a fetch.)
    let fetched = html.replace("'http://www.w3.org/2000/svg'", "");
    for remote in ["http://", "https://", " src=", "<link"] {
        assert!(!fetched.contains(remote), "{remote} in the page");
    }
    assert!(html.len() < 100_000, "{} bytes", html.len());
}

#[test]
fn ci_html_in_a_real_browser_draws_the_treemap_and_zooms() {
    let Some(chromium) = chromium() else { return };
    let tmp = example_dir();
    example_report(tmp.path(), &[]);
    let page = tmp.path().join("report.html");
    let url = file_url(&page);
    let out = output_dir("example");
    screenshot(
        &chromium,
        &url,
        "1280,800",
        &out.join("example-1280x800.png"),
    );
    screenshot(&chromium, &url, "390,844", &out.join("example-390x844.png"));

    let dom = dom(&chromium, &url);
    // The script ran: the treemap is drawn, at the root.
    assert!(dom.contains("data-treemap=\"ready\""), "{dom}");
    assert!(dom.contains("data-zoom=\"/\""), "{dom}");
    assert!(dom.matches("<rect ").count() > 50, "{dom}");
    // The top finding is on the page the browser built.
    let findings = &dom[dom.find("id=\"findings\"").unwrap()..];
    let first_row = &findings[findings.find("<tr class=\"finding").unwrap()..];
    assert!(
        first_row
            .starts_with("<tr class=\"finding\"><td>secret</td><td><code>/root/.ssh/id_rsa</code>"),
        "{first_row}"
    );

    // `#zoom=` zooms: the crumbs name the directory, its files are drawn, the rest is not.
    let zoomed = format!("{url}#zoom=/app/node_modules");
    screenshot(
        &chromium,
        &zoomed,
        "1280,800",
        &out.join("example-zoomed-1280x800.png"),
    );
    let dom = self::dom(&chromium, &zoomed);
    assert!(dom.contains("data-zoom=\"/app/node_modules\""), "{dom}");
    let crumbs = &dom[dom.find("<nav id=\"crumbs\"").unwrap()..];
    let crumbs = &crumbs[..crumbs.find("</nav>").unwrap()];
    assert!(
        crumbs.contains(">app</a>") && crumbs.contains(">node_modules</a>"),
        "{crumbs}"
    );
    let treemap = &dom[dom.find("<div id=\"treemap\"").unwrap()..];
    assert!(treemap.contains(">typescript/ "), "{treemap}");
    assert!(!treemap.contains(">busybox<"), "{treemap}");
    // A path inside a file zooms to its directory; a path that is not there, to the root.
    let dom = self::dom(
        &chromium,
        &format!("{url}#zoom=/app/node_modules/jest/lib/m0.js"),
    );
    assert!(
        dom.contains("data-zoom=\"/app/node_modules/jest/lib\""),
        "{dom}"
    );
    let dom = self::dom(&chromium, &format!("{url}#zoom=/nowhere%ZZ"));
    assert!(dom.contains("data-zoom=\"/\""), "{dom}");
}

/// Names meant to break out of the markup, the script and its JSON: a closing script tag,
/// quotes of both kinds, backticks, a template literal, control characters, U+2028 and an
/// HTML comment opener.
const HOSTILE: &str = "</script><script>alert(1)</script>\"'`${alert(2)}`<img src=x onerror=alert(3)>\x1b[31m\x07\u{2028}\u{2029}<!--";

fn hostile_spec(extra: bool) -> ImageSpec {
    let name = HOSTILE.replace('/', "\u{2215}");
    let dir = format!("/app/{name}");
    let mut layers = vec![
        imagegen::scenarios::base_layer(),
        LayerSpec::new(vec![
            Op::random(format!("{dir}/{name}"), 40_000),
            Op::random(format!("{dir}/.git/objects/pack/p.pack"), 20_000),
            Op::random(b"/app/bad\xff\xfe", 2_000),
        ]),
        LayerSpec::new(vec![Op::random(format!("{dir}/{name}"), 41_000)]),
    ];
    let mut history = vec![
        "ADD rootfs.tar /".to_string(),
        format!("RUN {HOSTILE}"),
        format!("COPY {HOSTILE} /app/"),
    ];
    if extra {
        layers.push(LayerSpec::new(vec![Op::random(
            format!("{dir}/more"),
            9_000,
        )]));
        history.push(format!("RUN echo '{HOSTILE}'"));
    }
    let history: Vec<(&str, bool)> = history.iter().map(|s| (s.as_str(), false)).collect();
    ImageSpec::new("hostile/html", layers)
        .user(HOSTILE)
        .history(&history)
}

/// No image string became markup: exactly the page's own two scripts, no image, no raw
/// control character or line separator, and the hostile text still there as text.
fn assert_inert(what: &str, html: &str) {
    assert_eq!(html.matches("<script").count(), 2, "{what}:\n{html}");
    assert_eq!(html.matches("</script").count(), 2, "{what}");
    for markup in ["<img", "<!--", "onerror=alert(3)>"] {
        assert!(!html.contains(markup), "{what} has {markup}");
    }
    let raw: Vec<char> = html
        .chars()
        .filter(|&c| (c.is_control() && c != '\n') || matches!(c, '\u{2028}' | '\u{2029}'))
        .collect();
    assert!(raw.is_empty(), "{what} has raw {raw:?}");
    assert!(
        html.contains("&lt;img src=x onerror=alert(3)&gt;"),
        "{what}"
    );
}

#[test]
fn hostile_names_stay_text_in_the_markup_the_data_and_the_dom() {
    let tmp = tempfile::tempdir().unwrap();
    imagegen::write_tar_file(
        &hostile_spec(false),
        Form::DockerLegacy,
        &tmp.path().join("h.tar"),
    )
    .unwrap();
    let o = plummet(&["ci", "-q", "h.tar", "--html", "h.html"], tmp.path());
    assert!(
        matches!(o.status.code(), Some(0 | 1)),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let html = std::fs::read_to_string(tmp.path().join("h.html")).unwrap();
    assert_inert("ci --html", &html);
    // The command, the user, the paths: escaped, not dropped.
    assert!(
        html.contains("RUN &lt;∕script&gt;") || html.contains("RUN &lt;/script&gt;"),
        "{html}"
    );
    assert!(html.contains("&quot;&#39;`${alert(2)}`"));
    assert!(html.contains("\\x1b[31m\\x07\\u{2028}"));

    // The data parses back to the escaped names; the script's JSON holds no `<` at all.
    let data = page_data(&html);
    let names: Vec<&str> = data["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|n| n[1].as_str())
        .collect();
    let hostile = HOSTILE.replace('/', "\u{2215}");
    let shown = hostile
        .replace('\x1b', "\\x1b")
        .replace('\x07', "\\x07")
        .replace('\u{2028}', "\\u{2028}")
        .replace('\u{2029}', "\\u{2029}");
    assert!(names.contains(&shown.as_str()), "{names:?}");
    assert!(names.contains(&"bad\\xff\\xfe"), "{names:?}");

    let Some(chromium) = chromium() else { return };
    let page = tmp.path().join("h.html");
    let out = output_dir("hostile");
    screenshot(
        &chromium,
        &file_url(&page),
        "1280,800",
        &out.join("hostile-1280x800.png"),
    );
    let dom = dom(&chromium, &file_url(&page));
    // The script ran on those names and made no element of them.
    assert!(dom.contains("data-treemap=\"ready\""), "{dom}");
    assert_eq!(dom.matches("<script").count(), 2, "{dom}");
    assert!(!dom.contains("<img"), "{dom}");
    let dom = self::dom(
        &chromium,
        &format!("{}#zoom=/app/{}", file_url(&page), urlencode(&shown)),
    );
    assert!(dom.contains("data-treemap=\"ready\""), "{dom}");
    assert!(!dom.contains("<img"), "{dom}");
    assert!(
        !dom.contains("data-zoom=\"/\""),
        "the hostile directory is zoomable: {dom}"
    );
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

#[test]
fn the_treemap_stays_bounded_on_many_files() {
    let tmp = tempfile::tempdir().unwrap();
    let ops: Vec<Op> = (0..12_000)
        .map(|i| Op::random(format!("/data/d{}/f{i}", i % 40), 100 + (i % 97) * 13))
        .collect();
    let spec = ImageSpec::new(
        "many/files",
        vec![imagegen::scenarios::base_layer(), LayerSpec::new(ops)],
    );
    imagegen::write_tar_file(&spec, Form::DockerLegacy, &tmp.path().join("m.tar")).unwrap();
    let o = plummet(&["ci", "-q", "m.tar", "--html", "m.html"], tmp.path());
    assert!(matches!(o.status.code(), Some(0 | 1)));
    let html = std::fs::read_to_string(tmp.path().join("m.html")).unwrap();
    let data = page_data(&html);
    let nodes = data["nodes"].as_array().unwrap();
    assert!(nodes.len() <= 3000, "{}", nodes.len());
    // The files left out are in "other" nodes, so the directories still add up.
    let in_data = |n: &Value| {
        nodes[n[0].as_u64().unwrap() as usize][1]
            .as_str()
            .unwrap()
            .starts_with('d')
    };
    let others: u64 = nodes
        .iter()
        .filter(|n| n[7].as_u64().unwrap() > 0 && in_data(n))
        .map(|n| n[7].as_u64().unwrap())
        .sum();
    let files = nodes
        .iter()
        .filter(|n| n[7] == 0 && n[1].as_str().unwrap().starts_with('f'))
        .count() as u64;
    assert_eq!(others + files, 12_000);
    assert!(html.len() < 400_000, "{} bytes", html.len());
}

#[test]
fn diff_html_shows_what_grew_and_shrank() {
    let tmp = tempfile::tempdir().unwrap();
    imagegen::write_tar_file(
        &hostile_spec(false),
        Form::DockerLegacy,
        &tmp.path().join("a.tar"),
    )
    .unwrap();
    imagegen::write_tar_file(
        &hostile_spec(true),
        Form::DockerLegacy,
        &tmp.path().join("b.tar"),
    )
    .unwrap();
    let o = plummet(
        &["diff", "-q", "a.tar", "b.tar", "--html", "d.html"],
        tmp.path(),
    );
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let html = std::fs::read_to_string(tmp.path().join("d.html")).unwrap();
    assert_inert("diff --html", &html);
    assert!(html.contains("id=\"dir-bars\""), "{html}");
    assert!(html.contains("B is 9 kB larger"), "{html}");
    // The bar of the directory that grew, and the file B added.
    assert!(
        html.contains("<text x=\"0\" y=\"18\" class=\"label\">+9 kB</text>"),
        "{html}"
    );
    assert!(html.contains("class=\"grew\"/>"), "{html}");
    assert!(html.contains("/more</code>"), "{html}");
    assert!(html.contains("id=\"treemap-section\""));

    let Some(chromium) = chromium() else { return };
    let page = tmp.path().join("d.html");
    screenshot(
        &chromium,
        &file_url(&page),
        "1280,800",
        &output_dir("diff").join("diff-1280x800.png"),
    );
    let dom = dom(&chromium, &file_url(&page));
    assert!(dom.contains("data-treemap=\"ready\""), "{dom}");
    assert!(!dom.contains("<img"), "{dom}");
}

#[test]
fn html_on_stdout_follows_the_one_stdout_rule() {
    let tmp = example_dir();
    let o = plummet(
        &["ci", "example.tar", "--json", "-", "--html", "-"],
        tmp.path(),
    );
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("--json - and --html - both write to standard output"),
        "{err}"
    );
    let o = plummet(&["ci", "-q", "example.tar", "--html", "-"], tmp.path());
    assert_eq!(o.status.code(), Some(1));
    let out = String::from_utf8(o.stdout).unwrap();
    assert!(
        out.starts_with("<!DOCTYPE html>") && out.ends_with("</html>\n"),
        "{out}"
    );
    let o = plummet(
        &["ci", "-q", "example.tar", "--html", "no/such/dir/r.html"],
        tmp.path(),
    );
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("cannot write the --html report: directory no/such/dir does not exist"),
        "{err}"
    );
}
