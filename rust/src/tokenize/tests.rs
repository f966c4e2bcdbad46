//! Encoder behaviour on a small word-level tokenizer with a BOS post-processor. Exact parity
//! with the Python `tokenizers` on real BPE / Unigram tokenizers is tested from Python.

use super::*;
use crate::error::Error;

/// Words a..h, `<s>` (BOS, added by the post-processor) and `</s>` as special tokens.
const TOKENIZER: &str = r#"{
  "version": "1.0", "truncation": null, "padding": null,
  "added_tokens": [
    {"id": 0, "content": "<s>", "single_word": false, "lstrip": false, "rstrip": false,
     "normalized": false, "special": true},
    {"id": 1, "content": "</s>", "single_word": false, "lstrip": false, "rstrip": false,
     "normalized": false, "special": true}
  ],
  "normalizer": null,
  "pre_tokenizer": {"type": "Whitespace"},
  "post_processor": {
    "type": "TemplateProcessing",
    "single": [{"SpecialToken": {"id": "<s>", "type_id": 0}},
               {"Sequence": {"id": "A", "type_id": 0}}],
    "pair": [{"Sequence": {"id": "A", "type_id": 0}}, {"Sequence": {"id": "B", "type_id": 1}}],
    "special_tokens": {"<s>": {"id": "<s>", "ids": [0], "tokens": ["<s>"]}}
  },
  "decoder": null,
  "model": {"type": "WordLevel", "unk_token": "<unk>",
            "vocab": {"<s>": 0, "</s>": 1, "<unk>": 2, "a": 3, "b": 4, "c": 5, "d": 6,
                      "e": 7, "f": 8, "g": 9, "h": 10, "<": 11, ">": 12, "s": 13}}
}"#;

fn encoder() -> Encoder {
    Encoder::from_json(TOKENIZER).unwrap()
}

fn options(max_length: Option<usize>) -> EncodeOptions {
    EncodeOptions {
        add_special_tokens: true,
        max_length,
        ..EncodeOptions::default()
    }
}

#[test]
fn rows_come_back_in_order_with_the_special_tokens() {
    let lists = encoder()
        .encode(&["a b", "", "c d e"], &options(None), 1)
        .unwrap();
    assert_eq!(lists.len(), 3);
    assert_eq!(lists.row(0), [0, 3, 4]);
    assert_eq!(lists.row(1), [0]);
    assert_eq!(lists.row(2), [0, 5, 6, 7]);
    assert_eq!(lists.offsets, [0, 3, 4, 8]);
}

#[test]
fn without_special_tokens_there_is_no_bos() {
    let plain = EncodeOptions::default();
    let lists = encoder().encode(&["a b"], &plain, 1).unwrap();
    assert_eq!(lists.row(0), [3, 4]);
}

#[test]
fn truncation_counts_the_bos_and_cuts_the_chosen_side() {
    let right = encoder()
        .encode(&["a b c d"], &options(Some(3)), 1)
        .unwrap();
    assert_eq!(right.row(0), [0, 3, 4]);
    let left_options = EncodeOptions {
        truncation_side: Side::Left,
        ..options(Some(3))
    };
    let left = encoder().encode(&["a b c d"], &left_options, 1).unwrap();
    assert_eq!(left.row(0), [0, 5, 6]);
}

#[test]
fn a_max_length_without_room_for_the_special_tokens_is_an_argument_error() {
    let err = encoder().encode(&["a"], &options(Some(0)), 1).unwrap_err();
    assert!(matches!(err, Error::InvalidArgument { ref name, .. } if name == "max_length"));
    assert!(err.to_string().contains("special tokens"), "{err}");
}

#[test]
fn special_token_strings_split_only_when_asked() {
    let kept = encoder().encode(&["a </s>"], &options(None), 1).unwrap();
    assert_eq!(kept.row(0), [0, 3, 1]);
    let split_options = EncodeOptions {
        split_special_tokens: true,
        ..options(None)
    };
    let split = encoder().encode(&["a </s>"], &split_options, 1).unwrap();
    // As plain text the pre-tokenizer cuts it into "</" (not a word: <unk>), "s" and ">".
    assert_eq!(split.row(0), [0, 3, 2, 13, 12]);
}

