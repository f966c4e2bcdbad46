//! Binding for [`crate::tokenize`]: the `Encoder` class behind `axolotl_fast.Encoder`.
//!
//! Texts arrive as a pyarrow string array through the Arrow C data interface (no copy) and
//! are encoded with the GIL released; the ids go back as a pyarrow `list<int32>` array, the
//! type `datasets` gives `input_ids`, owning the Rust buffers.

use std::sync::Arc;

use arrow::array::{
    Array, ArrayData, ArrayRef, Int8Array, Int32Array, Int64Array, LargeStringArray, ListArray,
    StringArray, StringViewArray, make_array,
};
use arrow::buffer::OffsetBuffer;
use arrow::datatypes::{DataType, Field};
use arrow::pyarrow::{PyArrowType, ToPyArrow};
use pyo3::prelude::*;
use pyo3::types::PyDict;

use crate::error::{Error, Result};
use crate::tokenize::{
    EncodeOptions, Encoder, InstructionFormat, InstructionOptions, InstructionRows, Side, Template,
    TokenLists, tokenize_instructions,
};

/// A tokenizer restored from its JSON; use ``axolotl_fast.Encoder``.
#[pyclass(
    module = "axolotl_fast._core",
    name = "Encoder",
    frozen,
    skip_from_py_object
)]
pub struct PyEncoder {
    pub(crate) encoder: Encoder,
}

#[pymethods]
#[allow(clippy::needless_pass_by_value)] // pyo3 hands over owned arguments
impl PyEncoder {
    /// Restore a tokenizer from its JSON (``tokenizer.json``, or ``Tokenizer.to_str()``).
    #[new]
    fn new(py: Python<'_>, json: &str) -> PyResult<Self> {
        let encoder = py.detach(|| Encoder::from_json(json))?;
        Ok(PyEncoder { encoder })
    }

    /// The id of ``token`` in the vocabulary (added tokens included), or ``None``.
    fn token_id(&self, token: &str) -> Option<u32> {
        self.encoder.token_id(token)
    }

    /// ``None`` when the fast BPE encoder encodes, else why ``tokenizers`` does.
    fn fast_encoder_declined(&self) -> Option<String> {
        self.encoder.fast_encoder_declined().map(str::to_owned)
    }

