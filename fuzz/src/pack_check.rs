//! Packing an arbitrary case and checking every promise of `axolotl_fast::pack::pack`.
//!
//! The case ([`PackCase`], built by `arbitrary`) sets the lengths, `max_length`, strategy,
//! oversize policy, per-bin limit, group size, seed and an optional feed order (maybe not a
//! permutation). [`run`] predicts whether `pack` must fail and how, then checks the bins:
//! the layout is consistent; every bin is non-empty, within `max_length` tokens and within the
//! per-bin limit; every sample is covered exactly once by its pieces (whole, its first
//! `max_length` tokens when truncated, consecutive pieces tiling it when split, absent when
//! dropped); `bin_of`, the counters and `packed_tokens` agree; entries keep the feed order
//! inside each bin; sequential packing keeps the feed order overall; first-fit style
//! strategies never leave two bins that could have been one; and packing is deterministic.

use arbitrary::{Arbitrary, Unstructured};
use axolotl_fast::Error;
use axolotl_fast::pack::{Bins, Oversize, PackOptions, Strategy, pack};

/// Most pieces a case may make: more is valid but only slow, so such cases are skipped.
const MAX_CASE_PIECES: u128 = 1 << 20;
/// Most bins for the quadratic "no two bins fit in one" check.
const MAX_PAIR_BINS: usize = 400;
/// `axolotl_fast::pack::items::MAX_PIECES`.
const MAX_PIECES: u128 = u32::MAX as u128;

/// One packing problem, as `arbitrary` builds it from fuzz bytes.
#[derive(Debug, Arbitrary)]
pub struct PackCase {
    max_length: u16,
    /// 0-5: `max_length` as is (0 is invalid); 6: `i64::MAX`; 7: `u64::MAX` (invalid).
    max_length_kind: u8,
    strategy: u8,
    oversize: u8,
    max_per_bin: Option<u8>,
    group_size: u16,
    seed: u64,
    order_seed: Option<u64>,
    /// Overwrites one entry of the order: `(position, index)`.
    order_damage: Option<(u16, u16)>,
    /// Lengths beyond `u16`, appended to `lengths`.
    wide: Vec<u64>,
    lengths: Vec<u16>,
}

impl PackCase {
    /// The case `arbitrary` builds from the fuzz input `data`, decoded as libfuzzer-sys 0.4's
    /// `fuzz_target!` decodes a typed input: `None` (an input libFuzzer rejects) when `data` is
    /// shorter than the case's minimum size or `arbitrary_take_rest` fails.
    pub fn from_fuzz_input(data: &[u8]) -> Option<Self> {
        if data.len() < <PackCase as Arbitrary>::size_hint(0).0 {
            return None;
        }
        PackCase::arbitrary_take_rest(Unstructured::new(data)).ok()
    }

    fn options(&self) -> PackOptions {
        let max_length = match self.max_length_kind % 8 {
            6 => i64::MAX as u64,
            7 => u64::MAX,
            _ => u64::from(self.max_length),
        };
        PackOptions {
            max_length,
            strategy: [
                Strategy::BestFitDecreasing,
                Strategy::FirstFitDecreasing,
                Strategy::FirstFit,
                Strategy::Sequential,
            ][usize::from(self.strategy % 4)],
            max_per_bin: self.max_per_bin.map(usize::from),
            seed: self.seed,
            oversize: [
                Oversize::Raise,
                Oversize::Drop,
                Oversize::Truncate,
                Oversize::Split,
            ][usize::from(self.oversize % 4)],
            group_size: usize::from(self.group_size),
        }
    }

    fn lengths(&self) -> Vec<u64> {
        let mut lengths: Vec<u64> = self.lengths.iter().map(|&l| u64::from(l)).collect();
        lengths.extend(&self.wide);
        lengths
    }

    fn order(&self, n: usize) -> Option<Vec<usize>> {
        let mut state = self.order_seed?;
        let mut order: Vec<usize> = (0..n).collect();
        for i in (1..n).rev() {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            order.swap(i, (state >> 33) as usize % (i + 1));
        }
        if let Some((position, index)) = self.order_damage {
            match order.get_mut(usize::from(position)) {
                Some(slot) => *slot = usize::from(index),
                None => order.push(usize::from(index)),
            }
        }
        Some(order)
    }
}

/// What `pack` must do with a case.
#[derive(Debug, PartialEq, Eq)]
enum Expected {
    Invalid,
    TooLong(usize),
    Packs,
}

