//! Reading fuzz bytes through the public reader, and the invariants every read must keep.
//!
//! A reader case is `[options byte, variant byte, file bytes...]`: the options byte picks the
//! [`Settings`], the variant byte is the target's (file extension, codec), the rest is written
//! to a scratch file and opened with `axolotl_fast::read::read`, as Python does.
//!
//! Invariants: `read` and every `next_batch` return `Ok` or a typed `Err` (`DataFormat`, or
//! `InvalidArgument` for a projection the file cannot satisfy); never a panic, never
//! `Internal`, never an I/O error on a file that is there; and never a panic that the reader
//! caught and turned into "the decoder failed", unless such panics are tolerated (arrow-rs
//! panics on some corrupt IPC buffers, which the reader turns into a typed error): when
//! `FUZZ_ALLOW_CAUGHT_PANICS` is set and not `0`, or, when it is unset, in the seed replay of
//! `cargo test` ([`tolerate_caught_panics_by_default`]), as in `scripts/fuzz.sh`'s runs. Every
//! batch has the reader's schema and `1..=batch_size` rows, and only the last is short. Reading
//! the columns in reverse order gives the same columns; shards 0 and 1 of 2 hold as many rows
//! as the whole file.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use arrow::array::RecordBatch;
use arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use axolotl_fast::Error;
use axolotl_fast::read::{self, OnError, ReadOptions, SkipLog};

/// Rows read at most from one file; a longer read is cut short and not compared.
pub const MAX_ROWS: usize = 100_000;

/// Reader options chosen by the options byte.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[allow(clippy::struct_excessive_bools)] // one flag per bit of the options byte
pub struct Settings {
    /// Rows per batch: 1, 3, 64 or 8192 (bits 0-1).
    pub batch_size: usize,
    /// `OnError::Skip` instead of `Raise` (bit 2).
    pub skip: bool,
    /// Decode width 1 or 2 (bit 3).
    pub width: usize,
    /// Also read the columns in reverse order and compare (bit 4).
    pub project: bool,
    /// Also read shards 0 and 1 of 2 and compare row counts (bit 5).
    pub shard: bool,
    /// Pass a fixed `schema=` (JSON, CSV and TSV only; bit 6).
    pub schema: bool,
}

impl Settings {
    /// The settings of options byte `byte`; `takes_schema` says whether bit 6 applies.
    pub fn from_byte(byte: u8, takes_schema: bool) -> Self {
        Settings {
            batch_size: [1, 3, 64, 8192][usize::from(byte & 3)],
            skip: byte & 4 != 0,
            width: if byte & 8 != 0 { 2 } else { 1 },
            project: byte & 16 != 0,
            shard: byte & 32 != 0,
            schema: takes_schema && byte & 64 != 0,
        }
    }

    fn options(&self, columns: Option<Vec<String>>, shard: Option<(usize, usize)>) -> ReadOptions {
        ReadOptions {
            batch_size: self.batch_size,
            columns,
            on_error: if self.skip {
                OnError::Skip
            } else {
                OnError::Raise
            },
            skips: Arc::new(SkipLog::default()),
            decode_width: self.width,
            shard,
            schema: self.schema.then(fixed_schema),
            ..ReadOptions::default()
        }
    }
}

/// The `schema=` of bit 6: a string, an integer and a float column.
fn fixed_schema() -> SchemaRef {
    Arc::new(Schema::new(vec![
        Field::new("text", DataType::Utf8, true),
        Field::new("n", DataType::Int64, true),
        Field::new("x", DataType::Float64, true),
    ]))
}

/// Splits a case into its options byte, variant byte and file bytes (missing bytes are 0).
pub fn split(data: &[u8]) -> (u8, u8, &[u8]) {
    match data {
        [] => (0, 0, &[]),
        [options] => (*options, 0, &[]),
        [options, variant, rest @ ..] => (*options, *variant, rest),
    }
}

