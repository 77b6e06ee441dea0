//! `[ignore]`, `[rules.max_path_bytes]` and `--baseline` as settings: what they accept and how
//! they name what is wrong.

use std::path::Path;

use super::*;

fn file(text: &str) -> ConfigFile {
    ConfigFile::parse(text, Path::new("team.toml")).unwrap()
}

#[test]
fn an_invalid_glob_names_the_file_and_the_key() {
    let e = ignore(&file("[ignore]\npaths = [\"/ok/**\", \"/usr/[share\"]\n")).unwrap_err();
    let text = e.to_string();
    assert!(
        text.starts_with("team.toml: ignore.paths[1]: invalid glob: "),
        "{text}"
    );
    let e = ignore(&file("[ignore]\npaths = [\"usr/share/**\"]\n")).unwrap_err();
    assert!(e.to_string().contains("must start with /"), "{e}");
    let e = ConfigFile::parse("[ignore]\npath = []\n", Path::new("team.toml")).unwrap_err();
    assert!(e.to_string().contains("unknown field `path`"), "{e}");
}

#[test]
fn ignore_reads_globs_and_figures() {
    let i = ignore(&file(
        "[ignore]\npaths = [\"/usr/share/**\"]\nfigures = true\n",
    ))
    .unwrap();
    assert!(i.figures);
    assert!(!i.is_empty());
    assert!(ignore(&ConfigFile::default()).unwrap().is_empty());
}

#[test]
fn path_budgets_are_normalised_sizes_and_bad_ones_name_the_key() {
    let b = budgets(&file(
        "[rules.max_path_bytes]\n\"/app/node_modules/\" = \"150MB\"\n\"//opt\" = 10\n\"/tmp\" = \"disabled\"\n",
    ))
    .unwrap();
    assert_eq!(b.get("/app/node_modules"), Some(&150_000_000));
    assert_eq!(b.get("/opt"), Some(&10));
    assert!(!b.contains_key("/tmp"));
    let e = budgets(&file("[rules.max_path_bytes]\n\"app\" = \"1MB\"\n")).unwrap_err();
    assert_eq!(
        e.to_string(),
        "team.toml: rules.max_path_bytes.\"app\": not an absolute path (start it with /)"
    );
    let e = budgets(&file("[rules.max_path_bytes]\n\"/a/../b\" = \"1MB\"\n")).unwrap_err();
    assert!(e.to_string().contains("\"..\" is not allowed"), "{e}");
    let e = budgets(&file("[rules.max_path_bytes]\n\"/app\" = \"lots\"\n")).unwrap_err();
    let text = e.to_string();
    assert!(
        text.starts_with("team.toml: rules.max_path_bytes.\"/app\": "),
        "{text}"
    );
}

#[test]
fn a_baseline_that_is_not_a_report_names_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("base.json");
    std::fs::write(&path, "{\"SchemaVersion\": 2, \"Results\": []}").unwrap();
    let e = baseline(Some(&path), None).unwrap_err().to_string();
    assert!(
        e.starts_with(&format!("{}: baseline is not a plummet", path.display())),
        "{e}"
    );
    let missing = dir.path().join("missing.json");
    let e = baseline(Some(&missing), None).unwrap_err().to_string();
    assert!(e.contains("missing.json: cannot read baseline"), "{e}");
    assert!(baseline(None, None).unwrap().is_none());
    let e = baseline(Some(&path), Some("lots")).unwrap_err().to_string();
    assert!(e.starts_with("--baseline-tolerance"), "{e}");
}
