//! Padding and packing of token rows into fixed-width `int64` matrices.
//!
//! The collators of axolotl (`DataCollatorForSeq2Seq` and its batch-sampler subclasses) turn a
//! batch of token lists into `[rows, width]` tensors: each feature padded on the tokenizer's
//! side to the longest row, rounded up to `pad_to_multiple_of`. For packed batches a row is the
//! concatenation of the samples of one bin. This module does that on flat buffers:
//!
//! * [`Rows`] holds the rows of one feature as one value buffer plus row offsets (the layout of
//!   an Arrow list array);
//! * [`padded_width`] is axolotl's width rule;
//! * [`pad_rows`] writes the `[rows, width]` matrix, padding with a constant (`input_ids`:
//!   the pad token, `labels`: -100, `attention_mask`: 0) or, for `position_ids`, with a fresh
//!   `0, 1, 2, ...` run as axolotl does;
//! * [`varlen_boundaries`] gives flash-attention's `cu_seqlens` and the longest segment from
//!   packed `position_ids`.

#[cfg(test)]
mod tests;

use crate::error::{Error, Result};

/// Which end of a row gets the padding (the tokenizer's `padding_side`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    /// Values first, padding after them.
    Right,
    /// Padding first, values after it.
    Left,
}

/// What fills the padded positions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fill {
    /// The same value everywhere (pad token id, -100, 0).
    Constant(i64),
    /// `0, 1, 2, ...` over the padded positions (axolotl's `position_ids` padding).
    Arange,
}

/// The rows of one feature: row `i` is `values[offsets[i]..offsets[i + 1]]`.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Rows {
    values: Vec<i64>,
    offsets: Vec<usize>,
}

impl Rows {
    /// No rows yet.
    pub fn new() -> Self {
        Rows {
            values: Vec::new(),
            offsets: vec![0],
        }
    }

    /// Room for `rows` rows of `values` values in all.
    pub fn with_capacity(rows: usize, values: usize) -> Self {
        let mut offsets = Vec::with_capacity(rows + 1);
        offsets.push(0);
        Rows {
            values: Vec::with_capacity(values),
            offsets,
        }
    }

    /// Appends a value to the row being built.
    pub fn push_value(&mut self, value: i64) {
        self.values.push(value);
    }

    /// Ends the row being built (its values are those pushed since the last call).
    pub fn finish_row(&mut self) {
        self.offsets.push(self.values.len());
    }

    /// The number of finished rows.
    pub fn len(&self) -> usize {
        self.offsets.len() - 1
    }

    /// Whether there is no finished row.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Row `index` (panics when out of range, like slice indexing).
    pub fn row(&self, index: usize) -> &[i64] {
        &self.values[self.offsets[index]..self.offsets[index + 1]]
    }

    /// The length of the longest row (0 without rows).
    pub fn longest(&self) -> usize {
        self.offsets
            .windows(2)
            .map(|w| w[1] - w[0])
            .max()
            .unwrap_or(0)
    }
}

/// Axolotl's padded width: the longest row rounded up to a multiple of `multiple`.
///
/// `multiple` of `None` or 0 leaves the longest length as it is (0 is what `tokenizer.pad`
/// does with a falsy `pad_to_multiple_of`).
pub fn padded_width(longest: usize, multiple: Option<usize>) -> Result<usize> {
    match multiple {
        None | Some(0) => Ok(longest),
        Some(step) => longest
            .div_ceil(step)
            .checked_mul(step)
            .ok_or_else(|| invalid("pad_to_multiple_of", "padded width overflows")),
    }
}

/// Writes `rows` as a row-major `[rows.len(), width]` matrix into `out`.
///
/// Errors: `out` is not `rows.len() * width` long, or a row is longer than `width`.
pub fn pad_rows(rows: &Rows, width: usize, side: Side, fill: Fill, out: &mut [i64]) -> Result<()> {
    let expected = rows
        .len()
        .checked_mul(width)
        .ok_or_else(|| invalid("width", "rows × width overflows"))?;
    if out.len() != expected {
        return Err(invalid("out", "output is not rows × width long"));
    }
    if width == 0 {
        return Ok(());
    }
    for (index, target) in out.chunks_exact_mut(width).enumerate() {
        let row = rows.row(index);
        if row.len() > width {
            return Err(invalid("width", "a row is longer than the padded width"));
        }
        let pad = width - row.len();
        let (values, padding) = match side {
            Side::Right => {
                let (values, padding) = target.split_at_mut(row.len());
                (values, padding)
            }
            Side::Left => {
                let (padding, values) = target.split_at_mut(pad);
                (values, padding)
            }
        };
        values.copy_from_slice(row);
        fill_padding(padding, fill);
    }
    Ok(())
}

fn fill_padding(padding: &mut [i64], fill: Fill) {
    match fill {
        Fill::Constant(value) => padding.fill(value),
        Fill::Arange => {
            for (slot, value) in padding.iter_mut().zip(0_i64..) {
                *slot = value;
            }
        }
    }
}

/// Flash-attention varlen metadata from a `[rows, width]` `position_ids` matrix.
///
/// The matrix is read as one flat sequence and a segment starts wherever the position id is
/// the smallest one (0 for most models), as transformers' `prepare_fa_kwargs_from_position_ids`
/// does. Returns the segment starts followed by the total length (`cu_seqlens`, int32 as
/// transformers makes it) and the longest segment. Empty input is an error, as in torch.
pub fn varlen_boundaries(position_ids: &[i64]) -> Result<(Vec<i32>, i64)> {
    let total = i32::try_from(position_ids.len())
        .map_err(|_| invalid("position_ids", "more than i32::MAX positions"))?;
    let first = position_ids
        .iter()
        .min()
        .ok_or_else(|| invalid("position_ids", "no positions"))?;
    let mut starts: Vec<i32> = Vec::new();
    for (index, position) in (0_i32..).zip(position_ids) {
        if position == first {
            starts.push(index);
        }
    }
    starts.push(total);
    let longest = starts.windows(2).map(|w| w[1] - w[0]).max().unwrap_or(0);
    Ok((starts, i64::from(longest)))
}

fn invalid(name: &str, reason: &str) -> Error {
    Error::invalid_argument(name, reason)
}
