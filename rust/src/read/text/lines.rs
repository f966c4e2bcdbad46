//! Plain text: one row per line in a single `text` column, as HF `datasets`' text builder.
//!
//! Lines end at `\n`; a `\r` before it is dropped (CRLF files); a final line without `\n` is
//! a row, and a final `\n` does not make an empty one. Each line must be UTF-8; a line that is
//! not is an error naming it (or, when skipping, is left out and counted).

use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow::array::{RecordBatch, StringBuilder};
use arrow::datatypes::{DataType, Field, Schema, SchemaRef};

use super::jsonl::TextSettings;
use super::{Chunk, OnError, OrderedDecode, RecordChunks, SkipLog, Skipped};
use crate::error::{Error, Result};

/// Opens a text stream.
pub fn open(
    path: &Path,
    source: Box<dyn Read + Send>,
    codec: &'static str,
    settings: &TextSettings,
) -> (SchemaRef, OrderedDecode) {
    let schema = Arc::new(Schema::new(vec![Field::new("text", DataType::Utf8, true)]));
    let chunks = RecordChunks::new(path.to_path_buf(), source, codec);
    let context = (
        path.to_path_buf(),
        schema.clone(),
        settings.on_error,
        settings.skips.clone(),
    );
    let decode = Arc::new(move |chunk: Chunk| decode_chunk(&context, &chunk));
    (schema, OrderedDecode::new(chunks, settings.width, decode))
}

fn decode_chunk(
    (path, schema, on_error, skips): &(PathBuf, SchemaRef, OnError, Arc<SkipLog>),
    chunk: &Chunk,
) -> Result<Vec<RecordBatch>> {
    let mut column = StringBuilder::with_capacity(chunk.bytes.len() / 64, chunk.bytes.len());
    for (line, byte, bytes) in chunk.lines() {
        let bytes = bytes.strip_suffix(b"\r").unwrap_or(bytes);
        match std::str::from_utf8(bytes) {
            Ok(text) => column.append_value(text),
            Err(err) => {
                let location = Chunk::location(path, line, byte);
                let reason = format!("not UTF-8: {err}");
                match on_error {
                    OnError::Raise => return Err(Error::data_format(location, reason)),
                    OnError::Skip => skips.record(Skipped { location, reason }),
                }
            }
        }
    }
    let batch = RecordBatch::try_new(schema.clone(), vec![Arc::new(column.finish())])?;
    Ok(vec![batch])
}
