//! The shingles of a row, hashed: word n-grams of normalized text, or token-id n-grams.
//!
//! Text is normalized by lowercasing and treating every character that is not alphanumeric
//! as a separator, so whitespace, punctuation and case changes do not make rows differ. A
//! row shorter than `n` words (or tokens) is one shingle of all of them; an empty row has
//! none. Hashes are xxh3-64 of the n-gram under the seed; duplicates are removed.

use xxhash_rust::xxh3::xxh3_64_with_seed;

/// The hashed word n-grams of `text`, sorted and without repeats.
pub fn word_shingles(text: &str, n: usize, seed: u64) -> Vec<u64> {
    let lowered = text.to_lowercase();
    let words: Vec<&str> = lowered
        .split(|c: char| !c.is_alphanumeric())
        .filter(|word| !word.is_empty())
        .collect();
    hashed_windows(&words, n, |window| {
        let joined = window.join(" ");
        xxh3_64_with_seed(joined.as_bytes(), seed)
    })
}

/// The hashed n-grams of a row's token ids, sorted and without repeats.
pub fn token_shingles(ids: &[i64], n: usize, seed: u64) -> Vec<u64> {
    hashed_windows(ids, n, |window| {
        let bytes: Vec<u8> = window.iter().flat_map(|id| id.to_le_bytes()).collect();
        xxh3_64_with_seed(&bytes, seed)
    })
}

fn hashed_windows<T>(items: &[T], n: usize, hash: impl Fn(&[T]) -> u64) -> Vec<u64> {
    if items.is_empty() {
        return Vec::new();
    }
    let mut hashes: Vec<u64> = if items.len() < n {
        vec![hash(items)]
    } else {
        items.windows(n).map(hash).collect()
    };
    hashes.sort_unstable();
    hashes.dedup();
    hashes
}
