//! CSV and TSV into Arrow, with a column type chosen once per column, as pyarrow does.
//!
//! The first line is the header. arrow-csv splits each chunk into string columns (quoted
//! fields may hold delimiters and newlines; chunks never end inside quotes); the type of each
//! column is inferred from the first chunk in pyarrow's order: null (every value is one of
//! pyarrow's null spellings), int64, bool, date32, timestamp[s], double, string. Later values
//! that do not fit their column's type are an error naming the column, the value and where,
//! never a per-cell guess. In string columns every value is kept as written, an empty field is
//! `""` (pyarrow's `strings_can_be_null=False`).

use std::io::{Cursor, Read};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow::array::{
    Array, ArrayRef, AsArray, BooleanArray, Date32Array, Float64Array, Int64Array, NullArray,
    RecordBatch, StringArray, TimestampSecondArray,
};
use arrow::compute::{CastOptions, cast_with_options};
use arrow::csv::ReaderBuilder;
use arrow::csv::reader::Format;
use arrow::datatypes::{DataType, Field, Schema, SchemaRef, TimeUnit};

use super::csv_fields;
use super::iso8601::parse_timestamp_seconds;
use super::jsonl::TextSettings;
use super::{Chunk, OrderedDecode, RecordChunks};
use crate::error::{Error, Location, Result};

const BOM: &[u8] = b"\xef\xbb\xbf";
/// pyarrow's default `null_values`, which make a value null in non-string columns.
const NULL_SPELLINGS: [&str; 17] = [
    "", "#N/A", "#N/A N/A", "#NA", "-1.#IND", "-1.#QNAN", "-NaN", "-nan", "1.#IND", "1.#QNAN",
    "N/A", "NA", "NULL", "NaN", "n/a", "nan", "null",
];
const TRUE_SPELLINGS: [&str; 4] = ["1", "True", "TRUE", "true"];
const FALSE_SPELLINGS: [&str; 4] = ["0", "False", "FALSE", "false"];

/// A column type of the inference ladder, narrowest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum ColumnType {
    Null,
    Int,
    Bool,
    Date,
    Timestamp,
    Float,
    Str,
}

impl ColumnType {
    fn arrow(self) -> DataType {
        match self {
            ColumnType::Null => DataType::Null,
            ColumnType::Int => DataType::Int64,
            ColumnType::Bool => DataType::Boolean,
            ColumnType::Date => DataType::Date32,
            ColumnType::Timestamp => DataType::Timestamp(TimeUnit::Second, None),
            ColumnType::Float => DataType::Float64,
            ColumnType::Str => DataType::Utf8,
        }
    }

    /// Whether a (non-null) `value` fits this type.
    fn fits(self, value: &str) -> bool {
        match self {
            ColumnType::Null => false,
            ColumnType::Int => parse_int(value).is_some(),
            ColumnType::Bool => parse_bool(value).is_some(),
            ColumnType::Date => parse_date(value).is_some(),
            ColumnType::Timestamp => parse_datetime(value).is_some(),
            ColumnType::Float => value.parse::<f64>().is_ok(),
            ColumnType::Str => true,
        }
    }
}

const LADDER: [ColumnType; 6] = [
    ColumnType::Int,
    ColumnType::Bool,
    ColumnType::Date,
    ColumnType::Timestamp,
    ColumnType::Float,
    ColumnType::Str,
];

fn parse_int(value: &str) -> Option<i64> {
    let digits = value.strip_prefix('-').unwrap_or(value);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    value.parse().ok()
}

fn parse_bool(value: &str) -> Option<bool> {
    if TRUE_SPELLINGS.contains(&value) {
        Some(true)
    } else if FALSE_SPELLINGS.contains(&value) {
        Some(false)
    } else {
        None
    }
}

fn parse_date(value: &str) -> Option<i32> {
    let seconds = (value.len() == 10).then(|| parse_timestamp_seconds(value))??;
    i32::try_from(seconds / 86_400).ok()
}

fn parse_datetime(value: &str) -> Option<i64> {
    (value.len() == 19).then(|| parse_timestamp_seconds(value))?
}

struct CsvContext {
    path: PathBuf,
    delimiter: u8,
    strings: SchemaRef,
    types: Vec<ColumnType>,
    schema: SchemaRef,
}