    /// Encode the strings of ``texts`` (a pyarrow string array without nulls).
    ///
    /// Returns:
    ///     A pyarrow ``list<int32>`` array, one list of ids per text.
    #[pyo3(signature = (
        texts, add_special_tokens=true, max_length=None, truncation_side="right",
        split_special_tokens=false, num_threads=None,
    ))]
    #[allow(clippy::too_many_arguments)] // Python's keywords
    fn encode<'py>(
        &self,
        py: Python<'py>,
        texts: PyArrowType<ArrayData>,
        add_special_tokens: bool,
        max_length: Option<usize>,
        truncation_side: &str,
        split_special_tokens: bool,
        num_threads: Option<usize>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let options = EncodeOptions {
            add_special_tokens,
            max_length,
            truncation_side: truncation_side.parse::<Side>()?,
            split_special_tokens,
            stride: 0,
        };
        let texts = make_array(texts.0);
        let lists = py.detach(|| -> Result<ArrayData> {
            let threads = threads(num_threads)?;
            let strings = strings(&texts)?;
            let lists = self.encoder.encode(&strings, &options, threads)?;
            Ok(list_array(&lists)?.into_data())
        })?;
        lists.to_pyarrow(py)
    }

    /// Encode ``texts`` into overlapping windows (``return_overflowing_tokens=True``).
    ///
    /// Returns:
    ///     A dict: ``input_ids`` (a pyarrow ``list<int32>`` array, one list per window, with
    ///     ``append_id`` after each when given) and ``overflow_to_sample_mapping`` (an
    ///     ``int64`` array: the text of each window).
    #[pyo3(signature = (
        texts, max_length, stride, append_id=None, add_special_tokens=true,
        truncation_side="right", split_special_tokens=false, num_threads=None,
    ))]
    #[allow(clippy::too_many_arguments)] // Python's keywords
    fn encode_windows<'py>(
        &self,
        py: Python<'py>,
        texts: PyArrowType<ArrayData>,
        max_length: usize,
        stride: usize,
        append_id: Option<u32>,
        add_special_tokens: bool,
        truncation_side: &str,
        split_special_tokens: bool,
        num_threads: Option<usize>,
    ) -> PyResult<Bound<'py, PyDict>> {
        let options = EncodeOptions {
            add_special_tokens,
            max_length: Some(max_length),
            truncation_side: truncation_side.parse::<Side>()?,
            split_special_tokens,
            stride,
        };
        let texts = make_array(texts.0);
        let (ids, mapping) = py.detach(|| -> Result<(ArrayData, ArrayData)> {
            let threads = threads(num_threads)?;
            let strings = strings(&texts)?;
            let windows = self
                .encoder
                .encode_windows(&strings, &options, append_id, threads)?;
            let mapping: Int64Array = windows
                .text_of_window
                .iter()
                .map(|&text| i64::from(text))
                .collect();
            Ok((list_array(&windows.ids)?.into_data(), mapping.into_data()))
        })?;
        let out = PyDict::new(py);
        out.set_item("input_ids", ids.to_pyarrow(py)?)?;
        out.set_item("overflow_to_sample_mapping", mapping.to_pyarrow(py)?)?;
        Ok(out)
    }

    /// Tokenize instruction rows as axolotl's instruction strategy does.
    ///
    /// Args:
    ///     instruction, response: pyarrow string arrays (nulls allowed).
    ///     input, system: pyarrow string arrays or ``None`` (a missing column).
    ///     with_input, without_input: the prompt templates (``str.format`` named fields
    ///         ``instruction``, ``input``, ``system``).
    ///     system_template: put first when a row's system value is non-empty.
    ///     max_length: ``sequence_len``; each part is truncated to it separately.
    ///     eos_id, bos_id: the tokenizer's EOS and BOS ids.
    ///
    /// Returns:
    ///     A dict of pyarrow arrays ``input_ids`` (``list<int32>``), ``attention_mask``
    ///     (``list<int8>``) and ``labels`` (``list<int64>``).
    #[pyo3(signature = (
        instruction, response, input, system, with_input, without_input, system_template,
        max_length, train_on_inputs, eos_id, bos_id=None, truncation_side="right",
        split_special_tokens=false, num_threads=None,
    ))]
    #[allow(clippy::too_many_arguments)] // Python's keywords
    fn tokenize_instructions<'py>(
        &self,
        py: Python<'py>,
        instruction: PyArrowType<ArrayData>,
        response: PyArrowType<ArrayData>,
        input: Option<PyArrowType<ArrayData>>,
        system: Option<PyArrowType<ArrayData>>,
        with_input: &str,
        without_input: &str,
        system_template: Option<&str>,
        max_length: usize,
        train_on_inputs: bool,
        eos_id: u32,
        bos_id: Option<u32>,
        truncation_side: &str,
        split_special_tokens: bool,
        num_threads: Option<usize>,
    ) -> PyResult<Bound<'py, PyDict>> {
        let format = InstructionFormat {
            with_input: Template::parse("with_input", with_input)?,
            without_input: Template::parse("without_input", without_input)?,
            system: system_template
                .map(|source| Template::parse("system_template", source))
                .transpose()?,
        };
        let options = InstructionOptions {
            max_length,
            train_on_inputs,
            bos_id,
            eos_id,
            encode: EncodeOptions {
                truncation_side: truncation_side.parse::<Side>()?,
                split_special_tokens,
                ..EncodeOptions::default()
            },
        };
        let instruction = make_array(instruction.0);
        let response = make_array(response.0);
        let input = input.map(|array| make_array(array.0));
        let system = system.map(|array| make_array(array.0));
        let arrays = py.detach(|| -> Result<[ArrayData; 3]> {
            let threads = threads(num_threads)?;
            let instruction = nullable_strings(&instruction)?;
            let response = nullable_strings(&response)?;
            let input = input.as_ref().map(nullable_strings).transpose()?;
            let system = system.as_ref().map(nullable_strings).transpose()?;
            let rows = InstructionRows {
                instruction: &instruction,
                input: input.as_deref(),
                response: &response,
                system: system.as_deref(),
            };
            let tokens = tokenize_instructions(&self.encoder, &format, rows, &options, threads)?;
            instruction_arrays(&tokens.input_ids, tokens.labels)
        })?;
        let out = PyDict::new(py);
        for (name, array) in ["input_ids", "attention_mask", "labels"]
            .into_iter()
            .zip(arrays)
        {
            out.set_item(name, array.to_pyarrow(py)?)?;
        }
        Ok(out)
    }
}

