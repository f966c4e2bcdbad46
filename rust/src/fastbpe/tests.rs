//! The fast encoder's parts alone; its equality with `tokenizers` is tested from Python on
//! the kit's tokenizers (`tests/core/test_fast_bpe.py`) and by its self-check.

use serde_json::json;

use super::added::{AddedTokens, Piece};
use super::gpt2::Gpt2Scanner;
use super::llama3::SplitScanner;
use super::shape::{Step, steps_of};
use super::{GPT2_REGEX, LLAMA3_REGEX, QWEN2_REGEX, byte_chars};

fn tokenizer_json(pre_tokenizer: &serde_json::Value) -> serde_json::Value {
    json!({
        "normalizer": null,
        "pre_tokenizer": pre_tokenizer.clone(),
        "model": {"type": "BPE", "dropout": null, "byte_fallback": false},
        "added_tokens": [],
    })
}

#[test]
fn byte_level_and_split_sequences_are_taken() {
    let byte_level = json!({"type": "ByteLevel", "add_prefix_space": false, "use_regex": true});
    assert_eq!(
        steps_of(&tokenizer_json(&byte_level)).unwrap(),
        vec![Step::ByteLevel {
            add_prefix_space: false,
            use_regex: true
        }]
    );
    let sequence = json!({"type": "Sequence", "pretokenizers": [
        {"type": "Split", "pattern": {"Regex": "\\p{N}{1,3}"}, "behavior": "Isolated", "invert": false},
        {"type": "ByteLevel", "add_prefix_space": false, "use_regex": false},
    ]});
    assert_eq!(steps_of(&tokenizer_json(&sequence)).unwrap().len(), 2);
}

#[test]
fn every_other_component_is_declined_with_its_reason() {
    let byte_level = json!({"type": "ByteLevel", "add_prefix_space": false, "use_regex": true});
    let cases = [
        ("pre_tokenizer", json!({"type": "Metaspace"}), "Metaspace"),
        ("model", json!({"type": "Unigram"}), "Unigram"),
        ("model", json!({"type": "BPE", "dropout": 0.1}), "dropout"),
        (
            "model",
            json!({"type": "BPE", "byte_fallback": true}),
            "fallback",
        ),
        (
            "model",
            json!({"type": "BPE", "continuing_subword_prefix": "##"}),
            "continuing_subword_prefix",
        ),
        (
            "model",
            json!({"type": "BPE", "end_of_word_suffix": "</w>"}),
            "end_of_word_suffix",
        ),
        (
            "added_tokens",
            json!([{"content": "x", "id": 1, "lstrip": true}]),
            "lstrip",
        ),
        (
            "added_tokens",
            json!([{"content": "x", "id": 1, "rstrip": true}]),
            "rstrip",
        ),
        (
            "added_tokens",
            json!([{"content": "x", "id": 1, "single_word": true}]),
            "single_word",
        ),
        (
            "pre_tokenizer",
            json!({"type": "Split", "pattern": {"String": " "}, "behavior": "Isolated"}),
            "only regex",
        ),
        (
            "pre_tokenizer",
            json!({"type": "Split", "pattern": {"Regex": "a"}, "behavior": "Removed"}),
            "behavior",
        ),
        (
            "pre_tokenizer",
            json!({"type": "Split", "pattern": {"Regex": "a"}, "behavior": "Isolated", "invert": true}),
            "inverted",
        ),
    ];
    for (key, value, reason) in cases {
        let mut tokenizer = tokenizer_json(&byte_level);
        tokenizer[key] = value;
        let declined = steps_of(&tokenizer).unwrap_err();
        assert!(declined.contains(reason), "{key}: {declined}");
    }
    let split_last = json!({"type": "Sequence", "pretokenizers": [
        byte_level,
        {"type": "Split", "pattern": {"Regex": "a"}, "behavior": "Isolated", "invert": false},
    ]});
    assert!(steps_of(&tokenizer_json(&split_last)).is_err());
}

