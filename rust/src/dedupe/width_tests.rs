//! Property tests of integer runs across widths: every Arrow integer type holding the same
//! token values gets the key of the canonical encoding, built here by hand from the values.

use std::sync::Arc;

use arrow::array::{ArrayRef, ListArray, RecordBatch};
use arrow::datatypes::{
    ArrowPrimitiveType, Int8Type, Int16Type, Int32Type, Int64Type, UInt8Type, UInt32Type,
    UInt64Type,
};
use proptest::prelude::*;
use xxhash_rust::xxh3::xxh3_128;

use super::encode::row_prefix;
use super::{HashKind, row_keys};

/// One column `a` of lists of `T`, each row's values converted from `i64`, or `None` when a
/// value does not fit `T`.
fn lists_of<T: ArrowPrimitiveType>(rows: &[Vec<i64>]) -> Option<RecordBatch>
where
    T::Native: TryFrom<i64>,
{
    let converted = rows
        .iter()
        .map(|row| {
            row.iter()
                .map(|&v| T::Native::try_from(v).ok().map(Some))
                .collect::<Option<Vec<_>>>()
                .map(Some)
        })
        .collect::<Option<Vec<_>>>()?;
    let array: ArrayRef = Arc::new(ListArray::from_iter_primitive::<T, _, _>(converted));
    RecordBatch::try_from_iter([("a", array)]).ok()
}

/// The key of one row holding the list `values`, from the encoding table in `encode`.
fn canonical_key(values: &[i64]) -> u128 {
    let mut bytes = row_prefix(&["a".to_string()]);
    let fits_i32 = values.iter().all(|&v| i32::try_from(v).is_ok());
    bytes.push(match (values.is_empty(), fits_i32) {
        (true, _) => 0x07,
        (false, true) => 0x08,
        (false, false) => 0x0c,
    });
    bytes.extend_from_slice(&(values.len() as u64).to_le_bytes());
    for &v in values {
        match i32::try_from(v) {
            Ok(narrow) if fits_i32 => bytes.extend_from_slice(&narrow.to_le_bytes()),
            _ => bytes.extend_from_slice(&v.to_le_bytes()),
        }
    }
    xxh3_128(&bytes)
}

/// Values near every width's edges, and runs long enough to cross the conversion pieces.
fn token() -> impl Strategy<Value = i64> {
    prop_oneof![
        4 => -100i64..50_000,
        1 => Just(0i64),
        1 => prop::sample::select(vec![
            i64::from(i8::MIN), i64::from(i8::MAX), i64::from(u8::MAX), i64::from(i16::MAX),
            i64::from(i32::MIN), i64::from(i32::MAX), i64::from(i32::MAX) + 1,
            i64::from(i32::MIN) - 1, i64::from(u32::MAX), i64::MAX, i64::MIN,
        ]),
    ]
}

fn rows() -> impl Strategy<Value = Vec<Vec<i64>>> {
    prop::collection::vec(prop::collection::vec(token(), 0..1200), 1..4)
}

fn keys_of(batch: Option<RecordBatch>) -> Option<Vec<u128>> {
    let batch = batch?;
    Some(row_keys(&[batch], None, HashKind::Xxh3_128, 1).expect("hashable"))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn every_width_holding_the_values_gets_the_canonical_key(rows in rows()) {
        let expected: Vec<u128> = rows.iter().map(|row| canonical_key(row)).collect();
        let widths = [
            keys_of(lists_of::<Int8Type>(&rows)),
            keys_of(lists_of::<Int16Type>(&rows)),
            keys_of(lists_of::<Int32Type>(&rows)),
            keys_of(lists_of::<Int64Type>(&rows)),
            keys_of(lists_of::<UInt8Type>(&rows)),
            keys_of(lists_of::<UInt32Type>(&rows)),
            keys_of(lists_of::<UInt64Type>(&rows)),
        ];
        prop_assert!(widths[3].is_some(), "int64 holds every value");
        for keys in widths.into_iter().flatten() {
            prop_assert_eq!(&keys, &expected);
        }
    }
}
