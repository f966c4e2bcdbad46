//! Integer columns of any width, encoded by value without copying the column.
//!
//! A run of integers (a token list) is encoded as little-endian `i32`s when every value fits
//! `i32`, else as `i64`s when every value fits `i64`; the choice depends only on the values,
//! so an `int32` and an `int64` column holding the same tokens encode alike. An `int32`
//! column is hashed straight from its buffer; other widths go through a small stack buffer.

use arrow::array::{Array, ArrayRef, AsArray, PrimitiveArray};
use arrow::datatypes::{
    ArrowPrimitiveType, DataType, Int8Type, Int16Type, Int32Type, Int64Type, UInt8Type, UInt16Type,
    UInt32Type, UInt64Type,
};

/// Values converted per step when a run is encoded.
const STEP: usize = 256;

/// One value, for the scalar encoding.
pub enum Scalar {
    /// A value that fits `i64`.
    Small(i64),
    /// A `uint64` above `i64::MAX`.
    Big(u64),
}

/// How a run of values is written.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Width {
    /// Every value fits `i32`: 4 bytes each.
    Four,
    /// Every value fits `i64`, not all fit `i32`: 8 bytes each.
    Eight,
}

/// An integer column of any Arrow integer type.
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
    /// `uint64`.
    U64(PrimitiveArray<UInt64Type>),
}

impl Ints {
    /// The column, if `array` has an integer type.
    pub fn of(array: &ArrayRef) -> Option<Self> {
        Some(match array.data_type() {
            DataType::Int8 => Ints::I8(array.as_primitive().clone()),
            DataType::Int16 => Ints::I16(array.as_primitive().clone()),
            DataType::Int32 => Ints::I32(array.as_primitive().clone()),
            DataType::Int64 => Ints::I64(array.as_primitive().clone()),
            DataType::UInt8 => Ints::U8(array.as_primitive().clone()),
            DataType::UInt16 => Ints::U16(array.as_primitive().clone()),
            DataType::UInt32 => Ints::U32(array.as_primitive().clone()),
            DataType::UInt64 => Ints::U64(array.as_primitive().clone()),
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
            Ints::U64(a) => a,
        }
    }

    /// Value `i`.
    pub fn value(&self, i: usize) -> Scalar {
        match self {
            Ints::I8(a) => Scalar::Small(a.value(i).into()),
            Ints::I16(a) => Scalar::Small(a.value(i).into()),
            Ints::I32(a) => Scalar::Small(a.value(i).into()),
            Ints::I64(a) => Scalar::Small(a.value(i)),
            Ints::U8(a) => Scalar::Small(a.value(i).into()),
            Ints::U16(a) => Scalar::Small(a.value(i).into()),
            Ints::U32(a) => Scalar::Small(a.value(i).into()),
            Ints::U64(a) => {
                i64::try_from(a.value(i)).map_or(Scalar::Big(a.value(i)), Scalar::Small)
            }
        }
    }

    /// The width the values `range` are written with, or `None` if one does not fit `i64`.
    pub fn width(&self, range: std::ops::Range<usize>) -> Option<Width> {
        let fits = |fits_i32: bool| Some(if fits_i32 { Width::Four } else { Width::Eight });
        match self {
            Ints::I8(_) | Ints::I16(_) | Ints::I32(_) | Ints::U8(_) | Ints::U16(_) => {
                Some(Width::Four)
            }
            Ints::U32(a) => fits(a.values()[range].iter().fold(0, |m, &v| m.max(v)) <= I32_MAX),
            Ints::I64(a) => {
                let values = &a.values()[range];
                let min = values.iter().fold(0, |m, &v| m.min(v));
                let max = values.iter().fold(0, |m, &v| m.max(v));
                fits(min >= i64::from(i32::MIN) && max <= i64::from(i32::MAX))
            }
            Ints::U64(a) => {
                let max = a.values()[range].iter().fold(0, |m, &v| m.max(v));
                (max <= I64_MAX).then(|| fits(max <= u64::from(I32_MAX)))?
            }
        }
    }

    /// Hands the values `range` to `put` as little-endian integers of `width`, in pieces.
    #[allow(clippy::cast_possible_truncation, clippy::cast_possible_wrap)] // see Width::Four
    pub fn put_run(
        &self,
        range: std::ops::Range<usize>,
        width: Width,
        put: &mut impl FnMut(&[u8]),
    ) {
        let little = cfg!(target_endian = "little");
        match (self, width) {
            (Ints::I32(a), Width::Four) if little => put(raw(a, range, 4)),
            (Ints::I64(a), Width::Eight) if little => put(raw(a, range, 8)),
            (Ints::I8(a), _) => convert(&a.values()[range], |v| i32::from(v).to_le_bytes(), put),
            (Ints::I16(a), _) => convert(&a.values()[range], |v| i32::from(v).to_le_bytes(), put),
            (Ints::U8(a), _) => convert(&a.values()[range], |v| i32::from(v).to_le_bytes(), put),
            (Ints::U16(a), _) => convert(&a.values()[range], |v| i32::from(v).to_le_bytes(), put),
            (Ints::I32(a), _) => convert(&a.values()[range], i32::to_le_bytes, put),
            // Width::Four: every value fits i32, so the narrowing casts are exact.
            (Ints::U32(a), Width::Four) => {
                convert(&a.values()[range], |v| (v as i32).to_le_bytes(), put);
            }
            (Ints::U64(a), Width::Four) => {
                convert(&a.values()[range], |v| (v as i32).to_le_bytes(), put);
            }
            (Ints::U32(a), Width::Eight) => {
                convert(&a.values()[range], |v| i64::from(v).to_le_bytes(), put);
            }
            (Ints::I64(a), Width::Four) => {
                convert(&a.values()[range], |v| (v as i32).to_le_bytes(), put);
            }
            (Ints::I64(a), Width::Eight) => convert(&a.values()[range], i64::to_le_bytes, put),
            (Ints::U64(a), Width::Eight) => convert(&a.values()[range], u64::to_le_bytes, put),
        }
    }
}

const I32_MAX: u32 = i32::MAX.unsigned_abs();
const I64_MAX: u64 = i64::MAX.unsigned_abs();

/// The bytes of values `range` of a primitive array of `width`-byte values.
fn raw<T: ArrowPrimitiveType>(
    array: &PrimitiveArray<T>,
    range: std::ops::Range<usize>,
    width: usize,
) -> &[u8] {
    &array.values().inner().as_slice()[range.start * width..range.end * width]
}

fn convert<T: Copy, const W: usize>(
    values: &[T],
    to_bytes: impl Fn(T) -> [u8; W],
    put: &mut impl FnMut(&[u8]),
) {
    let mut buffer = [0u8; STEP * 8];
    for chunk in values.chunks(STEP) {
        for (slot, &value) in buffer.chunks_exact_mut(W).zip(chunk) {
            slot.copy_from_slice(&to_bytes(value));
        }
        put(&buffer[..chunk.len() * W]);
    }
}
