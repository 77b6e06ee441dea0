//! Fuzzes the Dockerfile parser, the layer map and the lints: any text parses or gives a one-line
//! error with a line inside the text; a parsed file's instructions start in order within it; the
//! map and the lints never panic on what parses.
#![no_main]

use libfuzzer_sys::fuzz_target;
use plummet::analysis::HistoryRow;
use plummet::dockerfile;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let lines = text.split('\n').count();
    match dockerfile::parse("Dockerfile", text) {
        Ok(df) => {
            let mut last = 0;
            for ins in &df.instructions {
                assert!(ins.line > last && ins.line <= ins.end_line && ins.end_line <= lines);
                last = ins.end_line;
            }
            // The instructions as history rows, one layer each: the map must not panic.
            let history: Vec<HistoryRow> = df
                .instructions
                .iter()
                .enumerate()
                .map(|(i, ins)| HistoryRow {
                    command: format!("{} {}", ins.keyword, ins.args.text()),
                    layer: Some(i),
                    created: None,
                })
                .collect();
            let _ = dockerfile::map_layers(&df, &history, history.len());
            let _ = dockerfile::lint::check(&df);
        }
        Err(e) => {
            assert!(e.line >= 1 && e.line <= lines, "{e}");
            assert!(!e.to_string().contains('\n'), "{e}");
        }
    }
});
