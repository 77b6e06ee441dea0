//! Timing of `plummet diff` on two archives sharing a large base layer, against `plummet ci` of
//! one of them: with the shared layer cache the diff should cost little more than one image.
//! Ignored by default: `cargo test --release --test diff_bench -- --ignored --nocapture`.
#![expect(clippy::unwrap_used, reason = "tests fail on bad input")]

use std::process::Command;
use std::time::Instant;

use imagegen::spec::{Compression, ImageSpec, LayerSpec, Op};
use imagegen::{Form, write_tar_file};

fn bin() -> std::ffi::OsString {
    std::env::var_os("PLUMMET_BIN").unwrap_or_else(|| env!("CARGO_BIN_EXE_plummet").into())
}

fn timed(args: &[&str]) -> f64 {
    let start = Instant::now();
    let out = Command::new(bin()).args(args).output().unwrap();
    assert!(
        out.status.code().is_some_and(|c| c < 2),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    start.elapsed().as_secs_f64()
}

#[test]
#[ignore = "timing; run by hand"]
fn diff_reads_a_shared_base_once() {
    let dir = tempfile::tempdir().unwrap();
    let base = LayerSpec::new(
        (0..4000)
            .map(|i| Op::random(format!("/usr/lib/f{i}"), 32 * 1024))
            .collect(),
    )
    .compression(Compression::Gzip);
    let top = |n: u64| LayerSpec::new(vec![Op::random("/app/bin", n)]);
    let a = ImageSpec::new("a", vec![base.clone(), top(1 << 20)]);
    let b = ImageSpec::new("b", vec![base, top(2 << 20)]);
    let (pa, pb) = (dir.path().join("a.tar"), dir.path().join("b.tar"));
    write_tar_file(&a, Form::Oci, &pa).unwrap();
    write_tar_file(&b, Form::Oci, &pb).unwrap();
    let (pa, pb) = (pa.to_str().unwrap(), pb.to_str().unwrap());
    let ci = timed(&["ci", pa, "-q", "--json", "/dev/null"]);
    let ci_b = timed(&["ci", pb, "-q", "--json", "/dev/null"]);
    let diff = timed(&["diff", pa, pb, "-q", "--json", "/dev/null"]);
    eprintln!("base 4000 files, 131 MB gzip: ci A {ci:.2}s, ci B {ci_b:.2}s, diff A B {diff:.2}s");
}
