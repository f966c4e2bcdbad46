//! JSON Lines, and `.json` files holding one array of records, into Arrow with pyarrow's types.
//!
//! The kinds of the columns are inferred from the first chunk ([`super::CHUNK_BYTES`]) with
//! pyarrow's rules ([`json_kinds`](super::json_kinds)); every record, the first chunk's
//! included, is then checked against them before arrow-json decodes it, so a value that does
//! not fit (a string in a number column, a fraction in an integer column, a new key) is an
//! error naming the line, never a silent conversion. The check is sonic-rs's SIMD scan
//! ([`json_quick`](super::json_quick)) where it vouches for a whole chunk, the serde walk
//! elsewhere. Blank lines are skipped, a UTF-8 BOM and CRLF line ends are accepted, as in
//! pyarrow.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow::array::RecordBatch;
use arrow::datatypes::{Field, Schema, SchemaRef};
use arrow::json::ReaderBuilder;

use super::json_array::ArrayToLines;
use super::json_kinds::{self, Kind, Mode};
use super::json_quick;
use super::timestamps;
use super::{Chunk, OnError, OrderedDecode, RecordChunks, SkipLog, Skipped};
use crate::error::{Error, Location, Result};

const BOM: &[u8] = b"\xef\xbb\xbf";

/// How one JSON file is decoded: its columns and what to do with bad records.
struct JsonContext {
    path: PathBuf,
    fields: Vec<(String, Kind)>,
    decode_schema: SchemaRef,
    schema: SchemaRef,
    on_error: OnError,
    skips: Arc<SkipLog>,
    /// Records of a JSON array are numbered by position, not by line.
    array: bool,
}

/// Settings shared by the text formats.
pub struct TextSettings {
    /// What to do with a malformed record.
    pub on_error: OnError,
    /// Where skipped records are noted.
    pub skips: Arc<SkipLog>,
    /// Chunks decoded at once.
    pub width: usize,
    /// The columns and types to read, instead of inferring them.
    pub schema: Option<SchemaRef>,
}

/// Opens a JSON Lines stream (or, when `array`, a JSON array of records).
pub fn open(
    path: &Path,
    source: Box<dyn Read + Send>,
    codec: &'static str,
    array: bool,
    settings: &TextSettings,
) -> Result<(SchemaRef, OrderedDecode)> {
    let source: Box<dyn Read + Send> = if array {
        Box::new(ArrayToLines::new(source))
    } else {
        source
    };
    let mut chunks = RecordChunks::new(path.to_path_buf(), source, codec);
    let first = chunks.next_chunk()?;
    let mut context = JsonContext {
        path: path.to_path_buf(),
        fields: Vec::new(),
        decode_schema: Arc::new(Schema::empty()),
        schema: Arc::new(Schema::empty()),
        on_error: settings.on_error,
        skips: settings.skips.clone(),
        array,
    };
    match &settings.schema {
        Some(schema) => explicit(&mut context, schema)?,
        None => inferred(&mut context, first.as_ref())?,
    }
    if let Some(first) = first {
        chunks.unread(first);
    }
    let schema = context.schema.clone();
    let context = Arc::new(context);
    let decode = Arc::new(move |chunk: Chunk| decode_chunk(&context, &chunk));
    Ok((schema, OrderedDecode::new(chunks, settings.width, decode)))
}

/// Infers the columns and types from the first chunk (`None`: an empty file).
fn inferred(context: &mut JsonContext, first: Option<&Chunk>) -> Result<()> {
    if let Some(first) = first {
        infer(context, first)?;
    }
    if context.fields.is_empty() {
        let location = Location {
            path: Some(context.path.clone()),
            ..Location::default()
        };
        return Err(Error::data_format(
            location,
            "no JSON records: nothing to infer columns from",
        ));
    }
    context.decode_schema = Arc::new(Schema::new(json_kinds::struct_fields(
        &context.fields,
        true,
    )));
    context.schema = Arc::new(Schema::new(json_kinds::struct_fields(
        &context.fields,
        false,
    )));
    Ok(())
}

