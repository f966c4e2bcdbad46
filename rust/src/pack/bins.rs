//! The packing result: bins laid out flat, and what the policy did.
//!
//! Bin `i` holds entries `offsets[i]..offsets[i + 1]` of `samples` (the sample indices),
//! `starts` and `lengths` (the token span of each entry: `0..len` for a whole sample, the
//! first `max_length` tokens of a truncated one, one piece of a split one). Inside a bin the
//! entries are in feed order (index order unless an order was given): a stable counting sort
//! of the pieces by bin. The decreasing strategies would otherwise leave the bins in order of
//! their longest sample, so their bins are shuffled with a seeded `ChaCha8` generator
//! (portable: the same seed gives the same bins on every platform and version of this crate).

use rand::SeedableRng;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;

use super::items::Items;

/// Bins of packed samples; see the module documentation for the layout.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Bins {
    /// `num_bins + 1` offsets into the entry arrays.
    pub offsets: Vec<i64>,
    /// The sample of every entry.
    pub samples: Vec<i64>,
    /// The first token of every entry within its sample.
    pub starts: Vec<i64>,
    /// The tokens of every entry.
    pub lengths: Vec<i64>,
    /// The bin of every sample (of its first piece when split), `-1` when dropped.
    pub bin_of: Vec<i64>,
    /// Tokens per bin.
    pub max_length: u64,
    /// Tokens packed in all bins.
    pub packed_tokens: u128,
    /// Samples left out.
    pub dropped: usize,
    /// Samples cut to `max_length`.
    pub truncated: usize,
    /// Samples packed in several pieces.
    pub split: usize,
}

impl Bins {
    /// Lays out pieces given the bin of each (`assignment`), renumbering the bins by a seeded
    /// shuffle when `shuffle` is set.
    pub fn assemble(
        items: &Items,
        assignment: &[u32],
        num_bins: usize,
        num_samples: usize,
        max_length: u64,
        shuffle: Option<u64>,
    ) -> Self {
        let rank = bin_ranks(num_bins, shuffle);
        let mut offsets = vec![0i64; num_bins + 1];
        for &bin in assignment {
            offsets[rank[bin as usize] + 1] += 1;
        }
        for i in 1..offsets.len() {
            offsets[i] += offsets[i - 1];
        }
        let entries = items.pieces.len();
        let (mut samples, mut starts, mut lengths) = (
            vec![0i64; entries],
            vec![0i64; entries],
            vec![0i64; entries],
        );
        let mut bin_of = vec![-1i64; num_samples];
        let mut next: Vec<i64> = offsets[..num_bins].to_vec();
        let mut packed_tokens = 0u128;
        for (piece, &bin) in items.pieces.iter().zip(assignment) {
            let bin = rank[bin as usize];
            let slot = to_usize(next[bin]);
            next[bin] += 1;
            samples[slot] = to_i64(piece.sample);
            starts[slot] = i64::try_from(piece.start).unwrap_or(i64::MAX);
            lengths[slot] = i64::try_from(piece.len).unwrap_or(i64::MAX);
            packed_tokens += u128::from(piece.len);
            if bin_of[piece.sample] < 0 {
                bin_of[piece.sample] = to_i64(bin);
            }
        }
        Bins {
            offsets,
            samples,
            starts,
            lengths,
            bin_of,
            max_length,
            packed_tokens,
            dropped: items.dropped,
            truncated: items.truncated,
            split: items.split,
        }
    }

    /// The number of bins.
    pub fn len(&self) -> usize {
        self.offsets.len().saturating_sub(1)
    }

    /// Whether there are no bins.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The sample indices of bin `i`, in packing order.
    pub fn bin(&self, i: usize) -> &[i64] {
        match (self.offsets.get(i), self.offsets.get(i + 1)) {
            (Some(&a), Some(&b)) => &self.samples[to_usize(a)..to_usize(b)],
            _ => &[],
        }
    }

    /// `ceil(packed_tokens / max_length)`: no packing needs fewer bins.
    pub fn lower_bound(&self) -> u128 {
        self.packed_tokens
            .div_ceil(u128::from(self.max_length.max(1)))
    }

    /// Packed tokens over bin capacity, `0.0` without bins.
    #[allow(clippy::cast_precision_loss)] // a ratio
    pub fn efficiency(&self) -> f64 {
        let slots = self.len() as f64 * self.max_length as f64;
        if slots > 0.0 {
            self.packed_tokens as f64 / slots
        } else {
            0.0
        }
    }
}

/// The new number of every bin: itself, or a seeded shuffle.
fn bin_ranks(num_bins: usize, shuffle: Option<u64>) -> Vec<usize> {
    let mut rank: Vec<usize> = (0..num_bins).collect();
    if let Some(seed) = shuffle {
        rank.shuffle(&mut ChaCha8Rng::seed_from_u64(seed));
    }
    rank
}

/// Offsets are built from counts, so they are never negative.
fn to_usize(offset: i64) -> usize {
    usize::try_from(offset).unwrap_or(0)
}

/// Sample and bin numbers fit in `i64` (they index memory).
fn to_i64(index: usize) -> i64 {
    i64::try_from(index).unwrap_or(i64::MAX)
}
