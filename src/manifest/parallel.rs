//! Per-object work spread over threads (`berth render --threads`).
//!
//! Output must not depend on the thread count (DESIGN.md promise 2), so every helper here
//! cuts its slice into contiguous runs, one per thread, and puts the results back together
//! in slice order: the result is the sequential map's, whatever the cut. The calling
//! thread works too, so one thread means no thread is started at all.

use std::num::NonZeroUsize;
use std::sync::Mutex;

/// How many threads per-object work may use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Threads(NonZeroUsize);

impl Threads {
    /// Everything on the calling thread.
    pub const ONE: Threads = Threads(NonZeroUsize::MIN);

    /// `n` threads; `None` for zero.
    pub fn new(n: usize) -> Option<Self> {
        NonZeroUsize::new(n).map(Threads)
    }

    /// As many as the machine runs at once (one when it cannot say).
    pub fn available() -> Self {
        std::thread::available_parallelism().map_or(Threads::ONE, Threads)
    }

    pub fn get(self) -> usize {
        self.0.get()
    }

    /// Threads for reading many files: a read waits on the disk more than it computes,
    /// and on a cold page cache (a fresh clone, a CI runner, a cache the system
    /// reclaimed) a core has time for several reads at once. 2,000 files of a 4,000-object
    /// overlay, cache dropped, 2 cores: 0.35 s with 2 threads, 0.26 s with 8; the same
    /// with a warm cache. One thread stays one thread.
    pub fn for_reading(self) -> Self {
        match self.get() {
            1 => self,
            n => Threads::new((n * READS_PER_THREAD).min(MAX_READING_THREADS)).unwrap_or(self),
        }
    }

    /// How many threads to use for `items` items: a thread gets at least
    /// `MIN_ITEMS_PER_THREAD`, because starting one costs about as much as a few dozen
    /// objects' work, and small renders (the start-up target) should start none.
    fn for_items(self, items: usize) -> usize {
        self.get().min(items / MIN_ITEMS_PER_THREAD).max(1)
    }
}

/// Library callers get the sequential pipeline unless they ask; the CLI asks for
/// [`Threads::available`].
impl Default for Threads {
    fn default() -> Self {
        Threads::ONE
    }
}

const MIN_ITEMS_PER_THREAD: usize = 64;

/// Reads in flight per thread of `--threads` ([`Threads::for_reading`]), and their bound.
const READS_PER_THREAD: usize = 4;
const MAX_READING_THREADS: usize = 16;

/// Runs are smaller than a thread's share, so a thread that finishes early (its objects
/// were smaller, or the machine is busy) takes more instead of waiting for the others.
const RUNS_PER_THREAD: usize = 4;

/// The main thread's stack size: work on a helper thread is no closer to a stack overflow
/// than with one thread (deep objects recurse in patches and in emitting). Reserved, not
/// committed, so it costs nothing unless used.
const STACK_BYTES: usize = 8 << 20;

/// `f` of every item, in the items' order.
pub fn map<T: Sync, R: Send>(threads: Threads, items: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let workers = threads.for_items(items.len());
    if workers == 1 {
        return items.iter().map(f).collect();
    }
    let f = &f;
    let run = run_size(items.len(), workers);
    on_threads(workers, items.chunks(run), move |chunk: &[T]| {
        chunk.iter().map(f).collect()
    })
}

/// `f` of every item, in the items' order, each item changed in place.
pub fn map_mut<T: Send, R: Send>(threads: Threads, items: &mut [T], f: impl Fn(&mut T) -> R + Sync) -> Vec<R> {
    let workers = threads.for_items(items.len());
    if workers == 1 {
        return items.iter_mut().map(f).collect();
    }
    let f = &f;
    let run = run_size(items.len(), workers);
    on_threads(workers, items.chunks_mut(run), move |chunk: &mut [T]| {
        chunk.iter_mut().map(f).collect()
    })
}

fn run_size(items: usize, workers: usize) -> usize {
    items.div_ceil(workers * RUNS_PER_THREAD).max(1)
}

/// Runs `work` on every run of items, on this thread and `workers - 1` helper threads
/// that take runs from one queue, and concatenates the results in run order. This thread
/// works until the queue is empty, so every run is done even when no helper starts. A
/// panic in a helper goes on in this thread, as it would have without threads.
fn on_threads<C: Send, R: Send>(
    workers: usize,
    runs: impl Iterator<Item = C> + Send,
    work: impl Fn(C) -> Vec<R> + Sync,
) -> Vec<R> {
    let queue = Mutex::new(runs.enumerate());
    // The lock is held only to take a run, never while working: a panicking run cannot
    // poison it.
    let next = || queue.lock().ok().and_then(|mut q| q.next());
    let drain = || {
        let mut done = Vec::new();
        while let Some((i, run)) = next() {
            done.push((i, work(run)));
        }
        done
    };
    let mut parts = std::thread::scope(|s| {
        let helpers: Vec<_> = (1..workers)
            .filter_map(|_| {
                std::thread::Builder::new()
                    .name("berth-work".into())
                    .stack_size(STACK_BYTES)
                    .spawn_scoped(s, drain)
                    .ok()
            })
            .collect();
        let mut parts = drain();
        for helper in helpers {
            match helper.join() {
                Ok(done) => parts.extend(done),
                Err(panic) => std::panic::resume_unwind(panic),
            }
        }
        parts
    });
    parts.sort_unstable_by_key(|(i, _)| *i);
    parts.into_iter().flat_map(|(_, r)| r).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn results_keep_the_items_order_whatever_the_thread_count() {
        let items: Vec<u32> = (0..1000).collect();
        let sequential: Vec<u32> = items.iter().map(|i| i * 3).collect();
        for n in [1, 2, 3, 4, 7, 64] {
            let threads = Threads::new(n).unwrap();
            assert_eq!(map(threads, &items, |i| i * 3), sequential, "{n} threads");
            let mut changed = items.clone();
            let old = map_mut(threads, &mut changed, |i| {
                let was = *i;
                *i += 1;
                was
            });
            assert_eq!(old, items, "{n} threads");
            assert!(changed.iter().zip(&items).all(|(c, i)| *c == i + 1));
        }
    }

    #[test]
    fn reading_uses_more_threads_but_one_stays_one() {
        let reading = |n: usize| Threads::new(n).unwrap().for_reading().get();
        assert_eq!(reading(1), 1);
        assert_eq!(reading(2), 8);
        assert_eq!(reading(64), MAX_READING_THREADS);
    }

    #[test]
    fn small_inputs_start_no_thread() {
        let here = std::thread::current().id();
        let items = vec![0; MIN_ITEMS_PER_THREAD * 2 - 1];
        let ids = map(Threads::new(8).unwrap(), &items, |_| std::thread::current().id());
        assert!(ids.iter().all(|id| *id == here));
        // Slow items, so this thread cannot take every run before a helper starts.
        let items = vec![0; MIN_ITEMS_PER_THREAD * 2];
        let ids = map(Threads::new(8).unwrap(), &items, |_| {
            std::thread::sleep(std::time::Duration::from_millis(2));
            std::thread::current().id()
        });
        assert!(ids.iter().any(|id| *id != here));
    }

    #[test]
    fn a_panic_in_a_helper_thread_reaches_the_caller() {
        let items: Vec<usize> = (0..MIN_ITEMS_PER_THREAD * 4).collect();
        let caught = std::panic::catch_unwind(|| {
            map(Threads::new(4).unwrap(), &items, |i| {
                assert!(*i != items.len() - 1, "boom");
                *i
            })
        });
        assert!(caught.is_err());
    }
}
