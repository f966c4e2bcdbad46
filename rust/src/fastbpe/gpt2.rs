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
//! Which characters are `\s`, `\p{L}` and `\p{N}` is asked of Oniguruma itself (the engine
//! `tokenizers` runs the regex with), once per character: ASCII when the scanner is built,
//! any other character the first time a thread sees it. The tests compare the scanner with
//! the regex on generated text and on every code point.

use std::cell::RefCell;

use ahash::AHashMap;

/// The class of a character in GPT-2's regex.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Class {
    Letter,
    Number,
    Space,
    Other,
}

const CONTRACTIONS: [&str; 7] = ["'s", "'t", "'re", "'ve", "'m", "'ll", "'d"];

/// The scanner; built once per encoder.
pub struct Gpt2Scanner {
    classifier: onig::Regex,
    ascii: [Class; 128],
}

thread_local! {
    /// Classes of the non-ASCII characters this thread has seen.
    static CLASSES: RefCell<AHashMap<char, Class>> = RefCell::new(AHashMap::new());
}

impl Gpt2Scanner {
    /// The scanner, with Oniguruma's classes of the ASCII characters.
    pub fn new() -> Result<Self, String> {
        let classifier = onig::Regex::new(r"\A(?:(\s)|(\p{L})|(\p{N}))")
            .map_err(|err| format!("the class regex: {err}"))?;
        let mut ascii = [Class::Other; 128];
        for (code, class) in ascii.iter_mut().enumerate() {
            let c = char::from(u8::try_from(code).unwrap_or(0));
            *class = classify(&classifier, c);
        }
        Ok(Gpt2Scanner { classifier, ascii })
    }

    fn class(&self, c: char) -> Class {
        if c.is_ascii() {
            return self.ascii[c as usize];
        }
        CLASSES.with(|cell| {
            *cell
                .borrow_mut()
                .entry(c)
                .or_insert_with(|| classify(&self.classifier, c))
        })
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

    /// The end of the run of `class` characters starting at `at` (ASCII bytes are looked up
    /// without decoding a character).
    fn run_end(&self, text: &str, at: usize, class: Class) -> usize {
        let bytes = text.as_bytes();
        let mut end = at;
        while let Some(&byte) = bytes.get(end) {
            if byte.is_ascii() {
                if self.ascii[usize::from(byte)] != class {
                    return end;
                }
                end += 1;
                continue;
            }
            match text.get(end..).and_then(|rest| rest.chars().next()) {
                Some(c) if self.class(c) == class => end += c.len_utf8(),
                _ => return end,
            }
        }
        end
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

fn classify(classifier: &onig::Regex, c: char) -> Class {
    let mut buffer = [0_u8; 4];
    let text: &str = c.encode_utf8(&mut buffer);
    let Some(captures) = classifier.captures(text) else {
        return Class::Other;
    };
    if captures.at(1).is_some() {
        Class::Space
    } else if captures.at(2).is_some() {
        Class::Letter
    } else {
        Class::Number
    }
}
