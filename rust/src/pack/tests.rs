//! Tests of the packing planner: invariants (proptest), efficiency on the benchmark
//! distributions, policies and edge cases.

// Test arithmetic on small indices and lengths.
#![allow(
    clippy::cast_possible_truncation,
    clippy::cast_possible_wrap,
    clippy::cast_precision_loss,
    clippy::cast_sign_loss
)]

use proptest::prelude::{any, prop, prop_assert, prop_assert_eq, proptest};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::{Bins, Oversize, PackOptions, Strategy, capacity, decreasing, first_fit, input, pack};
use crate::error::Error;

const STRATEGIES: [Strategy; 4] = [
    Strategy::BestFitDecreasing,
    Strategy::FirstFitDecreasing,
    Strategy::FirstFit,
    Strategy::Sequential,
];

fn options(max_length: u64, strategy: Strategy) -> PackOptions {
    PackOptions {
        strategy,
        ..PackOptions::new(max_length)
    }
}

/// Lognormal lengths (Box–Muller) of the given median and sigma 1, clipped to `[lo, hi]`.
pub(super) fn lognormal(n: usize, median: f64, lo: u64, hi: u64, seed: u64) -> Vec<u64> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    (0..n)
        .map(|_| {
            let (u1, u2): (f64, f64) = (rng.random::<f64>().max(f64::MIN_POSITIVE), rng.random());
            let normal = (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos();
            let len = (median * normal.exp()).round() as u64;
            len.clamp(lo, hi)
        })
        .collect()
}

/// Checks every invariant of `bins` for `lengths` packed with `options`.
fn check_invariants(lengths: &[u64], options: &PackOptions, bins: &Bins) {
    let limit = options.max_per_bin.unwrap_or(usize::MAX);
    let mut covered = vec![0u64; lengths.len()];
    for b in 0..bins.len() {
        let (a, z) = (bins.offsets[b] as usize, bins.offsets[b + 1] as usize);
        assert!(z > a, "bin {b} is empty");
        assert!(z - a <= limit, "bin {b} holds {} > {limit}", z - a);
        let tokens: i64 = bins.lengths[a..z].iter().sum();
        assert!(
            tokens as u64 <= options.max_length,
            "bin {b} holds {tokens} tokens"
        );
        for e in a..z {
            covered[bins.samples[e] as usize] += bins.lengths[e] as u64;
        }
    }
    let mut dropped = 0;
    for (i, &len) in lengths.iter().enumerate() {
        let expected = match options.oversize {
            _ if len <= options.max_length => len,
            Oversize::Drop => 0,
            Oversize::Truncate => options.max_length,
            Oversize::Split | Oversize::Raise => len,
        };
        assert_eq!(covered[i], expected, "sample {i} of {len} tokens");
        if expected == 0 && len > 0 {
            dropped += 1;
            assert_eq!(bins.bin_of[i], -1);
        } else {
            assert!(bins.bin(bins.bin_of[i] as usize).contains(&(i as i64)));
        }
    }
    assert_eq!(bins.dropped, dropped);
    assert!(bins.lower_bound() <= bins.len() as u128);
}

fn strategy() -> impl proptest::strategy::Strategy<Value = Strategy> {
    prop::sample::select(STRATEGIES.to_vec())
}

fn oversize() -> impl proptest::strategy::Strategy<Value = Oversize> {
    prop::sample::select(vec![Oversize::Drop, Oversize::Truncate, Oversize::Split])
}