#[test]
fn threads_do_not_change_the_result() {
    let words = ["a", "b c", "d e f", "", "g h a b"];
    let texts: Vec<&str> = (0..1000).map(|i| words[i % words.len()]).collect();
    let serial = encoder().encode(&texts, &options(Some(4)), 1).unwrap();
    let parallel = encoder().encode(&texts, &options(Some(4)), 4).unwrap();
    assert_eq!(serial, parallel);
    assert_eq!(serial.len(), 1000);
}

#[test]
fn sides_parse_by_name_and_unknown_names_say_which_exist() {
    for name in Side::NAMES {
        assert!(name.parse::<Side>().is_ok());
    }
    let err = "middle".parse::<Side>().unwrap_err();
    assert_eq!(
        err.to_string(),
        "invalid value for `truncation_side`: unknown value 'middle'; expected one of left, right"
    );
}

#[test]
fn json_that_is_not_a_tokenizer_is_an_argument_error() {
    let Err(err) = Encoder::from_json("{\"model\": 3}") else {
        panic!("accepted a broken tokenizer");
    };
    assert!(matches!(err, Error::InvalidArgument { ref name, .. } if name == "tokenizer"));
}

fn alpaca_format() -> InstructionFormat {
    InstructionFormat {
        with_input: Template::parse("with_input", "{instruction} c {input} d").unwrap(),
        without_input: Template::parse("without_input", "{instruction} d").unwrap(),
        system: Some(Template::parse("system", "{system} e ").unwrap()),
    }
}

fn instruction_options(max_length: usize, train_on_inputs: bool) -> InstructionOptions {
    InstructionOptions {
        max_length,
        train_on_inputs,
        bos_id: Some(0),
        eos_id: 1,
        encode: EncodeOptions::default(),
    }
}

#[test]
fn instruction_rows_follow_axolotls_rules() {
    let instruction = [Some("a"), None, Some("b")];
    let input = [Some("b"), Some(""), None];
    let response = [Some("f g"), Some("h"), None];
    let system = [None, Some("g"), Some("")];
    let rows = InstructionRows {
        instruction: &instruction,
        input: Some(&input),
        response: &response,
        system: Some(&system),
    };
    let tokens = tokenize_instructions(
        &encoder(),
        &alpaca_format(),
        rows,
        &instruction_options(16, false),
        2,
    )
    .unwrap();
    let ids = &tokens.input_ids;
    // Row 0: "<s> a c b d" then "f g" + EOS without its BOS.
    assert_eq!(ids.row(0), [0, 3, 5, 4, 6, 8, 9, 1]);
    // Row 1: a null instruction renders as "None" (<unk>), the system block comes first,
    // an empty input picks the other template.
    assert_eq!(ids.row(1), [0, 9, 7, 2, 6, 10, 1]);
    // Row 2: no response: the prompt alone, all of it masked.
    assert_eq!(ids.row(2), [0, 4, 6]);
    let labels: Vec<i64> = tokens.labels.clone();
    assert_eq!(&labels[..8], [-100, -100, -100, -100, -100, 8, 9, 1]);
    assert_eq!(&labels[15..], [-100, -100, -100]);
}

#[test]
fn each_part_is_truncated_alone_and_eos_needs_room() {
    let instruction = [Some("a b c d e f")];
    let response = [Some("a b c d e f")];
    let rows = InstructionRows {
        instruction: &instruction,
        input: None,
        response: &response,
        system: None,
    };
    let tokens = tokenize_instructions(
        &encoder(),
        &alpaca_format(),
        rows,
        &instruction_options(4, true),
        1,
    )
    .unwrap();
    // Prompt: 4 ids with its BOS; response: 4 ids, no room for EOS, then the BOS goes.
    assert_eq!(tokens.input_ids.row(0), [0, 3, 4, 5, 3, 4, 5]);
    assert_eq!(tokens.labels, [0, 3, 4, 5, 3, 4, 5]);
}

