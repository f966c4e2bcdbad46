//! The body of every fuzz target: one function per target, taking the raw fuzz input.
//!
//! Each `fuzz_targets/<target>.rs` is `fuzz_target!(|data: &[u8]| targets::<target>(data))`,
//! and `cargo test` at the repository root replays every committed seed of
//! `fuzz/seeds/<target>/` through the same function (`rust/tests/fuzz_seeds.rs`). So a seed
//! is decoded and checked exactly as libFuzzer runs it, and a seed that breaks an invariant
//! fails a plain test on stable Rust.
//!
//! Reader cases are `[options byte, variant byte, file bytes...]` (see [`crate::read_check`]);
//! the variant byte means what each function says.

use std::sync::Arc;

use arrow::array::{Array, AsArray};
use arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use axolotl_fast::read::Compression;
use axolotl_fast::read::text::csv_fields::split_plain;
use axolotl_fast::read::text::json_kinds::{Mode, walk_record};
use axolotl_fast::read::text::json_quick::record_fits;

use crate::compress::Codec;
use crate::pack_check::{self, PackCase};
use crate::read_check::{Settings, assert_same, fuzz_read, scratch_dir, split};

/// Parquet files: the file is named `input.parquet`; the variant byte is unused.
pub fn read_parquet(data: &[u8]) {
    let (options, _, bytes) = split(data);
    fuzz_read("input.parquet", Settings::from_byte(options, false), bytes);
}

/// Arrow IPC files and streams: the variant names the file `input.arrow` (the bytes decide
/// file or stream), `input.feather` (file) or `input.arrows` (stream).
pub fn read_ipc(data: &[u8]) {
    const NAMES: [&str; 3] = ["input.arrow", "input.feather", "input.arrows"];
    let (options, variant, bytes) = split(data);
    let name = NAMES[usize::from(variant) % NAMES.len()];
    fuzz_read(name, Settings::from_byte(options, false), bytes);
}

/// JSON Lines and `.json` (array or lines): the variant names the file `input.jsonl` or
/// `input.json`. Options bit 6 passes a fixed `schema=`. Beyond the shared invariants, the
/// quick SIMD check vouches only for lines the serde walk passes.
pub fn read_jsonl(data: &[u8]) {
    const NAMES: [&str; 2] = ["input.jsonl", "input.json"];
    let (options, variant, bytes) = split(data);
    let name = NAMES[usize::from(variant) % NAMES.len()];
    fuzz_read(name, Settings::from_byte(options, true), bytes);
    check_json_quick(bytes);
}

/// With columns inferred from the lines themselves (as the reader infers them), every line
/// `json_quick::record_fits` vouches for passes the serde walk of `json_kinds`.
fn check_json_quick(bytes: &[u8]) {
    let lines: Vec<&[u8]> = bytes
        .split(|&b| b == b'\n')
        .map(<[u8]>::trim_ascii)
        .filter(|line| !line.is_empty())
        .collect();
    let mut fields = Vec::new();
    for line in &lines {
        let mut widened = fields.clone();
        if let Ok(Ok(())) = walk_record(line, &mut widened, Mode::Infer) {
            fields = widened;
        }
    }
    for line in lines {
        let Ok(text) = std::str::from_utf8(line) else {
            continue;
        };
        if record_fits(text, &fields) {
            let walked = walk_record(line, &mut fields.clone(), Mode::Check);
            assert!(
                matches!(walked, Ok(Ok(()))),
                "vouched for {text:?}: {walked:?}"
            );
        }
    }
}

/// CSV and TSV: the variant names the file `input.csv` or `input.tsv`. Options bit 6 passes
/// a fixed `schema=`. Beyond the shared invariants, the SIMD field split agrees with `csv_core`.
pub fn read_csv(data: &[u8]) {
    const NAMES: [&str; 2] = ["input.csv", "input.tsv"];
    let (options, variant, bytes) = split(data);
    let name = NAMES[usize::from(variant) % NAMES.len()];
    fuzz_read(name, Settings::from_byte(options, true), bytes);
    check_csv_fast_split(bytes, if name.ends_with("tsv") { b'\t' } else { b',' });
}

