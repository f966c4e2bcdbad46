//! A post-processor's work on one sequence, as the constant ids it puts around it.
//!
//! Every post-processor of `tokenizers` (`TemplateProcessing`, `ByteLevel`, `BertProcessing`,
//! `RobertaProcessing` and sequences of them) adds the same special tokens before and after a
//! single sequence whatever its ids, and none with `add_special_tokens=False`. [`Wrap::of`]
//! learns those ids by running the tokenizer's own `post_process` on sentinel ids of a few
//! lengths, and keeps them only if every probe is exactly `prefix + ids + suffix`. The fast
//! encoder then skips building an `Encoding` for each text (seven vectors, then the
//! post-processor's copy) when neither truncation nor padding would change it.

use tokenizers::Tokenizer;

use super::configured::plain_encoding;

/// Sentinel ids for the probes: far above any vocabulary, so no special token is one.
const SENTINEL: u32 = u32::MAX - 16;

/// The special tokens `post_process` puts around one sequence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Wrap {
    prefix: Vec<u32>,
    suffix: Vec<u32>,
}

impl Wrap {
    /// The wrap of `tokenizer`'s post-processor, if its probes prove it constant.
    pub(crate) fn of(tokenizer: &Tokenizer) -> Option<Wrap> {
        let mut bare = tokenizer.clone();
        bare.with_truncation(None).ok()?;
        bare.with_padding(None);
        let process = |ids: &[u32], add_special: bool| -> Option<Vec<u32>> {
            let encoding = plain_encoding(ids.to_vec());
            let processed = bare.post_process(encoding, None, add_special).ok()?;
            Some(processed.get_ids().to_vec())
        };
        let wrapped = process(&[], true)?;
        let one = process(&[SENTINEL], true)?;
        let at = one.iter().position(|&id| id == SENTINEL)?;
        let wrap = Wrap {
            prefix: one[..at].to_vec(),
            suffix: one[at + 1..].to_vec(),
        };
        let mut probes_hold = wrap.total() == wrapped.len();
        for length in 0..4_u32 {
            let ids: Vec<u32> = (0..length).map(|k| SENTINEL + k).collect();
            probes_hold &= process(&ids, true)? == wrap.around(&ids);
            probes_hold &= process(&ids, false)? == ids;
        }
        probes_hold.then_some(wrap)
    }

    /// How many ids the wrap adds.
    pub(crate) fn total(&self) -> usize {
        self.prefix.len() + self.suffix.len()
    }

    /// `ids` with the prefix before and the suffix after.
    pub(crate) fn around(&self, ids: &[u32]) -> Vec<u32> {
        let mut out = Vec::with_capacity(ids.len() + self.total());
        out.extend_from_slice(&self.prefix);
        out.extend_from_slice(ids);
        out.extend_from_slice(&self.suffix);
        out
    }
}
