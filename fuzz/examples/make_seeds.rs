//! Writes the seed corpus of every fuzz target to `fuzz/seeds/<target>/<name>`.
//!
//! Run from `fuzz/`: `cargo run --example make_seeds`. The seeds are committed; rerun this
//! only when the case layout of a target changes.

use std::path::Path;

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("seeds");
    for (target, name, bytes) in fuzz_support::seeds::all() {
        let dir = root.join(target);
        std::fs::create_dir_all(&dir).expect("seed directory");
        std::fs::write(dir.join(name), bytes).expect("seed file");
    }
    println!("seeds written to {}", root.display());
}
