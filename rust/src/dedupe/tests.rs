//! Tests of row keys, the `HashSet` and its file.

use std::sync::Arc;

use arrow::array::{
    ArrayRef, Float32Array, Float64Array, Int32Array, Int64Array, LargeStringArray, ListArray,
    RecordBatch, StringArray, UInt64Array,
};
use arrow::datatypes::{Int32Type, Int64Type};

use super::*;

fn batch(columns: Vec<(&str, ArrayRef)>) -> RecordBatch {
    RecordBatch::try_from_iter(columns).expect("valid batch")
}

fn keys(batches: &[RecordBatch]) -> Vec<u128> {
    row_keys(batches, None, HashKind::Xxh3_128, 1).expect("hashable")
}

#[test]
fn equal_values_in_different_arrow_types_get_equal_keys() {
    let narrow = batch(vec![
        (
            "ids",
            Arc::new(ListArray::from_iter_primitive::<Int32Type, _, _>([Some([
                Some(1),
                Some(2),
            ])])) as _,
        ),
        ("text", Arc::new(StringArray::from(vec!["a"])) as _),
        ("x", Arc::new(Float32Array::from(vec![0.5])) as _),
    ]);
    let wide = batch(vec![
        (
            "ids",
            Arc::new(ListArray::from_iter_primitive::<Int64Type, _, _>([Some([
                Some(1),
                Some(2),
            ])])) as _,
        ),
        ("text", Arc::new(LargeStringArray::from(vec!["a"])) as _),
        ("x", Arc::new(Float64Array::from(vec![0.5])) as _),
    ]);
    assert_eq!(keys(&[narrow]), keys(&[wide]));
}

#[test]
fn different_kinds_and_names_get_different_keys() {
    let ints = batch(vec![("a", Arc::new(Int64Array::from(vec![1])) as _)]);
    let floats = batch(vec![("a", Arc::new(Float64Array::from(vec![1.0])) as _)]);
    let strings = batch(vec![("a", Arc::new(StringArray::from(vec!["1"])) as _)]);
    let renamed = batch(vec![("b", Arc::new(Int64Array::from(vec![1])) as _)]);
    let all = [ints, floats, strings, renamed].map(|b| keys(&[b])[0]);
    for i in 0..all.len() {
        for j in i + 1..all.len() {
            assert_ne!(all[i], all[j], "{i} vs {j}");
        }
    }
}

#[test]
fn nans_are_one_value_and_negative_zero_is_its_own() {
    let floats = batch(vec![(
        "x",
        Arc::new(Float64Array::from(vec![f64::NAN, -f64::NAN, 0.0, -0.0])) as _,
    )]);
    let k = keys(&[floats]);
    assert_eq!(k[0], k[1]);
    assert_ne!(k[2], k[3]);
}

#[test]
fn big_uint64_values_differ_from_their_i64_bit_pattern() {
    let big = batch(vec![(
        "a",
        Arc::new(UInt64Array::from(vec![u64::MAX, 7])) as _,
    )]);
    let signed = batch(vec![("a", Arc::new(Int64Array::from(vec![-1, 7])) as _)]);
    let (kb, ks) = (keys(&[big]), keys(&[signed]));
    assert_ne!(kb[0], ks[0]);
    assert_eq!(kb[1], ks[1]);
}

#[test]
fn keys_do_not_depend_on_batching_or_threads() {
    let values: Vec<i32> = (0..2000).map(|i| i % 300).collect();
    let whole = batch(vec![("a", Arc::new(Int32Array::from(values)) as _)]);
    let pieces: Vec<RecordBatch> = (0..2000)
        .step_by(333)
        .map(|s| whole.slice(s, 333.min(2000 - s)))
        .collect();
    let one = keys(std::slice::from_ref(&whole));
    assert_eq!(one, keys(&pieces));
    assert_eq!(
        one,
        row_keys(&pieces, None, HashKind::Xxh3_128, 3).expect("hashable")
    );
    let mut seen = HashSet::new(HashKind::Xxh3_128);
    let kept = seen.insert_new(&one, None, 0).expect("in range");
    assert_eq!(kept, (0..300).collect::<Vec<i64>>());
}

