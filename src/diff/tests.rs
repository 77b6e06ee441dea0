//! Tests of the comparison on pairs of in-memory images with known differences; expected
//! results are worked out here from the test's own description of each filesystem.

use std::collections::BTreeMap;

use super::rules::{DiffRules, Growth, evaluate};
use super::*;
use crate::analysis::{FindingKind, analyze};
use crate::image::{History, Image, ImageConfig};
use crate::report::rules::RuleStatus;
use crate::settings::{parse_growth, parse_kinds};
use crate::testutil::{TarBuilder, image_of};

/// An image whose layers were made by the given commands.
pub(super) fn image(layers: Vec<(&str, TarBuilder)>) -> Image {
    let config = ImageConfig {
        user: "app".into(),
        os: "linux".into(),
        architecture: "amd64".into(),
        history: layers
            .iter()
            .map(|(cmd, _)| History {
                created_by: match cmd.strip_prefix("RUN ") {
                    Some(run) => format!("/bin/sh -c {run}"),
                    None => format!("/bin/sh -c #(nop) {cmd}"),
                },
                ..Default::default()
            })
            .collect(),
        ..Default::default()
    };
    image_of(layers.into_iter().map(|(_, t)| t).collect(), config)
}

/// A small base layer: `/etc/os-release` and an executable `/bin/sh`.
pub(super) fn base() -> TarBuilder {
    TarBuilder::new()
        .dir("etc/")
        .file("etc/os-release", 200)
        .dir("bin/")
        .file_mode("bin/sh", 9000, 0o755)
}

fn run(a: &Image, b: &Image) -> Comparison {
    compare((a, &analyze(a)), (b, &analyze(b)))
}

fn statuses(c: &Comparison) -> Vec<(LayerStatus, Option<usize>, Option<usize>)> {
    c.layers.iter().map(|l| (l.status, l.a, l.b)).collect()
}

#[test]
fn identical_images_have_an_empty_comparison() {
    let make = || {
        image(vec![
            ("ADD base", base()),
            ("COPY app", TarBuilder::new().file("app", 50)),
        ])
    };
    let c = run(&make(), &make());
    assert!(c.is_empty(), "{c:#?}");
    assert_eq!(c.size_delta(), 0);
    assert!(
        c.layers
            .iter()
            .all(|l| l.status == LayerStatus::Shared && l.size_delta() == 0)
    );
    let rules = DiffRules {
        max_growth: Some(Growth::Bytes(0)),
        no_efficiency_drop: true,
        no_new_findings: parse_kinds("any").unwrap(),
    };
    assert!(crate::report::rules::passed(&evaluate(&c, &rules)));
}

#[test]
fn shared_base_then_a_changed_and_an_added_layer() {
    let a = image(vec![
        ("ADD base", base()),
        (
            "COPY app /app",
            TarBuilder::new().dir("app/").file("app/main.js", 1000),
        ),
    ]);
    let b = image(vec![
        ("ADD base", base()),
        (
            "COPY app /app",
            TarBuilder::new().dir("app/").file("app/main.js", 1500),
        ),
        ("RUN make", TarBuilder::new().file("app/out.bin", 4000)),
    ]);
    let c = run(&a, &b);
    use LayerStatus::*;
    assert_eq!(
        statuses(&c),
        [
            (Shared, Some(0), Some(0)),
            (Changed, Some(1), Some(1)),
            (Added, None, Some(2))
        ]
    );
    let deltas: Vec<i64> = c.layers.iter().map(LayerMatch::size_delta).collect();
    assert_eq!(deltas, [0, 500, 4000]);
    assert_eq!(c.size_delta(), 4500);
    assert_eq!(c.layers[0].digest_a, c.layers[0].digest_b);
    assert!(c.layers[0].digest_a.is_some());
    // A is the base (200 + 9000 bytes) and main.js (1000 bytes).
    assert_eq!(text::headline(&c), "B is 4.50 kB larger (+44.12 %)");
}