pub(crate) fn threads(requested: Option<usize>) -> Result<usize> {
    match requested {
        Some(0) => Err(Error::invalid_argument("num_threads", "must be at least 1")),
        Some(n) => Ok(n),
        None => crate::parallel::num_threads(),
    }
}

/// The texts of a string, large string or string view array; a null is an error.
pub(crate) fn strings(texts: &ArrayRef) -> Result<Vec<&str>> {
    nullable_strings(texts)?
        .into_iter()
        .enumerate()
        .map(|(row, text)| {
            text.ok_or_else(|| {
                Error::invalid_argument("texts", format!("row {row} is null, not a string"))
            })
        })
        .collect()
}

/// The values of a string, large string or string view array, nulls as `None`.
pub(crate) fn nullable_strings(texts: &ArrayRef) -> Result<Vec<Option<&str>>> {
    Ok(match texts.data_type() {
        DataType::Utf8 => downcast::<StringArray>(texts)?.iter().collect(),
        DataType::LargeUtf8 => downcast::<LargeStringArray>(texts)?.iter().collect(),
        DataType::Utf8View => downcast::<StringViewArray>(texts)?.iter().collect(),
        other => {
            return Err(Error::invalid_argument(
                "texts",
                format!("expected a string array, got {other}"),
            ));
        }
    })
}

fn downcast<T: 'static>(array: &ArrayRef) -> Result<&T> {
    array
        .as_any()
        .downcast_ref::<T>()
        .ok_or_else(|| Error::Internal("string array of an unexpected class".into()))
}

/// `input_ids`, `attention_mask` (ones) and `labels` as `list<int32>`, `list<int8>` and
/// `list<int64>` arrays over the same offsets.
pub(crate) fn instruction_arrays(ids: &TokenLists, labels: Vec<i64>) -> Result<[ArrayData; 3]> {
    let input_ids = list_array(ids)?;
    let offsets = input_ids.offsets().clone();
    let ones = Int8Array::from(vec![1_i8; ids.ids.len()]);
    let lists = |values: ArrayRef, item: DataType| {
        ListArray::try_new(
            Arc::new(Field::new_list_field(item, true)),
            offsets.clone(),
            values,
            None,
        )
        .map_err(|err| Error::Internal(format!("cannot build the lists: {err}")))
    };
    let attention_mask = lists(Arc::new(ones), DataType::Int8)?;
    let labels = lists(Arc::new(Int64Array::from(labels)), DataType::Int64)?;
    Ok([
        input_ids.into_data(),
        attention_mask.into_data(),
        labels.into_data(),
    ])
}

/// Token lists as a `list<int32>` array; ids and offsets must fit in `int32`.
pub(crate) fn list_array(lists: &TokenLists) -> Result<ListArray> {
    let too_many = |what: &str| {
        Error::invalid_argument(
            "texts",
            format!("{what} does not fit int32; encode fewer rows"),
        )
    };
    let offsets: Vec<i32> = lists
        .offsets
        .iter()
        .map(|&offset| i32::try_from(offset).map_err(|_| too_many("the number of ids")))
        .collect::<Result<_>>()?;
    let ids: Vec<i32> = lists
        .ids
        .iter()
        .map(|&id| i32::try_from(id).map_err(|_| too_many("a token id")))
        .collect::<Result<_>>()?;
    let field = Arc::new(Field::new_list_field(DataType::Int32, true));
    ListArray::try_new(
        field,
        OffsetBuffer::new(offsets.into()),
        Arc::new(Int32Array::from(ids)),
        None,
    )
    .map_err(|err| Error::Internal(format!("cannot build the id lists: {err}")))
}
