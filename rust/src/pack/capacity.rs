//! Open bins keyed by remaining capacity, for best fit.
//!
//! Best fit asks, for every sample, "which open bin has the smallest remaining capacity of at
//! least `len`?". [`Shelves`] answers it in two layouts:
//!
//! - [`DenseShelves`], when `max_length` is small enough to index: a stack of bins per
//!   capacity (intrusive lists: one `u32` head per capacity, one `u32` link per bin) and a
//!   [`LevelBitset`] of the capacities that have a bin, searched for the next set bit in
//!   `O(log_64 L)` word operations. For `L = 4096` that is 65 words: it stays in L1.
//! - [`SparseShelves`], a `BTreeMap` from capacity to its stack, for any `L`.

use std::collections::BTreeMap;

const NONE: u32 = u32::MAX;

/// Open bins by remaining capacity.
pub trait Shelves {
    /// Removes and returns a bin with the smallest capacity `>= len`, with that capacity.
    fn take_at_least(&mut self, len: u64) -> Option<(u64, u32)>;
    /// Files `bin` under `capacity`.
    fn put(&mut self, capacity: u64, bin: u32);
}

/// A bitset with a summary level per 64 words, for "next set bit at or after `i`".
#[derive(Debug)]
pub struct LevelBitset {
    /// `levels[0]` holds the bits; bit `w` of `levels[k + 1]` says word `w` of `levels[k]` is
    /// not zero. The last level has one word.
    levels: Vec<Vec<u64>>,
}

impl LevelBitset {
    /// An empty set of positions `0..len`.
    pub fn new(len: usize) -> Self {
        let mut levels = Vec::new();
        let mut words = len.div_ceil(64).max(1);
        loop {
            levels.push(vec![0u64; words]);
            if words == 1 {
                break;
            }
            words = words.div_ceil(64);
        }
        LevelBitset { levels }
    }

    /// Sets bit `pos` (which must be below the length).
    pub fn insert(&mut self, pos: usize) {
        let mut pos = pos;
        for level in &mut self.levels {
            let word = &mut level[pos / 64];
            let was_empty = *word == 0;
            *word |= 1 << (pos % 64);
            if !was_empty {
                return;
            }
            pos /= 64;
        }
    }

    /// Clears bit `pos` (which must be below the length).
    pub fn remove(&mut self, pos: usize) {
        let mut pos = pos;
        for level in &mut self.levels {
            let word = &mut level[pos / 64];
            *word &= !(1 << (pos % 64));
            if *word != 0 {
                return;
            }
            pos /= 64;
        }
    }

    /// The smallest set position `>= pos`.
    pub fn next_at_or_after(&self, pos: usize) -> Option<usize> {
        self.next_in_level(0, pos)
    }

    fn next_in_level(&self, level: usize, pos: usize) -> Option<usize> {
        let words = self.levels.get(level)?;
        let index = pos / 64;
        let word = *words.get(index)?;
        let masked = word & (u64::MAX << (pos % 64));
        if masked != 0 {
            return Some(index * 64 + masked.trailing_zeros() as usize);
        }
        // The next non-empty word of this level, from the level above.
        let next = self.next_in_level(level + 1, index + 1)?;
        Some(next * 64 + words[next].trailing_zeros() as usize)
    }
}

/// [`Shelves`] indexed by every capacity `0..=max_length`.
#[derive(Debug)]
pub struct DenseShelves {
    heads: Vec<u32>,
    links: Vec<u32>,
    nonempty: LevelBitset,
}

impl DenseShelves {
    /// Empty shelves for capacities up to `max_length`, with room for `bins` bins.
    pub fn new(max_length: usize, bins: usize) -> Self {
        DenseShelves {
            heads: vec![NONE; max_length + 1],
            links: Vec::with_capacity(bins),
            nonempty: LevelBitset::new(max_length + 1),
        }
    }
}

impl Shelves for DenseShelves {
    fn take_at_least(&mut self, len: u64) -> Option<(u64, u32)> {
        let capacity = self.nonempty.next_at_or_after(usize::try_from(len).ok()?)?;
        let bin = self.heads[capacity];
        let next = self.links[bin as usize];
        self.heads[capacity] = next;
        if next == NONE {
            self.nonempty.remove(capacity);
        }
        Some((capacity as u64, bin))
    }

    fn put(&mut self, capacity: u64, bin: u32) {
        let Ok(capacity) = usize::try_from(capacity) else {
            return;
        };
        let slot = bin as usize;
        if self.links.len() <= slot {
            self.links.resize(slot + 1, NONE);
        }
        self.links[slot] = self.heads[capacity];
        if self.heads[capacity] == NONE {
            self.nonempty.insert(capacity);
        }
        self.heads[capacity] = bin;
    }
}

/// [`Shelves`] in a `BTreeMap`, for capacities too large to index.
#[derive(Debug, Default)]
pub struct SparseShelves {
    stacks: BTreeMap<u64, Vec<u32>>,
}

impl Shelves for SparseShelves {
    fn take_at_least(&mut self, len: u64) -> Option<(u64, u32)> {
        let (&capacity, stack) = self.stacks.range_mut(len..).next()?;
        let bin = stack.pop()?;
        if stack.is_empty() {
            self.stacks.remove(&capacity);
        }
        Some((capacity, bin))
    }

    fn put(&mut self, capacity: u64, bin: u32) {
        self.stacks.entry(capacity).or_default().push(bin);
    }
}