/// Opens a CSV (or, with `delimiter` `\t`, TSV) stream.
pub fn open(
    path: &Path,
    source: Box<dyn Read + Send>,
    codec: &'static str,
    delimiter: u8,
    settings: &TextSettings,
) -> Result<(SchemaRef, OrderedDecode)> {
    let mut chunks = RecordChunks::new(path.to_path_buf(), source, codec).with_quote(b'"');
    let first = chunks.next_chunk()?.ok_or_else(|| {
        let location = Location {
            path: Some(path.to_path_buf()),
            ..Location::default()
        };
        Error::data_format(location, "the file is empty: there is no header line")
    })?;
    let names = header(&first, delimiter).map_err(|err| locate(path, &first, &err))?;
    let strings = Arc::new(Schema::new(
        names
            .iter()
            .map(|name| Field::new(name, DataType::Utf8, true))
            .collect::<Vec<_>>(),
    ));
    let mut context = CsvContext {
        path: path.to_path_buf(),
        delimiter,
        strings,
        types: Vec::new(),
        schema: Arc::new(Schema::empty()),
    };
    if let Some(schema) = &settings.schema {
        context.types = explicit_types(&names, schema)?;
        context.schema = schema.clone();
    } else {
        let sample = split(&context, &first)?;
        context.types = sample.columns().iter().map(infer).collect();
        context.schema = Arc::new(Schema::new(
            names
                .iter()
                .zip(&context.types)
                .map(|(name, kind)| Field::new(name, kind.arrow(), true))
                .collect::<Vec<_>>(),
        ));
    }
    chunks.unread(first);
    let schema = context.schema.clone();
    let decode = Arc::new(move |chunk: Chunk| decode_chunk(&context, &chunk));
    Ok((schema, OrderedDecode::new(chunks, settings.width, decode)))
}

fn body(chunk: &Chunk) -> &[u8] {
    if chunk.first_byte == 0 {
        chunk.bytes.strip_prefix(BOM).unwrap_or(&chunk.bytes)
    } else {
        &chunk.bytes
    }
}

fn header(chunk: &Chunk, delimiter: u8) -> Result<Vec<String>> {
    let format = Format::default()
        .with_header(true)
        .with_delimiter(delimiter);
    let (schema, _) = format.infer_schema(Cursor::new(body(chunk)), Some(0))?;
    Ok(schema.fields().iter().map(|f| f.name().clone()).collect())
}

fn locate(path: &Path, chunk: &Chunk, err: &Error) -> Error {
    let location = Chunk::location(path, chunk.first_line, chunk.first_byte);
    let reason = match err {
        Error::DataFormat { reason, .. } => reason.clone(),
        other => other.to_string(),
    };
    Error::data_format(location, format!("in the records from here on: {reason}"))
}

/// The fields of a chunk's records as string columns (the header skipped): found with SIMD
/// where [`csv_fields::split_plain`] can vouch that `csv_core` reads them the same way, else by
/// arrow-csv.
fn split(context: &CsvContext, chunk: &Chunk) -> Result<RecordBatch> {
    let skip_header = chunk.first_byte == 0;
    let plain = csv_fields::split_plain(
        body(chunk),
        skip_header,
        context.delimiter,
        &context.strings,
    );
    plain.map_or_else(|| split_with_csv_core(context, chunk), Ok)
}

/// [`split`] by arrow-csv's reader, whose errors name what is wrong.
fn split_with_csv_core(context: &CsvContext, chunk: &Chunk) -> Result<RecordBatch> {
    let rows = memchr::memchr_iter(b'\n', &chunk.bytes).count() + 1;
    let reader = ReaderBuilder::new(context.strings.clone())
        .with_header(chunk.first_byte == 0)
        .with_delimiter(context.delimiter)
        .with_batch_size(rows)
        .build(Cursor::new(body(chunk)))
        .map_err(|err| locate(&context.path, chunk, &err.into()))?;
    let batches = reader
        .collect::<Result<Vec<_>, _>>()
        .map_err(|err| locate(&context.path, chunk, &err.into()))?;
    let strings = arrow::compute::concat_batches(&context.strings, &batches)?;
    check_utf8_fields(&strings).map_err(|err| locate(&context.path, chunk, &err))?;
    Ok(strings)
}

/// arrow-csv validates a chunk's UTF-8 as a whole, then cuts the fields out without checking
/// each one: `\xc3,\xa9` (an `é` cut by the delimiter) gives two fields that are not UTF-8.
/// Checks every field of every string column.
fn check_utf8_fields(strings: &RecordBatch) -> Result<()> {
    for (column, field) in strings.columns().iter().zip(strings.schema().fields()) {
        let Some(values) = column.as_string_opt::<i32>() else {
            continue;
        };
        let (offsets, bytes, nulls) = values.clone().into_parts();
        if let Err(err) = StringArray::try_new(offsets, bytes, nulls) {
            let reason = format!(
                "column {:?} holds a field that is not UTF-8: {err}",
                field.name()
            );
            return Err(Error::data_format(Location::default(), reason));
        }
    }
    Ok(())
}

