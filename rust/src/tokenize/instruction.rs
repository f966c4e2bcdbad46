//! Instruction rows (instruction, input, response, optional system) to `input_ids`,
//! `attention_mask` and `labels`, by the rules of axolotl 0.21's
//! `InstructionPromptTokenizingStrategy` (`prompt_tokenizers.py`).
//!
//! Per row:
//! 1. The prompt is rendered: [`InstructionFormat::with_input`] when the input is a non-empty
//!    string, else [`InstructionFormat::without_input`]; a null instruction renders as `None`
//!    (Python's `str.format` of `None`). When the format has a system block and the row's
//!    system value is non-empty, the block (with that value) comes first.
//! 2. `_tokenize(prompt)`: an empty text gives no tokens; otherwise the text is encoded with
//!    the special tokens and truncated to `max_length` (special tokens included).
//! 3. `_tokenize(response, add_eos, strip_bos)`: the same, then EOS is appended when the last
//!    id is not EOS and there are fewer than `max_length` ids, then one leading BOS is dropped.
//! 4. `labels` are the prompt's ids (`train_on_inputs`) or `-100` for each, then the
//!    response's ids; `attention_mask` is all ones.

use crate::error::{Error, Result};
use crate::parallel;
use crate::tokenize::encoder::{EncodeOptions, Encoder, TokenLists};
use crate::tokenize::template::Template;

/// Label of a token that is not trained on (the `ignore_index` of `PyTorch`).
pub const IGNORE_INDEX: i64 = -100;
/// Rows rendered and encoded by one task of the pool.
const PIECE_ROWS: usize = 64;

/// The prompt templates of a prompter.
#[derive(Debug, Clone, Default)]
pub struct InstructionFormat {
    /// The prompt of a row whose input is a non-empty string.
    pub with_input: Template,
    /// The prompt of a row without input.
    pub without_input: Template,
    /// Put first, with the row's `system` value, when that value is non-empty.
    pub system: Option<Template>,
}

/// The columns of the rows; `None` is a null (or a missing `input` / `system` column).
#[derive(Debug, Clone, Copy)]
pub struct InstructionRows<'a> {
    /// `instruction` of each row.
    pub instruction: &'a [Option<&'a str>],
    /// `input` of each row, if the column exists.
    pub input: Option<&'a [Option<&'a str>]>,
    /// The response (`output`) of each row.
    pub response: &'a [Option<&'a str>],
    /// `system` of each row, if the column exists.
    pub system: Option<&'a [Option<&'a str>]>,
}

/// The strategy's settings.
#[derive(Debug, Clone, Default)]
pub struct InstructionOptions {
    /// `sequence_len`: each part is truncated to it separately.
    pub max_length: usize,
    /// Whether the prompt's tokens are trained on too.
    pub train_on_inputs: bool,
    /// The tokenizer's `bos_token_id`.
    pub bos_id: Option<u32>,
    /// The tokenizer's `eos_token_id`; required.
    pub eos_id: u32,
    /// Truncation side and special-token splitting, as the tokenizer has them.
    pub encode: EncodeOptions,
}

/// The tokenized rows: ids in Arrow's list layout, and labels aligned with them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct InstructionTokens {
    /// `input_ids` (and the offsets shared by `attention_mask` and `labels`).
    pub input_ids: TokenLists,
    /// `labels`, one per id.
    pub labels: Vec<i64>,
}

struct Row {
    ids: Vec<u32>,
    labels: Vec<i64>,
}

/// Tokenizes instruction rows on up to `threads` threads, in row order.
pub fn tokenize_instructions(
    encoder: &Encoder,
    format: &InstructionFormat,
    rows: InstructionRows<'_>,
    options: &InstructionOptions,
    threads: usize,
) -> Result<InstructionTokens> {
    check_rows(&rows)?;
    let mut encode = options.encode.clone();
    encode.add_special_tokens = true;
    encode.max_length = Some(options.max_length);
    let tokenizer = encoder.configured(&encode)?;
    let starts: Vec<usize> = (0..rows.instruction.len()).step_by(PIECE_ROWS).collect();
    let piece = |&start: &usize| -> Result<Vec<Row>> {
        let end = (start + PIECE_ROWS).min(rows.instruction.len());
        (start..end)
            .map(|row| tokenize_row(&tokenizer, format, &rows, options, row))
            .collect()
    };
    let pieces = parallel::map_in_order(threads, &starts, piece)?;
    let mut tokens = InstructionTokens::default();
    let mut ids = Vec::new();
    for piece in pieces {
        for row in piece? {
            tokens.labels.extend_from_slice(&row.labels);
            ids.push(row.ids);
        }
    }
    tokens.input_ids = TokenLists::from_rows(ids)?;
    Ok(tokens)
}

