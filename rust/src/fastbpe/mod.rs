//! A faster encoder for byte-level BPE tokenizers, with exactly `tokenizers`' ids.
//!
//! `tokenizers` carries every text through a `NormalizedString` (an alignment per byte, a
//! transformation per character) and a `PreTokenizedString` before its BPE model sees a word.
//! For a byte-level BPE the alignments never change the ids, so [`FastBpe`] does only what
//! decides them, each step by the same code or the same engine:
//!
//! 1. added tokens are cut out by the same `daachorse` automata ([`added`]), and the
//!    normalizer, if any, runs on the text between them ([`normal`]);
//! 2. each piece goes through the pre-tokenizer's steps ([`shape::Step`]): a `Split`'s regex
//!    run by Oniguruma (`onig`, the engine `tokenizers` uses), every match and gap a piece,
//!    or, for Llama-3's and Qwen2's regexes, a scanner with Oniguruma's classes ([`llama3`]);
//!    `ByteLevel`'s prefix space per piece, then its GPT-2 regex as a scanner whose
//!    character classes Oniguruma gives ([`gpt2`]);
//! 3. each distinct word is merged once per thread: by `tokenizers`' merge loop run on ids
//!    with the model's own merges and ranks ([`merge`]), or, for a long word, by the model
//!    itself (`Model::tokenize` on its `ByteLevel` characters); a per-thread cache keyed by
//!    the word's bytes holds its ids.
//!
//! Truncation and the post-processor (BOS / EOS, ...) stay `tokenizers`' own
//! (`Tokenizer::post_process` on the ids). [`FastBpe::new`] declines any component it does not
//! reproduce ([`shape::steps_of`]), and the encoder self-checks against `tokenizers` on a
//! built-in adversarial text set before it is used ([`check`]).

mod added;
mod check;
mod classes;
mod gpt2;
mod llama3;
mod located;
mod merge;
mod normal;
mod shape;
mod steps;
#[cfg(test)]
mod tests;

use std::cell::RefCell;

use ahash::AHashMap as HashMap;

use tokenizers::models::bpe::BPE;
use tokenizers::{Model, ModelWrapper, Tokenizer};

use added::{AddedTokens, Piece};
pub use check::ADVERSARIAL;
pub use llama3::{LLAMA3_REGEX, QWEN2_REGEX};
pub use located::{Located, char_offsets};
use merge::Merges;
use normal::Normal;
pub use shape::{GPT2_REGEX, Step};
use steps::{Compiled, apply, compile};

/// Words cached per thread and encoder before the cache starts again (about 10 MB per
/// thread at most, so a machine with many cores does not hold gigabytes of words).
const CACHE_WORDS: usize = 1 << 17;

/// A byte-level BPE encoder equal to a tokenizer's `encode(text, add_special_tokens=False)`.
pub struct FastBpe {
    id: usize,
    normal: Normal,
    added: AddedTokens,
    steps: Vec<Compiled>,
    bpe: BPE,
    merges: Merges,
    byte_chars: [char; 256],
    token_bytes: Vec<u32>,
    locates: bool,
}

/// The ids of words already encoded (by their bytes), and the encoder they belong to.
type WordCache = (usize, HashMap<Vec<u8>, Vec<u32>>);

thread_local! {
    /// Per thread: the last encoder's words.
    static WORDS: RefCell<WordCache> = RefCell::new((0, HashMap::new()));
}

