//! The `--estimate-zstd` figures of `plummet diff`: per zstd level, the pull size of A and of
//! B and the time B takes to decompress.

use std::fmt::Write as _;

use super::text::signed_size;
use crate::analysis::Analysis;
use crate::image::Image;
use crate::report::format::size;
use crate::report::zstd;

// Writing to a String cannot fail; the results of `writeln!` are ignored for that reason.

/// `plummet diff`'s text section; empty without estimates.
pub fn text(a: (&Image, &Analysis), b: (&Image, &Analysis), out: &mut String) {
    let Some(pairs) = zstd::pairs(a, b) else {
        return;
    };
    let _ = writeln!(out, "\nzstd estimate (each layer recompressed here)");
    for (x, y) in pairs {
        let _ = writeln!(
            out,
            "  zstd -{:<2}  pull {} -> {} ({}), decompress B {}",
            x.level,
            size(x.pull_bytes),
            size(y.pull_bytes),
            signed_size(super::delta(x.pull_bytes, y.pull_bytes)),
            zstd::millis(y.decompress)
        );
    }
}

/// `plummet diff`'s Markdown section; empty without estimates.
pub fn markdown(a: (&Image, &Analysis), b: (&Image, &Analysis), out: &mut String) {
    let Some(pairs) = zstd::pairs(a, b) else {
        return;
    };
    let _ = writeln!(
        out,
        "\n### zstd estimate\n\n| | pull A | pull B | change | decompress B |\n|---|---:|---:|---:|---:|"
    );
    for (x, y) in pairs {
        let _ = writeln!(
            out,
            "| zstd -{} | {} | {} | {} | {} |",
            x.level,
            size(x.pull_bytes),
            size(y.pull_bytes),
            signed_size(super::delta(x.pull_bytes, y.pull_bytes)),
            zstd::millis(y.decompress)
        );
    }
}
