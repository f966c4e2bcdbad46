//! Added tokens cut out of a text first, as `tokenizers`' `AddedVocabulary` cuts them.
//!
//! Two leftmost-longest `daachorse` automata, built as `tokenizers` builds them: one over the
//! tokens that match the raw text (`normalized: false`), run first, and one over the others,
//! run on the pieces left between the first one's matches once the normalizer has run on them
//! (their contents are normalized too). Under `split_special_tokens` a special token's match is skipped, but still
//! consumes its text from the search, as in `find_matches`.

use daachorse::{DoubleArrayAhoCorasick, DoubleArrayAhoCorasickBuilder, MatchKind};
use serde_json::Value;

/// A piece of a text: plain text to pre-tokenize, or an added token's id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Piece<'t> {
    /// Text between added tokens.
    Text(&'t str),
    /// An added token: its id and the text it matched.
    Token(u32, &'t str),
}

impl Piece<'_> {
    /// The added token's id, if the piece is one.
    pub fn id(self) -> Option<u32> {
        match self {
            Piece::Token(id, _) => Some(id),
            Piece::Text(_) => None,
        }
    }
}

/// The added tokens of one tokenizer.
pub struct AddedTokens {
    raw: Option<DoubleArrayAhoCorasick<u32>>,
    normalized: Option<DoubleArrayAhoCorasick<u32>>,
    special: Vec<u32>,
}

impl AddedTokens {
    /// The added tokens of a tokenizer's JSON (`added_tokens`); the contents of those matched
    /// on normalized text are normalized by `normalize`, as `tokenizers` does.
    pub fn from_json(
        tokens: &Value,
        normalize: impl Fn(&str) -> Result<String, String>,
    ) -> Result<Self, String> {
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
                normalized.push((normalize(content)?, id));
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

    /// `text` cut at the added tokens matched on raw text (empty text pieces left out).
    pub fn split_raw<'t>(&self, text: &'t str, split_special: bool) -> Vec<Piece<'t>> {
        let mut pieces = Vec::new();
        self.cut(text, self.raw.as_ref(), split_special, &mut pieces);
        pieces
    }

    /// A normalized piece cut at the other added tokens.
    pub fn split_normalized<'t>(&self, text: &'t str, split_special: bool) -> Vec<Piece<'t>> {
        let mut pieces = Vec::new();
        self.cut(text, self.normalized.as_ref(), split_special, &mut pieces);
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
                out.push(Piece::Token(id, &text[found.start()..found.end()]));
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
