//! JSON Lines output, optionally compressed (the `axolotl-fast convert` / `dedupe` writer).
//!
//! Records are encoded by arrow-json's `LineDelimitedWriter` (the same crate that reads them),
//! into a temporary file next to the target that is renamed into place by [`JsonlWriter::finish`],
//! so a failed run never leaves a half-written file under the target's name.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use arrow::json::LineDelimitedWriter;
use arrow::record_batch::RecordBatch;

use crate::error::{Error, Result};
use crate::read::Compression;

/// A compressed or plain byte sink that can be finished explicitly (so errors surface).
enum Sink {
    Plain(BufWriter<File>),
    Gzip(flate2::write::GzEncoder<BufWriter<File>>),
    Zstd(zstd::Encoder<'static, BufWriter<File>>),
}

impl Write for Sink {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        match self {
            Sink::Plain(w) => w.write(buf),
            Sink::Gzip(w) => w.write(buf),
            Sink::Zstd(w) => w.write(buf),
        }
    }

    fn flush(&mut self) -> std::io::Result<()> {
        match self {
            Sink::Plain(w) => w.flush(),
            Sink::Gzip(w) => w.flush(),
            Sink::Zstd(w) => w.flush(),
        }
    }
}

impl Sink {
    fn finish(self) -> std::io::Result<()> {
        let mut inner = match self {
            Sink::Plain(w) => w,
            Sink::Gzip(w) => w.finish()?,
            Sink::Zstd(w) => w.finish()?,
        };
        inner.flush()?;
        inner
            .into_inner()
            .map_err(std::io::IntoInnerError::into_error)?
            .sync_all()
    }
}

/// Writes record batches as JSON Lines to `path`, atomically.
pub struct JsonlWriter {
    /// `None` once finished.
    writer: Option<LineDelimitedWriter<Sink>>,
    temp: PathBuf,
    path: PathBuf,
}

impl JsonlWriter {
    /// Starts writing `path` with `compression` (`None`, `Gzip` or `Zstd`).
    pub fn create(path: &Path, compression: Compression) -> Result<Self> {
        let temp = temp_path(path);
        let file = File::create(&temp).map_err(|e| Error::io(&temp, e))?;
        let buffered = BufWriter::with_capacity(1 << 20, file);
        let sink = match compression {
            Compression::None => Sink::Plain(buffered),
            Compression::Gzip => Sink::Gzip(flate2::write::GzEncoder::new(
                buffered,
                flate2::Compression::default(),
            )),
            Compression::Zstd => {
                Sink::Zstd(zstd::Encoder::new(buffered, 3).map_err(|e| Error::io(&temp, e))?)
            }
            other => {
                return Err(Error::invalid_argument(
                    "compression",
                    format!("JSON Lines output is written plain, gzip or zstd, not {other}"),
                ));
            }
        };
        Ok(JsonlWriter {
            writer: Some(LineDelimitedWriter::new(sink)),
            temp,
            path: path.to_path_buf(),
        })
    }

    /// Appends the rows of `batch`.
    pub fn write(&mut self, batch: &RecordBatch) -> Result<()> {
        let writer = self.writer.as_mut().ok_or_else(finished)?;
        writer.write(batch).map_err(|e| self.arrow_error(&e))
    }

    /// Ends the file and moves it to its name.
    pub fn finish(&mut self) -> Result<()> {
        let mut writer = self.writer.take().ok_or_else(finished)?;
        writer.finish().map_err(|e| self.arrow_error(&e))?;
        writer
            .into_inner()
            .finish()
            .map_err(|e| Error::io(&self.temp, e))?;
        std::fs::rename(&self.temp, &self.path).map_err(|e| Error::io(&self.path, e))
    }

    fn arrow_error(&self, err: &arrow::error::ArrowError) -> Error {
        Error::io(&self.temp, std::io::Error::other(err.to_string()))
    }
}

impl Drop for JsonlWriter {
    /// An unfinished file is removed: nothing half-written stays behind.
    fn drop(&mut self) {
        if self.writer.take().is_some() {
            let _ = std::fs::remove_file(&self.temp);
        }
    }
}

fn finished() -> Error {
    Error::invalid_argument("writer", "the file is already finished")
}

fn temp_path(path: &Path) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(format!(".tmp-{}", std::process::id()));
    path.with_file_name(name)
}
