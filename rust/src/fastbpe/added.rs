//! Added tokens cut out of a text first, as `tokenizers`' `AddedVocabulary` cuts them.
//!
//! Two leftmost-longest `daachorse` automata, built as `tokenizers` builds them: one over the
//! tokens that match the raw text (`normalized: false`), run first, and one over the others,
//! run on the pieces left between the first one's matches (with no normalizer, both see the
//! same text). Under `split_special_tokens` a special token's match is skipped, but still
//! consumes its text from the search, as in `find_matches`.

use daachorse::{DoubleArrayAhoCorasick, DoubleArrayAhoCorasickBuilder, MatchKind};
use serde_json::Value;

/// A piece of a text: plain text to pre-tokenize, or an added token's id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Piece<'t> {
    /// Text between added tokens.
    Text(&'t str),
    /// An added token.
    Token(u32),
}

/// The added tokens of one tokenizer.
pub struct AddedTokens {
    raw: Option<DoubleArrayAhoCorasick<u32>>,
    normalized: Option<DoubleArrayAhoCorasick<u32>>,
    special: Vec<u32>,
}

impl AddedTokens {
    /// The added tokens of a tokenizer's JSON (`added_tokens`).
    pub fn from_json(tokens: &Value) -> Result<Self, String> {
        let (mut raw, mut normalized, mut special) = (Vec::new(), Vec::new(), Vec::new());
        for token in tokens.as_array().map_or(&[][..], Vec::as_slice) {
            let content = token["content"]
                .as_str()
                .ok_or("an added token without content")?;
            let id = token["id"].as_u64().and_then(|id| u32::try_from(id).ok());
            let id = id.ok_or("an added token without an id")?;
            if token["special"].as_bool().unwrap_or(false) {
                special.push(id);
            }
            if token["normalized"].as_bool().unwrap_or(true) {
                normalized.push((content.to_owned(), id));
            } else {
                raw.push((content.to_owned(), id));
            }
        }
        special.sort_unstable();
        Ok(AddedTokens {
            raw: automaton(raw)?,
            normalized: automaton(normalized)?,
            special,
        })
    }

    /// `text` cut into plain text and added tokens, in order (empty text pieces left out).
    pub fn split<'t>(&self, text: &'t str, split_special: bool) -> Vec<Piece<'t>> {
        let mut first = Vec::new();
        self.cut(text, self.raw.as_ref(), split_special, &mut first);
        let mut pieces = Vec::with_capacity(first.len());
        for piece in first {
            match piece {
                Piece::Text(part) => {
                    self.cut(part, self.normalized.as_ref(), split_special, &mut pieces);
                }
                token @ Piece::Token(_) => pieces.push(token),
            }
        }
        pieces
    }

    fn cut<'t>(
        &self,
        text: &'t str,
        automaton: Option<&DoubleArrayAhoCorasick<u32>>,
        split_special: bool,
        out: &mut Vec<Piece<'t>>,
    ) {
        let mut start = 0;
        if let Some(automaton) = automaton {
            for found in automaton.leftmost_find_iter(text) {
                let id = found.value();
                if split_special && self.special.binary_search(&id).is_ok() {
                    continue;
                }
                if start < found.start() {
                    out.push(Piece::Text(&text[start..found.start()]));
                }
                out.push(Piece::Token(id));
                start = found.end();
            }
        }
        if start < text.len() {
            out.push(Piece::Text(&text[start..]));
        }
    }
}

fn automaton(patterns: Vec<(String, u32)>) -> Result<Option<DoubleArrayAhoCorasick<u32>>, String> {
    if patterns.is_empty() {
        return Ok(None);
    }
    DoubleArrayAhoCorasickBuilder::new()
        .match_kind(MatchKind::LeftmostLongest)
        .build_with_values(patterns)
        .map(Some)
        .map_err(|err| format!("the added tokens: {err}"))
}