proptest! {
    #[test]
    fn every_sample_is_packed_once_within_limits(
        lengths in prop::collection::vec(0u64..300, 0..400),
        max_length in 1u64..200,
        max_per_bin in prop::option::of(1usize..6),
        strategy in strategy(),
        oversize in oversize(),
        group_size in 1usize..50,
        seed in any::<u64>(),
    ) {
        let options = PackOptions { strategy, max_per_bin, seed, oversize, group_size,
            ..PackOptions::new(max_length) };
        let bins = pack(&lengths, None, &options).unwrap();
        check_invariants(&lengths, &options, &bins);
    }

    #[test]
    fn sequential_keeps_the_feed_order(
        lengths in prop::collection::vec(0u64..100, 0..300),
        max_length in 1u64..150,
        max_per_bin in prop::option::of(1usize..6),
        shuffle_seed in any::<u64>(),
    ) {
        let mut order: Vec<usize> = (0..lengths.len()).collect();
        rand::seq::SliceRandom::shuffle(&mut order[..], &mut ChaCha8Rng::seed_from_u64(shuffle_seed));
        let options = PackOptions { max_per_bin, oversize: Oversize::Split,
            ..options(max_length, Strategy::Sequential) };
        let bins = pack(&lengths, Some(&order), &options).unwrap();
        // Flattened, the bins list the samples in feed order (a split sample's pieces in a row).
        let mut flat = bins.samples.iter().map(|&s| s as usize).collect::<Vec<_>>();
        flat.dedup();
        prop_assert_eq!(flat, order);
    }

    #[test]
    fn decreasing_strategies_keep_index_order_inside_bins(
        lengths in prop::collection::vec(1u64..100, 0..300),
        seed in any::<u64>(),
    ) {
        for strategy in [Strategy::BestFitDecreasing, Strategy::FirstFitDecreasing] {
            let bins = pack(&lengths, None, &PackOptions { seed, ..options(100, strategy) }).unwrap();
            for b in 0..bins.len() {
                prop_assert!(bins.bin(b).windows(2).all(|w| w[0] < w[1]));
            }
        }
    }

    #[test]
    fn fixed_seed_gives_identical_bins(
        lengths in prop::collection::vec(0u64..100, 0..200),
        strategy in strategy(),
        seed in any::<u64>(),
    ) {
        let options = PackOptions { seed, ..options(100, strategy) };
        prop_assert_eq!(pack(&lengths, None, &options).unwrap(), pack(&lengths, None, &options).unwrap());
    }

    #[test]
    fn best_fit_tree_matches_a_linear_scan(
        lengths in prop::collection::vec(0u64..64, 0..200),
        dense in any::<bool>(),
    ) {
        // Sparse and dense shelves must choose bins with the same capacities as a plain scan.
        let max_length = if dense { 64 } else { 1 << 40 };
        let lens: Vec<u64> = lengths.iter().map(|l| l * (max_length / 64)).collect();
        let (assignment, bins) = decreasing::best_fit(&lens, max_length, usize::MAX);
        let order = decreasing::decreasing_order(&lens, max_length);
        let mut room: Vec<u64> = Vec::new();
        for &(len, piece) in &order {
            let best = room.iter().enumerate().filter(|(_, r)| **r >= len).min_by_key(|(_, r)| **r);
            let chosen = assignment[piece as usize] as usize;
            if let Some((_, &r)) = best {
                prop_assert_eq!(room[chosen], r);
                room[chosen] -= len;
            } else {
                prop_assert_eq!(chosen, room.len());
                room.push(max_length - len);
            }
        }
        prop_assert_eq!(room.len(), bins);
    }

    #[test]
    fn first_fit_tree_matches_axolotls_linear_scan(
        lengths in prop::collection::vec(0u64..64, 0..300),
        bin_size in 1usize..8,
        group_size in 1usize..120,
    ) {
        let (assignment, bins) = first_fit::grouped(&lengths, 64, bin_size, group_size);
        prop_assert_eq!(assignment, reference_pack_parallel(&lengths, 64, bin_size, group_size));
        prop_assert!(bins <= lengths.len());
    }
}

/// Axolotl's `pack_parallel` / `pack_group`, transcribed: bin of every sample.
fn reference_pack_parallel(lens: &[u64], capacity: u64, bin_size: usize, group: usize) -> Vec<u32> {
    let mut out = Vec::new();
    let mut offset = 0;
    for chunk in lens.chunks(group) {
        let (mut room, mut count): (Vec<u64>, Vec<usize>) = (Vec::new(), Vec::new());
        for &len in chunk {
            let found = (0..room.len()).find(|&b| room[b] >= len && count[b] < bin_size);
            let bin = found.unwrap_or_else(|| {
                room.push(capacity);
                count.push(0);
                room.len() - 1
            });
            room[bin] -= len;
            count[bin] += 1;
            out.push((offset + bin) as u32);
        }
        offset += room.len();
    }
    out
}