#[test]
fn a_dropped_layer_is_removed_and_later_identical_layers_stay_shared() {
    let tools = || TarBuilder::new().file("usr/bin/tool", 700);
    let a = image(vec![
        ("ADD base", base()),
        (
            "RUN apt-get install gcc",
            TarBuilder::new().file("usr/bin/gcc", 3000),
        ),
        ("RUN install tool", tools()),
    ]);
    let b = image(vec![("ADD base", base()), ("RUN install tool", tools())]);
    let c = run(&a, &b);
    use LayerStatus::*;
    assert_eq!(
        statuses(&c),
        [
            (Shared, Some(0), Some(0)),
            (Removed, Some(1), None),
            (Shared, Some(2), Some(1))
        ]
    );
    assert_eq!(c.layers[1].size_delta(), -3000);
}

#[test]
fn identical_layers_that_swapped_places_are_shared() {
    let p = || TarBuilder::new().file("p", 10);
    let q = || TarBuilder::new().file("q", 20);
    let a = image(vec![("ADD base", base()), ("COPY p", p()), ("COPY q", q())]);
    let b = image(vec![("ADD base", base()), ("COPY q", q()), ("COPY p", p())]);
    let c = run(&a, &b);
    assert!(
        c.layers.iter().all(|l| l.status == LayerStatus::Shared),
        "{:?}",
        statuses(&c)
    );
    let pairs: Vec<_> = c.layers.iter().map(|l| (l.a, l.b)).collect();
    assert_eq!(pairs.len(), 3);
    for (x, y) in pairs {
        let (x, y) = (x.unwrap(), y.unwrap());
        assert!(x == y || (x == 1 && y == 2) || (x == 2 && y == 1));
    }
}

#[test]
fn completely_different_images_share_nothing() {
    let a = image(vec![("ADD a", TarBuilder::new().file("a", 100))]);
    let b = image(vec![("ADD b", TarBuilder::new().file("b", 300))]);
    let c = run(&a, &b);
    use LayerStatus::*;
    assert_eq!(
        statuses(&c),
        [(Removed, Some(0), None), (Added, None, Some(0))]
    );
    let files: Vec<_> = c.files.iter().map(|f| (f.display(), f.change)).collect();
    assert_eq!(
        files,
        [
            ("/a".to_string(), PathChange::Removed),
            ("/b".to_string(), PathChange::Added)
        ]
    );
    assert_eq!(c.size_delta(), 200);
}

/// A path of a hand-written final filesystem.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Node {
    Dir,
    File(usize, u32),
    Link(&'static str),
}

fn fs_image(fs: &BTreeMap<&'static str, Node>) -> Image {
    let mut t = TarBuilder::new();
    for (&path, &node) in fs {
        t = match node {
            Node::Dir => t.dir(&format!("{path}/")),
            Node::File(size, mode) => t.file_mode(path, size, mode),
            Node::Link(target) => t.symlink(path, target),
        };
    }
    image(vec![("ADD fs", t)])
}

/// The expected changes, straight from the two maps.
fn naive_diff(
    a: &BTreeMap<&'static str, Node>,
    b: &BTreeMap<&'static str, Node>,
) -> BTreeMap<String, (PathChange, u64, u64)> {
    let bytes = |n: Option<&Node>| match n {
        Some(Node::File(s, _)) => *s as u64,
        _ => 0,
    };
    let mut out = BTreeMap::new();
    for path in a.keys().chain(b.keys()) {
        let (x, y) = (a.get(path), b.get(path));
        let change = match (x, y) {
            (Some(x), Some(y)) if x == y => continue,
            (Some(_), Some(_)) => PathChange::Changed,
            (None, _) => PathChange::Added,
            (_, None) => PathChange::Removed,
        };
        out.insert(format!("/{path}"), (change, bytes(x), bytes(y)));
    }
    out
}

