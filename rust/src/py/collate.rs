//! Binding for [`crate::collate`]: token lists of a batch in, one padded `int64` matrix out.
//!
//! Rows come as Python sequences of pieces, each piece a list / tuple of ints or anything
//! with ``tolist()`` (numpy arrays, tensors); a row is its pieces concatenated (one piece for a
//! plain batch, the samples of a bin for a packed one). The values are read into a flat
//! buffer while attached to the interpreter; the padding runs with the GIL released, straight
//! into a ``bytearray`` that numpy and torch view without a copy.

use pyo3::prelude::*;
use pyo3::types::{PyByteArray, PyList, PyTuple};

use crate::collate::{self, Fill, Rows, Side};
use crate::error::Error;

const I64_BYTES: usize = std::mem::size_of::<i64>();

/// Pads one feature of a batch.
///
/// Args:
///     rows: The rows; each a sequence of pieces (sequences of ints) that are concatenated.
///     pad_to_multiple_of: Round the width up to a multiple of this (``None`` or 0: no).
///     width: The width to pad to instead of the longest row (rounded up all the same).
///     left: Pad on the left (``padding_side == "left"``).
///     fill: The pad value, unless ``arange``.
///     arange: Pad with ``0, 1, 2, ...`` (axolotl's ``position_ids`` padding).
///     segments: Multiply the values of piece ``j`` by ``j + 1`` (axolotl's V2 packed
///         ``attention_mask``).
///
/// Returns:
///     ``(data, rows, width, lengths)``: the row-major int64 matrix as native-endian bytes,
///     its shape, and each row's unpadded length.
#[pyfunction]
#[pyo3(signature = (rows, *, pad_to_multiple_of=None, width=None, left=false, fill=0, arange=false, segments=false))]
#[allow(clippy::too_many_arguments, clippy::fn_params_excessive_bools)] // keyword-only Python API
pub fn pad_feature<'py>(
    py: Python<'py>,
    rows: &Bound<'py, PyAny>,
    pad_to_multiple_of: Option<usize>,
    width: Option<usize>,
    left: bool,
    fill: i64,
    arange: bool,
    segments: bool,
) -> PyResult<(Bound<'py, PyByteArray>, usize, usize, Vec<usize>)> {
    let rows = read_rows(rows, segments)?;
    let longest = width.unwrap_or(0).max(rows.longest());
    let width = collate::padded_width(longest, pad_to_multiple_of)?;
    let side = if left { Side::Left } else { Side::Right };
    let fill = if arange {
        Fill::Arange
    } else {
        Fill::Constant(fill)
    };
    let matrix = py.detach(|| -> crate::Result<Vec<i64>> {
        let mut out = vec![0_i64; rows.len() * width];
        collate::pad_rows(&rows, width, side, fill, &mut out)?;
        Ok(out)
    })?;
    let data = PyByteArray::new_with(py, matrix.len() * I64_BYTES, |bytes| {
        for (chunk, value) in bytes.chunks_exact_mut(I64_BYTES).zip(&matrix) {
            chunk.copy_from_slice(&value.to_ne_bytes());
        }
        Ok(())
    })?;
    let lengths = (0..rows.len()).map(|i| rows.row(i).len()).collect();
    Ok((data, rows.len(), width, lengths))
}

/// Cumulative segment starts and the longest segment of packed ``position_ids``.
///
/// Args:
///     position_ids: The flattened ``[rows, width]`` matrix as native-endian int64 bytes.
///
/// Returns:
///     ``(cu_seqlens, longest)``: int32 native-endian bytes and an int, as transformers'
///     ``prepare_fa_kwargs_from_position_ids`` computes them.
#[pyfunction]
pub fn varlen_boundaries<'py>(
    py: Python<'py>,
    position_ids: &[u8],
) -> PyResult<(Bound<'py, PyByteArray>, i64)> {
    if !position_ids.len().is_multiple_of(I64_BYTES) {
        return Err(Error::invalid_argument(
            "position_ids",
            format!(
                "expected whole int64 values ({I64_BYTES} bytes each), got {} bytes",
                position_ids.len()
            ),
        )
        .into());
    }
    let values: Vec<i64> = position_ids
        .chunks_exact(I64_BYTES)
        .map(|chunk| {
            let mut bytes = [0_u8; I64_BYTES];
            bytes.copy_from_slice(chunk);
            i64::from_ne_bytes(bytes)
        })
        .collect();
    let (starts, longest) = py.detach(|| collate::varlen_boundaries(&values))?;
    let data = PyByteArray::new_with(py, starts.len() * 4, |bytes| {
        for (chunk, value) in bytes.chunks_exact_mut(4).zip(&starts) {
            chunk.copy_from_slice(&value.to_ne_bytes());
        }
        Ok(())
    })?;
    Ok((data, longest))
}

fn read_rows(rows: &Bound<'_, PyAny>, segments: bool) -> PyResult<Rows> {
    let mut out = Rows::new();
    for row in rows.try_iter()? {
        let row = row?;
        for (piece, scale) in row.try_iter()?.zip(1_i64..) {
            let scale = if segments { scale } else { 1 };
            push_piece(&mut out, &piece?, scale)?;
        }
        out.finish_row();
    }
    Ok(out)
}

fn push_piece(out: &mut Rows, piece: &Bound<'_, PyAny>, scale: i64) -> PyResult<()> {
    if let Ok(list) = piece.cast::<PyList>() {
        for item in list.iter() {
            out.push_value(scaled(&item, scale)?);
        }
        return Ok(());
    }
    if let Ok(tuple) = piece.cast::<PyTuple>() {
        for item in tuple.iter() {
            out.push_value(scaled(&item, scale)?);
        }
        return Ok(());
    }
    // numpy arrays and tensors: one C-level conversion instead of a scalar object per value
    let listed = if piece.hasattr("tolist")? {
        piece.call_method0("tolist")?
    } else {
        piece.clone()
    };
    for item in listed.try_iter()? {
        out.push_value(scaled(&item?, scale)?);
    }
    Ok(())
}

fn scaled(item: &Bound<'_, PyAny>, scale: i64) -> PyResult<i64> {
    let value: i64 = item.extract()?;
    value.checked_mul(scale).ok_or_else(|| {
        Error::invalid_argument(
            "rows",
            format!("value {value} × segment index {scale} overflows int64"),
        )
        .into()
    })
}
