//! Lengths and orders from Arrow arrays, checked.
//!
//! Python hands over numpy arrays, lists and pyarrow (chunked) arrays as Arrow arrays through
//! the C data interface, without a copy; here any integer type is read into `u64` lengths (or
//! `usize` indices), naming the first null or negative value in an error.

use arrow::array::{Array, ArrayRef, AsArray, PrimitiveArray};
use arrow::datatypes::{
    ArrowPrimitiveType, DataType, Int8Type, Int16Type, Int32Type, Int64Type, UInt8Type, UInt16Type,
    UInt32Type, UInt64Type,
};

use crate::error::{Error, Result};

/// The values of integer `chunks`, one after another, as `u64`.
///
/// `name` is the argument's name in errors: a non-integer type, a null or a negative value is
/// an [`Error::InvalidArgument`].
pub fn non_negative(chunks: &[ArrayRef], name: &str) -> Result<Vec<u64>> {
    let total = chunks.iter().map(Array::len).sum();
    let mut out = Vec::with_capacity(total);
    for chunk in chunks {
        if chunk.null_count() > 0 {
            let index = out.len() + (0..chunk.len()).find(|&i| chunk.is_null(i)).unwrap_or(0);
            return Err(Error::invalid_argument(
                name,
                format!("value {index} is null"),
            ));
        }
        match chunk.data_type() {
            DataType::Int8 => extend::<Int8Type>(chunk, &mut out, name)?,
            DataType::Int16 => extend::<Int16Type>(chunk, &mut out, name)?,
            DataType::Int32 => extend::<Int32Type>(chunk, &mut out, name)?,
            DataType::Int64 => extend::<Int64Type>(chunk, &mut out, name)?,
            DataType::UInt8 => extend::<UInt8Type>(chunk, &mut out, name)?,
            DataType::UInt16 => extend::<UInt16Type>(chunk, &mut out, name)?,
            DataType::UInt32 => extend::<UInt32Type>(chunk, &mut out, name)?,
            DataType::UInt64 => out.extend_from_slice(chunk.as_primitive::<UInt64Type>().values()),
            DataType::Null if chunk.is_empty() => {}
            other => {
                return Err(Error::invalid_argument(
                    name,
                    format!("expected integers, got {other}"),
                ));
            }
        }
    }
    Ok(out)
}

fn extend<T: ArrowPrimitiveType>(chunk: &ArrayRef, out: &mut Vec<u64>, name: &str) -> Result<()>
where
    T::Native: TryInto<u64> + Copy + std::fmt::Display,
{
    let array: &PrimitiveArray<T> = chunk.as_primitive::<T>();
    let base = out.len();
    for (i, &value) in array.values().iter().enumerate() {
        match value.try_into() {
            Ok(value) => out.push(value),
            Err(_) => {
                return Err(Error::invalid_argument(
                    name,
                    format!("value {} is negative ({value})", base + i),
                ));
            }
        }
    }
    Ok(())
}

/// Checks that `order` lists every index of `0..len` once.
pub fn check_permutation(order: &[usize], len: usize) -> Result<()> {
    if order.len() != len {
        return Err(Error::invalid_argument(
            "order",
            format!("has {} indices for {len} samples", order.len()),
        ));
    }
    let mut seen = vec![false; len];
    for (position, &index) in order.iter().enumerate() {
        match seen.get_mut(index) {
            Some(slot) if !*slot => *slot = true,
            Some(_) => {
                return Err(Error::invalid_argument(
                    "order",
                    format!("index {index} appears twice (again at position {position})"),
                ));
            }
            None => {
                return Err(Error::invalid_argument(
                    "order",
                    format!("index {index} at position {position} is out of range 0..{len}"),
                ));
            }
        }
    }
    Ok(())
}

/// `values` as indices (they are `u64`, so this fails only beyond the address space).
pub fn indices(values: Vec<u64>, name: &str) -> Result<Vec<usize>> {
    values
        .into_iter()
        .map(|v| {
            usize::try_from(v)
                .map_err(|_| Error::invalid_argument(name, format!("index {v} is out of range")))
        })
        .collect()
}