/// This thread's scratch directory, under the system temp directory. One per thread, so
/// the seed replay's tests, which run on parallel threads, never share a file.
pub fn scratch_dir() -> PathBuf {
    static THREADS: AtomicUsize = AtomicUsize::new(0);
    thread_local! {
        static DIR: PathBuf = std::env::temp_dir().join(format!(
            "axolotl-fast-fuzz-{}-{}",
            std::process::id(),
            THREADS.fetch_add(1, Ordering::Relaxed)
        ));
    }
    DIR.with(Clone::clone)
}

/// Writes `bytes` to `name` in [`scratch_dir`] (made when missing) and returns its path.
pub fn scratch(name: &str, bytes: &[u8]) -> PathBuf {
    let dir = scratch_dir();
    std::fs::create_dir_all(&dir).expect("scratch directory");
    let path = dir.join(name);
    std::fs::write(&path, bytes).expect("scratch file");
    path
}

/// Removes this thread's [`scratch_dir`] and its files (the seed replay does, after each
/// target; a later [`scratch`] makes it again).
pub fn remove_scratch_dir() {
    let _ = std::fs::remove_dir_all(scratch_dir());
}

/// Whether a caught panic is tolerated when `FUZZ_ALLOW_CAUGHT_PANICS` is unset.
static TOLERATE_CAUGHT_PANICS_BY_DEFAULT: AtomicBool = AtomicBool::new(false);

/// Tolerates panics that the reader caught when `FUZZ_ALLOW_CAUGHT_PANICS` is unset, as
/// `scripts/fuzz.sh` does (it sets the variable to 1 unless told otherwise); `=0` still makes
/// them failures. The seed replay of `cargo test` calls this; a bare `cargo fuzz run` does
/// not, so there an unset variable means caught panics are findings.
pub fn tolerate_caught_panics_by_default() {
    TOLERATE_CAUGHT_PANICS_BY_DEFAULT.store(true, Ordering::Relaxed);
}

/// Whether a panic that the reader caught ("the decoder failed") is tolerated: the value of
/// `FUZZ_ALLOW_CAUGHT_PANICS` when set (anything but `0` tolerates), else the default.
fn caught_panics_allowed() -> bool {
    match std::env::var_os("FUZZ_ALLOW_CAUGHT_PANICS") {
        Some(value) => value != "0",
        None => TOLERATE_CAUGHT_PANICS_BY_DEFAULT.load(Ordering::Relaxed),
    }
}

/// What one read gave: the batches up to the end or the first error.
#[derive(Debug)]
pub struct Outcome {
    /// The schema, when `read` succeeded.
    pub schema: Option<SchemaRef>,
    /// The batches read before the end or the error.
    pub batches: Vec<RecordBatch>,
    /// The error that ended the read, if any.
    pub error: Option<Error>,
    /// Records skipped under `OnError::Skip`.
    pub skipped: u64,
    /// The read was cut short at [`MAX_ROWS`].
    pub cut: bool,
}

impl Outcome {
    /// Whether the read got to the end without an error or a cut.
    pub fn complete(&self) -> bool {
        self.error.is_none() && !self.cut
    }

    /// Rows in all batches.
    pub fn rows(&self) -> usize {
        self.batches.iter().map(RecordBatch::num_rows).sum()
    }
}

/// Opens `path` with `options` and reads it to the end, checking every batch and error.
pub fn read_file(path: &Path, options: ReadOptions) -> Outcome {
    let batch_size = options.batch_size;
    let mut outcome = Outcome {
        schema: None,
        batches: Vec::new(),
        error: None,
        skipped: 0,
        cut: false,
    };
    let mut reader = match read::read(&[path.to_path_buf()], options) {
        Ok(reader) => reader,
        Err(err) => {
            check_error(&err);
            outcome.error = Some(err);
            return outcome;
        }
    };
    let schema = reader.schema();
    loop {
        match reader.next_batch() {
            Ok(Some(batch)) => {
                check_batch(&batch, &schema, batch_size, &outcome.batches);
                outcome.batches.push(batch);
                if outcome.rows() > MAX_ROWS {
                    outcome.cut = true;
                    break;
                }
            }
            Ok(None) => break,
            Err(err) => {
                check_error(&err);
                outcome.error = Some(err);
                break;
            }
        }
    }
    outcome.skipped = reader.skipped().0;
    outcome.schema = Some(schema);
    outcome
}

