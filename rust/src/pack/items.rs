//! What gets packed: samples, or pieces of them, after the [`Oversize`] policy.
//!
//! A sample of at most `max_length` tokens is one [`Piece`] (its whole span). A longer one is
//! raised about, dropped (no piece), truncated (one piece of `max_length` tokens: its first
//! `max_length` tokens), or split into `ceil(len / max_length)` consecutive pieces, all of
//! `max_length` tokens but the last. Pieces are listed in feed order, the pieces of a sample
//! together and by ascending start, so a stable sort by bin keeps that order inside a bin.

use std::str::FromStr;

use crate::error::{Error, Result};

/// Most pieces one packing may hold; bins and pieces are numbered in `u32`.
pub const MAX_PIECES: usize = u32::MAX as usize;

/// What to do with a sample longer than `max_length`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Oversize {
    /// Fail with [`Error::SequenceTooLong`] naming the first such sample.
    Raise,
    /// Leave it out of every bin (counted as dropped).
    Drop,
    /// Pack its first `max_length` tokens alone in a bin (counted as truncated).
    Truncate,
    /// Pack it as `ceil(len / max_length)` pieces (counted as split).
    Split,
}

impl Oversize {
    /// Every policy's name, as `FromStr` takes it.
    pub const NAMES: [&'static str; 4] = ["raise", "drop", "truncate", "split"];
}

impl FromStr for Oversize {
    type Err = Error;

    /// The policy called `name` (one of [`Oversize::NAMES`]).
    fn from_str(name: &str) -> Result<Self> {
        match name {
            "raise" => Ok(Oversize::Raise),
            "drop" => Ok(Oversize::Drop),
            "truncate" => Ok(Oversize::Truncate),
            "split" => Ok(Oversize::Split),
            other => Err(Error::unknown_value("oversize", other, &Oversize::NAMES)),
        }
    }
}

/// One packed span of a sample: tokens `start..start + len` of sample `sample`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Piece {
    /// The sample's index in the input.
    pub sample: usize,
    /// The first token of the span within the sample (0 unless split).
    pub start: u64,
    /// The span's length in tokens.
    pub len: u64,
}

/// The pieces to pack, in feed order, and what the policy did.
#[derive(Debug, Default)]
pub struct Items {
    /// The pieces.
    pub pieces: Vec<Piece>,
    /// Samples left out (over-long under [`Oversize::Drop`]).
    pub dropped: usize,
    /// Samples cut to `max_length`.
    pub truncated: usize,
    /// Samples packed in more than one piece.
    pub split: usize,
}

impl Items {
    /// Applies `oversize` to `lengths` fed in `order` (index order when `None`).
    pub fn build(
        lengths: &[u64],
        order: Option<&[usize]>,
        max_length: u64,
        oversize: Oversize,
    ) -> Result<Self> {
        let pieces = count_pieces(lengths, max_length, oversize)?;
        let mut items = Items {
            pieces: Vec::new(),
            ..Items::default()
        };
        items
            .pieces
            .try_reserve_exact(pieces)
            .map_err(|_| too_many(pieces))?;
        let mut feed = |sample: usize| items.push(sample, lengths[sample], max_length, oversize);
        match order {
            Some(order) => order.iter().for_each(|&sample| feed(sample)),
            None => (0..lengths.len()).for_each(feed),
        }
        Ok(items)
    }

    fn push(&mut self, sample: usize, len: u64, max_length: u64, oversize: Oversize) {
        if len <= max_length {
            self.pieces.push(Piece {
                sample,
                start: 0,
                len,
            });
            return;
        }
        match oversize {
            Oversize::Raise | Oversize::Drop => self.dropped += 1,
            Oversize::Truncate => {
                self.truncated += 1;
                self.pieces.push(Piece {
                    sample,
                    start: 0,
                    len: max_length,
                });
            }
            Oversize::Split => {
                self.split += 1;
                let mut start = 0;
                while start < len {
                    let piece = (len - start).min(max_length);
                    self.pieces.push(Piece {
                        sample,
                        start,
                        len: piece,
                    });
                    start += piece;
                }
            }
        }
    }

    /// The length of every piece, in feed order.
    pub fn lengths(&self) -> Vec<u64> {
        self.pieces.iter().map(|p| p.len).collect()
    }
}

/// How many pieces the policy makes; checks [`Oversize::Raise`], lengths [`Oversize::Split`]
/// cannot express, and [`MAX_PIECES`].
fn count_pieces(lengths: &[u64], max_length: u64, oversize: Oversize) -> Result<usize> {
    let mut total: u64 = 0;
    for (index, &length) in lengths.iter().enumerate() {
        let pieces = if length <= max_length {
            1
        } else {
            match oversize {
                Oversize::Raise => {
                    return Err(Error::SequenceTooLong {
                        index,
                        length: usize::try_from(length).unwrap_or(usize::MAX),
                        max_length: usize::try_from(max_length).unwrap_or(usize::MAX),
                    });
                }
                Oversize::Drop => 0,
                Oversize::Truncate => 1,
                Oversize::Split if i64::try_from(length).is_err() => {
                    return Err(too_long_to_split(index, length));
                }
                Oversize::Split => length.div_ceil(max_length),
            }
        };
        total = total.saturating_add(pieces);
    }
    match usize::try_from(total) {
        Ok(total) if total <= MAX_PIECES => Ok(total),
        _ => Err(too_many(usize::try_from(total).unwrap_or(usize::MAX))),
    }
}

/// A split sample's pieces start at token offsets that [`Bins`](super::Bins) holds as `i64`.
fn too_long_to_split(index: usize, length: u64) -> Error {
    Error::invalid_argument(
        "lengths",
        format!(
            "sample {index} has {length} tokens; split pieces must start below {} (int64)",
            i64::MAX
        ),
    )
}

fn too_many(pieces: usize) -> Error {
    Error::invalid_argument(
        "lengths",
        format!("packing would hold {pieces} samples and pieces, more than {MAX_PIECES}"),
    )
}
