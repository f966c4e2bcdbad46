//! Near-duplicate detection: `MinHash` signatures, LSH banding and clusters by union-find.
//!
//! A row becomes a set of shingles: word n-grams of its normalized text ([`word_shingles`]:
//! lowercase, every character that is not alphanumeric a separator) or n-grams of its token
//! ids ([`token_shingles`]). Each shingle is hashed with xxh3-64 under the seed; the signature
//! holds, for each of `num_perm` hash functions ([`Permutations`]: multiply-add-shift, 32-bit
//! values, drawn from the seed), the smallest value over the shingles. Rows whose signatures agree on every value of a band (`rows_per_band`
//! consecutive values) are candidates; a candidate pair is an edge when the share of equal
//! signature values (the Jaccard estimate) reaches the threshold. Edges join rows in a
//! union-find whose roots are the lowest row of each cluster, the row that is kept.
//!
//! Everything is a pure function of the rows and the parameters: the same result for any
//! thread count (signatures, and each band's edges, are computed in order by
//! [`crate::parallel::map_in_order`]; buckets and edges are visited in row order).

mod lsh;
mod shingles;
mod unionfind;

#[cfg(test)]
mod tests;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

pub use lsh::{Edge, band_edges, clusters, roots_of_edges};
pub use shingles::{token_shingles, word_shingles};
pub use unionfind::UnionFind;

use crate::error::{Error, Result};

/// The parameters of a near-duplicate search.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Params {
    /// Shingle length (words or tokens).
    pub ngram: usize,
    /// Signature length.
    pub num_perm: usize,
    /// Number of bands.
    pub bands: usize,
    /// Values per band (`bands * rows_per_band <= num_perm`).
    pub rows_per_band: usize,
    /// The Jaccard estimate an edge needs.
    pub threshold: f64,
    /// Seed of the shingle hash and the permutations.
    pub seed: u64,
}

impl Params {
    /// Checks the parameters.
    ///
    /// # Errors
    /// An `InvalidArgument` naming the parameter that is out of range.
    pub fn check(&self) -> Result<()> {
        let positive = [
            ("ngram", self.ngram),
            ("num_perm", self.num_perm),
            ("bands", self.bands),
            ("rows_per_band", self.rows_per_band),
        ];
        for (name, value) in positive {
            if value == 0 {
                return Err(Error::invalid_argument(name, "must be at least 1"));
            }
        }
        if self.bands.saturating_mul(self.rows_per_band) > self.num_perm {
            return Err(Error::invalid_argument(
                "bands",
                format!(
                    "{} bands of {} values need {} permutations, num_perm is {}",
                    self.bands,
                    self.rows_per_band,
                    self.bands * self.rows_per_band,
                    self.num_perm
                ),
            ));
        }
        if !(0.0..=1.0).contains(&self.threshold) {
            return Err(Error::invalid_argument(
                "threshold",
                format!("must be within [0, 1], got {}", self.threshold),
            ));
        }
        Ok(())
    }
}

/// The `num_perm` hash functions of the signature, drawn from the seed.
///
/// Function `i` maps the low 32 bits `x` of a shingle hash to `(a_i * x + b_i) mod 2^64`,
/// shifted right by 32 bits: Dietzfelbinger's multiply-add-shift scheme, strongly universal
/// for 32-bit keys with 64-bit `a_i`, `b_i` drawn uniformly. Each costs one multiply and one
/// add, in a loop over the functions that the compiler vectorizes.
#[derive(Clone, Debug)]
pub struct Permutations {
    multipliers: Vec<u64>,
    increments: Vec<u64>,
}

impl Permutations {
    /// `num_perm` functions drawn from a `ChaCha8` stream of `seed`.
    pub fn new(num_perm: usize, seed: u64) -> Self {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let (multipliers, increments) = (0..num_perm)
            .map(|_| (rng.random::<u64>(), rng.random::<u64>()))
            .unzip();
        Permutations {
            multipliers,
            increments,
        }
    }

    /// The signature of a set of shingle hashes; `None` for an empty set (such rows are
    /// never near-duplicates of anything).
    pub fn signature(&self, shingles: &[u64]) -> Option<Vec<u32>> {
        if shingles.is_empty() {
            return None;
        }
        let mut signature = vec![u32::MAX; self.multipliers.len()];
        for &shingle in shingles {
            let key = shingle & u64::from(u32::MAX);
            let functions = self.multipliers.iter().zip(&self.increments);
            for (slot, (&a, &b)) in signature.iter_mut().zip(functions) {
                *slot = (*slot).min(high_half(a.wrapping_mul(key).wrapping_add(b)));
            }
        }
        Some(signature)
    }
}

#[allow(clippy::cast_possible_truncation)] // the high 32 bits: exact
fn high_half(value: u64) -> u32 {
    (value >> 32) as u32
}

/// The share of equal values of two signatures (the Jaccard estimate).
pub fn estimated_jaccard(a: &[u32], b: &[u32]) -> f64 {
    if a.is_empty() {
        return 0.0;
    }
    let equal = a.iter().zip(b).filter(|(x, y)| x == y).count();
    count_f64(equal) / count_f64(a.len())
}

#[allow(clippy::cast_precision_loss)] // counts far below 2^52
fn count_f64(n: usize) -> f64 {
    n as f64
}

/// The rows whose near-duplicates are searched: texts (word shingles) or token ids.
#[derive(Clone, Copy, Debug)]
pub enum Rows<'a> {
    /// One text per row; `None` (a null) has no shingles.
    Texts(&'a [Option<&'a str>]),
    /// One list of 32-bit token ids per row (borrowed from the Arrow column); `None` (a
    /// null) has no shingles.
    Ids32(&'a [Option<&'a [i32]>]),
    /// One list of 64-bit token ids per row; the same shingles as equal 32-bit ids.
    Ids64(&'a [Option<&'a [i64]>]),
}

impl Rows<'_> {
    fn len(&self) -> usize {
        match self {
            Rows::Texts(texts) => texts.len(),
            Rows::Ids32(ids) => ids.len(),
            Rows::Ids64(ids) => ids.len(),
        }
    }
}

/// Every row's signature, computed on `threads` threads, in row order.
///
/// # Errors
/// An `InvalidArgument` for out-of-range parameters, or a worker panic turned into an error.
pub fn signatures(
    rows: Rows<'_>,
    params: &Params,
    threads: usize,
) -> Result<Vec<Option<Vec<u32>>>> {
    params.check()?;
    let permutations = Permutations::new(params.num_perm, params.seed);
    let indices: Vec<usize> = (0..rows.len()).collect();
    crate::parallel::map_in_order(threads, &indices, |&row| {
        let shingles = match rows {
            Rows::Texts(texts) => texts[row]
                .map(|text| word_shingles(text, params.ngram, params.seed))
                .unwrap_or_default(),
            Rows::Ids32(ids) => ids[row]
                .map(|ids| token_shingles(ids, params.ngram, params.seed))
                .unwrap_or_default(),
            Rows::Ids64(ids) => ids[row]
                .map(|ids| token_shingles(ids, params.ngram, params.seed))
                .unwrap_or_default(),
        };
        permutations.signature(&shingles)
    })
}

/// For each row, the lowest row of its near-duplicate cluster (the row kept).
///
/// # Errors
/// As [`signatures`].
pub fn near_duplicates(rows: Rows<'_>, params: &Params, threads: usize) -> Result<Vec<usize>> {
    let signatures = signatures(rows, params, threads)?;
    clusters(&signatures, params, threads)
}