#[test]
fn final_filesystems_are_compared_path_by_path() {
    use Node::*;
    let a: BTreeMap<_, _> = [
        ("app", Dir),
        ("app/same.js", File(100, 0o644)),
        ("app/grown.js", File(100, 0o644)),
        ("app/chmod.sh", File(50, 0o644)),
        ("app/gone", Dir),
        ("app/gone/x", File(300, 0o644)),
        ("app/gone/y", File(30, 0o644)),
        ("app/link", Link("same.js")),
        ("app/becomes_dir", File(10, 0o644)),
        ("b-side", File(1, 0o644)),
    ]
    .into();
    let b: BTreeMap<_, _> = [
        ("app", Dir),
        ("app/same.js", File(100, 0o644)),
        ("app/grown.js", File(2100, 0o644)),
        ("app/chmod.sh", File(50, 0o755)),
        ("app/new", Dir),
        ("app/new/z", File(5000, 0o644)),
        ("app/link", Link("grown.js")),
        ("app/becomes_dir", Dir),
        ("b-side", File(1, 0o644)),
    ]
    .into();
    let c = run(&fs_image(&a), &fs_image(&b));
    let got: BTreeMap<String, (PathChange, u64, u64)> = c
        .files
        .iter()
        .map(|f| (f.display(), (f.change, f.bytes_a, f.bytes_b)))
        .collect();
    assert_eq!(got, naive_diff(&a, &b));
    // Tree order with names sorted: a directory comes right before what is inside it.
    let order: Vec<_> = c.files.iter().map(FileChange::display).collect();
    let pos = |p: &str| order.iter().position(|o| o == p).unwrap();
    assert!(pos("/app/gone") < pos("/app/gone/x") && pos("/app/gone/x") < pos("/app/gone/y"));
    let aspects = |p: &str| c.files[pos(p)].aspects.names();
    assert_eq!(aspects("/app/grown.js"), ["content"]);
    assert_eq!(aspects("/app/chmod.sh"), ["mode"]);
    assert_eq!(aspects("/app/link"), ["link"]);
    assert!(aspects("/app/becomes_dir").contains(&"kind"));
    // Directory rows: sums of the changed files below, largest absolute delta first.
    let dirs: Vec<_> = c.dirs.iter().map(|d| (d.display(), d.delta())).collect();
    assert_eq!(
        dirs,
        [
            ("/app".to_string(), 2000 + 5000 - 330 - 10),
            ("/app/new".to_string(), 5000),
            ("/app/gone".to_string(), -330)
        ]
    );
    let largest: Vec<_> = c.largest_files().iter().map(|f| f.display()).collect();
    assert_eq!(largest[..3], ["/app/new/z", "/app/grown.js", "/app/gone/x"]);
}

#[test]
fn deleted_files_are_not_in_the_final_filesystem() {
    let a = image(vec![("ADD base", base())]);
    let b = image(vec![
        ("ADD base", base()),
        (
            "RUN rm /etc/os-release",
            TarBuilder::new().dir("etc/").whiteout("etc/os-release"),
        ),
    ]);
    let c = run(&a, &b);
    let files: Vec<_> = c
        .files
        .iter()
        .map(|f| (f.display(), f.change, f.bytes_a))
        .collect();
    assert_eq!(
        files,
        [("/etc/os-release".to_string(), PathChange::Removed, 200)]
    );
    assert_eq!(c.b.final_size_bytes + 200, c.a.final_size_bytes);
}

#[test]
fn findings_are_matched_by_kind_and_path() {
    let a = image(vec![(
        "COPY . /app",
        TarBuilder::new()
            .dir("app/")
            .dir("app/.git/")
            .file("app/.git/pack", 4000)
            .dir("app/node_modules/")
            .file("app/node_modules/x.js", 100),
    )]);
    let b = image(vec![(
        "COPY . /app",
        TarBuilder::new()
            .dir("app/")
            .file("app/id_rsa", 1600)
            .dir("app/node_modules/")
            .file("app/node_modules/x.js", 900),
    )]);
    let c = run(&a, &b);
    let names = |v: &[FindingChange]| -> Vec<(FindingKind, String)> {
        v.iter().map(|f| (f.kind, f.path.clone())).collect()
    };
    assert_eq!(
        names(&c.findings_added),
        [(FindingKind::Secret, "/app/id_rsa".to_string())]
    );
    assert_eq!(
        names(&c.findings_removed),
        [(FindingKind::Git, "/app/.git".to_string())]
    );
    assert_eq!(
        names(&c.findings_changed),
        [(FindingKind::NodeModules, "/app/node_modules".to_string())]
    );
    assert_eq!(
        (c.findings_changed[0].bytes_a, c.findings_changed[0].bytes_b),
        (100, 900)
    );

    let fails = |rules: &DiffRules| {
        evaluate(&c, rules)
            .into_iter()
            .filter(|r| r.status == RuleStatus::Fail)
            .map(|r| r.name)
            .collect::<Vec<_>>()
    };
    let watch = |kinds: &str| DiffRules {
        no_new_findings: parse_kinds(kinds).unwrap(),
        ..DiffRules::default()
    };
    assert_eq!(fails(&watch("secret")), ["noNewFindings"]);
    assert!(fails(&watch("git,node_modules")).is_empty());
    assert_eq!(fails(&watch("any")), ["noNewFindings"]);
}

