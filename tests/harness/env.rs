//! The test harness's environment, shared by every live test file (included with `#[path]`).
//! Without the harness a live test skips loudly; under CI=true, where `.ci/run` starts the
//! harness, a missing variable fails the test instead.

/// The harness variable `name`, when it is set and not empty.
pub fn var(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

/// Whether every one of `names` is set; if not, prints a SKIPPED line for `test` naming the
/// first missing one and returns false (panics when CI=true).
pub fn present(test: &str, names: &[&str]) -> bool {
    let Some(missing) = names.iter().find(|n| var(n).is_none()) else {
        return true;
    };
    assert!(
        var("CI").as_deref() != Some("true"),
        "{missing} is not set but CI=true: the harness must run in CI"
    );
    eprintln!(
        "SKIPPED: {test}: {missing} not set (start the harness, see tests/harness/README.md)"
    );
    false
}
