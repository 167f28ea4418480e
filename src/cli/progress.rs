//! A progress line on stderr while several environments render: nothing for the first
//! second (most renders are done by then), then `rendering 3 environments… 2/3 done`,
//! redrawn in place with `\r`, and wiped when the work ends. Only on a terminal and
//! without `--quiet`: a log or a pipe never gets a progress line.
//!
//! The drawing decisions ([`Ticker`]) take the elapsed time as an argument, so tests drive
//! them with any clock; [`run`] feeds them from a timer thread.

use std::io::Write;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// How long a run goes before the line appears.
pub const DELAY: Duration = Duration::from_secs(1);
/// How often the timer looks at the counter.
const INTERVAL: Duration = Duration::from_millis(100);

/// What to draw, given the time elapsed and the environments done.
#[derive(Debug)]
pub struct Ticker {
    total: usize,
    delay: Duration,
    /// The count last drawn and the width of that line.
    shown: Option<(usize, usize)>,
}

impl Ticker {
    pub fn new(total: usize, delay: Duration) -> Self {
        Ticker {
            total,
            delay,
            shown: None,
        }
    }

    /// The text to write now: nothing before the delay, nothing when the count has not
    /// changed since the last line, else the line, starting with `\r` to redraw it.
    pub fn tick(&mut self, elapsed: Duration, done: usize) -> Option<String> {
        if elapsed < self.delay || self.shown.is_some_and(|(d, _)| d == done) {
            return None;
        }
        let line = format!("rendering {} environments… {done}/{} done", self.total, self.total);
        let width = line.chars().count();
        self.shown = Some((done, width));
        Some(format!("\r{line}"))
    }

    /// The text that wipes the line when the work ends (nothing when none was drawn), so
    /// the warnings and the summary start on a clean line.
    pub fn finish(&self) -> Option<String> {
        self.shown.map(|(_, width)| format!("\r{}\r", " ".repeat(width)))
    }
}

/// Runs `work` with a counter it bumps as each environment is done. When `enabled`, a
/// timer thread draws the line on `out` (see [`Ticker`]); when not, no thread starts.
pub fn run<T, W>(enabled: bool, total: usize, delay: Duration, out: W, work: impl FnOnce(&AtomicUsize) -> T) -> T
where
    W: Write + Send,
{
    let done = AtomicUsize::new(0);
    if !enabled {
        return work(&done);
    }
    let (stop, stopped) = mpsc::channel::<()>();
    std::thread::scope(|s| {
        let counter = &done;
        let timer = s.spawn(move || {
            let mut out = out;
            let start = Instant::now();
            let mut ticker = Ticker::new(total, delay);
            // Disconnection (the work is over) or a message both end the loop.
            while let Err(mpsc::RecvTimeoutError::Timeout) = stopped.recv_timeout(INTERVAL) {
                if let Some(text) = ticker.tick(start.elapsed(), counter.load(Ordering::Relaxed)) {
                    let _ = out.write_all(text.as_bytes());
                    let _ = out.flush();
                }
            }
            if let Some(text) = ticker.finish() {
                let _ = out.write_all(text.as_bytes());
                let _ = out.flush();
            }
        });
        let result = work(counter);
        drop(stop);
        let _ = timer.join();
        result
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Arc, Mutex};

    const S: Duration = Duration::from_secs(1);

    #[test]
    fn nothing_before_the_delay_then_one_line_per_change() {
        let mut t = Ticker::new(3, S);
        assert_eq!(t.tick(Duration::from_millis(900), 1), None);
        assert_eq!(t.finish(), None, "nothing drawn, nothing to wipe");
        assert_eq!(
            t.tick(Duration::from_millis(1000), 1).as_deref(),
            Some("\rrendering 3 environments… 1/3 done")
        );
        assert_eq!(t.tick(Duration::from_millis(1100), 1), None, "unchanged");
        assert_eq!(
            t.tick(Duration::from_millis(1200), 2).as_deref(),
            Some("\rrendering 3 environments… 2/3 done")
        );
        let wipe = t.finish().unwrap();
        assert_eq!(wipe, format!("\r{}\r", " ".repeat(34)));
    }

    /// A writer the test can read while the timer thread holds it.
    #[derive(Clone, Default)]
    struct Shared(Arc<Mutex<Vec<u8>>>);

    impl Write for Shared {
        fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
            self.0
                .lock()
                .map_err(|_| std::io::Error::other("poisoned"))?
                .extend_from_slice(b);
            Ok(b.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    impl Shared {
        fn text(&self) -> String {
            String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
        }
    }

    #[test]
    fn a_forced_terminal_gets_the_line_and_its_wipe() {
        let out = Shared::default();
        let seen = out.clone();
        let value = run(true, 2, Duration::ZERO, out.clone(), |done| {
            done.fetch_add(1, Ordering::Relaxed);
            // Wait (bounded) for the timer to draw the line.
            let deadline = Instant::now() + Duration::from_secs(10);
            while !seen.text().contains("1/2 done") && Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(5));
            }
            done.fetch_add(1, Ordering::Relaxed);
            7
        });
        assert_eq!(value, 7);
        let text = out.text();
        assert!(text.starts_with("\rrendering 2 environments… 1/2 done"), "{text:?}");
        assert!(text.ends_with(&format!("\r{}\r", " ".repeat(34))), "{text:?}");
    }

    #[test]
    fn disabled_draws_nothing() {
        let out = Shared::default();
        let value = run(false, 3, Duration::ZERO, out.clone(), |done| {
            done.fetch_add(3, Ordering::Relaxed);
            std::thread::sleep(Duration::from_millis(250));
            1
        });
        assert_eq!(value, 1);
        assert_eq!(out.text(), "");
    }
}
