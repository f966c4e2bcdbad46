//! Panics that the core catches and reports as errors, without the panic message on stderr.
//!
//! arrow-rs decoders panic on some corrupt inputs. The reader catches those panics and raises
//! a `DataFormatError`, but Rust's default panic hook has already printed "thread ... panicked
//! at ..." to stderr, which looks like a crash. [`quietly`] runs a closure with a thread-local
//! flag set; the hook installed on first use stays silent while the flag is set and defers to
//! the previous hook otherwise, so a panic anywhere else (a real bug) is still printed. The
//! hook belongs to this extension's copy of the Rust runtime only.

use std::cell::Cell;
use std::sync::Once;

thread_local! {
    static QUIET: Cell<bool> = const { Cell::new(false) };
}

static INSTALL: Once = Once::new();

/// Runs `work` with panic messages on this thread suppressed (the panic still unwinds).
pub fn quietly<T>(work: impl FnOnce() -> T) -> T {
    install();
    let was_quiet = QUIET.with(|quiet| quiet.replace(true));
    let _restore = Restore(was_quiet);
    work()
}

/// Puts the flag back when the closure returns or unwinds.
struct Restore(bool);

impl Drop for Restore {
    fn drop(&mut self) {
        QUIET.with(|quiet| quiet.set(self.0));
    }
}

fn install() {
    INSTALL.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if !QUIET.with(Cell::get) {
                previous(info);
            }
        }));
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_flag_is_set_inside_and_restored_after_a_panic() {
        let caught = std::panic::catch_unwind(|| {
            quietly(|| {
                assert!(QUIET.with(Cell::get));
                panic!("corrupt input");
            })
        });
        assert!(caught.is_err());
        assert!(!QUIET.with(Cell::get), "restored while unwinding");
        assert_eq!(quietly(|| 7), 7);
    }
}
