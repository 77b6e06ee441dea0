//! Fuzzes the image config parser: any bytes must give a config or an error, never a panic, and
//! what parses must survive the helpers the analysis calls on it.
#![no_main]

use libfuzzer_sys::fuzz_target;
use plummet::image::ImageConfig;

fuzz_target!(|data: &[u8]| {
    if let Ok(config) = ImageConfig::parse(data) {
        let _ = config.runs_as_root();
        for layers in [0, 1, config.history.len(), config.history.len() + 3] {
            assert_eq!(config.layer_commands(layers).len(), layers);
        }
    }
});