#[test]
fn templates_take_named_fields_and_escaped_braces_only() {
    let template = Template::parse("t", "{{x}} {a_1}!").unwrap();
    let mut out = String::new();
    template.render_into(&mut out, |name| format!("<{name}>"));
    assert_eq!(out, "{x} <a_1>!");
    for bad in ["{}", "{0}", "{a:>3}", "{a", "a}", "{a.b}"] {
        assert!(Template::parse("t", bad).is_err(), "{bad}");
    }
}

#[test]
fn columns_of_different_lengths_are_an_argument_error() {
    let instruction = [Some("a"), Some("b")];
    let response = [Some("c")];
    let rows = InstructionRows {
        instruction: &instruction,
        input: None,
        response: &response,
        system: None,
    };
    let err = tokenize_instructions(
        &encoder(),
        &alpaca_format(),
        rows,
        &instruction_options(8, false),
        1,
    )
    .unwrap_err();
    assert!(err.to_string().contains("response"), "{err}");
}

fn window_options(max_length: usize, stride: usize) -> EncodeOptions {
    EncodeOptions {
        stride,
        ..options(Some(max_length))
    }
}

#[test]
fn a_long_text_becomes_overlapping_windows_each_with_bos_and_the_appended_id() {
    let windows = encoder()
        .encode_windows(&["a b c d e f g", "h"], &window_options(4, 1), Some(1), 1)
        .unwrap();
    let rows: Vec<&[u32]> = (0..windows.ids.len()).map(|i| windows.ids.row(i)).collect();
    // 3 tokens per window after BOS; each window repeats the last token of the one before.
    assert_eq!(
        rows,
        [
            &[0, 3, 4, 5, 1][..],
            &[0, 5, 6, 7, 1],
            &[0, 7, 8, 9, 1],
            &[0, 10, 1]
        ]
    );
    assert_eq!(windows.text_of_window, [0, 0, 0, 1]);
}

#[test]
fn windows_keep_the_text_order_across_pieces_and_threads() {
    let texts: Vec<String> = (0..300).map(|i| "a b c d e ".repeat(i % 5 + 1)).collect();
    let texts: Vec<&str> = texts.iter().map(String::as_str).collect();
    let one = encoder()
        .encode_windows(&texts, &window_options(6, 2), None, 1)
        .unwrap();
    let four = encoder()
        .encode_windows(&texts, &window_options(6, 2), None, 4)
        .unwrap();
    assert_eq!(one, four);
    assert_eq!(one.text_of_window.first(), Some(&0));
    assert_eq!(one.text_of_window.last(), Some(&299));
    assert!(one.text_of_window.windows(2).all(|pair| pair[0] <= pair[1]));
}

#[test]
fn windows_need_a_maximum_length_and_a_stride_below_it() {
    let no_limit = encoder().encode_windows(&["a"], &options(None), None, 1);
    assert!(matches!(no_limit, Err(Error::InvalidArgument { .. })));
    let too_wide = encoder().encode_windows(&["a b c d e"], &window_options(3, 2), None, 1);
    assert!(too_wide.is_err());
}

/// `TOKENIZER` with the post-processor `template` (a `TemplateProcessing` single template).
fn with_template(single: &str) -> Encoder {
    let mut value: serde_json::Value = serde_json::from_str(TOKENIZER).unwrap();
    value["post_processor"]["single"] = serde_json::from_str(single).unwrap();
    value["post_processor"]["special_tokens"]["</s>"] =
        serde_json::json!({"id": "</s>", "ids": [1], "tokens": ["</s>"]});
    Encoder::from_json(&value.to_string()).unwrap()
}

#[test]
fn the_wrap_is_what_the_post_processor_puts_around_one_sequence() {
    let tokenizer = with_template(
        r#"[{"SpecialToken": {"id": "<s>", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}},
            {"SpecialToken": {"id": "</s>", "type_id": 0}}]"#,
    );
    let wrap = wrap::Wrap::of(&tokenizer.configured(&options(None)).unwrap()).unwrap();
    assert_eq!(wrap.around(&[7, 8]), [0, 7, 8, 1]);
    assert_eq!(wrap.total(), 2);
}
