//! Tests of the padding kernel against a direct reading of axolotl's rules.

use super::*;

fn rows(data: &[&[i64]]) -> Rows {
    let mut rows = Rows::new();
    for row in data {
        for &value in *row {
            rows.push_value(value);
        }
        rows.finish_row();
    }
    rows
}

fn padded(data: &[&[i64]], width: usize, side: Side, fill: Fill) -> Vec<i64> {
    let rows = rows(data);
    let mut out = vec![i64::MIN; rows.len() * width];
    pad_rows(&rows, width, side, fill, &mut out).expect("pads");
    out
}

#[test]
fn width_rounds_up_to_the_multiple() {
    assert_eq!(padded_width(5, None).ok(), Some(5));
    assert_eq!(padded_width(5, Some(0)).ok(), Some(5));
    assert_eq!(padded_width(5, Some(4)).ok(), Some(8));
    assert_eq!(padded_width(8, Some(4)).ok(), Some(8));
    assert_eq!(padded_width(0, Some(64)).ok(), Some(0));
    assert!(padded_width(usize::MAX, Some(64)).is_err());
}

#[test]
fn right_and_left_padding_with_constants() {
    let data: &[&[i64]] = &[&[1, 2, 3], &[4]];
    assert_eq!(
        padded(data, 4, Side::Right, Fill::Constant(-100)),
        [1, 2, 3, -100, 4, -100, -100, -100]
    );
    assert_eq!(
        padded(data, 4, Side::Left, Fill::Constant(0)),
        [0, 1, 2, 3, 0, 0, 0, 4]
    );
}

#[test]
fn position_ids_get_a_fresh_run_on_either_side() {
    let data: &[&[i64]] = &[&[0, 1, 0], &[0]];
    assert_eq!(
        padded(data, 5, Side::Right, Fill::Arange),
        [0, 1, 0, 0, 1, 0, 0, 1, 2, 3]
    );
    assert_eq!(
        padded(data, 5, Side::Left, Fill::Arange),
        [0, 1, 0, 1, 0, 0, 1, 2, 3, 0]
    );
}

#[test]
fn empty_rows_widths_and_batches() {
    assert_eq!(
        padded(&[&[], &[]], 2, Side::Right, Fill::Constant(7)),
        [7; 4]
    );
    assert!(padded(&[&[], &[]], 0, Side::Right, Fill::Constant(7)).is_empty());
    assert!(padded(&[], 3, Side::Left, Fill::Arange).is_empty());
    assert_eq!(Rows::new().longest(), 0);
}

#[test]
fn wrong_sizes_are_errors_not_panics() {
    let data = rows(&[&[1, 2, 3]]);
    let mut short = vec![0; 2];
    assert!(pad_rows(&data, 2, Side::Right, Fill::Arange, &mut short).is_err());
    let mut wrong = vec![0; 5];
    assert!(pad_rows(&data, 4, Side::Right, Fill::Arange, &mut wrong).is_err());
    let mut huge = vec![];
    assert!(pad_rows(&data, usize::MAX, Side::Right, Fill::Arange, &mut huge).is_err());
}

#[test]
fn varlen_boundaries_follow_transformers() {
    let (cu, longest) = varlen_boundaries(&[0, 1, 2, 0, 1, 0, 0, 1, 2, 3]).expect("ok");
    assert_eq!(cu, [0, 3, 5, 6, 10]);
    assert_eq!(longest, 4);
    // RoBERTa-like ids restart at their smallest value, not 0
    let (cu, longest) = varlen_boundaries(&[2, 3, 2, 3, 4]).expect("ok");
    assert_eq!((cu, longest), (vec![0, 2, 5], 3));
    assert!(varlen_boundaries(&[]).is_err());
}