/// Packs `case` and checks the result; returns without packing when the case would only be
/// slow (more than [`MAX_CASE_PIECES`] pieces).
pub fn run(case: &PackCase) {
    let options = case.options();
    let lengths = case.lengths();
    let order = case.order(lengths.len());
    let expected = expect(&lengths, order.as_deref(), &options);
    if expected == Expected::Packs && pieces(&lengths, &options) > MAX_CASE_PIECES {
        return;
    }
    let result = pack(&lengths, order.as_deref(), &options);
    let bins = match (expected, result) {
        (Expected::Packs, Ok(bins)) => bins,
        (Expected::Invalid, Err(Error::InvalidArgument { .. })) => return,
        (Expected::TooLong(first), Err(Error::SequenceTooLong { index, .. })) => {
            assert_eq!(index, first, "SequenceTooLong names the wrong sample");
            return;
        }
        (expected, got) => panic!("expected {expected:?}, got {got:?}"),
    };
    let feed: Vec<usize> = order
        .clone()
        .unwrap_or_else(|| (0..lengths.len()).collect());
    check_layout(&bins);
    check_bins(&bins, &options);
    check_coverage(&bins, &lengths, &options);
    check_feed_order(&bins, &feed);
    check_no_mergeable_bins(&bins, &options, &lengths);
    assert_eq!(
        pack(&lengths, order.as_deref(), &options).ok(),
        Some(bins),
        "not deterministic"
    );
}

/// The outcome the documentation of `pack` promises, checked in its order.
fn expect(lengths: &[u64], order: Option<&[usize]>, options: &PackOptions) -> Expected {
    let bad_options = options.max_length == 0
        || options.max_length > i64::MAX as u64
        || options.max_per_bin == Some(0)
        || options.group_size == 0;
    if bad_options || order.is_some_and(|order| !is_permutation(order, lengths.len())) {
        return Expected::Invalid;
    }
    if options.oversize == Oversize::Raise
        && let Some(first) = lengths.iter().position(|&l| l > options.max_length)
    {
        return Expected::TooLong(first);
    }
    let unsplittable = |&l: &u64| l > options.max_length && l > i64::MAX as u64;
    if options.oversize == Oversize::Split && lengths.iter().any(unsplittable) {
        return Expected::Invalid;
    }
    if pieces(lengths, options) > MAX_PIECES {
        return Expected::Invalid;
    }
    Expected::Packs
}

fn is_permutation(order: &[usize], n: usize) -> bool {
    let mut sorted = order.to_vec();
    sorted.sort_unstable();
    sorted.len() == n && sorted.iter().enumerate().all(|(i, &v)| i == v)
}

/// Pieces the oversize policy makes of `lengths`.
fn pieces(lengths: &[u64], options: &PackOptions) -> u128 {
    let max = u128::from(options.max_length.max(1));
    lengths
        .iter()
        .map(|&l| match options.oversize {
            _ if u128::from(l) <= max => 1,
            Oversize::Raise | Oversize::Drop => 0,
            Oversize::Truncate => 1,
            Oversize::Split => u128::from(l).div_ceil(max),
        })
        .sum()
}

fn index(value: i64) -> usize {
    usize::try_from(value).expect("a non-negative index")
}

/// Offsets start at 0, never decrease and end at the entry count; entry arrays agree.
fn check_layout(bins: &Bins) {
    let entries = bins.samples.len();
    assert_eq!(bins.starts.len(), entries);
    assert_eq!(bins.lengths.len(), entries);
    assert_eq!(bins.offsets.first(), Some(&0), "offsets do not start at 0");
    assert_eq!(bins.offsets.last().copied().map(index), Some(entries));
    assert!(
        bins.offsets.windows(2).all(|w| w[0] <= w[1]),
        "offsets decrease"
    );
}

/// Every bin is non-empty and within the token and entry limits.
fn check_bins(bins: &Bins, options: &PackOptions) {
    let limit = options.max_per_bin.unwrap_or(usize::MAX);
    for b in 0..bins.len() {
        let (a, z) = (index(bins.offsets[b]), index(bins.offsets[b + 1]));
        assert!(z > a, "bin {b} is empty");
        assert!(z - a <= limit, "bin {b} holds {} entries > {limit}", z - a);
        let tokens: i128 = bins.lengths[a..z].iter().map(|&l| i128::from(l)).sum();
        assert!(
            tokens <= i128::from(options.max_length),
            "bin {b} holds {tokens} tokens"
        );
    }
}

