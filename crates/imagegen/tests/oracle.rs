//! Oracle tests on hand-worked tiny images: each figure below was computed on paper.
#![expect(
    clippy::unwrap_used,
    reason = "test helpers fail the test on bad input"
)]

use imagegen::findings::FindingKind;
use imagegen::{Content, Expected, ImageSpec, LayerSpec, Op, expected, scenarios};

fn image(layers: Vec<Vec<Op>>) -> ImageSpec {
    ImageSpec::new("t", layers.into_iter().map(LayerSpec::new).collect())
}

fn scenario(name: &str) -> ImageSpec {
    scenarios::scenarios()
        .into_iter()
        .find(|(n, _)| *n == name)
        .unwrap()
        .1
}

fn has(
    e: &Expected,
    kind: FindingKind,
    path: &str,
    layer: usize,
    visible: bool,
    bytes: u64,
) -> bool {
    e.findings.iter().any(|f| {
        f.kind == kind
            && f.path == path
            && f.layer == Some(layer)
            && f.visible == visible
            && f.bytes == bytes
    })
}

#[test]
fn overwrite_wastes_both_touches() {
    let e = expected(&image(vec![
        vec![Op::random("/f", 100)],
        vec![Op::random("/f", 30)],
    ]));
    assert_eq!(e.wasted_bytes, 130);
    assert!((e.efficiency - 30.0 / 130.0).abs() < 1e-12);
    assert_eq!(e.reclaimable_bytes, 100);
    assert_eq!(
        (e.layers[1].added, e.layers[1].modified, e.layers[1].removed),
        (0, 1, 0)
    );
    assert_eq!(e.size_bytes, 130);
    assert_eq!(e.user_size_bytes, 30);
    assert!((e.user_wasted_ratio - 130.0 / 30.0).abs() < 1e-12);
}

#[test]
fn deleted_directory_wastes_every_file_below() {
    let e = expected(&image(vec![
        vec![Op::random("/d/a", 10), Op::random("/d/sub/b", 20)],
        vec![Op::whiteout("/d")],
    ]));
    assert_eq!(e.wasted_bytes, 30);
    assert_eq!(e.efficiency, 0.0);
    assert_eq!(e.reclaimable_bytes, 30);
    assert_eq!(e.layers[1].removed, 2);
    assert_eq!(e.layers[1].file_count, 0);
    assert!(e.files.is_empty());
}

#[test]
fn opaque_dir_deletes_lower_content_before_own_entries() {
    let e = expected(&image(vec![
        vec![Op::random("/c/x", 100)],
        vec![Op::opaque("/c"), Op::random("/c/y", 50)],
    ]));
    assert_eq!(e.wasted_bytes, 100);
    assert!((e.efficiency - 50.0 / 150.0).abs() < 1e-12);
    assert_eq!(e.reclaimable_bytes, 100);
    assert_eq!(
        (e.layers[1].added, e.layers[1].modified, e.layers[1].removed),
        (1, 0, 1)
    );
    let paths: Vec<_> = e
        .files
        .iter()
        .map(|f| String::from_utf8_lossy(&f.path.0).into_owned())
        .collect();
    assert_eq!(paths, ["/c", "/c/y"]);
}

#[test]
fn duplicate_entry_in_one_layer_touches_once() {
    // As dive: one touch per path and layer, by the last entry; the first copy still ships.
    let e = expected(&image(vec![vec![
        Op::random("/x", 100),
        Op::file("/x", 40, Content::Zeros),
    ]]));
    assert_eq!(e.wasted_bytes, 0);
    assert!((e.efficiency - 1.0).abs() < 1e-12);
    assert_eq!(e.reclaimable_bytes, 100);
    assert_eq!((e.layers[0].added, e.layers[0].file_count), (1, 2));
}

#[test]
fn whiteout_of_missing_path_touches_nothing() {
    let e = expected(&image(vec![
        vec![Op::random("/a", 10)],
        vec![Op::whiteout("/b")],
    ]));
    assert_eq!(e.wasted_bytes, 0);
    assert_eq!(e.efficiency, 1.0);
    assert_eq!(e.layers[1].removed, 0);
    assert_eq!(e.layers[1].file_count, 0);
}

#[test]
fn file_whiteout_is_a_zero_touch() {
    let e = expected(&image(vec![
        vec![Op::random("/a", 100), Op::random("/b", 50)],
        vec![Op::whiteout("/a")],
    ]));
    assert_eq!(e.wasted_bytes, 100);
    assert!((e.efficiency - 50.0 / 150.0).abs() < 1e-12);
    assert_eq!(e.reclaimable_bytes, 100);
}

#[test]
fn layer_size_counts_header_sizes_only() {
    let e = expected(&image(vec![vec![
        Op::dir("/d"),
        Op::random("/d/f", 100),
        Op::symlink("/d/l", "f"),
        Op::hardlink("/d/h", "/d/f"),
        Op::whiteout("/d/gone"),
    ]]));
    assert_eq!(e.layers[0].size_bytes, 100);
    assert_eq!(e.layers[0].file_count, 3);
    assert_eq!(e.user_size_bytes, 0);
    assert_eq!(e.user_wasted_ratio, 0.0);
}

#[test]
fn no_layers_is_fully_efficient() {
    let e = expected(&image(vec![]));
    assert_eq!(e.efficiency, 1.0);
    assert_eq!(e.size_bytes, 0);
}