#[test]
fn growth_and_efficiency_rules() {
    let a = image(vec![
        ("ADD base", base()),
        ("COPY a", TarBuilder::new().file("data", 1000)),
    ]);
    // B grows by 1000 bytes and wastes them: the same path written twice.
    let b = image(vec![
        ("ADD base", base()),
        ("COPY a", TarBuilder::new().file("data", 1000)),
        ("COPY a again", TarBuilder::new().file("data", 1000)),
    ]);
    let c = run(&a, &b);
    assert_eq!(c.size_delta(), 1000);
    assert!(c.b.efficiency < c.a.efficiency);
    let status = |rules: DiffRules| {
        evaluate(&c, &rules)
            .into_iter()
            .map(|r| (r.name, r.status))
            .filter(|(_, s)| *s != RuleStatus::Skip)
            .collect::<Vec<_>>()
    };
    let growth = |g| DiffRules {
        max_growth: Some(g),
        ..DiffRules::default()
    };
    assert_eq!(
        status(growth(Growth::Bytes(999))),
        [("maxGrowth".into(), RuleStatus::Fail)]
    );
    assert_eq!(
        status(growth(Growth::Bytes(1000))),
        [("maxGrowth".into(), RuleStatus::Pass)]
    );
    // 1000 of 10200 bytes is 9.8 %.
    assert_eq!(
        status(growth(parse_growth("9%").unwrap())),
        [("maxGrowth".into(), RuleStatus::Fail)]
    );
    assert_eq!(
        status(growth(parse_growth("10%").unwrap())),
        [("maxGrowth".into(), RuleStatus::Pass)]
    );
    assert_eq!(
        status(DiffRules {
            no_efficiency_drop: true,
            ..DiffRules::default()
        }),
        [("noEfficiencyDrop".into(), RuleStatus::Fail)]
    );
    assert!(status(DiffRules::default()).is_empty());
}

#[test]
fn rule_flags_are_validated() {
    assert_eq!(parse_growth("10MB").unwrap(), Growth::Bytes(10_000_000));
    assert_eq!(parse_growth("5%").unwrap(), Growth::Ratio(0.05));
    assert!(
        parse_growth("-5%")
            .unwrap_err()
            .to_string()
            .contains("--max-growth")
    );
    assert!(parse_growth("lots").is_err());
    let err = parse_kinds("git,bogus").unwrap_err().to_string();
    assert!(
        err.contains("\"bogus\"") && err.contains("node_modules"),
        "{err}"
    );
    assert_eq!(parse_kinds("git, secret").unwrap().len(), 2);
    assert!(parse_kinds(",").is_err());
}

#[test]
fn deep_trees_compare_without_recursion() {
    let deep = vec!["d"; 3000].join("/");
    let a = image(vec![(
        "ADD",
        TarBuilder::new().file(&format!("{deep}/f"), 1),
    )]);
    let b = image(vec![(
        "ADD",
        TarBuilder::new().file(&format!("{deep}/f"), 2),
    )]);
    let c = run(&a, &b);
    assert_eq!(c.files.len(), 1);
    assert_eq!(c.dirs.len(), 3000);
}
