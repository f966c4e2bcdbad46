//! The packing planner: which samples share a row of `max_length` tokens.
//!
//! [`pack`] takes the token length of every sample and returns [`Bins`]: for each packed row
//! (a *bin*) the samples in it. Four strategies:
//!
//! - [`Strategy::BestFitDecreasing`] and [`Strategy::FirstFitDecreasing`] sort the lengths
//!   (a counting sort: lengths are at most `max_length`) and place each sample in the fullest
//!   bin it fits ([`decreasing`]), or the first ([`first_fit`]). Both reach 99.99 % of the
//!   lower bound on realistic length distributions in `O(n log L)`. Sorted packing is not
//!   what training should see (axolotl removed it, PR #2657: sorted bins changed the loss), so
//!   the bins are shuffled with the seed and the samples inside a bin keep their input order.
//! - [`Strategy::FirstFit`] is axolotl 0.21's `MultipackBatchSampler` packing (`pack_parallel`
//!   / `pack_group`): first fit in the order given, in independent groups of `group_size`
//!   samples, at most `max_per_bin` samples per bin, bins in the order they were opened. Given
//!   the same order (axolotl's sampler indices) it makes the same bins.
//! - [`Strategy::Sequential`] is next fit in the order given (axolotl's
//!   `allocate_sequentially`): the samples keep their order across and inside bins.
//!
//! Samples longer than `max_length` follow [`Oversize`] ([`items`]). The result is laid out
//! by [`bins`].

pub mod bins;
pub mod capacity;
pub mod decreasing;
pub mod first_fit;
pub mod input;
pub mod items;
#[cfg(test)]
mod tests;

use std::str::FromStr;

pub use bins::Bins;
pub use items::{Oversize, Piece};

use crate::error::{Error, Result};

/// The packing algorithm.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Strategy {
    /// Best-fit decreasing (`"bfd"`), bins shuffled.
    BestFitDecreasing,
    /// First-fit decreasing (`"ffd"`), bins shuffled.
    FirstFitDecreasing,
    /// Axolotl's grouped first fit in the given order (`"first_fit"`).
    FirstFit,
    /// Order-preserving next fit (`"sequential"`).
    Sequential,
}

impl Strategy {
    /// Every strategy's name, as `FromStr` takes it and [`Strategy::name`] gives it.
    pub const NAMES: [&'static str; 4] = ["bfd", "ffd", "first_fit", "sequential"];

    /// The strategy's name.
    pub fn name(self) -> &'static str {
        match self {
            Strategy::BestFitDecreasing => "bfd",
            Strategy::FirstFitDecreasing => "ffd",
            Strategy::FirstFit => "first_fit",
            Strategy::Sequential => "sequential",
        }
    }
}

impl FromStr for Strategy {
    type Err = Error;

    /// The strategy called `name` (one of [`Strategy::NAMES`]).
    fn from_str(name: &str) -> Result<Self> {
        match name {
            "bfd" => Ok(Strategy::BestFitDecreasing),
            "ffd" => Ok(Strategy::FirstFitDecreasing),
            "first_fit" => Ok(Strategy::FirstFit),
            "sequential" => Ok(Strategy::Sequential),
            other => Err(Error::unknown_value("strategy", other, &Strategy::NAMES)),
        }
    }
}

/// Axolotl's default `sample_packing_group_size`.
pub const DEFAULT_GROUP_SIZE: usize = 100_000;

/// How to pack; see [`pack`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PackOptions {
    /// Tokens per bin, from 1 to `i64::MAX`.
    pub max_length: u64,
    /// The algorithm.
    pub strategy: Strategy,
    /// At most this many entries (samples or pieces) per bin; `None` for no limit.
    pub max_per_bin: Option<usize>,
    /// Seeds the bin shuffle of the decreasing strategies (the others do not shuffle).
    pub seed: u64,
    /// What to do with samples longer than `max_length`.
    pub oversize: Oversize,
    /// Samples per independent group of [`Strategy::FirstFit`] (ignored by the others).
    pub group_size: usize,
}

impl PackOptions {
    /// Best-fit decreasing into bins of `max_length`, no per-bin limit, seed 0, raise on
    /// oversize samples.
    pub fn new(max_length: u64) -> Self {
        PackOptions {
            max_length,
            strategy: Strategy::BestFitDecreasing,
            max_per_bin: None,
            seed: 0,
            oversize: Oversize::Raise,
            group_size: DEFAULT_GROUP_SIZE,
        }
    }

    fn validate(&self) -> Result<()> {
        if self.max_length == 0 || i64::try_from(self.max_length).is_err() {
            return Err(Error::invalid_argument(
                "max_length",
                format!("must be from 1 to {}, got {}", i64::MAX, self.max_length),
            ));
        }
        if self.max_per_bin == Some(0) {
            return Err(Error::invalid_argument(
                "max_per_bin",
                "must be at least 1 (or None for no limit)",
            ));
        }
        if self.group_size == 0 {
            return Err(Error::invalid_argument("group_size", "must be at least 1"));
        }
        Ok(())
    }

    /// The per-bin limit as a number (`usize::MAX` for none).
    fn per_bin_limit(&self) -> usize {
        self.max_per_bin.unwrap_or(usize::MAX)
    }
}

/// Packs samples of the given token `lengths` into bins of `options.max_length` tokens.
///
/// `order`, when given, is the order the samples are fed to the packer: a permutation of
/// `0..lengths.len()` (axolotl's sampler indices). It decides the packing of
/// [`Strategy::FirstFit`] and [`Strategy::Sequential`] and the order inside a bin for every
/// strategy; without it samples are fed in index order.
///
/// # Errors
/// [`Error::InvalidArgument`] for a bad option or an `order` that is not a permutation,
/// [`Error::SequenceTooLong`] (the lowest offending index) under [`Oversize::Raise`].
pub fn pack(lengths: &[u64], order: Option<&[usize]>, options: &PackOptions) -> Result<Bins> {
    options.validate()?;
    if let Some(order) = order {
        input::check_permutation(order, lengths.len())?;
    }
    let items = items::Items::build(lengths, order, options.max_length, options.oversize)?;
    let limit = options.per_bin_limit();
    let lens = items.lengths();
    let (assignment, num_bins) = match options.strategy {
        Strategy::BestFitDecreasing => decreasing::best_fit(&lens, options.max_length, limit),
        Strategy::FirstFitDecreasing => decreasing::first_fit(&lens, options.max_length, limit),
        Strategy::FirstFit => {
            first_fit::grouped(&lens, options.max_length, limit, options.group_size)
        }
        Strategy::Sequential => first_fit::next_fit(&lens, options.max_length, limit),
    };
    let shuffle = match options.strategy {
        Strategy::BestFitDecreasing | Strategy::FirstFitDecreasing => Some(options.seed),
        Strategy::FirstFit | Strategy::Sequential => None,
    };
    Ok(Bins::assemble(
        &items,
        &assignment,
        num_bins,
        lengths.len(),
        options.max_length,
        shuffle,
    ))
}
