//! A progress bar on stderr while an image is read: only on a terminal, never with `--quiet`.

use std::io::IsTerminal;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::Duration;

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::image::Progress;

/// Draws [`Progress`] until dropped.
pub struct Bar {
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Bar {
    /// Starts drawing, unless `quiet` or stderr is not a terminal.
    pub fn start(progress: Arc<Progress>, quiet: bool) -> Bar {
        let stop = Arc::new(AtomicBool::new(false));
        if quiet || !std::io::stderr().is_terminal() {
            return Bar { stop, thread: None };
        }
        let flag = Arc::clone(&stop);
        let thread = std::thread::spawn(move || {
            let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr_with_hz(8));
            let template =
                "{spinner} {msg:30} [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec} {eta}";
            if let Ok(style) = ProgressStyle::with_template(template) {
                bar.set_style(style.progress_chars("=> "));
            }
            while !flag.load(Ordering::Relaxed) {
                let view = progress.view();
                bar.set_length(view.total());
                bar.set_position(view.read());
                let stage = if view.layers.is_empty() {
                    view.stage.clone()
                } else {
                    format!(
                        "{} ({}/{} layers)",
                        view.stage,
                        view.finished(),
                        view.layers.len()
                    )
                };
                bar.set_message(stage);
                bar.tick();
                std::thread::sleep(Duration::from_millis(100));
            }
            bar.finish_and_clear();
        });
        Bar {
            stop,
            thread: Some(thread),
        }
    }
}

impl Bar {
    /// Draws one line per [`Progress`] (e.g. the two images of `plummet diff`) until dropped.
    pub fn start_many(progresses: Vec<Arc<Progress>>, quiet: bool) -> Bar {
        let stop = Arc::new(AtomicBool::new(false));
        if quiet || !std::io::stderr().is_terminal() {
            return Bar { stop, thread: None };
        }
        let flag = Arc::clone(&stop);
        let thread = std::thread::spawn(move || {
            let multi = MultiProgress::with_draw_target(ProgressDrawTarget::stderr_with_hz(8));
            let template =
                "{spinner} {msg:30} [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec} {eta}";
            let bars: Vec<ProgressBar> = progresses
                .iter()
                .map(|_| {
                    let bar = multi.add(ProgressBar::new(0));
                    if let Ok(style) = ProgressStyle::with_template(template) {
                        bar.set_style(style.progress_chars("=> "));
                    }
                    bar
                })
                .collect();
            while !flag.load(Ordering::Relaxed) {
                for (bar, progress) in bars.iter().zip(&progresses) {
                    let view = progress.view();
                    bar.set_length(view.total());
                    bar.set_position(view.read());
                    bar.set_message(if view.layers.is_empty() {
                        view.stage.clone()
                    } else {
                        format!(
                            "{} ({}/{} layers)",
                            view.stage,
                            view.finished(),
                            view.layers.len()
                        )
                    });
                    bar.tick();
                }
                std::thread::sleep(Duration::from_millis(100));
            }
            for bar in &bars {
                bar.finish_and_clear();
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
            // A panic in the drawing thread only loses the bar.
            let _ = t.join();
        }
    }
}
