//! Thread-pool policy: how many threads the core uses, and what happens after `fork()`.
//!
//! Axolotl tokenizes with `datasets.map(num_proc > 1)`, which forks the Python process. A rayon
//! pool that was running in the parent does not exist in the child (only the forking thread
//! survives), so work submitted to it there would wait forever. Like the `tokenizers` bindings,
//! we record whether the pool has been used; the Python layer calls [`mark_forked`] in the child
//! (through `os.register_at_fork`), and from then on [`parallelism_enabled`] is false and every
//! kernel runs on the calling thread.
//!
//! The thread count comes from `AXOLOTL_FAST_NUM_THREADS` when set (a positive integer; any
//! other value is an error, never a silent default), else from `RAYON_NUM_THREADS` (ignored when
//! invalid, as rayon itself does), else from the number of CPUs. Asking for the count never
//! starts the pool, so a process that only asks can fork safely. [`run_on`] runs a kernel's
//! parallel section on a pool of the asked size, with panics turned into errors;
//! [`map_in_order`] is the common case, a map over pieces of work.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicBool, Ordering};

use rayon::prelude::*;

use crate::error::{Error, Result};

/// Environment variable that sets the number of worker threads.
pub const NUM_THREADS_ENV: &str = "AXOLOTL_FAST_NUM_THREADS";

/// Whether the pool was used, and whether this process is a child forked after that.
struct PoolFlags {
    used: AtomicBool,
    forked_after_use: AtomicBool,
}

impl PoolFlags {
    const fn new() -> Self {
        PoolFlags {
            used: AtomicBool::new(false),
            forked_after_use: AtomicBool::new(false),
        }
    }

    fn parallelism_enabled(&self) -> bool {
        !self.forked_after_use.load(Ordering::SeqCst)
    }

    fn mark_used(&self) {
        self.used.store(true, Ordering::SeqCst);
    }

    fn mark_forked(&self) {
        if self.used.load(Ordering::SeqCst) {
            self.forked_after_use.store(true, Ordering::SeqCst);
        }
    }
}

static FLAGS: PoolFlags = PoolFlags::new();

/// Reads the thread count requested through [`NUM_THREADS_ENV`], if any.
pub fn requested_threads() -> Result<Option<usize>> {
    match std::env::var(NUM_THREADS_ENV) {
        Ok(value) => parse_thread_count(&value).map(Some),
        Err(std::env::VarError::NotPresent) => Ok(None),
        Err(std::env::VarError::NotUnicode(_)) => Err(Error::invalid_argument(
            NUM_THREADS_ENV,
            "the value is not valid unicode",
        )),
    }
}

fn parse_thread_count(value: &str) -> Result<usize> {
    match value.trim().parse::<usize>() {
        Ok(n) if n > 0 => Ok(n),
        _ => Err(Error::invalid_argument(
            NUM_THREADS_ENV,
            format!("expected a positive integer, got {value:?}"),
        )),
    }
}

/// The number of threads parallel kernels use in this process (1 once forked after use).
///
/// Fails when `AXOLOTL_FAST_NUM_THREADS` is set to anything but a positive integer.
pub fn num_threads() -> Result<usize> {
    let requested = requested_threads()?;
    if !parallelism_enabled() {
        return Ok(1);
    }
    Ok(requested
        .or_else(|| {
            let value = std::env::var("RAYON_NUM_THREADS").ok()?;
            parse_thread_count(&value).ok()
        })
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, usize::from)))
}

/// Whether kernels may use the rayon pool in this process.
pub fn parallelism_enabled() -> bool {
    FLAGS.parallelism_enabled()
}

/// Records that the rayon pool has been started; call before submitting parallel work.
pub fn mark_pool_used() {
    FLAGS.mark_used();
}

/// Called in a forked child. If the parent had started the pool, parallelism is switched off
/// for the rest of the child's life.
pub fn mark_forked() {
    FLAGS.mark_forked();
}

/// Runs `work` on a pool of `threads` threads (the global pool when it has that size),
/// turning a panic into [`Error::Internal`].
pub fn run_on<T: Send>(threads: usize, work: impl FnOnce() -> T + Send) -> Result<T> {
    let outcome = if threads <= 1 || !parallelism_enabled() {
        catch_unwind(AssertUnwindSafe(work))
    } else {
        mark_pool_used();
        if threads == rayon::current_num_threads() {
            catch_unwind(AssertUnwindSafe(work))
        } else {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .map_err(|e| Error::Internal(format!("cannot start {threads} threads: {e}")))?;
            catch_unwind(AssertUnwindSafe(|| pool.install(work)))
        }
    };
    outcome.map_err(|payload| Error::from_panic(payload.as_ref()))
}

/// Maps `work` over `items`, results in item order: on a pool of `threads` threads when there
/// is more than one item and thread, else on the calling thread. A panic becomes
/// [`Error::Internal`].
pub fn map_in_order<T: Sync, R: Send>(
    threads: usize,
    items: &[T],
    work: impl Fn(&T) -> R + Sync + Send,
) -> Result<Vec<R>> {
    run_on(threads, || {
        if threads > 1 && items.len() > 1 {
            items.par_iter().map(&work).collect()
        } else {
            items.iter().map(&work).collect()
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thread_counts_must_be_positive_integers() {
        assert_eq!(parse_thread_count("4").ok(), Some(4));
        assert_eq!(parse_thread_count(" 2 ").ok(), Some(2));
        for bad in ["0", "-1", "two", ""] {
            let err = parse_thread_count(bad).unwrap_err();
            assert!(err.to_string().contains(NUM_THREADS_ENV), "{err}");
        }
    }

    #[test]
    fn fork_disables_parallelism_only_after_the_pool_was_used() {
        // Own flags: other tests use the process-wide pool concurrently.
        let flags = PoolFlags::new();
        flags.mark_forked();
        assert!(
            flags.parallelism_enabled(),
            "an unused pool survives a fork"
        );
        flags.mark_used();
        assert!(flags.parallelism_enabled());
        flags.mark_forked();
        assert!(!flags.parallelism_enabled());
    }
}