#[test]
fn an_indices_mapping_orders_the_rows() {
    let data = batch(vec![("a", Arc::new(Int64Array::from(vec![5, 6, 5])) as _)]);
    let k = keys(&[data]);
    let mut seen = HashSet::new(HashKind::Sha256);
    assert_eq!(
        seen.insert_new(&k, Some(&[2, 1, 0]), 10).expect("in range"),
        vec![10, 11]
    );
    assert!(seen.insert_new(&k, Some(&[3]), 0).is_err());
}

#[test]
fn missing_columns_and_unsupported_types_are_named() {
    let data = batch(vec![("a", Arc::new(Int64Array::from(vec![1])) as _)]);
    let err = row_keys(&[data], Some(&["b".into()]), HashKind::Xxh3_128, 1).unwrap_err();
    assert!(err.to_string().contains("no column \"b\""), "{err}");
}

#[test]
fn a_saved_set_loads_back_and_damage_is_detected() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("seen.axf");
    let mut seen = HashSet::new(HashKind::Sha256);
    seen.insert_new(&[0, 1, u128::MAX], None, 0)
        .expect("no mapping");
    seen.save(&path).expect("saved");
    let loaded = HashSet::load(&path).expect("loaded");
    assert_eq!(loaded.kind(), HashKind::Sha256);
    let mut got: Vec<u128> = loaded.keys().iter().collect();
    got.sort_unstable();
    assert_eq!(got, vec![0, 1, u128::MAX]);

    let bytes = std::fs::read(&path).expect("readable");
    let cases: [(&str, Vec<u8>); 4] = [
        ("truncated", bytes[..bytes.len() - 5].to_vec()),
        ("checksum", {
            let mut b = bytes.clone();
            b[30] ^= 1;
            b
        }),
        ("format version", {
            let mut b = bytes.clone();
            b[8] = 9;
            b
        }),
        ("magic", b"PAR1 not ours at all, sorry".to_vec()),
    ];
    for (reason, damaged) in cases {
        std::fs::write(&path, damaged).expect("writable");
        let err = HashSet::load(&path).err().expect("rejected");
        assert!(
            matches!(err, Error::CorruptFile { .. }) && err.to_string().contains(reason),
            "{err}"
        );
    }
}

#[test]
fn integer_runs_take_their_width_from_the_values() {
    use arrow::datatypes::UInt64Type;
    let signed = |rows: Vec<Vec<i64>>| {
        let lists = rows
            .into_iter()
            .map(|r| Some(r.into_iter().map(Some).collect::<Vec<_>>()));
        batch(vec![(
            "a",
            Arc::new(ListArray::from_iter_primitive::<Int64Type, _, _>(lists)) as _,
        )])
    };
    let unsigned = |rows: Vec<Vec<u64>>| {
        let lists = rows
            .into_iter()
            .map(|r| Some(r.into_iter().map(Some).collect::<Vec<_>>()));
        batch(vec![(
            "a",
            Arc::new(ListArray::from_iter_primitive::<UInt64Type, _, _>(lists)) as _,
        )])
    };
    let small = keys(&[signed(vec![vec![1, 2], vec![1 << 40, 3]])]);
    let same = keys(&[unsigned(vec![vec![1, 2], vec![1 << 40, 3]])]);
    assert_eq!(small, same);
    let narrow = batch(vec![(
        "a",
        Arc::new(ListArray::from_iter_primitive::<Int32Type, _, _>([Some([
            Some(1),
            Some(2),
        ])])) as _,
    )]);
    assert_eq!(keys(&[narrow])[0], small[0]);
    let big = keys(&[unsigned(vec![vec![u64::MAX]])])[0];
    let minus_one = keys(&[signed(vec![vec![-1]])])[0];
    assert_ne!(big, minus_one);
}

#[test]
fn hash_names_parse_back_and_unknown_names_are_invalid_arguments() {
    for name in HashKind::NAMES {
        assert_eq!(
            name.parse::<HashKind>().map(HashKind::name).ok(),
            Some(name)
        );
    }
    let err = "md5".parse::<HashKind>().unwrap_err();
    assert_eq!(
        err.to_string(),
        "invalid value for `hash`: unknown value 'md5'; expected one of xxh3_128, sha256"
    );
}
