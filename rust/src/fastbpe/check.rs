//! The self-check a [`FastBpe`] passes before it is used: a built-in adversarial text set
//! (and every added token inside text) encoded exactly as `tokenizers` encodes it, with
//! special-token strings both split out and kept as text.

use tokenizers::Tokenizer;

use super::FastBpe;

/// Texts where a pre-tokenizer or a BPE differs first: whitespace runs and kinds, digits,
/// contractions, CJK, emoji and joiners, combining marks, control characters, code.
pub const ADVERSARIAL: &[&str] = &[
    "",
    " ",
    "  ",
    "\n",
    "\n\n \n",
    "\t\tx",
    "Hello world",
    " Hello  world ",
    "hello   world\n\n\nnext",
    "It's they're we've I'm you'll he'd IT'S",
    "'s 's' ''s",
    "12345 1,234.56 3.14e-10 0x1F",
    "日本語のテキスト、そして中文。",
    "🙂🙃 👩‍👩‍👧 🇫🇷 ✔️",
    "e\u{301} café naïve Ω ω",
    "\u{a0}non\u{2009}breaking\u{3000}spaces\u{200b}zero",
    "\u{1c}\u{1d}\u{1e}\u{1f}\u{85}\u{b}\u{c}\r\n",
    "fn main() { println!(\"{}\", x + 1); } // done",
    "def f(x):\n    return x**2  # square\n",
    "<html><body class=\"a\">&amp;</body></html>",
    "a\u{0}b\u{7f}c",
    "ÀÉÎÕÜ àéîõü ß ẞ ﬁ",
    "    indented\n\tand tabbed\n",
    "mixed123abc 456def ghi789",
    "!!! ??? ... --- ___ *** ###",
];

/// `Err` naming the first text where `fast` and `tokenizer` give different ids.
pub fn against(fast: &FastBpe, tokenizer: &Tokenizer) -> Result<(), String> {
    let mut plain = tokenizer.clone();
    plain
        .with_truncation(None)
        .map_err(|err| format!("the tokenizer: {err}"))?;
    plain.with_padding(None);
    let tokens: Vec<String> = plain
        .get_added_tokens_decoder()
        .values()
        .map(|token| token.content.clone())
        .collect();
    let mut texts: Vec<String> = ADVERSARIAL.iter().map(|text| (*text).to_owned()).collect();
    for token in &tokens {
        texts.push(format!("a{token}b {token} {token}{token}\n{token}"));
    }
    for split_special in [false, true] {
        plain.set_encode_special_tokens(split_special);
        for text in &texts {
            let expected = plain
                .encode_fast(text.as_str(), false)
                .map_err(|err| format!("tokenizers rejected {text:?}: {err}"))?;
            let ours = fast.encode(text, split_special)?;
            if ours != expected.get_ids() {
                return Err(format!(
                    "the self-check differs from tokenizers on {text:?} (split_special_tokens: {split_special})"
                ));
            }
        }
    }
    Ok(())
}
