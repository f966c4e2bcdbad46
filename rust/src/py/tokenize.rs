//! Binding for [`crate::tokenize`]: the `Encoder` class behind `axolotl_fast.Encoder`.
//!
//! Texts arrive as a pyarrow string array through the Arrow C data interface (no copy) and
//! are encoded with the GIL released; the ids go back as a pyarrow `list<int32>` array, the
//! type `datasets` gives `input_ids`, owning the Rust buffers.

use std::sync::Arc;

use arrow::array::{
    Array, ArrayData, ArrayRef, Int32Array, LargeStringArray, ListArray, StringArray,
    StringViewArray, make_array,
};
use arrow::buffer::OffsetBuffer;
use arrow::datatypes::{DataType, Field};
use arrow::pyarrow::{PyArrowType, ToPyArrow};
use pyo3::prelude::*;

use crate::error::{Error, Result};
use crate::tokenize::{EncodeOptions, Encoder, Side, TokenLists};

/// A tokenizer restored from its JSON; use ``axolotl_fast.Encoder``.
#[pyclass(
    module = "axolotl_fast._core",
    name = "Encoder",
    frozen,
    skip_from_py_object
)]
pub struct PyEncoder {
    encoder: Encoder,
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
}

fn threads(requested: Option<usize>) -> Result<usize> {
    match requested {
        Some(0) => Err(Error::invalid_argument("num_threads", "must be at least 1")),
        Some(n) => Ok(n),
        None => crate::parallel::num_threads(),
    }
}

/// The texts of a string, large string or string view array; a null is an error.
fn strings(texts: &ArrayRef) -> Result<Vec<&str>> {
    let values: Vec<Option<&str>> = match texts.data_type() {
        DataType::Utf8 => downcast::<StringArray>(texts)?.iter().collect(),
        DataType::LargeUtf8 => downcast::<LargeStringArray>(texts)?.iter().collect(),
        DataType::Utf8View => downcast::<StringViewArray>(texts)?.iter().collect(),
        other => {
            return Err(Error::invalid_argument(
                "texts",
                format!("expected a string array, got {other}"),
            ));
        }
    };
    values
        .into_iter()
        .enumerate()
        .map(|(row, text)| {
            text.ok_or_else(|| {
                Error::invalid_argument("texts", format!("row {row} is null, not a string"))
            })
        })
        .collect()
}

fn downcast<T: 'static>(array: &ArrayRef) -> Result<&T> {
    array
        .as_any()
        .downcast_ref::<T>()
        .ok_or_else(|| Error::Internal("string array of an unexpected class".into()))
}

/// Token lists as a `list<int32>` array; ids and offsets must fit in `int32`.
fn list_array(lists: &TokenLists) -> Result<ListArray> {
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
