//! Ids with the byte range of the text each one comes from, for the chat-template path.
//!
//! When nothing rewrites the text (no normalizer, no prefix space), the pieces between added
//! tokens are cut into words that cover them end to end, and a word's tokens cover its bytes
//! in order, one byte per `ByteLevel` character. So each token's range follows from the
//! byte lengths of the tokens before it; an added token's range is the text it matched.
//! `tokenizers` gives a token that covers part of a character the whole character; the
//! conversion to character offsets ([`char_offsets`]) does the same.

use tokenizers::models::bpe::BPE;

use super::FastBpe;
use super::added::Piece;

/// Ids of a text and, per id, the byte range of the text it comes from.
pub type Located = (Vec<u32>, Vec<(usize, usize)>);

/// Per id of the BPE vocabulary, the bytes its token stands for (0 for ids it lacks).
pub fn token_bytes(bpe: &BPE) -> Vec<u32> {
    let vocab = bpe.get_vocab();
    let size = vocab.values().max().map_or(0, |&id| id as usize + 1);
    let mut lengths = vec![0; size];
    for (token, id) in vocab {
        lengths[id as usize] = u32::try_from(token.chars().count()).unwrap_or(u32::MAX);
    }
    lengths
}

impl FastBpe {
    /// The ids of `text` with their byte ranges, or `None` when the text is rewritten
    /// before it is split (a normalizer, a prefix space), so ranges do not follow.
    pub fn encode_located(
        &self,
        text: &str,
        split_special_tokens: bool,
    ) -> Result<Option<Located>, String> {
        if !self.locates {
            return Ok(None);
        }
        let start_of = |part: &str| part.as_ptr() as usize - text.as_ptr() as usize;
        let (mut ids, mut ranges) = (Vec::new(), Vec::new());
        for piece in self.added.split_raw(text, split_special_tokens) {
            let Piece::Text(raw) = piece else {
                push_token(piece, start_of, &mut ids, &mut ranges);
                continue;
            };
            for inner in self.added.split_normalized(raw, split_special_tokens) {
                let Piece::Text(part) = inner else {
                    push_token(inner, start_of, &mut ids, &mut ranges);
                    continue;
                };
                let first = ids.len();
                self.encode_text(part, &mut ids)?;
                if !self.push_ranges(&ids[first..], start_of(part), part.len(), &mut ranges) {
                    return Ok(None);
                }
            }
        }
        Ok(Some((ids, ranges)))
    }

    /// The ranges of `ids`, the tokens of the `length` bytes at `start`; false if their
    /// lengths do not add up to it (then the caller lets `tokenizers` encode).
    fn push_ranges(
        &self,
        ids: &[u32],
        start: usize,
        length: usize,
        ranges: &mut Vec<(usize, usize)>,
    ) -> bool {
        let mut at = start;
        for &id in ids {
            let bytes = self.token_bytes.get(id as usize).copied().unwrap_or(0) as usize;
            if bytes == 0 {
                return false;
            }
            ranges.push((at, at + bytes));
            at += bytes;
        }
        at == start + length
    }
}

fn push_token(
    piece: Piece<'_>,
    start_of: impl Fn(&str) -> usize,
    ids: &mut Vec<u32>,
    ranges: &mut Vec<(usize, usize)>,
) {
    if let Piece::Token(id, matched) = piece {
        ids.push(id);
        let start = start_of(matched);
        ranges.push((start, start + matched.len()));
    }
}

/// Byte ranges of `text` as `tokenizers`' character offsets: a range that cuts a character
/// is widened to the whole character, then counted in characters.
pub fn char_offsets(text: &str, ranges: &[(usize, usize)]) -> Vec<(usize, usize)> {
    let ascii = text.is_ascii();
    let chars_before: Vec<u32> = if ascii {
        Vec::new()
    } else {
        let mut table = vec![0_u32; text.len() + 1];
        let mut count = 0_u32;
        for (byte, slot) in table.iter_mut().enumerate() {
            *slot = count;
            if byte < text.len() && text.is_char_boundary(byte + 1) {
                count += 1;
            }
        }
        table
    };
    let index = |byte: usize| -> usize {
        if ascii {
            byte
        } else {
            chars_before.get(byte).copied().unwrap_or(0) as usize
        }
    };
    ranges
        .iter()
        .map(|&(start, end)| {
            let (mut start, mut end) = (start.min(text.len()), end.min(text.len()));
            while !text.is_char_boundary(start) {
                start -= 1;
            }
            while !text.is_char_boundary(end) {
                end += 1;
            }
            (index(start), index(end))
        })
        .collect()
}
