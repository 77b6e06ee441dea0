//! `[ignore]`: which paths a glob takes, and what leaves the findings and the figures.

use super::*;
use crate::analysis::{FindingKind, analyze};
use crate::testutil::{TarBuilder, app_user, image_of};

fn ignore(patterns: &[&str], figures: bool) -> Ignore {
    let patterns: Vec<String> = patterns.iter().map(|p| p.to_string()).collect();
    Ignore::new(&patterns, figures).unwrap()
}

fn matched(i: &Ignore, path: &str) -> bool {
    i.matches(path.as_bytes())
}

#[test]
fn globs_are_anchored_and_star_stays_in_one_directory() {
    let i = ignore(
        &["/usr/share/*.txt", "/opt/**/cache", "/etc/[ab]?.conf"],
        false,
    );
    assert!(matched(&i, "/usr/share/a.txt"));
    assert!(!matched(&i, "/usr/share/doc/a.txt"));
    assert!(!matched(&i, "/x/usr/share/a.txt"));
    assert!(matched(&i, "/opt/cache"));
    assert!(!matched(&i, "/usr/share"));
    assert!(matched(&i, "/opt/a/b/cache"));
    assert!(matched(&i, "/etc/a1.conf"));
    assert!(!matched(&i, "/etc/c1.conf"));
}

#[test]
fn a_double_star_takes_the_directory_itself() {
    let i = ignore(&["/srv/node_modules/**", "/**"], false);
    assert!(matched(&i, "/srv/node_modules"));
    assert!(matched(&i, "/srv/node_modules/a/b"));
    assert!(!matched(&ignore(&["/srv/node_modules/**"], false), "/srv"));
}

#[test]
fn a_glob_that_is_not_absolute_or_not_valid_is_refused_by_index() {
    let patterns = vec!["/ok/**".to_string(), "usr/share".to_string()];
    let (index, message) = Ignore::new(&patterns, false).unwrap_err();
    assert_eq!(index, 1);
    assert!(message.contains("must start with /"), "{message}");
    let (index, message) = Ignore::new(&["/a/[b".to_string()], false).unwrap_err();
    assert_eq!(index, 0);
    assert!(message.contains("unclosed"), "{message}");
}

#[test]
fn a_matching_directory_takes_everything_below_it() {
    let image = image_of(
        vec![
            TarBuilder::new()
                .file("usr/share/doc/x/README", 5)
                .file("usr/bin/y", 1),
        ],
        app_user(),
    );
    let mask = ignore(&["/usr/share"], false).mask(&image.tree);
    let find = |p: &str| image.tree.paths.find(p.as_bytes()).unwrap() as usize;
    assert!(mask[find("usr/share/doc/x/README")]);
    assert!(!mask[find("usr/bin/y")]);
    assert!(!mask[find("usr")]);
    let i = ignore(&["/usr/share"], false);
    for (node, flag) in mask.iter().enumerate() {
        assert_eq!(i.covers(&image.tree, node as u32), *flag, "node {node}");
    }
}

/// Two layers: a package cache left behind (a finding) and a file written twice (waste).
fn noisy() -> crate::image::Image {
    image_of(
        vec![
            TarBuilder::new()
                .file("var/cache/apt/archives/big.deb", 1000)
                .file("usr/share/data/blob", 400)
                .file("app/main", 10),
            TarBuilder::new()
                .file("usr/share/data/blob", 500)
                .file("app/main", 20),
        ],
        app_user(),
    )
}

#[test]
fn ignored_findings_leave_the_findings_but_not_the_figures() {
    let image = noisy();
    let mut a = analyze(&image);
    let before = a.clone();
    assert!(a.findings_of(FindingKind::PackageCache).count() > 0);
    apply(&mut a, &image.tree, &ignore(&["/var/cache/**"], false));
    assert_eq!(a.findings_of(FindingKind::PackageCache).count(), 0);
    assert_eq!(
        a.ignored.findings,
        before.findings.len() as u64 - a.findings.len() as u64
    );
    assert_eq!(a.ignored.finding_bytes, 1000);
    // What was taken out is kept, in report order, for SARIF's suppressed results.
    let dropped: Vec<_> = before
        .findings
        .iter()
        .filter(|f| !a.findings.contains(f))
        .cloned()
        .collect();
    assert!(!dropped.is_empty());
    assert_eq!(a.ignored.dropped, dropped);
    assert_eq!(a.wasted_bytes, before.wasted_bytes);
    assert_eq!(a.efficiency, before.efficiency);
    assert_eq!((a.ignored.wasted_paths, a.ignored.wasted_bytes), (0, 0));
}

#[test]
fn with_figures_the_ignored_paths_are_not_waste_and_efficiency_is_measured_without_them() {
    let image = noisy();
    let mut a = analyze(&image);
    let before = a.clone();
    assert_eq!(a.wasted_bytes, 400 + 500 + 10 + 20);
    apply(&mut a, &image.tree, &ignore(&["/usr/share/**"], true));
    // Only /app/main is left: touched by 10 then 20 bytes.
    assert_eq!(a.wasted_bytes, 30);
    assert_eq!(a.wasted.len(), 1);
    assert_eq!((a.ignored.wasted_paths, a.ignored.wasted_bytes), (1, 900));
    assert_eq!(a.ignored.reclaimable_bytes, 400);
    // big.deb is still there at the end: only the first /app/main is reclaimable.
    assert_eq!(a.reclaimable_bytes, 10);
    // The ignored blob's 900 bytes count as needed: only app/main's first 10 bytes are not.
    assert_eq!(
        a.efficiency,
        (1000.0 + 900.0 + 10.0) / (1000.0 + 900.0 + 30.0)
    );
    assert!(a.efficiency > before.efficiency);
    assert_eq!(a.user_wasted_ratio, 30.0 / 520.0);
    assert_eq!(a.layers[0].changes.wasted_bytes, 10);
    assert_eq!(a.layers[1].changes.wasted_bytes, 20);
    // What the image holds is unchanged.
    assert_eq!(a.size_bytes, 1000 + 400 + 10 + 500 + 20);
}

#[test]
fn no_patterns_change_nothing() {
    let image = noisy();
    let mut a = analyze(&image);
    let before = a.clone();
    apply(&mut a, &image.tree, &Ignore::default());
    assert_eq!(a.findings, before.findings);
    assert_eq!(a.wasted_bytes, before.wasted_bytes);
    assert!(!a.ignored.is_active());
}