#[test]
fn runs_as_root_follows_the_user() {
    for (user, root) in [
        (None, true),
        (Some(""), true),
        (Some("root"), true),
        (Some("0:0"), true),
        (Some("root:app"), true),
        (Some("app"), false),
        (Some("1000:1000"), false),
    ] {
        let mut spec = image(vec![]);
        spec.config.user = user.map(String::from);
        let e = expected(&spec);
        assert_eq!(e.runs_as_root, root, "{user:?}");
        assert_eq!(
            e.findings.iter().any(|f| f.kind == FindingKind::RunsAsRoot),
            root
        );
    }
}

#[test]
fn secret_added_then_deleted_is_invisible() {
    let e = expected(&scenario("find_secret_deleted"));
    let size = e
        .wasted
        .iter()
        .find(|w| w.path == "/root/.ssh/id_rsa")
        .unwrap()
        .touches[0];
    assert!(has(
        &e,
        FindingKind::Secret,
        "/root/.ssh/id_rsa",
        1,
        false,
        size
    ));
}

#[test]
fn rooted_findings_sum_their_files() {
    let e = expected(&scenario("find_git"));
    assert!(has(
        &e,
        FindingKind::Git,
        "/app/.git",
        1,
        true,
        21 + 3000 + 200
    ));
    let e = expected(&scenario("find_node_modules"));
    assert!(has(
        &e,
        FindingKind::NodeModules,
        "/app/node_modules",
        1,
        true,
        400 + 900 + 2000 + 50
    ));
    let e = expected(&scenario("find_pip_cache"));
    assert!(has(
        &e,
        FindingKind::PackageCache,
        "/root/.cache/pip",
        1,
        true,
        4000
    ));
    let e = expected(&scenario("find_apt_archives"));
    assert!(has(
        &e,
        FindingKind::PackageCache,
        "/var/cache/apt/archives",
        1,
        true,
        10_000
    ));
}

#[test]
fn aggregated_findings_use_the_common_ancestor() {
    let e = expected(&scenario("find_build_tools"));
    assert!(has(&e, FindingKind::BuildTools, "/usr/bin", 1, true, 4000));
    let e = expected(&scenario("find_temp_logs"));
    assert!(has(&e, FindingKind::TempAndLogs, "/tmp", 1, true, 800));
    assert!(has(&e, FindingKind::TempAndLogs, "/var/log", 2, true, 800));
    let e = expected(&scenario("find_docs"));
    assert!(has(&e, FindingKind::Docs, "/usr/share/doc", 1, true, 1800));
}

#[test]
fn mode_findings_look_at_the_final_tree() {
    let e = expected(&scenario("find_setuid"));
    assert!(has(
        &e,
        FindingKind::Setuid,
        "/usr/bin/su-like",
        1,
        true,
        800
    ));
    assert!(has(
        &e,
        FindingKind::Setuid,
        "/usr/bin/wall-like",
        1,
        true,
        300
    ));
    let e = expected(&scenario("find_world_writable"));
    assert!(has(
        &e,
        FindingKind::WorldWritable,
        "/app/shared.db",
        1,
        true,
        200
    ));
    assert!(has(
        &e,
        FindingKind::WorldWritable,
        "/app/uploads",
        1,
        true,
        0
    ));
    assert!(
        !e.findings
            .iter()
            .any(|f| f.path == "/app/scratch" || f.path == "/tmp")
    );
}

#[test]
fn only_private_pems_are_secrets() {
    let e = expected(&scenario("find_dotenv"));
    assert!(
        e.findings
            .iter()
            .any(|f| f.kind == FindingKind::Secret && f.path == "/app/.env")
    );
    assert!(
        e.findings
            .iter()
            .any(|f| f.kind == FindingKind::Secret && f.path == "/app/certs/server.key")
    );
    assert!(!e.findings.iter().any(|f| f.path == "/app/certs/public.pem"));
}

#[test]
fn content_digests_tell_same_size_files_apart() {
    let e = expected(&image(vec![vec![
        Op::file("/a", 64, Content::Random(1)),
        Op::file("/b", 64, Content::Random(2)),
        Op::file("/c", 64, Content::Random(1)),
        Op::file("/zeros", 8, Content::Zeros),
        Op::file("/bytes", 8, Content::Bytes(vec![0; 3])),
        Op::dir("/d"),
    ]]));
    let content = |p: &str| e.files.iter().find(|f| f.path == p).unwrap().content;
    assert!(content("/a").is_some());
    assert_ne!(content("/a"), content("/b"));
    assert_eq!(content("/a"), content("/c"));
    // Different specs, same bytes (zero padding): the digest is of the bytes.
    assert_eq!(content("/zeros"), content("/bytes"));
    assert_eq!(content("/d"), None);
}

#[test]
fn a_hardlink_has_the_content_of_its_target_in_the_same_layer() {
    let e = expected(&image(vec![
        vec![Op::random("/lower", 10)],
        vec![
            Op::file("/t", 10, Content::Random(7)),
            Op::hardlink("/h", "/t"),
            Op::hardlink("/h2", "/lower"),
        ],
    ]));
    let content = |p: &str| e.files.iter().find(|f| f.path == p).unwrap().content;
    assert_eq!(content("/h"), content("/t"));
    assert!(content("/h").is_some());
    // A target in another layer is not part of this layer's tar: unknown.
    assert_eq!(content("/h2"), None);
}
