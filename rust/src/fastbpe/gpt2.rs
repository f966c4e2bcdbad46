//! GPT-2's pre-tokenization regex as a scanner, with the character classes Oniguruma gives.
//!
//! [`GPT2_REGEX`](super::GPT2_REGEX) is an ordered alternation, tried at each position
//! (every character starts some alternative, so the matches are contiguous):
//!
//! 1. the contractions `'s 't 're 've 'm 'll 'd`;
//! 2. an optional space, then a run of letters (`\p{L}`);
//! 3. an optional space, then a run of numbers (`\p{N}`);
//! 4. an optional space, then a run of characters that are none of whitespace, letter or
//!    number;
//! 5. `\s+(?!\S)`: a whitespace run, less its last character when a non-space follows;
//! 6. `\s+`: what is left, a single whitespace character before a non-space.
//!
//! Which characters are `\s`, `\p{L}` and `\p{N}` is asked of Oniguruma itself
//! ([`super::classes`]). The tests compare the scanner with the regex on generated text and
//! around every code point.

use super::classes::{Class, Classes};

const CONTRACTIONS: [&str; 7] = ["'s", "'t", "'re", "'ve", "'m", "'ll", "'d"];

/// The scanner; built once per encoder.
pub struct Gpt2Scanner {
    classes: Classes,
}

impl Gpt2Scanner {
    /// The scanner, with Oniguruma's classes of the ASCII characters.
    pub fn new() -> Result<Self, String> {
        Ok(Gpt2Scanner {
            classes: Classes::new()?,
        })
    }

    fn class(&self, c: char) -> Class {
        self.classes.of(c)
    }

    /// The regex's matches in `text[start..end]`, as byte ranges of `text`, in order.
    pub fn split(&self, text: &str, start: usize, end: usize, out: &mut Vec<(usize, usize)>) {
        let mut at = start;
        while at < end {
            let stop = start + self.match_at(&text[start..end], at - start);
            out.push((at, stop));
            at = stop;
        }
    }

    /// The end of the match that starts at byte `at` of `text` (`at < text.len()`).
    fn match_at(&self, text: &str, at: usize) -> usize {
        let rest = &text[at..];
        if let Some(contraction) = CONTRACTIONS.iter().find(|c| rest.starts_with(**c)) {
            return at + contraction.len();
        }
        let mut chars = rest.chars();
        let first = chars.next().unwrap_or(' ');
        let first_class = self.class(first);
        let second_class = chars.next().map(|c| self.class(c));
        for wanted in [Class::Letter, Class::Number, Class::Other] {
            if first_class == wanted {
                return self.run_end(text, at, wanted);
            }
            if first == ' ' && second_class == Some(wanted) {
                return self.run_end(text, at + 1, wanted);
            }
        }
        self.spaces_end(text, at)
    }

    /// The end of the run of `class` characters starting at `at`.
    fn run_end(&self, text: &str, at: usize, class: Class) -> usize {
        self.classes.run_end(text, at, class, usize::MAX)
    }

    /// Alternatives 5 and 6 for the whitespace run starting at `at`.
    fn spaces_end(&self, text: &str, at: usize) -> usize {
        let run_end = self.run_end(text, at, Class::Space);
        if run_end == text.len() {
            return run_end;
        }
        let last = text[at..run_end]
            .char_indices()
            .last()
            .map_or(at, |(offset, _)| at + offset);
        if last > at { last } else { run_end }
    }
}