/// Takes the columns and types of an explicit `schema`: every record is checked against
/// them, and a key that is not in the schema is an error (or a skip), never dropped.
fn explicit(context: &mut JsonContext, schema: &SchemaRef) -> Result<()> {
    context.fields = json_kinds::kinds_of_schema(schema.fields())
        .map_err(|reason| Error::invalid_argument("schema", reason))?;
    let decode_fields: Vec<Field> = schema
        .fields()
        .iter()
        .map(|f| {
            f.as_ref()
                .clone()
                .with_data_type(json_kinds::decoder_type(f.data_type()))
        })
        .collect();
    context.decode_schema = Arc::new(Schema::new(decode_fields));
    context.schema = schema.clone();
    Ok(())
}

/// The records of a chunk: line number, byte offset and the trimmed bytes of each.
fn records(chunk: &Chunk) -> impl Iterator<Item = (u64, u64, &[u8])> {
    chunk.lines().filter_map(move |(line, byte, bytes)| {
        let bytes = if byte == 0 {
            bytes.strip_prefix(BOM).unwrap_or(bytes)
        } else {
            bytes
        };
        let bytes = bytes.trim_ascii();
        (!bytes.is_empty()).then_some((line, byte, bytes))
    })
}

/// Infers the columns from the first chunk.
fn infer(context: &mut JsonContext, chunk: &Chunk) -> Result<()> {
    let mut fields = Vec::new();
    for (line, byte, bytes) in records(chunk) {
        // A record is walked on a copy: one that fails half-way (and is skipped) must leave
        // no column or widened type behind.
        let mut widened = fields.clone();
        let reason = match json_kinds::walk_record(bytes, &mut widened, Mode::Infer) {
            Ok(Ok(())) => {
                fields = widened;
                continue;
            }
            Ok(Err(conflict)) => conflict.to_string(),
            Err(err) => invalid_json(&err),
        };
        // The checked decode of this chunk reports (or skips) the record; inference goes on
        // without it only when skipping.
        if context.on_error == OnError::Raise {
            return Err(Error::data_format(context.location(line, byte), reason));
        }
    }
    context.fields = fields;
    Ok(())
}

fn invalid_json(err: &serde_json::Error) -> String {
    let message = err.to_string();
    let message = message.split(" at line ").next().unwrap_or(&message);
    format!("invalid JSON: {message} (column {})", err.column())
}

impl JsonContext {
    fn location(&self, line: u64, byte: u64) -> Location {
        if self.array {
            // `ArrayToLines` puts record `n` (0-based) on line `n + 1`.
            Location {
                path: Some(self.path.clone()),
                row: Some(line - 1),
                ..Location::default()
            }
        } else {
            Chunk::location(&self.path, line, byte)
        }
    }
}

/// Checks every record of `chunk` and decodes the good ones into one batch.
///
/// A chunk the quick check vouches for is decoded at once; any other is walked record by
/// record, which names (or skips) the records that do not fit.
fn decode_chunk(context: &JsonContext, chunk: &Chunk) -> Result<Vec<RecordBatch>> {
    let batch = match decode_quick(context, chunk) {
        Some(batch) => batch,
        None => match decode_walked(context, chunk)? {
            Some(batch) => batch,
            None => return Ok(Vec::new()),
        },
    };
    Ok(vec![timestamps::convert_batch(
        batch,
        &context.fields,
        &context.schema,
    )?])
}

/// Decodes a chunk whose records [`json_quick`] vouches for (the common case) straight from
/// its bytes; `None` if it cannot vouch for one of them or arrow-json refuses the chunk.
fn decode_quick(context: &JsonContext, chunk: &Chunk) -> Option<RecordBatch> {
    let text = simdutf8::basic::from_utf8(&chunk.bytes).ok()?;
    let base = chunk.bytes.as_ptr() as usize;
    let mut count = 0;
    for (_, _, bytes) in records(chunk) {
        let start = (bytes.as_ptr() as usize).checked_sub(base)?;
        let record = text.get(start..start + bytes.len())?;
        if !json_quick::record_fits(record, &context.fields) {
            return None;
        }
        count += 1;
    }
    if count == 0 {
        return None;
    }
    decode_checked(context, body(chunk), count).ok()
}