/// Each sample's pieces tile exactly the tokens the policy keeps; counters agree.
fn check_coverage(bins: &Bins, lengths: &[u64], options: &PackOptions) {
    let mut spans: Vec<Vec<(i128, i128, usize)>> = vec![Vec::new(); lengths.len()];
    for b in 0..bins.len() {
        for e in index(bins.offsets[b])..index(bins.offsets[b + 1]) {
            let (start, len) = (i128::from(bins.starts[e]), i128::from(bins.lengths[e]));
            spans[index(bins.samples[e])].push((start, len, b));
        }
    }
    let max = options.max_length;
    let (mut dropped, mut truncated, mut split, mut tokens) = (0, 0, 0, 0u128);
    for (i, (&len, pieces)) in lengths.iter().zip(&mut spans).enumerate() {
        pieces.sort_unstable();
        let kept = match options.oversize {
            _ if len <= max => len,
            Oversize::Drop | Oversize::Raise => 0,
            Oversize::Truncate => max,
            Oversize::Split => len,
        };
        let mut next = 0i128;
        for &(start, piece, _) in pieces.iter() {
            assert_eq!(start, next, "sample {i}: a gap or overlap at token {next}");
            assert!(piece > 0 || len == 0, "sample {i}: an empty piece");
            next += piece;
        }
        assert_eq!(
            u64::try_from(next).ok(),
            Some(kept),
            "sample {i} of {len} covers {next}"
        );
        tokens += u128::from(kept);
        let first_bin = pieces
            .first()
            .map_or(-1, |p| i64::try_from(p.2).expect("a bin index"));
        assert_eq!(bins.bin_of[i], first_bin, "bin_of of sample {i}");
        if len > max {
            match options.oversize {
                Oversize::Drop | Oversize::Raise => dropped += 1,
                Oversize::Truncate => truncated += 1,
                Oversize::Split => split += 1,
            }
        } else {
            assert_eq!(
                pieces.len(),
                1,
                "sample {i} fits but is in {} pieces",
                pieces.len()
            );
        }
    }
    assert_eq!(bins.bin_of.len(), lengths.len());
    assert_eq!(
        (bins.dropped, bins.truncated, bins.split),
        (dropped, truncated, split)
    );
    assert_eq!(bins.packed_tokens, tokens, "packed_tokens");
    assert!(
        bins.lower_bound() <= bins.len() as u128,
        "fewer bins than the lower bound"
    );
}

/// Inside each bin entries follow the feed order; sequential packing keeps it across bins.
fn check_feed_order(bins: &Bins, feed: &[usize]) {
    let mut position = vec![0usize; feed.len()];
    for (p, &sample) in feed.iter().enumerate() {
        position[sample] = p;
    }
    let key = |e: usize| (position[index(bins.samples[e])], bins.starts[e]);
    for b in 0..bins.len() {
        let (a, z) = (index(bins.offsets[b]), index(bins.offsets[b + 1]));
        assert!(
            (a + 1..z).all(|e| key(e - 1) < key(e)),
            "bin {b} breaks the feed order"
        );
    }
}

/// First fit, best fit and their decreasing forms open a bin only for an entry that fits no
/// open bin, so no two bins fit in one (by tokens and by entries); next fit (sequential) only
/// opens one when the entry does not fit the last bin. First fit is checked with one group.
fn check_no_mergeable_bins(bins: &Bins, options: &PackOptions, lengths: &[u64]) {
    let limit = options.max_per_bin.unwrap_or(usize::MAX);
    let load = |b: usize| {
        let (a, z) = (index(bins.offsets[b]), index(bins.offsets[b + 1]));
        let tokens: i128 = bins.lengths[a..z].iter().map(|&l| i128::from(l)).sum();
        (tokens, z - a)
    };
    let max = i128::from(options.max_length);
    let fits =
        |(t1, n1): (i128, usize), (t2, n2): (i128, usize)| t1 + t2 <= max && n1 + n2 <= limit;
    let n = bins.len();
    match options.strategy {
        Strategy::Sequential => {
            for b in 1..n {
                let first = (i128::from(bins.lengths[index(bins.offsets[b])]), 1);
                assert!(
                    !fits(load(b - 1), first),
                    "sequential opened bin {b} needlessly"
                );
            }
        }
        Strategy::FirstFit if options.group_size < pieces(lengths, options) as usize => {}
        _ if n > MAX_PAIR_BINS => {}
        _ => {
            let loads: Vec<_> = (0..n).map(load).collect();
            for i in 0..n {
                for j in i + 1..n {
                    assert!(!fits(loads[i], loads[j]), "bins {i} and {j} fit in one");
                }
            }
        }
    }
}
