//! Every committed fuzz seed, regression inputs included, replayed as a plain test.
//!
//! Each fuzz target (`fuzz/fuzz_targets/<target>.rs`) is one call into
//! `fuzz/src/targets.rs`. This test compiles that module and the invariant checks it calls
//! (`read_check.rs`, `pack_check.rs`, `compress.rs`) from `fuzz/src/`, and runs every file of
//! `fuzz/seeds/<target>/` through the target's function: the same decoding and the same
//! checks as libFuzzer, on stable Rust, without an instrumented build. A seed that breaks an
//! invariant fails its target's test, which names the file; so does a seed directory that is
//! missing or empty, so the replay never passes by replaying nothing. As in the short fuzz
//! run (`scripts/fuzz.sh`), a panic that the reader caught itself is tolerated unless
//! `FUZZ_ALLOW_CAUGHT_PANICS=0`.

// A test crate may unwrap: clippy's allow-unwrap/expect-in-tests covers only `#[test]`
// functions here, not the helpers nor the fuzz harness modules compiled in.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::any::Any;
use std::panic::catch_unwind;
use std::path::{Path, PathBuf};

#[path = "../../fuzz/src/compress.rs"]
mod compress;
#[path = "../../fuzz/src/pack_check.rs"]
mod pack_check;
#[path = "../../fuzz/src/read_check.rs"]
mod read_check;
#[path = "../../fuzz/src/targets.rs"]
mod targets;

/// The committed seeds of `target`, sorted by name.
fn seeds(target: &str) -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("rust/ is in the repository");
    let dir = root.join("fuzz/seeds").join(target);
    let entries = std::fs::read_dir(&dir)
        .unwrap_or_else(|err| panic!("no seed directory {}: {err}", dir.display()));
    let mut files: Vec<PathBuf> = entries
        .map(|entry| entry.expect("a seed directory entry").path())
        .filter(|path| path.is_file())
        .collect();
    files.sort();
    assert!(
        !files.is_empty(),
        "no seeds in {}: the replay would check nothing",
        dir.display()
    );
    files
}

/// The message of a panic payload.
fn message(payload: &(dyn Any + Send)) -> &str {
    payload
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
        .unwrap_or("a panic without a message")
}

/// Removes the thread's scratch files of `read_check` when the replay ends, even by a panic.
struct ScratchDir;

impl Drop for ScratchDir {
    fn drop(&mut self) {
        read_check::remove_scratch_dir();
    }
}

/// Runs every seed of `target` through `run`, the target's body; fails naming each seed that
/// panics (a broken invariant).
fn replay(target: &str, run: fn(&[u8])) {
    read_check::tolerate_caught_panics_by_default();
    let _scratch = ScratchDir;
    let seeds = seeds(target);
    let failures: Vec<String> = seeds
        .iter()
        .filter_map(|seed| {
            let data = std::fs::read(seed)
                .unwrap_or_else(|err| panic!("cannot read seed {}: {err}", seed.display()));
            let outcome = catch_unwind(|| run(&data));
            outcome
                .err()
                .map(|payload| format!("{}: {}", seed.display(), message(payload.as_ref())))
        })
        .collect();
    assert!(
        failures.is_empty(),
        "{} of the {} seeds of {target} break an invariant:\n{}",
        failures.len(),
        seeds.len(),
        failures.join("\n")
    );
}

#[test]
fn read_parquet_seeds_keep_the_invariants() {
    replay("read_parquet", targets::read_parquet);
}

#[test]
fn read_ipc_seeds_keep_the_invariants() {
    replay("read_ipc", targets::read_ipc);
}

#[test]
fn read_jsonl_seeds_keep_the_invariants() {
    replay("read_jsonl", targets::read_jsonl);
}

#[test]
fn read_csv_seeds_keep_the_invariants() {
    replay("read_csv", targets::read_csv);
}

#[test]
fn read_text_seeds_keep_the_invariants() {
    replay("read_text", targets::read_text);
}

#[test]
fn read_compressed_seeds_keep_the_invariants() {
    replay("read_compressed", targets::read_compressed);
}

#[test]
fn pack_seeds_keep_the_invariants() {
    replay("pack", |data| {
        assert!(
            targets::pack(data),
            "libFuzzer rejects this input: it makes no PackCase"
        );
    });
}
