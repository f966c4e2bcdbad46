//! Tests of [`json_quick`](super::json_quick): it vouches only for records the serde walk
//! passes, and vouches for the records data files hold.

use proptest::prelude::*;

use super::json_kinds::{Kind, Mode, walk_record};
use super::json_quick::{MAX_BRACKETS, record_fits};

fn walk_passes(record: &str, fields: &[(String, Kind)]) -> bool {
    let mut fields = fields.to_vec();
    matches!(
        walk_record(record.as_bytes(), &mut fields, Mode::Check),
        Ok(Ok(()))
    )
}

fn columns() -> Vec<(String, Kind)> {
    let turn = Kind::Struct(vec![
        ("from".into(), Kind::Str),
        ("value".into(), Kind::Str),
    ]);
    vec![
        ("s".into(), Kind::Str),
        ("i".into(), Kind::Int),
        ("f".into(), Kind::Float),
        ("b".into(), Kind::Bool),
        ("t".into(), Kind::Timestamp),
        ("n".into(), Kind::Null),
        ("ids".into(), Kind::List(Box::new(Kind::Int))),
        ("turns".into(), Kind::List(Box::new(turn))),
    ]
}

#[test]
fn records_as_datasets_hold_them_are_vouched_for() {
    let fields = columns();
    for record in [
        r#"{"s": "plain", "i": -3, "f": 2.5e3, "b": true, "t": "2020-01-02T03:04:05Z", "n": null}"#,
        r#"{"s":"a \"quote\", a\nnewline, \u00e9 and \ud83d\ude42","ids":[1,2,3]}"#,
        r#"{"turns": [{"from": "human", "value": "hi"}, {"value": "hello", "from": "gpt"}]}"#,
        r#"{"i": -9223372036854775808, "f": 1, "s": null, "turns": []}"#,
        "{}",
        "{ }",
    ] {
        assert!(record_fits(record, &fields), "{record}");
        assert!(walk_passes(record, &fields), "{record}");
    }
}

#[test]
fn what_only_the_walk_can_judge_is_handed_to_it() {
    let fields = columns();
    for record in [
        r#"{"s": "\ud800"}"#,                        // a lone high surrogate
        r#"{"s": "\udc00"}"#,                        // a lone low surrogate
        r#"{"s": "\ud800\u0041"}"#,                  // a high surrogate without its low one
        r#"{"s": "\uZZZZ"}"#,                        // not hex
        r#"{"s": "x"}}"#,                            // text after the record
        r#"{"s": "x"} {"s": "y"}"#,                  // two records on one line
        r#"{"s": "x", "s": "y"}"#,                   // a key given twice
        r#"{"new": 1}"#,                             // a key not in the columns
        r#"{"i": -0}"#,                              // serde_json reads -0 as a float
        r#"{"i": 1.0}"#,                             // a fraction in an integer column
        r#"{"i": 9223372036854775808}"#,             // beyond int64
        r#"{"f": 1e400}"#,                           // beyond double
        r#"{"t": "2020-01-02T03:04:05.5"}"#,         // not second precision
        r#"{"t": "2020-01-02\u0054"}"#,              // an escape in a timestamp
        r#"{"n": 1}"#,                               // a value in a column of nulls
        r#"{"s": 1}"#,                               // a number in a string column
        r#"{"ids": [1, "2"]}"#,                      // a string among integers
        r#"{"turns": [{"from": "a", "extra": 1}]}"#, // a new key in a struct
    ] {
        assert!(!record_fits(record, &fields), "{record}");
        assert!(!walk_passes(record, &fields), "{record}");
    }
}