#[test]
fn decreasing_strategies_reach_the_lower_bound_on_benchmark_distributions() {
    for (median, max_length) in [(300.0, 4096), (300.0, 2048), (60.0, 8192)] {
        let lengths = lognormal(1_000_000, median, 16, max_length, 7);
        for strategy in [Strategy::BestFitDecreasing, Strategy::FirstFitDecreasing] {
            let bins = pack(&lengths, None, &options(max_length, strategy)).unwrap();
            let ratio = bins.lower_bound() as f64 / bins.len() as f64;
            assert!(ratio >= 0.9998, "{strategy:?} L={max_length}: {ratio}");
        }
    }
}

#[test]
fn oversize_policies() {
    let lengths = [5, 25, 3, 10];
    let err = pack(&lengths, None, &PackOptions::new(10)).unwrap_err();
    assert!(matches!(
        err,
        Error::SequenceTooLong {
            index: 1,
            length: 25,
            max_length: 10
        }
    ));
    for (oversize, dropped, truncated, split, entries) in [
        (Oversize::Drop, 1, 0, 0, 3),
        (Oversize::Truncate, 0, 1, 0, 4),
        (Oversize::Split, 0, 0, 1, 6),
    ] {
        let bins = pack(
            &lengths,
            None,
            &PackOptions {
                oversize,
                ..PackOptions::new(10)
            },
        )
        .unwrap();
        assert_eq!(
            (bins.dropped, bins.truncated, bins.split),
            (dropped, truncated, split)
        );
        assert_eq!(bins.samples.len(), entries);
    }
    let split = pack(
        &lengths,
        None,
        &PackOptions {
            oversize: Oversize::Split,
            strategy: Strategy::Sequential,
            ..PackOptions::new(10)
        },
    )
    .unwrap();
    let pieces: Vec<_> = (0..split.samples.len())
        .filter(|&e| split.samples[e] == 1)
        .map(|e| (split.starts[e], split.lengths[e]))
        .collect();
    assert_eq!(pieces, [(0, 10), (10, 10), (20, 5)]);
}

#[test]
fn edge_cases_never_panic() {
    for strategy in STRATEGIES {
        let o = options(1, strategy);
        assert!(pack(&[], None, &o).unwrap().is_empty());
        assert_eq!(pack(&[0, 0, 0], None, &o).unwrap().len(), 1);
        assert_eq!(pack(&[1, 1, 0], None, &o).unwrap().len(), 2);
        let huge = [u64::MAX, 1, u64::MAX - 1];
        let dropped = pack(
            &huge,
            None,
            &PackOptions {
                oversize: Oversize::Drop,
                ..o.clone()
            },
        );
        assert_eq!(dropped.unwrap().dropped, 2);
        let truncated = pack(
            &huge,
            None,
            &PackOptions {
                oversize: Oversize::Truncate,
                ..o.clone()
            },
        );
        assert_eq!(truncated.unwrap().truncated, 2);
        let split = pack(
            &huge,
            None,
            &PackOptions {
                oversize: Oversize::Split,
                ..o.clone()
            },
        );
        assert!(matches!(split, Err(Error::InvalidArgument { .. })));
        let big = options(u64::MAX >> 1, strategy);
        assert_eq!(pack(&huge[1..2], None, &big).unwrap().len(), 1);
    }
    for bad in [
        PackOptions::new(0),
        PackOptions::new(u64::MAX),
        PackOptions {
            max_per_bin: Some(0),
            ..PackOptions::new(8)
        },
        PackOptions {
            group_size: 0,
            ..PackOptions::new(8)
        },
    ] {
        assert!(matches!(
            pack(&[1], None, &bad),
            Err(Error::InvalidArgument { .. })
        ));
    }
    for order in [&[0usize, 0][..], &[0], &[0, 2]] {
        assert!(matches!(
            pack(&[1, 1], Some(order), &PackOptions::new(4)),
            Err(Error::InvalidArgument { .. })
        ));
    }
}

