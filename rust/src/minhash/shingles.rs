//! The shingles of a row, hashed: word n-grams of normalized text, or token-id n-grams.
//!
//! Text is normalized by lowercasing and treating every character that is not alphanumeric
//! as a separator, so whitespace, punctuation and case changes do not make rows differ. A
//! row shorter than `n` words (or tokens) is one shingle of all of them; an empty row has
//! none. Each word (or token id) is first hashed alone (xxh3-64); a shingle's hash is the
//! xxh3-64, under the seed, of its items' hashes (so no n-gram string is ever built).
//! Duplicates are removed.

use xxhash_rust::xxh3::{xxh3_64, xxh3_64_with_seed};

/// The hashed word n-grams of `text`, sorted and without repeats.
pub fn word_shingles(text: &str, n: usize, seed: u64) -> Vec<u64> {
    let lowered = text.to_lowercase();
    let words: Vec<u64> = lowered
        .split(|c: char| !c.is_alphanumeric())
        .filter(|word| !word.is_empty())
        .map(|word| xxh3_64(word.as_bytes()))
        .collect();
    hashed_windows(&words, n, seed)
}

/// The hashed n-grams of a row's token ids, sorted and without repeats. Ids are hashed as
/// 64-bit values, so the same ids give the same shingles whatever their Arrow width.
pub fn token_shingles<T: Copy + Into<i64>>(ids: &[T], n: usize, seed: u64) -> Vec<u64> {
    let items: Vec<u64> = ids
        .iter()
        .map(|&id| xxh3_64(&id.into().to_le_bytes()))
        .collect();
    hashed_windows(&items, n, seed)
}

/// The hash of every window of `n` items (one window of all when fewer), deduplicated.
fn hashed_windows(items: &[u64], n: usize, seed: u64) -> Vec<u64> {
    if items.is_empty() {
        return Vec::new();
    }
    let width = n.min(items.len());
    let mut bytes = Vec::with_capacity(width * 8);
    let mut hashes: Vec<u64> = items
        .windows(width)
        .map(|window| {
            bytes.clear();
            bytes.extend(window.iter().flat_map(|item| item.to_le_bytes()));
            xxh3_64_with_seed(&bytes, seed)
        })
        .collect();
    hashes.sort_unstable();
    hashes.dedup();
    hashes
}
