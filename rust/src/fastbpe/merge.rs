//! `tokenizers`' BPE merge loop on token ids, for the words the word cache has not seen.
//!
//! `BPE::tokenize` makes a `String` per character to look it up, keeps its own cache and
//! clones every token's text into the result. The ids depend only on the merges, so
//! [`Merges::word`] runs the same loop on ids: each byte's `ByteLevel` character's id, then,
//! while some adjacent pair has a merge, the pair of lowest rank is merged, the leftmost one
//! first among equals (`Word::merge_all`'s heap pops by rank, then position). The merges
//! and their ranks are read back from the model itself (its serialization lists them in rank
//! order). Words longer than [`MAX_BYTES`] (where this quadratic loop would lose) and words
//! with a byte the vocabulary lacks go to `BPE::tokenize`; under `ignore_merges` a word the
//! vocabulary holds whole is looked up first, as `BPE::tokenize` does.

use ahash::AHashMap;
use tokenizers::Model;
use tokenizers::models::bpe::BPE;

/// Longest word merged here, in bytes.
pub const MAX_BYTES: usize = 128;

/// The merges of a BPE model as `(left id, right id) → (rank, merged id)`.
pub struct Merges {
    pairs: AHashMap<(u32, u32), (u32, u32)>,
    byte_ids: [Option<u32>; 256],
    /// A word the vocabulary holds whole is that one token (`ignore_merges`).
    pub whole_words_first: bool,
}

impl Merges {
    /// The merges of `bpe`, whose `ByteLevel` characters are `byte_chars`.
    pub fn of(bpe: &BPE, byte_chars: &[char; 256]) -> Result<Self, String> {
        let model = serde_json::to_value(bpe).map_err(|err| format!("the BPE model: {err}"))?;
        let listed = model["merges"]
            .as_array()
            .ok_or("the BPE model lists no merges")?;
        let mut pairs = AHashMap::with_capacity(listed.len());
        for (rank, pair) in listed.iter().enumerate() {
            let (Some(left), Some(right)) = (pair[0].as_str(), pair[1].as_str()) else {
                return Err(format!("a merge that is not a pair of tokens: {pair}"));
            };
            let id = |token: &str| {
                bpe.token_to_id(token)
                    .ok_or_else(|| format!("the merge {left:?} {right:?} leaves the vocabulary"))
            };
            let rank = u32::try_from(rank).map_err(|_| "more than u32::MAX merges")?;
            pairs.insert(
                (id(left)?, id(right)?),
                (rank, id(&format!("{left}{right}"))?),
            );
        }
        let mut byte_ids = [None; 256];
        for (slot, c) in byte_ids.iter_mut().zip(byte_chars) {
            *slot = bpe.token_to_id(c.encode_utf8(&mut [0; 4]));
        }
        Ok(Merges {
            pairs,
            byte_ids,
            whole_words_first: model["ignore_merges"].as_bool().unwrap_or(false),
        })
    }

    /// The ids of a word (its bytes), or `None` if it is left to the model.
    pub fn word(&self, bytes: &[u8]) -> Option<Vec<u32>> {
        if bytes.len() > MAX_BYTES {
            return None;
        }
        let mut ids = bytes
            .iter()
            .map(|&byte| self.byte_ids[usize::from(byte)])
            .collect::<Option<Vec<u32>>>()?;
        while let Some((position, merged)) = self.lowest_pair(&ids) {
            ids[position] = merged;
            ids.remove(position + 1);
        }
        Some(ids)
    }

    /// The leftmost adjacent pair of lowest rank: its position and the id it merges into.
    fn lowest_pair(&self, ids: &[u32]) -> Option<(usize, u32)> {
        let mut best: Option<(u32, usize, u32)> = None;
        for (position, pair) in ids.windows(2).enumerate() {
            if let Some(&(rank, merged)) = self.pairs.get(&(pair[0], pair[1]))
                && best.is_none_or(|(lowest, _, _)| rank < lowest)
            {
                best = Some((rank, position, merged));
            }
        }
        best.map(|(_, position, merged)| (position, merged))
    }
}
