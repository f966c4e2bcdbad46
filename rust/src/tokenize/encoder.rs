//! [`Encoder`]: a tokenizer restored from JSON, encoding many texts at once.
//!
//! The settings of one call ([`EncodeOptions`]: special tokens, truncation, splitting of
//! special-token strings) are applied to a copy of the tokenizer, so one [`Encoder`] can be
//! shared by calls with different settings. Truncation is set exactly as `transformers` sets
//! it for `tokenizer(text, truncation=True, max_length=n, stride=s)`: longest-first, on the
//! tokenizer's truncation side, with the overlap `s` between overflowing windows (0 unless
//! windows are asked for, see [`Encoder::encode_windows`]).

use std::str::FromStr;
use std::sync::Arc;

use tokenizers::utils::truncation::{TruncationDirection, TruncationParams, TruncationStrategy};
use tokenizers::{PostProcessor, Tokenizer};

use super::configured::Configured;
use super::wrap::Wrap;
use crate::error::{Error, Location, Result};
use crate::fastbpe::FastBpe;
use crate::parallel;
use crate::quiet_panic::quietly;

/// Set to `1` to encode with `tokenizers` only (the fast BPE encoder is never built).
pub const HF_ONLY_ENV: &str = "AXOLOTL_FAST_HF_ENCODER";

/// Rows encoded by one task of the pool.
const PIECE_ROWS: usize = 64;

/// Which end of a text truncation cuts (`transformers`' `truncation_side`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Side {
    /// Keep the end, cut the start.
    Left,
    /// Keep the start, cut the end (the default).
    #[default]
    Right,
}

impl Side {
    /// The names `FromStr` accepts.
    pub const NAMES: [&'static str; 2] = ["left", "right"];
}

impl FromStr for Side {
    type Err = Error;

    fn from_str(name: &str) -> Result<Self> {
        match name {
            "left" => Ok(Side::Left),
            "right" => Ok(Side::Right),
            _ => Err(Error::unknown_value("truncation_side", name, &Side::NAMES)),
        }
    }
}

/// How one call encodes.
#[derive(Debug, Clone, Default)]
pub struct EncodeOptions {
    /// Whether the post-processor adds its special tokens (BOS, EOS, ...).
    pub add_special_tokens: bool,
    /// Truncate every text to at most this many tokens, special tokens included.
    pub max_length: Option<usize>,
    /// Which end truncation cuts.
    pub truncation_side: Side,
    /// Encode special-token strings in the text as plain text (`split_special_tokens`).
    pub split_special_tokens: bool,
    /// Tokens the overflowing windows of a truncated text share with the window before.
    pub stride: usize,
}

/// Token ids of many rows in Arrow's list layout.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TokenLists {
    /// Every row's ids, one row after another.
    pub ids: Vec<u32>,
    /// Row `i` is `ids[offsets[i]..offsets[i + 1]]`; one more entry than rows.
    pub offsets: Vec<i64>,
}

impl TokenLists {
    /// The number of rows.
    pub fn len(&self) -> usize {
        self.offsets.len().saturating_sub(1)
    }

    /// Whether there are no rows.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The ids of row `index`.
    pub fn row(&self, index: usize) -> &[u32] {
        let (start, end) = (self.offsets[index], self.offsets[index + 1]);
        &self.ids[usize::try_from(start).unwrap_or(0)..usize::try_from(end).unwrap_or(0)]
    }

    pub(crate) fn from_rows(rows: Vec<Vec<u32>>) -> Result<Self> {
        let total: usize = rows.iter().map(Vec::len).sum();
        let mut lists = TokenLists {
            ids: Vec::with_capacity(total),
            offsets: Vec::with_capacity(rows.len() + 1),
        };
        lists.offsets.push(0);
        for row in rows {
            lists.ids.extend_from_slice(&row);
            let end = i64::try_from(lists.ids.len())
                .map_err(|_| Error::Internal("more than i64::MAX token ids".into()))?;
            lists.offsets.push(end);
        }
        Ok(lists)
    }
}

/// A tokenizer restored from its JSON, with the fast BPE encoder where it applies.
#[derive(Clone)]
pub struct Encoder {
    tokenizer: Tokenizer,
    fast: std::result::Result<Arc<FastBpe>, String>,
    wrap: Option<Arc<Wrap>>,
}

