//! Binding for [`crate::chat`]: `tokenize_chats`, axolotl's `chat_template` masking in bulk.
//!
//! The renders arrive as pyarrow string arrays (the full conversation per row, two placeholder
//! renders per turn) with the turns' flags as flat arrays; the rows are encoded and labelled
//! with the GIL released, and come back as `list<int32>` ids, `list<int8>` mask and
//! `list<int64>` labels, plus which rows were decided here.

use arrow::array::{Array, ArrayData, BooleanArray, Int8Array, Int64Array, make_array};
use arrow::pyarrow::{PyArrowType, ToPyArrow};
use pyo3::prelude::*;
use pyo3::types::PyDict;

use crate::chat::{
    ChatRow, ChatTokens, EndRule, LabelOptions, TurnInput, TurnMode, tokenize_chats,
};
use crate::error::{Error, Result};
use crate::py::tokenize::{PyEncoder, instruction_arrays, strings, threads};

/// Tokenize rendered conversations and label their turns as axolotl's chat_template does.
///
/// Args:
///     encoder: an ``axolotl_fast._core.Encoder``.
///     texts: the full render of each conversation (a string array).
///     turn_counts: the number of turns of each conversation (int64).
///     trainable: per turn, whether its tokens are trained on (bool).
///     modes: per turn, 0 skipped, 1 located by its placeholder renders, 2 absent (int8).
///     dummies: two placeholder renders per turn (empty strings for a turn not located).
///     eos_id, eot_ids: the EOS id (or None) and the EOT ids.
///     train_on_eos, train_on_eot: "all", "turn", "last" or "none".
///
/// Returns:
///     A dict: ``input_ids``, ``attention_mask``, ``labels`` (list arrays, empty for a row
///     not decided) and ``decided`` (bool array: False where axolotl must make the row).
#[pyfunction]
#[pyo3(name = "tokenize_chats", signature = (
    encoder, texts, turn_counts, trainable, modes, dummies, eos_id, eot_ids, train_on_eos,
    train_on_eot, split_special_tokens=false, num_threads=None,
))]
#[allow(
    clippy::too_many_arguments,
    clippy::needless_pass_by_value,
    clippy::similar_names
)] // Python's keywords and axolotl's option names
pub fn tokenize_chats_py<'py>(
    py: Python<'py>,
    encoder: &Bound<'py, PyEncoder>,
    texts: PyArrowType<ArrayData>,
    turn_counts: PyArrowType<ArrayData>,
    trainable: PyArrowType<ArrayData>,
    modes: PyArrowType<ArrayData>,
    dummies: PyArrowType<ArrayData>,
    eos_id: Option<u32>,
    eot_ids: Vec<u32>,
    train_on_eos: &str,
    train_on_eot: &str,
    split_special_tokens: bool,
    num_threads: Option<usize>,
) -> PyResult<Bound<'py, PyDict>> {
    let options = LabelOptions {
        eos_id,
        eot_ids,
        on_eos: end_rule("train_on_eos", train_on_eos)?,
        on_eot: end_rule("train_on_eot", train_on_eot)?,
    };
    let encoder = &encoder.get().encoder;
    let arrays = [texts, turn_counts, trainable, modes, dummies].map(|array| make_array(array.0));
    let (columns, decided) = py.detach(|| -> Result<([ArrayData; 3], ArrayData)> {
        let threads = threads(num_threads)?;
        let texts = strings(&arrays[0])?;
        let dummies = strings(&arrays[4])?;
        let rows = chat_rows(&texts, &arrays[1], &arrays[2], &arrays[3], &dummies)?;
        let ChatTokens {
            ids,
            labels,
            decided,
        } = tokenize_chats(encoder, &rows, &options, split_special_tokens, threads)?;
        let decided = BooleanArray::from(decided).into_data();
        Ok((instruction_arrays(&ids, labels)?, decided))
    })?;
    let out = PyDict::new(py);
    for (name, array) in ["input_ids", "attention_mask", "labels"]
        .into_iter()
        .zip(columns)
    {
        out.set_item(name, array.to_pyarrow(py)?)?;
    }
    out.set_item("decided", decided.to_pyarrow(py)?)?;
    Ok(out)
}

fn end_rule(name: &str, value: &str) -> Result<EndRule> {
    match value {
        "all" => Ok(EndRule::All),
        "turn" => Ok(EndRule::Turn),
        "last" => Ok(EndRule::Last),
        "none" => Ok(EndRule::None),
        _ => Err(Error::unknown_value(
            name,
            value,
            &["all", "turn", "last", "none"],
        )),
    }
}

/// The rows, their turns cut from the flat per-turn arrays by the turn counts.
fn chat_rows<'a>(
    texts: &[&'a str],
    turn_counts: &dyn Array,
    trainable: &dyn Array,
    modes: &dyn Array,
    dummies: &[&'a str],
) -> Result<Vec<ChatRow<'a>>> {
    let counts = downcast_dyn::<Int64Array>(turn_counts, "turn_counts")?;
    let trainable = downcast_dyn::<BooleanArray>(trainable, "trainable")?;
    let modes = downcast_dyn::<Int8Array>(modes, "modes")?;
    let turns = trainable.len();
    if counts.len() != texts.len() || modes.len() != turns || dummies.len() != 2 * turns {
        return Err(Error::invalid_argument(
            "turn_counts",
            "the rows, turns and placeholder renders do not line up",
        ));
    }
    let mut next = 0_usize;
    let mut rows = Vec::with_capacity(texts.len());
    for (row, text) in texts.iter().enumerate() {
        let count = usize::try_from(counts.value(row))
            .map_err(|_| Error::invalid_argument("turn_counts", "a negative count"))?;
        if next + count > turns {
            return Err(Error::invalid_argument(
                "turn_counts",
                "more turns than given",
            ));
        }
        let turns = (next..next + count)
            .map(|turn| {
                Ok(TurnInput {
                    trainable: trainable.value(turn),
                    mode: match modes.value(turn) {
                        0 => TurnMode::Skip,
                        1 => TurnMode::Locate,
                        2 => TurnMode::Absent,
                        other => {
                            return Err(Error::invalid_argument(
                                "modes",
                                format!("unknown mode {other}"),
                            ));
                        }
                    },
                    dummies: [dummies[2 * turn], dummies[2 * turn + 1]],
                })
            })
            .collect::<Result<Vec<_>>>()?;
        rows.push(ChatRow { text, turns });
        next += count;
    }
    Ok(rows)
}

fn downcast_dyn<'a, T: 'static>(array: &'a dyn Array, name: &str) -> Result<&'a T> {
    array
        .as_any()
        .downcast_ref::<T>()
        .ok_or_else(|| Error::invalid_argument(name, "an array of the wrong type"))
}