#[test]
fn deep_nesting_is_handed_to_the_walk_without_overflowing_the_stack() {
    let fields = vec![("s".to_owned(), Kind::Str)];
    let deep = format!(r#"{{"s": {}{}}}"#, "[".repeat(100_000), "]".repeat(100_000));
    let outcome = std::thread::Builder::new()
        .stack_size(256 * 1024)
        .spawn(move || record_fits(&deep, &fields))
        .unwrap()
        .join()
        .unwrap();
    assert!(!outcome);
}

#[test]
fn the_deepest_record_it_checks_fits_in_a_worker_threads_stack() {
    // As many brackets as MAX_BRACKETS lets through, all nested, checked on a thread with
    // rayon's (and std's) default stack of 2 MiB.
    let fields = vec![("s".to_owned(), Kind::Str)];
    let depth = MAX_BRACKETS - 1;
    let deep = format!(r#"{{"s":{}{}}}"#, "[".repeat(depth), "]".repeat(depth));
    let outcome = std::thread::Builder::new()
        .stack_size(2 * 1024 * 1024)
        .spawn(move || record_fits(&deep, &fields))
        .unwrap()
        .join()
        .unwrap();
    assert!(!outcome);
}

/// JSON-ish text: the tokens and near-misses the two checks might judge differently.
fn json_ish() -> impl Strategy<Value = String> {
    let token = prop_oneof![
        Just("{".to_owned()),
        Just("}".to_owned()),
        Just("[".to_owned()),
        Just("]".to_owned()),
        Just(",".to_owned()),
        Just(":".to_owned()),
        Just(" ".to_owned()),
        Just("null".to_owned()),
        Just("true".to_owned()),
        prop::sample::select(vec![
            "\"s\"",
            "\"i\"",
            "\"f\"",
            "\"t\"",
            "\"ids\"",
            "\"turns\"",
            "\"from\"",
            "\"value\"",
            "\"b\"",
            "\"n\"",
            "\"\\u0073\""
        ])
        .prop_map(str::to_owned),
        "-?[0-9]{1,20}(\\.[0-9]{0,3})?([eE][+-]?[0-9]{1,3})?",
        "\"([a-z é🙂\t]|\\\\[\"\\\\/bfnrtux]|\\\\u[0-9a-fA-FzZ]{4}|\\\\u[dD][89abcABC][0-9a-f]{2})*\"",
        Just("\"2020-01-02 03:04:05\"".to_owned()),
    ];
    prop::collection::vec(token, 0..24).prop_map(|tokens| tokens.concat())
}

/// A JSON string of text, escapes (some invalid, some unpaired surrogates) and raw tabs.
fn json_string() -> impl Strategy<Value = String> {
    "\"([a-z é🙂\\[\\]{}]|\\\\[\"\\\\/bfnrt]|\\\\u00[0-9a-fA-F]{2}|\\\\u[dD][89abAB][0-9a-f]{2}\\\\u[dD][c-fC-F][0-9a-f]{2}){0,12}\""
}

/// Values of each column's kind, with now and then one of another kind or a near miss.
fn value_of(column: &str) -> BoxedStrategy<String> {
    let fitting: BoxedStrategy<String> = match column {
        "s" => json_string().boxed(),
        "i" => "-?(0|[1-9][0-9]{0,18})".boxed(),
        "f" => "-?(0|[1-9][0-9]{0,20})(\\.[0-9]{1,3})?([eE][+-]?[0-9]{1,3})?".boxed(),
        "b" => prop::sample::select(vec!["true", "false"])
            .prop_map(str::to_owned)
            .boxed(),
        "t" => {
            "\"20[0-9]{2}-0[1-9]-[0-3][0-9]([T ][0-2][0-9]:[0-5][0-9](:[0-5][0-9])?)?Z?\"".boxed()
        }
        "n" => Just("null".to_owned()).boxed(),
        "ids" => prop::collection::vec("-?[0-9]{1,3}", 0..4)
            .prop_map(|items| format!("[{}]", items.join(",")))
            .boxed(),
        _ => prop::collection::vec((json_string(), json_string(), any::<bool>()), 0..3)
            .prop_map(|turns| {
                let turns: Vec<String> = turns
                    .iter()
                    .map(|(a, b, swap)| match swap {
                        false => format!(r#"{{"from": {a}, "value": {b}}}"#),
                        true => format!(r#"{{"value":{b},"from":{a}}}"#),
                    })
                    .collect();
                format!("[{}]", turns.join(", "))
            })
            .boxed(),
    };
    let near_miss = prop_oneof![
        Just("-0".to_owned()),
        Just("1e400".to_owned()),
        Just("9223372036854775808".to_owned()),
        Just(r#""\ud83d""#.to_owned()),
        Just(r#""\ude42x""#.to_owned()),
        Just(r#""\uZZ00""#.to_owned()),
        Just("01".to_owned()),
        Just(r#"{"from": "a", "from": "b"}"#.to_owned()),
        Just(r#"[{"from": "a", "extra": 1}]"#.to_owned()),
        json_ish(),
    ];
    prop_oneof![8 => fitting, 1 => value_of_any(), 1 => near_miss].boxed()
}

fn value_of_any() -> BoxedStrategy<String> {
    prop::sample::select(vec!["s", "i", "f", "b", "t", "n", "ids", "turns"])
        .prop_flat_map(value_of_fitting)
        .boxed()
}

fn value_of_fitting(column: &'static str) -> BoxedStrategy<String> {
    match column {
        "s" => json_string().boxed(),
        "i" | "f" => "-?[0-9]{1,4}(\\.[0-9])?".boxed(),
        "b" => Just("true".to_owned()).boxed(),
        "t" => Just("\"2020-01-02 03:04:05\"".to_owned()).boxed(),
        "ids" => Just("[1, 2]".to_owned()).boxed(),
        "turns" => Just(r#"[{"from": "a"}]"#.to_owned()).boxed(),
        _ => Just("null".to_owned()).boxed(),
    }
}

/// Records shaped like the columns: some of them, in any order, sometimes a key twice or one
/// not in the columns, sometimes text after the closing brace.
fn record_like() -> impl Strategy<Value = String> {
    let key = prop::sample::select(vec!["s", "i", "f", "b", "t", "n", "ids", "turns", "x"]);
    let member = key.prop_flat_map(|k| value_of(k).prop_map(move |v| format!("\"{k}\": {v}")));
    let tail = prop::sample::select(vec!["", "", "", "", " ", "}", ",", " {}", "x"]);
    (prop::collection::vec(member, 0..6), tail)
        .prop_map(|(members, tail)| format!("{{{}}}{tail}", members.join(", ")))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(4000))]

    #[test]
    fn it_vouches_only_for_what_the_walk_passes(record in prop_oneof![1 => json_ish(), 6 => record_like()]) {
        let fields = columns();
        if record_fits(&record, &fields) {
            prop_assert!(walk_passes(&record, &fields), "vouched for {record:?}");
        }
    }
}
