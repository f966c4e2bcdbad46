//! Turns the string columns that JSON inference found to be timestamps into `timestamp[s]`.
//!
//! arrow-json decodes them as strings; converting them here with the parser that recognised
//! them ([`parse_timestamp_seconds`]) keeps inference and conversion in exact agreement.

use std::sync::Arc;

use arrow::array::{
    Array, ArrayRef, AsArray, ListArray, RecordBatch, StructArray, TimestampSecondArray,
};
use arrow::datatypes::{Field, SchemaRef};

use super::iso8601::parse_timestamp_seconds;
use super::json_kinds::Kind;
use crate::error::{Error, Result};

/// Converts the timestamp columns of `batch` (decoded with strings in their place).
pub fn convert_batch(
    batch: RecordBatch,
    fields: &[(String, Kind)],
    schema: &SchemaRef,
) -> Result<RecordBatch> {
    if !fields.iter().any(|(_, kind)| has_timestamp(kind)) {
        return Ok(batch);
    }
    let columns = batch
        .columns()
        .iter()
        .zip(fields)
        .map(|(column, (_, kind))| convert(column, kind))
        .collect::<Result<Vec<_>>>()?;
    Ok(RecordBatch::try_new(schema.clone(), columns)?)
}

fn has_timestamp(kind: &Kind) -> bool {
    match kind {
        Kind::Timestamp => true,
        Kind::List(item) => has_timestamp(item),
        Kind::Struct(fields) => fields.iter().any(|(_, kind)| has_timestamp(kind)),
        _ => false,
    }
}

fn convert(array: &ArrayRef, kind: &Kind) -> Result<ArrayRef> {
    if !has_timestamp(kind) {
        return Ok(array.clone());
    }
    match kind {
        Kind::Timestamp => convert_strings(array),
        Kind::List(item) => {
            let list = array.as_list_opt::<i32>().ok_or_else(|| mismatch(array))?;
            let values = convert(list.values(), item)?;
            let field = Arc::new(Field::new("item", values.data_type().clone(), true));
            Ok(Arc::new(ListArray::try_new(
                field,
                list.offsets().clone(),
                values,
                list.nulls().cloned(),
            )?))
        }
        Kind::Struct(fields) => {
            let array = array.as_struct_opt().ok_or_else(|| mismatch(array))?;
            let children = array
                .columns()
                .iter()
                .zip(fields)
                .map(|(child, (_, kind))| convert(child, kind))
                .collect::<Result<Vec<_>>>()?;
            let arrow_fields = super::json_kinds::struct_fields(fields, false);
            Ok(Arc::new(StructArray::try_new(
                arrow_fields,
                children,
                array.nulls().cloned(),
            )?))
        }
        _ => Ok(array.clone()),
    }
}

fn convert_strings(array: &ArrayRef) -> Result<ArrayRef> {
    let strings = array
        .as_string_opt::<i32>()
        .ok_or_else(|| mismatch(array))?;
    let mut values = Vec::with_capacity(strings.len());
    for value in strings {
        values.push(match value {
            None => None,
            Some(text) => Some(parse_timestamp_seconds(text).ok_or_else(|| {
                Error::Internal(format!(
                    "{text:?} was checked as a timestamp but does not parse"
                ))
            })?),
        });
    }
    Ok(Arc::new(TimestampSecondArray::from(values)))
}

fn mismatch(array: &ArrayRef) -> Error {
    Error::Internal(format!("unexpected decoded type {}", array.data_type()))
}
