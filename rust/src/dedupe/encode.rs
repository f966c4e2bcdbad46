//! The canonical byte encoding of an Arrow row, fed to a hash.
//!
//! Two rows get the same encoding exactly when they hold the same values, whatever the Arrow
//! types that carry them: `int32` and `int64` columns, `string` and `large_string`, dictionary
//! and plain arrays, `list` and `large_list`, or batches cut at different rows. Values of
//! different kinds never share an encoding (the integer 1, the float 1.0, the string "1" and
//! `true` all differ), so the result follows Python's `repr` of the row, which is what axolotl
//! hashes. The encoding is little-endian on every machine. Format, version 1:
//!
//! | value | bytes |
//! |---|---|
//! | null (any type) | `00` |
//! | bool | `01`, one byte 0 or 1 |
//! | integer that fits `i64` (any int or uint type) | `02`, i64 |
//! | `uint64` above `i64::MAX` | `03`, u64 |
//! | float (f16, f32 widened to f64) | `04`, the f64 bits; every NaN as `0x7ff8000000000000` |
//! | string | `05`, u64 byte length, UTF-8 bytes |
//! | binary (also fixed-size) | `06`, u64 byte length, bytes |
//! | list (also large, fixed-size) | `07`, u64 length, each element's encoding |
//! | non-empty list of non-null integers all fitting `i32` | `08`, u64 length, i32 each |
//! | non-empty list of non-null integers all fitting `i64`, not all `i32` | `0c`, u64 length, i64 each |
//! | struct | `09`, u64 field count, per field: u64 name length, name, value |
//! | date (date32, date64) | `0a`, i64 days since 1970-01-01 |
//! | timestamp (any unit) | `0b`, i64 seconds (floored), u32 nanoseconds, u64 tz length, tz |
//!
//! Tags `08` and `0c` are the compact forms of token-id lists (the width follows the values,
//! not the column type); the empty list is always `07 0`, as
//! `[]` is one value whatever the element type. A row is the prefix
//! `b"axolotl_fast row v1\0"`, u64 column count, per column u64 name length and name, then each
//! column's value in order: rows of tables with different column names never match.

use arrow::array::{Array, ArrayRef, AsArray, BooleanArray, Date32Array, Float64Array, Int64Array};
use arrow::buffer::NullBuffer;
use arrow::compute::cast;
use arrow::datatypes::{DataType, Date32Type, Float64Type, Int64Type, TimeUnit};

use super::ints::{Ints, Scalar, Width};
use crate::error::{Error, Result};

const NULL: u8 = 0x00;
const BOOL: u8 = 0x01;
const INT: u8 = 0x02;
const UINT: u8 = 0x03;
const FLOAT: u8 = 0x04;
const STRING: u8 = 0x05;
const BINARY: u8 = 0x06;
const LIST: u8 = 0x07;
const INTS32: u8 = 0x08;
const INTS64: u8 = 0x0c;
const STRUCT: u8 = 0x09;
const DATE: u8 = 0x0a;
const TIMESTAMP: u8 = 0x0b;
const CANONICAL_NAN: u64 = 0x7ff8_0000_0000_0000;

/// Where the encoded bytes go: a hash state.
pub trait Sink {
    /// Appends bytes to the encoding.
    fn put(&mut self, bytes: &[u8]);
}

impl Sink for Vec<u8> {
    fn put(&mut self, bytes: &[u8]) {
        self.extend_from_slice(bytes);
    }
}

/// The bytes every row of a table with these column names starts with.
pub fn row_prefix(names: &[String]) -> Vec<u8> {
    let mut prefix = b"axolotl_fast row v1\0".to_vec();
    put_len(&mut prefix, names.len());
    for name in names {
        put_bytes(&mut prefix, name.as_bytes());
    }
    prefix
}

/// One column, prepared for encoding: narrow integer and float types widened, dictionaries
/// unpacked, nested types prepared recursively.
pub enum Column {
    /// An array of Arrow's `null` type.
    Null,
    /// Booleans.
    Bool(BooleanArray),
    /// Every integer type.
    Int(Ints),
    /// Every float type.
    Float(Float64Array),
    /// `string`, `large_string` or `string_view`.
    Str(ArrayRef),
    /// `binary`, `large_binary`, `fixed_size_binary` or `binary_view`.
    Bin(ArrayRef),
    /// `list`, `large_list` or `fixed_size_list`: the list array and its prepared values.
    List(ArrayRef, Box<Column>),
    /// A struct: its field names, null mask and prepared fields.
    Struct(Vec<String>, Option<NullBuffer>, Vec<Column>),
    /// `date32` or `date64`.
    Date(Date32Array),
    /// A timestamp: the raw values, their unit and the time zone.
    Timestamp(Int64Array, TimeUnit, Option<String>),
}

