//! The span and label rules on small hand-made cases (parity with axolotl's Python on real
//! templates and tokenizers is tested from Python).

use super::*;

#[test]
fn the_diff_is_the_changed_characters_counted_in_code_points() {
    assert_eq!(diff_char_span("<a>hello</a>", "<a>[[x]]</a>"), (3, 8));
    // Multi-byte characters count once, as Python counts them.
    assert_eq!(diff_char_span("é日本é", "é--é"), (1, 3));
    // Characters sharing their last byte (é = C3 A9, © = C2 A9) still differ.
    assert_eq!(diff_char_span("xéy", "x©y"), (1, 2));
}

#[test]
fn the_suffix_never_overlaps_the_prefix() {
    // "abab" vs "ab": prefix 2, then the suffix is bounded to 0.
    assert_eq!(diff_char_span("abab", "ab"), (2, 4));
    assert_eq!(diff_char_span("same", "same"), (4, 4));
}

#[test]
fn bisects_follow_cpython_even_on_unsorted_offsets() {
    let sorted = [0, 2, 2, 5];
    assert_eq!(bisect_right(&sorted, 2), 3);
    assert_eq!(bisect_left(&sorted, 2), 1);
    // Unsorted: the probe order decides, as in CPython (values checked against `bisect`).
    assert_eq!(bisect_left(&[0, 5, 1, 6], 3), 3);
    assert_eq!(bisect_right(&[0, 5, 1, 6], 3), 3);
    assert_eq!(bisect_left(&[5, 0, 7, 1], 4), 2);
    assert_eq!(bisect_right(&[5, 0, 7, 1], 4), 2);
}

#[test]
fn a_turn_span_covers_the_tokens_over_its_characters() {
    // Tokens: "<a>" 0..3, "hel" 3..6, "lo" 6..8, "</a>" 8..12.
    let (starts, ends) = ([0, 3, 6, 8], [3, 6, 8, 12]);
    let span = token_span(
        "<a>hello</a>",
        ["<a>[[x]]</a>", "<a>zz</a>"],
        &starts,
        &ends,
    );
    assert_eq!(span, TokenSpan::Tokens(1, 3));
    let same = token_span("<a></a>", ["<a></a>", "<a></a>"], &[0, 3], &[3, 7]);
    assert_eq!(same, TokenSpan::Absent);
    let empty = token_span("<a>x</a>", ["", "<a>zz</a>"], &starts, &ends);
    assert_eq!(empty, TokenSpan::Undecided);
}

fn options(on_end_of_sequence: EndRule, on_end_of_turn: EndRule) -> LabelOptions {
    LabelOptions {
        eos_id: Some(9),
        eot_ids: vec![9],
        on_eos: on_end_of_sequence,
        on_eot: on_end_of_turn,
    }
}

#[test]
fn trainable_turns_and_their_end_tokens_get_labels() {
    // user: 1 2 EOS | assistant: 3 4 EOS
    let ids = [1, 2, 9, 3, 4, 9];
    let turns = [
        Turn {
            trainable: false,
            span: None,
        },
        Turn {
            trainable: true,
            span: Some(TokenSpan::Tokens(3, 5)),
        },
    ];
    let got = labels(&ids, &turns, &options(EndRule::Turn, EndRule::Turn)).unwrap();
    assert_eq!(got, [-100, -100, -100, 3, 4, 9]);
    let none = labels(&ids, &turns, &options(EndRule::None, EndRule::None)).unwrap();
    assert_eq!(none, [-100, -100, -100, 3, 4, -100]);
}

#[test]
fn all_labels_the_end_of_located_untrainable_turns_and_last_only_the_final_one() {
    let ids = [1, 2, 9, 3, 4, 9];
    let turns = [
        Turn {
            trainable: false,
            span: Some(TokenSpan::Tokens(0, 2)),
        },
        Turn {
            trainable: true,
            span: Some(TokenSpan::Tokens(3, 5)),
        },
    ];
    let all = labels(&ids, &turns, &options(EndRule::All, EndRule::None)).unwrap();
    assert_eq!(all, [-100, -100, 9, 3, 4, 9]);
    let last = labels(&ids, &turns, &options(EndRule::Last, EndRule::None)).unwrap();
    assert_eq!(last, [-100, -100, -100, 3, 4, 9]);
}

#[test]
fn an_end_token_too_far_from_the_turn_is_not_labelled() {
    let ids = [3, 4, 5, 6, 7, 8, 9];
    let turns = [Turn {
        trainable: true,
        span: Some(TokenSpan::Tokens(0, 2)),
    }];
    let got = labels(&ids, &turns, &options(EndRule::All, EndRule::All)).unwrap();
    assert_eq!(got, [3, 4, -100, -100, -100, -100, -100]);
}

#[test]
fn a_turn_without_tokens_searches_from_minus_one_as_python_does() {
    let absent = [Turn {
        trainable: true,
        span: Some(TokenSpan::Absent),
    }];
    // ids[-1] is EOS: Python's scan returns -1, which reads as "not found".
    let ends_with_eos = labels(&[9, 1, 9], &absent, &options(EndRule::All, EndRule::None));
    assert_eq!(ends_with_eos.unwrap(), [-100, -100, -100]);
    // Otherwise the first EOS from index 0 counts when it is within 3 of -1.
    let early = labels(&[1, 9, 2], &absent, &options(EndRule::All, EndRule::None));
    assert_eq!(early.unwrap(), [-100, 9, -100]);
    let late = labels(
        &[1, 2, 3, 9, 2],
        &absent,
        &options(EndRule::All, EndRule::None),
    );
    assert_eq!(late.unwrap(), [-100; 5]);
}

#[test]
fn an_undecided_turn_or_no_ids_leaves_the_row_to_axolotl() {
    let undecided = [Turn {
        trainable: true,
        span: Some(TokenSpan::Undecided),
    }];
    assert_eq!(
        labels(&[1, 2], &undecided, &options(EndRule::Turn, EndRule::Turn)),
        None
    );
    assert_eq!(
        labels(&[], &[], &options(EndRule::Turn, EndRule::Turn)),
        None
    );
}
