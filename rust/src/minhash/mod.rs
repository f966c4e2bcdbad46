//! Near-duplicate detection: `MinHash` signatures, LSH banding and clusters by union-find.
//!
//! A row becomes a set of shingles: word n-grams of its normalized text ([`word_shingles`]:
//! lowercase, every character that is not alphanumeric a separator) or n-grams of its token
//! ids ([`token_shingles`]). Each shingle is hashed with xxh3-64 under the seed; the signature
//! holds, for each of `num_perm` permutations `(a * h + b) mod (2^61 - 1)` (as datatrove and
//! datasketch make them, `a` and `b` drawn from the seed), the smallest value over the
//! shingles. Rows whose signatures agree on every value of a band (`rows_per_band`
//! consecutive values) are candidates; a candidate pair is an edge when the share of equal
//! signature values (the Jaccard estimate) reaches the threshold. Edges join rows in a
//! union-find whose roots are the lowest row of each cluster, the row that is kept.
//!
//! Everything is a pure function of the rows and the parameters: the same result for any
//! thread count (signatures are computed in row order by [`crate::parallel::map_in_order`],
//! buckets and edges are visited in row order).

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

/// The Mersenne prime 2^61 - 1 the permutations work modulo.
const PRIME: u64 = (1 << 61) - 1;

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

/// The `num_perm` permutations `(a * h + b) mod PRIME`, drawn from the seed.
#[derive(Clone, Debug)]
pub struct Permutations {
    coefficients: Vec<(u64, u64)>,
}

impl Permutations {
    /// `num_perm` permutations from `seed` (`a` in `[1, PRIME)`, `b` in `[0, PRIME)`).
    pub fn new(num_perm: usize, seed: u64) -> Self {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let coefficients = (0..num_perm)
            .map(|_| (rng.random_range(1..PRIME), rng.random_range(0..PRIME)))
            .collect();
        Permutations { coefficients }
    }

    /// The signature of a set of shingle hashes; `None` for an empty set (such rows are
    /// never near-duplicates of anything).
    pub fn signature(&self, shingles: &[u64]) -> Option<Vec<u64>> {
        if shingles.is_empty() {
            return None;
        }
        let signature = self
            .coefficients
            .iter()
            .map(|&(a, b)| {
                shingles
                    .iter()
                    .map(|&h| permute(a, b, h))
                    .min()
                    .unwrap_or(u64::MAX)
            })
            .collect();
        Some(signature)
    }
}

/// `(a * h + b) mod 2^61 - 1`, reduced without a 128-bit division (the hot loop).
///
/// With `a, b < 2^61` and `h mod P < 2^61` the value is below `2^122 + 2^61`; for a
/// Mersenne prime `x mod P` is the sum of `x`'s 61-bit limbs, folded until below `P`.
fn permute(a: u64, b: u64, h: u64) -> u64 {
    let value = u128::from(a) * u128::from(h % PRIME) + u128::from(b);
    let limbs = (value & u128::from(PRIME)) + (value >> 61);
    let folded = (limbs & u128::from(PRIME)) + (limbs >> 61);
    // Below 2^62 now, and one subtraction brings it below P.
    let folded = u64::try_from(folded).unwrap_or(u64::MAX);
    if folded >= PRIME {
        folded - PRIME
    } else {
        folded
    }
}

/// The share of equal values of two signatures (the Jaccard estimate).
pub fn estimated_jaccard(a: &[u64], b: &[u64]) -> f64 {
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
    /// One id list per row; `None` (a null) has no shingles.
    Ids(&'a [Option<Vec<i64>>]),
}

impl Rows<'_> {
    fn len(&self) -> usize {
        match self {
            Rows::Texts(texts) => texts.len(),
            Rows::Ids(ids) => ids.len(),
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
) -> Result<Vec<Option<Vec<u64>>>> {
    params.check()?;
    let permutations = Permutations::new(params.num_perm, params.seed);
    let indices: Vec<usize> = (0..rows.len()).collect();
    crate::parallel::map_in_order(threads, &indices, |&row| {
        let shingles = match rows {
            Rows::Texts(texts) => texts[row]
                .map(|text| word_shingles(text, params.ngram, params.seed))
                .unwrap_or_default(),
            Rows::Ids(ids) => ids[row]
                .as_deref()
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
    Ok(clusters(&signatures, params))
}
