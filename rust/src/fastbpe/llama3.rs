//! The `Split` regexes of Llama-3 and Qwen2 as a scanner, with Oniguruma's character classes.
//!
//! Both are one ordered alternation, tried at each position; every character starts some
//! alternative, so the matches are contiguous:
//!
//! 1. `(?i:'s|'t|'re|'ve|'m|'ll|'d)`: a contraction, any case (left to Oniguruma itself,
//!    anchored, because case folding has surprises such as `ſ` for `s`);
//! 2. `[^\r\n\p{L}\p{N}]?\p{L}+`: a run of letters, with the character before it when that is
//!    neither a line break, a letter nor a number;
//! 3. `\p{N}{1,3}` (Llama-3) or `\p{N}` (Qwen2): up to three numbers, or one;
//! 4. ` ?[^\s\p{L}\p{N}]+[\r\n]*`: an optional space, a run of characters that are none of
//!    whitespace, letter or number, and the line breaks after it;
//! 5. `\s*[\r\n]+`: a whitespace run up to its last line break;
//! 6. `\s+(?!\S)`: a whitespace run, less its last character when a non-space follows;
//! 7. `\s+`: what is left, a single whitespace character before a non-space.
//!
//! The classes are [`super::classes`]'. The tests compare the scanner with the regex on
//! generated text and around every code point.

use super::classes::{Class, Classes};

/// Llama-3's pre-tokenizer `Split` regex.
pub const LLAMA3_REGEX: &str = r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+";

/// Qwen2's (Qwen2.5, Qwen3): Llama-3's with one number per match.
pub const QWEN2_REGEX: &str = r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+";

/// The scanner of one of the two regexes; built once per encoder.
pub struct SplitScanner {
    classes: Classes,
    contraction: onig::Regex,
    numbers: usize,
}

impl SplitScanner {
    /// The scanner of `pattern`, if it is one of the two regexes.
    pub fn of(pattern: &str) -> Option<Result<Self, String>> {
        let numbers = match pattern {
            LLAMA3_REGEX => 3,
            QWEN2_REGEX => 1,
            _ => return None,
        };
        let build = || -> Result<Self, String> {
            let contraction = onig::Regex::new(r"\A(?i:'s|'t|'re|'ve|'m|'ll|'d)")
                .map_err(|err| format!("the contraction regex: {err}"))?;
            Ok(SplitScanner {
                classes: Classes::new()?,
                contraction,
                numbers,
            })
        };
        Some(build())
    }

    /// The regex's matches in `text[start..end]`, as byte ranges of `text`, in order.
    pub fn split(&self, text: &str, start: usize, end: usize, out: &mut Vec<(usize, usize)>) {
        let piece = &text[start..end];
        let mut at = 0;
        while at < piece.len() {
            let stop = self.match_at(piece, at);
            out.push((start + at, start + stop));
            at = stop;
        }
    }

    /// The end of the match that starts at byte `at` of `text` (`at < text.len()`).
    fn match_at(&self, text: &str, at: usize) -> usize {
        let rest = &text[at..];
        let mut chars = rest.chars();
        let first = chars.next().unwrap_or(' ');
        if first == '\''
            && let Some((_, length)) = self.contraction.find(rest)
        {
            return at + length;
        }
        let first_class = self.classes.of(first);
        let second_class = chars.next().map(|c| self.classes.of(c));
        let after_first = at + first.len_utf8();
        let line_break = first == '\r' || first == '\n';
        match first_class {
            Class::Letter => self.run(text, at, Class::Letter),
            _ if first_class != Class::Number
                && !line_break
                && second_class == Some(Class::Letter) =>
            {
                self.run(text, after_first, Class::Letter)
            }
            Class::Number => self.classes.run_end(text, at, Class::Number, self.numbers),
            Class::Other => line_breaks_end(text, self.run(text, at, Class::Other)),
            _ if first == ' ' && second_class == Some(Class::Other) => {
                line_breaks_end(text, self.run(text, after_first, Class::Other))
            }
            Class::Space => self.spaces_end(text, at),
        }
    }

    fn run(&self, text: &str, at: usize, class: Class) -> usize {
        self.classes.run_end(text, at, class, usize::MAX)
    }

    /// Alternatives 5 to 7 for the whitespace run starting at `at`.
    fn spaces_end(&self, text: &str, at: usize) -> usize {
        let run_end = self.run(text, at, Class::Space);
        let run = &text[at..run_end];
        if let Some(last_break) = run.rfind(['\r', '\n']) {
            return at + last_break + 1;
        }
        if run_end == text.len() {
            return run_end;
        }
        let last = run.char_indices().last().map_or(0, |(offset, _)| offset);
        if last > 0 { at + last } else { run_end }
    }
}

/// The end of the run of `\r` and `\n` starting at `at`.
fn line_breaks_end(text: &str, at: usize) -> usize {
    let breaks = text.as_bytes()[at..]
        .iter()
        .take_while(|&&byte| byte == b'\r' || byte == b'\n')
        .count();
    at + breaks
}