impl Column {
    /// Prepares `array` (of the column `name`, for error messages).
    pub fn new(name: &str, array: &ArrayRef) -> Result<Self> {
        let widened = |to: &DataType| cast(array, to).map_err(|e| unsupported(name, array, &e));
        Ok(match array.data_type() {
            DataType::Null => Column::Null,
            DataType::Boolean => Column::Bool(array.as_boolean().clone()),
            t if t.is_integer() => Column::Int(
                Ints::of(array).ok_or_else(|| unsupported(name, array, &"not an integer array"))?,
            ),
            DataType::Float16 | DataType::Float32 | DataType::Float64 => Column::Float(
                widened(&DataType::Float64)?
                    .as_primitive::<Float64Type>()
                    .clone(),
            ),
            DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View => Column::Str(array.clone()),
            DataType::Binary
            | DataType::LargeBinary
            | DataType::FixedSizeBinary(_)
            | DataType::BinaryView => Column::Bin(array.clone()),
            DataType::List(_) | DataType::LargeList(_) | DataType::FixedSizeList(..) => {
                Column::List(
                    array.clone(),
                    Box::new(Column::new(name, &list_values(array))?),
                )
            }
            DataType::Struct(fields) => {
                let structs = array.as_struct();
                let children = fields
                    .iter()
                    .zip(structs.columns())
                    .map(|(field, child)| Column::new(&format!("{name}.{}", field.name()), child))
                    .collect::<Result<_>>()?;
                let names = fields.iter().map(|f| f.name().clone()).collect();
                Column::Struct(names, structs.nulls().cloned(), children)
            }
            DataType::Dictionary(_, values) => Column::new(
                name,
                &cast(array, values).map_err(|e| unsupported(name, array, &e))?,
            )?,
            DataType::Date32 | DataType::Date64 => Column::Date(
                widened(&DataType::Date32)?
                    .as_primitive::<Date32Type>()
                    .clone(),
            ),
            DataType::Timestamp(unit, tz) => Column::Timestamp(
                widened(&DataType::Int64)?
                    .as_primitive::<Int64Type>()
                    .clone(),
                *unit,
                tz.as_ref().map(ToString::to_string),
            ),
            other => {
                return Err(Error::invalid_argument(
                    "columns",
                    format!("column {name:?} has type {other}, which dedupe cannot hash"),
                ));
            }
        })
    }

    /// Appends the encoding of row `i` to `sink`.
    pub fn put<S: Sink>(&self, i: usize, sink: &mut S) {
        if self.is_null(i) {
            sink.put(&[NULL]);
            return;
        }
        match self {
            Column::Null => sink.put(&[NULL]),
            Column::Bool(a) => sink.put(&[BOOL, u8::from(a.value(i))]),
            Column::Int(a) => match a.value(i) {
                Scalar::Small(v) => put_tagged(sink, INT, &v.to_le_bytes()),
                Scalar::Big(v) => put_tagged(sink, UINT, &v.to_le_bytes()),
            },
            Column::Float(a) => put_tagged(sink, FLOAT, &float_bits(a.value(i)).to_le_bytes()),
            Column::Str(a) => put_string(sink, STRING, str_value(a, i)),
            Column::Bin(a) => put_string(sink, BINARY, bin_value(a, i)),
            Column::List(a, values) => put_list(sink, list_range(a, i), values),
            Column::Struct(names, _, children) => put_struct(sink, names, children, i),
            Column::Date(a) => put_tagged(sink, DATE, &i64::from(a.value(i)).to_le_bytes()),
            Column::Timestamp(a, unit, tz) => put_timestamp(sink, a.value(i), *unit, tz.as_deref()),
        }
    }

    fn is_null(&self, i: usize) -> bool {
        match self {
            Column::Null => true,
            Column::Struct(_, nulls, _) => nulls.as_ref().is_some_and(|n| n.is_null(i)),
            Column::Bool(a) => a.is_null(i),
            Column::Int(a) => a.array().is_null(i),
            Column::Timestamp(a, ..) => a.is_null(i),
            Column::Float(a) => a.is_null(i),
            Column::Date(a) => a.is_null(i),
            Column::Str(a) | Column::Bin(a) | Column::List(a, _) => a.is_null(i),
        }
    }

    /// Writes the elements `range` in a compact integer form (tag `08` or `0c`) and returns
    /// true, if they are all non-null integers that fit `i64`; else writes nothing.
    fn put_int_run<S: Sink>(&self, range: std::ops::Range<usize>, sink: &mut S) -> bool {
        let Column::Int(ints) = self else {
            return false;
        };
        let nulls = ints.array().nulls();
        if nulls.is_some_and(|n| n.slice(range.start, range.len()).null_count() > 0) {
            return false;
        }
        let Some(width) = ints.width(range.clone()) else {
            return false;
        };
        sink.put(&[if width == Width::Four { INTS32 } else { INTS64 }]);
        put_len(sink, range.len());
        ints.put_run(range, width, &mut |bytes| sink.put(bytes));
        true
    }
}