impl FastBpe {
    /// The fast encoder of `tokenizer` (`json` is its serialization), or why it declines.
    pub fn new(tokenizer: &Tokenizer, json: &str) -> Result<Self, String> {
        let value: serde_json::Value =
            serde_json::from_str(json).map_err(|err| format!("the JSON: {err}"))?;
        let steps = shape::steps_of(&value)?;
        let ModelWrapper::BPE(bpe) = tokenizer.get_model() else {
            return Err("the model is not BPE".into());
        };
        let normal = Normal::of(tokenizer);
        let added = AddedTokens::from_json(&value["added_tokens"], |content| {
            normal.apply(content).map(std::borrow::Cow::into_owned)
        })?;
        let prefix_space = steps.iter().any(|step| {
            matches!(
                step,
                Step::ByteLevel {
                    add_prefix_space: true,
                    ..
                }
            )
        });
        let byte_chars = byte_chars();
        let fast = FastBpe {
            id: next_id(),
            locates: normal.is_identity() && !prefix_space,
            normal,
            added,
            steps: steps.iter().map(compile).collect::<Result<_, _>>()?,
            token_bytes: located::token_bytes(bpe),
            merges: Merges::of(bpe, &byte_chars)?,
            bpe: bpe.clone(),
            byte_chars,
        };
        check::against(&fast, tokenizer)?;
        Ok(fast)
    }

    /// The ids of `text` without the post-processor's special tokens.
    pub fn encode(&self, text: &str, split_special_tokens: bool) -> Result<Vec<u32>, String> {
        let mut ids = Vec::with_capacity(text.len() / 3);
        for piece in self.added.split_raw(text, split_special_tokens) {
            let Piece::Text(raw) = piece else {
                ids.extend(piece.id());
                continue;
            };
            let normalized = self.normal.apply(raw)?;
            for inner in self
                .added
                .split_normalized(&normalized, split_special_tokens)
            {
                match inner {
                    Piece::Token(id, _) => ids.push(id),
                    Piece::Text(part) => self.encode_text(part, &mut ids)?,
                }
            }
        }
        Ok(ids)
    }

    fn encode_text(&self, text: &str, ids: &mut Vec<u32>) -> Result<(), String> {
        let mut buffer = std::borrow::Cow::Borrowed(text);
        let mut pieces = vec![(0, text.len())];
        for step in &self.steps {
            pieces = apply(step, &mut buffer, &pieces);
        }
        WORDS.with(|cell| {
            let mut guard = cell.borrow_mut();
            let (owner, words) = &mut *guard;
            if *owner != self.id || words.len() >= CACHE_WORDS {
                *owner = self.id;
                words.clear();
            }
            for &(start, end) in &pieces {
                let word = &buffer.as_bytes()[start..end];
                if let Some(known) = words.get(word) {
                    ids.extend_from_slice(known);
                    continue;
                }
                let word_ids = self.encode_word(word)?;
                ids.extend_from_slice(&word_ids);
                words.insert(word.to_vec(), word_ids);
            }
            Ok(())
        })
    }

    /// The ids of a word the cache has not seen: by the merge loop on ids when it takes the
    /// word, else by the model.
    fn encode_word(&self, word: &[u8]) -> Result<Vec<u32>, String> {
        let mapped = || -> String {
            word.iter()
                .map(|&b| self.byte_chars[usize::from(b)])
                .collect()
        };
        if self.merges.whole_words_first
            && let Some(id) = self.bpe.token_to_id(&mapped())
        {
            return Ok(vec![id]);
        }
        if let Some(ids) = self.merges.word(word) {
            return Ok(ids);
        }
        let tokens = self
            .bpe
            .tokenize(&mapped())
            .map_err(|err| err.to_string())?;
        Ok(tokens.iter().map(|token| token.id).collect())
    }
}

/// `ByteLevel`'s byte → character table (GPT-2's `bytes_to_unicode`).
fn byte_chars() -> [char; 256] {
    let mut printable: Vec<u8> = (b'!'..=b'~').collect();
    printable.extend(0xA1..=0xAC_u8);
    printable.extend(0xAE..=0xFF_u8);
    let mut table = ['\0'; 256];
    let mut extra = 0_u32;
    for byte in 0..=255_u8 {
        table[usize::from(byte)] = if printable.contains(&byte) {
            char::from(byte)
        } else {
            extra += 1;
            char::from_u32(255 + extra).unwrap_or('\0')
        };
    }
    table
}

fn next_id() -> usize {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static NEXT: AtomicUsize = AtomicUsize::new(1);
    NEXT.fetch_add(1, Ordering::Relaxed)
}
