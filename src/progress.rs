//! Progress on stderr while images are read: a total line per image and a line per layer in
//! flight (bytes, rate), only on a terminal, never with `--quiet`.

use std::collections::BTreeMap;
use std::io::IsTerminal;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::Duration;

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::image::Progress;
use crate::image::index::ProgressView;

const TOTAL: &str = "{spinner} {msg:32} [{bar:30}] {decimal_bytes}/{decimal_total_bytes} {decimal_bytes_per_sec} {eta}";
const LAYER: &str =
    "    {msg:28} [{bar:30}] {decimal_bytes}/{decimal_total_bytes} {decimal_bytes_per_sec}";

/// Draws progress until dropped.
pub struct Bar {
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

/// The lines of one image: its total and its layers being read.
struct Lines {
    total: ProgressBar,
    layers: BTreeMap<usize, ProgressBar>,
}

fn styled(bar: ProgressBar, template: &str) -> ProgressBar {
    if let Ok(style) = ProgressStyle::with_template(template) {
        bar.set_style(style.progress_chars("=> "));
    }
    bar
}

impl Lines {
    fn update(&mut self, multi: &MultiProgress, view: &ProgressView) {
        self.total.set_length(view.total());
        self.total.set_position(view.read());
        self.total.set_message(if view.layers.is_empty() {
            view.stage.clone()
        } else {
            format!(
                "{} ({}/{} layers)",
                view.stage,
                view.finished(),
                view.layers.len()
            )
        });
        for (i, &(read, total, done)) in view.layers.iter().enumerate() {
            let in_flight = read > 0 && !done;
            match (in_flight, self.layers.contains_key(&i)) {
                (true, false) => {
                    let bar =
                        multi.insert_after(&self.total, styled(ProgressBar::new(total), LAYER));
                    bar.set_message(format!("layer {i}"));
                    self.layers.insert(i, bar);
                }
                (false, true) => {
                    if let Some(bar) = self.layers.remove(&i) {
                        bar.finish_and_clear();
                        multi.remove(&bar);
                    }
                }
                _ => {}
            }
            if let Some(bar) = self.layers.get(&i) {
                bar.set_length(total.max(read));
                bar.set_position(read);
            }
        }
    }
}

impl Bar {
    /// Draws one image's progress.
    pub fn start(progress: Arc<Progress>, quiet: bool) -> Bar {
        Bar::start_many(vec![progress], quiet)
    }

    /// Draws several images' progress at once (the two images of `plummet diff`).
    pub fn start_many(progresses: Vec<Arc<Progress>>, quiet: bool) -> Bar {
        let stop = Arc::new(AtomicBool::new(false));
        if quiet || !std::io::stderr().is_terminal() {
            return Bar { stop, thread: None };
        }
        let flag = Arc::clone(&stop);
        let thread = std::thread::spawn(move || {
            let multi = MultiProgress::with_draw_target(ProgressDrawTarget::stderr_with_hz(8));
            let mut lines: Vec<Lines> = progresses
                .iter()
                .map(|_| Lines {
                    total: multi.add(styled(ProgressBar::new(0), TOTAL)),
                    layers: BTreeMap::new(),
                })
                .collect();
            while !flag.load(Ordering::Relaxed) {
                for (l, progress) in lines.iter_mut().zip(&progresses) {
                    l.update(&multi, &progress.view());
                    l.total.tick();
                }
                std::thread::sleep(Duration::from_millis(100));
            }
            for l in &lines {
                for bar in l.layers.values() {
                    bar.finish_and_clear();
                }
                l.total.finish_and_clear();
            }
            let _ = multi.clear();
        });
        Bar {
            stop,
            thread: Some(thread),
        }
    }
}

impl Drop for Bar {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            // A panic in the drawing thread only loses the progress display.
            let _ = t.join();
        }
    }
}
