//! Integer columns of any width, encoded by value without copying the column.
//!
//! A run of integers (a token list) is encoded as little-endian `i32`s when every value fits
//! `i32`, else as `i64`s when every value fits `i64`; the choice depends only on the values,
//! so an `int32` and an `int64` column holding the same tokens encode alike. An `int32`
//! column is hashed straight from its buffer; other widths (axolotl writes `attention_mask`
//! as `int8` and `labels` / `position_ids` as `int64` lists) are checked in one vectorized
//! pass and narrowed or widened through a small stack buffer, never a copy of the column.

use arrow::array::{Array, ArrayRef, AsArray, PrimitiveArray};
use arrow::datatypes::{
    ArrowNativeType, ArrowPrimitiveType, DataType, Int8Type, Int16Type, Int32Type, Int64Type,
    ToByteSlice, UInt8Type, UInt16Type, UInt32Type, UInt64Type,
};

/// Values converted per step when a run is encoded.
const STEP: usize = 512;

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
    ///
    /// One branch-free pass over the values (it vectorizes), whatever the column's width.
    pub fn width(&self, range: std::ops::Range<usize>) -> Option<Width> {
        let fits = |fits_i32: bool| Some(if fits_i32 { Width::Four } else { Width::Eight });
        match self {
            Ints::I8(_) | Ints::I16(_) | Ints::I32(_) | Ints::U8(_) | Ints::U16(_) => {
                Some(Width::Four)
            }
            Ints::U32(a) => fits(a.values()[range].iter().fold(0, |m, &v| m | v) <= I32_MAX),
            Ints::I64(a) => fits(outside_i32(&a.values()[range]) == 0),
            Ints::U64(a) => {
                let high = a.values()[range].iter().fold(0, |m, &v| m | v);
                (high <= I64_MAX).then(|| fits(high <= u64::from(I32_MAX)))?
            }
        }
    }

    /// Hands the values `range` to `put` as little-endian integers of `width`, in pieces.
    ///
    /// `int32` at [`Width::Four`] and `int64` at [`Width::Eight`] are handed straight from the
    /// column's buffer; every other pair is widened or narrowed a piece at a time in a stack
    /// buffer, in plain loops the compiler vectorizes.
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
            (Ints::I8(a), _) => convert(&a.values()[range], i32::from, put),
            (Ints::I16(a), _) => convert(&a.values()[range], i32::from, put),
            (Ints::U8(a), _) => convert(&a.values()[range], i32::from, put),
            (Ints::U16(a), _) => convert(&a.values()[range], i32::from, put),
            (Ints::I32(a), _) => convert(&a.values()[range], |v| v, put),
            // Width::Four: every value fits i32, so the narrowing casts are exact.
            (Ints::U32(a), Width::Four) => convert(&a.values()[range], |v| v as i32, put),
            (Ints::U64(a), Width::Four) => convert(&a.values()[range], |v| v as i32, put),
            (Ints::I64(a), Width::Four) => convert(&a.values()[range], |v| v as i32, put),
            (Ints::U32(a), Width::Eight) => convert(&a.values()[range], i64::from, put),
            (Ints::I64(a), Width::Eight) => convert(&a.values()[range], |v| v, put),
            // Width::Eight: every value fits i64 (width() said so), so the cast is exact.
            (Ints::U64(a), Width::Eight) => convert(&a.values()[range], |v| v as i64, put),
        }
    }
}

/// Nonzero when a value of `values` lies outside `i32`: the OR of each value's bits above
/// bit 31 once shifted into `u64` (`v + 2^31` fits 32 bits exactly when `v` fits `i32`).
#[allow(clippy::cast_sign_loss)] // the wrapping shift into u64 is the point
fn outside_i32(values: &[i64]) -> u64 {
    values.iter().fold(0, |high, &v| {
        high | ((v.wrapping_add(1 << 31) as u64) >> 32)
    })
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

/// Hands `values` to `put` as little-endian `O`s, converted a piece at a time.
fn convert<T: Copy, O: Word>(values: &[T], to: impl Fn(T) -> O, put: &mut impl FnMut(&[u8])) {
    let mut buffer = [O::default(); STEP];
    for chunk in values.chunks(STEP) {
        for (slot, &value) in buffer.iter_mut().zip(chunk) {
            *slot = to(value).little_endian();
        }
        put(buffer[..chunk.len()].to_byte_slice());
    }
}

/// The integer types a run is written as.
trait Word: ArrowNativeType + Default {
    /// The value with its bytes in little-endian order (no work on little-endian machines).
    fn little_endian(self) -> Self;
}

impl Word for i32 {
    fn little_endian(self) -> Self {
        self.to_le()
    }
}

impl Word for i64 {
    fn little_endian(self) -> Self {
        self.to_le()
    }
}
