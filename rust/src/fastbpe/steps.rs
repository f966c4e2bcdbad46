//! The pre-tokenizer's steps, compiled once and applied to byte ranges of a text: `Split`
//! regexes (Llama 3's and Qwen 2's by a scanner, any other by Oniguruma), then `ByteLevel`'s
//! prefix space and GPT-2 regex (a scanner). Every match and every gap is a piece; empty
//! pieces are dropped, as `tokenizers` drops them.

use std::borrow::Cow;

use super::Step;
use super::gpt2::Gpt2Scanner;
use super::llama3::SplitScanner;

/// The steps of [`shape::Step`] with their regexes compiled.
pub enum Compiled {
    Split(onig::Regex),
    Scanned(SplitScanner),
    ByteLevel {
        add_prefix_space: bool,
        scanner: Option<Gpt2Scanner>,
    },
}

/// One pre-tokenizer step over every piece (byte ranges of `buffer`); empty pieces are
/// dropped, as `tokenizers` drops them. A prefix space rewrites `buffer`.
pub fn apply(
    step: &Compiled,
    buffer: &mut Cow<'_, str>,
    pieces: &[(usize, usize)],
) -> Vec<(usize, usize)> {
    let mut out = Vec::with_capacity(pieces.len() * 2);
    match step {
        Compiled::Split(regex) => {
            for &(start, end) in pieces {
                isolate(regex, buffer, start, end, &mut out);
            }
        }
        Compiled::Scanned(scanner) => {
            for &(start, end) in pieces {
                scanner.split(buffer, start, end, &mut out);
            }
        }
        Compiled::ByteLevel {
            add_prefix_space,
            scanner,
        } => {
            let prefixed = if *add_prefix_space {
                prefix_spaces(buffer, pieces)
            } else {
                pieces.to_vec()
            };
            for (start, end) in prefixed {
                match scanner {
                    Some(scanner) => scanner.split(buffer, start, end, &mut out),
                    None if start < end => out.push((start, end)),
                    None => {}
                }
            }
        }
    }
    out
}

/// Every piece that does not start with a space given one: a new buffer, and its pieces.
fn prefix_spaces(buffer: &mut Cow<'_, str>, pieces: &[(usize, usize)]) -> Vec<(usize, usize)> {
    let mut rewritten = String::with_capacity(buffer.len() + pieces.len());
    let mut moved = Vec::with_capacity(pieces.len());
    for &(start, end) in pieces {
        let piece = &buffer[start..end];
        let begin = rewritten.len();
        if !piece.is_empty() && !piece.starts_with(' ') {
            rewritten.push(' ');
        }
        rewritten.push_str(piece);
        moved.push((begin, rewritten.len()));
    }
    *buffer = Cow::Owned(rewritten);
    moved
}

/// Every match of `regex` in `buffer[start..end]` and every gap between them, in order,
/// non-empty, as byte ranges of `buffer`.
fn isolate(
    regex: &onig::Regex,
    buffer: &str,
    start: usize,
    end: usize,
    out: &mut Vec<(usize, usize)>,
) {
    let text = &buffer[start..end];
    let mut previous = 0;
    for (found, stop) in regex.find_iter(text) {
        if previous < found {
            out.push((start + previous, start + found));
        }
        if found < stop {
            out.push((start + found, start + stop));
        }
        previous = stop;
    }
    if previous < text.len() {
        out.push((start + previous, end));
    }
}

pub fn compile(step: &Step) -> Result<Compiled, String> {
    let regex = |pattern: &str| {
        onig::Regex::new(pattern).map_err(|err| format!("the regex {pattern:?}: {err}"))
    };
    Ok(match step {
        Step::Split(pattern) => match SplitScanner::of(pattern) {
            Some(scanner) => Compiled::Scanned(scanner?),
            None => Compiled::Split(regex(pattern)?),
        },
        Step::ByteLevel {
            add_prefix_space,
            use_regex,
        } => Compiled::ByteLevel {
            add_prefix_space: *add_prefix_space,
            scanner: if *use_regex {
                Some(Gpt2Scanner::new()?)
            } else {
                None
            },
        },
    })
}
