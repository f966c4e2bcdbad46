//! Many conversations at once: each full render encoded with character offsets, then every
//! located turn's span found and the labels made, one piece of rows per task of the pool.

use crate::chat::labels::{LabelOptions, Turn, labels};
use crate::chat::spans::{TokenSpan, token_span};
use crate::error::{Error, Location, Result};
use crate::parallel;
use crate::tokenize::{Configured, EncodeOptions, Encoder, TokenLists};

/// Conversations encoded per task of the pool.
const PIECE_ROWS: usize = 16;

/// What axolotl's loop does with one turn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TurnMode {
    /// Skipped without being located (untrainable, and no `all` rule).
    Skip,
    /// Located by its two placeholder renders.
    Locate,
    /// Located as absent without rendering (axolotl's mistral system-turn rule).
    Absent,
}

/// One turn of a conversation, with its placeholder renders when it is located.
#[derive(Debug, Clone, Copy)]
pub struct TurnInput<'a> {
    /// Whether the turn's tokens are trained on.
    pub trainable: bool,
    /// How the turn is located.
    pub mode: TurnMode,
    /// The conversation rendered with the turn's content replaced by each placeholder.
    pub dummies: [&'a str; 2],
}

/// One conversation: its full render and its turns, in order.
#[derive(Debug, Clone)]
pub struct ChatRow<'a> {
    /// The conversation rendered by its chat template.
    pub text: &'a str,
    /// Its turns.
    pub turns: Vec<TurnInput<'a>>,
}

/// The tokenized conversations; a row axolotl must make itself has no ids and no labels.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ChatTokens {
    /// The ids of every row.
    pub ids: TokenLists,
    /// The labels, aligned with `ids.ids`.
    pub labels: Vec<i64>,
    /// Per row: whether the spans were decided here (false: axolotl's token diff is needed).
    pub decided: Vec<bool>,
}

/// Encodes every row's render (no special tokens added, no truncation) and labels it.
pub fn tokenize_chats(
    encoder: &Encoder,
    rows: &[ChatRow<'_>],
    options: &LabelOptions,
    split_special_tokens: bool,
    threads: usize,
) -> Result<ChatTokens> {
    let tokenizer = encoder.configured(&EncodeOptions {
        split_special_tokens,
        ..EncodeOptions::default()
    })?;
    let one_piece = |&(piece, chunk): &(usize, &[ChatRow<'_>])| -> Result<Vec<RowOut>> {
        chunk
            .iter()
            .enumerate()
            .map(|(offset, row)| {
                tokenize_row(&tokenizer, row, options, piece * PIECE_ROWS + offset)
            })
            .collect()
    };
    let pieces: Vec<(usize, &[ChatRow<'_>])> = rows.chunks(PIECE_ROWS).enumerate().collect();
    let mut out = ChatTokens::default();
    let mut ids = Vec::with_capacity(rows.len());
    for piece in parallel::map_in_order(threads, &pieces, one_piece)? {
        for row in piece? {
            out.decided.push(row.labels.is_some());
            out.labels.extend(row.labels.unwrap_or_default());
            ids.push(if out.decided[out.decided.len() - 1] {
                row.ids
            } else {
                Vec::new()
            });
        }
    }
    out.ids = TokenLists::from_rows(ids)?;
    Ok(out)
}

struct RowOut {
    ids: Vec<u32>,
    labels: Option<Vec<i64>>,
}

fn tokenize_row(
    tokenizer: &Configured,
    row: &ChatRow<'_>,
    options: &LabelOptions,
    index: usize,
) -> Result<RowOut> {
    let encoding = tokenizer.encode_char_offsets(row.text).map_err(|err| {
        let location = Location {
            row: Some(index as u64),
            ..Location::default()
        };
        Error::data_format(location, format!("the tokenizer rejected the text: {err}"))
    })?;
    let ids = encoding.get_ids().to_vec();
    let (starts, ends): (Vec<usize>, Vec<usize>) = encoding.get_offsets().iter().copied().unzip();
    let turns: Vec<Turn> = row
        .turns
        .iter()
        .map(|turn| Turn {
            trainable: turn.trainable,
            span: match turn.mode {
                TurnMode::Skip => None,
                TurnMode::Absent => Some(TokenSpan::Absent),
                TurnMode::Locate => Some(token_span(row.text, turn.dummies, &starts, &ends)),
            },
        })
        .collect();
    let labels = labels(&ids, &turns, options);
    Ok(RowOut { ids, labels })
}