/// A batch has the reader's schema and `1..=batch_size` rows; only the last may be short.
fn check_batch(batch: &RecordBatch, schema: &SchemaRef, batch_size: usize, before: &[RecordBatch]) {
    assert_eq!(
        batch.schema().fields(),
        schema.fields(),
        "batch schema differs"
    );
    let rows = batch.num_rows();
    assert!(
        rows >= 1 && rows <= batch_size,
        "batch of {rows} rows, batch_size {batch_size}"
    );
    if let Some(previous) = before.last() {
        assert_eq!(
            previous.num_rows(),
            batch_size,
            "a short batch was not the last"
        );
    }
}

/// A reader error must be a typed, expected one.
pub fn check_error(err: &Error) {
    match err {
        Error::DataFormat { reason, .. } => {
            let caught = reason.contains("the decoder failed");
            assert!(
                !caught || caught_panics_allowed(),
                "the reader caught a panic: {err}"
            );
        }
        Error::InvalidArgument { .. } => {}
        other => panic!("unexpected error kind: {other:?}"),
    }
}

/// Reads `bytes` as the file `name` with `settings`, checks the invariants of the module
/// documentation, and returns the plain read.
pub fn fuzz_read(name: &str, settings: Settings, bytes: &[u8]) -> Outcome {
    let path = scratch(name, bytes);
    let whole = read_file(&path, settings.options(None, None));
    if settings.project {
        check_reversed_columns(&path, settings, &whole);
    }
    if settings.shard {
        check_shards(&path, settings, &whole);
    }
    whole
}

/// Reading the columns in reverse order gives the same data, column for column.
fn check_reversed_columns(path: &Path, settings: Settings, whole: &Outcome) {
    let Some(schema) = whole.schema.as_ref().filter(|_| whole.complete()) else {
        return;
    };
    let names: Vec<String> = schema
        .fields()
        .iter()
        .rev()
        .map(|f| f.name().clone())
        .collect();
    if names.is_empty() {
        return;
    }
    let reversed = read_file(path, settings.options(Some(names.clone()), None));
    if !reversed.complete() {
        return; // duplicate names, or a column that only the projection skips decoding
    }
    assert_eq!(
        reversed.batches.len(),
        whole.batches.len(),
        "projection changed the batches"
    );
    let width = names.len();
    for (got, want) in reversed.batches.iter().zip(&whole.batches) {
        for (i, column) in got.columns().iter().enumerate() {
            let expected = want.column(width - 1 - i);
            assert_eq!(
                column.as_ref(),
                expected.as_ref(),
                "column {:?} differs",
                names[i]
            );
        }
    }
}

/// Shards 0 and 1 of 2 together hold the rows of the whole file.
fn check_shards(path: &Path, settings: Settings, whole: &Outcome) {
    if !whole.complete() {
        return;
    }
    let first = read_file(path, settings.options(None, Some((0, 2))));
    let second = read_file(path, settings.options(None, Some((1, 2))));
    if first.complete() && second.complete() {
        assert_eq!(
            first.rows() + second.rows(),
            whole.rows(),
            "shards lose or repeat rows"
        );
    }
}

/// Whether two reads of the same records (one compressed) gave the same result.
pub fn assert_same(plain: &Outcome, packed: &Outcome, plain_path: &Path, packed_path: &Path) {
    if plain.cut || packed.cut {
        return;
    }
    let describe = |outcome: &Outcome, path: &Path| {
        outcome.error.as_ref().map(|err| {
            let text = err.to_string();
            text.replace(&path.display().to_string(), "<file>")
        })
    };
    assert_eq!(
        describe(plain, plain_path),
        describe(packed, packed_path),
        "compressed and plain reads fail differently"
    );
    assert_eq!(
        plain.schema, packed.schema,
        "compressed and plain schemas differ"
    );
    assert_eq!(
        plain.batches, packed.batches,
        "compressed and plain batches differ"
    );
    assert_eq!(
        plain.skipped, packed.skipped,
        "compressed and plain skip counts differ"
    );
}
