//! [`Encoder::encode_windows`]: every text as overlapping windows of at most `max_length`
//! tokens, as `transformers` returns them for `tokenizer(texts, truncation=True,
//! max_length=n, stride=s, return_overflowing_tokens=True)`.
//!
//! The `tokenizers` crate truncates a text into its first window and keeps the rest as the
//! encoding's overflowing windows, each with the post-processor's special tokens; a text's
//! windows are `[encoding] + encoding.overflowing`, in that order (`transformers`'
//! `_convert_encoding`), and `overflow_to_sample_mapping` names the text of every window.
//!
//! The crate's 0.23.2 encoder stops tokenizing a text once it has `max_length` tokens when
//! truncation is set, which drops the overflowing windows (the Python package's 0.23.3
//! does not). So a text is encoded whole by a tokenizer without truncation, then cut and
//! given its special tokens by the post-processing of one with truncation, the two steps
//! `Tokenizer::encode` makes.

use crate::error::{Error, Location, Result};
use crate::parallel;
use crate::tokenize::{Configured, EncodeOptions, Encoder, TokenLists};

/// Texts encoded on one task of the pool.
const PIECE_ROWS: usize = 64;

/// The windows of many texts, one after another.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Windows {
    /// The ids of every window, in Arrow's list layout.
    pub ids: TokenLists,
    /// For every window, the index of the text it comes from.
    pub text_of_window: Vec<u32>,
}

impl Encoder {
    /// Encodes `texts` into windows of at most `options.max_length` tokens that overlap by
    /// `options.stride`, each followed by `append` when given (axolotl appends EOS).
    ///
    /// Fails when `max_length` is missing or leaves no room for the special tokens, when the
    /// tokenizer rejects the stride for that length, and with the row when it rejects a text.
    pub fn encode_windows(
        &self,
        texts: &[&str],
        options: &EncodeOptions,
        append: Option<u32>,
        threads: usize,
    ) -> Result<Windows> {
        let Some(max_length) = options.max_length else {
            return Err(Error::invalid_argument(
                "max_length",
                "windows need a maximum length",
            ));
        };
        self.check_stride(max_length, options)?;
        let whole = self.configured(&EncodeOptions {
            max_length: None,
            ..options.clone()
        })?;
        let cutting = self.configured(options)?;
        let tokenizers = (&whole, &cutting);
        let add_special = options.add_special_tokens;
        let encode_piece = |&(piece, chunk): &(usize, &[&str])| -> Result<Vec<Vec<Vec<u32>>>> {
            chunk
                .iter()
                .enumerate()
                .map(|(offset, text)| {
                    let row = piece * PIECE_ROWS + offset;
                    text_windows(tokenizers, text, add_special, append, row)
                })
                .collect()
        };
        let pieces: Vec<(usize, &[&str])> = texts.chunks(PIECE_ROWS).enumerate().collect();
        let encoded = parallel::map_in_order(threads, &pieces, encode_piece)?;
        let mut rows = Vec::new();
        let mut text_of_window = Vec::new();
        let mut text = 0_u32;
        for piece in encoded {
            for windows in piece? {
                text_of_window.extend(std::iter::repeat_n(text, windows.len()));
                rows.extend(windows);
                text += 1;
            }
        }
        Ok(Windows {
            ids: TokenLists::from_rows(rows)?,
            text_of_window,
        })
    }

    /// Fails unless the windows advance: the crate panics on a stride as long as the
    /// window's room for text (`max_length` less the special tokens added).
    fn check_stride(&self, max_length: usize, options: &EncodeOptions) -> Result<()> {
        let added = if options.add_special_tokens {
            self.added_tokens()
        } else {
            0
        };
        let room = max_length.saturating_sub(added);
        if options.stride >= room {
            return Err(Error::invalid_argument(
                "stride",
                format!(
                    "{} is not below the {room} tokens of text a window of {max_length} holds",
                    options.stride
                ),
            ));
        }
        Ok(())
    }
}

/// The windows of one text, `append` after each; a rejection names the row.
fn text_windows(
    (whole, cutting): (&Configured, &Configured),
    text: &str,
    add_special: bool,
    append: Option<u32>,
    row: usize,
) -> Result<Vec<Vec<u32>>> {
    let rejected = |err: tokenizers::Error| {
        let location = Location {
            row: Some(row as u64),
            ..Location::default()
        };
        Error::data_format(location, format!("the tokenizer rejected the text: {err}"))
    };
    let encoding = whole.encode_encoding(text, false).map_err(rejected)?;
    let encoding = cutting
        .post_process(encoding, None, add_special)
        .map_err(rejected)?;
    let window = |ids: &[u32]| ids.iter().copied().chain(append).collect::<Vec<u32>>();
    let mut windows = vec![window(encoding.get_ids())];
    windows.extend(
        encoding
            .get_overflowing()
            .iter()
            .map(|overflow| window(overflow.get_ids())),
    );
    Ok(windows)
}
