//! Runs the (recursive) parser on a thread with a stack big enough for [`MAX_DEPTH`]
//! levels, whatever thread the caller is on.
//!
//! Deserialising recurses once per nesting level, and an unoptimised build uses about
//! 60 KiB of stack per level (8 MiB at `MAX_DEPTH`), while test threads have 2 MiB. A
//! fresh thread per parse costs a spawn plus page faults on its new stack (measured: a
//! tiny parse went from 0.2 ms to 0.9 ms in a debug build), so each calling thread keeps
//! one parser thread and hands it jobs over a channel (about 8 µs a round trip). The
//! parser thread ends when its calling thread does.
//!
//! [`MAX_DEPTH`]: super::MAX_DEPTH

use std::cell::RefCell;
use std::sync::mpsc;

/// Reserved, not committed: pages are touched only as deep input needs them.
const STACK_BYTES: usize = 64 << 20;

type Job = Box<dyn FnOnce() + Send>;

thread_local! {
    static WORKER: RefCell<Option<mpsc::Sender<Job>>> = const { RefCell::new(None) };
}

/// Runs `work` on this thread's parser thread and returns its result; `None` if no parser
/// thread could be started or `work` panicked.
pub(super) fn on_big_stack<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> Option<T> {
    let (reply, answer) = mpsc::sync_channel(1);
    let mut pending: Option<Job> = Some(Box::new(move || {
        let _ = reply.send(work());
    }));
    let _ = WORKER.try_with(|slot| {
        if let Some(job) = pending.take() {
            pending = submit(&mut slot.borrow_mut(), job).err();
        }
    });
    if let Some(job) = pending {
        // This thread is being torn down (its slot is gone): use a one-off parser thread.
        submit(&mut None, job).ok()?;
    }
    answer.recv().ok()
}

/// Sends `job` to the worker in `slot`, starting one if there is none or it is gone.
/// Gives the job back if no worker can take it.
fn submit(slot: &mut Option<mpsc::Sender<Job>>, job: Job) -> Result<(), Job> {
    let job = match slot.as_ref() {
        Some(worker) => match worker.send(job) {
            Ok(()) => return Ok(()),
            Err(mpsc::SendError(job)) => job,
        },
        None => job,
    };
    *slot = spawn_worker();
    match slot.as_ref() {
        Some(worker) => worker.send(job).map_err(|mpsc::SendError(job)| job),
        None => Err(job),
    }
}

fn spawn_worker() -> Option<mpsc::Sender<Job>> {
    let (sender, jobs) = mpsc::channel::<Job>();
    std::thread::Builder::new()
        .name("berth-yaml".into())
        .stack_size(STACK_BYTES)
        .spawn(move || {
            for job in jobs {
                // A panicking job drops its reply sender (its caller sees `None`); the worker
                // lives on, so the next job cannot race a dying channel.
                let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(job));
            }
        })
        .ok()?;
    Some(sender)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_work_and_reuses_the_thread() {
        let first = on_big_stack(|| std::thread::current().id());
        let second = on_big_stack(|| std::thread::current().id());
        assert!(first.is_some());
        assert_eq!(first, second);
        assert_ne!(first, Some(std::thread::current().id()));
    }

    #[test]
    fn a_panicking_job_gives_none_and_the_next_job_runs() {
        let before = on_big_stack(|| std::thread::current().id());
        assert_eq!(on_big_stack(|| -> u8 { panic!("boom") }), None);
        assert_eq!(on_big_stack(|| 7), Some(7));
        assert_eq!(
            on_big_stack(|| std::thread::current().id()),
            before,
            "the worker survived"
        );
    }
}