/// The ladder step each column of an explicit `schema` is parsed with; the schema must name
/// the header's columns, in order.
fn explicit_types(names: &[String], schema: &SchemaRef) -> Result<Vec<ColumnType>> {
    let wanted: Vec<&String> = schema.fields().iter().map(|f| f.name()).collect();
    if wanted
        .iter()
        .map(|n| n.as_str())
        .ne(names.iter().map(String::as_str))
    {
        return Err(Error::invalid_argument(
            "schema",
            format!("names the columns {wanted:?}, but the header has {names:?}"),
        ));
    }
    schema
        .fields()
        .iter()
        .map(|field| {
            Ok(match field.data_type() {
                DataType::Null => ColumnType::Null,
                DataType::Boolean => ColumnType::Bool,
                t if t.is_integer() => ColumnType::Int,
                t if t.is_floating() => ColumnType::Float,
                DataType::Date32 => ColumnType::Date,
                DataType::Timestamp(TimeUnit::Second, None) => ColumnType::Timestamp,
                DataType::Utf8 | DataType::LargeUtf8 => ColumnType::Str,
                other => {
                    return Err(Error::invalid_argument(
                        "schema",
                        format!(
                            "column {:?} has type {other}, which CSV is not read as",
                            field.name()
                        ),
                    ));
                }
            })
        })
        .collect()
}

fn is_null(value: &str) -> bool {
    NULL_SPELLINGS.contains(&value)
}

/// The narrowest type of the ladder that every non-null value fits.
fn infer(column: &ArrayRef) -> ColumnType {
    let Some(values) = column.as_string_opt::<i32>() else {
        return ColumnType::Str;
    };
    let present: Vec<&str> = values.iter().flatten().filter(|v| !is_null(v)).collect();
    if present.is_empty() {
        return ColumnType::Null;
    }
    LADDER
        .into_iter()
        .find(|t| present.iter().all(|v| t.fits(v)))
        .unwrap_or(ColumnType::Str)
}

fn decode_chunk(context: &CsvContext, chunk: &Chunk) -> Result<Vec<RecordBatch>> {
    let strings = split(context, chunk)?;
    let columns = strings
        .columns()
        .iter()
        .zip(&context.types)
        .zip(context.schema.fields())
        .map(|((column, kind), field)| {
            convert(column, *kind, field.data_type()).map_err(|(row, value)| {
                let location = Chunk::location(&context.path, chunk.first_line, chunk.first_byte);
                Error::data_format(
                    location,
                    format!(
                        "column {:?}: {value:?} (record {row} of the chunk starting here) is \
                         not a {} like the values the type was inferred from (or given)",
                        field.name(),
                        field.data_type()
                    ),
                )
            })
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(vec![RecordBatch::try_new(context.schema.clone(), columns)?])
}

/// Converts a string column to `kind`, then to `target` (a narrower type of an explicit
/// schema), or names the first value (row, text) that does not fit.
fn convert(
    column: &ArrayRef,
    kind: ColumnType,
    target: &DataType,
) -> Result<ArrayRef, (usize, String)> {
    let converted = convert_to_ladder(column, kind)?;
    if converted.data_type() == target {
        return Ok(converted);
    }
    let options = CastOptions {
        safe: true,
        ..CastOptions::default()
    };
    let narrowed = cast_with_options(&converted, target, &options)
        .map_err(|err| (0, format!("<cast to {target}: {err}>")))?;
    // A safe cast turns a value that does not fit into null: name the first one.
    if narrowed.null_count() > converted.null_count() {
        let row = (0..converted.len())
            .find(|&i| narrowed.is_null(i) && !converted.is_null(i))
            .unwrap_or(0);
        let text = column
            .as_string_opt::<i32>()
            .map_or(String::new(), |v| v.value(row).to_owned());
        return Err((row, text));
    }
    Ok(narrowed)
}

/// Converts a string column to the ladder type `kind`.
fn convert_to_ladder(column: &ArrayRef, kind: ColumnType) -> Result<ArrayRef, (usize, String)> {
    let Some(values) = column.as_string_opt::<i32>() else {
        return Err((0, format!("<a {} column>", column.data_type())));
    };
    Ok(match kind {
        ColumnType::Str => {
            let (offsets, bytes, _) = values.clone().into_parts();
            Arc::new(StringArray::new(offsets, bytes, None))
        }
        ColumnType::Null => {
            parse_cells(values, |_| None::<()>)?;
            Arc::new(NullArray::new(values.len()))
        }
        ColumnType::Int => Arc::new(Int64Array::from(parse_cells(values, parse_int)?)),
        ColumnType::Bool => Arc::new(BooleanArray::from(parse_cells(values, parse_bool)?)),
        ColumnType::Date => Arc::new(Date32Array::from(parse_cells(values, parse_date)?)),
        ColumnType::Timestamp => Arc::new(TimestampSecondArray::from(parse_cells(
            values,
            parse_datetime,
        )?)),
        ColumnType::Float => Arc::new(Float64Array::from(parse_cells(values, |v| {
            v.parse::<f64>().ok()
        })?)),
    })
}

/// Parses every non-null cell once; null spellings become `None`.
fn parse_cells<T>(
    values: &StringArray,
    parse: impl Fn(&str) -> Option<T>,
) -> Result<Vec<Option<T>>, (usize, String)> {
    values
        .iter()
        .enumerate()
        .map(|(row, cell)| match cell.filter(|v| !is_null(v)) {
            None => Ok(None),
            Some(text) => parse(text).map(Some).ok_or_else(|| (row, text.to_owned())),
        })
        .collect()
}
