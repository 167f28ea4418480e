//! The memory budget of one template, while it compiles or renders
//! ([`limits::TEMPLATE_MEMORY_BYTES`]).
//!
//! Fuel bounds how long a template runs and the output limit how much it prints, but a
//! template can also grow a value it never prints: `{% set ns.s = ns.s ~ ns.s %}` in a
//! loop doubles a string each turn, and thirty turns ask for a gigabyte. minijinja has no
//! bound on that, and there are too many ways to grow a value (concatenation, `+` on
//! lists, `replace`, `join`, `format`, ...) to guard each one. The one place that sees
//! them all is the allocator, so the binary installs [`Counting`]: while a [`Budget`] is
//! held, it adds up the bytes the thread allocates (less what it frees), and when the sum
//! passes the limit it hands a located error to the handler the command line installed
//! ([`on_exceeded`]), which prints it and ends the process with exit code 2.
//!
//! Ending the process is the only way out: an allocator cannot return an error to
//! minijinja, and a refused allocation aborts with no message. It keeps berth's promises:
//! templates render before anything is written, so stdout is still empty and an
//! `--output-dir` untouched.
//!
//! Outside the binary (tests, fuzzing, a library user) nothing installs the allocator or
//! the handler, and a budget counts nothing.

use std::alloc::{GlobalAlloc, Layout};
use std::cell::Cell;
use std::sync::OnceLock;

use crate::error::Error;
use crate::limits;
use crate::source::Origin;

/// The allocator underneath the count. A render builds and drops millions of small maps
/// and strings from two threads; mimalloc serves that about a fifth faster than glibc's
/// malloc (2,000-object overlay: 0.22 s against 0.28 s, medians), and without
/// transparent huge pages (`no_thp`) its peak memory stays near glibc's (84 MiB
/// against 76 MiB).
const INNER: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// What ends the process when a render goes over its budget: it must not return.
pub type Handler = fn(Error) -> !;

static HANDLER: OnceLock<Handler> = OnceLock::new();

thread_local! {
    // Plain `Cell`s with const initialisers: reading them allocates nothing and registers
    // no destructor, which the allocator needs (it runs inside every allocation).
    static ACTIVE: Cell<bool> = const { Cell::new(false) };
    /// Bytes the render may still allocate; below zero is over the budget.
    static LEFT: Cell<isize> = const { Cell::new(0) };
    /// The template file of the render, borrowed from the [`Budget`] that holds it.
    static FILE: Cell<(*const u8, usize)> = const { Cell::new((std::ptr::null(), 0)) };
}

/// Installs what ends the process when a render goes over its budget (the command line
/// does, once); without it, budgets count nothing.
pub fn on_exceeded(handler: Handler) {
    let _ = HANDLER.set(handler);
}

/// The budget of one template render on this thread, held while the render runs.
/// Nested renders (`include`, `tpl`) share the budget of the outermost one.
pub struct Budget {
    /// The file named in the error; `FILE` points into it while the budget is held.
    file: Box<str>,
    owner: bool,
}

impl Budget {
    /// Starts counting this thread's allocations against
    /// [`limits::TEMPLATE_MEMORY_BYTES`], for the render of `file`.
    pub fn start(file: &str) -> Budget {
        let owner = HANDLER.get().is_some() && !ACTIVE.get();
        let budget = Budget {
            file: file.into(),
            owner,
        };
        if owner {
            FILE.set((budget.file.as_ptr(), budget.file.len()));
            LEFT.set(isize::try_from(limits::TEMPLATE_MEMORY_BYTES.value).unwrap_or(isize::MAX));
            ACTIVE.set(true);
        }
        budget
    }
}

impl Drop for Budget {
    fn drop(&mut self) {
        if self.owner {
            ACTIVE.set(false);
            FILE.set((std::ptr::null(), 0));
        }
    }
}

/// Counts `bytes` more against the budget of this thread, if one is held.
#[inline]
fn charge(bytes: usize) {
    let over = ACTIVE.try_with(Cell::get).unwrap_or(false)
        && LEFT
            .try_with(|left| {
                let now = left.get().saturating_sub_unsigned(bytes);
                left.set(now);
                now < 0
            })
            .unwrap_or(false);
    if over {
        exceeded();
    }
}

/// Gives `bytes` back to the budget of this thread, if one is held.
#[inline]
fn refund(bytes: usize) {
    if ACTIVE.try_with(Cell::get).unwrap_or(false) {
        let _ = LEFT.try_with(|left| left.set(left.get().saturating_add_unsigned(bytes)));
    }
}

/// Stops counting (what follows allocates freely) and hands the error to the handler.
#[cold]
fn exceeded() {
    ACTIVE.set(false);
    let Some(handler) = HANDLER.get() else {
        return;
    };
    let (ptr, len) = FILE.get();
    // SAFETY: `FILE` points into the `file` of the `Budget` that set `ACTIVE`, which is
    // alive: the allocation being charged happens inside the render it guards.
    let file = match ptr.is_null() {
        true => "",
        false => std::str::from_utf8(unsafe { std::slice::from_raw_parts(ptr, len) }).unwrap_or(""),
    };
    let origin = (!file.is_empty()).then(|| Origin::file(file));
    handler(limits::TEMPLATE_MEMORY_BYTES.exceeded(
        origin,
        "the template holds too much in memory (a value that grows in a loop?)",
    ));
}

/// The allocator ([`INNER`]), counting allocations against the budget of a render
/// ([`Budget`]); `#[global_allocator]` of the berth binary.
pub struct Counting;

// SAFETY: every call is passed to the inner allocator unchanged; the counting before it
// only reads and writes this thread's cells, and allocates nothing while it counts.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        charge(layout.size());
        // SAFETY: the caller's contract is the inner allocator's.
        unsafe { INNER.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        charge(layout.size());
        // SAFETY: as above.
        unsafe { INNER.alloc_zeroed(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        refund(layout.size());
        // SAFETY: as above.
        unsafe { INNER.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        match new_size >= layout.size() {
            true => charge(new_size - layout.size()),
            false => refund(layout.size() - new_size),
        }
        // SAFETY: as above.
        unsafe { INNER.realloc(ptr, layout, new_size) }
    }
}