fn check_rows(rows: &InstructionRows<'_>) -> Result<()> {
    let count = rows.instruction.len();
    let columns = [
        ("response", Some(rows.response.len())),
        ("input", rows.input.map(<[_]>::len)),
        ("system", rows.system.map(<[_]>::len)),
    ];
    for (name, len) in columns {
        if len.is_some_and(|len| len != count) {
            return Err(Error::invalid_argument(
                name,
                format!("has {} rows, instruction has {count}", len.unwrap_or(0)),
            ));
        }
    }
    Ok(())
}

fn tokenize_row(
    tokenizer: &crate::tokenize::Configured,
    format: &InstructionFormat,
    rows: &InstructionRows<'_>,
    options: &InstructionOptions,
    row: usize,
) -> Result<Row> {
    let prompt = render_prompt(format, rows, row);
    let prompt_ids = encode_part(tokenizer, Some(&prompt), row)?;
    let mut response_ids = encode_part(tokenizer, rows.response[row], row)?;
    finish_response(&mut response_ids, options);
    let mut labels: Vec<i64> = if options.train_on_inputs {
        prompt_ids.iter().map(|&id| i64::from(id)).collect()
    } else {
        vec![IGNORE_INDEX; prompt_ids.len()]
    };
    labels.extend(response_ids.iter().map(|&id| i64::from(id)));
    let mut ids = prompt_ids;
    ids.extend_from_slice(&response_ids);
    Ok(Row { ids, labels })
}

/// The row's prompt, as axolotl's prompter builds it.
fn render_prompt(format: &InstructionFormat, rows: &InstructionRows<'_>, row: usize) -> String {
    let input = non_empty(rows.input, row);
    let system = non_empty(rows.system, row);
    let instruction = rows.instruction[row].unwrap_or("None");
    let field = |name: &str| -> String {
        match name {
            "instruction" => instruction.to_owned(),
            "input" => input.unwrap_or_default().to_owned(),
            "system" => system.unwrap_or_default().to_owned(),
            _ => String::new(),
        }
    };
    let mut prompt = String::new();
    if let (Some(block), Some(_)) = (&format.system, system) {
        block.render_into(&mut prompt, field);
    }
    let turn = if input.is_some() {
        &format.with_input
    } else {
        &format.without_input
    };
    turn.render_into(&mut prompt, field);
    prompt
}

/// A row's value of an optional column, when it is a non-empty string (Python's truthiness).
fn non_empty<'a>(column: Option<&[Option<&'a str>]>, row: usize) -> Option<&'a str> {
    column
        .and_then(|values| values[row])
        .filter(|text| !text.is_empty())
}

/// `_tokenize` before its EOS and BOS rules: nothing for an empty text.
fn encode_part(
    tokenizer: &crate::tokenize::Configured,
    text: Option<&str>,
    row: usize,
) -> Result<Vec<u32>> {
    match text {
        None | Some("") => Ok(Vec::new()),
        Some(text) => crate::tokenize::encoder::encode_one(tokenizer, text, true, row),
    }
}

/// `_tokenize(..., add_eos_token=True, strip_bos_token=True)` on an encoded response.
fn finish_response(ids: &mut Vec<u32>, options: &InstructionOptions) {
    let Some(&last) = ids.last() else {
        return;
    };
    if last != options.eos_id && ids.len() < options.max_length {
        ids.push(options.eos_id);
    }
    if options.bos_id.is_some() && ids.first().copied() == options.bos_id {
        ids.remove(0);
    }
}