/// Walks every record of `chunk` (serde) and decodes the good ones; `None` if none is.
///
/// When every record passes, arrow-json decodes the chunk's own bytes; only a chunk with a
/// skipped record, or one arrow-json refuses, is copied record by record first.
fn decode_walked(context: &JsonContext, chunk: &Chunk) -> Result<Option<RecordBatch>> {
    let mut fields = context.fields.clone();
    let mut good = Vec::new();
    let mut all_good = true;
    for (line, byte, bytes) in records(chunk) {
        let reason = match json_kinds::walk_record(bytes, &mut fields, Mode::Check) {
            Ok(Ok(())) => {
                good.push((line, byte, bytes));
                continue;
            }
            Ok(Err(conflict)) => conflict.to_string(),
            Err(err) => invalid_json(&err),
        };
        let location = context.location(line, byte);
        all_good = false;
        match context.on_error {
            OnError::Raise => return Err(Error::data_format(location, reason)),
            OnError::Skip => context.skips.record(Skipped { location, reason }),
        }
    }
    if good.is_empty() {
        return Ok(None);
    }
    let direct = all_good
        .then(|| decode_checked(context, body(chunk), good.len()).ok())
        .flatten();
    match direct {
        Some(batch) => Ok(Some(batch)),
        None => decode_copied(context, &good).map(Some),
    }
}

/// The chunk's bytes without a leading UTF-8 BOM (only the file's first chunk has one).
fn body(chunk: &Chunk) -> &[u8] {
    if chunk.first_byte == 0 {
        chunk.bytes.strip_prefix(BOM).unwrap_or(&chunk.bytes)
    } else {
        &chunk.bytes
    }
}

/// Decodes the checked records copied one per line; record by record if arrow-json refuses.
fn decode_copied(context: &JsonContext, records: &[(u64, u64, &[u8])]) -> Result<RecordBatch> {
    let mut good = Vec::with_capacity(records.iter().map(|r| r.2.len() + 1).sum());
    let mut starts = Vec::with_capacity(records.len());
    for &(line, byte, bytes) in records {
        starts.push((line, byte, good.len()));
        good.extend_from_slice(bytes);
        good.push(b'\n');
    }
    match decode_checked(context, &good, starts.len()) {
        Ok(batch) => Ok(batch),
        Err(_) => decode_one_by_one(context, &good, &starts),
    }
}

/// The slow path when arrow-json rejects a checked chunk (a value too large for a narrower
/// type of an explicit schema): decode record by record, so the one it rejects is reported
/// (or skipped) with its own line.
fn decode_one_by_one(
    context: &JsonContext,
    good: &[u8],
    starts: &[(u64, u64, usize)],
) -> Result<RecordBatch> {
    let mut batches = Vec::with_capacity(starts.len());
    for (k, &(line, byte, start)) in starts.iter().enumerate() {
        let end = starts.get(k + 1).map_or(good.len(), |next| next.2);
        match decode_checked(context, &good[start..end], 1) {
            Ok(batch) => batches.push(batch),
            Err(err) => {
                let location = context.location(line, byte);
                let reason = err.to_string().replace("<input>: ", "");
                match context.on_error {
                    OnError::Raise => return Err(Error::data_format(location, reason)),
                    OnError::Skip => context.skips.record(Skipped { location, reason }),
                }
            }
        }
    }
    Ok(arrow::compute::concat_batches(
        &context.decode_schema,
        &batches,
    )?)
}

/// Decodes records already checked against the schema (so arrow-json cannot coerce them).
fn decode_checked(context: &JsonContext, bytes: &[u8], rows: usize) -> Result<RecordBatch> {
    let mut decoder = ReaderBuilder::new(context.decode_schema.clone())
        .with_batch_size(rows)
        .with_strict_mode(true)
        .build_decoder()?;
    let mut rest = bytes;
    while !rest.is_empty() {
        let used = decoder.decode(rest)?;
        if used == 0 {
            break;
        }
        rest = &rest[used..];
    }
    match decoder.flush()? {
        Some(batch) if batch.num_rows() == rows && rest.trim_ascii().is_empty() => Ok(batch),
        other => Err(Error::Internal(format!(
            "arrow-json decoded {} of {rows} checked records",
            other.map_or(0, |b| b.num_rows())
        ))),
    }
}
