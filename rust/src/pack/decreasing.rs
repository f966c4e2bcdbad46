//! Best-fit and first-fit decreasing.
//!
//! Pieces are visited longest first. Lengths are at most `max_length`, so when that is small
//! enough to index (`dense_limit`) a counting sort orders them in `O(n + L)`; otherwise a
//! stable comparison sort does. Ties keep feed order either way, so the result depends on the
//! input only. Best fit puts each piece in the open bin with the least room that still fits it
//! ([`super::capacity`]); first fit in the first bin opened that fits it
//! ([`super::first_fit::FitTree`]).

use std::cmp::Reverse;

use super::capacity::{DenseShelves, Shelves, SparseShelves};
use super::first_fit::{FitTree, bin_id};

/// Counting sort and dense shelves index every capacity up to this, or up to twice the
/// number of pieces if that is more: `O(L)` memory stays within a constant of the input's.
const DENSE_MIN: usize = 1 << 16;

/// `max_length` as an index bound, when it is small enough for `O(L)` arrays.
fn dense_limit(max_length: u64, pieces: usize) -> Option<usize> {
    let limit = usize::try_from(max_length).ok()?;
    (limit <= DENSE_MIN.max(pieces.saturating_mul(2))).then_some(limit)
}

/// `(length, piece)` from longest to shortest, ties in feed order. Carrying the length saves
/// the packing loops a random read of it per piece.
pub fn decreasing_order(lens: &[u64], max_length: u64) -> Vec<(u64, u32)> {
    if let Some(limit) = dense_limit(max_length, lens.len()) {
        return counting_sort(lens, limit);
    }
    let mut order: Vec<(u64, u32)> = (0..lens.len()).map(|p| (lens[p], bin_id(p))).collect();
    order.sort_by_key(|&(len, _)| Reverse(len));
    order
}

/// Stable counting sort, descending, of lengths at most `limit`.
fn counting_sort(lens: &[u64], limit: usize) -> Vec<(u64, u32)> {
    let key = |len: u64| usize::try_from(len).map_or(0, |len| limit - len.min(limit));
    let mut starts = vec![0usize; limit + 2];
    for &len in lens {
        starts[key(len) + 1] += 1;
    }
    for k in 1..starts.len() {
        starts[k] += starts[k - 1];
    }
    let mut order = vec![(0u64, 0u32); lens.len()];
    for (piece, &len) in lens.iter().enumerate() {
        let slot = &mut starts[key(len)];
        order[*slot] = (len, bin_id(piece));
        *slot += 1;
    }
    order
}

/// Best-fit decreasing. Returns the bin of every piece and the number of bins.
pub fn best_fit(lens: &[u64], max_length: u64, limit: usize) -> (Vec<u32>, usize) {
    let order = decreasing_order(lens, max_length);
    match dense_limit(max_length, lens.len()) {
        Some(dense) => {
            let mut shelves = DenseShelves::new(dense, lens.len() / 8);
            best_fit_with(&mut shelves, lens, &order, max_length, limit)
        }
        None => best_fit_with(
            &mut SparseShelves::default(),
            lens,
            &order,
            max_length,
            limit,
        ),
    }
}

fn best_fit_with(
    shelves: &mut impl Shelves,
    lens: &[u64],
    order: &[(u64, u32)],
    max_length: u64,
    limit: usize,
) -> (Vec<u32>, usize) {
    let mut assignment = vec![0u32; lens.len()];
    let mut counts: Vec<usize> = Vec::new();
    for &(len, piece) in order {
        let (bin, room) = if let Some((capacity, bin)) = shelves.take_at_least(len) {
            (bin, capacity - len)
        } else {
            counts.push(0);
            (bin_id(counts.len() - 1), max_length - len)
        };
        let count = &mut counts[bin as usize];
        *count += 1;
        if *count < limit {
            shelves.put(room, bin);
        }
        assignment[piece as usize] = bin;
    }
    (assignment, counts.len())
}

/// First-fit decreasing. Returns the bin of every piece and the number of bins.
pub fn first_fit(lens: &[u64], max_length: u64, limit: usize) -> (Vec<u32>, usize) {
    let order = decreasing_order(lens, max_length);
    let mut tree = FitTree::new(max_length, limit);
    let mut assignment = vec![0u32; lens.len()];
    for &(len, piece) in &order {
        assignment[piece as usize] = bin_id(tree.place(len));
    }
    (assignment, tree.num_bins())
}
