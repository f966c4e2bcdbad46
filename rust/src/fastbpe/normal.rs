//! The tokenizer's normalizer, run by `tokenizers`' own code on each piece of text.
//!
//! `tokenizers` normalizes the text between the raw added tokens (`normalized: false`), then
//! looks for the other added tokens in what it gives, and pre-tokenizes the rest. Only the
//! ids matter here, not the alignments, so [`Normal::apply`] hands a piece to the same
//! `Normalizer` and keeps its string. Unicode's four normal forms leave ASCII unchanged, so
//! an ASCII piece skips them.

use std::borrow::Cow;

use tokenizers::normalizers::NormalizerWrapper;
use tokenizers::{NormalizedString, Normalizer, Tokenizer};

/// A tokenizer's normalizer, if it has one.
pub struct Normal {
    normalizer: Option<NormalizerWrapper>,
    ascii_unchanged: bool,
}

impl Normal {
    /// The normalizer of `tokenizer`.
    pub fn of(tokenizer: &Tokenizer) -> Self {
        let normalizer = tokenizer.get_normalizer().cloned();
        let ascii_unchanged = matches!(
            normalizer,
            Some(
                NormalizerWrapper::NFC(_)
                    | NormalizerWrapper::NFD(_)
                    | NormalizerWrapper::NFKC(_)
                    | NormalizerWrapper::NFKD(_)
            )
        );
        Normal {
            normalizer,
            ascii_unchanged,
        }
    }

    /// Whether there is no normalizer (the text is never rewritten).
    pub fn is_identity(&self) -> bool {
        self.normalizer.is_none()
    }

    /// `text` as the normalizer leaves it.
    pub fn apply<'t>(&self, text: &'t str) -> Result<Cow<'t, str>, String> {
        let Some(normalizer) = &self.normalizer else {
            return Ok(Cow::Borrowed(text));
        };
        if self.ascii_unchanged && text.is_ascii() {
            return Ok(Cow::Borrowed(text));
        }
        let mut piece = NormalizedString::from(text);
        normalizer
            .normalize(&mut piece)
            .map_err(|err| format!("the normalizer: {err}"))?;
        Ok(Cow::Owned(piece.get().to_owned()))
    }
}