#[test]
fn added_tokens_are_cut_leftmost_longest_and_specials_kept_as_text_on_request() {
    let tokens = json!([
        {"content": "<s>", "id": 1, "special": true, "normalized": false},
        {"content": "<s>x", "id": 2, "special": false, "normalized": false},
        {"content": "ab", "id": 3, "special": false, "normalized": true},
    ]);
    let added = AddedTokens::from_json(&tokens, |content| Ok(content.to_owned())).unwrap();
    let split = |text, split_special| -> Vec<Piece<'_>> {
        let mut pieces = Vec::new();
        for piece in added.split_raw(text, split_special) {
            match piece {
                Piece::Text(part) => pieces.extend(added.split_normalized(part, split_special)),
                token @ Piece::Token(..) => pieces.push(token),
            }
        }
        pieces
    };
    assert_eq!(
        split("q<s>xab<s>", false),
        vec![
            Piece::Text("q"),
            Piece::Token(2, "<s>x"),
            Piece::Token(3, "ab"),
            Piece::Token(1, "<s>")
        ]
    );
    // A skipped special match still consumes its text: "<s>" hides the longer "<s>x" only
    // when it is the leftmost-longest match.
    assert_eq!(
        split("<s>ab", true),
        vec![Piece::Text("<s>"), Piece::Token(3, "ab")]
    );
}

#[test]
fn the_byte_table_is_gpt2s() {
    let table = byte_chars();
    assert_eq!(table[usize::from(b'A')], 'A');
    assert_eq!(table[usize::from(b' ')], 'Ġ');
    assert_eq!(table[usize::from(b'\n')], 'Ċ');
    let distinct: std::collections::HashSet<char> = table.iter().copied().collect();
    assert_eq!(distinct.len(), 256);
    assert!(GPT2_REGEX.starts_with("'s|"));
}

/// A scanner's split of a whole text.
type Split<'s> = Box<dyn Fn(&str) -> Vec<(usize, usize)> + 's>;

/// The GPT-2 scanner, the Llama-3 and the Qwen2 one, each with its regex.
fn scanners() -> Vec<(&'static str, Split<'static>)> {
    let gpt2 = Gpt2Scanner::new().unwrap();
    let mut all: Vec<(&str, Split<'static>)> = vec![(
        GPT2_REGEX,
        Box::new(move |text: &str| {
            let mut out = Vec::new();
            gpt2.split(text, 0, text.len(), &mut out);
            out
        }),
    )];
    for pattern in [LLAMA3_REGEX, QWEN2_REGEX] {
        let scanner = SplitScanner::of(pattern).unwrap().unwrap();
        all.push((
            pattern,
            Box::new(move |text: &str| {
                let mut out = Vec::new();
                scanner.split(text, 0, text.len(), &mut out);
                out
            }),
        ));
    }
    all
}

fn assert_splits_as_oniguruma(texts: &[String]) {
    for (pattern, split) in scanners() {
        let regex = onig::Regex::new(pattern).unwrap();
        for text in texts {
            let expected: Vec<(usize, usize)> = regex.find_iter(text).collect();
            assert_eq!(split(text), expected, "{pattern}: {text:?}");
        }
    }
}

#[test]
fn the_scanners_split_as_oniguruma_on_generated_text() {
    use rand::{Rng, SeedableRng};
    let palette: Vec<char> = concat!(
        " \t\n\r\u{b}\u{c}\u{85}\u{a0}\u{1680}\u{2000}\u{2028}\u{3000}\u{200b}\u{1c}\u{1f}",
        "aZé\u{301}日ß٣5¾Ⅻ'srevmldSREſK!?.,-_😀\u{200d}🇫\u{0}\u{7f}"
    )
    .chars()
    .collect();
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(7);
    let texts: Vec<String> = (0..20_000)
        .map(|_| {
            let length = rng.random_range(0..24);
            (0..length)
                .map(|_| palette[rng.random_range(0..palette.len())])
                .collect()
        })
        .collect();
    assert_splits_as_oniguruma(&texts);
}

#[test]
fn the_scanners_split_as_oniguruma_around_every_code_point() {
    let texts = (0..0x11_0000)
        .step_by(7)
        .filter_map(char::from_u32)
        .flat_map(|c| {
            [
                format!(" {c}{c}a"),
                format!("a\n{c} \n"),
                format!("'{c}  {c}1"),
                format!("{c}'{c}\r\n"),
            ]
        })
        .collect::<Vec<_>>();
    assert_splits_as_oniguruma(&texts);
}

#[test]
fn other_split_patterns_keep_oniguruma() {
    assert!(SplitScanner::of(r"\p{N}{1,3}").is_none());
}