/// Wherever the SIMD field split (`csv_fields::split_plain`) takes the bytes, for one to four
/// columns with and without a header, arrow-csv's `csv_core` reads them without error into the
/// same fields (its nulls being the split's empty strings).
fn check_csv_fast_split(bytes: &[u8], delimiter: u8) {
    for (columns, header) in (1..=4).flat_map(|c| [(c, false), (c, true)]) {
        let fields: Vec<Field> = (0..columns)
            .map(|i| Field::new(format!("c{i}"), DataType::Utf8, true))
            .collect();
        let schema: SchemaRef = Arc::new(Schema::new(fields));
        let Some(fast) = split_plain(bytes, header, delimiter, &schema) else {
            continue;
        };
        let reader = arrow::csv::ReaderBuilder::new(schema.clone())
            .with_delimiter(delimiter)
            .with_header(header)
            .build(std::io::Cursor::new(bytes))
            .expect("arrow-csv opens the bytes");
        let batches = reader.collect::<Result<Vec<_>, _>>();
        let batches = batches.expect("csv_core reads what the SIMD split took");
        let core = arrow::compute::concat_batches(&schema, &batches).expect("one schema");
        let case = format!("{columns} columns, header {header}");
        assert_eq!(
            fast.num_rows(),
            core.num_rows(),
            "rows of the SIMD split, {case}"
        );
        for (ours, theirs) in fast.columns().iter().zip(core.columns()) {
            let (ours, theirs) = (ours.as_string::<i32>(), theirs.as_string::<i32>());
            for row in 0..ours.len() {
                let expected = if theirs.is_null(row) {
                    ""
                } else {
                    theirs.value(row)
                };
                assert_eq!(ours.value(row), expected, "row {row}, {case}");
            }
        }
    }
}

/// Plain text (one `text` row per line): the file is named `input.txt`; the variant byte is
/// unused. Beyond the shared invariants, a complete read has one row per line (unless the
/// bytes start with a codec's magic number: such a file is decompressed, by design).
pub fn read_text(data: &[u8]) {
    let (options, _, bytes) = split(data);
    let outcome = fuzz_read("input.txt", Settings::from_byte(options, false), bytes);
    let compressed = Compression::from_magic(bytes).is_some();
    if outcome.complete() && outcome.skipped == 0 && !compressed {
        let body = bytes.strip_suffix(b"\n").unwrap_or(bytes);
        let lines = if bytes.is_empty() {
            0
        } else {
            body.split(|&b| b == b'\n').count()
        };
        assert_eq!(outcome.rows(), lines, "one row per line");
    }
}

/// The decompression wrappers (gzip, zstd, bzip2, xz, lz4) of the text readers.
///
/// The variant, as `crate::seeds::compressed_variant` lays it out: codec, inner format (JSON
/// Lines, CSV, text), whether the file name carries the codec's extension (else only the
/// magic bytes tell), and the mode. Raw mode reads the bytes as a compressed file (corrupt
/// streams must give typed errors). Round-trip mode compresses the bytes in two members and
/// reads both files: the compressed read must give exactly the plain read's batches, skips or
/// error.
pub fn read_compressed(data: &[u8]) {
    const INNER: [&str; 3] = ["jsonl", "csv", "txt"];
    /// First bytes that make the reader take a plain file for another format or a codec.
    const MAGICS: [&[u8]; 3] = [b"PAR1", b"ARROW1", &[0xff, 0xff, 0xff, 0xff]];
    let (options, variant, bytes) = split(data);
    let variant = usize::from(variant) % 60;
    let codec = Codec::ALL[variant % 5];
    let inner = INNER[variant / 5 % 3];
    let named = variant / 15 % 2 == 0;
    let settings = Settings::from_byte(options, inner != "txt");
    let name = if named {
        format!("packed.{inner}.{}", codec.extension())
    } else {
        format!("packed.{inner}")
    };
    if variant < 30 {
        fuzz_read(&name, settings, bytes);
        return;
    }
    let confusing = Compression::from_magic(bytes).is_some()
        || MAGICS.iter().any(|magic| bytes.starts_with(magic));
    let packed = fuzz_read(&name, settings, &codec.two_members(bytes));
    let plain_name = format!("plain.{inner}");
    let plain = fuzz_read(&plain_name, settings, bytes);
    if !confusing {
        let dir = scratch_dir();
        assert_same(&plain, &packed, &dir.join(plain_name), &dir.join(name));
    }
}

/// The packing planner on the [`PackCase`] that `arbitrary` builds from `data`, decoded as
/// libfuzzer-sys decodes a typed fuzz input ([`PackCase::from_fuzz_input`]). Returns `false`
/// when `data` makes no case (libFuzzer then rejects the input), `true` once it was checked.
pub fn pack(data: &[u8]) -> bool {
    let Some(case) = PackCase::from_fuzz_input(data) else {
        return false;
    };
    pack_check::run(&case);
    true
}