fn unsupported(name: &str, array: &ArrayRef, err: &dyn std::fmt::Display) -> Error {
    Error::invalid_argument(
        "columns",
        format!(
            "column {name:?} of type {} cannot be hashed: {err}",
            array.data_type()
        ),
    )
}

fn list_values(array: &ArrayRef) -> ArrayRef {
    match array.data_type() {
        DataType::List(_) => array.as_list::<i32>().values().clone(),
        DataType::LargeList(_) => array.as_list::<i64>().values().clone(),
        _ => array.as_fixed_size_list().values().clone(),
    }
}

fn list_range(array: &ArrayRef, i: usize) -> std::ops::Range<usize> {
    let bounds = |start: usize, end: usize| start..end;
    match array.data_type() {
        DataType::List(_) => {
            let offsets = array.as_list::<i32>().value_offsets();
            bounds(as_index(offsets[i].into()), as_index(offsets[i + 1].into()))
        }
        DataType::LargeList(_) => {
            let offsets = array.as_list::<i64>().value_offsets();
            bounds(as_index(offsets[i]), as_index(offsets[i + 1]))
        }
        _ => {
            let lists = array.as_fixed_size_list();
            let start = lists.value_offset_at(i);
            bounds(start, start + as_index(lists.value_length().into()))
        }
    }
}

fn as_index(offset: i64) -> usize {
    usize::try_from(offset).unwrap_or(usize::MAX)
}

fn str_value(array: &ArrayRef, i: usize) -> &[u8] {
    match array.data_type() {
        DataType::Utf8 => array.as_string::<i32>().value(i).as_bytes(),
        DataType::LargeUtf8 => array.as_string::<i64>().value(i).as_bytes(),
        _ => array.as_string_view().value(i).as_bytes(),
    }
}

fn bin_value(array: &ArrayRef, i: usize) -> &[u8] {
    match array.data_type() {
        DataType::Binary => array.as_binary::<i32>().value(i),
        DataType::LargeBinary => array.as_binary::<i64>().value(i),
        DataType::FixedSizeBinary(_) => array.as_fixed_size_binary().value(i),
        _ => array.as_binary_view().value(i),
    }
}

fn put_list<S: Sink>(sink: &mut S, range: std::ops::Range<usize>, values: &Column) {
    if !range.is_empty() && values.put_int_run(range.clone(), sink) {
        return;
    }
    sink.put(&[LIST]);
    put_len(sink, range.len());
    for element in range {
        values.put(element, sink);
    }
}

fn put_struct<S: Sink>(sink: &mut S, names: &[String], children: &[Column], i: usize) {
    sink.put(&[STRUCT]);
    put_len(sink, names.len());
    for (name, child) in names.iter().zip(children) {
        put_bytes(sink, name.as_bytes());
        child.put(i, sink);
    }
}

fn put_timestamp<S: Sink>(sink: &mut S, value: i64, unit: TimeUnit, tz: Option<&str>) {
    let per_second: i64 = match unit {
        TimeUnit::Second => 1,
        TimeUnit::Millisecond => 1_000,
        TimeUnit::Microsecond => 1_000_000,
        TimeUnit::Nanosecond => 1_000_000_000,
    };
    let seconds = value.div_euclid(per_second);
    let nanos = value.rem_euclid(per_second) * (1_000_000_000 / per_second);
    sink.put(&[TIMESTAMP]);
    sink.put(&seconds.to_le_bytes());
    sink.put(&u32::try_from(nanos).unwrap_or(0).to_le_bytes());
    put_bytes(sink, tz.unwrap_or("").as_bytes());
}

fn float_bits(value: f64) -> u64 {
    if value.is_nan() {
        CANONICAL_NAN
    } else {
        value.to_bits()
    }
}

fn put_tagged<S: Sink>(sink: &mut S, tag: u8, payload: &[u8]) {
    sink.put(&[tag]);
    sink.put(payload);
}

fn put_string<S: Sink>(sink: &mut S, tag: u8, bytes: &[u8]) {
    sink.put(&[tag]);
    put_bytes(sink, bytes);
}

fn put_bytes<S: Sink>(sink: &mut S, bytes: &[u8]) {
    put_len(sink, bytes.len());
    sink.put(bytes);
}

fn put_len<S: Sink>(sink: &mut S, len: usize) {
    sink.put(&(len as u64).to_le_bytes());
}
