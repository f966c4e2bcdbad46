//! [`Configured`]: a tokenizer set up for one call, encoding by the fast BPE encoder when
//! there is one, with `tokenizers`' own truncation, post-processor and padding on its ids.
//!
//! Where the post-processor only wraps the ids ([`Wrap`]) and nothing would be cut or
//! padded, the ids are wrapped directly; character offsets for the chat-template path come
//! from the fast encoder's byte ranges ([`crate::fastbpe::char_offsets`]) and go through the
//! post-processor too, so offset trimming is `tokenizers`' own.

use std::ops::Deref;
use std::sync::Arc;

use tokenizers::{Encoding, Tokenizer};

use super::wrap::Wrap;
use crate::fastbpe::{FastBpe, char_offsets};

/// A tokenizer set up for one call, with the fast encoder when there is one.
pub(crate) struct Configured {
    tokenizer: Tokenizer,
    fast: Option<Arc<FastBpe>>,
    wrap: Option<Arc<Wrap>>,
    added: usize,
    split_special: bool,
}

impl Deref for Configured {
    type Target = Tokenizer;

    fn deref(&self) -> &Tokenizer {
        &self.tokenizer
    }
}

impl Configured {
    pub(super) fn new(
        tokenizer: Tokenizer,
        fast: Option<Arc<FastBpe>>,
        wrap: Option<Arc<Wrap>>,
        added: usize,
        split_special: bool,
    ) -> Self {
        Configured {
            tokenizer,
            fast,
            wrap,
            added,
            split_special,
        }
    }

    /// `encode_char_offsets(text, false)` (no truncation or padding configured): by the fast
    /// encoder when it can locate the tokens, else by `tokenizers`.
    pub(crate) fn encode_char_offsets(&self, text: &str) -> tokenizers::Result<Encoding> {
        let plain =
            self.tokenizer.get_truncation().is_none() && self.tokenizer.get_padding().is_none();
        if let Some(fast) = self.fast.as_ref().filter(|_| plain)
            && let Some((ids, ranges)) = fast.encode_located(text, self.split_special)?
        {
            let offsets = char_offsets(text, &ranges);
            let tokens = ids
                .iter()
                .map(|&id| self.tokenizer.id_to_token(id).unwrap_or_default())
                .collect();
            let encoding = located_encoding(ids, tokens, offsets);
            return self.tokenizer.post_process(encoding, None, false);
        }
        self.tokenizer.encode_char_offsets(text, false)
    }

    /// Whether [`Configured::encode_char_offsets`] takes the fast encoder for `text`.
    #[cfg(feature = "test-hooks")]
    pub(crate) fn locates(&self, text: &str) -> bool {
        self.fast.as_ref().is_some_and(|fast| {
            matches!(fast.encode_located(text, self.split_special), Ok(Some(_)))
        })
    }

    /// `encode_fast(text, add_special)`: by the fast encoder when there is one, with the
    /// tokenizer's own truncation, post-processor and padding on its ids.
    pub(crate) fn encode_encoding(
        &self,
        text: &str,
        add_special: bool,
    ) -> tokenizers::Result<Encoding> {
        let Some(fast) = &self.fast else {
            return self.tokenizer.encode_fast(text, add_special);
        };
        let ids = fast.encode(text, self.split_special)?;
        self.tokenizer
            .post_process(plain_encoding(ids), None, add_special)
    }

    /// The ids of `encode_fast(text, add_special)`.
    pub(crate) fn encode_ids(&self, text: &str, add_special: bool) -> tokenizers::Result<Vec<u32>> {
        let Some(fast) = &self.fast else {
            return Ok(self
                .tokenizer
                .encode_fast(text, add_special)?
                .get_ids()
                .to_vec());
        };
        let ids = fast.encode(text, self.split_special)?;
        match &self.wrap {
            Some(wrap) if self.left_whole(ids.len(), add_special) => {
                Ok(if add_special { wrap.around(&ids) } else { ids })
            }
            _ => Ok(self
                .tokenizer
                .post_process(plain_encoding(ids), None, add_special)?
                .get_ids()
                .to_vec()),
        }
    }

    /// Whether `post_process` neither truncates nor pads `length` ids (as its step 1 decides).
    fn left_whole(&self, length: usize, add_special: bool) -> bool {
        if self.tokenizer.get_padding().is_some() {
            return false;
        }
        let Some(truncation) = self.tokenizer.get_truncation() else {
            return true;
        };
        let reserved = if add_special { self.added } else { 0 };
        let limit = truncation.max_length.saturating_sub(reserved);
        limit > 0 && length <= limit
    }
}

/// An encoding of `ids` alone (one sequence, no tokens or offsets), for `post_process`.
#[allow(clippy::default_trait_access)] // the sequence ranges' map type is not re-exported
pub(super) fn plain_encoding(ids: Vec<u32>) -> Encoding {
    let length = ids.len();
    Encoding::new(
        ids,
        vec![0; length],
        vec![String::new(); length],
        vec![None; length],
        vec![(0, 0); length],
        vec![0; length],
        vec![1; length],
        Vec::new(),
        Default::default(),
    )
}

/// An encoding of `ids` with their tokens and character offsets (one sequence).
#[allow(clippy::default_trait_access)] // the sequence ranges' map type is not re-exported
fn located_encoding(ids: Vec<u32>, tokens: Vec<String>, offsets: Vec<(usize, usize)>) -> Encoding {
    let length = ids.len();
    Encoding::new(
        ids,
        vec![0; length],
        tokens,
        vec![None; length],
        offsets,
        vec![0; length],
        vec![1; length],
        Vec::new(),
        Default::default(),
    )
}
