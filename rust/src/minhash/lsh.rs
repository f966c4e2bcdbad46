//! LSH banding and clusters: the edges of one band over any set of rows, and their roots.
//!
//! [`band_edges`] looks at one band of the signatures of some rows, given in ascending row
//! order: rows whose band values are equal share a bucket; each row is compared with the
//! rows already in its bucket and joined (an [`Edge`]) to the first whose Jaccard estimate
//! reaches the threshold, else it becomes a member (at most [`MAX_BUCKET_MEMBERS`]). A
//! bucket's edges depend only on that bucket's rows, so any grouping that keeps every bucket
//! whole (all rows on one machine, or groups of rows shuffled by band and bucket hash on
//! Ray) yields the same edges. [`roots_of_edges`] turns edges into each row's cluster root
//! (the lowest row), and [`clusters`] is both steps over every band.

use ahash::AHashMap;

use super::{Params, UnionFind, estimated_jaccard};
use crate::error::Result;

/// The most rows of one bucket that later rows are compared with.
pub const MAX_BUCKET_MEMBERS: usize = 64;

/// A confirmed near-duplicate pair: (an earlier bucket member, a later row).
pub type Edge = (usize, usize);

/// The edges of band `band` among `rows` (`(row, signature)`, rows strictly ascending).
///
/// Rows without a signature are left out by the caller: they have no shingles and are
/// near-duplicates of nothing.
pub fn band_edges(rows: &[(usize, &[u32])], band: usize, params: &Params) -> Vec<Edge> {
    let range = band * params.rows_per_band..(band + 1) * params.rows_per_band;
    // Only looked up, never iterated: the hasher's random seed changes nothing.
    let mut buckets: AHashMap<&[u32], Vec<usize>> = AHashMap::new();
    let mut edges = Vec::new();
    for (position, &(row, signature)) in rows.iter().enumerate() {
        let Some(key) = signature.get(range.clone()) else {
            continue;
        };
        let members = buckets.entry(key).or_default();
        let matched = members
            .iter()
            .copied()
            .find(|&member| estimated_jaccard(signature, rows[member].1) >= params.threshold);
        match matched {
            Some(member) => edges.push((rows[member].0, row)),
            None if members.len() < MAX_BUCKET_MEMBERS => members.push(position),
            None => {}
        }
    }
    edges
}

/// For each of rows `0..num_rows`, the lowest row it is joined to by `edges` (itself when
/// none). Edges naming a row beyond `num_rows` are ignored by the caller's contract.
pub fn roots_of_edges(num_rows: usize, edges: &[Edge]) -> Vec<usize> {
    let mut found = UnionFind::new(num_rows);
    for &(a, b) in edges {
        if a < num_rows && b < num_rows {
            found.union(a, b);
        }
    }
    (0..num_rows).map(|row| found.find(row)).collect()
}

/// The clusters of near-duplicate rows: for each row, the lowest row of its cluster.
///
/// `signatures[i]` is row `i`'s signature (`None`: no shingles, a cluster of its own). The
/// bands are searched on `threads` threads (each band's edges are its own), then joined.
///
/// # Errors
/// A worker panic turned into an error.
pub fn clusters(
    signatures: &[Option<Vec<u32>>],
    params: &Params,
    threads: usize,
) -> Result<Vec<usize>> {
    let rows: Vec<(usize, &[u32])> = signatures
        .iter()
        .enumerate()
        .filter_map(|(row, signature)| signature.as_deref().map(|s| (row, s)))
        .collect();
    let bands: Vec<usize> = (0..params.bands).collect();
    let edges =
        crate::parallel::map_in_order(threads, &bands, |&band| band_edges(&rows, band, params))?;
    Ok(roots_of_edges(signatures.len(), &edges.concat()))
}
