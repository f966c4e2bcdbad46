//! Integer columns of any width, read as `i64` without copying the column.
//!
//! Token ids often come as `int32`; widening the whole column to `int64` before hashing would
//! double its memory. Instead each value is widened when it is encoded, and a run of values
//! (a token list) is widened through a small stack buffer.

use arrow::array::{Array, ArrayRef, AsArray, PrimitiveArray};
use arrow::datatypes::{
    ArrowPrimitiveType, DataType, Int8Type, Int16Type, Int32Type, Int64Type, UInt8Type, UInt16Type,
    UInt32Type,
};

/// Values widened per step when a run is encoded.
const STEP: usize = 256;

/// A signed integer column, or an unsigned one up to `uint32`.
pub enum Ints {
    /// `int8`.
    I8(PrimitiveArray<Int8Type>),
    /// `int16`.
    I16(PrimitiveArray<Int16Type>),
    /// `int32`.
    I32(PrimitiveArray<Int32Type>),
    /// `int64`.
    I64(PrimitiveArray<Int64Type>),
    /// `uint8`.
    U8(PrimitiveArray<UInt8Type>),
    /// `uint16`.
    U16(PrimitiveArray<UInt16Type>),
    /// `uint32`.
    U32(PrimitiveArray<UInt32Type>),
}

impl Ints {
    /// The column, if `array` is one of the integer types above.
    pub fn of(array: &ArrayRef) -> Option<Self> {
        Some(match array.data_type() {
            DataType::Int8 => Ints::I8(array.as_primitive().clone()),
            DataType::Int16 => Ints::I16(array.as_primitive().clone()),
            DataType::Int32 => Ints::I32(array.as_primitive().clone()),
            DataType::Int64 => Ints::I64(array.as_primitive().clone()),
            DataType::UInt8 => Ints::U8(array.as_primitive().clone()),
            DataType::UInt16 => Ints::U16(array.as_primitive().clone()),
            DataType::UInt32 => Ints::U32(array.as_primitive().clone()),
            _ => return None,
        })
    }

    /// The array itself (for nulls).
    pub fn array(&self) -> &dyn Array {
        match self {
            Ints::I8(a) => a,
            Ints::I16(a) => a,
            Ints::I32(a) => a,
            Ints::I64(a) => a,
            Ints::U8(a) => a,
            Ints::U16(a) => a,
            Ints::U32(a) => a,
        }
    }

    /// Value `i`, widened.
    pub fn value(&self, i: usize) -> i64 {
        match self {
            Ints::I8(a) => a.value(i).into(),
            Ints::I16(a) => a.value(i).into(),
            Ints::I32(a) => a.value(i).into(),
            Ints::I64(a) => a.value(i),
            Ints::U8(a) => a.value(i).into(),
            Ints::U16(a) => a.value(i).into(),
            Ints::U32(a) => a.value(i).into(),
        }
    }

    /// Hands the values `range` to `put` as little-endian `i64` bytes, in pieces.
    pub fn put_run(&self, range: std::ops::Range<usize>, put: &mut impl FnMut(&[u8])) {
        match self {
            Ints::I64(a) if cfg!(target_endian = "little") => {
                let bytes = a.values().inner().as_slice();
                put(&bytes[range.start * 8..range.end * 8]);
            }
            Ints::I8(a) => widen(a, range, put),
            Ints::I16(a) => widen(a, range, put),
            Ints::I32(a) => widen(a, range, put),
            Ints::I64(a) => widen(a, range, put),
            Ints::U8(a) => widen(a, range, put),
            Ints::U16(a) => widen(a, range, put),
            Ints::U32(a) => widen(a, range, put),
        }
    }
}

fn widen<T>(array: &PrimitiveArray<T>, range: std::ops::Range<usize>, put: &mut impl FnMut(&[u8]))
where
    T: ArrowPrimitiveType,
    T::Native: Into<i64>,
{
    let mut buffer = [0u8; STEP * 8];
    for values in array.values()[range].chunks(STEP) {
        for (slot, &value) in buffer.chunks_exact_mut(8).zip(values) {
            slot.copy_from_slice(&value.into().to_le_bytes());
        }
        put(&buffer[..values.len() * 8]);
    }
}