/// Found by `cargo fuzz` (target `pack`): splitting a sample longer than `i64::MAX` tokens
/// gave pieces whose start offsets were clamped to `i64::MAX` in `Bins::starts`, a silent
/// gap; such a sample is now an `InvalidArgument` naming it.
#[test]
fn splitting_a_sample_longer_than_int64_is_an_error() {
    let too_long = i64::MAX.unsigned_abs() + 1;
    let options = PackOptions {
        oversize: Oversize::Split,
        ..PackOptions::new(i64::MAX.unsigned_abs() - 1)
    };
    let error = pack(&[3, too_long], None, &options).unwrap_err();
    assert!(error.to_string().contains("sample 1 has"), "{error}");
    let longest = pack(&[i64::MAX.unsigned_abs()], None, &options).unwrap();
    let mut pieces: Vec<_> = longest.starts.iter().zip(&longest.lengths).collect();
    pieces.sort_unstable();
    assert_eq!(pieces, [(&0, &(i64::MAX - 1)), (&(i64::MAX - 1), &1)]);
}

#[test]
fn sequential_matches_axolotls_allocate_sequentially() {
    // Transcribed: a new bin when the sample does not fit the remaining capacity.
    let lengths = lognormal(5000, 300.0, 16, 4096, 3);
    let bins = pack(&lengths, None, &options(4096, Strategy::Sequential)).unwrap();
    let (mut expected, mut current, mut room) = (Vec::new(), Vec::new(), 4096u64);
    for (i, &len) in lengths.iter().enumerate() {
        if len > room {
            expected.push(std::mem::take(&mut current));
            room = 4096;
        }
        current.push(i as i64);
        room -= len;
    }
    expected.push(current);
    let got: Vec<Vec<i64>> = (0..bins.len()).map(|b| bins.bin(b).to_vec()).collect();
    assert_eq!(got, expected);
}

#[test]
fn level_bitset_finds_the_next_set_bit() {
    let mut set = capacity::LevelBitset::new(300_000);
    for pos in [5, 64, 4095, 4096, 262_143, 299_999] {
        set.insert(pos);
    }
    assert_eq!(set.next_at_or_after(0), Some(5));
    assert_eq!(set.next_at_or_after(6), Some(64));
    assert_eq!(set.next_at_or_after(4097), Some(262_143));
    set.remove(262_143);
    assert_eq!(set.next_at_or_after(4097), Some(299_999));
    assert_eq!(set.next_at_or_after(300_000), None);
}

#[test]
fn lengths_are_read_from_any_integer_arrow_type() {
    use std::sync::Arc;

    use arrow::array::{ArrayRef, Float64Array, Int8Array, Int64Array, UInt16Array, UInt64Array};

    let chunks: Vec<ArrayRef> = vec![
        Arc::new(Int8Array::from(vec![1, 2])),
        Arc::new(UInt16Array::from(vec![3])),
        Arc::new(Int64Array::from(vec![9, 4, 5]).slice(1, 2)),
        Arc::new(UInt64Array::from(vec![u64::MAX])),
    ];
    assert_eq!(
        input::non_negative(&chunks, "lengths").unwrap(),
        [1, 2, 3, 4, 5, u64::MAX]
    );
    let bad: [(ArrayRef, &str); 3] = [
        (
            Arc::new(Int64Array::from(vec![1, -2])),
            "value 3 is negative (-2)",
        ),
        (
            Arc::new(Int64Array::from(vec![Some(1), None])),
            "value 3 is null",
        ),
        (Arc::new(Float64Array::from(vec![1.0])), "expected integers"),
    ];
    for (chunk, message) in bad {
        let err = input::non_negative(&[chunks[0].clone(), chunk], "lengths").unwrap_err();
        assert!(err.to_string().contains(message), "{err}");
    }
}

#[test]
fn strategy_and_oversize_names_parse_and_unknown_names_are_invalid_arguments() {
    for name in Strategy::NAMES {
        assert_eq!(
            name.parse::<Strategy>().map(Strategy::name).ok(),
            Some(name)
        );
    }
    let policies: Vec<Oversize> = Oversize::NAMES.iter().map(|n| n.parse().unwrap()).collect();
    assert_eq!(
        policies,
        [
            Oversize::Raise,
            Oversize::Drop,
            Oversize::Truncate,
            Oversize::Split
        ]
    );
    let err = "worst_fit".parse::<Strategy>().unwrap_err();
    assert_eq!(
        err.to_string(),
        "invalid value for `strategy`: unknown value 'worst_fit'; \
         expected one of bfd, ffd, first_fit, sequential"
    );
    let err = "wrap".parse::<Oversize>().unwrap_err();
    assert!(matches!(err, Error::InvalidArgument { ref name, .. } if name == "oversize"));
}