impl Encoder {
    /// Restores a tokenizer from its JSON serialization.
    ///
    /// The fast BPE encoder is built when the tokenizer is one it reproduces and it passes
    /// its self-check (see [`crate::fastbpe`]), unless `AXOLOTL_FAST_HF_ENCODER=1`.
    pub fn from_json(json: &str) -> Result<Self> {
        let tokenizer = restore(json)?;
        let fast = if std::env::var(HF_ONLY_ENV).is_ok_and(|value| value == "1") {
            Err(format!("{HF_ONLY_ENV}=1"))
        } else {
            FastBpe::new(&tokenizer, json).map(Arc::new)
        };
        let wrap = fast.is_ok().then(|| Wrap::of(&tokenizer)).flatten();
        Ok(Encoder {
            tokenizer,
            fast,
            wrap: wrap.map(Arc::new),
        })
    }

    /// `None` when the fast BPE encoder encodes, else why `tokenizers` does.
    pub fn fast_encoder_declined(&self) -> Option<&str> {
        self.fast.as_ref().err().map(String::as_str)
    }

    /// The id of a token of the vocabulary (added tokens included), if it has one.
    pub fn token_id(&self, token: &str) -> Option<u32> {
        self.tokenizer.token_to_id(token)
    }

    /// Encodes `texts` in order with `options`, on up to `threads` threads.
    ///
    /// Fails when `max_length` leaves no room for the special tokens the post-processor adds,
    /// and with the row's index when the tokenizer rejects a text.
    pub fn encode(
        &self,
        texts: &[&str],
        options: &EncodeOptions,
        threads: usize,
    ) -> Result<TokenLists> {
        let tokenizer = self.configured(options)?;
        let add_special = options.add_special_tokens;
        let encode_piece = |&(piece, chunk): &(usize, &[&str])| -> Result<Vec<Vec<u32>>> {
            chunk
                .iter()
                .enumerate()
                .map(|(offset, text)| {
                    let row = piece * PIECE_ROWS + offset;
                    encode_one(&tokenizer, text, add_special, row)
                })
                .collect()
        };
        let pieces: Vec<(usize, &[&str])> = texts.chunks(PIECE_ROWS).enumerate().collect();
        let encoded = parallel::map_in_order(threads, &pieces, encode_piece)?;
        let mut rows = Vec::with_capacity(texts.len());
        for piece in encoded {
            rows.extend(piece?);
        }
        TokenLists::from_rows(rows)
    }

    /// A copy of the tokenizer with the call's truncation and special-token settings.
    pub(crate) fn configured(&self, options: &EncodeOptions) -> Result<Configured> {
        let mut tokenizer = self.tokenizer.clone();
        tokenizer.set_encode_special_tokens(options.split_special_tokens);
        let truncation = match options.max_length {
            None => None,
            Some(max_length) => Some(self.truncation(max_length, options)?),
        };
        tokenizer
            .with_truncation(truncation)
            .map_err(|err| Error::invalid_argument("max_length", err.to_string()))?;
        Ok(Configured::new(
            tokenizer,
            self.fast.as_ref().ok().cloned(),
            self.wrap.clone(),
            self.added_tokens(),
            options.split_special_tokens,
        ))
    }

    /// How many special tokens the post-processor adds to one text.
    pub(crate) fn added_tokens(&self) -> usize {
        self.tokenizer
            .get_post_processor()
            .map_or(0, |processor| processor.added_tokens(false))
    }

    fn truncation(&self, max_length: usize, options: &EncodeOptions) -> Result<TruncationParams> {
        let added = self.added_tokens();
        if max_length < added {
            return Err(Error::invalid_argument(
                "max_length",
                format!("{max_length} leaves no room for the {added} special tokens added"),
            ));
        }
        Ok(TruncationParams {
            direction: match options.truncation_side {
                Side::Left => TruncationDirection::Left,
                Side::Right => TruncationDirection::Right,
            },
            max_length,
            strategy: TruncationStrategy::LongestFirst,
            stride: options.stride,
        })
    }
}

/// The tokenizer of `json`. `tokenizers` panics on some inconsistent models (a BPE whose
/// merges lack its subword prefix); that is an argument error too, not a crash.
fn restore(json: &str) -> Result<Tokenizer> {
    let not_one = |reason: String| {
        Error::invalid_argument("tokenizer", format!("not a tokenizer's JSON: {reason}"))
    };
    let restored = std::panic::catch_unwind(|| quietly(|| Tokenizer::from_str(json)));
    match restored {
        Ok(parsed) => parsed.map_err(|err| not_one(err.to_string())),
        Err(payload) => Err(not_one(Error::from_panic(payload.as_ref()).to_string())),
    }
}

/// Encodes one text; a rejection names the row.
pub(crate) fn encode_one(
    tokenizer: &Configured,
    text: &str,
    add_special: bool,
    row: usize,
) -> Result<Vec<u32>> {
    tokenizer.encode_ids(text, add_special).map_err(|err| {
        let location = Location {
            row: Some(row as u64),
            ..Location::default()
        };
        Error::data_format(location, format!("the tokenizer rejected the text: {err}"))
    })
}
